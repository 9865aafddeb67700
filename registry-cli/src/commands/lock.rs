//! `registry lock`, `registry verify` and `registry graph`: a root module's
//! registry module calls resolved, pinned and checked.

use std::path::{Path, PathBuf};

use clap::Args;
use registry_core::{Error, ModuleFiles, ModuleId, Result};
use registry_resolve::graph::{Catalog, ModuleGraph, RootCall};
use registry_resolve::{
    LockFile, LockedModule, resolve_compatible, resolve_unified, verify_installed,
};

use super::CmdResult;
use crate::client::{RegistryClient, catalog_module};
use crate::target::TargetArgs;

/// Options shared by `lock` and `graph`.
#[derive(Debug, Args)]
pub struct ResolveDirArgs {
    /// The root module directory.
    dir: PathBuf,
    /// One version per module across the graph (PubGrub) instead of
    /// Terraform's per-call choice.
    #[arg(long)]
    unified: bool,
    /// A registry host this registry answers for (repeatable): calls to
    /// it are resolved here. With --server, the server's own host is one;
    /// bare `ns/name/system` calls mean `registry.terraform.io`. Calls to
    /// other hosts are reported and left out.
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
}

/// The public registry, which Terraform asks for a bare address.
const PUBLIC_REGISTRY: &str = "registry.terraform.io";

/// The hosts calls may name to be resolved against this target.
fn served_hosts(a: &ResolveDirArgs) -> Result<Vec<String>> {
    let mut hosts: Vec<String> = a.hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
    if let Some(server) = a.target.remote() {
        let url = url::Url::parse(server)
            .map_err(|e| Error::invalid_input(format!("--server {server:?}: {e}")))?;
        if let Some(h) = url.host_str() {
            hosts.push(match url.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            });
        }
    }
    Ok(hosts)
}

/// The root calls this target serves; the others are reported on stderr.
fn served_calls(a: &ResolveDirArgs, calls: Vec<RootCall>) -> Result<Vec<RootCall>> {
    let hosts = served_hosts(a)?;
    let mut out = Vec::new();
    for c in calls {
        let host = registry_resolve::RegistrySource::parse(&c.source)
            .and_then(|s| s.host)
            .unwrap_or_else(|| PUBLIC_REGISTRY.to_string());
        if hosts.contains(&host) {
            out.push(c);
        } else {
            eprintln!(
                "skipped module {:?} ({}): {host} is not this registry (give --host {host} if it serves it)",
                c.name, c.source
            );
        }
    }
    Ok(out)
}

/// `registry graph` options.
#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    resolve: ResolveDirArgs,
    /// Print Graphviz DOT.
    #[arg(long)]
    dot: bool,
}

/// `registry verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The root module directory (with `.registry.lock.hcl` and `.terraform/modules`).
    dir: PathBuf,
    /// Only warn about installed registry modules the lock does not pin.
    #[arg(long)]
    allow_unlocked: bool,
}

/// The root module's registry calls.
pub fn root_calls(dir: &Path) -> Result<Vec<RootCall>> {
    let mut files = ModuleFiles::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::invalid_input(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.file_type()?.is_file() && registry_core::is_source_file(&name) {
            files.insert(name, std::fs::read(entry.path())?);
        }
    }
    let model = registry_docs::parse_module_dir(&files, "");
    if let Some(d) = model.diagnostics.first() {
        return Err(Error::validation(model.diagnostics.clone())
            .with_context("file", d.file.clone().unwrap_or_default()));
    }
    Ok(model
        .module_calls
        .iter()
        .filter(|c| registry_resolve::RegistrySource::parse(&c.source).is_some())
        .map(|c| RootCall {
            name: c.name.clone(),
            source: c.source.clone(),
            constraint: c.version.clone(),
        })
        .collect())
}

async fn resolve_dir(a: &ResolveDirArgs) -> Result<(ModuleGraph, Box<dyn RegistryClient>)> {
    let roots = served_calls(a, root_calls(&a.dir)?)?;
    let client = a.target.connect().await?;
    let catalog = Catalog::load_with(&roots, |addr| {
        let client = &client;
        async move {
            Ok(client
                .versions(&addr)
                .await?
                .and_then(|view| catalog_module(&addr, &view)))
        }
    })
    .await?;
    let graph = if a.unified {
        resolve_unified(&roots, &catalog)?
    } else {
        resolve_compatible(&roots, &catalog)?
    };
    Ok((graph, client))
}

/// Every call path Terraform installs, with its chosen version.
fn call_paths(graph: &ModuleGraph) -> Result<Vec<registry_resolve::ResolvedCall>> {
    graph
        .call_paths(registry_resolve::graph::MAX_CALL_PATHS)
        .map_err(|e| Error::new(registry_core::ErrorKind::Conflict, e))
}

/// Resolve and write `.registry.lock.hcl`.
pub async fn lock(a: ResolveDirArgs) -> CmdResult {
    let (graph, client) = resolve_dir(&a).await?;
    let mut lock = LockFile::default();
    for call in &call_paths(&graph)? {
        let id = ModuleId::new(call.address.clone(), call.version.clone());
        let v = client.version(&id).await?;
        let (sha, h1) = (v.module.sha256, v.module.h1);
        lock.modules.insert(
            call.path.clone(),
            LockedModule {
                source: call.source.clone(),
                version: call.version.canonical(),
                constraints: call.constraint.clone(),
                hashes: vec![h1, format!("sha256:{sha}")],
            },
        );
    }
    let changed = lock.write(&a.dir)?;
    eprintln!(
        "{} {} module call(s) in {}",
        if changed { "locked" } else { "unchanged:" },
        lock.modules.len(),
        a.dir.join(registry_resolve::LOCK_FILE).display()
    );
    Ok(0)
}

/// Print the resolved graph.
pub async fn graph(a: GraphArgs) -> CmdResult {
    let (graph, _) = resolve_dir(&a.resolve).await?;
    if a.dot {
        print!("{}", graph.to_dot());
        return Ok(0);
    }
    for call in &call_paths(&graph)? {
        let indent = "  ".repeat(call.path.matches('.').count());
        println!("{indent}{} = {} {}", call.path, call.address, call.version);
    }
    Ok(0)
}

/// Check installed modules against the lock file.
pub async fn verify(a: VerifyArgs) -> CmdResult {
    let lock = LockFile::read(&a.dir)?.ok_or_else(|| {
        Error::not_found(format!(
            "{} has no {}; run `registry lock` first",
            a.dir.display(),
            registry_resolve::LOCK_FILE
        ))
    })?;
    for m in verify_installed(&a.dir, &lock)? {
        println!("ok {} {} {}", m.path, m.version, m.h1);
    }
    let unlocked = registry_resolve::unlocked_installed(&a.dir, &lock)?;
    for m in &unlocked {
        eprintln!(
            "{}: module {:?} ({} {}) is installed but not in {}; run `registry lock`",
            if a.allow_unlocked { "warning" } else { "error" },
            m.path,
            m.source,
            m.version,
            registry_resolve::LOCK_FILE
        );
    }
    if !unlocked.is_empty() && !a.allow_unlocked {
        return Err(Error::new(
            registry_core::ErrorKind::Integrity,
            format!(
                "{} installed module{} not pinned by the lock (--allow-unlocked to only warn)",
                unlocked.len(),
                if unlocked.len() == 1 { " is" } else { "s are" }
            ),
        ));
    }
    Ok(0)
}
