//! The resolved module graph (petgraph): call tree, cycle detection,
//! topological order, reverse dependencies and DOT export.

use std::collections::HashMap;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use registry_core::{ModuleAddress, Version};

/// One module call and the version chosen for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCall {
    /// Call path (`vpc`, `vpc.subnets`).
    pub path: String,
    /// The `source` as written.
    pub source: String,
    /// The module.
    pub address: ModuleAddress,
    /// The chosen version.
    pub version: Version,
    /// The call's constraint.
    pub constraint: Option<String>,
}

/// A named call from a caller (or the root) to a module node, kept by
/// unified graphs so every call path can be listed without a node per path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCall {
    /// The call's name in its caller (`vpc`).
    pub name: String,
    /// The `source` as written.
    pub source: String,
    /// The call's constraint.
    pub constraint: Option<String>,
    /// The module node it resolves to.
    pub to: NodeIndex,
}

/// Resolved calls (nodes) and "calls" edges from a caller to its dependencies.
///
/// A compatible-mode graph has one node per call path. A unified graph has
/// one node per module (named by the first path that reaches it) and keeps
/// every named call, so [`ModuleGraph::call_paths`] still lists each path
/// Terraform installs.
#[derive(Debug, Clone, Default)]
pub struct ModuleGraph {
    graph: DiGraph<ResolvedCall, ()>,
    unified: Option<UnifiedCalls>,
}

#[derive(Debug, Clone, Default)]
struct UnifiedCalls {
    roots: Vec<NamedCall>,
    children: HashMap<NodeIndex, Vec<NamedCall>>,
}

impl ModuleGraph {
    /// Add a call, as a dependency of `parent` if given.
    pub fn add_call(&mut self, call: ResolvedCall, parent: Option<NodeIndex>) -> NodeIndex {
        let n = self.graph.add_node(call);
        if let Some(p) = parent {
            self.graph.add_edge(p, n, ());
        }
        n
    }

    /// Add an edge between existing calls (used by the unified view).
    pub fn add_edge(&mut self, from: NodeIndex, to: NodeIndex) {
        self.graph.update_edge(from, to, ());
    }

    /// Every call, in insertion order.
    pub fn calls(&self) -> impl Iterator<Item = &ResolvedCall> {
        self.graph.node_weights()
    }

    /// Record a named call of a unified graph (`from` is `None` for the root module).
    pub fn add_named_call(&mut self, from: Option<NodeIndex>, call: NamedCall) {
        let u = self.unified.get_or_insert_with(Default::default);
        match from {
            None => u.roots.push(call),
            Some(f) => u.children.entry(f).or_default().push(call),
        }
    }

    /// Every call path with the version chosen for it, parents before their
    /// children. For a compatible-mode graph these are its nodes; a unified
    /// graph expands its named calls. `Err` when there are more than `max`
    /// paths or a call cycle makes them endless.
    pub fn call_paths(&self, max: usize) -> Result<Vec<ResolvedCall>, String> {
        let Some(u) = &self.unified else {
            return Ok(self.calls().cloned().collect());
        };
        let mut out = Vec::new();
        // (call, parent path, nodes on the way there)
        let mut stack: Vec<(&NamedCall, String, Vec<NodeIndex>)> = u
            .roots
            .iter()
            .rev()
            .map(|c| (c, String::new(), Vec::new()))
            .collect();
        while let Some((call, parent, mut trail)) = stack.pop() {
            let path = if parent.is_empty() {
                call.name.clone()
            } else {
                format!("{parent}.{}", call.name)
            };
            if trail.contains(&call.to) {
                return Err(format!("module calls form a cycle at {path}"));
            }
            if out.len() >= max {
                return Err(format!("the module tree has more than {max} call paths"));
            }
            let node = &self.graph[call.to];
            out.push(ResolvedCall {
                path: path.clone(),
                source: call.source.clone(),
                address: node.address.clone(),
                version: node.version.clone(),
                constraint: call.constraint.clone(),
            });
            trail.push(call.to);
            if let Some(children) = u.children.get(&call.to) {
                for c in children.iter().rev() {
                    stack.push((c, path.clone(), trail.clone()));
                }
            }
        }
        Ok(out)
    }

