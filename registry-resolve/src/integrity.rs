//! Hashing installed module trees and checking them against a lock file.

use std::path::{Path, PathBuf};

use registry_core::{
    Error, ErrorKind, FileDigest, Hash1, Result, Sha256Hasher, TreeHasher, constant_time_eq,
};

use crate::lockfile::LockFile;

fn walk(root: &Path, dir: &Path, out: &mut Vec<FileDigest>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            walk(root, &path, out)?;
        } else if ft.is_file() {
            let rel = path
                .strip_prefix(root)
                .map_err(|_| Error::invalid_input("path outside the tree"))?
                .to_string_lossy()
                .replace('\\', "/");
            let mut h = Sha256Hasher::new();
            let mut f = std::fs::File::open(&path)?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = std::io::Read::read(&mut f, &mut buf)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            let size = h.len();
            out.push(FileDigest {
                path: rel,
                size,
                sha256: h.finish(),
            });
        } else if ft.is_symlink() {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!(
                    "{} is a symbolic link; module trees cannot contain links",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// The `h1:` hash of a directory tree, as Go's `dirhash.HashDir` with an
/// empty prefix computes it.
pub fn hash_dir(dir: &Path) -> Result<String> {
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    Hash1.tree_hash(&files)
}

/// One installed module checked against its lock entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedModule {
    /// The call path (`vpc.subnets`).
    pub path: String,
    /// The installed version.
    pub version: String,
    /// The hash found on disk.
    pub h1: String,
}

#[derive(serde::Deserialize)]
struct Manifest {
    #[serde(rename = "Modules")]
    modules: Vec<ManifestEntry>,
}

#[derive(serde::Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Version", default)]
    version: Option<String>,
    #[serde(rename = "Source", default)]
    source: String,
    #[serde(rename = "Dir")]
    dir: String,
}

/// A module `terraform init` installed from a registry that the lock file
/// does not pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlockedModule {
    /// The call path (`vpc.subnets`).
    pub path: String,
    /// Its source address.
    pub source: String,
    /// The installed version.
    pub version: String,
}

fn read_manifest(root: &Path) -> Result<Manifest> {
    let manifest_path = root.join(".terraform/modules/modules.json");
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
        Error::new(
            ErrorKind::NotFound,
            format!(
                "{} not found ({e}); run `terraform init` first",
                manifest_path.display()
            ),
        )
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Error::invalid_input(format!("{}: {e}", manifest_path.display())))
}

/// Modules installed from a registry (they carry a version) whose call
/// path the lock does not pin: calls added after the last `registry lock`.
pub fn unlocked_installed(root: &Path, lock: &LockFile) -> Result<Vec<UnlockedModule>> {
    Ok(read_manifest(root)?
        .modules
        .into_iter()
        .filter(|m| !m.key.is_empty() && !lock.modules.contains_key(&m.key))
        .filter_map(|m| {
            Some(UnlockedModule {
                version: m.version.filter(|v| !v.is_empty())?,
                path: m.key,
                source: m.source,
            })
        })
        .collect())
}

/// The package root of an installed module: Terraform's `Dir` minus the
/// `//subdir` part of the source, when there is one.
fn package_root(root: &Path, dir: &str, source: &str) -> PathBuf {
    let installed = root.join(dir);
    match source.split_once("//") {
        Some((_, sub)) if !sub.is_empty() => {
            let depth = sub.trim_matches('/').split('/').count();
            let mut p = installed;
            for _ in 0..depth {
                p.pop();
            }
            p
        }
        _ => installed,
    }
}

/// Check every module pinned in `root/.registry.lock.hcl` against what
/// `terraform init` installed under `root/.terraform/modules`. An
/// [`ErrorKind::Integrity`] error names the first module whose version or
/// hash differs (with both hashes).
pub fn verify_installed(root: &Path, lock: &LockFile) -> Result<Vec<VerifiedModule>> {
    let manifest = read_manifest(root)?;
    let mut out = Vec::new();
    for (path, locked) in &lock.modules {
        let entry = manifest
            .modules
            .iter()
            .find(|m| &m.key == path)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Integrity,
                    format!("module {path:?} is locked but not installed"),
                )
                .with_context("module", path)
            })?;
        let installed_version = entry.version.clone().unwrap_or_default();
        if installed_version != locked.version
            && registry_core::Version::parse(&installed_version).ok()
                != registry_core::Version::parse(&locked.version).ok()
        {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!(
                    "module {path:?}: installed version {installed_version} but the lock says {}",
                    locked.version
                ),
            )
            .with_context("module", path));
        }
        let dir = package_root(root, &entry.dir, &locked.source);
        let h1 = hash_dir(&dir)?;
        let expected = locked.h1().ok_or_else(|| {
            Error::invalid_input(format!("module {path:?} has no h1 hash in the lock file"))
        })?;
        if !constant_time_eq(h1.as_bytes(), expected.as_bytes()) {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!("module {path:?} ({} {}): installed tree hashes to {h1}, the lock says {expected}", locked.source, locked.version),
            )
            .with_context("module", path));
        }
        out.push(VerifiedModule {
            path: path.clone(),
            version: locked.version.clone(),
            h1,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::LockedModule;

    #[test]
    fn dirhash_vectors() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(
            hash_dir(d.path()).unwrap(),
            "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        std::fs::write(d.path().join("abc"), "data for abc").unwrap();
        std::fs::write(d.path().join("xyz"), "data for xyz").unwrap();
        assert_eq!(
            hash_dir(d.path()).unwrap(),
            "h1:EP6WfDoQTSk9klnxcjriWJOGztueJUywHNmWeq+efB8="
        );
    }

    #[test]
    fn installed_modules_are_checked_against_the_lock() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let pkg = root.join(".terraform/modules/vpc");
        std::fs::create_dir_all(pkg.join("modules/sub")).unwrap();
        std::fs::write(pkg.join("main.tf"), "x").unwrap();
        std::fs::write(pkg.join("modules/sub/main.tf"), "y").unwrap();
        std::fs::write(
            root.join(".terraform/modules/modules.json"),
            r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"h/a/vpc/aws","Version":"1.2.0","Dir":".terraform/modules/vpc"},{"Key":"sub","Source":"h/a/vpc/aws//modules/sub","Version":"1.2.0","Dir":".terraform/modules/vpc/modules/sub"}]}"#,
        )
        .unwrap();
        let h1 = hash_dir(&pkg).unwrap();
        let mut lock = LockFile::default();
        for (k, src) in [("vpc", "h/a/vpc/aws"), ("sub", "h/a/vpc/aws//modules/sub")] {
            lock.modules.insert(
                k.into(),
                LockedModule {
                    source: src.into(),
                    version: "1.2.0".into(),
                    constraints: None,
                    hashes: vec![h1.clone()],
                },
            );
        }
        let ok = verify_installed(root, &lock).unwrap();
        assert_eq!(ok.len(), 2);
        assert!(unlocked_installed(root, &lock).unwrap().is_empty());
        // A call added after the lock was written: installed, not pinned.
        let mut fewer = lock.clone();
        fewer.modules.remove("sub");
        let unlocked = unlocked_installed(root, &fewer).unwrap();
        assert_eq!(unlocked.len(), 1);
        assert_eq!(unlocked[0].path, "sub");
        assert_eq!(unlocked[0].version, "1.2.0");
        std::fs::write(pkg.join("main.tf"), "tampered").unwrap();
        let e = verify_installed(root, &lock).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Integrity);
        assert!(e.to_string().contains(&h1), "names the expected hash: {e}");
    }
}
