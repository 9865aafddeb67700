//! The engine as core's [`TestRunner`]: what the registry calls on publish.
//! A version's archive is unpacked (with every check publishing applies)
//! into a scratch folder and its test files run there, with no variables
//! from the server's environment, no network and no file access outside
//! that folder; each run has a time budget.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use registry_core::{
    ArchiveLimits, Error, ErrorKind, Module, ModuleId, ProviderMock, ReportFormat, Result,
    Severity, TestCase, TestDiagnostic, TestFileResult, TestOptions as CoreOptions, TestResult,
    TestRunner, TestStatus, unpack_archive,
};

use super::config::Mode;
use super::config::module::normalise_source;
use super::diag::Diagnostic;
use super::providers::{Generator, Schemas};
use super::report::TERRAFORM_VERSION;
use super::runner::{self, CliVar, FileResult, RunResult, Status, SuiteResult, run_suite};
use super::value::to_json;

/// The `.tftest.hcl` engine behind core's [`TestRunner`] trait.
#[derive(Debug, Clone)]
pub struct EngineRunner {
    options: runner::TestOptions,
    limits: ArchiveLimits,
}

impl Default for EngineRunner {
    fn default() -> Self {
        EngineRunner::new()
    }
}

impl EngineRunner {
    /// A runner with the bundled provider schemas and a 30 s budget per run.
    pub fn new() -> Self {
        EngineRunner {
            options: runner::TestOptions::default(),
            limits: ArchiveLimits::default(),
        }
    }

    /// Also know this provider's schema (`terraform providers schema -json`).
    pub fn with_provider_schema(mut self, json: impl Into<String>) -> Self {
        self.options.provider_schemas.push(json.into());
        self
    }

    /// The most time one run may take.
    pub fn with_run_timeout(mut self, timeout: Duration) -> Self {
        self.options.run_timeout = timeout;
        self
    }

    /// The limits archives are unpacked under.
    pub fn with_archive_limits(mut self, limits: ArchiveLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The engine and the Terraform semantics it follows.
    pub fn engine_name() -> String {
        format!(
            "registry-testkit {} (terraform {TERRAFORM_VERSION} semantics)",
            env!("CARGO_PKG_VERSION")
        )
    }
}

#[async_trait]
impl TestRunner for EngineRunner {
    async fn run(&self, module: &Module, options: &CoreOptions) -> Result<TestResult> {
        let scratch = tempfile::tempdir().map_err(|e| {
            Error::new(ErrorKind::Backend, "cannot make a scratch folder").with_source(e)
        })?;
        let inspection = unpack_archive(&module.archive, &self.limits, scratch.path()).await?;
        let root = match &inspection.root_dir {
            Some(r) => scratch.path().join(r),
            None => scratch.path().to_path_buf(),
        };
        let mut opts = self.options.clone();
        if let Some(d) = &options.test_directory {
            opts.test_directory = d.clone();
        }
        opts.filters = options.filters.clone();
        opts.vars = options
            .variables
            .iter()
            .map(|(k, v)| CliVar::Value(k.clone(), v.clone()))
            .collect();
        // Never the server's environment: TF_VAR_* there are not the module's.
        opts.env.clear();
        let suite = tokio::task::spawn_blocking(move || {
            let suite = run_suite(&root, &opts);
            drop(scratch);
            suite
        })
        .await
        .map_err(|e| Error::new(ErrorKind::Backend, "the test run failed").with_source(e))?;
        Ok(to_core(&suite, module.id()))
    }

    fn mock(&self, provider: &str) -> Result<Arc<dyn ProviderMock>> {
        let schemas = Schemas::with_extra(&self.options.provider_schemas)
            .map_err(|e| Error::invalid_input(format!("invalid provider schema: {e}")))?;
        let source = normalise_source(provider);
        if schemas.provider(&source).is_none() {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "no schema for provider {provider:?}: give its `terraform providers schema -json` output"
                ),
            ));
        }
        Ok(Arc::new(SchemaMock {
            source,
            schemas,
            seed: self.options.seed,
        }))
    }

    fn report(&self, result: &TestResult, format: ReportFormat) -> Result<String> {
        Ok(match format {
            ReportFormat::Text => super::report::core_text(result),
            ReportFormat::Json => serde_json::to_string_pretty(result)
                .map_err(|e| Error::invalid_input("result not encodable").with_source(e))?,
            ReportFormat::Junit => super::report::core_junit(result),
        })
    }
}

/// A mock of one provider from its schema: what a `mock_provider` block
/// without defaults gives each computed attribute.
#[derive(Debug)]
struct SchemaMock {
    source: String,
    schemas: Schemas,
    seed: u64,
}

impl ProviderMock for SchemaMock {
    fn provider(&self) -> &str {
        &self.source
    }

    fn computed_defaults(&self, resource_type: &str) -> serde_json::Map<String, serde_json::Value> {
        let generator = Generator::new(self.seed);
        let Some(schema) = self
            .schemas
            .provider(&self.source)
            .and_then(|p| p.get(Mode::Managed, resource_type))
        else {
            return serde_json::Map::new();
        };
        schema
            .attributes
            .iter()
            .filter(|(_, a)| a.computed && !a.write_only)
            .map(|(name, a)| (name.clone(), to_json(&generator.value(&a.value_type()))))
            .collect()
    }
}

fn status(s: Status) -> TestStatus {
    match s {
        Status::Pending | Status::Skip => TestStatus::Skipped,
        Status::Pass => TestStatus::Passed,
        Status::Fail => TestStatus::Failed,
        Status::Error => TestStatus::Errored,
    }
}

fn diagnostic(d: &Diagnostic) -> TestDiagnostic {
    TestDiagnostic {
        severity: if d.is_error() {
            Severity::Error
        } else {
            Severity::Warning
        },
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        file: d.range.as_ref().map(|r| r.file.name.clone()),
        line: d.range.as_ref().map(|r| r.start.line as u32),
    }
}

fn run_case(r: &RunResult) -> TestCase {
    TestCase {
        name: r.name.clone(),
        status: status(r.status),
        duration_ms: r.elapsed.as_millis() as u64,
        diagnostics: r.diagnostics.iter().map(diagnostic).collect(),
    }
}

fn file_result(f: &FileResult) -> TestFileResult {
    TestFileResult {
        path: f.name.clone(),
        status: status(f.status),
        runs: f.runs.iter().map(run_case).collect(),
        diagnostics: f
            .diagnostics
            .iter()
            .chain(&f.teardown)
            .map(diagnostic)
            .collect(),
    }
}

/// The engine's result in core's terms; mocks that ran without a schema
/// are named in a warning.
pub fn to_core(suite: &SuiteResult, module: ModuleId) -> TestResult {
    let mut diagnostics: Vec<TestDiagnostic> = suite.diagnostics.iter().map(diagnostic).collect();
    for source in &suite.schemaless_mocks {
        diagnostics.push(TestDiagnostic {
            severity: Severity::Warning,
            summary: format!("Mock provider {source} ran without a schema"),
            detail: "Computed attributes were guessed from how the configuration uses them; give the provider's `terraform providers schema -json` output for exact types.".into(),
            file: None,
            line: None,
        });
    }
    TestResult {
        module,
        engine: EngineRunner::engine_name(),
        ran_at: suite.started,
        duration_ms: suite.elapsed.as_millis() as u64,
        files: suite.files.iter().map(file_result).collect(),
        diagnostics,
    }
}
