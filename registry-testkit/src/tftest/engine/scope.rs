//! What names mean inside a module (and, for assertions, in a run):
//! `var`, `local`, resources, `data`, `module`, `path`, `terraform`, and
//! for test files also `output`, `run` and the test's own variables.

use std::collections::BTreeMap;

use crate::tftest::config::Module;
use crate::tftest::diag::{Diagnostic, SourceRange};
use crate::tftest::eval::Scope;
use crate::tftest::value::{Type, Value};

/// The values of a module's objects evaluated so far.
#[derive(Debug, Clone)]
pub struct ModuleScope<'a> {
    /// The module (for "undeclared" messages).
    pub module: &'a Module,
    /// `var.*`.
    pub vars: &'a BTreeMap<String, Value>,
    /// `local.*`.
    pub locals: &'a BTreeMap<String, Value>,
    /// Resources by address.
    pub resources: &'a BTreeMap<String, Value>,
    /// `module.*`.
    pub calls: &'a BTreeMap<String, Value>,
    /// `output.*` (assertions only).
    pub outputs: Option<&'a BTreeMap<String, Value>>,
    /// `run.*` (test files only).
    pub runs: Option<&'a BTreeMap<String, Value>>,
    /// Variables the test declares that the module does not (`var.*` in
    /// assertions and run variables).
    pub test_vars: Option<&'a BTreeMap<String, Value>>,
    /// `check.*` statuses (assertions only).
    pub checks: Option<&'a BTreeMap<String, Option<bool>>>,
    /// Runs of the test file that have not run yet (`run.*` to them is
    /// "unevaluated", to any other missing run "undeclared").
    pub pending_runs: &'a [String],
    /// Whether this is the root module (for messages).
    pub root: bool,
}

fn err(range: &SourceRange, summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, detail).at(Some(range.clone()))
}

/// The name Terraform suggests for a misspelt one (`didyoumean`): one
/// within an edit distance of 3, the closest first.
pub fn suggestion<'n>(given: &str, names: impl IntoIterator<Item = &'n String>) -> Option<String> {
    names
        .into_iter()
        .map(|n| (levenshtein(given, n), n))
        .filter(|(d, _)| *d < 3)
        .min()
        .map(|(_, n)| n.clone())
}

/// " Did you mean "x"?" when there is a suggestion, else `otherwise`.
fn did_you_mean<'n>(
    given: &str,
    names: impl IntoIterator<Item = &'n String>,
    otherwise: &str,
) -> String {
    match suggestion(given, names) {
        Some(s) => format!(" Did you mean {s:?}?"),
        None => otherwise.to_string(),
    }
}

/// The edit distance between two names, in characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

impl<'a> ModuleScope<'a> {
    fn where_(&self) -> &'static str {
        if self.root {
            "the root module"
        } else {
            "this module"
        }
    }
}

