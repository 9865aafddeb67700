//! `registry test` and `registry validate` as a user runs them: the
//! example modules, failing suites, every report flag, exit codes, and
//! `--published` fetching a version from a running server.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::Served;

fn registry(args: &[&str], cwd: Option<&Path>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_registry"));
    c.args(args)
        .env_remove("REGISTRY_TOKEN")
        .env_remove("REGISTRY_DATA_DIR")
        // A CI job that publishes exports this; `registry test` must not follow it.
        .env("REGISTRY_SERVER", "https://127.0.0.1:9/unreachable");
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    c.output().expect("run registry")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn greeting() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/modules/greeting/v1.1.0")
}

const FAILING_MODULE: &str = r#"variable "n" {
  type = number
}

output "double" {
  value = var.n * 2
}
"#;

const FAILING_TESTS: &str = r#"run "right" {
  variables {
    n = 2
  }
  assert {
    condition     = output.double == 4
    error_message = "2 doubled is 4"
  }
}

run "wrong" {
  variables {
    n = 3
  }
  assert {
    condition     = output.double == 7
    error_message = "3 doubled is not 7"
  }
}
"#;

fn failing_module(dir: &Path) {
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(dir.join("main.tf"), FAILING_MODULE).unwrap();
    std::fs::write(dir.join("tests/double.tftest.hcl"), FAILING_TESTS).unwrap();
}

#[test]
fn the_example_module_passes_from_its_folder_and_by_path() {
    let by_path = registry(&["test", greeting().to_str().unwrap(), "--no-color"], None);
    assert_eq!(by_path.status.code(), Some(0), "{}", text(&by_path.stderr));
    let out = text(&by_path.stdout);
    assert!(out.contains("run \"shouts_when_asked\"... pass"), "{out}");
    assert!(out.ends_with("Success! 4 passed, 0 failed.\n"), "{out}");
    // The default folder is the current one.
    let here = registry(&["test", "--no-color"], Some(&greeting()));
    assert_eq!(here.status.code(), Some(0));
    assert_eq!(text(&here.stdout), out);
}

#[test]
fn a_failing_suite_exits_1_and_every_report_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    failing_module(&dir);
    let junit = tmp.path().join("junit.xml");
    let md = tmp.path().join("summary.md");
    let out = registry(
        &[
            "test",
            dir.to_str().unwrap(),
            "--no-color",
            "--github",
            "--junit-xml",
            junit.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("run \"right\"... pass"), "{stdout}");
    assert!(stdout.contains("run \"wrong\"... fail"), "{stdout}");
    assert!(stdout.contains("Failure! 1 passed, 1 failed."), "{stdout}");
    assert!(
        stdout.contains("::error file=tests/double.tftest.hcl,line=16"),
        "annotation on the failing line: {stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Error: Test assertion failed"), "{stderr}");
    assert!(stderr.contains("3 doubled is not 7"), "{stderr}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"tests/double.tftest.hcl\" tests=\"2\" skipped=\"0\" failures=\"1\" errors=\"0\">"), "{xml}");
    assert!(
        xml.contains("<failure message=\"1 of 1 assertions failed: 3 doubled is not 7\">"),
        "{xml}"
    );
    let summary = std::fs::read_to_string(&md).unwrap();
    assert!(
        summary.contains("| `tests/double.tftest.hcl` | `wrong` |"),
        "{summary}"
    );

    // The JSON stream: one message per line, Terraform's types, our version named.
    let json = registry(&["test", dir.to_str().unwrap(), "--json"], None);
    assert_eq!(json.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines[0]["type"], "version");
    assert!(lines[0]["registry"].is_string());
    assert_eq!(lines[0]["terraform"], "1.11.4");
    let types: Vec<&str> = lines.iter().filter_map(|l| l["type"].as_str()).collect();
    for t in [
        "test_abstract",
        "test_file",
        "test_run",
        "diagnostic",
        "test_summary",
    ] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    let summary = lines.last().unwrap();
    assert_eq!(summary["test_summary"]["status"], "fail");
    assert_eq!(summary["test_summary"]["passed"], 1);
    assert_eq!(summary["test_summary"]["failed"], 1);
}

