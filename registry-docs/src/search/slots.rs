//! Index directories on disk: one slot per process, and the audit-log
//! position stored with each commit.
//!
//! tantivy allows one writer per index directory. Processes sharing a data
//! directory therefore each take a slot of their own (`v{SCHEMA}-{N}`),
//! the first whose writer lock is free; a restarted process takes a free
//! slot back, finds the position its last commit stored, and catches up
//! from the audit log. One elected writer with reloading readers was the
//! other way: it needs a lease and a hand-over when the writer stops, and
//! every reader would lag by the writer's commit interval; slots cost disk
//! per process and nothing else.

use std::path::{Path, PathBuf};

use registry_core::{Error, ErrorKind, Result};
use tantivy::directory::MmapDirectory;
use tantivy::directory::error::LockError;
use tantivy::schema::Schema;
use tantivy::{Index, IndexSettings, IndexWriter, TantivyError};

use super::schema::SCHEMA_VERSION;
use super::tantivy_err;

/// Most processes that may share one data directory's search indexes.
const MAX_SLOTS: usize = 64;

/// An index directory this process writes.
pub(super) struct Slot {
    pub(super) index: Index,
    pub(super) writer: IndexWriter,
    pub(super) path: PathBuf,
}

/// The first free slot under `dir`, opened (or created) with `schema`.
pub(super) fn take(dir: &Path, schema: &Schema, budget: usize) -> Result<Slot> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    for n in 0..MAX_SLOTS {
        let path = dir.join(format!("v{SCHEMA_VERSION}-{n}"));
        if let Some(slot) = open(&path, schema, budget)? {
            return Ok(slot);
        }
    }
    Err(Error::new(
        ErrorKind::Conflict,
        format!(
            "all {MAX_SLOTS} search index slots under {} are held by other processes",
            dir.display()
        ),
    ))
}

/// The index at `path` with its writer; `None` when another process
/// holds the writer.
fn open(path: &Path, schema: &Schema, budget: usize) -> Result<Option<Slot>> {
    std::fs::create_dir_all(path).map_err(|e| io_error(path, e))?;
    let directory = MmapDirectory::open(path).map_err(|e| {
        Error::backend(
            "search",
            format!("cannot open the search index at {}", path.display()),
            e,
        )
    })?;
    let index = if Index::exists(&directory)
        .map_err(|e| Error::backend("search", format!("cannot read {}", path.display()), e))?
    {
        let index = Index::open(directory).map_err(tantivy_err)?;
        if index.schema() != *schema {
            return Err(Error::new(
                ErrorKind::Misconfigured,
                format!(
                    "the search index at {} has another schema than this build's version {SCHEMA_VERSION}; remove it to rebuild",
                    path.display()
                ),
            ));
        }
        index
    } else {
        Index::create(directory, schema.clone(), IndexSettings::default()).map_err(tantivy_err)?
    };
    match index.writer_with_num_threads(1, budget) {
        Ok(writer) => Ok(Some(Slot {
            index,
            writer,
            path: path.to_path_buf(),
        })),
        Err(TantivyError::LockFailure(LockError::LockBusy, _)) => Ok(None),
        Err(e) => Err(tantivy_err(e)),
    }
}

/// The commit payload recording the audit-log position `seq`.
pub(super) fn position_payload(seq: u64) -> String {
    format!("audit-seq:{seq}")
}

/// The audit-log position the index's last commit recorded.
pub(super) fn stored_position(index: &Index) -> Result<Option<u64>> {
    let metas = index.load_metas().map_err(tantivy_err)?;
    Ok(metas
        .payload
        .as_deref()
        .and_then(|p| p.strip_prefix("audit-seq:"))
        .and_then(|n| n.parse().ok()))
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::backend("search", format!("cannot create {}", path.display()), e)
}
