//! One version per module across the graph, with PubGrub.
//!
//! Version sets are exact over the versions that exist: each module's listed
//! versions are ranked (by version order) and a set is a bitset of ranks (or
//! its complement), so set algebra is a few word operations. A constraint is
//! evaluated once per (module, constraint) with Terraform's rules (go-version
//! matching, prereleases only when requested exactly), so PubGrub decides
//! with exactly the semantics the compatible mode and Terraform use. A set
//! that came straight from a constraint prints as that constraint in
//! conflict explanations.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyProvider, PackageResolutionStatistics,
    PubGrubError, Reporter, VersionSet,
};
use registry_core::{Error, ErrorKind, ModuleAddress, Result, Version};
use smallvec::SmallVec;

use super::RootCall;
use super::catalog::{Catalog, DependencyCall};
use super::model::{ModuleGraph, NamedCall, ResolvedCall};
use crate::constraint::Constraints;
use crate::select::prerelease_requested_exactly;

/// A version within one module: its rank among the module's listed
/// versions (ordered by version) and its text. Ordered by rank.
#[derive(Clone)]
pub struct RankedVersion {
    rank: u32,
    text: Arc<str>,
}

#[cfg(test)]
impl RankedVersion {
    pub(crate) fn for_tests(rank: u32, text: Arc<str>) -> Self {
        RankedVersion { rank, text }
    }
}

impl PartialEq for RankedVersion {
    fn eq(&self, o: &Self) -> bool {
        self.rank == o.rank
    }
}
impl Eq for RankedVersion {}
impl PartialOrd for RankedVersion {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for RankedVersion {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.rank.cmp(&o.rank)
    }
}
impl fmt::Debug for RankedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
impl fmt::Display for RankedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A set of ranked versions: the members, or everything except them.
#[derive(Clone)]
pub struct ChoiceSet {
    bits: Bits,
    negated: bool,
    /// The module's version texts by rank, for display.
    universe: Option<Arc<[Arc<str>]>>,
    /// The text of the one member of a singleton, for display.
    single: Option<Arc<str>>,
    label: Option<Arc<str>>,
}

/// Rank bits; inline up to 128 versions.
type Bits = SmallVec<[u64; 2]>;

fn trimmed(bits: &[u64]) -> &[u64] {
    let mut end = bits.len();
    while end > 0 && bits[end - 1] == 0 {
        end -= 1;
    }
    &bits[..end]
}

impl ChoiceSet {
    fn plain(bits: Bits, negated: bool, universe: Option<Arc<[Arc<str>]>>) -> Self {
        ChoiceSet {
            bits,
            negated,
            universe,
            single: None,
            label: None,
        }
    }

    fn has(&self, rank: u32) -> bool {
        let (w, b) = ((rank / 64) as usize, rank % 64);
        self.bits.get(w).is_some_and(|word| word & (1 << b) != 0)
    }

    fn members(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, word)| {
            (0..64)
                .filter(move |b| word & (1 << b) != 0)
                .map(move |b| (w * 64 + b) as u32)
        })
    }

    fn combine(a: &[u64], b: &[u64], op: impl Fn(u64, u64) -> u64) -> Bits {
        (0..a.len().max(b.len()))
            .map(|i| {
                op(
                    a.get(i).copied().unwrap_or(0),
                    b.get(i).copied().unwrap_or(0),
                )
            })
            .collect()
    }

    /// The versions of a module (texts by rank) that `constraint` admits under Terraform's rules.
    pub fn from_constraint(
        constraint: Option<&str>,
        versions: &[Version],
        texts: Arc<[Arc<str>]>,
    ) -> std::result::Result<Self, String> {
        let parsed = match constraint {
            Some(c) => Constraints::parse(c).map_err(|e| e.message().to_string())?,
            None => Constraints::any(),
        };
        let refs: Vec<&Version> = versions.iter().collect();
        Ok(Self::from_parsed(constraint, &parsed, &refs, texts))
    }

    fn from_parsed(
        constraint: Option<&str>,
        parsed: &Constraints,
        versions: &[&Version],
        texts: Arc<[Arc<str>]>,
    ) -> Self {
        let text = parsed.to_string();
        let mut bits: Bits = SmallVec::from_elem(0u64, versions.len().div_ceil(64).max(1));
        for (rank, v) in versions.iter().enumerate() {
            if parsed.matches(v) && (!v.is_prerelease() || prerelease_requested_exactly(&text, v)) {
                bits[rank / 64] |= 1 << (rank % 64);
            }
        }
        ChoiceSet {
            bits,
            negated: false,
            universe: Some(texts),
            single: None,
            label: Some(Arc::from(
                constraint.map_or("any version".to_string(), |c| c.trim().to_string()),
            )),
        }
    }
}

