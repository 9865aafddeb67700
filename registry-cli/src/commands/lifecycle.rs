//! `registry deprecate|undeprecate|yank|unyank|delete`.

use clap::Args;
use registry_core::{LifecycleChange, ModuleId, Version};

use super::{CmdResult, parse_address};
use crate::target::TargetArgs;

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
    let id = ModuleId::new(
        parse_address(&v.address)?,
        Version::parse(&v.module_version)?,
    );
    let verb = change.as_ref().map_or("delete", |c| c.verb());
    let client = v.target.connect().await?;
    match change {
        None => client.delete(&id).await?,
        Some(ch) => {
            client.change_lifecycle(&id, ch).await?;
        }
    }
    println!("{verb}: {id}");
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
