//! `registry keygen`, `registry sign` and `registry keys …`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use registry_core::{
    ArchiveBody, ArchiveLimits, Hash1, Sha256Digest, SignedManifest, TreeHasher, TrustedKey,
    Version,
};
use registry_core::{inspect_archive, pack_dir};

use super::{CmdResult, parse_address};
use crate::target::LocalArgs;

/// `registry keygen` options.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the secret key (the public key goes to `<path>.pub`).
    #[arg(short, long)]
    output: PathBuf,
}

/// Generate a signing key pair.
pub async fn keygen(a: KeygenArgs) -> CmdResult {
    let k = registry_resolve::generate_key()?;
    let pub_path = PathBuf::from(format!("{}.pub", a.output.display()));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&a.output).map_err(|e| {
            registry_core::Error::invalid_input(format!(
                "cannot create {}: {e}",
                a.output.display()
            ))
        })?;
        std::io::Write::write_all(&mut f, k.secret_key_file.as_bytes())?;
    }
    std::fs::write(&pub_path, &k.public_key_file).map_err(|e| {
        registry_core::Error::invalid_input(format!("cannot write {}: {e}", pub_path.display()))
    })?;
    println!(
        "key {} written to {} (public key: {})",
        k.key_id,
        a.output.display(),
        pub_path.display()
    );
    println!("{}", k.public_key);
    Ok(0)
}

/// `registry sign` options.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Module address `namespace/name/system`.
    address: String,
    /// Version to be published.
    #[arg(value_name = "VERSION")]
    module_version: String,
    /// Module directory or archive (the same one you will publish).
    path: PathBuf,
    /// Secret key file (from `registry keygen`).
    #[arg(long)]
    key: PathBuf,
    /// Where to write the `.minisig` (default: stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Sign a module version's manifest.
pub async fn sign(a: SignArgs) -> CmdResult {
    let address = parse_address(&a.address)?;
    let version = Version::parse(&a.module_version)?;
    let bytes = if a.path.is_dir() {
        pack_dir(&a.path)?
    } else {
        std::fs::read(&a.path).map_err(|e| {
            registry_core::Error::invalid_input(format!("cannot read {}: {e}", a.path.display()))
        })?
    };
    let sha256 = Sha256Digest::of(&bytes);
    let inspection = inspect_archive(&ArchiveBody::from(bytes), &ArchiveLimits::default())
        .await
        .map_err(|e| e.with_context("archive", a.path.display()))?;
    let manifest = SignedManifest {
        address,
        version,
        sha256,
        h1: Hash1.tree_hash(&inspection.manifest)?,
    };
    let secret = std::fs::read_to_string(&a.key).map_err(|e| {
        registry_core::Error::invalid_input(format!("cannot read key {}: {e}", a.key.display()))
    })?;
    let sig = registry_resolve::sign_manifest(&secret, &manifest).map_err(|e| {
        registry_core::Error::invalid_input(format!(
            "--key {} is not an unencrypted minisign secret key (`registry keygen` makes one; the .pub file is the public half): {}",
            a.key.display(),
            e.message()
        ))
    })?;
    match a.output {
        Some(p) => std::fs::write(&p, sig).map_err(|e| {
            registry_core::Error::invalid_input(format!("cannot write {}: {e}", p.display()))
        })?,
        None => print!("{sig}"),
    }
    Ok(0)
}

/// `registry keys` subcommands (on the registry's database).
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Trust a public key for a namespace.
    Add(KeyAddArgs),
    /// List trusted keys.
    List(KeyListArgs),
    /// Stop trusting a key.
    Remove(KeyRemoveArgs),
    /// Change when a trusted key expires.
    Expire(KeyExpireArgs),
    /// Require (or with --off, stop requiring) signed publishes in a namespace.
    Require(KeyRequireArgs),
}

/// `registry keys add` options.
#[derive(Debug, Args)]
pub struct KeyAddArgs {
    /// Namespace, or `*` for every namespace.
    #[arg(long)]
    namespace: String,
    /// Public key file (`minisign.pub`) or the `RW…` line itself.
    #[arg(long)]
    public_key: String,
    /// Stop trusting it after this long (`365d`).
    #[arg(long)]
    expires_in: Option<humantime::Duration>,
    #[command(flatten)]
    local: LocalArgs,
}

/// `registry keys list` options.
#[derive(Debug, Args)]
pub struct KeyListArgs {
    #[command(flatten)]
    local: LocalArgs,
}

/// `registry keys remove` options.
#[derive(Debug, Args)]
pub struct KeyRemoveArgs {
    /// Namespace the key is trusted for.
    #[arg(long)]
    namespace: String,
    /// Key id.
    key_id: String,
    #[command(flatten)]
    local: LocalArgs,
}

