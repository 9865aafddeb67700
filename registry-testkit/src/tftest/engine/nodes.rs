//! One module's evaluation, object by object in dependency order:
//! variables (converted, defaulted, validated), locals, resources (in
//! `resources.rs`), module calls, outputs and checks.

use std::collections::{BTreeMap, BTreeSet};

use super::conditions::{Outcome, check};
use super::graph::{Node, dependencies, order};
use super::scope::ModuleScope;
use super::{Env, Failure, Input, ModuleResult, Phase, evaluate, local_module_dir};
use crate::tftest::budget;
use crate::tftest::config::{Module, Rule};
use crate::tftest::diag::{Diagnostic, Severity};
use crate::tftest::eval::{EvalCtx, Locals, eval};
use crate::tftest::testfile::OverrideKind;
use crate::tftest::value::{Kind, Type, Value};

/// A module being evaluated.
pub struct Evaluation<'e, 'a> {
    pub(super) env: &'e Env<'a>,
    pub(super) module: &'e Module,
    pub(super) path: &'e str,
    pub(super) result: ModuleResult,
    /// The resource instance being evaluated (for diagnostics' address).
    pub(super) instance: String,
    /// Under `-target`, the resources of this module that are neither a
    /// target nor something a target depends on: they keep their state.
    pub(super) untargeted: BTreeSet<String>,
}

/// An instance key of an expanded resource or module call.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// Not expanded.
    None,
    /// `count.index`.
    Index(usize),
    /// `each.key` (with `each.value`).
    Each(String, Value),
}

impl Key {
    /// `[0]`, `["a"]` or nothing.
    pub fn suffix(&self) -> String {
        match self {
            Key::None => String::new(),
            Key::Index(i) => format!("[{i}]"),
            Key::Each(k, _) => format!("[{k:?}]"),
        }
    }

    /// The `count` / `each` bindings of the key.
    pub fn locals(&self) -> Locals<'static> {
        let mut l = Locals::new();
        self.bind(&mut l);
        l
    }

    /// Add the key's `count` / `each` bindings to `l`.
    pub fn bind(&self, l: &mut Locals<'_>) {
        match self {
            Key::None => {}
            Key::Index(i) => l.set("count", Value::object_from([("index", Value::number(*i))])),
            Key::Each(k, v) => l.set(
                "each",
                Value::object_from([("key", Value::string(k.clone())), ("value", v.clone())]),
            ),
        }
    }
}

/// The value of an expanded object from its instances.
pub fn collect(instances: Vec<(Key, Value)>, expanded: bool) -> Value {
    if !expanded {
        return instances
            .into_iter()
            .next()
            .map(|(_, v)| v)
            .unwrap_or_else(Value::null_dynamic);
    }
    match instances.first().map(|(k, _)| k) {
        Some(Key::Each(..)) => Value::object(
            instances
                .into_iter()
                .filter_map(|(k, v)| match k {
                    Key::Each(k, _) => Some((k, v)),
                    _ => None,
                })
                .collect(),
        ),
        _ => Value::tuple(instances.into_iter().map(|(_, v)| v).collect()),
    }
}

impl<'e, 'a> Evaluation<'e, 'a> {
    /// A module at `path`.
    pub fn new(env: &'e Env<'a>, module: &'e Module, path: &'e str) -> Self {
        Evaluation {
            env,
            module,
            path,
            result: ModuleResult::default(),
            instance: String::new(),
            untargeted: BTreeSet::new(),
        }
    }

