//! `registry versions` and `registry download`.

use std::path::PathBuf;

use clap::Args;
use registry_core::{Error, ModuleId, Sha256Digest, Version};

use super::{CmdResult, parse_address};
use crate::client::version_numbers;
use crate::target::TargetArgs;

/// `registry versions` options.
#[derive(Debug, Args)]
pub struct VersionsArgs {
    /// Module address `namespace/name/system`.
    address: String,
    /// Print JSON (an array of version strings).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: TargetArgs,
}

/// List versions, one per line (publish order).
pub async fn versions(a: VersionsArgs) -> CmdResult {
    let address = parse_address(&a.address)?;
    let view = a
        .target
        .connect()
        .await?
        .versions(&address)
        .await?
        .ok_or_else(|| Error::not_found(format!("module {address} not found")))?;
    let list = version_numbers(&view);
    if a.json {
        println!("{}", serde_json::to_string(&list).unwrap_or_default());
    } else {
        for v in &list {
            match crate::client::deprecation_of(&view, v) {
                Some(why) => println!("{v}  (deprecated: {why})"),
                None => println!("{v}"),
            }
        }
    }
    Ok(0)
}

/// `registry download` options.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Module address `namespace/name/system`.
    address: String,
    /// Exact version.
    #[arg(value_name = "VERSION")]
    module_version: String,
    /// Where to write the archive.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
}

/// Download an archive, verifying its sha256.
pub async fn download(a: DownloadArgs) -> CmdResult {
    let id = ModuleId::new(
        parse_address(&a.address)?,
        Version::parse(&a.module_version)?,
    );
    let (bytes, expected) = a.target.connect().await?.download(&id).await?;
    let actual = Sha256Digest::of(&bytes);
    if let Some(e) = expected {
        e.verify(&bytes)?;
    }
    std::fs::write(&a.output, &bytes)
        .map_err(|e| Error::invalid_input(format!("cannot write {}: {e}", a.output.display())))?;
    println!(
        "{} sha256:{actual} {} bytes",
        a.output.display(),
        bytes.len()
    );
    Ok(0)
}

/// `registry show` options.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Module address `namespace/name/system`.
    address: String,
    /// Exact version.
    #[arg(value_name = "VERSION")]
    module_version: String,
    /// Print the version's details as JSON (the API's shape).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: TargetArgs,
}

/// Print a version's details: lifecycle, digests, provenance, warnings.
pub async fn show(a: ShowArgs) -> CmdResult {
    let id = ModuleId::new(
        parse_address(&a.address)?,
        Version::parse(&a.module_version)?,
    );
    let v = a.target.connect().await?.version(&id).await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(0);
    }
    let m = &v.module;
    println!("{}", m.id);
    let state = match (&m.deprecation, &m.yanked) {
        (_, Some(y)) => format!(
            "yanked ({})",
            y.reason.as_deref().unwrap_or("no reason given")
        ),
        (Some(d), None) => match &d.successor {
            Some(s) => format!("deprecated ({}; use {s})", d.reason),
            None => format!("deprecated ({})", d.reason),
        },
        (None, None) => "active".to_string(),
    };
    println!("  state:       {state}");
    println!("  description: {}", m.description);
    if !m.source.is_empty() {
        println!("  source:      {}", m.source);
    }
    println!(
        "  published:   {} by {}",
        m.published_at.to_rfc3339(),
        m.owner
    );
    println!("  sha256:      {}", m.sha256);
    println!("  h1:          {}", m.h1);
    println!("  size:        {} bytes", m.size);
    println!(
        "  signed:      {}",
        if m.verified {
            "yes, verified at publish"
        } else {
            "no"
        }
    );
    println!("  inputs:      {}", v.root.inputs.len());
    println!("  outputs:     {}", v.root.outputs.len());
    if let Some(c) = &v.checks {
        let status = serde_json::to_value(c.status).unwrap_or_default();
        println!(
            "  tests:       {} ({} passed, {} failed, {} errored, {} skipped)",
            status.as_str().unwrap_or_default(),
            c.passed,
            c.failed,
            c.errored,
            c.skipped
        );
        println!(
            "  validation:  {} errors, {} warnings, {} infos",
            c.validation_errors, c.validation_warnings, c.validation_infos
        );
    }
    for w in &m.warnings {
        println!(
            "  {:<12} {} [{}]",
            format!("{}:", w.severity),
            w.message,
            w.id
        );
    }
    Ok(0)
}
