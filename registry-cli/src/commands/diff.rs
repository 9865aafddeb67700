//! `registry diff OLD NEW`: the API changes between two module versions,
//! each a folder, an archive, or `NS/NAME/SYSTEM@VERSION` in a registry
//! (downloaded, digest checked). Both sides are read as publish reads
//! them, so the diff is the one the semver guard applies.

use std::path::Path;

use clap::Args;
use registry_core::{
    ArchiveBody, ArchiveLimits, Error, ModuleId, ModuleInspector, ModuleSummary, Version,
    inspect_archive, pack_dir,
};

use super::{CmdResult, parse_address};
use crate::target::TargetArgs;

/// The exit code when something breaks (1 is a failed command, 2 a usage error).
pub const BREAKING: i32 = 3;

/// `registry diff` options.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older version: a folder, an archive, or `NS/NAME/SYSTEM@VERSION`.
    old: String,
    /// The newer version, the same way.
    new: String,
    /// Print JSON: `{"breaking": bool, "changes": [...]}`.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: TargetArgs,
}

/// Print the changes; exit 3 when one breaks, 0 otherwise.
pub async fn run(a: DiffArgs) -> CmdResult {
    let old = a.summary(&a.old).await?;
    let new = a.summary(&a.new).await?;
    let diff = registry_diff::diff(&old, &new);
    if a.json {
        let out = serde_json::json!({
            "old": a.old,
            "new": a.new,
            "breaking": diff.is_breaking(),
            "changes": diff.changes,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else if diff.changes.is_empty() {
        println!("No API changes from {} to {}.", a.old, a.new);
    } else {
        for c in &diff.changes {
            println!("{c}");
        }
        let breaking = diff.breaking().count();
        println!(
            "\n{} change{}, {breaking} breaking.",
            diff.changes.len(),
            if diff.changes.len() == 1 { "" } else { "s" }
        );
    }
    Ok(if diff.is_breaking() { BREAKING } else { 0 })
}

impl DiffArgs {
    /// One side's summary, read from wherever it names.
    async fn summary(&self, side: &str) -> registry_core::Result<ModuleSummary> {
        let path = Path::new(side);
        let archive = if path.is_dir() {
            pack_dir(path)?
        } else if path.is_file() {
            std::fs::read(path)
                .map_err(|e| Error::invalid_input(format!("cannot read {side}: {e}")))?
        } else {
            let id = published(side)?;
            let (bytes, expected) = self.target.connect().await?.download(&id).await?;
            if let Some(e) = expected {
                e.verify(&bytes)?;
            }
            bytes.to_vec()
        };
        let inspection = inspect_archive(&ArchiveBody::from(archive), &ArchiveLimits::default())
            .await
            .map_err(|e| Error::invalid_input(format!("{side}: {e}")))?;
        let module = registry_docs::HclInspector.inspect(&inspection.files);
        // A file that does not parse would read as everything in it removed.
        if let Some(p) = module.diagnostics.first() {
            return Err(Error::invalid_input(format!(
                "{side}: {}{}: {}",
                p.file.as_deref().unwrap_or(""),
                p.line.map(|l| format!(":{l}")).unwrap_or_default(),
                p.message
            )));
        }
        Ok(module.summary)
    }
}

/// `NS/NAME/SYSTEM@VERSION`, or an error saying what a side may be.
fn published(side: &str) -> registry_core::Result<ModuleId> {
    let Some((address, version)) = side.split_once('@') else {
        return Err(Error::invalid_input(format!(
            "{side} is not a folder, an archive or NS/NAME/SYSTEM@VERSION"
        )));
    };
    Ok(ModuleId::new(
        parse_address(address)?,
        Version::parse(version)?,
    ))
}