impl Scope for ModuleScope<'_> {
    fn reference(
        &self,
        root: &str,
        attrs: &[&str],
        range: &SourceRange,
    ) -> Result<(Value, usize), Diagnostic> {
        let first = attrs.first().copied();
        match root {
            "var" => {
                let name = first.ok_or_else(|| {
                    err(range, "Invalid reference", "The \"var\" object cannot be accessed directly. Instead, access one of its attributes.".into())
                })?;
                if let Some(v) = self.vars.get(name) {
                    return Ok((v.clone(), 1));
                }
                if let Some(v) = self.test_vars.and_then(|t| t.get(name)) {
                    return Ok((v.clone(), 1));
                }
                let hint = did_you_mean(
                    name,
                    self.module.variables.keys(),
                    &format!(" This variable can be declared with a variable {name:?} {{}} block."),
                );
                Err(err(
                    range,
                    "Reference to undeclared input variable",
                    format!("An input variable with the name {name:?} has not been declared.{hint}"),
                ))
            }
            "local" => {
                let name = first.ok_or_else(|| err(range, "Invalid reference", "The \"local\" object cannot be accessed directly. Instead, access one of its attributes.".into()))?;
                match self.locals.get(name) {
                    Some(v) => Ok((v.clone(), 1)),
                    None if self.module.locals.contains_key(name) => Ok((Value::unknown(Type::Dynamic), 1)),
                    None => Err(err(
                        range,
                        "Reference to undeclared local value",
                        format!(
                            "A local value with the name {name:?} has not been declared.{}",
                            did_you_mean(name, self.module.locals.keys(), "")
                        ),
                    )),
                }
            }
            "module" => {
                let name = first.ok_or_else(|| err(range, "Invalid reference", "The \"module\" object cannot be accessed directly. Instead, access one of its attributes.".into()))?;
                match self.calls.get(name) {
                    Some(v) => Ok((v.clone(), 1)),
                    None if self.module.calls.contains_key(name) => Ok((Value::unknown(Type::Dynamic), 1)),
                    None => Err(err(
                        range,
                        "Reference to undeclared module",
                        format!(
                            "No module call named {name:?} is declared in {}.{}",
                            self.where_(),
                            did_you_mean(name, self.module.calls.keys(), "")
                        ),
                    )),
                }
            }
            "output" if self.outputs.is_some() => {
                let name = first.ok_or_else(|| err(range, "Invalid reference", "The \"output\" object cannot be accessed directly.".into()))?;
                match self.outputs.and_then(|o| o.get(name)) {
                    Some(v) => Ok((v.clone(), 1)),
                    None => Err(err(
                        range,
                        "Reference to undeclared output value",
                        format!(
                            "An output value with the name {name:?} has not been declared.{}",
                            did_you_mean(name, self.module.outputs.keys(), "")
                        ),
                    )),
                }
            }
            "run" if self.runs.is_some() => {
                let name = first.ok_or_else(|| err(range, "Invalid reference", "The \"run\" object cannot be accessed directly.".into()))?;
                match self.runs.and_then(|r| r.get(name)) {
                    Some(v) => Ok((v.clone(), 1)),
                    None if self.pending_runs.iter().any(|r| r == name) => Err(err(
                        range,
                        "Reference to unevaluated run block",
                        format!("The run {name:?} block has not yet been evaluated, so its results are not available here."),
                    )),
                    None => Err(err(
                        range,
                        "Reference to undeclared run block",
                        format!("There is no run {name:?} declared in this test suite."),
                    )),
                }
            }
            "check" if self.checks.is_some() => {
                let name = first.unwrap_or_default();
                let status = self.checks.and_then(|c| c.get(name)).cloned().flatten();
                let v = match status {
                    Some(true) => Value::string("pass"),
                    Some(false) => Value::string("fail"),
                    None => Value::unknown(Type::String),
                };
                Ok((Value::object_from([("status", v)]), 1))
            }
            "path" => Ok((
                Value::object_from([
                    ("module", Value::string(".")),
                    ("root", Value::string(".")),
                    ("cwd", Value::string(".")),
                ]),
                0,
            )),
            "terraform" => Ok((
                Value::object_from([("workspace", Value::string("default"))]),
                0,
            )),
            "data" | "ephemeral" => {
                let (Some(ty), Some(name)) = (first, attrs.get(1)) else {
                    return Err(err(
                        range,
                        "Invalid reference",
                        format!("The \"{root}\" object must be followed by two attribute names: the {root} source type and the resource name."),
                    ));
                };
                let addr = format!("{root}.{ty}.{name}");
                match self.resources.get(&addr) {
                    Some(v) => Ok((v.clone(), 2)),
                    None if self.module.resources.contains_key(&addr) => Ok((Value::unknown(Type::Dynamic), 2)),
                    None => Err(err(
                        range,
                        "Reference to undeclared resource",
                        format!("A data resource {ty:?} {name:?} has not been declared in {}.", self.where_()),
                    )),
                }
            }
            "count" | "each" | "self" => Err(err(
                range,
                match root {
                    "count" => "Reference to \"count\" in non-counted context",
                    "each" => "Reference to \"each\" in context without for_each",
                    _ => "Invalid \"self\" reference",
                },
                match root {
                    "count" => "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".into(),
                    "each" => "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.".into(),
                    _ => "The \"self\" object is not available in this context. This object can be used only in resource provisioner, connection, and postcondition blocks.".into(),
                },
            )),
            ty => {
                let Some(name) = first else {
                    return Err(err(
                        range,
                        "Invalid reference",
                        "A reference to a resource type must be followed by at least one attribute access, specifying the resource name.".into(),
                    ));
                };
                let addr = format!("{ty}.{name}");
                match self.resources.get(&addr) {
                    Some(v) => Ok((v.clone(), 1)),
                    None if self.module.resources.contains_key(&addr) => Ok((Value::unknown(Type::Dynamic), 1)),
                    None => Err(err(
                        range,
                        "Reference to undeclared resource",
                        format!("A managed resource {ty:?} {name:?} has not been declared in {}.", self.where_()),
                    )),
                }
            }
        }
    }
}
