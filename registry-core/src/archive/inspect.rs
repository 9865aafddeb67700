//! Streaming inspection of `.tar.gz` and `.zip` archives.
//!
//! Every entry is checked (path, type, duplicates, depth, counts, sizes) as it
//! streams; regular files are hashed in chunks and only the files the registry
//! parses are kept in memory, so memory stays flat whatever the archive holds.
//! Unpacking is the same walk writing each file out as it is checked.

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{ArchiveBody, ArchiveFormat, ArchiveLimits, FileDigest, ModuleFiles};
use crate::digest::Sha256Hasher;
use crate::error::{Error, ErrorKind, Result};

/// What inspection learned about an archive.
#[derive(Debug, Clone)]
pub struct ArchiveInspection {
    /// The container format.
    pub format: ArchiveFormat,
    /// The files the registry parses, relative to the module root.
    pub files: ModuleFiles,
    /// Every regular file with size and sha256, relative to the module root, sorted by path.
    pub manifest: Vec<FileDigest>,
    /// The single top-level folder every entry sat under, if any; stripped from the paths above.
    pub root_dir: Option<String>,
    /// Entries seen (files and folders).
    pub entries: u64,
    /// Total unpacked size of the regular files.
    pub uncompressed_bytes: u64,
    /// The contents of the file [`read_archive_file`] asked for, if the
    /// archive holds it.
    pub requested: Option<Bytes>,
}

/// Inspect an archive on a blocking thread.
pub async fn inspect_archive(
    body: &ArchiveBody,
    limits: &ArchiveLimits,
) -> Result<ArchiveInspection> {
    walk_archive(body, limits, None).await
}

/// Inspect an archive and write its files under `dir` as they stream by,
/// with every check of [`inspect_archive`] (no links, no paths leaving
/// the archive, the size and count limits). `dir` must be empty; on an
/// error it may hold part of the archive (use a temporary folder). The
/// module root is `dir` joined with the inspection's `root_dir`, if any.
pub async fn unpack_archive(
    body: &ArchiveBody,
    limits: &ArchiveLimits,
    dir: &Path,
) -> Result<ArchiveInspection> {
    walk_archive(body, limits, Some(dir.to_path_buf())).await
}

/// One file of an archive, by its path inside the archive (a `root_dir`
/// prefix included), read with every check of [`inspect_archive`]; `None`
/// when the archive has no such file. A file over `max_bytes` is
/// `TooLarge`.
pub async fn read_archive_file(
    body: &ArchiveBody,
    limits: &ArchiveLimits,
    path: &str,
    max_bytes: u64,
) -> Result<Option<Bytes>> {
    let pick = Pick {
        path: path.to_string(),
        max_bytes,
    };
    Ok(walk(body, limits, None, Some(pick)).await?.requested)
}

/// A file whose contents a walk keeps, whatever its kind.
#[derive(Debug, Clone)]
struct Pick {
    path: String,
    max_bytes: u64,
}

async fn walk_archive(
    body: &ArchiveBody,
    limits: &ArchiveLimits,
    extract: Option<PathBuf>,
) -> Result<ArchiveInspection> {
    walk(body, limits, extract, None).await
}

async fn walk(
    body: &ArchiveBody,
    limits: &ArchiveLimits,
    extract: Option<PathBuf>,
    pick: Option<Pick>,
) -> Result<ArchiveInspection> {
    let head = body.head(4).await?;
    let format = ArchiveFormat::sniff(&head)
        .ok_or_else(|| Error::invalid_input("the archive is neither a .tar.gz nor a .zip file"))?;
    let body = body.clone();
    let limits = *limits;
    tokio::task::spawn_blocking(move || {
        let reader = body.blocking_reader()?;
        let mut c = Collector::new(&limits, extract);
        c.pick = pick;
        match format {
            ArchiveFormat::TarGz => inspect_tar_gz(reader, c),
            ArchiveFormat::Zip => inspect_zip(reader, c),
        }
    })
    .await
    .map_err(|e| Error::new(ErrorKind::Backend, "archive inspection task failed").with_source(e))?
}

fn reject(entry: &str, why: impl std::fmt::Display) -> Error {
    Error::invalid_input(format!("archive entry {entry:?} rejected: {why}"))
        .with_context("entry", entry)
}

fn limit(which: &'static str, msg: String) -> Error {
    Error::new(ErrorKind::TooLarge, msg).with_context("limit", which)
}

