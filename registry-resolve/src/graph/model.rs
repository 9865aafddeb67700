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

/// Resolved calls (nodes) and "calls" edges from a caller to its dependencies.
#[derive(Debug, Clone, Default)]
pub struct ModuleGraph {
    graph: DiGraph<ResolvedCall, ()>,
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
}
