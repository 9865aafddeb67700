//! The publish flow: authorize → receive (size limit, sha256) → inspect →
//! parse → validate → hash and check signature → store blob then metadata →
//! search index → audit and metrics.

use std::time::Instant;

use bytes::Bytes;
use futures::Stream;

use super::{Registry, RequestContext};
use crate::address::{ModuleAddress, ModuleId};
use crate::archive::{inspect_archive, spool_bytes, spool_stream};
use crate::error::{Error, ErrorKind, Problem, Result, Severity};
use crate::module::{Lifecycle, Module, ModuleMetadata, ModuleRecord};
use crate::traits::auth::Action;
use crate::traits::integrity::SignedManifest;
use crate::traits::policy::{NamespacePolicy, TestsPolicy, ValidationPolicy};
use crate::traits::test_runner::{TestOptions, TestReport, TestStatus};
use crate::version::{Version, is_strict_semver};

/// What is being published, besides the archive bytes.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    /// The module address.
    pub address: ModuleAddress,
    /// The version, as the publisher wrote it.
    pub version: String,
    /// A short description; defaults to the first paragraph of the README.
    pub description: Option<String>,
    /// The source repository URL.
    pub source_url: Option<String>,
    /// A minisign signature over the canonical manifest.
    pub signature: Option<String>,
}

impl PublishRequest {
    /// A request with only the address and version set.
    pub fn new(address: ModuleAddress, version: impl Into<String>) -> Self {
        PublishRequest {
            address,
            version: version.into(),
            description: None,
            source_url: None,
            signature: None,
        }
    }
}

/// The first paragraph of a README that is not a heading, trimmed to one line.
pub(super) fn describe(readme: Option<&str>) -> Option<String> {
    let text = readme?;
    let para = text.split("\n\n").map(str::trim).find(|p| {
        !p.is_empty() && !p.starts_with('#') && !p.starts_with("<!--") && !p.starts_with('[')
    })?;
    let line = para.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(if line.chars().count() > 300 {
        let cut: String = line.chars().take(297).collect();
        format!("{cut}...")
    } else {
        line
    })
}

/// The caller's free text, within [`super::fields`]' limits.
fn check_request_text(req: &PublishRequest) -> Result<()> {
    use super::fields;
    fields::check_version_text(&req.version)?;
    if let Some(d) = &req.description {
        fields::check_text("description", d, fields::MAX_DESCRIPTION, true)?;
    }
    if let Some(u) = &req.source_url {
        fields::check_source_url(u)?;
    }
    Ok(())
}

impl Registry {
    /// Publish an archive (`.tar.gz` or `.zip`) arriving as a stream of
    /// chunks. Nothing is stored unless every check passes.
    pub async fn publish<S, E>(
        &self,
        ctx: &RequestContext,
        req: PublishRequest,
        archive: S,
    ) -> Result<ModuleRecord>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin + Send,
        E: Into<Error>,
    {
        let target = format!("{}/{}", req.address, req.version);
        let result = self.publish_inner(ctx, &req, Body::Stream(archive)).await;
        self.audit(ctx, "publish", &target, &result).await;
        result
    }

    /// Publish an archive already in memory.
    pub async fn publish_bytes(
        &self,
        ctx: &RequestContext,
        req: PublishRequest,
        archive: impl Into<Bytes>,
    ) -> Result<ModuleRecord> {
        let target = format!("{}/{}", req.address, req.version);
        let body: Body<futures::stream::Empty<std::result::Result<Bytes, Error>>> =
            Body::Bytes(archive.into());
        let result = self.publish_inner(ctx, &req, body).await;
        self.audit(ctx, "publish", &target, &result).await;
        result
    }

