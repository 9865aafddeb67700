//! The [`Registry`] orchestrator: the publish, download and resolve flows over
//! the trait objects it is built from.

mod builder;
pub(crate) mod fields;
mod mirror;
mod policy;
mod publish;
mod refusals;
mod semver_guard;
mod validate;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use builder::RegistryBuilder;
pub use publish::PublishRequest;

use crate::address::{ModuleAddress, ModuleId};
use crate::archive::ArchiveLimits;
use crate::error::{Error, ErrorKind, Result};
use crate::filter::{Filter, Page};
use crate::module::{LifecycleChange, Module, ModuleRecord};
use crate::traits::audit::{AuditEvent, AuditOutcome, AuditSink};
use crate::traits::auth::{Action, Actor, Authorizer};
use crate::traits::clock::Clock;
use crate::traits::docs::{DocGenerator, Documentation};
use crate::traits::inspect::ModuleInspector;
use crate::traits::integrity::{SignatureVerifier, TreeHasher};
use crate::traits::observer::RegistryObserver;
use crate::traits::search::{SearchIndex, SearchQuery, SearchResults};
use crate::traits::storage::{ModuleStorage, VersionEntry};
use crate::traits::validation::ValidationRule;
use crate::traits::version_manager::{LockEntry, VersionManager};

/// Rules a version must meet to be published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublishPolicy {
    /// Published versions must be valid SemVer 2.0.0 (`1.2.3`, not `v1.2` or
    /// `1.2.3.4`), as the public Terraform Registry requires. On by default.
    pub strict_semver: bool,
    /// Quota: most stored versions of one module (deleted versions do not
    /// count, yanked ones do). `None`: unlimited.
    pub max_versions_per_module: Option<u64>,
    /// Quota: most archive bytes stored in one namespace (deleted versions
    /// do not count). `None`: unlimited.
    pub max_bytes_per_namespace: Option<u64>,
}

impl Default for PublishPolicy {
    fn default() -> Self {
        PublishPolicy {
            strict_semver: true,
            max_versions_per_module: None,
            max_bytes_per_namespace: None,
        }
    }
}

/// Where to fetch a version's archive (what the protocol's `/download` step needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadTarget {
    /// The version (address in its stored case).
    pub id: ModuleId,
    /// Archive format.
    pub format: crate::archive::ArchiveFormat,
    /// The single top-level folder inside the archive, served as `//subdir`.
    pub root_dir: Option<String>,
    /// Archive size.
    pub size: u64,
    /// Archive sha256.
    pub sha256: crate::Sha256Digest,
}

/// Who is asking, and from where (for authorization and audit).
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The caller.
    pub actor: Actor,
    /// A request id to correlate logs and audit records.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_addr: Option<String>,
}

impl RequestContext {
    /// A request by `actor` with no request id or address.
    pub fn new(actor: Actor) -> Self {
        RequestContext {
            actor,
            request_id: None,
            client_addr: None,
        }
    }

    /// The local operator, allowed everything.
    pub fn system() -> Self {
        Self::new(Actor::System)
    }

    /// An anonymous caller.
    pub fn anonymous() -> Self {
        Self::new(Actor::Anonymous)
    }
}

pub(crate) struct Inner {
    pub(crate) storage: Arc<dyn ModuleStorage>,
    pub(crate) versions: Arc<dyn VersionManager>,
    pub(crate) inspector: Arc<dyn ModuleInspector>,
    pub(crate) hasher: Arc<dyn TreeHasher>,
    pub(crate) signatures: Arc<dyn SignatureVerifier>,
    pub(crate) rules: Vec<Arc<dyn ValidationRule>>,
    pub(crate) authorizer: Arc<dyn Authorizer>,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) search: Option<Arc<dyn SearchIndex>>,
    pub(crate) docs: Option<Arc<dyn DocGenerator>>,
    pub(crate) observer: Arc<dyn RegistryObserver>,
    pub(crate) policies: Option<Arc<dyn crate::traits::policy::PolicyStore>>,
    pub(crate) tests: Option<Arc<dyn crate::traits::test_runner::TestRunner>>,
    pub(crate) compatibility: Option<Arc<dyn crate::traits::compat::CompatibilityCheck>>,
    pub(crate) limits: ArchiveLimits,
    pub(crate) policy: PublishPolicy,
    pub(crate) spool_dir: Option<PathBuf>,
    pub(crate) refusals: refusals::RefusalThrottle,
}

