//! `registry deprecate|undeprecate|yank|unyank|delete`.

use clap::Args;
use registry_core::{LifecycleChange, ModuleId, RequestContext, Version};
use serde_json::json;

use super::{CmdResult, parse_address};
use crate::target::{Target, TargetArgs};

/// A version to act on.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Module address `namespace/name/system`.
    address: String,
    /// Exact version.
    #[arg(value_name = "VERSION")]
    module_version: String,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry deprecate` options.
#[derive(Debug, Args)]
pub struct DeprecateArgs {
    #[command(flatten)]
    v: VersionArgs,
    /// Why the version should no longer be used.
    #[arg(long)]
    reason: String,
    /// What to use instead.
    #[arg(long)]
    successor: Option<String>,
}

/// `registry yank` options.
#[derive(Debug, Args)]
pub struct YankArgs {
    #[command(flatten)]
    v: VersionArgs,
    /// Why the version is withdrawn.
    #[arg(long)]
    reason: Option<String>,
}

/// Changes without options.
#[derive(Debug, Clone, Copy)]
pub enum Simple {
    /// Remove a deprecation.
    Undeprecate,
    /// Bring back a yanked version.
    Unyank,
    /// Delete.
    Delete,
}

async fn change(v: VersionArgs, change: Option<LifecycleChange>) -> CmdResult {
    let address = parse_address(&v.address)?;
    let verb = change.as_ref().map_or("delete", |c| c.verb());
    match v.target.open().await? {
        Target::Remote(c) => match &change {
            None => c.delete(&address, &v.module_version).await?,
            Some(ch) => {
                let body = match ch {
                    LifecycleChange::Deprecate { reason, successor } => {
                        Some(json!({"reason": reason, "successor": successor}))
                    }
                    LifecycleChange::Yank { reason } => Some(json!({"reason": reason})),
                    _ => None,
                };
                c.lifecycle(&address, &v.module_version, verb, body).await?;
            }
        },
        Target::Local(o) => {
            let id = ModuleId::new(address.clone(), Version::parse(&v.module_version)?);
            let ctx = RequestContext::system();
            match change {
                None => o.registry.delete(&ctx, &id).await?,
                Some(ch) => {
                    o.registry.change_lifecycle(&ctx, &id, ch).await?;
                }
            }
        }
    }
    println!("{verb}: {address}/{}", v.module_version);
    Ok(0)
}

/// Deprecate.
pub async fn deprecate(a: DeprecateArgs) -> CmdResult {
    change(
        a.v,
        Some(LifecycleChange::Deprecate {
            reason: a.reason,
            successor: a.successor,
        }),
    )
    .await
}

/// Yank.
pub async fn yank(a: YankArgs) -> CmdResult {
    change(a.v, Some(LifecycleChange::Yank { reason: a.reason })).await
}

/// Undeprecate, unyank or delete.
pub async fn simple(a: VersionArgs, what: Simple) -> CmdResult {
    let c = match what {
        Simple::Undeprecate => Some(LifecycleChange::Undeprecate),
        Simple::Unyank => Some(LifecycleChange::Unyank),
        Simple::Delete => None,
    };
    change(a, c).await
}
