//! `registry publish` and `registry pack`.

use std::path::PathBuf;

use bytes::Bytes;
use clap::Args;
use registry_core::archive::pack_dir;
use registry_core::{PublishRequest, RequestContext};

use super::{CmdResult, parse_address};
use crate::target::{Target, TargetArgs};

/// `registry publish` options.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Module address `namespace/name/system`.
    address: String,
    /// Version to publish (SemVer, e.g. 1.2.0).
    #[arg(value_name = "VERSION")]
    module_version: String,
    /// Module directory (packed deterministically, `.terraformignore` honoured) or a `.tar.gz`/`.zip` archive.
    path: PathBuf,
    /// Short description (default: the README's first paragraph).
    #[arg(long)]
    description: Option<String>,
    /// A `.minisig` signature from `registry sign`.
    #[arg(long)]
    signature: Option<PathBuf>,
    /// Print the published module as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: TargetArgs,
}

fn read_archive(path: &std::path::Path) -> registry_core::Result<Vec<u8>> {
    if path.is_dir() {
        pack_dir(path)
    } else {
        std::fs::read(path).map_err(|e| {
            registry_core::Error::invalid_input(format!("cannot read {}: {e}", path.display()))
        })
    }
}

/// Publish a module version.
pub async fn run(a: PublishArgs) -> CmdResult {
    let address = parse_address(&a.address)?;
    let archive = read_archive(&a.path)?;
    let size = archive.len();
    let signature = match &a.signature {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
            registry_core::Error::invalid_input(format!("cannot read {}: {e}", p.display()))
        })?),
        None => None,
    };
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(format!(
        "publishing {address} {} ({size} bytes)",
        a.module_version
    ));
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    let result = match a.target.open().await? {
        Target::Remote(client) => {
            let doc = client
                .publish(
                    &address,
                    &a.module_version,
                    Bytes::from(archive),
                    a.description.as_deref(),
                )
                .await;
            doc.map(|d| {
                (
                    d["id"].as_str().unwrap_or_default().to_string(),
                    d["sha256"].as_str().unwrap_or_default().to_string(),
                    d,
                )
            })
        }
        Target::Local(opened) => {
            let mut req = PublishRequest::new(address.clone(), a.module_version.clone());
            req.description = a.description.clone();
            req.signature = signature.clone();
            opened
                .registry
                .publish_bytes(&RequestContext::system(), req, archive)
                .await
                .map(|r| {
                    let doc = serde_json::to_value(&r).unwrap_or_default();
                    (
                        format!("{}/{}", r.address, r.version),
                        r.metadata.sha256.hex(),
                        doc,
                    )
                })
        }
    };
    pb.finish_and_clear();
    let (id, sha, doc) = result?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        println!("published {id} sha256:{sha}");
    }
    Ok(0)
}

/// `registry pack` options.
#[derive(Debug, Args)]
pub struct PackArgs {
    /// Module directory.
    dir: PathBuf,
    /// Output file.
    #[arg(short, long)]
    output: PathBuf,
}

/// Pack a directory deterministically.
pub async fn pack(a: PackArgs) -> CmdResult {
    let bytes = pack_dir(&a.dir)?;
    std::fs::write(&a.output, &bytes)?;
    println!(
        "{} sha256:{} {} bytes",
        a.output.display(),
        registry_core::Sha256Digest::of(&bytes),
        bytes.len()
    );
    Ok(0)
}
