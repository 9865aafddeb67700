//! Running a module's test files as `terraform test` does: discovery,
//! files in name order with fresh state each, runs in file order, state
//! shared per state key, `run.<name>` outputs, expected failures, and
//! teardown; an error skips the rest of its file.

mod inputs;
mod providers;
pub mod result;
mod run;
pub mod vars;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

pub use result::{FileResult, RunResult, Status, SuiteResult};
pub use vars::CliVar;

use crate::tftest::config::Module;
use crate::tftest::diag::{Diagnostic, has_errors};
use crate::tftest::engine::{Node, State};
use crate::tftest::eval::references;
use crate::tftest::providers::Schemas;
use crate::tftest::providers::mock::Referenced;
use crate::tftest::testfile::{OverrideKind, TestFile};

/// How to run.
#[derive(Debug, Clone)]
pub struct TestOptions {
    /// The test directory, relative to the module root (`tests`).
    pub test_directory: String,
    /// Only these files (paths relative to the root, as `-filter`).
    pub filters: Vec<String>,
    /// `-var` and `-var-file`, in command-line order.
    pub vars: Vec<CliVar>,
    /// The environment (`TF_VAR_*` are read from it).
    pub env: BTreeMap<String, String>,
    /// Extra provider schemas (`terraform providers schema -json` texts).
    pub provider_schemas: Vec<String>,
    /// Seed of generated values (the same seed gives the same values).
    pub seed: u64,
    /// The most time one run may take.
    pub run_timeout: Duration,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            test_directory: "tests".into(),
            filters: Vec::new(),
            vars: Vec::new(),
            env: BTreeMap::new(),
            provider_schemas: Vec::new(),
            seed: 0x7e57,
            run_timeout: Duration::from_secs(30),
        }
    }
}

/// The test files of a module: `*.tftest.hcl` / `*.tftest.json` in the
/// root and in the test directory (not below), in byte order of their
/// relative paths, narrowed to `filters` when given.
pub fn discover(root: &Path, test_dir: &str, filters: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let dirs = [
        ("".to_string(), root.to_path_buf()),
        (
            test_dir.trim_end_matches('/').to_string(),
            root.join(test_dir),
        ),
    ];
    for (prefix, dir) in dirs {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.filter_map(|e| e.ok()) {
            if !e.file_type().map(|t| t.is_file()).unwrap_or(false) {
                continue;
            }
            let n = e.file_name().to_string_lossy().to_string();
            if n.ends_with(".tftest.hcl") || n.ends_with(".tftest.json") {
                out.push(if prefix.is_empty() {
                    n
                } else {
                    format!("{prefix}/{n}")
                });
            }
        }
    }
    out.sort();
    out.dedup();
    if !filters.is_empty() {
        out.retain(|f| filters.iter().any(|x| x == f));
    }
    out
}

/// Attributes each resource type is referred to by, in the module, its
/// local child modules and the test files (what a schema-less mock must
/// generate).
fn referenced(module: &Module, files: &[TestFile]) -> Referenced {
    let mut out: Referenced = BTreeMap::new();
    let mut add = |e: &hcl_edit::expr::Expression| {
        for r in references(e) {
            let attr = match r.attrs.get(1) {
                Some(a) => Some(a.clone()),
                None => r.after_index.clone(),
            };
            if let (Some(_name), Some(attr)) = (r.attrs.first(), attr)
                && !matches!(
                    r.root.as_str(),
                    "var"
                        | "local"
                        | "module"
                        | "data"
                        | "run"
                        | "output"
                        | "path"
                        | "each"
                        | "count"
                        | "self"
                        | "terraform"
                        | "check"
                )
            {
                out.entry(r.root.clone()).or_default().insert(attr);
            }
            if r.root == "data"
                && let (Some(ty), Some(attr)) = (
                    r.attrs.first(),
                    r.attrs.get(2).cloned().or(r.after_index.clone()),
                )
            {
                out.entry(ty.clone()).or_default().insert(attr);
            }
        }
    };
    let walk_body = |b: &crate::tftest::config::body::Body,
                     add: &mut dyn FnMut(&hcl_edit::expr::Expression)| {
        fn walk(
            b: &crate::tftest::config::body::Body,
            add: &mut dyn FnMut(&hcl_edit::expr::Expression),
        ) {
            for a in b.attrs.values() {
                add(&a.expr.expr);
            }
            for blk in &b.blocks {
                walk(&blk.body, add);
            }
        }
        walk(b, add);
    };
    let all = |m: &Module, add: &mut dyn FnMut(&hcl_edit::expr::Expression)| {
        for r in m.resources.values() {
            walk_body(&r.block.body, add);
        }
        for l in m.locals.values() {
            add(&l.expr.expr);
        }
        for o in m.outputs.values() {
            if let Some(v) = &o.value {
                add(&v.expr);
            }
            for p in &o.preconditions {
                add(&p.condition.expr);
            }
        }
        for c in m.calls.values() {
            walk_body(&c.block.body, add);
        }
        for c in m.checks.values() {
            walk_body(&c.block.body, add);
        }
    };
    all(module, &mut add);
    for f in files {
        for r in &f.runs {
            for a in &r.asserts {
                add(&a.condition.expr);
                add(&a.error_message.expr);
            }
            for v in r.variables.values() {
                add(&v.expr.expr);
            }
        }
    }
    out
}