/// Accumulates the checks and results while entries stream by.
struct Collector<'a> {
    limits: &'a ArchiveLimits,
    seen: HashSet<String>,
    dirs: HashSet<String>,
    kept: BTreeMap<String, Bytes>,
    manifest: Vec<FileDigest>,
    entries: u64,
    total: u64,
    /// Bytes of the files kept for parsing so far.
    kept_total: u64,
    /// Where files are written as they are read, when unpacking.
    extract: Option<PathBuf>,
    /// A file to keep whatever its kind ([`read_archive_file`]).
    pick: Option<Pick>,
    picked: Option<Bytes>,
}

impl<'a> Collector<'a> {
    fn new(limits: &'a ArchiveLimits, extract: Option<PathBuf>) -> Self {
        Collector {
            extract,
            limits,
            seen: HashSet::new(),
            dirs: HashSet::new(),
            kept: BTreeMap::new(),
            manifest: Vec::new(),
            entries: 0,
            total: 0,
            kept_total: 0,
            pick: None,
            picked: None,
        }
    }

    /// Check and normalise an entry path; returns it without `./` and trailing `/`.
    fn path(&mut self, raw: &str, is_dir: bool) -> Result<Option<String>> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(limit(
                "max_entries",
                format!("archive has more than {} entries", self.limits.max_entries),
            ));
        }
        if raw.contains('\0') || raw.contains('\\') {
            return Err(reject(raw, "path contains a backslash or NUL"));
        }
        if raw.starts_with('/') || (raw.len() >= 2 && raw.as_bytes()[1] == b':') {
            return Err(reject(raw, "absolute path"));
        }
        let mut parts = Vec::new();
        for c in raw.split('/') {
            match c {
                "" | "." => continue,
                ".." => return Err(reject(raw, "path escapes the archive with '..'")),
                c => parts.push(c),
            }
        }
        if parts.is_empty() {
            return Ok(None); // "./" itself
        }
        if parts.len() > self.limits.max_path_depth {
            return Err(limit(
                "max_path_depth",
                format!(
                    "archive entry {raw:?} is {} levels deep; the limit is {}",
                    parts.len(),
                    self.limits.max_path_depth
                ),
            ));
        }
        let path = parts.join("/");
        if is_dir {
            if self.seen.contains(&path) {
                return Err(reject(raw, "a file and a folder share this path"));
            }
            self.dirs.insert(path.clone());
        } else if self.dirs.contains(&path) || !self.seen.insert(path.clone()) {
            return Err(reject(raw, "duplicate entry"));
        }
        Ok(Some(path))
    }

    /// Hash (and maybe keep) a regular file's contents.
    fn file(&mut self, path: String, declared: u64, mut r: impl Read) -> Result<()> {
        let max_total = self.limits.max_uncompressed_bytes;
        let keep = super::is_parsed_file(&path);
        let picking = self
            .pick
            .as_ref()
            .filter(|p| p.path == path)
            .map(|p| p.max_bytes);
        let mut picked = Vec::new();
        let mut hasher = Sha256Hasher::new();
        let mut kept = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut out = match &self.extract {
            Some(dir) => Some(create_file(dir, &path)?),
            None => None,
        };
        loop {
            let n = r.read(&mut buf).map_err(|e| {
                Error::invalid_input(format!("archive entry {path:?} could not be read: {e}"))
                    .with_source(e)
            })?;
            if n == 0 {
                break;
            }
            self.total += n as u64;
            if self.total > max_total {
                return Err(limit(
                    "max_uncompressed_bytes",
                    format!("archive unpacks to more than {max_total} bytes"),
                ));
            }
            hasher.update(&buf[..n]);
            if let Some(f) = &mut out {
                f.write_all(&buf[..n])
                    .map_err(|e| unpack_failed(&path, e))?;
            }
            if keep && hasher.len() <= self.limits.max_parsed_file_bytes {
                kept.extend_from_slice(&buf[..n]);
            }
            if let Some(max) = picking {
                if hasher.len() > max {
                    return Err(limit(
                        "max_bytes",
                        format!("archive entry {path:?} is larger than {max} bytes"),
                    ));
                }
                picked.extend_from_slice(&buf[..n]);
            }
        }
        let size = hasher.len();
        if declared != size {
            return Err(reject(
                &path,
                format!("declared {declared} bytes but holds {size}"),
            ));
        }
        if picking.is_some() {
            self.picked = Some(picked.into());
        }
        if keep {
            let within_budget = self.kept_total + size <= self.limits.max_parsed_bytes;
            if size <= self.limits.max_parsed_file_bytes && within_budget {
                self.kept_total += size;
                self.kept.insert(path.clone(), kept.into());
            } else if super::is_source_file(&path) && !within_budget {
                return Err(limit(
                    "max_parsed_bytes",
                    format!(
                        "the archive's configuration files, {path:?} included, hold more than {} bytes, the most parsed for one module version",
                        self.limits.max_parsed_bytes
                    ),
                ));
            } else if super::is_source_file(&path) {
                return Err(limit(
                    "max_parsed_file_bytes",
                    format!(
                        "archive entry {path:?} is {size} bytes; configuration files are limited to {}",
                        self.limits.max_parsed_file_bytes
                    ),
                ));
            }
        }
        self.manifest.push(FileDigest {
            path,
            size,
            sha256: hasher.finish(),
        });
        Ok(())
    }

    fn finish(mut self, format: ArchiveFormat) -> ArchiveInspection {
        let root_dir = self.single_root();
        let strip = |p: &str| -> String {
            match &root_dir {
                Some(r) => p[r.len() + 1..].to_string(),
                None => p.to_string(),
            }
        };
        for f in &mut self.manifest {
            f.path = strip(&f.path);
        }
        self.manifest.sort_by(|a, b| a.path.cmp(&b.path));
        let files = self
            .kept
            .iter()
            .map(|(p, b)| (strip(p), b.clone()))
            .collect();
        ArchiveInspection {
            format,
            files,
            manifest: self.manifest,
            root_dir,
            entries: self.entries,
            uncompressed_bytes: self.total,
            requested: self.picked,
        }
    }

    /// The one top-level folder all files sit under, when no file is at the top.
    fn single_root(&self) -> Option<String> {
        let mut root: Option<&str> = None;
        for f in &self.manifest {
            let (first, _) = f.path.split_once('/')?;
            match root {
                None => root = Some(first),
                Some(r) if r == first => {}
                Some(_) => return None,
            }
        }
        let root = root?;
        let other_dirs = self.dirs.iter().any(|d| d.split('/').next() != Some(root));
        (!other_dirs).then(|| root.to_string())
    }
}

