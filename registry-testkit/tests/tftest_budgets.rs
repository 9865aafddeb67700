//! Modules from strangers stay within the engine's budgets: a run that
//! takes too long, makes too many instances, nests modules too deeply or
//! builds values too large ends in an error naming the budget (the rest
//! of its file is skipped, as after any error) and the next file runs.
#![cfg(feature = "engine")]

use std::path::Path;
use std::time::{Duration, Instant};

use registry_testkit::tftest::runner::{Status, SuiteResult, TestOptions, run_suite};

fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn suite(files: &[(&str, &str)], opts: &TestOptions) -> SuiteResult {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    run_suite(dir.path(), opts)
}

/// The run's status and the summaries of its error diagnostics.
fn run_errors(result: &SuiteResult, run: usize) -> (Status, Vec<String>) {
    let r = &result.files[0].runs[run];
    let errors = r
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.summary.clone())
        .collect();

    (r.status, errors)
}

const AFTER: &str = r#"
run "after" {
  command = plan
  variables {
    n = 1
  }
  assert {
    condition     = length(terraform_data.each) == 1
    error_message = "the run after a budget breach still runs"
  }
}
"#;

#[test]
fn too_many_instances_is_an_error_naming_the_budget() {
    let main = r#"
variable "n" {
  type = number
}
resource "terraform_data" "each" {
  count = var.n
}
"#;
    let tests = r#"
run "huge" {
  command = plan
  variables {
    n = 200000
  }
}
"#;
    let result = suite(
        &[
            ("main.tf", main),
            ("tests/t.tftest.hcl", tests),
            ("tests/z.tftest.hcl", AFTER),
        ],
        &TestOptions::default(),
    );
    let (status, errors) = run_errors(&result, 0);
    assert_eq!(status, Status::Error);
    assert!(
        errors.iter().any(|s| s == "Instance budget exceeded"),
        "{errors:?}"
    );
    assert_eq!(result.files[1].runs[0].status, Status::Pass);
}

#[test]
fn a_module_calling_itself_stops_at_the_depth_budget() {
    let main = r#"
variable "n" {
  type    = number
  default = 1
}
resource "terraform_data" "each" {
  count = var.n
}
module "again" {
  source = "./"
}
"#;
    let tests = r#"
run "recursive" {
  command = plan
}
"#;
    let started = Instant::now();
    let result = suite(
        &[("main.tf", main), ("tests/t.tftest.hcl", tests)],
        &TestOptions::default(),
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    let all: Vec<String> = result
        .diagnostics
        .iter()
        .chain(result.files.iter().flat_map(|f| {
            f.diagnostics
                .iter()
                .chain(f.runs.iter().flat_map(|r| r.diagnostics.iter()))
        }))
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect();
    assert!(
        all.iter()
            .any(|s| s.starts_with("Module depth budget exceeded")),
        "{all:?}"
    );
}

#[test]
fn a_run_past_its_time_budget_is_stopped() {
    // About 10^9 steps: minutes at least, were it not stopped.
    let main = r#"
variable "n" {
  type = number
}
locals {
  big = [for i in range(var.n > 1 ? 1000 : 1) : length([for j in range(var.n > 1 ? 1000 : 1) : length([for k in range(var.n > 1 ? 1000 : 1) : k])])]
}
resource "terraform_data" "each" {
  count = var.n
  input = length(local.big)
}
"#;
    let tests = r#"
run "slow" {
  command = plan
  variables {
    n = 2
  }
}
"#;
    let opts = TestOptions {
        run_timeout: Duration::from_millis(1000),
        ..TestOptions::default()
    };
    let started = Instant::now();
    let result = suite(
        &[
            ("main.tf", main),
            ("tests/t.tftest.hcl", tests),
            ("tests/z.tftest.hcl", AFTER),
        ],
        &opts,
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let (status, errors) = run_errors(&result, 0);
    assert_eq!(status, Status::Error);
    assert!(
        errors.iter().any(|s| s == "Run time budget exceeded"),
        "{errors:?}"
    );
    assert_eq!(result.files[1].runs[0].status, Status::Pass);
}

#[test]
fn a_string_past_the_size_budget_is_an_error_even_inside_try() {
    let main = r#"
variable "n" {
  type = number
}
locals {
  huge = try(join("", [for i in range(var.n > 1 ? 1000 : 1) : format("%020000d", i)]), "swallowed")
}
resource "terraform_data" "each" {
  count = var.n
  input = local.huge
}
"#;
    let tests = r#"
run "huge_string" {
  command = plan
  variables {
    n = 2
  }
}
"#;
    let result = suite(
        &[
            ("main.tf", main),
            ("tests/t.tftest.hcl", tests),
            ("tests/z.tftest.hcl", AFTER),
        ],
        &TestOptions::default(),
    );
    let (status, errors) = run_errors(&result, 0);
    assert_eq!(status, Status::Error, "{errors:?}");
    assert!(
        errors.iter().any(|s| s == "Value size budget exceeded"),
        "{errors:?}"
    );
    assert_eq!(result.files[1].runs[0].status, Status::Pass);
}

#[test]
fn values_a_run_keeps_past_the_memory_budget_are_an_error() {
    // Twenty locals of 15 MB each: every one is within the value budgets,
    // together they pass the run's 256 MiB.
    let locals: String = (0..20)
        .map(|i| {
            format!(
                "  l{i} = join(\"\", [for i in range(var.n > 1 ? 15 : 1) : format(\"%01000000d\", i)])\n"
            )
        })
        .collect();
    let main = format!(
        "variable \"n\" {{\n  type = number\n}}\nlocals {{\n{locals}}}\nresource \"terraform_data\" \"each\" {{\n  count = var.n\n}}\n"
    );
    let tests = r#"
run "hoard" {
  command = plan
  variables {
    n = 2
  }
}
"#;
    let result = suite(
        &[
            ("main.tf", &main),
            ("tests/t.tftest.hcl", tests),
            ("tests/z.tftest.hcl", AFTER),
        ],
        &TestOptions::default(),
    );
    let (status, errors) = run_errors(&result, 0);
    assert_eq!(status, Status::Error, "{errors:?}");
    assert!(
        errors.iter().any(|s| s == "Memory budget exceeded"),
        "{errors:?}"
    );
    // The next file runs as usual.
    assert_eq!(
        result.files[1].runs[0].status,
        Status::Pass,
        "{:?}",
        run_errors(&result, 1)
    );
}
