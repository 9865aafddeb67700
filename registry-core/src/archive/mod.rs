//! Module archives: bodies (in memory or spooled to disk), limits, and the
//! streaming inspection publish runs before anything is stored.

mod body;
mod inspect;
#[cfg(feature = "pack")]
mod pack;
mod spool;
mod subdir;

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::digest::Sha256Digest;

pub use body::{ArchiveBody, ReadSeek, STREAM_CHUNK, SpoolFile};
pub use inspect::{ArchiveInspection, inspect_archive, read_archive_file, unpack_archive};
#[cfg(feature = "pack")]
pub use pack::{pack_dir, pack_tree};
pub use spool::{SpooledArchive, spool_bytes, spool_stream};

/// The container format of a module archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArchiveFormat {
    /// gzip-compressed tar (`.tar.gz`, `.tgz`).
    #[serde(rename = "tar.gz")]
    TarGz,
    /// zip.
    Zip,
}

impl ArchiveFormat {
    /// Detect the format from the first bytes of the archive.
    pub fn sniff(head: &[u8]) -> Option<ArchiveFormat> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(ArchiveFormat::TarGz)
        } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Some(ArchiveFormat::Zip)
        } else {
            None
        }
    }

    /// The file extension used in download URLs (`tar.gz`, `zip`), which is
    /// also the value of go-getter's `archive=` parameter.
    pub fn extension(self) -> &'static str {
        match self {
            ArchiveFormat::TarGz => "tar.gz",
            ArchiveFormat::Zip => "zip",
        }
    }
}

impl fmt::Display for ArchiveFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// Limits applied while an archive is inspected. Exceeding one is an error
/// naming the limit; nothing is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ArchiveLimits {
    /// Largest accepted archive, compressed (default 100 MiB).
    pub max_compressed_bytes: u64,
    /// Largest total size of all files once unpacked (default 500 MiB).
    pub max_uncompressed_bytes: u64,
    /// Most entries (files and folders) in one archive (default 10,000).
    pub max_entries: u64,
    /// Deepest path, in components (default 32).
    pub max_path_depth: usize,
    /// Largest file kept in memory for parsing (`.tf`, README...) (default 4 MiB).
    pub max_parsed_file_bytes: u64,
    /// Most bytes of all files kept for parsing together (default 8 MiB):
    /// parsing costs memory and time many times the text's size, so this,
    /// not the unpacked size, bounds what one publish may cost.
    pub max_parsed_bytes: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_compressed_bytes: 100 * 1024 * 1024,
            max_uncompressed_bytes: 500 * 1024 * 1024,
            max_entries: 10_000,
            max_path_depth: 32,
            max_parsed_file_bytes: 4 * 1024 * 1024,
            max_parsed_bytes: 8 * 1024 * 1024,
        }
    }
}

/// One regular file of an unpacked archive: path relative to the module root, size and sha256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// Path relative to the module root, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// sha256 of the contents.
    pub sha256: Sha256Digest,
}

/// Whether a file is one the registry reads (Terraform/OpenTofu sources,
/// tests, READMEs, terraform-docs settings) and so keeps in memory.
pub fn is_parsed_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".tf")
        || lower.ends_with(".tofu")
        || lower.ends_with(".tf.json")
        || lower.ends_with(".tofu.json")
        || lower.ends_with(".tftest.hcl")
        || lower.ends_with(".tftest.json")
        || lower.ends_with(".tofutest.hcl")
        || lower == ".terraform-docs.yml"
        || lower == ".terraform.lock.hcl"
        || lower.ends_with(".md")
        || lower == ".terraform-docs.yaml"
        || lower.starts_with("readme")
}

/// Whether a file is a configuration source whose absence from memory would
/// make the module's summary wrong (so exceeding the in-memory cap is an error).
pub fn is_source_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".tf")
        || lower.ends_with(".tofu")
        || lower.ends_with(".tf.json")
        || lower.ends_with(".tofu.json")
}

/// The files of a module the registry reads, by path relative to the module root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleFiles {
    files: BTreeMap<String, Bytes>,
}

impl ModuleFiles {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add or replace a file.
    pub fn insert(&mut self, path: impl Into<String>, contents: impl Into<Bytes>) {
        self.files.insert(path.into(), contents.into());
    }

    /// A file's contents.
    pub fn get(&self, path: &str) -> Option<&Bytes> {
        self.files.get(path)
    }

    /// A file's contents as UTF-8 text, if it is.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(|b| std::str::from_utf8(b).ok())
    }

    /// All files in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Bytes)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files directly inside directory `dir` (`""` for the root).
    pub fn in_dir<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = (&'a str, &'a Bytes)> + 'a {
        self.iter().filter(move |(p, _)| parent_dir(p) == dir)
    }

    /// The distinct directories holding at least one file, sorted.
    pub fn dirs(&self) -> Vec<String> {
        let mut dirs: Vec<String> = self
            .files
            .keys()
            .map(|p| parent_dir(p).to_string())
            .collect();
        dirs.dedup();
        dirs.sort();
        dirs.dedup();
        dirs
    }
}

/// The directory part of a `/`-separated path (`""` at the root).
pub fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

impl FromIterator<(String, Bytes)> for ModuleFiles {
    fn from_iter<T: IntoIterator<Item = (String, Bytes)>>(iter: T) -> Self {
        ModuleFiles {
            files: iter.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_formats() {
        assert_eq!(
            ArchiveFormat::sniff(&[0x1f, 0x8b, 8]),
            Some(ArchiveFormat::TarGz)
        );
        assert_eq!(
            ArchiveFormat::sniff(b"PK\x03\x04..."),
            Some(ArchiveFormat::Zip)
        );
        assert_eq!(ArchiveFormat::sniff(b"hello"), None);
    }

    #[test]
    fn parsed_files_are_recognised() {
        for p in [
            "main.tf",
            "x/variables.TF",
            "a.tf.json",
            "README.md",
            "tests/a.tftest.hcl",
            ".terraform-docs.yml",
            "m.tofu",
        ] {
            assert!(is_parsed_file(p), "{p}");
        }
        for p in ["lambda.zip", "main.tf.bak", "scripts/run.sh"] {
            assert!(!is_parsed_file(p), "{p}");
        }
    }

    #[test]
    fn module_files_dirs() {
        let mut f = ModuleFiles::new();
        f.insert("main.tf", "a");
        f.insert("modules/sub/main.tf", "b");
        f.insert("modules/sub/outputs.tf", "c");
        assert_eq!(f.dirs(), vec!["".to_string(), "modules/sub".to_string()]);
        assert_eq!(f.in_dir("modules/sub").count(), 2);
        assert_eq!(f.in_dir("").count(), 1);
    }
}
