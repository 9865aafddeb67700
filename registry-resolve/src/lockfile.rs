//! `.registry.lock.hcl`: the module lock file.
//!
//! Terraform reserves `module` blocks in its own `.terraform.lock.hcl` (and
//! warns about them), so module pins live in a file of our own, in the same
//! HCL style: one block per module call path, sorted, written atomically,
//! and written back byte for byte identical when nothing changed.
//!
//! ```hcl
//! # This file is maintained by `registry lock`; edits may be overwritten.
//!
//! module "vpc" {
//!   source      = "registry.example.com/acme/vpc/aws"
//!   version     = "1.2.0"
//!   constraints = "~> 1.2"
//!   hashes = [
//!     "h1:…",
//!     "sha256:…",
//!   ]
//! }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use registry_core::{Error, Result};

/// The lock file's name.
pub const LOCK_FILE: &str = ".registry.lock.hcl";

const HEADER: &str = "# This file is maintained by `registry lock`; edits may be overwritten.\n";

/// One locked module call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedModule {
    /// Registry source as written in the call (without a `//subdir`).
    pub source: String,
    /// The exact version chosen.
    pub version: String,
    /// The call's version constraint, if any.
    pub constraints: Option<String>,
    /// Hashes, sorted (`h1:…` of the unpacked tree, `sha256:…` of the archive).
    pub hashes: Vec<String>,
}

impl LockedModule {
    /// The `h1:` hash, if recorded.
    pub fn h1(&self) -> Option<&str> {
        self.hashes
            .iter()
            .find(|h| h.starts_with("h1:"))
            .map(String::as_str)
    }

    /// The `sha256:` hash, if recorded.
    pub fn sha256(&self) -> Option<&str> {
        self.hashes
            .iter()
            .find(|h| h.starts_with("sha256:"))
            .map(String::as_str)
    }
}

/// A lock file: module call paths (`vpc`, `vpc.subnets`) to their pins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockFile {
    /// Entries by call path, sorted.
    pub modules: BTreeMap<String, LockedModule>,
}

