//! `registry trusted-publisher add|list|remove`: the policies under which
//! CI jobs' OIDC identity tokens are exchanged for short-lived publish
//! tokens (admins; locally or through a server).

use clap::{Args, Subcommand};
use registry_core::{Error, TrustedPublisherRequest};

use super::CmdResult;
use crate::target::TargetArgs;

/// `registry trusted-publisher` subcommands.
#[derive(Debug, Subcommand)]
pub enum TrustedPublisherCommand {
    /// Trust CI jobs whose identity token matches: issuer, audience and
    /// every `--claim`.
    Add(AddArgs),
    /// Every policy.
    List(ListArgs),
    /// Remove a policy by id.
    Remove(RemoveArgs),
}

/// `registry trusted-publisher add` options.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The namespace the exchanged tokens publish to.
    #[arg(long)]
    namespace: String,
    /// The token issuer (`https://token.actions.githubusercontent.com`,
    /// `https://gitlab.com`).
    #[arg(long)]
    issuer: String,
    /// The audience the CI job requests its token for.
    #[arg(long)]
    audience: String,
    /// `NAME=GLOB`: the claim must match (`repository=acme/*`,
    /// `ref=refs/tags/v*`). Repeatable; `sub`, `repository`,
    /// `repository_owner` or `project_path` must be among them.
    #[arg(long = "claim", value_name = "NAME=GLOB")]
    claims: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry trusted-publisher list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry trusted-publisher remove` options.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The policy's id (from `list`).
    id: String,
    #[command(flatten)]
    target: TargetArgs,
}

/// Run a `registry trusted-publisher` subcommand.
pub async fn run(cmd: TrustedPublisherCommand) -> CmdResult {
    match cmd {
        TrustedPublisherCommand::Add(a) => {
            let mut claims = std::collections::BTreeMap::new();
            for c in &a.claims {
                let Some((name, glob)) = c.split_once('=') else {
                    return Err(Error::invalid_input(format!(
                        "--claim {c:?}: write it as NAME=GLOB (repository=acme/*)"
                    )));
                };
                claims.insert(name.trim().to_string(), glob.to_string());
            }
            let client = a.target.connect_trusted_publishers().await?;
            let p = client
                .add(TrustedPublisherRequest {
                    namespace: a.namespace,
                    issuer: a.issuer,
                    audience: a.audience,
                    claims,
                })
                .await?;
            println!(
                "trusted publisher {} added: tokens from {} for {} publish to {}",
                p.id, p.issuer, p.audience, p.namespace
            );
            Ok(0)
        }
        TrustedPublisherCommand::List(a) => {
            let client = a.target.connect_trusted_publishers().await?;
            for p in client.list().await? {
                let claims: Vec<String> =
                    p.claims.iter().map(|(k, v)| format!("{k}={v}")).collect();
                println!(
                    "{}  {}  {}  aud={}  {}",
                    p.id,
                    p.namespace,
                    p.issuer,
                    p.audience,
                    claims.join(" ")
                );
            }
            Ok(0)
        }
        TrustedPublisherCommand::Remove(a) => {
            let client = a.target.connect_trusted_publishers().await?;
            let p = client.remove(&a.id).await?;
            println!(
                "trusted publisher {} removed (tokens it made expire within the hour; `registry token revoke` ends them now)",
                p.id
            );
            Ok(0)
        }
    }
}
