//! `registry resolve`: the version Terraform would pick.
//!
//! Contract (tools drive it): with `--versions 'V1,V2,…'` it prints the chosen
//! version exactly as written in the list, a newline, and nothing else on
//! stdout; exit 1 with a reason on stderr when none matches; exit 2 for an
//! invalid constraint or a usage error. Unparseable items are skipped with a
//! warning on stderr. Without `--versions` it resolves against a registry.

use clap::Args;
use registry_resolve::{NoMatch, select};

use super::{CmdResult, parse_address};
use crate::client::version_numbers;
use crate::target::TargetArgs;

/// `registry resolve` options.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Module address `namespace/name/system` (to resolve against a registry).
    address: Option<String>,
    /// Version constraint, as in a module block's `version` argument.
    #[arg(long)]
    constraint: Option<String>,
    /// Comma-separated candidate versions (spaces around items ignored).
    #[arg(long)]
    versions: Option<String>,
    #[command(flatten)]
    target: TargetArgs,
}

/// Pick from `list`; `deprecation` gives a chosen version's deprecation
/// notice, if any (warned on stderr, as Terraform warns at `init`).
fn choose(
    constraint: Option<&str>,
    list: &[String],
    deprecation: impl Fn(&str) -> Option<String>,
) -> CmdResult {
    match select(constraint, list) {
        Ok(s) => {
            for w in &s.warnings {
                eprintln!("warning: {w}");
            }
            let chosen = &list[s.index];
            if let Some(why) = deprecation(chosen) {
                eprintln!("warning: {chosen} is deprecated: {why}");
            }
            println!("{chosen}");
            Ok(0)
        }
        Err(NoMatch::InvalidConstraint { reason }) => {
            eprintln!("error: {reason}");
            Ok(2)
        }
        Err(no) => {
            for w in no.warnings() {
                eprintln!("warning: {w}");
            }
            let c = constraint.unwrap_or("");
            eprintln!("error: {}", no.into_error(c).message());
            Ok(1)
        }
    }
}

/// Resolve a constraint.
pub async fn run(a: ResolveArgs) -> CmdResult {
    if let Some(list) = &a.versions {
        // `--server` on the command line, not REGISTRY_SERVER from a shell
        // that exports it: tools run `resolve --versions` anywhere.
        let server_flag = std::env::args().any(|x| x == "--server" || x.starts_with("--server="));
        if a.address.is_some() || server_flag {
            eprintln!(
                "error: --versions chooses from the list given; it takes no module address or --server (give one or the other)"
            );
            return Ok(2);
        }
        let items: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
        return choose(a.constraint.as_deref(), &items, |_| None);
    }
    let Some(address) = &a.address else {
        eprintln!("error: give a module address, or --versions with a list to choose from");
        return Ok(2);
    };
    let address = parse_address(address)?;
    let view = a.target.connect().await?.versions(&address).await?;
    let listed = view.as_ref().map(version_numbers).unwrap_or_default();
    choose(a.constraint.as_deref(), &listed, |v| {
        view.as_ref()
            .and_then(|view| crate::client::deprecation_of(view, v))
    })
}
