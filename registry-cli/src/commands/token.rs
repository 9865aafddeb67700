//! `registry token create|list|revoke` (on the registry's database).

use clap::{Args, Subcommand};
use registry_core::{Role, TokenRequest};

use super::CmdResult;
use crate::target::LocalArgs;

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it alone on stdout (it is shown only once).
    Create(CreateArgs),
    /// List tokens (never their secrets).
    List(ListArgs),
    /// Revoke a token by id.
    Revoke(RevokeArgs),
}

/// `registry token create` options.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Namespace the token acts in, or `*` for every namespace.
    #[arg(long)]
    namespace: String,
    /// Role: reader, publisher or admin.
    #[arg(long)]
    role: Role,
    /// Lifetime (`30d`, `12h`); default: no expiry.
    #[arg(long)]
    expires_in: Option<humantime::Duration>,
    /// What the token is for.
    #[arg(long)]
    description: Option<String>,
    #[command(flatten)]
    local: LocalArgs,
}

/// `registry token list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    local: LocalArgs,
}

/// `registry token revoke` options.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Token id (the part after `rgt_`, before the next `_`), or the whole secret.
    #[arg(value_name = "ID")]
    id: String,
    #[command(flatten)]
    local: LocalArgs,
}

/// Run a token subcommand.
pub async fn run(c: TokenCommand) -> CmdResult {
    let now = chrono::Utc::now();
    match c {
        TokenCommand::Create(a) => {
            let opened = a.local.open_or_create().await?;
            let expires_at = match a.expires_in {
                Some(d) => Some(
                    now + chrono::Duration::from_std(*d)
                        .map_err(|_| registry_core::Error::invalid_input("expiry too long"))?,
                ),
                None => None,
            };
            let req = TokenRequest {
                namespace: a.namespace,
                role: a.role,
                description: a.description,
                expires_at,
                also: Vec::new(),
            };
            let t = opened
                .storage
                .metadata
                .as_token_store()
                .create(&req, now)
                .await?;
            super::audit_local(
                &opened,
                "token.create",
                &format!("{}/*", t.info.namespace),
                Some(format!("token {} role {}", t.info.id, t.info.role)),
            )
            .await?;
            println!("{}", t.secret);
        }
        TokenCommand::List(a) => {
            let opened = a.local.open().await?;
            let all = opened.storage.metadata.as_token_store().list().await?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
            } else {
                for t in all {
                    let state = if t.revoked_at.is_some() {
                        "revoked"
                    } else if t.is_usable(now) {
                        "active"
                    } else {
                        "expired"
                    };
                    println!(
                        "{}\t{}\t{}\t{state}\t{}",
                        t.id,
                        t.namespace,
                        t.role,
                        t.description.unwrap_or_default()
                    );
                }
            }
        }
        TokenCommand::Revoke(a) => {
            let opened = a.local.open().await?;
            // A whole secret pasted here names its token by the id part;
            // the random part is never used or echoed.
            let id = registry_core::token_id_of(&a.id).unwrap_or(&a.id);
            if id.starts_with(registry_core::TOKEN_PREFIX) {
                return Err(registry_core::Error::invalid_input(
                    "give the token's id (the part after rgt_, before the next _), or its whole secret",
                ));
            }
            let t = opened
                .storage
                .metadata
                .as_token_store()
                .revoke(id, now)
                .await?;
            super::audit_local(
                &opened,
                "token.revoke",
                &format!("{}/*", t.namespace),
                Some(format!("token {}", t.id)),
            )
            .await?;
            println!("revoked {}", t.id);
        }
    }
    Ok(0)
}
