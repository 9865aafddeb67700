//! Rules about what a module declares and refers to: references to
//! undeclared things, unused variables and locals, descriptions.

use std::collections::BTreeSet;

use registry_core::{Problem, Severity, ValidationContext, ValidationRule};

use super::model::{FoundRef, Modules, module_references, problem_at};
use crate::tftest::config::Module;

/// Names a reference may start with that are not declarations.
const KEYWORDS: &[&str] = &["count", "each", "path", "terraform", "self"];

fn undeclared(m: &Module, r: &FoundRef) -> Option<String> {
    let reference = &r.reference;
    let first = reference.attrs.first();
    let name = first.map(String::as_str).unwrap_or_default();
    match reference.root.as_str() {
        root if KEYWORDS.contains(&root) => None,
        "var" => (first.is_some() && !m.variables.contains_key(name))
            .then(|| format!("reference to undeclared input variable {name:?} (var.{name})")),
        "local" => (first.is_some() && !m.locals.contains_key(name))
            .then(|| format!("reference to undeclared local value {name:?} (local.{name})")),
        "module" => (first.is_some() && !m.calls.contains_key(name))
            .then(|| format!("reference to undeclared module call {name:?} (module.{name})")),
        "data" | "ephemeral" => {
            let n = reference.attrs.get(1)?;
            let address = format!("{}.{name}.{n}", reference.root);
            (!m.resources.contains_key(&address)).then(|| {
                let what = if reference.root == "data" {
                    "data source"
                } else {
                    "ephemeral resource"
                };
                format!("reference to undeclared {what} {address}")
            })
        }
        ty => {
            let address = format!("{ty}.{name}");
            (first.is_some() && !m.resources.contains_key(&address))
                .then(|| format!("reference to undeclared resource {address}"))
        }
    }
}

/// References to variables, locals, resources, data sources and modules
/// that the module does not declare (Terraform's "Reference to undeclared
/// …" errors, found without running Terraform).
#[derive(Debug, Clone, Copy, Default)]
pub struct UndeclaredReferences;

impl ValidationRule for UndeclaredReferences {
    fn id(&self) -> &str {
        "undeclared-reference"
    }
    fn hint(&self) -> Option<&str> {
        Some("declare it, or fix the name")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let modules = Modules::of(&ctx.archive.files);
        let mut out = Vec::new();
        for m in modules.by_dir.values() {
            let mut seen = BTreeSet::new();
            for r in module_references(m) {
                if let Some(msg) = undeclared(m, &r) {
                    let key = (msg.clone(), r.range.as_ref().map(|x| x.start.byte));
                    if seen.insert(key) {
                        out.push(problem_at(self.problem(msg), r.range.as_ref()));
                    }
                }
            }
        }
        out
    }
}

/// Variables and locals nothing refers to (a variable's own validation
/// does not count).
#[derive(Debug, Clone, Copy, Default)]
pub struct UnusedDeclarations;

impl ValidationRule for UnusedDeclarations {
    fn id(&self) -> &str {
        "unused-declaration"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn hint(&self) -> Option<&str> {
        Some("remove it, or use it")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let modules = Modules::of(&ctx.archive.files);
        let mut out = Vec::new();
        for m in modules.by_dir.values() {
            let refs = module_references(m);
            let used = |root: &str, name: &str, own: Option<&str>| {
                refs.iter().any(|r| {
                    r.reference.root == root
                        && r.reference.attrs.first().map(String::as_str) == Some(name)
                        && (own.is_none() || r.in_validation_of.as_deref() != own)
                })
            };
            for v in m.variables.values() {
                if !used("var", &v.name, Some(&v.name)) {
                    out.push(problem_at(
                        self.problem(format!("variable {:?} is declared but not used", v.name)),
                        v.header.as_ref(),
                    ));
                }
            }
            for l in m.locals.values() {
                if !used("local", &l.name, None) {
                    out.push(problem_at(
                        self.problem(format!("local value {:?} is declared but not used", l.name)),
                        l.expr.range().as_ref(),
                    ));
                }
            }
        }
        out
    }
}

/// Variables and outputs of the root module and its submodules carry a
/// description (what the documentation shows).
#[derive(Debug, Clone, Copy, Default)]
pub struct Descriptions;

impl ValidationRule for Descriptions {
    fn id(&self) -> &str {
        "missing-description"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn hint(&self) -> Option<&str> {
        Some("add description = \"...\"; it becomes the module's documentation")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let modules = Modules::of(&ctx.archive.files);
        let mut out = Vec::new();
        for (dir, m) in &modules.by_dir {
            if dir.starts_with("examples/") || dir == "examples" || dir.starts_with("tests") {
                continue;
            }
            let blank = |d: &Option<String>| d.as_deref().is_none_or(|s| s.trim().is_empty());
            for v in m.variables.values().filter(|v| blank(&v.description)) {
                out.push(problem_at(
                    self.problem(format!("variable {:?} has no description", v.name)),
                    v.header.as_ref(),
                ));
            }
            for o in m.outputs.values().filter(|o| blank(&o.description)) {
                out.push(problem_at(
                    self.problem(format!("output {:?} has no description", o.name)),
                    o.header.as_ref(),
                ));
            }
        }
        out
    }
}
