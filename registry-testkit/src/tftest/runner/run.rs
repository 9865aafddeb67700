//! One test file: its runs in order with the state they share, and the
//! teardown.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;

use super::inputs::{RunRefs, RunVars, run_inputs};
use super::providers::RunProviders;
use super::result::{FileResult, RunResult, Status};
use super::vars::Globals;
use super::{KeyedState, TestOptions, override_target_warnings};
use crate::tftest::budget;
use crate::tftest::config::Module;
use crate::tftest::diag::{Diagnostic, Diagnostics, Severity};
use crate::tftest::engine::{
    Env, ModuleResult, ModuleScope, Outcome, Overrides, Phase, ProviderResolver, check, evaluate,
    local_module_dir,
};
use crate::tftest::functions::{FnEnv, Functions};
use crate::tftest::providers::builtin::{BuiltinEnv, builtin_in, local};
use crate::tftest::providers::mock::Referenced;
use crate::tftest::providers::{Generator, Schemas};
use crate::tftest::testfile::{Command, Override, Run, TestFile};
use crate::tftest::value::{Type, Value};

/// The detail of "Unknown condition value" in Terraform 1.11.
pub const UNKNOWN_CONDITION: &str = "Condition expression could not be evaluated at this time. This means you have executed a `run` block with `command = plan` and one of the values your condition depended on is not known until after the plan has been applied. Either remove this value from your condition, or execute an `apply` command from this `run` block. Alternatively, if there is an override for this value, you can make it available during the plan phase by setting `override_during = plan` in the `override_` block.";

pub(super) struct FileRunner<'a> {
    pub root: &'a Path,
    pub module: Arc<Module>,
    pub file: &'a TestFile,
    pub opts: &'a TestOptions,
    pub schemas: &'a Schemas,
    pub globals: &'a Globals,
    pub referenced: Arc<Referenced>,
    pub seed: u64,
}

/// A planned output as a plan run's assertions see it: a wholly unknown
/// output is unknown (of no type yet), while unknowns nested in a known
/// one are null, as Terraform's planned state stores root outputs.
fn planned_output(v: &Value) -> Value {
    if v.is_unknown() {
        return Value::unknown(Type::Dynamic).with_marks(v.marks());
    }
    crate::tftest::providers::fill_unknowns(v, &|t| Value::null(t.clone()))
}

fn is_checkable(s: &str) -> bool {
    let root = s.split(['.', '[']).next().unwrap_or_default();
    !matches!(
        root,
        "local" | "module" | "path" | "terraform" | "count" | "each" | "self" | "run"
    )
}

struct RunOutcome {
    result: RunResult,
    outputs: Option<Value>,
    state: Option<(String, KeyedState)>,
}

