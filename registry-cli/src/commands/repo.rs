//! `registry repo add|sync|list|show|remove`: modules that follow a git
//! repository, locally (`--data-dir`) or through a server (`--server`,
//! `--token`).

use clap::{Args, Subcommand};
use registry_server::http::views::RepositoryView;
use registry_server::repos::RepositoryRequest;

use super::{CmdResult, parse_address};
use crate::target::TargetArgs;

/// `registry repo` subcommands.
#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    /// Follow a repository: each tag matching the pattern becomes a
    /// version. Prints the webhook secret (shown once).
    Add(AddArgs),
    /// Publish the repository's new tags now.
    Sync(SyncArgs),
    /// The followed repositories and how their last syncs went.
    List(ListArgs),
    /// One repository: its status and every tag published from it.
    Show(ModuleArgs),
    /// Stop following (the published versions stay).
    Remove(ModuleArgs),
}

/// `registry repo add` options.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The module its tags publish, `NS/NAME/SYSTEM`.
    module: String,
    /// The git remote (`https://…`, `ssh://…`, `git://…`, `git@host:path`).
    #[arg(long)]
    git: String,
    /// The module's folder in the repository (default: its root).
    #[arg(long)]
    path: Option<String>,
    /// Which tags are versions: literal text around `{version}`.
    #[arg(long, default_value = registry_core::DEFAULT_TAG_PATTERN)]
    tag_pattern: String,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry repo sync` options.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The module, `NS/NAME/SYSTEM`.
    module: String,
    /// A private network (CIDR) a local sync may reach (a server uses its
    /// own `--upstream-private`). Repeatable.
    #[arg(long = "upstream-private", value_delimiter = ',')]
    private: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry repo list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: TargetArgs,
}

/// Options naming one followed module.
#[derive(Debug, Args)]
pub struct ModuleArgs {
    /// The module, `NS/NAME/SYSTEM`.
    module: String,
    #[command(flatten)]
    target: TargetArgs,
}

/// Run a `registry repo` subcommand.
pub async fn run(cmd: RepoCommand) -> CmdResult {
    match cmd {
        RepoCommand::Add(a) => add(a).await,
        RepoCommand::Sync(a) => sync(a).await,
        RepoCommand::List(a) => list(a).await,
        RepoCommand::Show(a) => show(a).await,
        RepoCommand::Remove(a) => remove(a).await,
    }
}

async fn add(a: AddArgs) -> CmdResult {
    let address = parse_address(&a.module)?;
    let client = a.target.connect_repositories(Vec::new()).await?;
    let added = client
        .add(RepositoryRequest {
            address,
            remote: a.git,
            path: a.path,
            tag_pattern: Some(a.tag_pattern),
        })
        .await?;
    let r = &added.repository;
    println!(
        "{} follows {}{} (tags {})",
        r.module,
        r.git,
        r.path
            .as_deref()
            .map(|p| format!(" at {p}"))
            .unwrap_or_default(),
        r.tag_pattern
    );
    println!("webhook secret (shown once): {}", added.hook_secret);
    let base = a.target.remote().unwrap_or("https://REGISTRY");
    for hook in &added.hooks {
        println!("webhook: {}{hook}", base.trim_end_matches('/'));
    }
    println!(
        "run `registry repo sync {}` to publish its tags now",
        r.module
    );
    Ok(0)
}

async fn sync(a: SyncArgs) -> CmdResult {
    let address = parse_address(&a.module)?;
    let private = super::upstream_args::private_networks(a.private)?;
    let client = a.target.connect_repositories(private).await?;
    let report = client.sync(&address).await?;
    let mut refused = 0;
    for t in &report.tags {
        match &t.reason {
            Some(why) => {
                refused += 1;
                println!(
                    "{} {} ({}): refused: {why}",
                    t.tag,
                    t.version,
                    short(&t.commit)
                );
            }
            None => println!(
                "{} {} ({}): {}",
                t.tag,
                t.version,
                short(&t.commit),
                t.outcome
            ),
        }
    }
    if report.tags.is_empty() {
        println!("{}: nothing new", report.address);
    }
    Ok(if refused > 0 { 1 } else { 0 })
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

async fn list(a: ListArgs) -> CmdResult {
    let client = a.target.connect_repositories(Vec::new()).await?;
    let all = client.list().await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        return Ok(0);
    }
    for r in &all {
        println!("{}", status_line(r));
    }
    Ok(0)
}

/// One repository on one line: module, remote, and its last sync.
fn status_line(r: &RepositoryView) -> String {
    let s = &r.status;
    let last = match (&s.last_sync_at, &s.last_error) {
        (None, _) => "never synced".to_string(),
        (Some(at), None) => format!("synced {}", at.format("%Y-%m-%d %H:%M:%SZ")),
        (Some(at), Some(e)) => format!(
            "synced {} with errors ({} in a row): {e}",
            at.format("%Y-%m-%d %H:%M:%SZ"),
            s.failures
        ),
    };
    let tag = s
        .last_tag
        .as_deref()
        .map(|t| {
            format!(
                ", last tag {t} at {}",
                short(s.last_commit.as_deref().unwrap_or(""))
            )
        })
        .unwrap_or_default();
    format!(
        "{}  {}{}  [{}]  {last}{tag}",
        r.module,
        r.git,
        r.path
            .as_deref()
            .map(|p| format!("//{p}"))
            .unwrap_or_default(),
        r.tag_pattern
    )
}

async fn show(a: ModuleArgs) -> CmdResult {
    let address = parse_address(&a.module)?;
    let client = a.target.connect_repositories(Vec::new()).await?;
    let r = client.get(&address).await?;
    println!("{}", status_line(&r));
    for rel in &r.releases {
        println!(
            "  {} -> {} from {} ({})",
            rel.tag,
            rel.version,
            short(&rel.commit),
            rel.published_at.format("%Y-%m-%d %H:%M:%SZ")
        );
    }
    Ok(0)
}

async fn remove(a: ModuleArgs) -> CmdResult {
    let address = parse_address(&a.module)?;
    let client = a.target.connect_repositories(Vec::new()).await?;
    client.remove(&address).await?;
    println!("{address} no longer follows a repository; its versions stay");
    Ok(0)
}
