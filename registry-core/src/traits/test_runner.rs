//! Running a module's checks and tests (implemented by registry-testkit).

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::address::ModuleId;
use crate::error::Result;
use crate::module::Module;

/// How one test case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestStatus {
    /// Every assertion held.
    Passed,
    /// An assertion failed.
    Failed,
    /// Not run.
    Skipped,
    /// The test could not run.
    Errored,
}

/// One test case's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCase {
    /// Case name (`run "defaults"`, or a validation rule's name).
    pub name: String,
    /// The file it came from.
    pub file: Option<String>,
    /// Outcome.
    pub status: TestStatus,
    /// Failure or error text.
    pub message: Option<String>,
    /// How long it took.
    pub duration: Duration,
}

/// The result of running a module's tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// The module version tested.
    pub module: ModuleId,
    /// Each case.
    pub cases: Vec<TestCase>,
    /// Total time.
    pub duration: Duration,
}

impl TestResult {
    /// Whether no case failed or errored.
    pub fn passed(&self) -> bool {
        self.cases
            .iter()
            .all(|c| matches!(c.status, TestStatus::Passed | TestStatus::Skipped))
    }
}

/// Report formats for CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// JUnit XML.
    Junit,
    /// JSON.
    Json,
    /// Human-readable text.
    Text,
}

/// A stand-in for a cloud provider, so tests run without credentials.
pub trait ProviderMock: Send + Sync + Debug + 'static {
    /// The provider's source address (`hashicorp/aws`).
    fn provider(&self) -> &str;
    /// Computed attribute values the mock gives a resource of `resource_type`.
    fn computed_defaults(&self, resource_type: &str) -> serde_json::Map<String, serde_json::Value>;
}

/// The spec's `TestRunner`.
#[async_trait]
pub trait TestRunner: Send + Sync + Debug + 'static {
    /// Run the module's checks and tests.
    async fn run(&self, module: &Module) -> Result<TestResult>;
    /// The mock standing in for `provider`.
    fn mock(&self, provider: &str) -> Result<Arc<dyn ProviderMock>>;
    /// Render a result for CI.
    fn report(&self, result: &TestResult, format: ReportFormat) -> Result<String>;
}
