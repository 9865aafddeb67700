//! One version per module across the graph, with PubGrub.
//!
//! A version set is exact over the versions that exist: a constraint is
//! evaluated against a module's listed versions with Terraform's rules
//! (go-version matching, prereleases only when requested exactly), giving a
//! finite set; complements are kept symbolic. So PubGrub decides with
//! exactly the semantics the compatible mode and Terraform use, and a set
//! that came straight from a constraint prints as that constraint in
//! conflict explanations.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyProvider, PackageResolutionStatistics,
    PubGrubError, Reporter, VersionSet,
};
use registry_core::{Error, ErrorKind, ModuleAddress, Result, Version};

use super::RootCall;
use super::catalog::{Catalog, DependencyCall};
use super::model::{ModuleGraph, ResolvedCall};
use crate::constraint::Constraints;
use crate::select::prerelease_requested_exactly;

/// A set of versions: the listed members, or everything except them.
#[derive(Clone)]
pub struct ChoiceSet {
    members: BTreeSet<Version>,
    negated: bool,
    label: Option<Arc<str>>,
}

impl ChoiceSet {
    /// The versions of `available` that `constraint` admits under Terraform's rules.
    pub fn from_constraint(
        constraint: Option<&str>,
        available: &[Version],
    ) -> std::result::Result<Self, String> {
        let parsed = match constraint {
            Some(c) => Constraints::parse(c).map_err(|e| e.message().to_string())?,
            None => Constraints::any(),
        };
        let text = parsed.to_string();
        let members = available
            .iter()
            .filter(|v| {
                parsed.matches(v) && (!v.is_prerelease() || prerelease_requested_exactly(&text, v))
            })
            .cloned()
            .collect();
        Ok(ChoiceSet {
            members,
            negated: false,
            label: Some(Arc::from(
                constraint.map_or("any version".to_string(), |c| c.trim().to_string()),
            )),
        })
    }

    fn plain(members: BTreeSet<Version>, negated: bool) -> Self {
        ChoiceSet {
            members,
            negated,
            label: None,
        }
    }
}

impl PartialEq for ChoiceSet {
    fn eq(&self, other: &Self) -> bool {
        self.negated == other.negated && self.members == other.members
    }
}

impl Eq for ChoiceSet {}

impl fmt::Debug for ChoiceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

fn join(members: &BTreeSet<Version>) -> String {
    members
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" or ")
}

impl fmt::Display for ChoiceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.label, self.negated, self.members.is_empty()) {
            (Some(l), false, _) => f.write_str(l),
            (_, true, true) => f.write_str("any version"),
            (_, false, true) => f.write_str("no version"),
            (_, true, false) => write!(f, "any version except {}", join(&self.members)),
            (_, false, false) => f.write_str(&join(&self.members)),
        }
    }
}

impl VersionSet for ChoiceSet {
    type V = Version;

    fn empty() -> Self {
        Self::plain(BTreeSet::new(), false)
    }

    fn singleton(v: Version) -> Self {
        Self::plain(BTreeSet::from([v]), false)
    }

    fn complement(&self) -> Self {
        Self::plain(self.members.clone(), !self.negated)
    }

    fn intersection(&self, other: &Self) -> Self {
        match (self.negated, other.negated) {
            (false, false) => Self::plain(
                self.members.intersection(&other.members).cloned().collect(),
                false,
            ),
            (false, true) => Self::plain(
                self.members.difference(&other.members).cloned().collect(),
                false,
            ),
            (true, false) => Self::plain(
                other.members.difference(&self.members).cloned().collect(),
                false,
            ),
            (true, true) => {
                Self::plain(self.members.union(&other.members).cloned().collect(), true)
            }
        }
    }

    fn contains(&self, v: &Version) -> bool {
        self.members.contains(v) != self.negated
    }
}

/// A package: the root module or a registry module.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Pkg {
    Root,
    Module(Arc<str>),
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkg::Root => f.write_str("the root module"),
            Pkg::Module(a) => f.write_str(a),
        }
    }
}

struct Provider<'a> {
    catalog: &'a Catalog,
    roots: Vec<DependencyCall>,
    /// Address display text to catalog key.
    keys: HashMap<Arc<str>, ModuleAddress>,
    root_version: Version,
}