#[test]
fn variables_and_filters_follow_terraform() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "variable \"who\" {\n  type = string\n}\n\noutput \"hi\" {\n  value = \"hi ${var.who}\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tests/a.tftest.hcl"),
        "run \"a\" {\n  assert {\n    condition     = output.hi == \"hi cli\"\n    error_message = output.hi\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tests/b.tftest.hcl"),
        "run \"b\" {\n  command = plan\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("file.tfvars"), "who = \"file\"\n").unwrap();
    let d = dir.to_str().unwrap();
    // A later --var wins over an earlier --var-file, and the other way round.
    let out = registry(
        &[
            "test",
            d,
            "--var-file",
            "file.tfvars",
            "--var",
            "who=cli",
            "--filter",
            "tests/a.tftest.hcl",
            "--no-color",
        ],
        Some(&dir),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        !text(&out.stdout).contains("tests/b.tftest.hcl"),
        "filtered out"
    );
    let out = registry(
        &[
            "test",
            d,
            "--var",
            "who=cli",
            "--var-file",
            "file.tfvars",
            "--filter",
            "tests/a.tftest.hcl",
            "--no-color",
        ],
        Some(&dir),
    );
    assert_eq!(out.status.code(), Some(1), "the file's value came last");
    // TF_VAR_ is read, below --var.
    let mut c = Command::new(env!("CARGO_BIN_EXE_registry"));
    let out = c
        .args(["test", d, "--filter", "tests/a.tftest.hcl", "--no-color"])
        .env("TF_VAR_who", "cli")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn usage_errors_exit_2() {
    let missing = registry(&["test", "/no/such/module"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("not a module directory"));
    let bad_var = registry(
        &["test", greeting().to_str().unwrap(), "--var", "novalue"],
        None,
    );
    assert_eq!(bad_var.status.code(), Some(2));
    let bad_flag = registry(&["test", "--no-such-flag"], None);
    assert_eq!(bad_flag.status.code(), Some(2));
    let bad_format = registry(&["validate", "--format", "xml"], None);
    assert_eq!(bad_format.status.code(), Some(2));
}

#[test]
fn validate_reports_with_positions_and_fails_at_the_chosen_severity() {
    let clean = registry(&["validate", greeting().to_str().unwrap()], None);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));
    assert!(text(&clean.stdout).contains("0 errors, 0 warnings, 0 infos"));

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "variable \"unused\" {\n  type = string\n}\n\noutput \"x\" {\n  value = var.typo\n}\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let out = registry(&["validate", d], None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("main.tf:6:11: error: reference to undeclared input variable \"typo\" (var.typo) [undeclared-reference]"),
        "{stdout}"
    );
    assert!(stdout.contains("  hint: "), "{stdout}");

    // Warnings alone: 0 by default, 1 with --fail-on warning.
    std::fs::write(
        dir.join("main.tf"),
        "variable \"unused\" {\n  type = string\n}\n",
    )
    .unwrap();
    assert_eq!(registry(&["validate", d], None).status.code(), Some(0));
    let strict = registry(
        &["validate", d, "--fail-on", "warning", "--format", "json"],
        None,
    );
    assert_eq!(strict.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert_eq!(doc["errors"], 0);
    assert!(doc["warnings"].as_u64().unwrap() >= 3, "{doc}");
    let unused = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "unused-declaration")
        .expect("unused variable reported");
    assert_eq!(unused["severity"], "warning");
    assert_eq!(unused["file"], "main.tf");
    assert_eq!(unused["line"], 1);
    let gh = registry(&["validate", d, "--format", "github"], None);
    assert!(
        text(&gh.stdout).contains(&format!(
            "::warning file={d}/main.tf,line=1,col=1,title=unused-declaration::"
        )),
        "{}",
        text(&gh.stdout)
    );
}

#[test]
fn published_versions_are_fetched_checked_and_tested_here() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data = data.to_str().unwrap();
    let migrate = registry(&["migrate", "--data-dir", data], None);
    assert_eq!(migrate.status.code(), Some(0), "{}", text(&migrate.stderr));
    // REGISTRY_SERVER is exported (see `registry`): the explicit --data-dir wins.
    let publish = registry(
        &[
            "publish",
            "example/greeting/null",
            "1.1.0",
            greeting().to_str().unwrap(),
            "--data-dir",
            data,
        ],
        None,
    );
    assert_eq!(publish.status.code(), Some(0), "{}", text(&publish.stderr));
    let server = Served::start(
        Command::new(env!("CARGO_BIN_EXE_registry"))
            .args(["serve", "--data-dir", data, "--listen", "127.0.0.1:0"])
            .env_remove("REGISTRY_SERVER"),
    );
    let url = server.url.clone();
    let out = registry(
        &[
            "test",
            "--published",
            "example/greeting/null/1.1.0",
            "--server",
            &url,
            "--no-color",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("Success! 4 passed, 0 failed."));
    let missing = registry(
        &[
            "test",
            "--published",
            "example/greeting/null/9.9.9",
            "--server",
            &url,
        ],
        None,
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("9.9.9"),
        "{}",
        text(&missing.stderr)
    );
    // --published needs --server, given on the command line.
    let no_server = registry(
        &["test", "--published", "example/greeting/null/1.1.0"],
        None,
    );
    assert_eq!(no_server.status.code(), Some(2));
}
