//! `registry policy show|set`: a namespace's publishing policy, locally or
//! through a server (admins of the namespace).

use clap::{Args, Subcommand};
use registry_server::http::views::PolicyView;

use super::CmdResult;
use crate::client::{RegistryClient, policy_of};
use crate::target::TargetArgs;

/// Policy subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print a namespace's policy, one KEY=VALUE a line.
    Show(ShowArgs),
    /// Change keys of a namespace's policy (`validation=warn tests=run`).
    Set(SetArgs),
}

/// `registry policy show` options.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Namespace.
    namespace: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry policy set` options.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// Namespace.
    namespace: String,
    /// Settings: require-signatures=true|false, validation=off|warn|error|warning|info,
    /// tests=off|run|require, semver-guard=off|warn|refuse.
    #[arg(value_name = "KEY=VALUE", required = true)]
    settings: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: TargetArgs,
}

fn print(view: &PolicyView, json: bool) -> registry_core::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(view).unwrap_or_default());
    } else {
        for line in policy_of(view)?.assignments() {
            println!("{line}");
        }
    }
    Ok(())
}

/// Change one namespace policy key with `client`; the policy now in force.
pub async fn change(
    client: &dyn RegistryClient,
    namespace: &str,
    settings: &[String],
) -> registry_core::Result<PolicyView> {
    let mut policy = policy_of(&client.policy(namespace).await?)?;
    policy.apply_assignments(settings.iter().map(String::as_str))?;
    client.set_policy(namespace, &policy).await
}

/// Run a policy subcommand.
pub async fn run(c: PolicyCommand) -> CmdResult {
    match c {
        PolicyCommand::Show(a) => {
            let view = a.target.connect().await?.policy(&a.namespace).await?;
            print(&view, a.json)?;
        }
        PolicyCommand::Set(a) => {
            let client = a.target.connect().await?;
            let view = change(client.as_ref(), &a.namespace, &a.settings).await?;
            print(&view, a.json)?;
        }
    }
    Ok(0)
}