fn quote(s: &str) -> String {
    // HCL string escapes: backslash, quote, newline and the `${`/`%{` template openers.
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl LockFile {
    /// The canonical text.
    pub fn render(&self) -> String {
        let mut out = String::from(HEADER);
        for (path, m) in &self.modules {
            out.push('\n');
            out.push_str(&format!("module {} {{\n", quote(path)));
            out.push_str(&format!("  source      = {}\n", quote(&m.source)));
            out.push_str(&format!("  version     = {}\n", quote(&m.version)));
            if let Some(c) = &m.constraints {
                out.push_str(&format!("  constraints = {}\n", quote(c)));
            }
            let mut hashes = m.hashes.clone();
            hashes.sort();
            hashes.dedup();
            out.push_str("  hashes = [\n");
            for h in &hashes {
                out.push_str(&format!("    {},\n", quote(h)));
            }
            out.push_str("  ]\n}\n");
        }
        out
    }

    /// Parse lock file text.
    pub fn parse(text: &str) -> Result<Self> {
        registry_core::hcl_brackets::check_hcl_brackets(text).map_err(|e| {
            Error::invalid_input(format!(
                "{LOCK_FILE}:{}:{}: {}",
                e.line(),
                e.column(),
                e.message()
            ))
        })?;
        let body = hcl::edit::parser::parse_body(text).map_err(|e| {
            let l = e.location();
            Error::invalid_input(format!(
                "{LOCK_FILE}:{}:{}: {}",
                l.line(),
                l.column(),
                e.message()
            ))
        })?;
        let mut lock = LockFile::default();
        for block in body.get_blocks("module") {
            let path = block
                .labels
                .first()
                .map(|l| l.as_str().to_string())
                .ok_or_else(|| {
                    Error::invalid_input(format!("{LOCK_FILE}: a module block has no label"))
                })?;
            let string = |key: &str| -> Result<Option<String>> {
                match block.body.get_attribute(key) {
                    None => Ok(None),
                    Some(a) => match hcl::Value::from(hcl::Expression::from(a.value.clone())) {
                        hcl::Value::String(s) => Ok(Some(s)),
                        _ => Err(Error::invalid_input(format!(
                            "{LOCK_FILE}: module {path:?}: {key} must be a string"
                        ))),
                    },
                }
            };
            let hashes = match block.body.get_attribute("hashes") {
                None => Vec::new(),
                Some(a) => match hcl::Value::from(hcl::Expression::from(a.value.clone())) {
                    hcl::Value::Array(items) => items
                        .into_iter()
                        .map(|v| match v {
                            hcl::Value::String(s) => Ok(s),
                            _ => Err(Error::invalid_input(format!(
                                "{LOCK_FILE}: module {path:?}: hashes must be strings"
                            ))),
                        })
                        .collect::<Result<Vec<_>>>()?,
                    _ => {
                        return Err(Error::invalid_input(format!(
                            "{LOCK_FILE}: module {path:?}: hashes must be a list"
                        )));
                    }
                },
            };
            let entry = LockedModule {
                source: string("source")?.ok_or_else(|| {
                    Error::invalid_input(format!("{LOCK_FILE}: module {path:?} has no source"))
                })?,
                version: string("version")?.ok_or_else(|| {
                    Error::invalid_input(format!("{LOCK_FILE}: module {path:?} has no version"))
                })?,
                constraints: string("constraints")?,
                hashes,
            };
            if lock.modules.insert(path.clone(), entry).is_some() {
                return Err(Error::invalid_input(format!(
                    "{LOCK_FILE}: module {path:?} appears twice"
                )));
            }
        }
        Ok(lock)
    }

    /// Read `dir/.registry.lock.hcl` (`None` if there is none).
    pub fn read(dir: &Path) -> Result<Option<Self>> {
        match std::fs::read_to_string(dir.join(LOCK_FILE)) {
            Ok(t) => Self::parse(&t).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Write `dir/.registry.lock.hcl` atomically (temporary file, fsync,
    /// rename). Returns whether the bytes changed.
    pub fn write(&self, dir: &Path) -> Result<bool> {
        let text = self.render();
        let path = dir.join(LOCK_FILE);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            return Ok(false);
        }
        let tmp = dir.join(format!("{LOCK_FILE}.tmp{}", std::process::id()));
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LockFile {
        let mut l = LockFile::default();
        l.modules.insert(
            "vpc.subnets".into(),
            LockedModule {
                source: "127.0.0.1:8443/acme/subnets/aws".into(),
                version: "2.0.1".into(),
                constraints: None,
                hashes: vec!["sha256:ab".into(), "h1:xy=".into()],
            },
        );
        l.modules.insert(
            "vpc".into(),
            LockedModule {
                source: "registry.example.com/acme/vpc/aws".into(),
                version: "1.2.0".into(),
                constraints: Some(">= 1.2, < 2.0 \"quoted\" ${x}".into()),
                hashes: vec!["h1:abc=".into(), "sha256:def".into()],
            },
        );
        l
    }

    #[test]
    fn renders_sorted_and_round_trips_byte_for_byte() {
        let text = sample().render();
        let expected = r#"# This file is maintained by `registry lock`; edits may be overwritten.

module "vpc" {
  source      = "registry.example.com/acme/vpc/aws"
  version     = "1.2.0"
  constraints = ">= 1.2, < 2.0 \"quoted\" $${x}"
  hashes = [
    "h1:abc=",
    "sha256:def",
  ]
}

module "vpc.subnets" {
  source      = "127.0.0.1:8443/acme/subnets/aws"
  version     = "2.0.1"
  hashes = [
    "h1:xy=",
    "sha256:ab",
  ]
}
"#;
        assert_eq!(text, expected);
        let parsed = LockFile::parse(&text).unwrap();
        assert_eq!(
            parsed.modules["vpc"].constraints.as_deref(),
            Some(">= 1.2, < 2.0 \"quoted\" ${x}")
        );
        assert_eq!(parsed.render(), text, "byte-for-byte round trip");
        assert_eq!(parsed.modules["vpc"].h1(), Some("h1:abc="));
    }

    #[test]
    fn write_is_atomic_and_reports_changes() {
        let d = tempfile::tempdir().unwrap();
        assert!(sample().write(d.path()).unwrap());
        assert!(
            !sample().write(d.path()).unwrap(),
            "unchanged lock is not rewritten"
        );
        assert_eq!(LockFile::read(d.path()).unwrap().unwrap(), {
            let mut s = sample();
            for m in s.modules.values_mut() {
                m.hashes.sort();
            }
            s
        });
        let leftovers: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn malformed_lock_files_are_clear_errors() {
        assert!(
            LockFile::parse("module \"x\" {")
                .unwrap_err()
                .to_string()
                .contains(LOCK_FILE)
        );
        let e = LockFile::parse("module \"x\" {\n  version = \"1.0.0\"\n}\n").unwrap_err();
        assert!(e.to_string().contains("no source"), "{e}");
        let dup = "module \"x\" {\n source = \"a\"\n version = \"1\"\n}\nmodule \"x\" {\n source = \"a\"\n version = \"1\"\n}\n";
        assert!(
            LockFile::parse(dup)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }
}
