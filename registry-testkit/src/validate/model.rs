//! The archive's configuration as the engine reads it: one [`Module`] per
//! folder holding configuration files, and a walk over every expression
//! of a module with the names bound where it sits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use registry_core::{ModuleFiles, Problem, parent_dir};

use crate::tftest::config::Module;
use crate::tftest::config::body::{Body, Expr};
use crate::tftest::diag::SourceRange;
use crate::tftest::eval::{Reference, references};

/// Every configuration folder of an archive, by path (`""` is the root).
#[derive(Debug, Default)]
pub struct Modules {
    /// Each folder's module.
    pub by_dir: BTreeMap<String, Module>,
}

fn is_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    [".tf", ".tofu", ".tf.json", ".tofu.json"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

impl Modules {
    /// Parse the configuration files among `files` (the archive's parsed
    /// files), folder by folder. Folders under `.terraform` are skipped.
    pub fn of(files: &ModuleFiles) -> Modules {
        let mut groups: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (path, bytes) in files.iter() {
            if !is_config(path) || path.split('/').any(|c| c == ".terraform") {
                continue;
            }
            let dir = parent_dir(path).to_string();
            let name = path.rsplit('/').next().unwrap_or(path).to_string();
            let text = String::from_utf8_lossy(bytes).into_owned();
            groups.entry(dir).or_default().push((name, text));
        }
        let by_dir = groups
            .into_iter()
            .map(|(dir, sources)| {
                let m = Module::from_sources(Path::new(&dir), &dir, sources);
                (dir, m)
            })
            .collect();
        Modules { by_dir }
    }

    /// The root module, when the root holds configuration.
    pub fn root(&self) -> Option<&Module> {
        self.by_dir.get("")
    }
}

/// A problem at a source range (file, line and column from its start).
pub fn problem_at(p: Problem, range: Option<&SourceRange>) -> Problem {
    match range {
        Some(r) => p.at(
            r.file.name.clone(),
            Some(r.start.line as u32),
            Some(r.start.column as u32),
        ),
        None => p,
    }
}

/// One reference found in a module, with where it is.
#[derive(Debug, Clone)]
pub struct FoundRef {
    /// The reference.
    pub reference: Reference,
    /// Its source range.
    pub range: Option<SourceRange>,
    /// The variable whose `validation` block holds it, if any (a
    /// variable's own validation does not count as a use of it).
    pub in_validation_of: Option<String>,
}

/// Attributes holding addresses or keywords rather than expressions.
const NOT_EXPRESSIONS: &[&str] = &["provider", "providers", "ignore_changes"];

fn walk_body(
    body: &Body,
    bound: &BTreeSet<String>,
    validation_of: Option<&str>,
    out: &mut Vec<FoundRef>,
) {
    for a in body.attrs.values() {
        if NOT_EXPRESSIONS.contains(&a.name.as_str()) {
            continue;
        }
        walk_expr(&a.expr, bound, validation_of, out);
    }
    for b in &body.blocks {
        if b.ty == "dynamic" {
            // The iterator (the block's label unless `iterator` names one)
            // is bound in the content, not in `for_each`.
            let iterator = b
                .body
                .attr("iterator")
                .and_then(|a| crate::tftest::eval::traversal_text(&a.expr.expr))
                .unwrap_or_else(|| b.label(0).to_string());
            if let Some(fe) = b.body.attr("for_each") {
                walk_expr(&fe.expr, bound, validation_of, out);
            }
            let mut inner = bound.clone();
            inner.insert(iterator);
            for c in &b.body.blocks {
                walk_body(&c.body, &inner, validation_of, out);
            }
            continue;
        }
        walk_body(&b.body, bound, validation_of, out);
    }
}

fn walk_expr(
    e: &Expr,
    bound: &BTreeSet<String>,
    validation_of: Option<&str>,
    out: &mut Vec<FoundRef>,
) {
    for r in references(&e.expr) {
        if bound.contains(&r.root) {
            continue;
        }
        let range = r.span.clone().map(|s| e.file.range(s));
        out.push(FoundRef {
            reference: r,
            range,
            in_validation_of: validation_of.map(str::to_string),
        });
    }
}

/// Every reference in `m`'s expressions: resources, data sources, locals,
/// outputs, module calls, checks, provider blocks, variable defaults and
/// validations.
pub fn module_references(m: &Module) -> Vec<FoundRef> {
    let none = BTreeSet::new();
    let mut out = Vec::new();
    for r in m.resources.values() {
        walk_body(&r.block.body, &none, None, &mut out);
    }
    for l in m.locals.values() {
        walk_expr(&l.expr, &none, None, &mut out);
    }
    for o in m.outputs.values() {
        if let Some(v) = &o.value {
            walk_expr(v, &none, None, &mut out);
        }
        for p in &o.preconditions {
            walk_expr(&p.condition, &none, None, &mut out);
            walk_expr(&p.error_message, &none, None, &mut out);
        }
    }
    for c in m.calls.values() {
        walk_body(&c.block.body, &none, None, &mut out);
    }
    for c in m.checks.values() {
        walk_body(&c.block.body, &none, None, &mut out);
    }
    for p in &m.provider_configs {
        walk_body(&p.block.body, &none, None, &mut out);
    }
    for v in m.variables.values() {
        if let Some(d) = &v.default {
            walk_expr(d, &none, None, &mut out);
        }
        for rule in &v.validations {
            walk_expr(&rule.condition, &none, Some(&v.name), &mut out);
            walk_expr(&rule.error_message, &none, Some(&v.name), &mut out);
        }
    }
    out
}
