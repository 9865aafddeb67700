//! What a test run produced: per file and per run, a status, the
//! diagnostics and timings, from which every report is written.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::tftest::diag::Diagnostics;

/// How a run (or a file, or the suite) ended, in Terraform's order: a
/// later status wins when statuses merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Not run yet.
    Pending,
    /// Skipped (an earlier run of its file errored).
    Skip,
    /// Every assertion held.
    Pass,
    /// An assertion did not hold.
    Fail,
    /// The run could not complete.
    Error,
}

impl Status {
    /// `pass`, `fail`, `error`, `skip`, `pending`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Skip => "skip",
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }

    /// The higher of two statuses.
    pub fn merge(self, other: Status) -> Status {
        self.max(other)
    }
}

/// One run block's result.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Its name.
    pub name: String,
    /// How it ended.
    pub status: Status,
    /// Its diagnostics (errors and warnings).
    pub diagnostics: Diagnostics,
    /// When it started.
    pub started: DateTime<Utc>,
    /// How long it took.
    pub elapsed: Duration,
    /// The run whose error skipped this one.
    pub skipped_after: Option<String>,
    /// Assertions that failed, out of how many.
    pub failed_asserts: (usize, usize),
}

/// One test file's result.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// Its path relative to the module root.
    pub name: String,
    /// How it ended.
    pub status: Status,
    /// Its runs, in order.
    pub runs: Vec<RunResult>,
    /// File-level diagnostics: load errors, override targets that exist nowhere.
    pub diagnostics: Diagnostics,
    /// Problems destroying what the runs created.
    pub teardown: Diagnostics,
    /// How long it took.
    pub elapsed: Duration,
}

/// The whole suite's result.
#[derive(Debug, Clone)]
pub struct SuiteResult {
    /// Every file, in the order they ran.
    pub files: Vec<FileResult>,
    /// Problems that stopped the suite before any file ran (a module that
    /// does not load).
    pub diagnostics: Diagnostics,
    /// When it started.
    pub started: DateTime<Utc>,
    /// How long it took.
    pub elapsed: Duration,
    /// Providers mocked without a schema (computed attributes guessed from use).
    pub schemaless_mocks: BTreeSet<String>,
}

impl SuiteResult {
    /// The overall status.
    pub fn status(&self) -> Status {
        if crate::tftest::diag::has_errors(&self.diagnostics) {
            return Status::Error;
        }
        self.files
            .iter()
            .map(|f| f.status)
            .fold(Status::Pass, Status::merge)
    }

    fn count(&self, s: Status) -> usize {
        self.files
            .iter()
            .flat_map(|f| &f.runs)
            .filter(|r| r.status == s)
            .count()
    }

    /// Runs that passed.
    pub fn passed(&self) -> usize {
        self.count(Status::Pass)
    }

    /// Runs that failed.
    pub fn failed(&self) -> usize {
        self.count(Status::Fail)
    }

    /// Runs that errored.
    pub fn errored(&self) -> usize {
        self.count(Status::Error)
    }

    /// Runs skipped.
    pub fn skipped(&self) -> usize {
        self.count(Status::Skip)
    }

    /// Every run.
    pub fn runs(&self) -> usize {
        self.files.iter().map(|f| f.runs.len()).sum()
    }

    /// Whether the suite passed: every run passed (or was skipped only
    /// because there were none) and no file failed to load or clean up.
    pub fn success(&self) -> bool {
        matches!(self.status(), Status::Pass | Status::Pending | Status::Skip)
    }

    /// The exit code Terraform gives: 0 on success, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.success() { 0 } else { 1 }
    }
}