    async fn publish_inner<S, E>(
        &self,
        ctx: &RequestContext,
        req: &PublishRequest,
        body: Body<S>,
    ) -> Result<ModuleRecord>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin + Send,
        E: Into<Error>,
    {
        let started = Instant::now();
        let inner = &self.inner;
        let address = &req.address;
        self.authorize(ctx, Action::Publish, address.namespace())?;
        check_request_text(req)?;
        let version: Version = inner
            .versions
            .parse(&req.version)
            .map_err(|e| e.with_context("module", address))?;
        let id = ModuleId::new(address.clone(), version.clone());
        if inner.storage.get_record(&id).await.is_ok() {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!("{id} is already published; published versions are immutable"),
            )
            .with_context("module", &id));
        }

        let max = inner.limits.max_compressed_bytes;
        let spooled = match body {
            Body::Bytes(b) => spool_bytes(b, max)?,
            Body::Stream(s) => spool_stream(s, inner.spool_dir.as_deref(), max).await?,
        };
        self.check_quotas(address, spooled.size)
            .await
            .map_err(|e| e.with_context("module", &id))?;
        let archive = inspect_archive(&spooled.body, &inner.limits)
            .await
            .map_err(|e| e.with_context("module", &id))?;
        let inspection = self.inspect_files(&archive).await?;

        let policy = self.policy_of(address.namespace()).await?;
        let mut problems = Vec::new();
        if inner.policy.strict_semver && !is_strict_semver(&req.version) {
            problems.push(Problem::new(
                "version-policy",
                format!(
                    "version {:?} is not a valid SemVer 2.0.0 version (MAJOR.MINOR.PATCH, no leading 'v'), which this registry requires",
                    req.version
                ),
            ));
        }
        let findings = if policy.validation == ValidationPolicy::Off {
            Vec::new()
        } else {
            self.findings(address, &version, &archive, &inspection)
        };
        let (refusing, mut warnings): (Vec<Problem>, Vec<Problem>) = findings
            .iter()
            .cloned()
            .partition(|p| policy.validation.refuses(p.severity));
        problems.extend(refusing);
        if !problems.is_empty() {
            return Err(Error::validation(problems).with_context("module", &id));
        }

        if policy.require_signatures && req.signature.is_none() {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!(
                    "namespace {:?} requires signed modules; publish with a signature",
                    address.namespace()
                ),
            )
            .with_context("module", &id));
        }
        self.semver_guard(&id, &inspection.summary, &policy, &mut warnings)
            .await
            .map_err(|e| e.with_context("module", &id))?;
        let h1 = inner.hasher.tree_hash(&archive.manifest)?;
        let manifest = SignedManifest {
            address: address.clone(),
            version: version.clone(),
            sha256: spooled.sha256,
            h1: h1.clone(),
        };
        inner
            .signatures
            .verify(&manifest, req.signature.as_deref())
            .await
            .map_err(|e| e.with_context("module", &id))?;

        let description = req
            .description
            .clone()
            .or_else(|| describe(inspection.summary.root.readme.as_deref()));
        let mut module = Module {
            address: address.clone(),
            version,
            metadata: ModuleMetadata {
                description,
                owner: Some(ctx.actor.audit_id()),
                source_url: req.source_url.clone(),
                published_at: inner.clock.now(),
                size: spooled.size,
                sha256: spooled.sha256,
                h1,
                format: archive.format,
                root_dir: archive.root_dir.clone(),
                signature: req.signature.clone(),
                summary: inspection.summary,
                lifecycle: Lifecycle::default(),
                downloads: 0,
                warnings: Vec::new(),
                checks: None,
                mirrored: None,
            },
            archive: spooled.body,
        };
        let checks = self
            .run_tests(&module, &policy, findings, &mut warnings)
            .await
            .map_err(|e| e.with_context("module", &id))?;
        module.metadata.warnings = warnings;
        module.metadata.checks = checks;
        let stored = inner.storage.store(&module).await?;
        if let Some(search) = &inner.search
            && let Err(e) = search.index(&stored).await
        {
            tracing::warn!(module = %id, error = %e, "search index not updated; run reindex");
        }
        inner
            .observer
            .published(&id, stored.metadata.size, started.elapsed());
        Ok(stored)
    }
}