impl PartialEq for ChoiceSet {
    fn eq(&self, other: &Self) -> bool {
        self.negated == other.negated && trimmed(&self.bits) == trimmed(&other.bits)
    }
}

impl Eq for ChoiceSet {}

impl fmt::Debug for ChoiceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for ChoiceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = || -> String {
            self.members()
                .map(|r| match (&self.universe, &self.single) {
                    (Some(u), _) => u
                        .get(r as usize)
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| format!("#{r}")),
                    (None, Some(t)) => t.to_string(),
                    (None, None) => format!("#{r}"),
                })
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let empty = trimmed(&self.bits).is_empty();
        match (&self.label, self.negated, empty) {
            (Some(l), false, _) => f.write_str(l),
            (_, true, true) => f.write_str("any version"),
            (_, false, true) => f.write_str("no version"),
            (_, true, false) => write!(f, "any version except {}", list()),
            (_, false, false) => f.write_str(&list()),
        }
    }
}

impl VersionSet for ChoiceSet {
    type V = RankedVersion;

    fn empty() -> Self {
        Self::plain(Bits::new(), false, None)
    }

    fn singleton(v: RankedVersion) -> Self {
        let mut bits: Bits = SmallVec::from_elem(0u64, (v.rank as usize / 64) + 1);
        bits[v.rank as usize / 64] |= 1 << (v.rank % 64);
        ChoiceSet {
            bits,
            negated: false,
            universe: None,
            single: Some(v.text),
            label: None,
        }
    }

    fn complement(&self) -> Self {
        ChoiceSet {
            single: self.single.clone(),
            ..Self::plain(self.bits.clone(), !self.negated, self.universe.clone())
        }
    }

    fn intersection(&self, other: &Self) -> Self {
        let universe = self.universe.clone().or_else(|| other.universe.clone());
        let single = self.single.clone().or_else(|| other.single.clone());
        let (bits, negated) = match (self.negated, other.negated) {
            (false, false) => (Self::combine(&self.bits, &other.bits, |a, b| a & b), false),
            (false, true) => (Self::combine(&self.bits, &other.bits, |a, b| a & !b), false),
            (true, false) => (Self::combine(&other.bits, &self.bits, |a, b| a & !b), false),
            (true, true) => (Self::combine(&self.bits, &other.bits, |a, b| a | b), true),
        };
        ChoiceSet {
            single,
            ..Self::plain(bits, negated, universe)
        }
    }

    fn contains(&self, v: &RankedVersion) -> bool {
        self.has(v.rank) != self.negated
    }
}

/// A package: the root module, or a registry module by index (compared by index).
#[derive(Clone)]
struct Pkg {
    idx: u32,
    name: Arc<str>,
}

const ROOT: u32 = u32::MAX;

impl PartialEq for Pkg {
    fn eq(&self, o: &Self) -> bool {
        self.idx == o.idx
    }
}
impl Eq for Pkg {}
impl Hash for Pkg {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.idx.hash(h)
    }
}
impl fmt::Debug for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// One module's versions ranked by version order (borrowing the catalog).
struct Ranked<'a> {
    address: &'a ModuleAddress,
    name: Arc<str>,
    /// Versions by rank (ascending).
    versions: Vec<&'a Version>,
    texts: OnceCell<Arc<[Arc<str>]>>,
    /// Dependencies by rank.
    deps: Vec<&'a [DependencyCall]>,
}

impl Ranked<'_> {
    /// Version texts by rank, made on first use.
    fn texts(&self) -> Arc<[Arc<str>]> {
        self.texts
            .get_or_init(|| {
                self.versions
                    .iter()
                    .map(|v| Arc::from(v.as_str()))
                    .collect()
            })
            .clone()
    }
}