/// `registry keys expire` options.
#[derive(Debug, Args)]
pub struct KeyExpireArgs {
    /// Namespace the key is trusted for.
    #[arg(long)]
    namespace: String,
    /// Key id.
    key_id: String,
    /// Stop trusting it this long from now (`90d`).
    #[arg(
        long = "in",
        value_name = "DURATION",
        conflicts_with = "never",
        required_unless_present = "never"
    )]
    expires_in: Option<humantime::Duration>,
    /// Trust it without an expiry.
    #[arg(long)]
    never: bool,
    #[command(flatten)]
    local: LocalArgs,
}

/// `registry keys require` options.
#[derive(Debug, Args)]
pub struct KeyRequireArgs {
    /// Namespace.
    #[arg(long)]
    namespace: String,
    /// Stop requiring signatures.
    #[arg(long)]
    off: bool,
    #[command(flatten)]
    target: crate::target::TargetArgs,
}

fn public_key_line(arg: &str) -> registry_core::Result<String> {
    let text = if std::path::Path::new(arg).is_file() {
        std::fs::read_to_string(arg).map_err(|e| {
            registry_core::Error::invalid_input(format!("cannot read public key file {arg}: {e}"))
        })?
    } else {
        arg.to_string()
    };
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("RW"))
        .ok_or_else(|| {
            registry_core::Error::invalid_input(
                "no minisign public key (a line starting with RW) found",
            )
        })?;
    Ok(line.to_string())
}

fn key_id_of_public(line: &str) -> registry_core::Result<String> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(line)
        .map_err(|_| registry_core::Error::invalid_input("the public key is not base64"))?;
    if raw.len() != 42 {
        return Err(registry_core::Error::invalid_input(
            "the public key has the wrong length",
        ));
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(&raw[2..10]);
    Ok(format!("{:016X}", u64::from_le_bytes(b)))
}

/// Run a keys subcommand.
pub async fn keys(c: KeysCommand) -> CmdResult {
    match c {
        KeysCommand::Add(a) => {
            let opened = a.local.open().await?;
            let store = opened.storage.metadata.as_signing_key_store();
            let public_key = public_key_line(&a.public_key)?;
            let now = chrono::Utc::now();
            let key = TrustedKey {
                namespace: a.namespace.to_ascii_lowercase(),
                key_id: key_id_of_public(&public_key)?,
                public_key,
                added_at: now,
                expires_at: match a.expires_in {
                    Some(d) => Some(
                        now + chrono::Duration::from_std(*d)
                            .map_err(|_| registry_core::Error::invalid_input("expiry too long"))?,
                    ),
                    None => None,
                },
            };
            store.add_key(&key).await?;
            super::audit_local(
                &opened,
                "key.add",
                &format!("{}/*", key.namespace),
                Some(format!("key {}", key.key_id)),
            )
            .await?;
            println!("trusted key {} for {}", key.key_id, key.namespace);
        }
        KeysCommand::List(a) => {
            let opened = a.local.open().await?;
            let store = opened.storage.metadata.as_signing_key_store();
            for k in store.all_keys().await? {
                let exp = k
                    .expires_at
                    .map(|e| e.to_rfc3339())
                    .unwrap_or_else(|| "never".into());
                println!(
                    "{}\t{}\texpires {exp}\t{}",
                    k.namespace, k.key_id, k.public_key
                );
            }
        }
        KeysCommand::Remove(a) => {
            let opened = a.local.open().await?;
            let store = opened.storage.metadata.as_signing_key_store();
            store.remove_key(&a.namespace, &a.key_id).await?;
            super::audit_local(
                &opened,
                "key.remove",
                &format!("{}/*", a.namespace.to_ascii_lowercase()),
                Some(format!("key {}", a.key_id)),
            )
            .await?;
            println!("removed key {} from {}", a.key_id, a.namespace);
        }
        KeysCommand::Expire(a) => {
            let opened = a.local.open().await?;
            let store = opened.storage.metadata.as_signing_key_store();
            let expires_at = match a.expires_in {
                Some(d) => Some(
                    chrono::Utc::now()
                        + chrono::Duration::from_std(*d)
                            .map_err(|_| registry_core::Error::invalid_input("expiry too long"))?,
                ),
                None => None,
            };
            store
                .set_key_expiry(&a.namespace, &a.key_id, expires_at)
                .await?;
            let when = expires_at
                .map(|e| e.to_rfc3339())
                .unwrap_or_else(|| "never".into());
            super::audit_local(
                &opened,
                "key.expire",
                &format!("{}/*", a.namespace.to_ascii_lowercase()),
                Some(format!("key {} expires {when}", a.key_id)),
            )
            .await?;
            println!("key {} for {} expires {when}", a.key_id, a.namespace);
        }
        KeysCommand::Require(a) => {
            // The namespace policy's require-signatures key, locally or through a server.
            let client = a.target.connect().await?;
            let setting = format!("require-signatures={}", !a.off);
            super::policy::change(client.as_ref(), &a.namespace, &[setting]).await?;
            println!(
                "{}: signatures {}",
                a.namespace,
                if a.off { "optional" } else { "required" }
            );
        }
    }
    Ok(0)
}
