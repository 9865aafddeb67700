//! `registry provider publish` and `registry provider keys …`: this
//! registry's private providers, locally (`--data-dir`) or through a
//! server (`--server`, `--token`).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use registry_core::{Error, ProviderAddress, Version};
use registry_providers::release::{platform_of, signature_name, sums_name};

use super::CmdResult;
use crate::client::ReleaseFiles;
use crate::target::TargetArgs;

/// `registry provider` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// Publish a release from a folder of its files.
    Publish(PublishArgs),
    /// Fill the network mirror from a folder `terraform providers mirror`
    /// wrote (HOST/NAMESPACE/TYPE/… with VERSION.json files), offline.
    Import(ImportArgs),
    /// The namespaces' provider signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

/// `registry provider import` options.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The folder `terraform providers mirror DIR` wrote.
    dir: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry provider publish` options.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The provider, `NAMESPACE/TYPE`.
    address: String,
    /// The version (`2.1.2`).
    #[arg(value_name = "VERSION")]
    provider_version: String,
    /// The folder holding `terraform-provider-TYPE_VERSION_OS_ARCH.zip`
    /// files, and optionally `…_SHA256SUMS` and `…_SHA256SUMS.sig` (signed
    /// with a key registered for the namespace). Without them the registry
    /// writes and signs SHA256SUMS with the namespace's own key.
    dir: PathBuf,
    /// Plugin protocol versions the release speaks, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "5.0")]
    protocols: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry provider keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List keys (the registry's own and registered ones, revoked ones too).
    List(KeyListArgs),
    /// Register the public key publishers of a namespace sign with.
    Add(KeyAddArgs),
    /// Make a new registry key that signs the namespace's releases from now on.
    Rotate(KeyRotateArgs),
    /// Revoke a key: the registry re-signs what it had signed with it.
    Revoke(KeyRevokeArgs),
}

/// `registry provider keys list` options.
#[derive(Debug, Args)]
pub struct KeyListArgs {
    /// Only this namespace's keys.
    #[arg(long)]
    namespace: Option<String>,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry provider keys add` options.