/// (dependency module, constraint) → its version set, or why there is none.
type SetCache<'a> = HashMap<(u32, Option<&'a str>), std::result::Result<ChoiceSet, String>>;

struct Provider<'a> {
    modules: Vec<Ranked<'a>>,
    by_address: HashMap<&'a ModuleAddress, u32>,
    roots: &'a [DependencyCall],
    /// (dependency module, constraint) → its version set, computed once.
    sets: RefCell<SetCache<'a>>,
    /// Modules called but not in the catalog: indices past the known ones.
    unknown: RefCell<HashMap<String, u32>>,
    /// Parsed constraints by text (many calls share a constraint).
    parsed: RefCell<HashMap<Option<&'a str>, std::result::Result<Constraints, String>>>,
}

impl<'a> Provider<'a> {
    fn new(catalog: &'a Catalog, roots: &'a [DependencyCall]) -> Self {
        let mut modules = Vec::new();
        let mut by_address = HashMap::new();
        for m in catalog.modules() {
            let mut order: Vec<usize> = (0..m.versions.len()).collect();
            order.sort_by(|a, b| m.versions[*a].version.cmp(&m.versions[*b].version));
            let versions: Vec<&Version> = order.iter().map(|&i| &m.versions[i].version).collect();
            let deps = order
                .iter()
                .map(|&i| m.versions[i].dependencies.as_slice())
                .collect();
            by_address.insert(&m.address, modules.len() as u32);
            modules.push(Ranked {
                address: &m.address,
                name: Arc::from(m.address.to_string()),
                versions,
                texts: OnceCell::new(),
                deps,
            });
        }
        Provider {
            modules,
            by_address,
            roots,
            sets: RefCell::default(),
            unknown: RefCell::default(),
            parsed: RefCell::default(),
        }
    }

    fn pkg_of(&self, address: &ModuleAddress) -> Pkg {
        match self.by_address.get(address) {
            Some(&i) => Pkg {
                idx: i,
                name: self.modules[i as usize].name.clone(),
            },
            // Unknown modules get an index past the known ones; they have no versions.
            None => {
                let mut unknown = self.unknown.borrow_mut();
                let next = self.modules.len() as u32 + unknown.len() as u32;
                let idx = *unknown.entry(address.key()).or_insert(next);
                Pkg {
                    idx,
                    name: Arc::from(address.to_string()),
                }
            }
        }
    }

    fn set_for(&self, call: &'a DependencyCall) -> std::result::Result<(Pkg, ChoiceSet), String> {
        let pkg = self.pkg_of(&call.address);
        let Some(m) = self.modules.get(pkg.idx as usize) else {
            return Ok((pkg, ChoiceSet::empty()));
        };
        let mut cache = self.sets.borrow_mut();
        let set = cache
            .entry((pkg.idx, call.constraint.as_deref()))
            .or_insert_with(|| {
                let mut parsed = self.parsed.borrow_mut();
                let c = parsed.entry(call.constraint.as_deref()).or_insert_with(|| {
                    match call.constraint.as_deref() {
                        Some(t) => Constraints::parse(t).map_err(|e| e.message().to_string()),
                        None => Ok(Constraints::any()),
                    }
                });
                match c {
                    Ok(c) => Ok(ChoiceSet::from_parsed(
                        call.constraint.as_deref(),
                        c,
                        &m.versions,
                        m.texts(),
                    )),
                    Err(e) => Err(e.clone()),
                }
            })
            .clone()?;
        Ok((pkg, set))
    }

