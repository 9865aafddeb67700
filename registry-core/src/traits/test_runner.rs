//! Running a module's tests (implemented by registry-testkit's `.tftest.hcl`
//! engine), and the per-version report publishing stores.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::address::ModuleId;
use crate::error::{Problem, Result, Severity};
use crate::module::Module;

/// What to run: Terraform's `-test-directory`, `-filter` and `-var`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestOptions {
    /// The test directory relative to the module root (`None`: `tests`).
    pub test_directory: Option<String>,
    /// Only these test files, relative to the module root (empty: all).
    pub filters: Vec<String>,
    /// Variable values as `-var NAME=VALUE` gives them (the value is HCL
    /// for complex types, a bare string otherwise).
    pub variables: Vec<(String, String)>,
}

/// How one run (or a file, or a suite) ended, as Terraform names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TestStatus {
    /// Not run (an earlier run errored, or nothing to run).
    #[serde(rename = "skip")]
    Skipped,
    /// Every assertion held.
    #[serde(rename = "pass")]
    Passed,
    /// An assertion failed.
    #[serde(rename = "fail")]
    Failed,
    /// The run could not complete (a configuration or evaluation error).
    #[serde(rename = "error")]
    Errored,
}

impl TestStatus {
    /// `pass`, `fail`, `skip` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Skipped => "skip",
            TestStatus::Passed => "pass",
            TestStatus::Failed => "fail",
            TestStatus::Errored => "error",
        }
    }

    /// The status of a group: the worst of its members (skips only when
    /// every member skipped; an empty group passes).
    pub fn worst(statuses: impl IntoIterator<Item = TestStatus>) -> TestStatus {
        let mut worst = None::<TestStatus>;
        for s in statuses {
            worst = Some(match worst {
                None => s,
                Some(w) => w.max(s),
            });
        }
        match worst {
            None => TestStatus::Passed,
            Some(TestStatus::Skipped) => TestStatus::Skipped,
            Some(w) => w,
        }
    }
}

/// One diagnostic a run produced (a failed assertion, an error, a warning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestDiagnostic {
    /// `error` or `warning`.
    pub severity: Severity,
    /// One line.
    pub summary: String,
    /// The explanation.
    #[serde(default)]
    pub detail: String,
    /// The file, relative to the module root.
    #[serde(default)]
    pub file: Option<String>,
    /// 1-based line.
    #[serde(default)]
    pub line: Option<u32>,
}

/// One `run` block's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCase {
    /// The run's name.
    pub name: String,
    /// How it ended.
    pub status: TestStatus,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// What it reported.
    #[serde(default)]
    pub diagnostics: Vec<TestDiagnostic>,
}

/// One test file's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestFileResult {
    /// The file, relative to the module root (`tests/main.tftest.hcl`).
    pub path: String,
    /// How it ended.
    pub status: TestStatus,
    /// Each run, in file order.
    pub runs: Vec<TestCase>,
    /// Diagnostics of the file itself (loading it, tearing down).
    #[serde(default)]
    pub diagnostics: Vec<TestDiagnostic>,
}

/// The result of running a module's tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// The module version tested.
    pub module: ModuleId,
    /// The engine and the semantics it follows (`registry 0.1.0 (terraform 1.11.4)`).
    pub engine: String,
    /// When the run started.
    pub ran_at: DateTime<Utc>,
    /// Total time, in milliseconds.
    pub duration_ms: u64,
    /// Each file, in name order.
    pub files: Vec<TestFileResult>,
    /// Diagnostics not tied to one file (the module itself failed to load).
    #[serde(default)]
    pub diagnostics: Vec<TestDiagnostic>,
}

impl TestResult {
    /// The worst status of every file; an error of the module itself is an error.
    pub fn status(&self) -> TestStatus {
        if self
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
        {
            return TestStatus::Errored;
        }
        TestStatus::worst(self.files.iter().map(|f| f.status))
    }

    /// Whether nothing failed or errored.
    pub fn passed(&self) -> bool {
        matches!(self.status(), TestStatus::Passed | TestStatus::Skipped)
    }

    /// Every run, with its file.
    pub fn runs(&self) -> impl Iterator<Item = (&TestFileResult, &TestCase)> {
        self.files
            .iter()
            .flat_map(|f| f.runs.iter().map(move |r| (f, r)))
    }

    /// Every failure as a validation problem (id `tests`): each failing or
    /// erroring run with its first error, then errors of files and of the
    /// module; what a refused publish lists.
    pub fn failures(&self) -> Vec<Problem> {
        let first_error =
            |ds: &[TestDiagnostic]| ds.iter().find(|d| d.severity == Severity::Error).cloned();
        let problem = |what: String, file: Option<&str>, d: Option<TestDiagnostic>| {
            let mut p = Problem::new("tests", what);
            if let Some(d) = d {
                p.message = format!("{}: {}", p.message, d.summary);
                if !d.detail.is_empty() {
                    p.message = format!("{}: {}", p.message, one_line(&d.detail));
                }
                if let Some(f) = d.file.as_deref().or(file) {
                    p = p.at(f, d.line, None);
                }
            } else if let Some(f) = file {
                p = p.at(f, None, None);
            }
            p
        };
        let mut out = Vec::new();
        for d in self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            out.push(problem(
                "the module's tests could not run".into(),
                None,
                Some(d.clone()),
            ));
        }
        for f in &self.files {
            if let Some(d) = first_error(&f.diagnostics) {
                out.push(problem(
                    format!("{} errored", f.path),
                    Some(&f.path),
                    Some(d),
                ));
            }
            for r in &f.runs {
                let verb = match r.status {
                    TestStatus::Failed => "failed",
                    TestStatus::Errored => "errored",
                    _ => continue,
                };
                out.push(problem(
                    format!("run {:?} {verb}", r.name),
                    Some(&f.path),
                    first_error(&r.diagnostics),
                ));
            }
        }
        out
    }
}