impl Provider<'_> {
    fn versions_of(&self, p: &Pkg) -> Vec<Version> {
        match p {
            Pkg::Root => vec![self.root_version.clone()],
            Pkg::Module(a) => self
                .keys
                .get(a)
                .and_then(|addr| self.catalog.get(addr))
                .map(|m| m.versions.iter().map(|v| v.version.clone()).collect())
                .unwrap_or_default(),
        }
    }

    fn constraints_of(&self, calls: &[DependencyCall]) -> Dependencies<Pkg, ChoiceSet, String> {
        let mut deps: Vec<(Pkg, ChoiceSet)> = Vec::new();
        for c in calls {
            let pkg = Pkg::Module(Arc::from(c.address.to_string()));
            let available: Vec<Version> = self
                .catalog
                .get(&c.address)
                .map(|m| m.versions.iter().map(|v| v.version.clone()).collect())
                .unwrap_or_default();
            let set = match ChoiceSet::from_constraint(c.constraint.as_deref(), &available) {
                Ok(s) => s,
                Err(reason) => {
                    return Dependencies::Unavailable(format!(
                        "module call {:?} has an invalid constraint: {reason}",
                        c.name
                    ));
                }
            };
            match deps.iter_mut().find(|(p, _)| *p == pkg) {
                Some((_, existing)) => *existing = existing.intersection(&set),
                None => deps.push((pkg, set)),
            }
        }
        Dependencies::Available(deps.into_iter().collect())
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Pkg;
    type V = Version;
    type VS = ChoiceSet;
    type Priority = (u32, std::cmp::Reverse<usize>);
    type M = String;
    type Err = std::convert::Infallible;

    fn prioritize(
        &self,
        package: &Pkg,
        range: &ChoiceSet,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        // Most conflicts first, then the fewest candidates: decide the hard parts early.
        let candidates = self
            .versions_of(package)
            .iter()
            .filter(|v| range.contains(v))
            .count();
        (stats.conflict_count(), std::cmp::Reverse(candidates))
    }

    fn choose_version(
        &self,
        package: &Pkg,
        range: &ChoiceSet,
    ) -> std::result::Result<Option<Version>, Self::Err> {
        Ok(self
            .versions_of(package)
            .into_iter()
            .filter(|v| range.contains(v))
            .max())
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> std::result::Result<Dependencies<Pkg, ChoiceSet, String>, Self::Err> {
        Ok(match package {
            Pkg::Root => self.constraints_of(&self.roots),
            Pkg::Module(a) => {
                let Some(addr) = self.keys.get(a) else {
                    return Ok(Dependencies::Unavailable(
                        "the module is not in the registry".into(),
                    ));
                };
                match self
                    .catalog
                    .get(addr)
                    .and_then(|m| m.versions.iter().find(|v| v.version == *version))
                {
                    Some(v) => self.constraints_of(&v.dependencies),
                    None => Dependencies::Unavailable("the version is not listed".into()),
                }
            }
        })
    }
}

/// Resolve with one version per module address. The graph has one node per
/// module (path = the first call path that reaches it) and an edge for
/// every call.
pub fn resolve_unified(roots: &[RootCall], catalog: &Catalog) -> Result<ModuleGraph> {
    let root_calls: Vec<DependencyCall> = roots
        .iter()
        .filter_map(|c| {
            crate::source::RegistrySource::parse(&c.source).map(|s| DependencyCall {
                name: c.name.clone(),
                source: c.source.clone(),
                address: s.address,
                constraint: c.constraint.clone(),
            })
        })
        .collect();
    let mut keys: HashMap<Arc<str>, ModuleAddress> = HashMap::new();
    for c in &root_calls {
        keys.insert(Arc::from(c.address.to_string()), c.address.clone());
    }
    for m in catalog.modules() {
        for v in &m.versions {
            for d in &v.dependencies {
                keys.insert(Arc::from(d.address.to_string()), d.address.clone());
            }
        }
        keys.insert(Arc::from(m.address.to_string()), m.address.clone());
    }
    let provider = Provider {
        catalog,
        roots: root_calls.clone(),
        keys,
        root_version: Version::parse("0.0.0")?,
    };
    let solution = match pubgrub::resolve(&provider, Pkg::Root, provider.root_version.clone()) {
        Ok(s) => s,
        Err(PubGrubError::NoSolution(mut tree)) => {
            tree.collapse_no_versions();
            let report = DefaultStringReporter::report(&tree)
                .replace("the root module 0.0.0", "the root module");
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("no consistent set of module versions exists:\n{report}"),
            ));
        }
        Err(e) => {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("resolution failed: {e}"),
            ));
        }
    };
    let chosen: HashMap<String, Version> = solution
        .iter()
        .filter_map(|(p, v)| match p {
            Pkg::Module(a) => Some((a.to_string(), v.clone())),
            Pkg::Root => None,
        })
        .collect();
    build_graph(&root_calls, catalog, &chosen)
}

fn build_graph(
    roots: &[DependencyCall],
    catalog: &Catalog,
    chosen: &HashMap<String, Version>,
) -> Result<ModuleGraph> {
    let mut graph = ModuleGraph::default();
    let mut stack: Vec<(String, petgraph::graph::NodeIndex)> = Vec::new();
    for call in roots {
        expand(
            call, &call.name, None, catalog, chosen, &mut graph, &mut stack,
        )?;
    }
    Ok(graph)
}

/// One node per call path, each with the module's single chosen version; a
/// call back into a module on the current path becomes an edge (a cycle).
fn expand(
    call: &DependencyCall,
    path: &str,
    parent: Option<petgraph::graph::NodeIndex>,
    catalog: &Catalog,
    chosen: &HashMap<String, Version>,
    graph: &mut ModuleGraph,
    stack: &mut Vec<(String, petgraph::graph::NodeIndex)>,
) -> Result<()> {
    let addr = call.address.to_string();
    if let Some((_, n)) = stack.iter().find(|(a, _)| *a == addr) {
        if let Some(p) = parent {
            graph.add_edge(p, *n);
        }
        return Ok(());
    }
    let version = chosen
        .get(&addr)
        .cloned()
        .ok_or_else(|| Error::new(ErrorKind::Conflict, format!("{addr} was not resolved")))?;
    let module = catalog
        .get(&call.address)
        .ok_or_else(|| Error::not_found(format!("module {addr} not found")))?;
    let n = graph.add_call(
        ResolvedCall {
            path: path.to_string(),
            source: call.source.clone(),
            address: module.address.clone(),
            version: version.clone(),
            constraint: call.constraint.clone(),
        },
        parent,
    );
    stack.push((addr, n));
    if let Some(v) = module.versions.iter().find(|v| v.version == version) {
        for d in &v.dependencies {
            expand(
                d,
                &format!("{path}.{}", d.name),
                Some(n),
                catalog,
                chosen,
                graph,
                stack,
            )?;
        }
    }
    stack.pop();
    Ok(())
}