    pub(super) fn scope(&self) -> ModuleScope<'_> {
        ModuleScope {
            module: self.module,
            vars: &self.result.vars,
            locals: &self.result.locals,
            resources: &self.result.resources,
            calls: &self.result.calls,
            outputs: None,
            runs: None,
            test_vars: None,
            checks: None,
            pending_runs: &[],
            root: self.path.is_empty(),
        }
    }

    pub(super) fn error(&mut self, d: Diagnostic) {
        self.result.diagnostics.push(d);
    }

    pub(super) fn fail(&mut self, checkable: &str, d: Diagnostic) {
        if self.path.is_empty() {
            self.result.failures.push(Failure {
                checkable: checkable.to_string(),
                at_plan: self.env.phase == Phase::Plan,
                diagnostic: d.clone(),
            });
        }
        self.result.diagnostics.push(d);
    }

    /// Evaluate every object.
    pub fn run(mut self, inputs: &BTreeMap<String, Input>) -> ModuleResult {
        self.result
            .diagnostics
            .extend(self.module.diagnostics.iter().cloned());
        if self.result.has_errors() {
            return self.result;
        }
        let deps = dependencies(self.module);
        if !self.env.targets.is_empty() && self.path.is_empty() {
            self.untargeted = untargeted(&deps, self.env.targets);
        }
        let nodes = match order(&deps) {
            Ok(n) => n,
            Err(cycle) => {
                let names: Vec<String> = cycle.iter().map(Node::address).collect();
                self.error(Diagnostic::error(
                    "Cycle",
                    format!("Cycle: {}", names.join(", ")),
                ));
                return self.result;
            }
        };
        // As in Terraform's graph walk, an object whose dependencies
        // failed is not evaluated (its own errors would only echo theirs).
        let mut failed: std::collections::BTreeSet<Node> = std::collections::BTreeSet::new();
        for n in nodes {
            if deps
                .get(&n)
                .is_some_and(|d| d.iter().any(|x| failed.contains(x)))
            {
                failed.insert(n);
                continue;
            }
            if let Err(d) = budget::check_time() {
                self.error(d);
                break;
            }
            let before = self.result.diagnostics.len();
            self.node(&n, inputs);
            if let Some(v) = self.kept(&n)
                && let Err(d) = budget::hold(&format!("{}{}", self.path, n.address()), v)
            {
                self.error(d);
                break;
            }
            if self.result.diagnostics[before..]
                .iter()
                .any(Diagnostic::is_error)
            {
                failed.insert(n);
            }
        }
        self.result
    }

    /// The value the evaluation keeps for a node, if any.
    fn kept(&self, n: &Node) -> Option<&Value> {
        match n {
            Node::Var(name) => self.result.vars.get(name),
            Node::Local(name) => self.result.locals.get(name),
            Node::Resource(addr) => self.result.resources.get(addr),
            Node::Call(name) => self.result.calls.get(name),
            Node::Output(name) => self.result.outputs.get(name),
            Node::Check(_) => None,
        }
    }

    fn node(&mut self, n: &Node, inputs: &BTreeMap<String, Input>) {
        {
            match n.clone() {
                Node::Var(name) => self.variable(&name, inputs),
                Node::Local(name) => self.local(&name),
                Node::Resource(addr) => self.resource(&addr),
                Node::Call(name) => self.call(&name),
                Node::Output(name) => self.output(&name),
                Node::Check(name) => self.check_block(&name),
            }
        }
    }

    fn variable(&mut self, name: &str, inputs: &BTreeMap<String, Input>) {
        let v = &self.module.variables[name];
        let (raw, range, context) = match inputs.get(name) {
            Some(i) if !(i.value.is_null() && !v.nullable && v.default.is_some()) => {
                (i.value.clone(), i.range.clone(), i.context.clone())
            }
            _ => match &v.default {
                Some(d) => {
                    let scope = crate::tftest::eval::MapScope::default();
                    let cx = EvalCtx::new(&d.file, &scope, self.env.functions);
                    match eval(&d.expr, &cx) {
                        Ok(val) => (val, d.range(), None),
                        Err(e) => return self.error(e),
                    }
                }
                None => {
                    return self.error(
                        Diagnostic::error(
                            "No value for required variable",
                            format!("The root module input variable {name:?} is not set, and has no default value."),
                        )
                        .at(v.header.clone()),
                    );
                }
            },
        };
        if raw.is_null() && !v.nullable {
            return self.error(
                Diagnostic::error(
                    "Invalid value for input variable",
                    format!("The given value is not suitable for var.{name}: required variable may not be set to null."),
                )
                .at(range)
                .in_context(context.as_deref()),
            );
        }
        let value = match v.constraint.convert(&raw) {
            Ok(x) => x,
            Err(e) => {
                let at = v
                    .header
                    .as_ref()
                    .map(|r| format!(" declared at {r}"))
                    .unwrap_or_default();
                return self.error(
                    Diagnostic::error(
                        "Invalid value for input variable",
                        format!("The given value is not suitable for var.{name}{at}: {e}."),
                    )
                    .at(range)
                    .in_context(context.as_deref()),
                );
            }
        };
        let value = if v.sensitive {
            value.sensitive()
        } else {
            value
        };
        self.result.vars.insert(name.to_string(), value);
        let rules = v.validations.clone();
        for rule in &rules {
            let outcome = {
                let scope = self.scope();
                check(rule, &scope, self.env.functions, None, None)
            };
            match outcome {
                Outcome::Pass | Outcome::Unknown { .. } => {}
                Outcome::Error(d) => self.error(d),
                Outcome::Fail {
                    message, values, ..
                } => {
                    let checked = rule
                        .header
                        .as_ref()
                        .map(|r| format!("\n\nThis was checked by the validation rule at {r}."))
                        .unwrap_or_default();
                    let d = Diagnostic::error(
                        "Invalid value for variable",
                        format!("{message}{checked}"),
                    )
                    .at(range.clone().or_else(|| rule.condition.range()))
                    .in_context(context.as_deref())
                    .with_values(values);
                    self.fail(&format!("var.{name}"), d);
                }
            }
        }
    }

    fn local(&mut self, name: &str) {
        let l = &self.module.locals[name];
        let r = {
            let scope = self.scope();
            let cx = EvalCtx::new(&l.expr.file, &scope, self.env.functions);
            eval(&l.expr.expr, &cx)
        };
        match r {
            Ok(v) => {
                self.result.locals.insert(name.to_string(), v);
            }
            Err(d) => self.error(d),
        }
    }

    /// The instance keys of `count` / `for_each`, or the diagnostic.
    pub(super) fn expand(
        &self,
        count: Option<&crate::tftest::config::body::Expr>,
        for_each: Option<&crate::tftest::config::body::Expr>,
        what: &str,
        what_name: &str,
    ) -> Result<(Vec<Key>, bool), Diagnostic> {
        let scope = self.scope();
        if let Some(c) = count {
            let cx = EvalCtx::new(&c.file, &scope, self.env.functions);
            let v = eval(&c.expr, &cx)?;
            if v.is_unknown() {
                return Err(Diagnostic::error(
                    "Invalid count argument",
                    format!("The \"count\" value depends on {what} attributes that cannot be determined until apply, so Terraform cannot predict how many instances will be created."),
                )
                .at(c.range()));
            }
            let n = crate::tftest::value::convert(&v, &Type::Number)
                .ok()
                .and_then(|n| n.as_number().and_then(|n| n.to_i64()))
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    Diagnostic::error(
                        "Invalid count argument",
                        "The given \"count\" argument value is unsuitable: must be a whole number greater than or equal to zero.",
                    )
                    .at(c.range())
                })?;
            // Checked before the keys exist: `count = 1e9` must not allocate.
            budget::count_instances(what_name, n as usize).map_err(|d| d.at(c.range()))?;
            return Ok(((0..n as usize).map(Key::Index).collect(), true));
        }
        if let Some(f) = for_each {
            let cx = EvalCtx::new(&f.file, &scope, self.env.functions);
            let v = eval(&f.expr, &cx)?;
            // A map's keys are all that must be known (its values may be
            // unknown until apply); a set's elements are its keys.
            let is_set = matches!(v.ty(), Type::Set(_));
            if v.is_unknown() || is_set && !v.is_wholly_known() {
                let what = if is_set {
                    "set includes values"
                } else {
                    "map includes keys"
                };
                return Err(Diagnostic::error(
                    "Invalid for_each argument",
                    format!("The \"for_each\" {what} derived from resource attributes that cannot be determined until apply, and so Terraform cannot determine the full set of keys that will identify the instances of this resource."),
                )
                .at(f.range()));
            }
            let keys: Vec<Key> = match v.kind() {
                Kind::Map(_, m) | Kind::Object(m) => m
                    .iter()
                    .map(|(k, x)| Key::Each(k.clone(), x.clone()))
                    .collect(),
                Kind::Set(t, items)
                    if *t == Type::String || items.iter().all(|i| i.as_str().is_some()) =>
                {
                    items
                        .iter()
                        .map(|x| Key::Each(x.as_str().unwrap_or_default().to_string(), x.clone()))
                        .collect()
                }
                Kind::Null(_) => {
                    return Err(Diagnostic::error(
                        "Invalid for_each argument",
                        "The given \"for_each\" argument value is unsuitable: the given \"for_each\" argument value is null. A map, or set of strings is allowed.",
                    )
                    .at(f.range()));
                }
                _ => {
                    return Err(Diagnostic::error(
                        "Invalid for_each argument",
                        format!(
                            "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.",
                            v.ty().friendly()
                        ),
                    )
                    .at(f.range()));
                }
            };
            budget::count_instances(what_name, keys.len()).map_err(|d| d.at(f.range()))?;
            return Ok((keys, true));
        }
        budget::count_instances(what_name, 1)?;
        Ok((vec![Key::None], false))
    }

    fn call(&mut self, name: &str) {
        let c = self.module.calls[name].clone();
        let address = format!("{}module.{name}", self.path);
        let depth = self.path.matches("module.").count();
        if let Err(d) = budget::check_module_depth(depth, &address) {
            return self.error(d.at(c.block.header.clone()));
        }
        let (keys, expanded) =
            match self.expand(c.count.as_ref(), c.for_each.as_ref(), "resource", &address) {
                Ok(k) => k,
                Err(d) => return self.error(d),
            };
        let mut instances = Vec::new();
        for key in keys {
            let target = format!("{}module.{name}{}", self.path, key.suffix());
            let resource = format!("{}module.{name}", self.path);
            if let Some(o) = self
                .env
                .overrides
                .find(OverrideKind::Module, &target, &resource)
            {
                let outputs = o.values.clone();
                let child_outputs: Vec<String> = self
                    .load_child(&c)
                    .map(|m| m.outputs.keys().cloned().collect())
                    .unwrap_or_default();
                let mut obj: BTreeMap<String, Value> = child_outputs
                    .into_iter()
                    .map(|k| (k, Value::null_dynamic()))
                    .collect();
                if let Some(entries) = outputs.as_entries() {
                    for (k, v) in entries {
                        if obj.contains_key(k) || obj.is_empty() {
                            obj.insert(k.clone(), v.clone());
                        }
                    }
                }
                instances.push((key, Value::object(obj)));
                continue;
            }
            let child = match self.load_child(&c) {
                Ok(m) => m,
                Err(d) => return self.error(d),
            };
            let mut inputs = BTreeMap::new();
            let key_locals = key.locals();
            let context = format!("module {name:?}");
            for (k, e) in &c.inputs {
                if !child.variables.contains_key(k) {
                    self.error(
                        Diagnostic::error(
                            "Unsupported argument",
                            format!("An argument named {k:?} is not expected here."),
                        )
                        .at(e.range()),
                    );
                    continue;
                }
                let r = {
                    let scope = self.scope();
                    let cx = EvalCtx::new(&e.file, &scope, self.env.functions);
                    let cx = cx.with_locals(&key_locals);
                    eval(&e.expr, &cx)
                };
                match r {
                    Ok(v) => {
                        inputs.insert(
                            k.clone(),
                            Input {
                                value: v,
                                range: e.range(),
                                context: Some(context.clone()),
                            },
                        );
                    }
                    Err(d) => self.error(d),
                }
            }
            for (vn, v) in &child.variables {
                if v.default.is_none() && !inputs.contains_key(vn) {
                    self.error(
                        Diagnostic::error(
                            "Missing required argument",
                            format!(
                                "The argument {vn:?} is required, but no definition was found."
                            ),
                        )
                        .at(c.block.header.clone()),
                    );
                }
            }
            if self.result.has_errors() {
                return;
            }
            let child_path = format!("{target}.");
            let out = evaluate(self.env, &child, &child_path, &inputs);
            self.result.state.extend(out.state);
            self.result.diagnostics.extend(out.diagnostics);
            instances.push((key, Value::object(out.outputs)));
        }
        self.result
            .calls
            .insert(name.to_string(), collect(instances, expanded));
    }

    fn load_child(&self, c: &crate::tftest::config::ModuleCall) -> Result<Module, Diagnostic> {
        let dir =
            local_module_dir(self.env.root_dir, &self.module.dir, &c.source).map_err(|msg| {
                Diagnostic::error("Module not installed", msg).at(c.block.header.clone())
            })?;
        let root = self
            .env
            .root_dir
            .canonicalize()
            .unwrap_or_else(|_| self.env.root_dir.to_path_buf());
        let display = dir
            .strip_prefix(&root)
            .map(|p| p.to_string_lossy().to_string())
            .unwrap_or_default();
        let m = Module::load(&dir, &display);
        Ok(m)
    }

    fn output(&mut self, name: &str) {
        let o = self.module.outputs[name].clone();
        let Some(value) = &o.value else { return };
        let context = format!("output {name:?}");
        self.conditions(
            &o.preconditions,
            &format!("output.{name}"),
            &context,
            None,
            "Module output value precondition failed",
        );
        let r = {
            let scope = self.scope();
            let cx = EvalCtx::new(&value.file, &scope, self.env.functions).in_block(Some(&context));
            eval(&value.expr, &cx)
        };
        match r {
            Ok(v) => {
                if self.path.is_empty() && !o.sensitive && v.deep_marks().sensitive {
                    return self.error(
                        Diagnostic::error(
                            "Output refers to sensitive values",
                            "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Terraform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true",
                        )
                        .at(o.header.clone()),
                    );
                }
                let v = if o.sensitive { v.sensitive() } else { v };
                self.result.outputs.insert(name.to_string(), v);
            }
            Err(d) => self.error(d),
        }
    }

    /// Evaluate pre- or postconditions; at plan, unknown ones wait for apply.
    pub(super) fn conditions(
        &mut self,
        rules: &[Rule],
        checkable: &str,
        context: &str,
        locals: Option<&Locals<'_>>,
        summary: &str,
    ) -> bool {
        let mut ok = true;
        for rule in rules {
            let outcome = {
                let scope = self.scope();
                check(rule, &scope, self.env.functions, locals, Some(context))
            };
            match outcome {
                Outcome::Pass | Outcome::Unknown { .. } => {}
                Outcome::Error(d) => {
                    ok = false;
                    self.error(d)
                }
                Outcome::Fail {
                    message, values, ..
                } => {
                    ok = false;
                    let d = Diagnostic::error(summary, message)
                        .at(rule.condition.range())
                        .in_context(Some(context))
                        .with_values(values);
                    self.fail(checkable, d);
                }
            }
        }
        ok
    }

    fn check_block(&mut self, name: &str) {
        let c = self.module.checks[name].clone();
        let context = format!("check {name:?}");
        let mut status = Some(true);
        for rule in &c.asserts {
            let outcome = {
                let scope = self.scope();
                check(rule, &scope, self.env.functions, None, Some(&context))
            };
            match outcome {
                Outcome::Pass => {}
                Outcome::Unknown { values } => {
                    status = status.and(None);
                    let d = Diagnostic::warning(
                        "Check block assertion known after apply",
                        "The condition could not be evaluated at this time, a result will be known when this plan is applied.",
                    )
                    .at(rule.condition.range())
                    .in_context(Some(&context))
                    .with_values(values);
                    self.fail(&format!("check.{name}"), d);
                }
                Outcome::Error(mut d) => {
                    d.severity = Severity::Warning;
                    status = Some(false);
                    self.result.diagnostics.push(d);
                }
                Outcome::Fail {
                    message, values, ..
                } => {
                    status = Some(false);
                    let d = Diagnostic::warning("Check block assertion failed", message)
                        .at(rule.condition.range())
                        .in_context(Some(&context))
                        .with_values(values);
                    self.fail(&format!("check.{name}"), d);
                }
            }
        }
        self.result.checks.insert(name.to_string(), status);
    }
}

/// The resources that `-target` leaves alone: all but the targets (a
/// resource, one of its instances, or a module call) and what they depend
/// on, transitively.
fn untargeted(deps: &BTreeMap<Node, BTreeSet<Node>>, targets: &[String]) -> BTreeSet<String> {
    let hit = |n: &Node| {
        let addr = n.address();
        targets.iter().any(|t| {
            t == &addr
                || t.strip_prefix(addr.as_str())
                    .is_some_and(|rest| rest.starts_with('['))
        })
    };
    let mut wanted: BTreeSet<&Node> = deps.keys().filter(|n| hit(n)).collect();
    let mut queue: Vec<&Node> = wanted.iter().copied().collect();
    while let Some(n) = queue.pop() {
        for d in deps.get(n).into_iter().flatten() {
            if wanted.insert(d) {
                queue.push(d);
            }
        }
    }
    deps.keys()
        .filter_map(|n| match n {
            Node::Resource(addr) if !wanted.contains(n) => Some(addr.clone()),
            _ => None,
        })
        .collect()
}
