//! The engine against a corpus of small suites whose expected output was
//! recorded from Terraform 1.11.4 (`tests/fixtures/tftest/suites`, see its
//! README): each suite folder is a module with test files, optional `args`
//! (one Terraform CLI argument a line) and `env` (`KEY=VALUE` lines), and
//! `expected/{stdout.txt,stderr.txt,rc}` (plus `junit.xml` for some).
//!
//! `engine_matches_recorded_output` runs every suite in-process and reports
//! every mismatch at once. `terraform_still_matches_recorded_output` re-runs
//! the real Terraform on the recorded suites when
//! `REGISTRY_TEST_TERRAFORM_TEST` names a `terraform` >= 1.7 binary.
#![cfg(feature = "engine")]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use registry_testkit::tftest::report::{HumanOptions, Stream, human, junit_xml};
use registry_testkit::tftest::runner::{CliVar, TestOptions, run_suite};

/// Suites whose expectation was written by hand (Terraform could not run
/// them here: they need the AWS provider) carry this name prefix.
const HANDWRITTEN_PREFIX: &str = "handwritten_";

fn suites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tftest/suites")
}

/// Every suite folder, by name.
fn suites() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(suites_dir())
        .expect("the suites folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("expected").is_dir())
        .map(|e| (e.file_name().to_string_lossy().to_string(), e.path()))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no suites found in {:?}", suites_dir());
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The non-empty lines of an optional file.
fn lines_of(path: &Path) -> Vec<String> {
    if !path.is_file() {
        return Vec::new();
    }
    read(path)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The suite's Terraform CLI arguments (`args`).
fn cli_args(suite: &Path) -> Vec<String> {
    lines_of(&suite.join("args"))
}

/// The suite's environment (`env`).
fn env_vars(suite: &Path) -> BTreeMap<String, String> {
    lines_of(&suite.join("env"))
        .into_iter()
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("env line without '=': {l}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The arguments and environment as our engine's options.
fn options(suite: &Path) -> TestOptions {
    let mut opts = TestOptions {
        env: env_vars(suite),
        ..TestOptions::default()
    };
    for arg in cli_args(suite) {
        if let Some(v) = arg.strip_prefix("-var=") {
            let (name, value) = v
                .split_once('=')
                .unwrap_or_else(|| panic!("-var without '=': {arg}"));
            opts.vars
                .push(CliVar::Value(name.to_string(), value.to_string()));
        } else if let Some(f) = arg.strip_prefix("-var-file=") {
            opts.vars.push(CliVar::File(PathBuf::from(f)));
        } else if let Some(f) = arg.strip_prefix("-filter=") {
            opts.filters.push(f.to_string());
        } else if let Some(d) = arg.strip_prefix("-test-directory=") {
            opts.test_directory = d.to_string();
        } else {
            panic!("unsupported argument in {}/args: {arg}", suite.display());
        }
    }
    opts
}

/// Timings and timestamps out of a JUnit document.
fn junit_normalised(xml: &str) -> String {
    let re = regex::Regex::new(r#" time="[^"]*" timestamp="[^"]*""#).unwrap();
    re.replace_all(xml, "").into_owned()
}

/// A line diff (`-` expected, `+` actual), from a longest common
/// subsequence; only the changed lines with two lines of context.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = actual.split_inclusive('\n').collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // (tag, line) in order.
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    let near_change = |k: usize| {
        let lo = k.saturating_sub(2);
        let hi = (k + 2).min(ops.len() - 1);
        (lo..=hi).any(|x| ops[x].0 != ' ')
    };
    let mut out = String::new();
    let mut skipped = false;
    for (k, (tag, line)) in ops.iter().enumerate() {
        if *tag == ' ' && !near_change(k) {
            if !skipped {
                out.push_str("    ...\n");
                skipped = true;
            }
            continue;
        }
        skipped = false;
        let shown = line.strip_suffix('\n').unwrap_or(line);
        let eol = if line.ends_with('\n') {
            ""
        } else {
            "  (no newline at end)"
        };
        let _ = writeln!(out, "  {tag} {shown}{eol}");
    }
    out
}

/// Compare one output with its expected file; describe a mismatch.
fn check(problems: &mut Vec<String>, what: &str, expected: &str, actual: &str) {
    if expected != actual {
        problems.push(format!("{what} differs:\n{}", diff(expected, actual)));
    }
}

fn expected_rc(suite: &Path) -> i32 {
    read(&suite.join("expected/rc"))
        .trim()
        .parse()
        .expect("expected/rc holds an exit code")
}

/// The engine's stdout, stderr, exit code and JUnit XML for a suite.
fn run_engine(suite: &Path) -> (String, String, i32, String) {
    let result = run_suite(suite, &options(suite));
    let (mut stdout, mut stderr) = (String::new(), String::new());
    for (stream, text) in human(&result, &HumanOptions::default()) {
        match stream {
            Stream::Stdout => stdout.push_str(&text),
            Stream::Stderr => stderr.push_str(&text),
        }
    }
    (stdout, stderr, result.exit_code(), junit_xml(&result))
}

/// Suites the engine does not match yet, from `suites/KNOWN_DIFFERENCES`
/// (one name per line, `#` comments): a ratchet that only shrinks. A
/// listed suite that matches fails the test until it is taken off.
fn known_differences() -> BTreeMap<String, String> {
    let text = read(&suites_dir().join("KNOWN_DIFFERENCES"));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((name, why)) => (name.to_string(), why.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[test]
fn engine_matches_recorded_output() {
    let mut failures = Vec::new();
    let known = known_differences();
    let mut known_seen = 0;
    let all = suites();
    for name in known.keys() {
        assert!(
            all.iter().any(|(n, _)| n == name),
            "KNOWN_DIFFERENCES names {name}, which is not a suite"
        );
    }
    for (name, dir) in &all {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_engine(dir)));
        let mut problems = Vec::new();
        match outcome {
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                problems.push(format!("the engine panicked: {msg}"));
            }
            Ok((stdout, stderr, rc, junit)) => {
                check(
                    &mut problems,
                    "stdout",
                    &read(&dir.join("expected/stdout.txt")),
                    &stdout,
                );
                check(
                    &mut problems,
                    "stderr",
                    &read(&dir.join("expected/stderr.txt")),
                    &stderr,
                );
                let want = expected_rc(dir);
                if rc != want {
                    problems.push(format!("exit code: terraform {want}, ours {rc}"));
                }
                let junit_file = dir.join("expected/junit.xml");
                if junit_file.is_file() {
                    check(
                        &mut problems,
                        "junit.xml (timings removed)",
                        &junit_normalised(&read(&junit_file)),
                        &junit_normalised(&junit),
                    );
                }
            }
        }
        match (problems.is_empty(), known.get(name)) {
            (true, None) => println!("ok       {name}"),
            (true, Some(_)) => failures.push(format!(
                "=== suite {name} now matches Terraform: take it off KNOWN_DIFFERENCES"
            )),
            (false, Some(why)) => {
                known_seen += 1;
                println!("KNOWN    {name}: {why}\n{}", problems.join("\n"));
            }
            (false, None) => {
                println!("MISMATCH {name}");
                failures.push(format!("=== suite {name}\n{}", problems.join("\n")));
            }
        }
    }
    println!(
        "{} of {} suites match Terraform; {known_seen} known differences",
        all.len() - known_seen,
        all.len()
    );
    if !failures.is_empty() {
        panic!(
            "{} of {} suites differ from Terraform (- terraform, + ours):\n\n{}",
            failures.len(),
            all.len(),
            failures.join("\n")
        );
    }
}

/// Copy a suite's module (not its `expected`, `args` or `env`) to `to`.
fn copy_module(from: &Path, to: &Path, top: bool) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().filter_map(|e| e.ok()) {
        let name = e.file_name();
        let n = name.to_string_lossy();
        if top && matches!(n.as_ref(), "expected" | "args" | "env") {
            continue;
        }
        if n == ".terraform" || n == ".terraform.lock.hcl" {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if e.file_type().unwrap().is_dir() {
            copy_module(&src, &dst, false);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// A Terraform command with a clean environment: no `TF_*` from the
/// caller, no CLI configuration file.
fn terraform(bin: &str, dir: &Path) -> Command {
    let mut c = Command::new(bin);
    c.current_dir(dir);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("TF_") {
            c.env_remove(&k);
        }
    }
    c.env("TF_CLI_CONFIG_FILE", "/dev/null");
    c.env("CHECKPOINT_DISABLE", "1");
    c
}

/// `terraform version -json`'s version, as (major, minor).
fn terraform_version(bin: &str) -> Result<(u64, u64), String> {
    let out = Command::new(bin)
        .args(["version", "-json"])
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .map_err(|e| format!("running {bin}: {e}"))?;
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("{bin} version -json: {e}"))?;
    let text = v["terraform_version"]
        .as_str()
        .ok_or_else(|| format!("{bin} version -json has no terraform_version"))?;
    let mut parts = text.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    Ok((parts.next().unwrap_or(0), parts.next().unwrap_or(0)))
}

#[test]
fn terraform_still_matches_recorded_output() {
    let bin = match std::env::var("REGISTRY_TEST_TERRAFORM_TEST") {
        Ok(b) if !b.trim().is_empty() => b,
        _ => {
            println!("SKIPPED: REGISTRY_TEST_TERRAFORM_TEST unset (a terraform >= 1.7 binary)");
            return;
        }
    };
    let version = terraform_version(&bin).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        version >= (1, 7),
        "{bin} is terraform {}.{}; these suites need >= 1.7",
        version.0,
        version.1
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, dir) in suites() {
        if name.starts_with(HANDWRITTEN_PREFIX) {
            println!("skip     {name} (hand-written)");
            continue;
        }
        checked += 1;
        let tmp = tempfile::tempdir().unwrap();
        let work = tmp.path().join(&name);
        copy_module(&dir, &work, true);
        let init = terraform(&bin, &work)
            .args(["init", "-backend=false", "-no-color", "-input=false"])
            .output()
            .unwrap();
        let mut problems = Vec::new();
        // A module that does not load fails init too; the test command
        // then reports the same problem, which is what we compare.
        let args = cli_args(&dir);
        let envs = env_vars(&dir);
        let out = terraform(&bin, &work)
            .arg("test")
            .arg("-no-color")
            .args(&args)
            .envs(&envs)
            .output()
            .unwrap();
        check(
            &mut problems,
            "stdout",
            &read(&dir.join("expected/stdout.txt")),
            &String::from_utf8_lossy(&out.stdout),
        );
        check(
            &mut problems,
            "stderr",
            &read(&dir.join("expected/stderr.txt")),
            &String::from_utf8_lossy(&out.stderr),
        );
        let rc = out.status.code().unwrap_or(-1);
        let want = expected_rc(&dir);
        if rc != want {
            problems.push(format!("exit code: recorded {want}, now {rc}"));
        }
        let junit_file = dir.join("expected/junit.xml");
        if junit_file.is_file() {
            let xml = tmp.path().join("junit.xml");
            let _ = terraform(&bin, &work)
                .arg("test")
                .arg("-no-color")
                .arg(format!("-junit-xml={}", xml.display()))
                .args(&args)
                .envs(&envs)
                .output()
                .unwrap();
            let got = std::fs::read_to_string(&xml).unwrap_or_default();
            check(
                &mut problems,
                "junit.xml (timings removed)",
                &junit_normalised(&read(&junit_file)),
                &junit_normalised(&got),
            );
        }
        if problems.is_empty() {
            println!("ok       {name}");
        } else {
            println!("MISMATCH {name}");
            if !init.status.success() {
                problems.push(format!(
                    "(terraform init failed: {})",
                    String::from_utf8_lossy(&init.stderr).trim()
                ));
            }
            failures.push(format!("=== suite {name}\n{}", problems.join("\n")));
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {checked} recorded suites now differ from {bin}'s output (- recorded, + now):\n\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
