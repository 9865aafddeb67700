//! `registry`: serve, publish, resolve and manage a module registry, against
//! the embedded default (a local data directory) or a remote server.
//!
//! Exit codes: 0 on success, 1 when the operation failed (with a one-line
//! reason on stderr), 2 for usage errors and invalid input such as a
//! malformed constraint.

mod client;
mod commands;
mod target;

use clap::{CommandFactory as _, FromArgMatches as _, Subcommand};

use commands::*;

/// mimalloc gives memory back to the system soon after it is freed; glibc's
/// allocator keeps what a publish's parse trees took (hundreds of MB for a
/// large module) in its per-thread arenas for the life of the process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A Terraform/OpenTofu module registry.
#[derive(Debug, clap::Parser)]
#[command(name = "registry", version, about, propagate_version = true)]
struct Cli {
    /// Log filter (`info`, `debug`, `registry=trace`); also RUST_LOG.
    #[arg(long, global = true, env = "REGISTRY_LOG")]
    log: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the registry: the HTTP API, the web UI and gRPC, all on one
    /// port (HTTP/1.1 and HTTP/2; TLS with --tls-cert).
    Serve(Box<serve::ServeArgs>),
    /// Publish a module version from a directory or an archive.
    Publish(publish::PublishArgs),
    /// List a module's versions.
    Versions(read::VersionsArgs),
    /// Pick the version Terraform would install for a constraint.
    Resolve(resolve::ResolveArgs),
    /// Show a version's details: lifecycle, digests, provenance, warnings.
    Show(read::ShowArgs),
    /// Download a version's archive (verified against its digest).
    Download(read::DownloadArgs),
    /// Deprecate a version (still listed and resolvable, flagged).
    Deprecate(lifecycle::DeprecateArgs),
    /// Remove a deprecation.
    Undeprecate(lifecycle::VersionArgs),
    /// Yank a version (hidden from lists and resolution, still downloadable by exact version).
    Yank(lifecycle::YankArgs),
    /// Bring a yanked version back.
    Unyank(lifecycle::VersionArgs),
    /// Delete a version (admin); its number stays reserved.
    Delete(lifecycle::VersionArgs),
    /// terraform-docs compatible documentation of a module directory.
    #[command(subcommand)]
    Docs(docs::DocsCommand),
    /// The API changes between two module versions (folders, archives or
    /// NS/NAME/SYSTEM@VERSION); exits 3 when one breaks callers.
    Diff(diff::DiffArgs),
    /// Resolve a root module's registry calls and write `.registry.lock.hcl`.
    Lock(lock::ResolveDirArgs),
    /// Check modules installed by `terraform init` against `.registry.lock.hcl`.
    Verify(lock::VerifyArgs),
    /// Print a root module's resolved module graph (or DOT with --dot).
    Graph(lock::GraphArgs),
    /// Generate a minisign key pair for signing modules.
    Keygen(signing::KeygenArgs),
    /// Sign a module version (writes a .minisig for `publish --signature`).
    Sign(signing::SignArgs),
    /// Manage trusted signing keys and per-namespace signing policy.
    #[command(subcommand)]
    Keys(signing::KeysCommand),
    /// Show or change a namespace's publishing policy.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Publish private providers and manage their signing keys.
    #[command(subcommand)]
    Provider(provider::ProviderCommand),
    /// Modules that follow a git repository: each matching tag published.
    #[command(subcommand)]
    Repo(repo::RepoCommand),
    /// Trust CI jobs' OIDC identity tokens to publish (no stored secret).
    #[command(subcommand)]
    TrustedPublisher(trusted_publisher::TrustedPublisherCommand),
    /// Search modules.
    Search(search::SearchArgs),
    /// Rebuild the search index.
    Reindex(search::ReindexArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Read and verify the hash-chained audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Apply pending database migrations.
    Migrate(admin::MigrateArgs),
    /// Remove unreferenced archive blobs older than a grace period.
    Gc(admin::GcArgs),
    /// Pack a module directory into a deterministic .tar.gz.
    Pack(publish::PackArgs),
    /// Run a module's .tftest.hcl tests in-process, with mock providers.
    Test(test::TestArgs),
    /// Check a module folder with every rule publishing runs.
    Validate(validate::ValidateArgs),
}

fn init_logging(filter: Option<&str>) {
    let filter = filter
        .map(str::to_string)
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}

#[tokio::main]
async fn main() {
    let args = docs::terraform_docs_words(std::env::args_os().collect());
    let matches = Cli::command().get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    target::note_value_sources(&matches);
    init_logging(cli.log.as_deref());
    registry_server::install_crypto_provider();
    let result = match cli.command {
        Command::Serve(a) => serve::run(*a).await,
        Command::Publish(a) => publish::run(a).await,
        Command::Versions(a) => read::versions(a).await,
        Command::Resolve(a) => resolve::run(a).await,
        Command::Show(a) => read::show(a).await,
        Command::Download(a) => read::download(a).await,
        Command::Deprecate(a) => lifecycle::deprecate(a).await,
        Command::Undeprecate(a) => lifecycle::simple(a, lifecycle::Simple::Undeprecate).await,
        Command::Yank(a) => lifecycle::yank(a).await,
        Command::Unyank(a) => lifecycle::simple(a, lifecycle::Simple::Unyank).await,
        Command::Delete(a) => lifecycle::simple(a, lifecycle::Simple::Delete).await,
        Command::Docs(c) => docs::run(c).await,
        Command::Diff(a) => diff::run(a).await,
        Command::Lock(a) => lock::lock(a).await,
        Command::Verify(a) => lock::verify(a).await,
        Command::Graph(a) => lock::graph(a).await,
        Command::Keygen(a) => signing::keygen(a).await,
        Command::Sign(a) => signing::sign(a).await,
        Command::Keys(c) => signing::keys(c).await,
        Command::Policy(c) => policy::run(c).await,
        Command::Provider(c) => provider::run(c).await,
        Command::Repo(c) => repo::run(c).await,
        Command::TrustedPublisher(c) => trusted_publisher::run(c).await,
        Command::Search(a) => search::search(a).await,
        Command::Reindex(a) => search::reindex(a).await,
        Command::Token(c) => token::run(c).await,
        Command::Audit(c) => audit::run(c).await,
        Command::Migrate(a) => admin::migrate(a).await,
        Command::Gc(a) => admin::gc(a).await,
        Command::Pack(a) => publish::pack(a).await,
        Command::Test(a) => test::run(a).await,
        Command::Validate(a) => validate::run(a).await,
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            std::process::exit(exit_code(&e));
        }
    }
}

/// The error on one line (problems, if any, on the lines after).
fn one_line(e: &registry_core::Error) -> String {
    e.to_string()
}

/// 2 for invalid input, 1 otherwise.
fn exit_code(e: &registry_core::Error) -> i32 {
    match e.kind() {
        registry_core::ErrorKind::InvalidInput => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