impl Registry {
    /// Refuse a publish that would exceed a quota, naming it and the current use.
    /// (Checked before the write: publishes racing each other can overshoot
    /// by what is in flight.)
    async fn check_quotas(&self, address: &ModuleAddress, size: u64) -> Result<()> {
        let policy = &self.inner.policy;
        if let Some(max) = policy.max_versions_per_module {
            let have = self.inner.storage.versions(address).await?.len() as u64;
            if have >= max {
                return Err(Error::new(
                    ErrorKind::QuotaExceeded,
                    format!(
                        "quota exceeded: {address} already stores {have} version{} and the quota is {max} versions per module; delete old versions or ask an operator to raise it",
                        if have == 1 { "" } else { "s" }
                    ),
                ));
            }
        }
        if let Some(max) = policy.max_bytes_per_namespace {
            let ns = address.namespace();
            let used = self.inner.storage.namespace_usage(ns).await?;
            if used.bytes.saturating_add(size) > max {
                return Err(Error::new(
                    ErrorKind::QuotaExceeded,
                    format!(
                        "quota exceeded: namespace {ns} stores {} in {} versions, and this {} archive would pass its quota of {} per namespace",
                        crate::fmt_bytes(used.bytes),
                        used.versions,
                        crate::fmt_bytes(size),
                        crate::fmt_bytes(max)
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl Registry {
    /// The publish gate's test step, as the namespace's `tests` policy
    /// asks: `off` runs nothing, `run` runs the tests and records the
    /// result (failures become a warning), `require` refuses the publish
    /// when a run fails or errors, or when there are no tests. The report
    /// returned is stored with the version, with every validation finding.
    async fn run_tests(
        &self,
        module: &Module,
        policy: &NamespacePolicy,
        findings: Vec<Problem>,
        warnings: &mut Vec<Problem>,
    ) -> Result<Option<TestReport>> {
        let namespace = module.address.namespace();
        let checked = policy.validation != ValidationPolicy::Off;
        let Some(runner) = &self.inner.tests else {
            return match policy.tests {
                TestsPolicy::Off => Ok(checked.then(|| TestReport::not_run(findings))),
                TestsPolicy::Run => {
                    warnings.push(
                        Problem::new(
                            "tests",
                            "the module's tests did not run: this registry has no test runner",
                        )
                        .with_severity(Severity::Warning),
                    );
                    Ok(Some(TestReport::not_run(findings)))
                }
                TestsPolicy::Require => Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "namespace {namespace:?} requires passing tests on publish, but this registry has no test runner"
                    ),
                )),
            };
        };
        if policy.tests == TestsPolicy::Off {
            return Ok(checked.then(|| TestReport::not_run(findings)));
        }
        let required = policy.tests == TestsPolicy::Require;
        let result = match runner.run(module, &TestOptions::default()).await {
            Ok(r) => r,
            Err(e) if required => return Err(e),
            Err(e) => {
                warnings.push(
                    Problem::new("tests", format!("the module's tests could not run: {e}"))
                        .with_severity(Severity::Warning),
                );
                return Ok(Some(TestReport::not_run(findings)));
            }
        };
        let runs = result.runs().count();
        if required && runs == 0 && result.diagnostics.is_empty() {
            return Err(Error::validation(vec![
                Problem::new(
                    "tests",
                    format!("namespace {namespace:?} requires passing tests, but the module has no run blocks in *.tftest.hcl files"),
                )
                .with_hint("add tests/*.tftest.hcl files (registry test runs them locally)"),
            ]));
        }
        if !result.passed() {
            let failures = result.failures();
            if required {
                return Err(Error::validation(failures));
            }
            warnings.push(
                Problem::new(
                    "tests",
                    format!(
                        "the module's tests did not pass: {} of {runs} runs failed or errored",
                        result
                            .runs()
                            .filter(|(_, r)| matches!(
                                r.status,
                                TestStatus::Failed | TestStatus::Errored
                            ))
                            .count()
                    ),
                )
                .with_severity(Severity::Warning),
            );
        }
        Ok(Some(TestReport::of(result, findings)))
    }
}

enum Body<S> {
    Bytes(Bytes),
    Stream(S),
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn description_comes_from_the_first_prose_paragraph() {
        let readme = "# Title\n\n[![badge](x)](y)\n\nCreates a VPC\nwith subnets.\n\n## Usage\n";
        assert_eq!(
            describe(Some(readme)).as_deref(),
            Some("Creates a VPC with subnets.")
        );
        assert_eq!(describe(Some("# Only a title\n")), None);
        assert_eq!(describe(None), None);
    }
}