/// The registry: publish, list, resolve, download and manage module versions
/// through whatever storage, parser, resolver and policies it was built with.
/// Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Registry {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("storage", &self.inner.storage)
            .field("versions", &self.inner.versions)
            .field("inspector", &self.inner.inspector)
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// Start building a registry.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::new()
    }

    /// The storage.
    pub fn storage(&self) -> &Arc<dyn ModuleStorage> {
        &self.inner.storage
    }

    /// The version manager.
    pub fn version_manager(&self) -> &Arc<dyn VersionManager> {
        &self.inner.versions
    }

    /// The search index, if any.
    pub fn search_index(&self) -> Option<&Arc<dyn SearchIndex>> {
        self.inner.search.as_ref()
    }

    /// The archive limits in force.
    pub fn archive_limits(&self) -> &ArchiveLimits {
        &self.inner.limits
    }

    /// Where large uploads are spooled (`DATA_DIR/tmp`), if configured.
    pub fn spool_dir(&self) -> Option<&std::path::Path> {
        self.inner.spool_dir.as_deref()
    }

    /// The publish policy in force.
    pub fn publish_policy(&self) -> &PublishPolicy {
        &self.inner.policy
    }

    fn authorize(&self, ctx: &RequestContext, action: Action, namespace: &str) -> Result<()> {
        self.inner
            .authorizer
            .authorize(&ctx.actor, action, namespace)
    }

    /// Check that the caller may perform `action` in `namespace`, for a
    /// room beside the modules (providers) that shares their roles; a
    /// refusal is audited as `what` on `target`.
    pub async fn authorize_in(
        &self,
        ctx: &RequestContext,
        action: Action,
        namespace: &str,
        what: &str,
        target: &str,
    ) -> Result<()> {
        let r = self.authorize(ctx, action, namespace);
        if r.is_err() {
            self.audit(ctx, what, target, &r).await;
        }
        r
    }

    /// Audit the outcome of a mutation made beside the modules (a provider
    /// publish, a key rotation).
    pub async fn record_outcome<T>(
        &self,
        ctx: &RequestContext,
        what: &str,
        target: &str,
        result: &Result<T>,
    ) {
        self.audit(ctx, what, target, result).await
    }

    /// Record an audit event for a mutation (or a refused one).
    async fn audit<T>(&self, ctx: &RequestContext, action: &str, target: &str, result: &Result<T>) {
        self.audit_outcome(ctx, action, target, result.as_ref().err())
            .await
    }

    /// Record an authentication or authorization refusal that happened
    /// outside the registry's own checks (a bad token at the HTTP layer).
    pub async fn record_refusal(
        &self,
        ctx: &RequestContext,
        action: &str,
        target: &str,
        error: &Error,
    ) {
        self.audit_outcome(ctx, action, target, Some(error)).await
    }

    /// Record an action that succeeded outside the registry's own calls
    /// (a web sign-in, a sign-out).
    pub async fn record_success(&self, ctx: &RequestContext, action: &str, target: &str) {
        self.audit_outcome(ctx, action, target, None).await
    }

    async fn audit_outcome(
        &self,
        ctx: &RequestContext,
        action: &str,
        target: &str,
        error: Option<&Error>,
    ) {
        let (outcome, detail) = match error {
            None => (AuditOutcome::Success, None),
            Some(e)
                if matches!(
                    e.kind(),
                    ErrorKind::Unauthenticated | ErrorKind::PermissionDenied
                ) =>
            {
                (AuditOutcome::Denied, Some(e.message().to_string()))
            }
            Some(e) => (AuditOutcome::Failed, Some(e.message().to_string())),
        };
        let now = self.inner.clock.now();
        if let Some(summary) = self.inner.refusals.take_ended(now) {
            self.write_audit(summary).await;
        }
        if outcome == AuditOutcome::Denied {
            let caller = format!(
                "{}@{}",
                ctx.actor.audit_id(),
                ctx.client_addr.as_deref().unwrap_or("-")
            );
            let (admit, summary_due) = self.inner.refusals.admit(&caller, now);
            if admit == refusals::Admit::Count {
                if let Some(at) = summary_due {
                    self.summarise_at(at);
                }
                return;
            }
        }
        let event = AuditEvent {
            at: now,
            actor: ctx.actor.audit_id(),
            action: action.to_string(),
            target: target.to_string(),
            outcome,
            detail,
            request_id: ctx.request_id.clone(),
            client_addr: ctx.client_addr.clone(),
        };
        self.write_audit(event).await;
    }

    async fn write_audit(&self, event: AuditEvent) {
        let (action, target) = (event.action.clone(), event.target.clone());
        if let Err(e) = self.inner.audit.record(event).await {
            tracing::error!(error = %e, action, target, "could not write audit record");
        }
    }

    /// Write the summary of counted refusals when their window ends (or
    /// with the next audit record, where no runtime can wait for it).
    fn summarise_at(&self, at: chrono::DateTime<chrono::Utc>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let registry = self.clone();
        let wait = (at - registry.inner.clock.now())
            .to_std()
            .unwrap_or_default();
        runtime.spawn(async move {
            tokio::time::sleep(wait + std::time::Duration::from_millis(10)).await;
            let now = registry.inner.clock.now();
            if let Some(summary) = registry.inner.refusals.take_ended(now) {
                registry.write_audit(summary).await;
            }
        });
    }

    /// The archive limits every publish (and mirror fetch) is held to.
    pub fn limits(&self) -> &crate::archive::ArchiveLimits {
        &self.inner.limits
    }

    /// Whether the caller may list or search `namespace`, or every
    /// namespace when `None`: any token may (what it cannot read is left
    /// out of the answer), an anonymous caller only where reads are open.
    pub fn authorize_listing(&self, ctx: &RequestContext, namespace: Option<&str>) -> Result<()> {
        match namespace {
            Some(ns) => self.authorize(ctx, Action::Read, ns),
            None if matches!(ctx.actor, Actor::Token { .. }) => Ok(()),
            None => self.authorize(ctx, Action::Read, "*"),
        }
    }

    /// Record an authorization refusal of a read (reads are otherwise not audited).
    async fn authorize_read(
        &self,
        ctx: &RequestContext,
        address: &ModuleAddress,
        what: &str,
    ) -> Result<()> {
        let r = self.authorize(ctx, Action::Read, address.namespace());
        if r.is_err() {
            self.audit(ctx, what, &address.to_string(), &r).await;
        }
        r
    }

    /// Check that the caller is an admin of every namespace; refusals are audited.
    pub async fn authorize_admin(&self, ctx: &RequestContext, what: &str) -> Result<()> {
        let r = self.authorize(ctx, Action::Admin, "*");
        self.audit(ctx, what, "*", &r).await;
        r
    }

    /// The listed (not yanked) versions of a module, in publish order.
    pub async fn versions(
        &self,
        ctx: &RequestContext,
        address: &ModuleAddress,
    ) -> Result<Arc<Vec<ModuleRecord>>> {
        self.authorize_read(ctx, address, "versions").await?;
        let all = self.inner.storage.versions(address).await?;
        if all.iter().all(|r| r.metadata.lifecycle.is_listed()) {
            return Ok(all);
        }
        Ok(Arc::new(
            all.iter()
                .filter(|r| r.metadata.lifecycle.is_listed())
                .cloned()
                .collect(),
        ))
    }

    /// The protocol's `/versions` answer for `address`: its listed
    /// versions from the stored projection (no record decoded). `NotFound`
    /// when the module has no listed version.
    pub async fn versions_document(
        &self,
        ctx: &RequestContext,
        address: &ModuleAddress,
    ) -> Result<crate::VersionsDocument> {
        self.authorize_read(ctx, address, "versions").await?;
        match self.inner.storage.versions_document(address).await? {
            Some(d) if !d.is_empty() => Ok(d),
            _ => Err(Error::not_found(format!("module {address} not found"))),
        }
    }

    /// One version's record, yanked or not.
    pub async fn get(&self, ctx: &RequestContext, id: &ModuleId) -> Result<ModuleRecord> {
        self.authorize_read(ctx, &id.address, "get").await?;
        self.inner.storage.get_record(id).await
    }

    /// A module's downloads on each of the last `days` days (UTC, today
    /// last, days without downloads as zero); `Unsupported` when the store
    /// keeps only totals. Counts still batched in memory are not in it yet.
    pub async fn downloads_by_day(
        &self,
        ctx: &RequestContext,
        address: &ModuleAddress,
        days: u32,
    ) -> Result<Vec<crate::DailyDownloads>> {
        self.authorize_read(ctx, address, "versions").await?;
        let today = self.inner.clock.now().date_naive();
        let first = today - chrono::Days::new(u64::from(days.max(1) - 1));
        let counted = self.inner.storage.downloads_by_day(address, first).await?;
        Ok(first
            .iter_days()
            .take_while(|d| *d <= today)
            .map(|day| crate::DailyDownloads {
                day,
                downloads: counted
                    .iter()
                    .find(|c| c.day == day)
                    .map_or(0, |c| c.downloads),
            })
            .collect())
    }

    /// The stored versions whose module calls name `address` as served at
    /// `host` (`host/ns/name/system`, or with a `//subdir`), at most
    /// `limit`, leaving out those the caller may not read (quietly: a
    /// reader of this module learns nothing of namespaces closed to it).
    /// `Unsupported` when the store keeps no dependency index.
    pub async fn used_by(
        &self,
        ctx: &RequestContext,
        address: &ModuleAddress,
        host: &str,
        limit: usize,
    ) -> Result<Vec<crate::Dependent>> {
        self.authorize_read(ctx, address, "versions").await?;
        let target = format!(
            "{host}/{}/{}/{}",
            address.namespace(),
            address.name(),
            address.system()
        );
        // Ask for more than shown: some may be filtered out below.
        let found = self
            .inner
            .storage
            .dependents(&target, limit.saturating_mul(4))
            .await?;
        Ok(found
            .into_iter()
            .filter(|d| {
                self.authorize(ctx, Action::Read, d.id.address.namespace())
                    .is_ok()
            })
            .take(limit)
            .collect())
    }

    /// The most recently published listed versions the caller may read,
    /// newest first, at most `limit` (published here: mirrored copies are
    /// left out); `Unsupported` when the store cannot order by publish time.
    pub async fn recent_versions(
        &self,
        ctx: &RequestContext,
        limit: usize,
    ) -> Result<Vec<ModuleRecord>> {
        // Ask for more than shown: some may be filtered out below.
        let found = self
            .inner
            .storage
            .recent_versions(limit.saturating_mul(4))
            .await?;
        Ok(found
            .into_iter()
            .filter(|r| {
                r.address.host().is_none()
                    && self
                        .authorize(ctx, Action::Read, r.address.namespace())
                        .is_ok()
            })
            .take(limit)
            .collect())
    }

    /// What the registry holds; only for callers who may read every
    /// namespace (the numbers cover them all).
    pub async fn totals(&self, ctx: &RequestContext) -> Result<crate::CatalogueTotals> {
        self.authorize(ctx, Action::Read, "*")?;
        self.inner.storage.totals().await
    }

    /// The newest listed version (by version order), if any.
    pub async fn latest(
        &self,
        ctx: &RequestContext,
        address: &ModuleAddress,
    ) -> Result<ModuleRecord> {
        // Choose among the version numbers, then read only that record.
        self.authorize_read(ctx, address, "versions").await?;
        let numbers = self.inner.storage.version_numbers(address).await?;
        let newest = VersionEntry::latest(numbers.iter()).ok_or_else(|| {
            Error::not_found(format!("module {address} has no versions"))
                .with_context("module", address)
        })?;
        let id = ModuleId::new(address.clone(), newest.version.clone());
        Ok(self
            .inner
            .storage
            .get_record_shared(&id)
            .await?
            .as_ref()
            .clone())
    }

    /// A page of modules matching the filter's namespace, name and system,
    /// each as its latest listed version, ordered by address key; modules
    /// the caller may not read are left out (the page may hold fewer than
    /// its size; follow `next`). Two queries on SQL stores, records from
    /// the cache where it holds them.
    pub async fn list_latest(
        &self,
        ctx: &RequestContext,
        filter: &Filter,
    ) -> Result<Page<ModuleRecord>> {
        self.authorize_listing(ctx, filter.namespace.as_deref())?;
        let page = self.inner.storage.list_latest(filter).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for id in &page.items {
            if !self.can_read(ctx, id.address.namespace()) {
                continue;
            }
            match self.inner.storage.get_record_shared(id).await {
                Ok(r) => items.push(r.as_ref().clone()),
                // Deleted since the page was read.
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Page {
            items,
            next: page.next,
        })
    }

    /// Versions matching a filter (only those the caller may read).
    pub async fn list(&self, ctx: &RequestContext, filter: &Filter) -> Result<Page<ModuleRecord>> {
        self.authorize_listing(ctx, filter.namespace.as_deref())?;
        let mut page = self.inner.storage.list(filter).await?;
        page.items.retain(|r| {
            self.authorize(ctx, Action::Read, r.address.namespace())
                .is_ok()
        });
        Ok(page)
    }

    /// Pick the version a client would install for `constraint`.
    pub async fn resolve(
        &self,
        ctx: &RequestContext,
        address: &ModuleAddress,
        constraint: &str,
    ) -> Result<ModuleRecord> {
        let started = Instant::now();
        let records = self.versions(ctx, address).await?;
        let versions: Vec<_> = records.iter().map(|r| r.version.clone()).collect();
        let chosen = self
            .inner
            .versions
            .resolve(constraint, &versions)
            .map_err(|e| e.with_context("module", address))?;
        self.inner.observer.resolved(address, started.elapsed());
        records
            .iter()
            .find(|r| r.version == chosen)
            .cloned()
            .ok_or_else(|| {
                Error::not_found(format!("resolved version {chosen} of {address} vanished"))
            })
    }

    /// Download a version (yanked ones too, by exact version), verified
    /// against its sha256 before any byte is returned.
    pub async fn download(&self, ctx: &RequestContext, id: &ModuleId) -> Result<Module> {
        self.authorize_read(ctx, &id.address, "download").await?;
        let module = self.inner.storage.get(id).await?;
        if let Err(e) = self.inner.storage.record_download(id).await {
            tracing::warn!(module = %id, error = %e, "could not count download");
        }
        self.inner.observer.downloaded(id, module.metadata.size);
        Ok(module)
    }

    /// A version with its archive (verified), without counting a download:
    /// for serving archive bytes after [`Registry::count_download`] was called
    /// by the protocol's download step.
    pub async fn fetch_archive(&self, ctx: &RequestContext, id: &ModuleId) -> Result<Module> {
        self.authorize_read(ctx, &id.address, "download").await?;
        self.inner.storage.get(id).await
    }

    /// One file of a version's archive by its path from the module root
    /// (`docs/diagram.png`), at most `max_bytes`; `None` when there is no
    /// such file. Not a download: nothing is counted.
    pub async fn archive_file(
        &self,
        ctx: &RequestContext,
        id: &ModuleId,
        path: &str,
        max_bytes: u64,
    ) -> Result<Option<bytes::Bytes>> {
        self.authorize_read(ctx, &id.address, "download").await?;
        let module = self.inner.storage.get(id).await?;
        let inside = match &module.metadata.root_dir {
            Some(root) => format!("{root}/{path}"),
            None => path.to_string(),
        };
        crate::archive::read_archive_file(&module.archive, &self.inner.limits, &inside, max_bytes)
            .await
    }

    /// Where a version's archive is, counting the download (the protocol's
    /// `/download` step). Yanked versions too, by exact version. Uses the
    /// shared cached record, so a warm call copies no record.
    pub async fn count_download(
        &self,
        ctx: &RequestContext,
        id: &ModuleId,
    ) -> Result<DownloadTarget> {
        self.authorize_read(ctx, &id.address, "download").await?;
        let record = self.inner.storage.get_record_shared(id).await?;
        let target = DownloadTarget {
            id: record.id(),
            format: record.metadata.format,
            root_dir: record.metadata.root_dir.clone(),
            size: record.metadata.size,
            sha256: record.metadata.sha256,
        };
        if let Err(e) = self.inner.storage.record_download(id).await {
            tracing::warn!(module = %id, error = %e, "could not count download");
        }
        self.inner.observer.downloaded(id, target.size);
        Ok(target)
    }

    /// Pin a version: exact version and digests.
    pub async fn lock(&self, ctx: &RequestContext, id: &ModuleId) -> Result<LockEntry> {
        let module = self.download(ctx, id).await?;
        self.inner.versions.lock(&module).await
    }

    /// Deprecate, yank, or undo those.
    pub async fn change_lifecycle(
        &self,
        ctx: &RequestContext,
        id: &ModuleId,
        change: LifecycleChange,
    ) -> Result<ModuleRecord> {
        let result = async {
            self.authorize(ctx, Action::ChangeLifecycle, id.address.namespace())?;
            check_lifecycle_text(&change)?;
            let now = self.inner.clock.now();
            let record = self
                .inner
                .storage
                .change_lifecycle(id, &change, now)
                .await?;
            if let Some(search) = &self.inner.search
                && let Err(e) = search.index(&record).await
            {
                tracing::warn!(module = %id, error = %e, "search index not updated");
            }
            Ok(record)
        }
        .await;
        self.audit(ctx, change.verb(), &id.to_string(), &result)
            .await;
        result
    }

    /// Delete a version (admins only). Its number stays reserved.
    pub async fn delete(&self, ctx: &RequestContext, id: &ModuleId) -> Result<()> {
        let result = async {
            self.authorize(ctx, Action::Delete, id.address.namespace())?;
            self.inner.storage.delete(id).await?;
            if let Some(search) = &self.inner.search
                && let Err(e) = search.remove(id).await
            {
                tracing::warn!(module = %id, error = %e, "search index not updated");
            }
            Ok(())
        }
        .await;
        self.audit(ctx, "delete", &id.to_string(), &result).await;
        result
    }

    /// Whether the caller may read a namespace (no audit record; for
    /// listings that skip what the caller cannot see).
    pub fn can_read(&self, ctx: &RequestContext, namespace: &str) -> bool {
        self.authorize(ctx, Action::Read, namespace).is_ok()
    }

    /// Whether the caller may perform `action` in a namespace (no audit
    /// record; for listings of rooms beside the modules).
    pub fn may(&self, ctx: &RequestContext, action: Action, namespace: &str) -> bool {
        self.authorize(ctx, action, namespace).is_ok()
    }

    /// Catch up with a change another process made to a version (publish,
    /// lifecycle change or delete): drop cached copies and bring the search
    /// index in line with the metadata store.
    pub async fn refresh(&self, id: &ModuleId) -> Result<()> {
        self.inner.storage.forget(id).await;
        let Some(search) = &self.inner.search else {
            return Ok(());
        };
        match self.inner.storage.get_record(id).await {
            Ok(record) => search.index(&record).await,
            Err(e) if e.kind() == ErrorKind::NotFound => search.remove(id).await,
            Err(e) => Err(e),
        }
    }

    /// Search modules; `Unsupported` when no index is configured.
    pub async fn search(&self, ctx: &RequestContext, query: &SearchQuery) -> Result<SearchResults> {
        let index = self.inner.search.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::Unsupported, "this registry has no search index")
        })?;
        self.authorize_listing(ctx, query.namespace.as_deref())?;
        let mut results = index.search(query).await?;
        results.hits.retain(|h| {
            self.authorize(ctx, Action::Read, h.id.address.namespace())
                .is_ok()
        });
        Ok(results)
    }

    /// Rebuild the search index from the storage (admins); the number of
    /// versions indexed.
    pub async fn reindex(&self, ctx: &RequestContext) -> Result<usize> {
        self.authorize_admin(ctx, "reindex").await?;
        let index = self.inner.search.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::Unsupported, "this registry has no search index")
        })?;
        index.rebuild(self.inner.storage.as_ref()).await
    }

    fn doc_generator(&self) -> Result<Arc<dyn DocGenerator>> {
        self.inner.docs.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                "this registry has no documentation generator",
            )
        })
    }

    /// JSON Schema of a version's inputs and outputs.
    pub async fn api_doc(&self, ctx: &RequestContext, id: &ModuleId) -> Result<crate::ApiDoc> {
        let docs = self.doc_generator()?;
        self.authorize_read(ctx, &id.address, "docs").await?;
        let module = self.inner.storage.get(id).await?;
        docs.generate_api(&module).await
    }

    /// Usage examples of a version: a generated call per module and
    /// submodule, and its `examples/`. With `host` (this registry's, as
    /// clients reach it), generated calls name it in their `source`.
    pub async fn examples(
        &self,
        ctx: &RequestContext,
        id: &ModuleId,
        host: Option<&str>,
    ) -> Result<Vec<crate::Example>> {
        let docs = self.doc_generator()?;
        self.authorize_read(ctx, &id.address, "docs").await?;
        let mut module = self.inner.storage.get(id).await?;
        // Calls must name this registry: a bare `ns/name/system` is the public one.
        if let Some(h) = host {
            module.address = module.address.clone().with_host(h)?;
        }
        docs.generate_examples(&module).await
    }

    /// Documentation of a version; `Unsupported` when no generator is configured.
    pub async fn docs(&self, ctx: &RequestContext, id: &ModuleId) -> Result<Documentation> {
        let docs = self.inner.docs.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                "this registry has no documentation generator",
            )
        })?;
        self.authorize_read(ctx, &id.address, "docs").await?;
        let module = self.inner.storage.get(id).await?;
        let started = Instant::now();
        let d = docs.generate(&module).await?;
        self.inner.observer.docs_generated(id, started.elapsed());
        Ok(d)
    }
}

/// The free text of a lifecycle change, within [`fields`]' limits.
fn check_lifecycle_text(change: &LifecycleChange) -> Result<()> {
    match change {
        LifecycleChange::Deprecate { reason, successor } => {
            fields::check_text("deprecation reason", reason, fields::MAX_REASON, true)?;
            if let Some(s) = successor {
                fields::check_text("successor", s, fields::MAX_SUCCESSOR, false)?;
            }
            Ok(())
        }
        LifecycleChange::Yank { reason: Some(r) } => {
            fields::check_text("yank reason", r, fields::MAX_REASON, true)
        }
        _ => Ok(()),
    }
}
