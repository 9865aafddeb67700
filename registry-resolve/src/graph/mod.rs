//! Resolving a root module's registry module calls and their transitive
//! dependencies into a consistent set.
//!
//! Two modes:
//! - [`resolve_compatible`]: Terraform's own rule, applied to every call
//!   separately (the newest version matching that call's constraint): what
//!   `terraform init` installs. Different calls may get different versions.
//! - [`resolve_unified`]: one version per module address across the whole
//!   graph, found with PubGrub, so a platform team can see and enforce a
//!   coherent set; when none exists the error is a derivation a person can
//!   follow.

mod catalog;
mod model;
pub(crate) mod unify;

pub use catalog::{Catalog, CatalogModule, CatalogVersion, DependencyCall, registry_calls};
pub use model::{ModuleGraph, NamedCall, ResolvedCall};
pub use unify::{ChoiceSet, RankedVersion, resolve_unified};

use registry_core::{Error, ErrorKind, Result};

use crate::constraint::Constraints;
use crate::select::{NoMatch, select_parsed};

/// A module call of the root module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootCall {
    /// The call's label.
    pub name: String,
    /// The `source` as written.
    pub source: String,
    /// The `version` constraint, if any.
    pub constraint: Option<String>,
}

fn parse_constraint(text: Option<&str>, context: &str) -> Result<Constraints> {
    match text {
        Some(t) => Constraints::parse(t)
            .map_err(|e| Error::invalid_input(format!("{context}: {}", e.message()))),
        None => Ok(Constraints::any()),
    }
}

/// Most call paths the compatible mode expands (Terraform installs every call
/// path separately, so a deep, wide graph has exponentially many).
pub const MAX_CALL_PATHS: usize = 100_000;

/// Terraform's per-call rule for every call, recursively. Cycles (a module
/// that depends on itself through its calls) are errors naming the cycle.
pub fn resolve_compatible(roots: &[RootCall], catalog: &Catalog) -> Result<ModuleGraph> {
    let mut graph = ModuleGraph::default();
    let mut stack: Vec<String> = Vec::new();
    for call in roots {
        let Some(src) = crate::source::RegistrySource::parse(&call.source) else {
            continue;
        };
        let dep = DependencyCall {
            name: call.name.clone(),
            source: call.source.clone(),
            address: src.address.clone(),
            constraint: call.constraint.clone(),
        };
        resolve_call(&dep, &call.name, None, catalog, &mut graph, &mut stack)?;
    }
    Ok(graph)
}

fn resolve_call(
    call: &DependencyCall,
    path: &str,
    parent: Option<petgraph::graph::NodeIndex>,
    catalog: &Catalog,
    graph: &mut ModuleGraph,
    stack: &mut Vec<String>,
) -> Result<()> {
    if graph.graph().node_count() >= MAX_CALL_PATHS {
        return Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "the module tree has more than {MAX_CALL_PATHS} call paths; use the unified mode to see it by module"
            ),
        ));
    }
    let key = call.address.key();
    if let Some(pos) = stack.iter().position(|k| *k == key) {
        let mut cycle: Vec<String> = stack[pos..].to_vec();
        cycle.push(key);
        return Err(Error::new(
            ErrorKind::Conflict,
            format!("module dependency cycle: {}", cycle.join(" -> ")),
        )
        .with_context("call", path));
    }
    let module = catalog.get(&call.address).ok_or_else(|| {
        Error::not_found(format!(
            "module call {path:?}: module {} not found in the registry",
            call.address
        ))
        .with_context("call", path)
    })?;
    let constraints =
        parse_constraint(call.constraint.as_deref(), &format!("module call {path:?}"))?;
    let listed: Vec<&str> = module.versions.iter().map(|v| v.version.as_str()).collect();
    let chosen = match select_parsed(&constraints, &listed) {
        Ok(s) => &module.versions[s.index],
        Err(NoMatch::Unresolvable { newest, .. }) => {
            return Err(Error::not_found(format!(
                "module call {path:?}: no version of {} matches {:?}; the newest available is {newest}",
                call.address,
                call.constraint.as_deref().unwrap_or("")
            )));
        }
        Err(no) => {
            return Err(no
                .into_error(call.constraint.as_deref().unwrap_or(""))
                .with_context("call", path));
        }
    };
    let node = graph.add_call(
        ResolvedCall {
            path: path.to_string(),
            source: call.source.clone(),
            address: module.address.clone(),
            version: chosen.version.clone(),
            constraint: call.constraint.clone(),
        },
        parent,
    );
    stack.push(key);
    for dep in &chosen.dependencies {
        resolve_call(
            dep,
            &format!("{path}.{}", dep.name),
            Some(node),
            catalog,
            graph,
            stack,
        )?;
    }
    stack.pop();
    Ok(())
}

#[cfg(test)]
mod tests;
