//! `registry publish` and `registry pack`.

use std::path::PathBuf;

use bytes::Bytes;
use clap::Args;
use registry_core::pack_dir;
use registry_core::{Error, PublishRequest};

use super::{CmdResult, parse_address};
use crate::target::TargetArgs;

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
    /// Source repository URL, shown with the module.
    #[arg(long)]
    source: Option<String>,
    /// A `.minisig` signature from `registry sign`.
    #[arg(long)]
    signature: Option<PathBuf>,
    /// Print the published module as JSON.
    #[arg(long)]
    json: bool,
    /// Publish with a short-lived token exchanged for the CI job's OIDC
    /// identity token (REGISTRY_OIDC_TOKEN, GitHub Actions' own
    /// variables, or --oidc-token-env); needs --server.
    #[arg(long)]
    oidc: bool,
    /// The environment variable holding the identity token (GitLab CI's
    /// `id_tokens:` name).
    #[arg(long, requires = "oidc")]
    oidc_token_env: Option<String>,
    /// The audience asked of GitHub Actions (default: the server's host).
    #[arg(long, requires = "oidc")]
    oidc_audience: Option<String>,
    #[command(flatten)]
    target: TargetArgs,
}

/// The target, with the token exchanged for the CI identity when `--oidc`.
async fn publishing_target(a: &PublishArgs) -> registry_core::Result<TargetArgs> {
    let mut target = a.target.clone();
    if !a.oidc {
        return Ok(target);
    }
    let Some(server) = target.remote().map(str::to_string) else {
        return Err(Error::invalid_input(
            "--oidc exchanges the CI identity at a server; give --server",
        ));
    };
    let audience = match &a.oidc_audience {
        Some(aud) => aud.clone(),
        None => reqwest::Url::parse(&server)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| server.clone()),
    };
    let source = crate::client::oidc::OidcSource {
        token_env: a.oidc_token_env.clone(),
        audience,
    };
    target.token = Some(crate::client::oidc::exchange(&server, &target.ca_cert, &source).await?);
    Ok(target)
}

fn read_archive(path: &std::path::Path) -> registry_core::Result<Vec<u8>> {
    if path.is_dir() {
        pack_dir(path)
    } else {
        std::fs::read(path).map_err(|e| {
            Error::invalid_input(format!("cannot read archive {}: {e}", path.display()))
        })
    }
}

fn read_signature(path: &std::path::Path) -> registry_core::Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        Error::invalid_input(format!(
            "cannot read signature file {}: {e}",
            path.display()
        ))
    })
}

/// Publish a module version.
pub async fn run(a: PublishArgs) -> CmdResult {
    let address = parse_address(&a.address)?;
    let archive = read_archive(&a.path)?;
    let size = archive.len();
    let mut request = PublishRequest::new(address.clone(), a.module_version.clone());
    request.description = a.description.clone();
    request.source_url = a.source.clone();
    request.signature = a.signature.as_deref().map(read_signature).transpose()?;
    let client = publishing_target(&a).await?.connect().await?;
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(format!(
        "publishing {address} {} ({size} bytes)",
        a.module_version
    ));
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    let result = client.publish(request, Bytes::from(archive)).await;
    pb.finish_and_clear();
    // An archive the registry refuses is named, as the user gave it.
    let published = result.map_err(|e| match e.kind() {
        registry_core::ErrorKind::InvalidInput | registry_core::ErrorKind::TooLarge => {
            e.with_context("archive", a.path.display())
        }
        _ => e,
    })?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&published).unwrap_or_default()
        );
    } else {
        println!(
            "published {} sha256:{}",
            published.module.id, published.module.sha256
        );
        for w in &published.module.warnings {
            let at = w.file.as_deref().map(|f| match w.line {
                Some(l) => format!("{f}:{l}: "),
                None => format!("{f}: "),
            });
            eprintln!(
                "{}: {}{} [{}]",
                w.severity,
                at.unwrap_or_default(),
                w.message,
                w.id
            );
        }
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
    std::fs::write(&a.output, &bytes)
        .map_err(|e| Error::invalid_input(format!("cannot write {}: {e}", a.output.display())))?;
    println!(
        "{} sha256:{} {} bytes",
        a.output.display(),
        registry_core::Sha256Digest::of(&bytes),
        bytes.len()
    );
    Ok(0)
}
