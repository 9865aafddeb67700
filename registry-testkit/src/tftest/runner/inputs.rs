//! The variable values of one run, gathered as Terraform 1.11 does: only
//! the variables that matter to the run (those the module declares and
//! those its assertions and run variables refer to) are evaluated, global
//! and file-level ones lazily and once per run, so a bad value only fails
//! the runs that use it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use super::vars::Globals;
use crate::tftest::config::Module;
use crate::tftest::config::body::Attr;
use crate::tftest::diag::{Diagnostic, SourceRange};
use crate::tftest::engine::Input;
use crate::tftest::eval::{EvalCtx, Scope, eval, references};
use crate::tftest::functions::Functions;
use crate::tftest::testfile::Run;
use crate::tftest::value::{Type, Value};

/// Global and file-level variables as one run sees them, each evaluated
/// the first time the run needs it.
pub struct RunVars<'a> {
    /// Values from outside the test files.
    pub globals: &'a Globals,
    /// The file's `variables` block.
    pub file: &'a BTreeMap<String, Attr>,
    /// The module under test (a string variable takes `-var` text literally).
    pub module: &'a Module,
    /// Whether the file is in the test directory (its tfvars apply).
    pub in_test_dir: bool,
    /// The functions.
    pub functions: &'a Functions,
    globals_seen: Mutex<BTreeMap<String, Option<Input>>>,
    files_seen: Mutex<BTreeMap<String, Option<Input>>>,
    diags: Mutex<Vec<Diagnostic>>,
}

impl<'a> RunVars<'a> {
    /// Nothing evaluated yet.
    pub fn new(
        globals: &'a Globals,
        file: &'a BTreeMap<String, Attr>,
        module: &'a Module,
        in_test_dir: bool,
        functions: &'a Functions,
    ) -> Self {
        RunVars {
            globals,
            file,
            module,
            in_test_dir,
            functions,
            globals_seen: Mutex::default(),
            files_seen: Mutex::default(),
            diags: Mutex::default(),
        }
    }

    /// The global value of `name`, if one is given. A value that does not
    /// evaluate is reported once and stands in as unknown.
    pub fn global(&self, name: &str) -> Option<Input> {
        if let Some(v) = lock(&self.globals_seen).get(name) {
            return v.clone();
        }
        let literal = self
            .module
            .variables
            .get(name)
            .is_some_and(|v| v.constraint.ty() == Type::String);
        let v = self
            .globals
            .value(name, literal, self.in_test_dir, self.functions)
            .map(|r| match r {
                Ok((value, range)) => Input {
                    value,
                    range,
                    context: None,
                },
                Err(d) => {
                    lock(&self.diags).push(d);
                    unknown()
                }
            });
        lock(&self.globals_seen).insert(name.to_string(), v.clone());
        v
    }

    /// The file-level value of `name`, if the file sets one (it may refer
    /// to global variables only).
    pub fn file_var(&self, name: &str) -> Option<Input> {
        if let Some(v) = lock(&self.files_seen).get(name) {
            return v.clone();
        }
        let a = self.file.get(name)?;
        let scope = TestVarScope {
            vars: self,
            runs: None,
        };
        let cx = EvalCtx::new(&a.expr.file, &scope, self.functions);
        let v = match eval(&a.expr.expr, &cx) {
            Ok(value) => Input {
                value,
                range: a.expr.range(),
                context: None,
            },
            Err(d) => {
                lock(&self.diags).push(d);
                unknown()
            }
        };
        lock(&self.files_seen).insert(name.to_string(), Some(v.clone()));
        Some(v)
    }

    /// What evaluating the values raised so far.
    pub fn take_diagnostics(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut *lock(&self.diags))
    }
}

/// A lock that a panic elsewhere cannot poison for good.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A value that failed to evaluate (its error is reported already).
fn unknown() -> Input {
    Input {
        value: Value::unknown(Type::Dynamic),
        range: None,
        context: None,
    }
}

/// Outputs of the runs so far, and the names of the runs still to come.
pub struct RunRefs<'a> {
    /// `run.<name>` values of the runs that have run.
    pub outputs: &'a BTreeMap<String, Value>,
    /// Runs of the file that run later.
    pub later: &'a [String],
}

/// What a test-file `variables` expression may see: at file level global
/// variables only; in a run also file-level ones and earlier runs.
struct TestVarScope<'v, 'a> {
    vars: &'v RunVars<'a>,
    runs: Option<&'v RunRefs<'v>>,
}

