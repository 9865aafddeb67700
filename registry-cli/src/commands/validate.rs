//! `registry validate [DIR]`: every validation rule publishing runs (core's
//! and the engine's), on a module folder here, packed as `registry publish`
//! would pack it. Reads no server settings. Exit 1 when a problem at or
//! above `--fail-on` is found, 0 otherwise, 2 on a usage error.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use registry_core::memory::{MemoryBlobStore, MemoryMetadataStore};
use registry_core::{
    ArchiveBody, Error, ModuleAddress, Problem, Registry, Severity, StorageStack, Version, pack_dir,
};

use super::CmdResult;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `file:line:col: severity: message [id]`, with hints.
    Text,
    /// One JSON document: every problem and the counts.
    Json,
    /// GitHub workflow annotations on the lines.
    Github,
}

/// The lowest severity that fails the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors only (the default).
    Error,
    /// Warnings and errors.
    Warning,
    /// Anything found.
    Info,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// `registry validate` options.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The module directory (default: the current folder).
    dir: Option<PathBuf>,
    /// How to print the problems.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 1 when a problem of this severity or above is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
}

/// The problems of the module in `dir`, as publishing would find them.
pub async fn validate_dir(dir: &Path) -> registry_core::Result<Vec<Problem>> {
    if !dir.is_dir() {
        return Err(Error::invalid_input(format!(
            "{} is not a module directory",
            dir.display()
        )));
    }
    let archive = pack_dir(dir)?;
    let storage = StorageStack::new(
        Arc::new(MemoryMetadataStore::new()),
        Arc::new(MemoryBlobStore::new()),
    );
    let registry = Registry::builder()
        .storage(Arc::new(storage))
        .inspector(Arc::new(registry_docs::HclInspector))
        .validation_rules(registry_testkit::validate::all_rules())
        .build()?;
    // The address and version are placeholders: no rule here depends on them.
    let address: ModuleAddress = "local/module/validate".parse()?;
    let mut problems = registry
        .validate_archive(
            &address,
            &Version::parse("0.0.0")?,
            &ArchiveBody::Memory(archive.into()),
        )
        .await?;
    problems.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.id).cmp(&(&b.file, b.line, b.column, &b.id))
    });
    Ok(problems)
}

fn position(p: &Problem) -> String {
    match (&p.file, p.line, p.column) {
        (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}: "),
        (Some(f), Some(l), None) => format!("{f}:{l}: "),
        (Some(f), None, _) => format!("{f}: "),
        _ => String::new(),
    }
}

fn counts(problems: &[Problem]) -> (usize, usize, usize) {
    let n = |s: Severity| problems.iter().filter(|p| p.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn text(problems: &[Problem]) -> String {
    let mut out = String::new();
    for p in problems {
        out.push_str(&format!(
            "{}{}: {} [{}]\n",
            position(p),
            p.severity,
            p.message,
            p.id
        ));
        if let Some(h) = &p.hint {
            out.push_str(&format!("  hint: {h}\n"));
        }
    }
    let (e, w, i) = counts(problems);
    out.push_str(&format!(
        "{}, {}, {}\n",
        plural(e, "error"),
        plural(w, "warning"),
        plural(i, "info")
    ));
    out
}

/// GitHub's workflow command escaping for properties and messages.
fn gh_escape(s: &str, property: bool) -> String {
    let mut s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        s = s.replace(':', "%3A").replace(',', "%2C");
    }
    s
}

fn github(problems: &[Problem], prefix: &str) -> String {
    let mut out = String::new();
    for p in problems {
        let level = match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = vec![format!("title={}", gh_escape(&p.id, true))];
        if let Some(f) = &p.file {
            let path = if prefix.is_empty() {
                f.clone()
            } else {
                format!("{prefix}/{f}")
            };
            props.insert(0, format!("file={}", gh_escape(&path, true)));
            if let Some(l) = p.line {
                props.insert(1, format!("line={l}"));
                if let Some(c) = p.column {
                    props.insert(2, format!("col={c}"));
                }
            }
        }
        let mut msg = p.message.clone();
        if let Some(h) = &p.hint {
            msg.push_str(&format!("\nhint: {h}"));
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            gh_escape(&msg, false)
        ));
    }
    out
}

/// Run the rules.
pub async fn run(a: ValidateArgs) -> CmdResult {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let problems = validate_dir(&dir).await?;
    let rendered = match a.format {
        Format::Text => text(&problems),
        Format::Json => {
            let (e, w, i) = counts(&problems);
            let doc = serde_json::json!({
                "problems": problems,
                "errors": e,
                "warnings": w,
                "infos": i,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
        Format::Github => {
            // Annotations name files from the repository root, where CI runs.
            let prefix = dir
                .to_string_lossy()
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string();
            let prefix = if prefix == "." { String::new() } else { prefix };
            github(&problems, &prefix)
        }
    };
    let _ = std::io::stdout().write_all(rendered.as_bytes());
    let threshold = a.fail_on.severity();
    Ok(i32::from(problems.iter().any(|p| p.severity >= threshold)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_annotations_escape_what_github_parses() {
        let p = Problem::new("x", "a: b, c\n100%")
            .at("main.tf", Some(3), Some(5))
            .with_severity(Severity::Warning);
        let s = github(&[p], "mods/a");
        assert_eq!(
            s,
            "::warning file=mods/a/main.tf,line=3,col=5,title=x::a: b, c%0A100%25\n"
        );
    }
}
