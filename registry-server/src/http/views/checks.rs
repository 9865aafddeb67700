//! What publishing checked on a version, as the API shows it: test files,
//! runs and diagnostics, validation findings, and the summary in a
//! version's details.

use chrono::{DateTime, Utc};
use registry_core::{
    Severity, TestCase, TestDiagnostic, TestFileResult, TestOutcome, TestReport, TestStatus,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ProblemView;

/// A version's checks on publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TestReportView {
    /// `passed`, `failed`, `errored` or `not_run`.
    #[schema(value_type = String)]
    pub status: TestOutcome,
    /// When the tests ran.
    pub ran_at: Option<DateTime<Utc>>,
    /// How long they took.
    pub duration_ms: u64,
    /// The engine that ran them (and the Terraform semantics it follows).
    pub engine: Option<String>,
    /// Each test file.
    pub files: Vec<TestFileView>,
    /// Diagnostics not tied to one file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<TestDiagnosticView>,
    /// Every validation finding.
    pub validation: Vec<ProblemView>,
}

/// One test file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TestFileView {
    /// The file, relative to the module root.
    pub path: String,
    /// `pass`, `fail`, `error` or `skip`.
    #[schema(value_type = String)]
    pub status: TestStatus,
    /// Each run.
    pub runs: Vec<TestRunView>,
    /// Diagnostics of the file itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<TestDiagnosticView>,
}

/// One run block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TestRunView {
    /// The run's name.
    pub name: String,
    /// `pass`, `fail`, `error` or `skip`.
    #[schema(value_type = String)]
    pub status: TestStatus,
    /// How long it took.
    pub duration_ms: u64,
    /// What it reported.
    pub diagnostics: Vec<TestDiagnosticView>,
}

/// One diagnostic of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TestDiagnosticView {
    /// `error` or `warning`.
    #[schema(value_type = String)]
    pub severity: Severity,
    /// One line.
    pub summary: String,
    /// The explanation.
    pub detail: String,
    /// The file.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<u32>,
}

/// The checks in a version's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChecksSummaryView {
    /// `passed`, `failed`, `errored` or `not_run`.
    #[schema(value_type = String)]
    pub status: TestOutcome,
    /// When the tests ran.
    pub ran_at: Option<DateTime<Utc>>,
    /// Runs that passed.
    pub passed: usize,
    /// Runs that failed.
    pub failed: usize,
    /// Runs that errored.
    pub errored: usize,
    /// Runs skipped.
    pub skipped: usize,
    /// Validation findings by severity.
    pub validation_errors: usize,
    /// Warnings among them.
    pub validation_warnings: usize,
    /// Infos among them.
    pub validation_infos: usize,
}

impl From<&TestDiagnostic> for TestDiagnosticView {
    fn from(d: &TestDiagnostic) -> Self {
        TestDiagnosticView {
            severity: d.severity,
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            file: d.file.clone(),
            line: d.line,
        }
    }
}

impl From<&TestCase> for TestRunView {
    fn from(r: &TestCase) -> Self {
        TestRunView {
            name: r.name.clone(),
            status: r.status,
            duration_ms: r.duration_ms,
            diagnostics: r.diagnostics.iter().map(Into::into).collect(),
        }
    }
}

impl From<&TestFileResult> for TestFileView {
    fn from(f: &TestFileResult) -> Self {
        TestFileView {
            path: f.path.clone(),
            status: f.status,
            runs: f.runs.iter().map(Into::into).collect(),
            diagnostics: f.diagnostics.iter().map(Into::into).collect(),
        }
    }
}

impl From<&TestReport> for TestReportView {
    fn from(r: &TestReport) -> Self {
        TestReportView {
            status: r.status,
            ran_at: r.ran_at,
            duration_ms: r.duration_ms,
            engine: r.engine.clone(),
            files: r.files.iter().map(Into::into).collect(),
            diagnostics: r.diagnostics.iter().map(Into::into).collect(),
            validation: r.validation.iter().map(Into::into).collect(),
        }
    }
}

impl From<&TestReport> for ChecksSummaryView {
    fn from(r: &TestReport) -> Self {
        let runs = || r.files.iter().flat_map(|f| &f.runs);
        let count = |s: TestStatus| runs().filter(|x| x.status == s).count();
        let findings = |s: Severity| r.validation.iter().filter(|p| p.severity == s).count();
        ChecksSummaryView {
            status: r.status,
            ran_at: r.ran_at,
            passed: count(TestStatus::Passed),
            failed: count(TestStatus::Failed),
            errored: count(TestStatus::Errored),
            skipped: count(TestStatus::Skipped),
            validation_errors: findings(Severity::Error),
            validation_warnings: findings(Severity::Warning),
            validation_infos: findings(Severity::Info),
        }
    }
}
