//! Pack a module directory into a deterministic `.tar.gz`: sorted entries,
//! fixed times and owners, normalised modes, `.terraformignore` honoured. The
//! same tree always gives the same bytes, so the same sha256.

use std::io::Write;
use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::error::{Error, Result};

/// Paths never packed, whatever `.terraformignore` says (as Terraform's defaults).
const DEFAULT_IGNORES: &[&str] = &[
    ".git/",
    ".terraform/",
    "terraform.tfstate",
    "terraform.tfstate.*",
    ".terraform.lock.hcl",
];

/// Which paths a pack leaves out.
#[derive(Clone, Copy)]
enum Leave {
    /// Terraform's defaults and `.terraformignore` (a publish).
    Ignored,
    /// Only `.git/` (a tree as a getter installs it).
    GitOnly,
}

fn ignore_rules(root: &Path, leave: Leave) -> Result<Gitignore> {
    let mut b = GitignoreBuilder::new(root);
    if let Leave::GitOnly = leave {
        b.add_line(None, ".git/")
            .map_err(|e| Error::invalid_input(format!("bad built-in ignore pattern: {e}")))?;
        return b
            .build()
            .map_err(|e| Error::invalid_input(format!("bad built-in ignore pattern: {e}")));
    }
    for pattern in DEFAULT_IGNORES {
        b.add_line(None, pattern)
            .map_err(|e| Error::invalid_input(format!("bad built-in ignore pattern: {e}")))?;
    }
    let file = root.join(".terraformignore");
    // Never through a link: a hostile tree's `.terraformignore` pointing
    // at a file of the machine would have it read (and quoted back in the
    // parse error).
    match std::fs::symlink_metadata(&file) {
        Ok(m) if !m.file_type().is_file() => {
            return Err(Error::invalid_input(
                ".terraformignore is a link or a folder, not a file",
            ));
        }
        Ok(_) => {
            if let Some(e) = b.add(&file) {
                return Err(Error::invalid_input(format!(
                    "invalid .terraformignore: {e}"
                )));
            }
        }
        Err(_) => {}
    }
    b.build()
        .map_err(|e| Error::invalid_input(format!("invalid .terraformignore: {e}")))
}

fn collect(
    root: &Path,
    dir: &Path,
    rules: &Gitignore,
    out: &mut Vec<(String, bool, bool)>,
) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let ft = entry.file_type()?;
        let rel = path
            .strip_prefix(root)
            .map_err(|_| Error::invalid_input("path outside the module"))?
            .to_string_lossy()
            .replace('\\', "/");
        if rules
            .matched_path_or_any_parents(&path, ft.is_dir())
            .is_ignore()
        {
            continue;
        }
        if ft.is_symlink() {
            return Err(Error::invalid_input(format!(
                "{rel} is a symbolic link; module archives cannot contain links"
            )));
        }
        if ft.is_dir() {
            out.push((rel, true, false));
            collect(root, &path, rules, out)?;
        } else if ft.is_file() {
            #[cfg(unix)]
            let exec = {
                use std::os::unix::fs::PermissionsExt;
                entry.metadata()?.permissions().mode() & 0o111 != 0
            };
            #[cfg(not(unix))]
            let exec = false;
            out.push((rel, false, exec));
        }
    }
    Ok(())
}

/// Pack `dir` into a `.tar.gz`, deterministically, leaving out what
/// Terraform leaves out of a module (`.git/`, `.terraform/`, state, the
/// lock file) and what `.terraformignore` names.
pub fn pack_dir(dir: &Path) -> Result<Vec<u8>> {
    pack(dir, Leave::Ignored)
}

/// Pack every file of `dir` but `.git/` into a `.tar.gz`, deterministically:
/// a tree exactly as Terraform's getter would install it (a checkout of a
/// `git::` source), `.terraformignore` not read.
pub fn pack_tree(dir: &Path) -> Result<Vec<u8>> {
    pack(dir, Leave::GitOnly)
}

fn pack(dir: &Path, leave: Leave) -> Result<Vec<u8>> {
    if !dir.is_dir() {
        return Err(Error::invalid_input(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let rules = ignore_rules(dir, leave)?;
    let mut entries = Vec::new();
    collect(dir, dir, &rules, &mut entries)?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for (rel, is_dir, exec) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        if is_dir {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_size(0);
            tar.append_data(&mut h, format!("{rel}/"), std::io::empty())?;
        } else {
            let data = std::fs::read(dir.join(&rel))?;
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(if exec { 0o755 } else { 0o644 });
            h.set_size(data.len() as u64);
            tar.append_data(&mut h, &rel, data.as_slice())?;
        }
    }
    let gz = tar.into_inner()?;
    let mut bytes = gz.finish()?;
    bytes.flush()?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{ArchiveBody, ArchiveLimits, inspect_archive};

    #[tokio::test]
    async fn same_tree_same_bytes_and_ignores_are_honoured() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::write(root.join("main.tf"), "variable \"a\" {}\n").unwrap();
        std::fs::create_dir_all(root.join("modules/sub")).unwrap();
        std::fs::write(
            root.join("modules/sub/main.tf"),
            "output \"o\" { value = 1 }\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join(".terraform/modules")).unwrap();
        std::fs::write(root.join(".terraform/modules/x.tf"), "junk").unwrap();
        std::fs::write(root.join("terraform.tfstate"), "{}").unwrap();
        std::fs::write(root.join("secret.auto.tfvars"), "password = 1").unwrap();
        std::fs::write(root.join(".terraformignore"), "*.tfvars\n").unwrap();
        let a = pack_dir(root).unwrap();
        // Touch a file: times are not packed, so the bytes stay the same.
        std::fs::write(root.join("main.tf"), "variable \"a\" {}\n").unwrap();
        let b = pack_dir(root).unwrap();
        assert_eq!(a, b, "packing is deterministic");
        let i = inspect_archive(&ArchiveBody::from(a), &ArchiveLimits::default())
            .await
            .unwrap();
        let paths: Vec<&str> = i.manifest.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [".terraformignore", "main.tf", "modules/sub/main.tf"]
        );

        // A tree as a getter installs it: everything but .git.
        std::fs::create_dir_all(root.join(".git/objects")).unwrap();
        std::fs::write(root.join(".git/HEAD"), "ref").unwrap();
        let t = pack_tree(root).unwrap();
        let i = inspect_archive(&ArchiveBody::from(t), &ArchiveLimits::default())
            .await
            .unwrap();
        let paths: Vec<&str> = i.manifest.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                ".terraform/modules/x.tf",
                ".terraformignore",
                "main.tf",
                "modules/sub/main.tf",
                "secret.auto.tfvars",
                "terraform.tfstate"
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_terraformignore_linking_elsewhere_is_never_read() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("credentials.json");
        std::fs::write(&secret, "{\"password\": \"[hunter2\"}\n").unwrap();
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("main.tf"), "variable \"a\" {}\n").unwrap();
        std::os::unix::fs::symlink(&secret, d.path().join(".terraformignore")).unwrap();
        let e = pack_dir(d.path()).unwrap_err();
        assert!(e.to_string().contains("link"), "{e}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn missing_dir_is_a_clear_error() {
        let e = pack_dir(Path::new("/definitely/not/here")).unwrap_err();
        assert!(e.to_string().contains("not a directory"), "{e}");
    }
}