/// A state shared by the runs with one state key.
#[derive(Debug, Clone, Default)]
struct KeyedState {
    state: State,
    /// The last run that changed it, and the module and inputs it ran with.
    last: Option<(usize, Arc<Module>)>,
}

/// Run every test file of the module in `root`.
pub fn run_suite(root: &Path, opts: &TestOptions) -> SuiteResult {
    let started = Utc::now();
    let clock = Instant::now();
    let mut suite = SuiteResult {
        files: Vec::new(),
        diagnostics: Vec::new(),
        started,
        elapsed: Duration::ZERO,
        schemaless_mocks: BTreeSet::new(),
    };
    let schemas = match Schemas::with_extra(&opts.provider_schemas) {
        Ok(s) => s,
        Err(e) => {
            suite
                .diagnostics
                .push(Diagnostic::error("Invalid provider schema", e));
            return suite;
        }
    };
    let module = Arc::new(Module::load(root, ""));
    if has_errors(&module.diagnostics) {
        suite.diagnostics.extend(module.diagnostics.iter().cloned());
        suite.elapsed = clock.elapsed();
        return suite;
    }
    let names = discover(root, &opts.test_directory, &opts.filters);
    let files: Vec<TestFile> = names
        .iter()
        .map(|n| {
            let text = std::fs::read_to_string(root.join(n)).unwrap_or_default();
            TestFile::parse(n, &text, root)
        })
        .collect();
    // Load errors in any file stop the whole command, as in Terraform.
    let load_errors: Vec<Diagnostic> = files
        .iter()
        .flat_map(|f| f.diagnostics.iter().filter(|d| d.is_error()).cloned())
        .collect();
    if !load_errors.is_empty() {
        suite.diagnostics.extend(load_errors);
        suite.elapsed = clock.elapsed();
        return suite;
    }
    let globals = match vars::Globals::gather(root, &opts.test_directory, &opts.env, &opts.vars) {
        Ok(g) => g,
        Err(d) => {
            suite.diagnostics.push(d);
            suite.elapsed = clock.elapsed();
            return suite;
        }
    };
    let refs = Arc::new(referenced(&module, &files));
    let run_file = |fi: usize| {
        run::FileRunner {
            root,
            module: module.clone(),
            file: &files[fi],
            opts,
            schemas: &schemas,
            globals: &globals,
            referenced: refs.clone(),
            seed: opts.seed.wrapping_add(fi as u64 * 7919),
        }
        .run()
    };
    for (result, schemaless) in in_parallel(files.len(), run_file) {
        suite.schemaless_mocks.extend(schemaless);
        suite.files.push(result);
    }
    suite.elapsed = clock.elapsed();
    suite
}

/// The stack of a thread that runs test files: deep expressions recurse.
const FILE_THREAD_STACK: usize = 32 << 20;

/// `job(0..n)` spread over the machine's cores, results in index order.
/// Files are independent (each has its own state, as in Terraform), so
/// their order of running changes nothing but the time taken.
fn in_parallel<T: Send>(n: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1)
        .min(n);
    if workers <= 1 {
        return (0..n).map(job).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<T>>> =
        (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let work = || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let out = job(i);
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(out);
                }
            };
            std::thread::Builder::new()
                .name("tftest-file".into())
                .stack_size(FILE_THREAD_STACK)
                .spawn_scoped(s, work)
                .expect("a thread for test files");
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every file ran")
        })
        .collect()
}

/// Warnings for override targets that exist nowhere in the configuration.
fn override_target_warnings(file: &TestFile, module: &Module) -> Vec<Diagnostic> {
    let exists = |target: &str, kind: OverrideKind| -> bool {
        let base = target.split('[').next().unwrap_or(target);
        match kind {
            OverrideKind::Module => module
                .calls
                .contains_key(base.trim_start_matches("module.")),
            _ => {
                if base.starts_with("module.") {
                    return true;
                }
                module.resources.contains_key(base)
            }
        }
    };
    let mut out = Vec::new();
    let all = file
        .overrides
        .iter()
        .chain(file.runs.iter().flat_map(|r| r.overrides.iter()))
        .chain(file.providers.values().flat_map(|p| p.overrides.iter()));
    for o in all {
        if !exists(&o.target, o.kind) {
            out.push(
                Diagnostic::warning(
                    "Invalid override target",
                    format!(
                        "The override target {} does not exist within the configuration under test. This could indicate a typo in the target address or an unnecessary override.",
                        o.target
                    ),
                )
                .at(o.target_range.clone()),
            );
        }
    }
    let _ = Node::Var(String::new());
    out
}
