//! `registry lock`, `registry verify` and `registry graph`: a root module's
//! registry module calls resolved, pinned and checked.

use std::path::{Path, PathBuf};

use clap::Args;
use registry_core::{Error, ModuleFiles, ModuleId, RequestContext, Result};
use registry_resolve::graph::{Catalog, ModuleGraph, RootCall};
use registry_resolve::{
    LockFile, LockedModule, resolve_compatible, resolve_unified, verify_installed,
};

use super::CmdResult;
use crate::target::{Target, TargetArgs};

/// Options shared by `lock` and `graph`.
#[derive(Debug, Args)]
pub struct ResolveDirArgs {
    /// The root module directory.
    dir: PathBuf,
    /// One version per module across the graph (PubGrub) instead of
    /// Terraform's per-call choice.
    #[arg(long)]
    unified: bool,
    #[command(flatten)]
    target: TargetArgs,
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
}

/// The root module's registry calls.
pub fn root_calls(dir: &Path) -> Result<Vec<RootCall>> {
    let mut files = ModuleFiles::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::invalid_input(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.file_type()?.is_file() && registry_core::archive::is_source_file(&name) {
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

async fn resolve_dir(a: &ResolveDirArgs) -> Result<(ModuleGraph, Target)> {
    let roots = root_calls(&a.dir)?;
    let target = a.target.open().await?;
    let catalog = match &target {
        Target::Local(o) => Catalog::load(&o.registry, &RequestContext::system(), &roots).await?,
        Target::Remote(c) => {
            Catalog::load_with(&roots, |addr| async move { c.catalog_module(&addr).await }).await?
        }
    };
    let graph = if a.unified {
        resolve_unified(&roots, &catalog)?
    } else {
        resolve_compatible(&roots, &catalog)?
    };
    Ok((graph, target))
}

/// Every call path Terraform installs, with its chosen version.
fn call_paths(graph: &ModuleGraph) -> Result<Vec<registry_resolve::ResolvedCall>> {
    graph
        .call_paths(registry_resolve::graph::MAX_CALL_PATHS)
        .map_err(|e| Error::new(registry_core::ErrorKind::Conflict, e))
}

/// Resolve and write `.registry.lock.hcl`.
pub async fn lock(a: ResolveDirArgs) -> CmdResult {
    let (graph, target) = resolve_dir(&a).await?;
    let mut lock = LockFile::default();
    for call in &call_paths(&graph)? {
        let (sha, h1) = match &target {
            Target::Local(o) => {
                let id = ModuleId::new(call.address.clone(), call.version.clone());
                let r = o.registry.get(&RequestContext::system(), &id).await?;
                (r.metadata.sha256.hex(), r.metadata.h1.clone())
            }
            Target::Remote(c) => c.digests(&call.address, call.version.as_str()).await?,
        };
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
    Ok(0)
}