fn unpack_failed(path: &str, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Backend, format!("cannot unpack {path:?}: {e}")).with_source(e)
}

/// Create `path` (already checked: relative, no `..`) under `dir`, never
/// replacing what is there.
fn create_file(dir: &Path, path: &str) -> Result<std::fs::File> {
    let dest = dir.join(path);
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| unpack_failed(path, e))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&dest)
        .map_err(|e| unpack_failed(path, e))
}

fn malformed(format: ArchiveFormat, e: impl std::fmt::Display) -> Error {
    Error::invalid_input(format!("malformed {format} archive: {e}"))
}

fn inspect_tar_gz(reader: impl Read, mut c: Collector<'_>) -> Result<ArchiveInspection> {
    use tar::EntryType;
    let fmt = ArchiveFormat::TarGz;
    let gz = flate2::read::MultiGzDecoder::new(reader);
    let mut archive = tar::Archive::new(gz);
    for entry in archive.entries().map_err(|e| malformed(fmt, e))? {
        let entry = entry.map_err(|e| malformed(fmt, e))?;
        let etype = entry.header().entry_type();
        if matches!(etype, EntryType::XGlobalHeader | EntryType::XHeader) {
            continue;
        }
        let raw = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| malformed(fmt, "an entry path is not UTF-8"))?;
        match etype {
            EntryType::Directory => {
                c.path(&raw, true)?;
            }
            EntryType::Regular | EntryType::Continuous => {
                let declared = entry.header().size().map_err(|e| malformed(fmt, e))?;
                if let Some(path) = c.path(&raw, false)? {
                    c.file(path, declared, entry)?;
                }
            }
            EntryType::Symlink | EntryType::Link => {
                return Err(reject(&raw, "links are not allowed in module archives"));
            }
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                return Err(reject(&raw, "device and fifo entries are not allowed"));
            }
            other => return Err(reject(&raw, format!("unsupported entry type {other:?}"))),
        }
    }
    Ok(c.finish(fmt))
}

