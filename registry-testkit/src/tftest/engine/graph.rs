//! The order a module's objects are evaluated in: every variable, local,
//! resource, module call, output and check after what it refers to
//! (references and `depends_on`), as Terraform's graph orders them.

use std::collections::{BTreeMap, BTreeSet};

use crate::tftest::config::body::Body;
use crate::tftest::config::{Mode, Module};
use crate::tftest::eval::references;

/// One object of a module.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    /// `var.x`.
    Var(String),
    /// `local.x`.
    Local(String),
    /// A resource by address (`aws_instance.a`, `data.x.y`).
    Resource(String),
    /// `module.x`.
    Call(String),
    /// `output.x`.
    Output(String),
    /// `check.x`.
    Check(String),
}

impl Node {
    /// How Terraform names the object.
    pub fn address(&self) -> String {
        match self {
            Node::Var(n) => format!("var.{n}"),
            Node::Local(n) => format!("local.{n}"),
            Node::Resource(a) => a.clone(),
            Node::Call(n) => format!("module.{n}"),
            Node::Output(n) => format!("output.{n}"),
            Node::Check(n) => format!("check.{n}"),
        }
    }
}

/// The node a reference (root and attributes) names in `m`, if any.
pub fn node_of(m: &Module, root: &str, attrs: &[String]) -> Option<Node> {
    let first = attrs.first().map(String::as_str);
    match root {
        "var" => first.map(|n| Node::Var(n.to_string())),
        "local" => first.map(|n| Node::Local(n.to_string())),
        "module" => first.map(|n| Node::Call(n.to_string())),
        "data" | "ephemeral" => {
            let (t, n) = (attrs.first()?, attrs.get(1)?);
            Some(Node::Resource(format!("{root}.{t}.{n}")))
        }
        "count" | "each" | "self" | "path" | "terraform" => None,
        ty => {
            let addr = format!("{ty}.{}", first?);
            m.resources
                .contains_key(&addr)
                .then_some(Node::Resource(addr))
        }
    }
}

fn body_refs(b: &Body, out: &mut Vec<(String, Vec<String>)>) {
    for a in b.attrs.values() {
        for r in references(&a.expr.expr) {
            out.push((r.root, r.attrs));
        }
    }
    for blk in &b.blocks {
        body_refs(&blk.body, out);
    }
}

fn dotted(s: &str) -> (String, Vec<String>) {
    let mut parts = s
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p).to_string());
    let root = parts.next().unwrap_or_default();
    (root, parts.collect())
}

/// Every node of `m` with the nodes it depends on.
pub fn dependencies(m: &Module) -> BTreeMap<Node, BTreeSet<Node>> {
    let mut deps: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
    let mut scoped: Vec<(String, String)> = Vec::new();
    let mut add = |node: Node, refs: Vec<(String, Vec<String>)>| {
        let entry = deps.entry(node.clone()).or_default();
        for (root, attrs) in refs {
            if let Some(n) = node_of(m, &root, &attrs)
                && n != node
            {
                entry.insert(n);
            }
        }
    };
    let expr_refs = |e: &crate::tftest::config::body::Expr| -> Vec<(String, Vec<String>)> {
        references(&e.expr)
            .into_iter()
            .map(|r| (r.root, r.attrs))
            .collect()
    };
    for v in m.variables.values() {
        let mut refs = Vec::new();
        for rule in &v.validations {
            refs.extend(expr_refs(&rule.condition));
            refs.extend(expr_refs(&rule.error_message));
        }
        // A variable's own rules refer to it; only other objects order it.
        refs.retain(|(root, attrs)| !(root == "var" && attrs.first() == Some(&v.name)));
        add(Node::Var(v.name.clone()), refs);
    }
    for l in m.locals.values() {
        add(Node::Local(l.name.clone()), expr_refs(&l.expr));
    }
    for (addr, r) in &m.resources {
        let mut refs = Vec::new();
        body_refs(&r.body, &mut refs);
        for e in r.count.iter().chain(r.for_each.iter()) {
            refs.extend(expr_refs(e));
        }
        for rule in r.preconditions.iter().chain(r.postconditions.iter()) {
            refs.extend(expr_refs(&rule.condition));
            refs.extend(expr_refs(&rule.error_message));
        }
        refs.extend(r.depends_on.iter().map(|d| dotted(d)));
        add(Node::Resource(addr.clone()), refs);
        if let Some(check) = &r.in_check {
            scoped.push((check.clone(), addr.clone()));
        }
    }
    for c in m.calls.values() {
        let mut refs: Vec<(String, Vec<String>)> = c.inputs.values().flat_map(expr_refs).collect();
        for e in c.count.iter().chain(c.for_each.iter()) {
            refs.extend(expr_refs(e));
        }
        refs.extend(c.depends_on.iter().map(|d| dotted(d)));
        add(Node::Call(c.name.clone()), refs);
    }
    for o in m.outputs.values() {
        let mut refs: Vec<(String, Vec<String>)> = o.value.iter().flat_map(expr_refs).collect();
        for rule in &o.preconditions {
            refs.extend(expr_refs(&rule.condition));
            refs.extend(expr_refs(&rule.error_message));
        }
        refs.extend(o.depends_on.iter().map(|d| dotted(d)));
        add(Node::Output(o.name.clone()), refs);
    }
    for c in m.checks.values() {
        let mut refs = Vec::new();
        for rule in &c.asserts {
            refs.extend(expr_refs(&rule.condition));
            refs.extend(expr_refs(&rule.error_message));
        }
        add(Node::Check(c.name.clone()), refs);
    }
    for (check, addr) in scoped {
        deps.entry(Node::Check(check))
            .or_default()
            .insert(Node::Resource(addr));
    }
    // Only nodes that exist order anything.
    let known: BTreeSet<Node> = deps.keys().cloned().collect();
    for set in deps.values_mut() {
        set.retain(|n| known.contains(n));
    }
    let _ = Mode::Managed;
    deps
}

/// The nodes in an order where each follows what it depends on, or the
/// nodes of a cycle.
pub fn order(deps: &BTreeMap<Node, BTreeSet<Node>>) -> Result<Vec<Node>, Vec<Node>> {
    let mut out = Vec::with_capacity(deps.len());
    let mut state: BTreeMap<&Node, u8> = BTreeMap::new();
    fn visit<'a>(
        n: &'a Node,
        deps: &'a BTreeMap<Node, BTreeSet<Node>>,
        state: &mut BTreeMap<&'a Node, u8>,
        out: &mut Vec<Node>,
        stack: &mut Vec<Node>,
    ) -> Result<(), Vec<Node>> {
        match state.get(n) {
            Some(2) => return Ok(()),
            Some(1) => {
                let start = stack.iter().position(|s| s == n).unwrap_or(0);
                return Err(stack[start..].to_vec());
            }
            _ => {}
        }
        state.insert(n, 1);
        stack.push(n.clone());
        for d in deps.get(n).into_iter().flatten() {
            visit(d, deps, state, out, stack)?;
        }
        stack.pop();
        state.insert(n, 2);
        out.push(n.clone());
        Ok(())
    }
    let mut stack = Vec::new();
    for n in deps.keys() {
        visit(n, deps, &mut state, &mut out, &mut stack)?;
    }
    Ok(out)
}
