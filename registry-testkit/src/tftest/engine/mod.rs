//! Evaluating a module the way `terraform plan` and `terraform apply` do:
//! objects in dependency order, resources expanded by `count`/`for_each`,
//! planned through their provider (or an override) with computed values
//! unknown, then applied; conditions checked when their values are known;
//! child modules evaluated in turn.
//!
//! The engine knows nothing of test files: the caller (the test runner)
//! gives it providers, overrides, the prior state and input values.

mod body;
mod conditions;
mod graph;
mod nodes;
mod refactor;
mod resources;
mod scope;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use conditions::{Outcome, check};
pub use graph::{Node, dependencies, order};
pub use refactor::{Refactored, refactor_state};
pub use scope::ModuleScope;

use crate::tftest::config::{Mode, Module};
use crate::tftest::diag::{Diagnostic, Diagnostics};
use crate::tftest::functions::Functions;
use crate::tftest::providers::Provider;
use crate::tftest::providers::mock::Referenced;
use crate::tftest::testfile::{Override, OverrideKind, Phase as OverridePhase};
use crate::tftest::value::Value;

/// Which operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Plan: computed values unknown, nothing created.
    Plan,
    /// Apply: plan, then create and update.
    Apply,
}

/// The state of one resource instance.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceState {
    /// Its mode.
    pub mode: Mode,
    /// Its type.
    pub ty: String,
    /// The provider source that manages it.
    pub provider: String,
    /// Its value.
    pub value: Value,
}

/// Resource instances by full address (`module.m.aws_instance.a[0]`).
pub type State = BTreeMap<String, InstanceState>;

/// A custom condition that failed: which checkable object, and the error.
#[derive(Debug, Clone)]
pub struct Failure {
    /// `var.x`, `output.y`, `aws_instance.a` (without an instance key),
    /// `check.z`; in the root module only (child modules' failures cannot
    /// be expected).
    pub checkable: String,
    /// Whether it was raised while planning.
    pub at_plan: bool,
    /// The diagnostic.
    pub diagnostic: Diagnostic,
}

/// Finds the provider of a resource: by the module path it is in, its
/// provider's local name and alias, and its type.
pub trait ProviderResolver: Sync {
    /// The provider, or a diagnostic naming the one that is missing.
    fn resolve(
        &self,
        module: &Module,
        module_path: &str,
        local_name: &str,
        alias: Option<&str>,
    ) -> Result<Arc<dyn Provider>, Diagnostic>;
}

/// Overrides by target, the most specific first: an instance override
/// beats a resource override at every level (run, file, mock provider).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// In the order they are consulted.
    pub levels: Vec<Vec<Override>>,
}

impl Overrides {
    /// The override for an instance (`aws_x.a[0]`) of a resource (`aws_x.a`).
    pub fn find(&self, kind: OverrideKind, instance: &str, resource: &str) -> Option<&Override> {
        for level in &self.levels {
            if let Some(o) = level
                .iter()
                .find(|o| o.kind == kind && o.target == instance)
            {
                return Some(o);
            }
        }
        for level in &self.levels {
            if let Some(o) = level
                .iter()
                .find(|o| o.kind == kind && o.target == resource)
            {
                return Some(o);
            }
        }
        None
    }

    /// Whether an override's values are known at plan.
    pub fn at_plan(o: &Override, default: Option<OverridePhase>) -> bool {
        matches!(o.during.or(default), Some(OverridePhase::Plan))
    }
}

/// What evaluating a module needs.
pub struct Env<'a> {
    /// Functions (file functions read inside the module).
    pub functions: &'a Functions,
    /// Providers.
    pub providers: &'a dyn ProviderResolver,
    /// Overrides.
    pub overrides: &'a Overrides,
    /// The state before this operation.
    pub prior: &'a State,
    /// Attributes referenced by type, for schema-less mocks.
    pub referenced: Arc<Referenced>,
    /// The directory of the root module (sources of local module calls
    /// are resolved from each module's directory, never outside this one).
    pub root_dir: &'a Path,
    /// Plan or apply.
    pub phase: Phase,
    /// A generator for overridden resources.
    pub generator: &'a crate::tftest::providers::Generator,
    /// `-target`: only these resources (and what they depend on).
    pub targets: &'a [String],
    /// `-replace`: these resources are replaced.
    pub replace: &'a [String],
    /// Refresh-only: no changes are planned.
    pub refresh_only: bool,
}

/// What evaluating a module produced.
#[derive(Debug, Clone, Default)]
pub struct ModuleResult {
    /// Variables' final values.
    pub vars: BTreeMap<String, Value>,
    /// Locals.
    pub locals: BTreeMap<String, Value>,
    /// Outputs.
    pub outputs: BTreeMap<String, Value>,
    /// Resources by address: an object, or a tuple (`count`) or object
    /// (`for_each`) of instances.
    pub resources: BTreeMap<String, Value>,
    /// Module calls' outputs, by name (tuples and objects when expanded).
    pub calls: BTreeMap<String, Value>,
    /// Every resource instance after the operation, child modules' too.
    pub state: State,
    /// Custom conditions that failed.
    pub failures: Vec<Failure>,
    /// Every diagnostic (failures included).
    pub diagnostics: Diagnostics,
    /// Check blocks' results: name → passed (`None` unknown).
    pub checks: BTreeMap<String, Option<bool>>,
}

impl ModuleResult {
    /// Whether an error was raised.
    pub fn has_errors(&self) -> bool {
        crate::tftest::diag::has_errors(&self.diagnostics)
    }
}

/// Evaluate `module` at `module_path` (`""` for the root, `module.m.` for
/// children) with `inputs` (given values, before conversion: the engine
/// converts, applies defaults and validates).
pub fn evaluate(
    env: &Env<'_>,
    module: &Module,
    module_path: &str,
    inputs: &BTreeMap<String, Input>,
) -> ModuleResult {
    nodes::Evaluation::new(env, module, module_path).run(inputs)
}

/// A value given for an input variable, and where it was written (the
/// subject of a validation failure).
#[derive(Debug, Clone)]
pub struct Input {
    /// The value.
    pub value: Value,
    /// Where it came from.
    pub range: Option<crate::tftest::diag::SourceRange>,
    /// The block it is written in (`run "x"`).
    pub context: Option<String>,
}

/// The directory a local module source names, kept inside the root.
pub fn local_module_dir(root: &Path, from: &Path, source: &str) -> Result<PathBuf, String> {
    if !(source.starts_with("./") || source.starts_with("../")) {
        return Err(format!(
            "Module source {source:?} is not a local path; only local modules (./…) run in the test engine without `terraform init`."
        ));
    }
    let dir = from.join(source);
    let canon = dir.canonicalize().map_err(|e| {
        format!(
            "Module directory {} does not exist or cannot be read: {e}",
            dir.display()
        )
    })?;
    let root = root.canonicalize().map_err(|e| e.to_string())?;
    if !canon.starts_with(&root) {
        return Err(format!(
            "Module source {source:?} leaves the module under test."
        ));
    }
    Ok(canon)
}
