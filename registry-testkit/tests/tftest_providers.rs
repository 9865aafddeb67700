//! The in-process utility providers (random, time, tls, local) through
//! the whole engine: a module using them and its test files, run with
//! `run_suite`, with the verdicts Terraform gives.
#![cfg(feature = "engine")]

use std::path::Path;
use std::sync::Mutex;

use registry_testkit::tftest::runner::{Status, TestOptions, run_suite};

/// The suites of this file run one at a time: each checks the scratch
/// folders of the process are left empty.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tftest/providers")
        .join(name)
}

/// Files named `manifest.txt` left in this process's scratch folders.
fn leftover_manifests() -> Vec<std::path::PathBuf> {
    let prefix = format!("registry-testkit-tftest-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path().join("out/manifest.txt"))
        .filter(|p| p.exists())
        .collect()
}

#[test]
fn utility_providers_run_unmocked() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let root = fixture("utility");
    let suite = run_suite(&root, &TestOptions::default());
    assert!(suite.diagnostics.is_empty(), "{:#?}", suite.diagnostics);
    let runs: Vec<(String, String, Status)> = suite
        .files
        .iter()
        .flat_map(|f| {
            f.runs
                .iter()
                .map(move |r| (f.name.clone(), r.name.clone(), r.status))
        })
        .collect();
    let status = |file: &str, run: &str| {
        runs.iter()
            .find(|(f, r, _)| f.ends_with(file) && r == run)
            .map(|(_, _, s)| *s)
            .unwrap_or_else(|| panic!("no run {run} in {file}: {runs:?}"))
    };
    let diags = |file: &str, run: &str| -> Vec<String> {
        suite
            .files
            .iter()
            .filter(|f| f.name.ends_with(file))
            .flat_map(|f| f.runs.iter().filter(|r| r.name == run))
            .flat_map(|r| r.diagnostics.iter())
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect()
    };
    assert_eq!(
        status("a_apply.tftest.hcl", "apply"),
        Status::Pass,
        "{:#?}",
        diags("a_apply.tftest.hcl", "apply")
    );
    assert_eq!(
        status("a_apply.tftest.hcl", "unchanged"),
        Status::Pass,
        "{:#?}",
        diags("a_apply.tftest.hcl", "unchanged")
    );
    assert_eq!(
        status("a_apply.tftest.hcl", "fails_on_purpose"),
        Status::Fail
    );
    assert!(
        diags("a_apply.tftest.hcl", "fails_on_purpose")
            .iter()
            .any(|d| d.contains("The name is random.")),
        "{:#?}",
        diags("a_apply.tftest.hcl", "fails_on_purpose")
    );
    assert_eq!(
        status("b_plan.tftest.hcl", "unknown_at_plan"),
        Status::Error
    );
    assert!(
        diags("b_plan.tftest.hcl", "unknown_at_plan")
            .iter()
            .any(|d| d.starts_with("Unknown condition value")),
        "{:#?}",
        diags("b_plan.tftest.hcl", "unknown_at_plan")
    );
    for f in &suite.files {
        assert!(f.teardown.is_empty(), "{}: {:#?}", f.name, f.teardown);
    }
    // The file was written in a scratch folder, never in the module, and
    // the teardown deleted it.
    assert!(!root.join("out").exists());
    assert_eq!(leftover_manifests(), Vec::<std::path::PathBuf>::new());
}

#[test]
fn the_same_seed_gives_the_same_names() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let root = fixture("utility");
    let name = |seed: u64| {
        let opts = TestOptions {
            seed,
            filters: vec!["tests/a_apply.tftest.hcl".into()],
            ..TestOptions::default()
        };
        let suite = run_suite(&root, &opts);
        let r = &suite.files[0].runs[2];
        r.diagnostics
            .iter()
            .flat_map(|d| d.values.iter())
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";")
    };
    let a = name(11);
    assert!(a.contains("random_string.name.result"), "{a}");
    assert_eq!(a, name(11));
    assert_ne!(a, name(12));
}