#[derive(Debug, Args)]
pub struct KeyAddArgs {
    /// The namespace.
    #[arg(long)]
    namespace: String,
    /// File holding the ASCII-armored public key (`gpg --armor --export KEYID`).
    #[arg(long)]
    public_key: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry provider keys rotate` options.
#[derive(Debug, Args)]
pub struct KeyRotateArgs {
    /// The namespace.
    #[arg(long)]
    namespace: String,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry provider keys revoke` options.
#[derive(Debug, Args)]
pub struct KeyRevokeArgs {
    /// The namespace.
    #[arg(long)]
    namespace: String,
    /// The key id (16 hex digits, from `keys list`).
    key_id: String,
    #[command(flatten)]
    target: TargetArgs,
}

/// The release's files in `dir`: the zips of this version and its sums
/// and signature. Files of another provider or version are left out and
/// named, so a folder holding several releases publishes only this one.
fn release_files(
    address: &ProviderAddress,
    version: &Version,
    dir: &PathBuf,
) -> Result<Vec<(String, PathBuf)>, Error> {
    let ty = address.provider_type();
    let v = version.as_str();
    let sums = sums_name(ty, v);
    let sig = signature_name(ty, v);
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::invalid_input(format!("cannot read {}: {e}", dir.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_file() {
            continue;
        }
        if name == sums || name == sig || platform_of(&name, ty, v).is_some() {
            files.push((name, entry.path()));
        } else {
            eprintln!("skipping {name}: not a file of {address} {v}");
        }
    }
    files.sort();
    if !files.iter().any(|(n, _)| n.ends_with(".zip")) {
        return Err(Error::invalid_input(format!(
            "{} holds no terraform-provider-{ty}_{v}_OS_ARCH.zip",
            dir.display()
        )));
    }
    Ok(files)
}

/// Run a provider subcommand.
pub async fn run(c: ProviderCommand) -> CmdResult {
    match c {
        ProviderCommand::Publish(a) => {
            let address: ProviderAddress = a.address.parse()?;
            let version = Version::parse(&a.provider_version)?;
            let files = release_files(&address, &version, &a.dir)?;
            let client = a.target.connect_providers().await?;
            let r = client
                .publish(ReleaseFiles {
                    address,
                    version,
                    protocols: a.protocols,
                    files,
                })
                .await?;
            let signer = match (&r.key_id, r.signed_by_registry) {
                (Some(k), true) => format!("signed by the registry with key {k}"),
                (Some(k), false) => format!("signature by key {k} verified"),
                (None, _) => "unsigned".to_string(),
            };
            println!(
                "published {} {} ({} platform{}, {signer})",
                r.address,
                r.version,
                r.platforms.len(),
                if r.platforms.len() == 1 { "" } else { "s" }
            );
            for p in &r.platforms {
                println!(
                    "  {}_{}\tzh:{}\t{}",
                    p.os,
                    p.arch,
                    p.sha256,
                    p.h1.as_deref().unwrap_or("")
                );
            }
        }
        ProviderCommand::Import(a) => {
            let client = a.target.connect_providers().await?;
            let releases = super::provider_import::mirrored_releases(&a.dir)?;
            if releases.is_empty() {
                return Err(Error::invalid_input(format!(
                    "{} holds no HOST/NAMESPACE/TYPE/VERSION.json: is it a folder `terraform providers mirror` wrote?",
                    a.dir.display()
                )));
            }
            let (mut kept, mut skipped) = (0, 0);
            for r in releases {
                match client.import(&r.address, &r.version, r.zips).await {
                    Ok(v) => {
                        kept += 1;
                        println!(
                            "imported {} {} ({} platform{})",
                            v.address,
                            v.version,
                            v.platforms.len(),
                            if v.platforms.len() == 1 { "" } else { "s" }
                        );
                    }
                    Err(e) if e.kind() == registry_core::ErrorKind::AlreadyExists => {
                        skipped += 1;
                        println!("kept already: {} {}", r.address, r.version);
                    }
                    Err(e) => return Err(e),
                }
            }
            println!("{kept} imported, {skipped} kept already");
        }
        ProviderCommand::Keys(KeysCommand::List(a)) => {
            let client = a.target.connect_providers().await?;
            for k in client.keys(a.namespace.as_deref()).await? {
                let state = match &k.revoked_at {
                    Some(t) => format!("revoked {t}"),
                    None => "active".to_string(),
                };
                println!(
                    "{}\t{}\t{}\tcreated {}\t{state}",
                    k.namespace, k.key_id, k.origin, k.created_at
                );
            }
        }
        ProviderCommand::Keys(KeysCommand::Add(a)) => {
            let armored = std::fs::read_to_string(&a.public_key).map_err(|e| {
                Error::invalid_input(format!("cannot read {}: {e}", a.public_key.display()))
            })?;
            let client = a.target.connect_providers().await?;
            let k = client.register_key(&a.namespace, &armored).await?;
            println!("registered key {} for {}", k.key_id, k.namespace);
        }
        ProviderCommand::Keys(KeysCommand::Rotate(a)) => {
            let client = a.target.connect_providers().await?;
            let k = client.rotate_key(&a.namespace).await?;
            println!(
                "new key {} signs {}'s releases from now on",
                k.key_id, k.namespace
            );
            println!("{}", k.public_key.trim_end());
        }
        ProviderCommand::Keys(KeysCommand::Revoke(a)) => {
            let client = a.target.connect_providers().await?;
            let r = client.revoke_key(&a.namespace, &a.key_id).await?;
            println!("revoked key {}", r.key_id);
            for name in &r.resigned {
                println!("  re-signed {name} with the namespace's current key");
            }
            for name in &r.withdrawn {
                println!("  withdrew {name}: publish it again signed with an active key");
            }
        }
    }
    Ok(0)
}