impl Scope for TestVarScope<'_, '_> {
    fn reference(
        &self,
        root: &str,
        attrs: &[&str],
        range: &SourceRange,
    ) -> Result<(Value, usize), Diagnostic> {
        let at = Some(range.clone());
        match (root, attrs.first()) {
            ("var", Some(name)) => {
                let found = match self.runs {
                    Some(_) => self
                        .vars
                        .file_var(name)
                        .or_else(|| self.vars.global(name)),
                    None => self.vars.global(name),
                };
                if let Some(i) = found {
                    return Ok((i.value, 1));
                }
                Err(Diagnostic::error(
                    "Reference to unavailable variable",
                    if self.runs.is_some() {
                        format!("The input variable {name:?} is not available to the current run block. You can only reference variables defined at the file or global levels.")
                    } else {
                        format!("The input variable {name:?} is not available to the current context. You can only reference global variables.")
                    },
                )
                .at(at))
            }
            ("run", Some(name)) if self.runs.is_some() => {
                let runs = self.runs.map(|r| r.outputs);
                let later = self.runs.map(|r| r.later).unwrap_or_default();
                let Some(v) = runs.and_then(|r| r.get(*name)) else {
                    let (summary, detail) = if later.iter().any(|r| r == name) {
                        (
                            "Reference to unavailable run block",
                            format!("The run block {name:?} has not executed yet. You can only reference run blocks that are in the same test file and will execute before the current run block."),
                        )
                    } else {
                        (
                            "Reference to unknown run block",
                            format!("The run block {name:?} does not exist within this test file. You can only reference run blocks that are in the same test file and will execute before the current run block."),
                        )
                    };
                    return Err(Diagnostic::error(summary, detail).at(at));
                };
                if let Some(out) = attrs.get(1)
                    && let Some(x) = v.get_attr(out)
                    && !x.is_wholly_known()
                {
                    return Err(Diagnostic::error(
                        "Reference to unknown value",
                        format!("The value for run.{name}.{out} is unknown. Run block {name:?} is executing a \"plan\" operation, and the specified output value is only known after apply."),
                    )
                    .at(at));
                }
                Ok((v.clone(), 1))
            }
            ("run", _) => Err(Diagnostic::error(
                "Invalid reference",
                "You can not reference run blocks from within the file variables block.",
            )
            .at(at)),
            _ if self.runs.is_some() => Err(Diagnostic::error(
                "Invalid reference",
                "You can only reference earlier run blocks, file level, and global variables while defining variables from inside a run block.",
            )
            .at(at)),
            _ => Err(Diagnostic::error(
                "Invalid reference",
                "You can only reference global variables within the test file variables block.",
            )
            .at(at)),
        }
    }
}

/// A run's variable values.
#[derive(Debug, Default)]
pub struct RunInputs {
    /// Values for the module's variables (the rest take their defaults).
    pub module: BTreeMap<String, Input>,
    /// Values the assertions see beyond the module's own variables.
    pub test_only: BTreeMap<String, Value>,
    /// Errors and warnings raised gathering them.
    pub diagnostics: Vec<Diagnostic>,
}

/// The variables `run` refers to in its assertions and its `variables`.
fn referenced_vars(run: &Run) -> BTreeSet<String> {
    let exprs = run
        .asserts
        .iter()
        .flat_map(|a| [&a.condition, &a.error_message])
        .chain(run.variables.values().map(|a| &a.expr));
    exprs
        .flat_map(|e| references(&e.expr))
        .filter(|r| r.root == "var")
        .filter_map(|r| r.attrs.first().cloned())
        .collect()
}

/// Gather the values of `run`'s variables: its own `variables` (which may
/// use file-level and global variables and earlier runs' outputs), then
/// file-level, then global values for the variables that matter to it.
pub fn run_inputs(run: &Run, vars: &RunVars<'_>, runs: &RunRefs<'_>) -> RunInputs {
    let mut out = RunInputs::default();
    let mut relevant = referenced_vars(run);
    relevant.extend(vars.module.variables.keys().cloned());
    let context = run.context();
    let scope = TestVarScope {
        vars,
        runs: Some(runs),
    };
    let mut values: BTreeMap<String, Input> = BTreeMap::new();
    for (name, a) in &run.variables {
        let cx = EvalCtx::new(&a.expr.file, &scope, vars.functions).in_block(Some(&context));
        let value = match eval(&a.expr.expr, &cx) {
            Ok(v) => v,
            Err(d) => {
                out.diagnostics.push(d);
                Value::unknown(Type::Dynamic)
            }
        };
        // Evaluated either way, so mistakes in it are still reported.
        if !relevant.contains(name) {
            out.diagnostics.push(
                Diagnostic::warning(
                    "Value for undeclared variable",
                    format!("The module under test does not declare a variable named {name:?}, but it is declared in run block {:?}.", run.name),
                )
                .at(a.expr.range())
                .in_context(Some(&context)),
            );
            continue;
        }
        values.insert(
            name.clone(),
            Input {
                value,
                range: a.expr.range(),
                context: Some(context.clone()),
            },
        );
    }
    for name in &relevant {
        if values.contains_key(name) {
            continue;
        }
        if let Some(i) = vars.file_var(name).or_else(|| vars.global(name)) {
            values.insert(name.clone(), i);
        }
    }
    out.diagnostics.extend(vars.take_diagnostics());
    for (name, v) in &vars.module.variables {
        if !values.contains_key(name) && v.default.is_none() {
            out.diagnostics.push(
                Diagnostic::error(
                    "No value for required variable",
                    format!(
                        "The module under test for run block {:?} has a required variable {name:?} with no set value. Use a -var or -var-file command line argument or add this variable into a \"variables\" block within the test file or run block.",
                        run.name
                    ),
                )
                .at(v.header.clone()),
            );
        }
    }
    for (name, i) in values {
        if vars.module.variables.contains_key(&name) {
            out.module.insert(name, i);
        } else {
            out.test_only.insert(name, i.value);
        }
    }
    out
}
