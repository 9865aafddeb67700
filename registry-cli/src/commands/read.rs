//! `registry versions` and `registry download`.

use std::path::PathBuf;

use clap::Args;
use registry_core::{ModuleId, RequestContext, Sha256Digest, Version};

use super::{CmdResult, parse_address};
use crate::target::{Target, TargetArgs};

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
    let list: Vec<String> = match a.target.open().await? {
        Target::Remote(c) => c.versions(&address).await?,
        Target::Local(o) => o
            .registry
            .versions(&RequestContext::system(), &address)
            .await?
            .iter()
            .map(|r| r.version.to_string())
            .collect(),
    };
    if a.json {
        println!("{}", serde_json::to_string(&list).unwrap_or_default());
    } else {
        for v in &list {
            println!("{v}");
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
    let address = parse_address(&a.address)?;
    let (bytes, expected) = match a.target.open().await? {
        Target::Remote(c) => {
            let (bytes, sha) = c.download(&address, &a.module_version).await?;
            (
                bytes.to_vec(),
                sha.map(|s| s.parse::<Sha256Digest>()).transpose()?,
            )
        }
        Target::Local(o) => {
            let id = ModuleId::new(address.clone(), Version::parse(&a.module_version)?);
            let m = o.registry.download(&RequestContext::system(), &id).await?;
            (
                m.archive.to_bytes().await?.to_vec(),
                Some(m.metadata.sha256),
            )
        }
    };
    let actual = Sha256Digest::of(&bytes);
    if let Some(e) = expected {
        e.verify(&bytes)?;
    }
    std::fs::write(&a.output, &bytes)?;
    println!(
        "{} sha256:{actual} {} bytes",
        a.output.display(),
        bytes.len()
    );
    Ok(0)
}
