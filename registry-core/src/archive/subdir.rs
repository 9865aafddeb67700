//! A module inside a folder of a fetched package: an upstream's `//subdir`
//! (Terraform's getter installs the whole package and uses the folder).

use super::{ArchiveInspection, ModuleFiles};
use crate::error::{Error, ErrorKind, Result};

impl ArchiveInspection {
    /// The module in folder `subdir` of the archive, named as Terraform's
    /// getter names it: relative to the archive's top, its first component
    /// `*` for the one top-level folder. Its parsed files relative to that
    /// folder, and the folder's path inside the archive (what a download's
    /// `//subdir` names). An `Upstream` error when the archive has no such
    /// folder, or the path is not a plain relative one.
    pub fn module_in(&self, subdir: &str) -> Result<(ModuleFiles, String)> {
        let refuse = |why: &str| {
            Error::new(
                ErrorKind::Upstream,
                format!("the module's folder {subdir:?} {why}"),
            )
        };
        let parts: Vec<&str> = subdir.split('/').filter(|p| !p.is_empty()).collect();
        if parts.is_empty()
            || parts
                .iter()
                .any(|p| matches!(*p, "." | "..") || p.contains(['\\', '*', '?', '[']) && *p != "*")
        {
            return Err(refuse("is not a plain relative path"));
        }
        // The inspection's paths have the one top-level folder stripped.
        let inner: Vec<&str> = match (&self.root_dir, parts[0]) {
            (Some(_), "*") => parts[1..].to_vec(),
            (Some(root), first) if first == root => parts[1..].to_vec(),
            (Some(_), _) => return Err(refuse("is not inside the archive's top folder")),
            (None, "*") => {
                return Err(refuse("names the archive's one top folder, which it lacks"));
            }
            (None, _) => parts.clone(),
        };
        if inner.contains(&"*") {
            return Err(refuse("uses * past its first component"));
        }
        let inner = inner.join("/");
        let full = match &self.root_dir {
            Some(root) if inner.is_empty() => root.clone(),
            Some(root) => format!("{root}/{inner}"),
            None => inner.clone(),
        };
        if inner.is_empty() {
            return Ok((self.files.clone(), full));
        }
        let prefix = format!("{inner}/");
        let mut files = ModuleFiles::new();
        for (path, bytes) in self.files.iter() {
            if let Some(rest) = path.strip_prefix(&prefix) {
                files.insert(rest, bytes.clone());
            }
        }
        let holds_tf = self.manifest.iter().any(|f| {
            f.path
                .strip_prefix(&prefix)
                .is_some_and(|r| r.ends_with(".tf") || r.ends_with(".tf.json"))
        });
        if !holds_tf {
            return Err(refuse("holds no .tf files in the fetched package"));
        }
        Ok((files, full))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{ArchiveFormat, FileDigest};
    use crate::digest::Sha256Digest;

    fn inspection(root: Option<&str>, paths: &[&str]) -> ArchiveInspection {
        let mut files = ModuleFiles::new();
        for p in paths {
            files.insert(*p, bytes::Bytes::from_static(b"x"));
        }
        ArchiveInspection {
            format: ArchiveFormat::TarGz,
            files,
            manifest: paths
                .iter()
                .map(|p| FileDigest {
                    path: p.to_string(),
                    size: 1,
                    sha256: Sha256Digest::of(b"x"),
                })
                .collect(),
            root_dir: root.map(str::to_string),
            entries: paths.len() as u64,
            uncompressed_bytes: paths.len() as u64,
            requested: None,
        }
    }

    #[test]
    fn a_folder_is_found_with_or_without_the_top_folder() {
        let flat = inspection(
            None,
            &["main.tf", "modules/vpc/main.tf", "modules/vpc/README.md"],
        );
        let (files, full) = flat.module_in("modules/vpc").unwrap();
        assert_eq!(full, "modules/vpc");
        assert!(files.get("main.tf").is_some() && files.get("README.md").is_some());
        assert_eq!(files.len(), 2);

        let topped = inspection(Some("x-1.0"), &["main.tf", "modules/vpc/main.tf"]);
        for sub in ["*/modules/vpc", "x-1.0/modules/vpc", "/*/modules/vpc/"] {
            let (files, full) = topped.module_in(sub).unwrap();
            assert_eq!(full, "x-1.0/modules/vpc", "{sub}");
            assert_eq!(files.len(), 1);
        }
        assert_eq!(topped.module_in("*").unwrap().1, "x-1.0");
    }

    #[test]
    fn missing_escaping_and_globbed_folders_are_refused() {
        let flat = inspection(None, &["main.tf", "modules/vpc/main.tf", "docs/a.md"]);
        for (sub, says) in [
            ("modules/nope", "no .tf files"),
            ("docs", "no .tf files"),
            ("../etc", "plain relative"),
            ("modules/*", "past its first"),
            ("*", "lacks"),
            ("", "plain relative"),
        ] {
            let e = flat.module_in(sub).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Upstream);
            assert!(e.to_string().contains(says), "{sub}: {e}");
        }
        let topped = inspection(Some("x"), &["a/main.tf"]);
        assert!(
            topped
                .module_in("y/a")
                .unwrap_err()
                .to_string()
                .contains("top folder")
        );
        assert!(
            topped
                .module_in("*/*/a")
                .unwrap_err()
                .to_string()
                .contains("past its first")
        );
    }
}