fn one_line(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > 300 {
        let cut: String = joined.chars().take(297).collect();
        format!("{cut}...")
    } else {
        joined
    }
}

/// How a version's checks on publish came out, as stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// Every run passed (or none failed).
    Passed,
    /// An assertion failed.
    Failed,
    /// A run or the module could not be evaluated.
    Errored,
    /// The tests did not run (the namespace policy does not run them).
    NotRun,
}

impl TestOutcome {
    /// Every outcome, in the order listings show them.
    pub const ALL: [TestOutcome; 4] = [
        TestOutcome::Passed,
        TestOutcome::Failed,
        TestOutcome::Errored,
        TestOutcome::NotRun,
    ];

    /// The outcome as the API writes it (`passed`, `not_run`).
    pub fn as_str(self) -> &'static str {
        match self {
            TestOutcome::Passed => "passed",
            TestOutcome::Failed => "failed",
            TestOutcome::Errored => "errored",
            TestOutcome::NotRun => "not_run",
        }
    }
}

impl std::str::FromStr for TestOutcome {
    type Err = crate::error::Error;
    fn from_str(s: &str) -> crate::error::Result<Self> {
        TestOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| {
                crate::error::Error::invalid_input(format!(
                    "invalid test outcome {s:?}: expected passed, failed, errored or not_run"
                ))
            })
    }
}

/// What publishing a version found: its tests' results and every
/// validation finding. Stored with the version, served at
/// `GET /v1/modules/{ns}/{name}/{system}/{version}/tests`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestReport {
    /// How the tests came out.
    pub status: TestOutcome,
    /// When they ran.
    #[serde(default)]
    pub ran_at: Option<DateTime<Utc>>,
    /// How long they took, in milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
    /// Which engine ran them.
    #[serde(default)]
    pub engine: Option<String>,
    /// Each test file.
    #[serde(default)]
    pub files: Vec<TestFileResult>,
    /// Diagnostics not tied to one file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<TestDiagnostic>,
    /// Every validation finding, whatever its severity.
    #[serde(default)]
    pub validation: Vec<Problem>,
}

impl TestReport {
    /// A report of validation alone (the tests did not run).
    pub fn not_run(validation: Vec<Problem>) -> TestReport {
        TestReport {
            status: TestOutcome::NotRun,
            ran_at: None,
            duration_ms: 0,
            engine: None,
            files: Vec::new(),
            diagnostics: Vec::new(),
            validation,
        }
    }

    /// A report of a test run and the validation findings.
    pub fn of(result: TestResult, validation: Vec<Problem>) -> TestReport {
        let status = match result.status() {
            TestStatus::Passed | TestStatus::Skipped => TestOutcome::Passed,
            TestStatus::Failed => TestOutcome::Failed,
            TestStatus::Errored => TestOutcome::Errored,
        };
        TestReport {
            status,
            ran_at: Some(result.ran_at),
            duration_ms: result.duration_ms,
            engine: Some(result.engine),
            files: result.files,
            diagnostics: result.diagnostics,
            validation,
        }
    }
}

/// Report formats for CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// JUnit XML, in Terraform's layout.
    Junit,
    /// JSON: the [`TestResult`] itself.
    Json,
    /// Human-readable text, as `terraform test` prints it.
    Text,
}

/// A stand-in for a cloud provider, so tests run without credentials.
pub trait ProviderMock: Send + Sync + Debug + 'static {
    /// The provider's source address (`hashicorp/aws`).
    fn provider(&self) -> &str;
    /// Computed attribute values the mock gives a resource of `resource_type`.
    fn computed_defaults(&self, resource_type: &str) -> serde_json::Map<String, serde_json::Value>;
}

/// The spec's `TestRunner`: runs a module version's tests. The registry
/// calls it on publish when a namespace's policy runs tests.
#[async_trait]
pub trait TestRunner: Send + Sync + Debug + 'static {
    /// Run the module's tests (files as `terraform test` finds them).
    async fn run(&self, module: &Module, options: &TestOptions) -> Result<TestResult>;
    /// The mock standing in for `provider` (`hashicorp/aws`).
    fn mock(&self, provider: &str) -> Result<Arc<dyn ProviderMock>>;
    /// Render a result for CI.
    fn report(&self, result: &TestResult, format: ReportFormat) -> Result<String>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_status_wins_and_skips_only_when_all_skipped() {
        use TestStatus::*;
        assert_eq!(TestStatus::worst([]), Passed);
        assert_eq!(TestStatus::worst([Passed, Skipped]), Passed);
        assert_eq!(TestStatus::worst([Skipped, Skipped]), Skipped);
        assert_eq!(TestStatus::worst([Passed, Failed, Skipped]), Failed);
        assert_eq!(TestStatus::worst([Failed, Errored]), Errored);
    }

    #[test]
    fn statuses_serialise_as_terraform_names_them() {
        let s = serde_json::to_string(&[TestStatus::Passed, TestStatus::Errored]).unwrap();
        assert_eq!(s, r#"["pass","error"]"#);
        let o = serde_json::to_string(&TestOutcome::NotRun).unwrap();
        assert_eq!(o, r#""not_run""#);
    }
}