    fn dependencies(&self, calls: &'a [DependencyCall]) -> Dependencies<Pkg, ChoiceSet, String> {
        let mut deps: Vec<(Pkg, ChoiceSet)> = Vec::with_capacity(calls.len());
        for c in calls {
            let (pkg, set) = match self.set_for(c) {
                Ok(x) => x,
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

    fn module(&self, p: &Pkg) -> Option<&Ranked<'a>> {
        self.modules.get(p.idx as usize)
    }
}

fn root_version() -> RankedVersion {
    RankedVersion {
        rank: 0,
        text: Arc::from(""),
    }
}

impl<'a> DependencyProvider for Provider<'a> {
    type P = Pkg;
    type V = RankedVersion;
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
        let candidates = match self.module(package) {
            Some(m) => (0..m.versions.len() as u32)
                .filter(|r| range.has(*r) != range.negated)
                .count(),
            None => 1,
        };
        (stats.conflict_count(), std::cmp::Reverse(candidates))
    }

    fn choose_version(
        &self,
        package: &Pkg,
        range: &ChoiceSet,
    ) -> std::result::Result<Option<RankedVersion>, Self::Err> {
        if package.idx == ROOT {
            return Ok(Some(root_version()));
        }
        let Some(m) = self.module(package) else {
            return Ok(None);
        };
        Ok((0..m.versions.len() as u32)
            .rev()
            .find(|r| range.has(*r) != range.negated)
            .map(|r| RankedVersion {
                rank: r,
                text: m.texts()[r as usize].clone(),
            }))
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &RankedVersion,
    ) -> std::result::Result<Dependencies<Pkg, ChoiceSet, String>, Self::Err> {
        if package.idx == ROOT {
            return Ok(self.dependencies(self.roots));
        }
        Ok(
            match self
                .module(package)
                .and_then(|m| m.deps.get(version.rank as usize))
            {
                Some(calls) => self.dependencies(calls),
                None => Dependencies::Unavailable("the version is not listed".into()),
            },
        )
    }
}

/// Resolve with one version per module address. The graph has a node per
/// call path, each with its module's single chosen version.
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
    let provider = Provider::new(catalog, &root_calls);
    let root = Pkg {
        idx: ROOT,
        name: Arc::from("the root module"),
    };
    let solution = match pubgrub::resolve(&provider, root, root_version()) {
        Ok(s) => s,
        Err(PubGrubError::NoSolution(mut tree)) => {
            tree.collapse_no_versions();
            // The root has no version: pubgrub writes "the root module " before
            // its terms' separators ("the root module , x 1.0 are incompatible").
            let report = DefaultStringReporter::report(&tree)
                .replace("the root module  ", "the root module ")
                .replace("the root module , ", "the root module and ");
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
        .filter(|(p, _)| p.idx != ROOT)
        .filter_map(|(p, v)| {
            let m = provider.module(p)?;
            Some((m.address.key(), m.versions[v.rank as usize].clone()))
        })
        .collect();
    build_graph(&root_calls, catalog, &chosen)
}

/// One node per module (its path is the first call path that reaches it,
/// breadth first) and an edge for every call, so the graph stays linear in
/// the number of modules however many paths lead to each.
fn build_graph(
    roots: &[DependencyCall],
    catalog: &Catalog,
    chosen: &HashMap<String, Version>,
) -> Result<ModuleGraph> {
    let mut graph = ModuleGraph::default();
    let mut nodes: HashMap<String, petgraph::graph::NodeIndex> = HashMap::new();
    let mut queue: std::collections::VecDeque<(
        DependencyCall,
        String,
        Option<petgraph::graph::NodeIndex>,
    )> = roots
        .iter()
        .map(|c| (c.clone(), c.name.clone(), None))
        .collect();
    while let Some((call, path, parent)) = queue.pop_front() {
        let key = call.address.key();
        if let Some(&n) = nodes.get(&key) {
            if let Some(p) = parent {
                graph.add_edge(p, n);
            }
            graph.add_named_call(
                parent,
                NamedCall {
                    name: call.name.clone(),
                    source: call.source.clone(),
                    constraint: call.constraint.clone(),
                    to: n,
                },
            );
            continue;
        }
        let version = chosen.get(&key).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::Conflict,
                format!("{} was not resolved", call.address),
            )
        })?;
        let module = catalog
            .get(&call.address)
            .ok_or_else(|| Error::not_found(format!("module {} not found", call.address)))?;
        let n = graph.add_call(
            ResolvedCall {
                path: path.clone(),
                source: call.source.clone(),
                address: module.address.clone(),
                version: version.clone(),
                constraint: call.constraint.clone(),
            },
            parent,
        );
        graph.add_named_call(
            parent,
            NamedCall {
                name: call.name.clone(),
                source: call.source.clone(),
                constraint: call.constraint.clone(),
                to: n,
            },
        );
        nodes.insert(key, n);
        if let Some(v) = module.versions.iter().find(|v| v.version == version) {
            for d in &v.dependencies {
                queue.push_back((d.clone(), format!("{path}.{}", d.name), Some(n)));
            }
        }
    }
    Ok(graph)
}
