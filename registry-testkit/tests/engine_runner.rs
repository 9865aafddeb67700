//! The engine behind core's `TestRunner` trait, as the registry calls it on
//! publish: a module version's archive in, core's result out; its mocks and
//! its reports.
#![cfg(feature = "engine")]

use registry_core::testing::TarBuilder;
use registry_core::{ReportFormat, Severity, TestOptions, TestRunner, TestStatus};
use registry_testkit::fixtures::module_from_archive;
use registry_testkit::tftest::test_runner::EngineRunner;

const MAIN: &str = r#"variable "who" {
  type    = string
  default = "default"
}

output "hi" {
  value = "hi ${var.who}"
}
"#;

const TESTS: &str = r#"run "default_name" {
  assert {
    condition     = output.hi == "hi default"
    error_message = "got ${output.hi}"
  }
}

run "from_the_environment" {
  assert {
    condition     = output.hi == "hi env"
    error_message = "TF_VAR_who does not reach tests on the server"
  }
}
"#;

async fn archive_module(files: &[(&str, &str)]) -> registry_core::Module {
    let mut b = TarBuilder::new();
    for (name, text) in files {
        b = b.file(&format!("mod-1.0.0/{name}"), text);
    }
    module_from_archive("acme/greeter/null", "1.0.0", b.finish()).await
}

#[tokio::test]
async fn a_version_runs_from_its_archive_without_the_servers_environment() {
    // SAFETY of the test: set before any thread reads the environment here.
    unsafe { std::env::set_var("TF_VAR_who", "env") };
    let module = archive_module(&[("main.tf", MAIN), ("tests/hi.tftest.hcl", TESTS)]).await;
    let result = EngineRunner::new()
        .run(&module, &TestOptions::default())
        .await
        .unwrap();
    assert_eq!(result.module.to_string(), "acme/greeter/null/1.0.0");
    assert!(
        result.engine.contains("terraform 1.11.4"),
        "{}",
        result.engine
    );
    assert_eq!(result.files.len(), 1);
    let f = &result.files[0];
    assert_eq!(f.path, "tests/hi.tftest.hcl");
    assert_eq!(f.runs[0].status, TestStatus::Passed);
    assert_eq!(
        f.runs[1].status,
        TestStatus::Failed,
        "TF_VAR_ from the server must not apply"
    );
    assert_eq!(f.status, TestStatus::Failed);
    assert!(!result.passed());
    let d = &f.runs[1].diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.summary, "Test assertion failed");
    assert_eq!(d.file.as_deref(), Some("tests/hi.tftest.hcl"));
    assert_eq!(d.line, Some(10));
    let failures = result.failures();
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0]
            .message
            .contains("run \"from_the_environment\" failed")
    );

    // Options: variables as -var, filters, another test directory.
    let opts = TestOptions {
        variables: vec![("who".into(), "env".into())],
        ..TestOptions::default()
    };
    let with_var = EngineRunner::new().run(&module, &opts).await.unwrap();
    assert_eq!(with_var.files[0].runs[0].status, TestStatus::Failed);
    assert_eq!(with_var.files[0].runs[1].status, TestStatus::Passed);
    let none = TestOptions {
        filters: vec!["tests/other.tftest.hcl".into()],
        ..TestOptions::default()
    };
    assert!(
        EngineRunner::new()
            .run(&module, &none)
            .await
            .unwrap()
            .files
            .is_empty()
    );
}

#[tokio::test]
async fn a_module_that_does_not_load_is_an_error_not_a_pass() {
    let module = archive_module(&[
        ("main.tf", "resource \"x\" {\n"),
        ("tests/a.tftest.hcl", "run \"a\" {}\n"),
    ])
    .await;
    let result = EngineRunner::new()
        .run(&module, &TestOptions::default())
        .await
        .unwrap();
    assert_eq!(result.status(), TestStatus::Errored);
    assert!(!result.passed());
    assert!(!result.failures().is_empty());
}

#[tokio::test]
async fn reports_render_the_core_result() {
    let module = archive_module(&[("main.tf", MAIN), ("tests/hi.tftest.hcl", TESTS)]).await;
    let runner = EngineRunner::new();
    let result = runner.run(&module, &TestOptions::default()).await.unwrap();
    let text = runner.report(&result, ReportFormat::Text).unwrap();
    assert!(text.contains("  run \"default_name\"... pass"), "{text}");
    assert!(
        text.contains("  run \"from_the_environment\"... fail"),
        "{text}"
    );
    assert!(text.ends_with("Failure! 1 passed, 1 failed.\n"), "{text}");
    let xml = runner.report(&result, ReportFormat::Junit).unwrap();
    assert!(
        xml.contains("tests=\"2\" skipped=\"0\" failures=\"1\" errors=\"0\""),
        "{xml}"
    );
    let json = runner.report(&result, ReportFormat::Json).unwrap();
    let back: registry_core::TestResult = serde_json::from_str(&json).unwrap();
    assert_eq!(back, result);
}

#[test]
fn mocks_give_the_computed_attributes_of_the_providers_schema() {
    let runner = EngineRunner::new();
    let aws = runner.mock("hashicorp/aws").unwrap();
    assert_eq!(aws.provider(), "hashicorp/aws");
    let queue = aws.computed_defaults("aws_sqs_queue");
    for attr in ["arn", "id", "url"] {
        let v = queue
            .get(attr)
            .unwrap_or_else(|| panic!("{attr} in {queue:?}"));
        assert_eq!(
            v.as_str().map(str::len),
            Some(8),
            "{attr}: 8 characters, as Terraform's mocks"
        );
    }
    assert!(!queue.contains_key("name_prefix") || queue["name_prefix"].is_string());
    let e = runner.mock("example/unknown").unwrap_err();
    assert!(e.to_string().contains("no schema for provider"), "{e}");
}