impl FileRunner<'_> {
    pub fn run(&self) -> (FileResult, BTreeSet<String>) {
        let clock = Instant::now();
        let mut out = FileResult {
            name: self.file.name.clone(),
            status: Status::Pass,
            runs: Vec::new(),
            diagnostics: self.file.diagnostics.clone(),
            teardown: Vec::new(),
            elapsed: Default::default(),
        };
        out.diagnostics
            .extend(override_target_warnings(self.file, &self.module));
        let functions = Functions::builtin(FnEnv {
            module_dir: Some(self.root.to_path_buf()),
            scratch_dir: Some(self.scratch_dir()),
            plan_timestamp: Utc::now(),
        });
        let mut states: BTreeMap<String, KeyedState> = BTreeMap::new();
        let mut run_outputs: BTreeMap<String, Value> = BTreeMap::new();
        let mut errored: Option<String> = None;
        let mut schemaless = BTreeSet::new();
        let names: Vec<String> = self.file.runs.iter().map(|r| r.name.clone()).collect();
        for (i, run) in self.file.runs.iter().enumerate() {
            if let Some(prev) = &errored {
                out.runs.push(RunResult {
                    name: run.name.clone(),
                    status: Status::Skip,
                    diagnostics: Vec::new(),
                    started: Utc::now(),
                    elapsed: Default::default(),
                    skipped_after: Some(prev.clone()),
                    failed_asserts: (0, run.asserts.len()),
                });
                continue;
            }
            let started = Utc::now();
            let t = Instant::now();
            let runs = RunRefs {
                outputs: &run_outputs,
                later: &names[i + 1..],
            };
            let o = self.one(i, run, &runs, &mut states, &functions, &mut schemaless);
            let mut result = o.result;
            result.started = started;
            result.elapsed = t.elapsed();
            if result.diagnostics.iter().any(is_run_error) {
                result.status = Status::Error;
            }
            if let Some(v) = o.outputs {
                run_outputs.insert(run.name.clone(), v);
            }
            if let Some((k, s)) = o.state {
                states.insert(k, s);
            }
            if result.status == Status::Error {
                errored = Some(run.name.clone());
            }
            out.status = out.status.merge(result.status);
            out.runs.push(result);
        }
        out.teardown = self.teardown(&states, &functions);
        if out.teardown.iter().any(Diagnostic::is_error) {
            out.status = out.status.merge(Status::Fail);
        }
        if out.runs.is_empty()
            && out.status == Status::Pass
            && out.diagnostics.iter().any(Diagnostic::is_error)
        {
            out.status = Status::Error;
        }
        out.elapsed = clock.elapsed();
        (out, schemaless)
    }

    fn module_for(&self, run: &Run) -> Result<Arc<Module>, Diagnostic> {
        match &run.module {
            None => Ok(self.module.clone()),
            Some(src) => {
                let dir = local_module_dir(self.root, self.root, src).map_err(|e| {
                    Diagnostic::error("Module not installed", e)
                        .at(run.block.header.clone())
                        .in_context(Some(&run.context()))
                })?;
                let display = src
                    .trim_start_matches("./")
                    .trim_end_matches('/')
                    .to_string();
                let m = Module::load(&dir, &display);
                if let Some(d) = m.diagnostics.iter().find(|d| d.is_error()) {
                    return Err(d.clone());
                }
                Ok(Arc::new(m))
            }
        }
    }

    /// One run, within its budgets (time, instances, value sizes): a
    /// budget it runs out of is an error of the run, even where `can` or
    /// `try` swallowed it.
    fn one(
        &self,
        index: usize,
        run: &Run,
        runs: &RunRefs<'_>,
        states: &mut BTreeMap<String, KeyedState>,
        functions: &Functions,
        schemaless: &mut BTreeSet<String>,
    ) -> RunOutcome {
        let _budget = budget::start_run(self.opts.run_timeout);
        let mut o = self.one_within_budget(index, run, runs, states, functions, schemaless);
        if let Some(d) = budget::breach()
            && !o.result.diagnostics.iter().any(|x| x.summary == d.summary)
        {
            o.result.diagnostics.push(
                d.at(run.block.header.clone())
                    .in_context(Some(&run.context())),
            );
        }
        if budget::breach().is_some() {
            o.result.status = Status::Error;
        }
        o
    }

    fn one_within_budget(
        &self,
        index: usize,
        run: &Run,
        runs: &RunRefs<'_>,
        states: &mut BTreeMap<String, KeyedState>,
        functions: &Functions,
        schemaless: &mut BTreeSet<String>,
    ) -> RunOutcome {
        let context = run.context();
        let mut result = RunResult {
            name: run.name.clone(),
            status: Status::Pass,
            diagnostics: Vec::new(),
            started: Utc::now(),
            elapsed: Default::default(),
            skipped_after: None,
            failed_asserts: (0, run.asserts.len()),
        };
        let fail = |mut r: RunResult, d: Diagnostic| {
            r.status = Status::Error;
            r.diagnostics.push(d);
            RunOutcome {
                result: r,
                outputs: None,
                state: None,
            }
        };
        for (ef, range) in &run.expect_failures {
            if !is_checkable(ef) {
                return fail(
                    result,
                    Diagnostic::error(
                        "Invalid `expect_failures` reference",
                        format!("You cannot expect failures from {ef}. You can only expect failures from checkable objects such as input variables, output values, check blocks, managed resources and data sources."),
                    )
                    .at(range.clone())
                    .in_context(Some(&context)),
                );
            }
        }
        // A run's `providers` may only name the file's own providers.
        for (key, target) in run.providers.iter().flatten() {
            if !self.file.providers.contains_key(target) {
                let range = run.provider_ranges.get(key).cloned().flatten();
                return fail(
                    result,
                    Diagnostic::error(
                        format!("Missing provider definition for {target}"),
                        "This provider block references a provider definition that does not exist.",
                    )
                    .at(range)
                    .in_context(Some(&context)),
                );
            }
        }
        let module = match self.module_for(run) {
            Ok(m) => m,
            Err(d) => return fail(result, d),
        };
        // Variables: run > file > globals (by the module's declared types) > default.
        let in_test_dir = Path::new(&self.file.name)
            .parent()
            .is_some_and(|p| p == Path::new(self.opts.test_directory.trim_end_matches('/')));
        let vars = RunVars::new(
            self.globals,
            &self.file.variables,
            &module,
            in_test_dir,
            functions,
        );
        let gathered = run_inputs(run, &vars, runs);
        result.diagnostics.extend(gathered.diagnostics);
        if result.diagnostics.iter().any(Diagnostic::is_error) {
            result.status = Status::Error;
            return RunOutcome {
                result,
                outputs: None,
                state: None,
            };
        }
        let inputs = gathered.module;
        let test_vars = gathered.test_only;
        // Providers and overrides.
        let providers = RunProviders::new(
            self.file,
            run.providers.as_ref(),
            self.schemas,
            self.referenced.clone(),
            self.seed.wrapping_add(index as u64 * 104_729),
        );
        let mock_overrides: Vec<Override> = self
            .file
            .providers
            .values()
            .filter(|p| p.mock)
            .flat_map(|p| {
                p.overrides.iter().map(move |o| Override {
                    during: o.during.or(p.during),
                    ..o.clone()
                })
            })
            .collect();
        let overrides = Overrides {
            levels: vec![
                run.overrides.clone(),
                self.file.overrides.clone(),
                mock_overrides,
            ],
        };
        let key = run
            .state_key
            .clone()
            .unwrap_or_else(|| run.module.clone().unwrap_or_default());
        let prior = states
            .get(&key)
            .map(|s| s.state.clone())
            .unwrap_or_default();
        if let Some(d) = provisioners_warning(&module) {
            result.diagnostics.push(d);
        }
        let refactored = crate::tftest::engine::refactor_state(&module, &prior);
        if !refactored.forgotten.is_empty() {
            result
                .diagnostics
                .push(forgotten_warning(&refactored.forgotten));
        }
        let prior = refactored.state;
        let generator = Generator::new(self.seed.wrapping_add(index as u64 * 7));
        let env = |phase: Phase| Env {
            functions,
            providers: &providers as &dyn ProviderResolver,
            overrides: &overrides,
            prior: &prior,
            referenced: self.referenced.clone(),
            root_dir: self.root,
            phase,
            generator: &generator,
            targets: &run.plan_options.target,
            replace: &run.plan_options.replace,
            refresh_only: run.plan_options.refresh_only,
        };
        let expected: Vec<&str> = run
            .expect_failures
            .iter()
            .map(|(e, _)| e.as_str())
            .collect();
        let plan = evaluate(&env(Phase::Plan), &module, "", &inputs);
        let targeted = !run.plan_options.target.is_empty();
        if targeted {
            result.diagnostics.push(Diagnostic::warning(
                "Resource targeting is in effect",
                "You are creating a plan with the -target option, which means that the result of this plan may not represent all of the changes requested by the current configuration.\n\nThe -target option is not for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when Terraform specifically suggests to use it as part of an error message.",
            ));
        }
        let (final_result, phase_diags, new_state) = match run.command {
            Command::Plan => {
                let d = self.expected_failures(run, &plan, &expected, true, false);
                (plan, d, None)
            }
            Command::Apply => {
                let plan_failed_expected: Vec<&str> = plan
                    .failures
                    .iter()
                    .filter(|f| expected.iter().any(|e| matches_checkable(e, &f.checkable)))
                    .map(|f| f.checkable.as_str())
                    .collect();
                if plan.has_errors() {
                    let mut d: Diagnostics = Vec::new();
                    for c in plan_failed_expected {
                        let range = run
                            .expect_failures
                            .iter()
                            .find(|(e, _)| matches_checkable(e, c))
                            .and_then(|(_, r)| r.clone());
                        d.push(
                            Diagnostic::warning(
                                "Expected failure while planning",
                                format!("A custom condition within {c} failed during the planning stage and prevented the requested apply operation. While this was an expected failure, the apply operation could not be executed and so the overall test case will be marked as a failure and the original diagnostic included in the test report."),
                            )
                            .at(if c.starts_with("output.") { range } else { None })
                            .in_context(Some(&context)),
                        );
                    }
                    // The plan's own diagnostics as the plan reported
                    // them: check failures stay warnings here.
                    d.extend(plan.diagnostics.clone());
                    (plan, d, None)
                } else {
                    let applied = evaluate(&env(Phase::Apply), &module, "", &inputs);
                    if targeted {
                        result.diagnostics.push(Diagnostic::warning(
                            "Applied changes may be incomplete",
                            "The plan was created with the -target option in effect, so some changes requested in the configuration may have been ignored and the output values may not be fully updated. Run the following command to verify that no other changes are pending:\n    terraform plan\n\nNote that the -target option is not suitable for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when Terraform specifically suggests to use it as part of an error message.",
                        ));
                    }
                    let d = self.expected_failures(run, &applied, &expected, false, true);
                    let state = KeyedState {
                        state: applied.state.clone(),
                        last: Some((index, module.clone())),
                    };
                    (applied, d, Some(state))
                }
            }
        };
        result.diagnostics.extend(phase_diags);
        result.diagnostics.extend(providers.take_diagnostics());
        schemaless.extend(
            providers
                .schemaless
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .cloned(),
        );
        let errored = result.diagnostics.iter().any(Diagnostic::is_error);
        let outputs: BTreeMap<String, Value> = if run.command == Command::Plan {
            final_result
                .outputs
                .iter()
                .map(|(k, v)| (k.clone(), planned_output(v)))
                .collect()
        } else {
            final_result.outputs.clone()
        };
        if !errored {
            self.assertions(
                run,
                &module,
                &final_result,
                &outputs,
                runs,
                &test_vars,
                functions,
                &mut result,
            );
        }
        if result.diagnostics.iter().any(is_run_error) {
            result.status = Status::Error;
        }
        RunOutcome {
            result,
            outputs: Some(Value::object(outputs)),
            state: new_state.map(|s| (key, s)),
        }
    }

    /// The run's diagnostics once its expected failures are accounted
    /// for: expected ones removed, missing ones reported, check block
    /// failures (warnings in Terraform) errors here.
    fn expected_failures(
        &self,
        run: &Run,
        r: &ModuleResult,
        expected: &[&str],
        _plan: bool,
        _apply: bool,
    ) -> Diagnostics {
        let mut out = Vec::new();
        let context = run.context();
        let expected_diag = |d: &Diagnostic| {
            r.failures.iter().any(|f| {
                &f.diagnostic == d && expected.iter().any(|e| matches_checkable(e, &f.checkable))
            })
        };
        for d in &r.diagnostics {
            if expected_diag(d) {
                continue;
            }
            out.push(d.clone());
        }
        for (e, _) in &run.expect_failures {
            if !r
                .failures
                .iter()
                .any(|f| matches_checkable(e, &f.checkable))
            {
                out.push(
                    Diagnostic::error(
                        "Missing expected failure",
                        format!("The checkable object, {e}, was expected to report an error but did not."),
                    )
                    .at(run.expect_failures_range.clone())
                    .in_context(Some(&context)),
                );
            }
        }
        upgrade_checks(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn assertions(
        &self,
        run: &Run,
        module: &Module,
        r: &ModuleResult,
        outputs: &BTreeMap<String, Value>,
        runs: &RunRefs<'_>,
        test_vars: &BTreeMap<String, Value>,
        functions: &Functions,
        result: &mut RunResult,
    ) {
        let context = run.context();
        let scope = ModuleScope {
            module,
            vars: &r.vars,
            locals: &r.locals,
            resources: &r.resources,
            calls: &r.calls,
            outputs: Some(outputs),
            runs: Some(runs.outputs),
            test_vars: Some(test_vars),
            checks: Some(&r.checks),
            pending_runs: runs.later,
            root: true,
        };
        let mut failed = 0;
        for rule in &run.asserts {
            match check(rule, &scope, functions, None, Some(&context)) {
                Outcome::Pass => {}
                Outcome::Fail {
                    message,
                    values,
                    sensitive_message,
                } => {
                    failed += 1;
                    if sensitive_message {
                        result.diagnostics.push(
                            Diagnostic::warning(
                                "Error message refers to sensitive values",
                                "The error expression used to explain this condition refers to sensitive values, so Terraform will not display the resulting message.\n\nYou can correct this by removing references to sensitive values, or by carefully using the nonsensitive() function if the expression will not reveal the sensitive data.",
                            )
                            .at(rule.error_message.range())
                            .in_context(Some(&context)),
                        );
                    }
                    result.diagnostics.push(
                        Diagnostic::error("Test assertion failed", message)
                            .at(rule.condition.range())
                            .in_context(Some(&context))
                            .with_values(values),
                    );
                    result.status = result.status.merge(Status::Fail);
                }
                Outcome::Unknown { values } => {
                    result.diagnostics.push(
                        Diagnostic::error("Unknown condition value", UNKNOWN_CONDITION)
                            .at(rule.condition.range())
                            .in_context(Some(&context))
                            .with_values(values),
                    );
                }
                Outcome::Error(d) => result.diagnostics.push(d),
            }
        }
        result.failed_asserts = (failed, run.asserts.len());
        // A failed assertion is a failure, not an error.
        if failed > 0 && !result.diagnostics.iter().any(is_run_error) {
            result.status = Status::Fail;
        }
    }

    /// The file's scratch folder (where `local_file` writes, and where
    /// file functions also look), the same for each of its runs.
    fn scratch_dir(&self) -> std::path::PathBuf {
        local::scratch_dir_for(&self.referenced, &self.file.name)
    }

    /// Destroy what the runs created, latest-changed state first.
    fn teardown(
        &self,
        states: &BTreeMap<String, KeyedState>,
        _functions: &Functions,
    ) -> Diagnostics {
        let mut order: Vec<(&String, &KeyedState)> =
            states.iter().filter(|(_, s)| s.last.is_some()).collect();
        order.sort_by_key(|(_, s)| std::cmp::Reverse(s.last.as_ref().map(|(i, _)| *i)));
        // Destroying needs no generated values, only the folders.
        let env = BuiltinEnv {
            seed: self.seed,
            scratch_dir: Some(self.scratch_dir()),
            module_dir: Some(self.root.to_path_buf()),
        };
        let mut diags = Vec::new();
        for (_, s) in order {
            for inst in s.state.values().rev() {
                if let Some(p) = builtin_in(&inst.provider, &env)
                    && let Err(d) = p.destroy(&inst.ty, &inst.value)
                {
                    diags.push(d);
                }
            }
        }
        diags
    }
}

/// Whether an `expect_failures` entry names a checkable (a resource entry
/// covers its instances).
pub fn matches_checkable(expected: &str, checkable: &str) -> bool {
    expected == checkable
        || checkable.starts_with(&format!("{expected}["))
        || expected.split('[').next() == Some(checkable)
}

/// Check block failures (and checks still unknown at plan) are errors in
/// a test run.
fn upgrade_checks(diags: Diagnostics) -> Diagnostics {
    diags
        .into_iter()
        .map(|mut d| {
            if matches!(
                d.summary.as_str(),
                "Check block assertion failed" | "Check block assertion known after apply"
            ) {
                d.severity = Severity::Error;
            }
            d
        })
        .collect()
}

/// An error diagnostic that makes a run an error (a failed assertion
/// makes it a failure instead).
fn is_run_error(d: &Diagnostic) -> bool {
    d.is_error() && d.summary != "Test assertion failed"
}

/// Terraform's warning for objects a `removed` block forgets.
fn forgotten_warning(addrs: &[String]) -> Diagnostic {
    let list: String = addrs.iter().map(|a| format!("\n - {a}")).collect();
    Diagnostic::warning(
        "Some objects will no longer be managed by Terraform",
        format!(
            "If you apply this plan, Terraform will discard its tracking information for the following objects, but it will not delete them:{list}\n\nAfter applying this plan, Terraform will no longer manage these objects. You will need to import them into Terraform to manage them again."
        ),
    )
}

/// Provisioners never run here: the engine runs no commands (the modules
/// it tests may come from anyone). Said once a run, naming the first
/// provisioner, rather than passed over in silence.
fn provisioners_warning(module: &crate::tftest::config::Module) -> Option<Diagnostic> {
    let (r, p) = module
        .resources
        .values()
        .find_map(|r| r.block.body.blocks_of("provisioner").next().map(|p| (r, p)))?;
    Some(
        Diagnostic::warning(
            "Provisioners do not run in the test engine",
            format!(
                "{} has a {:?} provisioner. The test engine runs no commands, so what provisioners do, and whether they fail, is not tested here; run `terraform test` for that.",
                r.address(),
                p.labels.first().map(String::as_str).unwrap_or("")
            ),
        )
        .at(p.header.clone()),
    )
}