    /// A call by path.
    pub fn call(&self, path: &str) -> Option<&ResolvedCall> {
        self.graph.node_weights().find(|c| c.path == path)
    }

    /// The underlying petgraph graph.
    pub fn graph(&self) -> &DiGraph<ResolvedCall, ()> {
        &self.graph
    }

    /// Distinct (module, version) pairs in use, sorted.
    pub fn selected(&self) -> Vec<(ModuleAddress, Version)> {
        let mut m: HashMap<String, (ModuleAddress, Version)> = HashMap::new();
        for c in self.calls() {
            m.insert(
                format!("{}@{}", c.address.key(), c.version.key()),
                (c.address.clone(), c.version.clone()),
            );
        }
        let mut v: Vec<_> = m.into_values().collect();
        v.sort();
        v
    }

    /// Calls in dependency order (dependencies before their callers); `Err`
    /// names a cycle if there is one.
    pub fn topological_order(&self) -> Result<Vec<&ResolvedCall>, String> {
        match petgraph::algo::toposort(&self.graph, None) {
            Ok(order) => Ok(order.into_iter().rev().map(|i| &self.graph[i]).collect()),
            Err(_) => Err(self.find_cycle().unwrap_or_default().join(" -> ")),
        }
    }

    /// A cycle of call paths, if the graph has one.
    pub fn find_cycle(&self) -> Option<Vec<String>> {
        for scc in petgraph::algo::tarjan_scc(&self.graph) {
            let self_loop = scc.len() == 1 && self.graph.contains_edge(scc[0], scc[0]);
            if scc.len() > 1 || self_loop {
                let mut names: Vec<String> = scc
                    .iter()
                    .rev()
                    .map(|i| self.graph[*i].path.clone())
                    .collect();
                names.push(names[0].clone());
                return Some(names);
            }
        }
        None
    }

    /// Who uses `address`: the calls whose resolved module calls it.
    pub fn dependents(&self, address: &ModuleAddress) -> Vec<&ResolvedCall> {
        let mut out = Vec::new();
        for n in self
            .graph
            .node_indices()
            .filter(|n| self.graph[*n].address == *address)
        {
            for p in self.graph.neighbors_directed(n, Direction::Incoming) {
                out.push(&self.graph[p]);
            }
        }
        out
    }

    /// Graphviz DOT, one node per call labelled `path\naddress version`.
    pub fn to_dot(&self) -> String {
        if let Some(u) = &self.unified {
            return self.unified_dot(u);
        }
        let mut s = String::from("digraph modules {\n  rankdir=LR;\n");
        for n in self.graph.node_indices() {
            let c = &self.graph[n];
            s.push_str(&format!(
                "  n{} [label=\"{}\\n{} {}\"];\n",
                n.index(),
                c.path.replace('"', "\\\""),
                c.address,
                c.version
            ));
        }
        for e in self.graph.edge_indices() {
            if let Some((a, b)) = self.graph.edge_endpoints(e) {
                s.push_str(&format!("  n{} -> n{};\n", a.index(), b.index()));
            }
        }
        s.push_str("}\n");
        s
    }

    /// A unified graph: one node per module version, a `root` node, and an
    /// edge per named call labelled with the call's name.
    fn unified_dot(&self, u: &UnifiedCalls) -> String {
        let quote = |t: &str| t.replace('\\', "\\\\").replace('"', "\\\"");
        let mut s = String::from(
            "digraph modules {\n  rankdir=LR;\n  root [label=\"root module\", shape=box];\n",
        );
        for n in self.graph.node_indices() {
            let c = &self.graph[n];
            s.push_str(&format!(
                "  n{} [label=\"{} {}\"];\n",
                n.index(),
                quote(&c.address.to_string()),
                c.version
            ));
        }
        let edge = |s: &mut String, from: String, call: &NamedCall| {
            s.push_str(&format!(
                "  {from} -> n{} [label=\"{}\"];\n",
                call.to.index(),
                quote(&call.name)
            ));
        };
        for call in &u.roots {
            edge(&mut s, "root".into(), call);
        }
        let mut callers: Vec<_> = u.children.iter().collect();
        callers.sort_by_key(|(n, _)| n.index());
        for (from, calls) in callers {
            for call in calls {
                edge(&mut s, format!("n{}", from.index()), call);
            }
        }
        s.push_str("}\n");
        s
    }
}