fn inspect_zip(
    reader: impl Read + std::io::Seek,
    mut c: Collector<'_>,
) -> Result<ArchiveInspection> {
    let fmt = ArchiveFormat::Zip;
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| malformed(fmt, e))?;
    if archive.len() as u64 > c.limits.max_entries {
        return Err(limit(
            "max_entries",
            format!("archive has more than {} entries", c.limits.max_entries),
        ));
    }
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| malformed(fmt, e))?;
        let raw = entry.name().map_err(|e| malformed(fmt, e))?.to_string();
        if entry.is_symlink() {
            return Err(reject(&raw, "links are not allowed in module archives"));
        }
        if entry.is_dir() {
            c.path(&raw, true)?;
            continue;
        }
        if let Some(mode) = entry.unix_mode() {
            let kind = mode & 0o170000;
            if kind != 0 && kind != 0o100000 {
                return Err(reject(&raw, "only regular files and folders are allowed"));
            }
        }
        let declared = entry.size();
        if let Some(path) = c.path(&raw, false)? {
            // Read at most one byte past the declared size so a lying header is caught.
            c.file(path, declared, entry.take(declared.saturating_add(1)))?;
        }
    }
    Ok(c.finish(fmt))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TarBuilder, zip_archive};

    async fn inspect(bytes: Vec<u8>) -> Result<ArchiveInspection> {
        inspect_archive(
            &ArchiveBody::Memory(bytes.into()),
            &ArchiveLimits::default(),
        )
        .await
    }

    #[tokio::test]
    async fn tar_gz_files_are_kept_and_hashed() {
        let a = TarBuilder::new()
            .file("main.tf", "variable \"x\" {}\n")
            .dir("modules/")
            .file("modules/sub/main.tf", "output \"y\" { value = 1 }\n")
            .file("lambda.bin", vec![7u8; 100_000])
            .finish();
        let i = inspect(a).await.unwrap();
        assert_eq!(i.format, ArchiveFormat::TarGz);
        assert_eq!(i.root_dir, None);
        assert_eq!(i.files.len(), 2, "binary file is hashed but not kept");
        assert_eq!(i.manifest.len(), 3);
        assert_eq!(i.manifest[0].path, "lambda.bin");
        assert_eq!(i.manifest[0].size, 100_000);
        assert_eq!(
            i.uncompressed_bytes,
            100_000
                + "variable \"x\" {}\n".len() as u64
                + "output \"y\" { value = 1 }\n".len() as u64
        );
    }

    #[tokio::test]
    async fn unpacking_writes_every_file_and_refuses_what_inspection_refuses() {
        let a = TarBuilder::new()
            .file("mod-1.0/main.tf", "variable \"x\" {}\n")
            .file("mod-1.0/files/blob.bin", vec![9u8; 70_000])
            .finish();
        let dir = tempfile::tempdir().unwrap();
        let body = ArchiveBody::Memory(a.into());
        let i = unpack_archive(&body, &ArchiveLimits::default(), dir.path())
            .await
            .unwrap();
        let root = dir.path().join(i.root_dir.as_deref().unwrap());
        assert_eq!(
            std::fs::read_to_string(root.join("main.tf")).unwrap(),
            "variable \"x\" {}\n"
        );
        assert_eq!(
            std::fs::read(root.join("files/blob.bin")).unwrap(),
            vec![9u8; 70_000]
        );

        let zip = zip_archive(&[("main.tf", b"x = 1\n"), ("sub/a.txt", b"a")]);
        let dir = tempfile::tempdir().unwrap();
        unpack_archive(
            &ArchiveBody::Memory(zip.into()),
            &ArchiveLimits::default(),
            dir.path(),
        )
        .await
        .unwrap();
        assert_eq!(std::fs::read(dir.path().join("sub/a.txt")).unwrap(), b"a");

        for (bad, why) in [
            (
                TarBuilder::new().symlink("evil", "/etc/passwd").finish(),
                "links",
            ),
            (TarBuilder::new().file("../escape.tf", "x").finish(), "'..'"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let e = unpack_archive(
                &ArchiveBody::Memory(bad.into()),
                &ArchiveLimits::default(),
                dir.path(),
            )
            .await
            .unwrap_err();
            assert!(e.to_string().contains(why), "{e}");
            assert!(!dir.path().parent().unwrap().join("escape.tf").exists());
        }
    }

    #[tokio::test]
    async fn single_top_level_folder_is_stripped() {
        let a = TarBuilder::new()
            .dir("repo-1.0.0/")
            .file("repo-1.0.0/main.tf", "x = 1\n")
            .file("repo-1.0.0/modules/a/main.tf", "y = 1\n")
            .finish();
        let i = inspect(a).await.unwrap();
        assert_eq!(i.root_dir.as_deref(), Some("repo-1.0.0"));
        assert!(i.files.get("main.tf").is_some());
        assert!(i.files.get("modules/a/main.tf").is_some());
    }

    #[tokio::test]
    async fn dangerous_entries_are_rejected_by_name() {
        let cases: Vec<(TarBuilder, &str)> = vec![
            (TarBuilder::new().raw_file("../evil.tf", b"x"), "../evil.tf"),
            (
                TarBuilder::new().raw_file("/etc/passwd", b"x"),
                "/etc/passwd",
            ),
            (
                TarBuilder::new().symlink("link.tf", "/etc/passwd"),
                "link.tf",
            ),
            (TarBuilder::new().hardlink("hard.tf", "main.tf"), "hard.tf"),
            (TarBuilder::new().fifo("pipe"), "pipe"),
            (
                TarBuilder::new()
                    .file("main.tf", "a")
                    .file("./main.tf", "b"),
                "./main.tf",
            ),
        ];
        for (b, name) in cases {
            let e = inspect(b.finish()).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{name}: {e}");
            assert!(e.to_string().contains(name), "{name}: {e}");
        }
    }

    #[tokio::test]
    async fn limits_are_enforced_and_named() {
        let deep = format!("{}main.tf", "d/".repeat(40));
        let e = inspect(TarBuilder::new().file(&deep, "x").finish())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert_eq!(e.context_value("limit"), Some("max_path_depth"));

        let limits = ArchiveLimits {
            max_entries: 3,
            max_uncompressed_bytes: 1000,
            ..Default::default()
        };
        let many = (0..5)
            .fold(TarBuilder::new(), |b, i| b.file(&format!("f{i}.tf"), "x"))
            .finish();
        let e = inspect_archive(&ArchiveBody::Memory(many.into()), &limits)
            .await
            .unwrap_err();
        assert_eq!(e.context_value("limit"), Some("max_entries"));

        let big = TarBuilder::new().file("big.bin", vec![0u8; 5000]).finish();
        let e = inspect_archive(&ArchiveBody::Memory(big.into()), &limits)
            .await
            .unwrap_err();
        assert_eq!(e.context_value("limit"), Some("max_uncompressed_bytes"));
    }

    #[tokio::test]
    async fn configuration_past_the_parse_budget_is_refused_but_other_files_are_not() {
        let limits = ArchiveLimits {
            max_parsed_file_bytes: 400,
            max_parsed_bytes: 1000,
            ..Default::default()
        };
        let within = (0..2)
            .fold(TarBuilder::new(), |b, i| {
                b.file(&format!("f{i}.tf"), vec![b'#'; 400])
            })
            .file("blob.bin", vec![0u8; 50_000])
            .finish();
        let ok = inspect_archive(&ArchiveBody::Memory(within.into()), &limits)
            .await
            .unwrap();
        assert_eq!(ok.files.len(), 2, "the binary file is not kept");
        let past = (0..3)
            .fold(TarBuilder::new(), |b, i| {
                b.file(&format!("f{i}.tf"), vec![b'#'; 400])
            })
            .finish();
        let e = inspect_archive(&ArchiveBody::Memory(past.into()), &limits)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert_eq!(e.context_value("limit"), Some("max_parsed_bytes"));
        assert!(e.to_string().contains("f2.tf"), "{e}");
    }

    #[tokio::test]
    async fn garbage_is_a_clear_error() {
        let e = inspect(b"not an archive at all".to_vec())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains(".tar.gz"), "{e}");
        let mut truncated = TarBuilder::new()
            .file("main.tf", vec![b'x'; 50_000])
            .finish();
        truncated.truncate(truncated.len() / 2);
        let e = inspect(truncated).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }

    #[tokio::test]
    async fn zip_archives_are_inspected_too() {
        let z = zip_archive(&[("main.tf", b"a = 1\n".as_slice()), ("sub/x.tf", b"b = 2\n")]);
        let i = inspect(z).await.unwrap();
        assert_eq!(i.format, ArchiveFormat::Zip);
        assert_eq!(i.files.len(), 2);
        let evil = zip_archive(&[("../x.tf", b"a".as_slice())]);
        let e = inspect(evil).await.unwrap_err();
        assert!(e.to_string().contains("../x.tf"), "{e}");
        let nested = zip_archive(&[("pkg/main.tf", b"a".as_slice()), ("pkg/b.tf", b"b")]);
        assert_eq!(
            inspect(nested).await.unwrap().root_dir.as_deref(),
            Some("pkg")
        );
    }
}
