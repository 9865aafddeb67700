//! Assemble a [`Registry`] from configuration: storage from URLs (the
//! embedded default when none are given), the HCL inspector, Terraform's
//! version rules, the built-in validation rules and role-based access.

use std::sync::Arc;

use registry_core::{
    ArchiveLimits, PublishPolicy, Registry, RegistryObserver, Result, RoleAuthorizer,
};
use registry_docs::{HclInspector, TantivySearchIndex, TfDocsGenerator};
use registry_resolve::{KeyringVerifier, TerraformVersionManager};
use registry_storage::{OpenedStorage, StorageConfig, open_storage};
use serde::{Deserialize, Serialize};

/// Everything needed to open a registry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RegistryConfig {
    /// Where metadata, blobs and the cache live.
    pub storage: StorageConfig,
    /// Require a token for reads too.
    pub require_auth: bool,
    /// Archive limits.
    pub limits: ArchiveLimits,
    /// Publish policy (strict SemVer by default).
    pub policy: PublishPolicy,
    /// Where the search index lives.
    pub search: SearchLocation,
}

/// Where the search index lives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchLocation {
    /// Under `DATA_DIR/search`, memory-mapped, kept across restarts (the default).
    #[default]
    InDataDir,
    /// In a directory of its own.
    Dir(std::path::PathBuf),
    /// In memory, rebuilt from the metadata store on every open.
    InMemory,
}

impl RegistryConfig {
    /// The embedded default: SQLite and a blob folder under `data_dir`.
    pub fn embedded(data_dir: impl Into<std::path::PathBuf>) -> Self {
        RegistryConfig {
            storage: StorageConfig::embedded(data_dir),
            ..Default::default()
        }
    }
}

/// A registry and the storage it was opened on.
#[derive(Debug, Clone)]
pub struct OpenedRegistry {
    /// The registry.
    pub registry: Registry,
    /// Its storage parts (for migrations, garbage collection, metrics).
    pub storage: OpenedStorage,
    /// Its search index (see [`SearchLocation`]).
    pub search: Arc<dyn registry_core::SearchIndex>,
    /// Its hash-chained audit log (in the metadata database).
    pub audit: Arc<dyn registry_core::AuditLog>,
    /// Its private providers (same tokens, roles and audit log; zips in the
    /// same blob store).
    pub providers: registry_providers::ProviderRegistry,
    /// The git repositories its modules follow (webhook secrets sealed
    /// with the same sealer as provider keys).
    pub repositories: crate::repos::Repositories,
    /// Its trusted publisher policies (CI jobs' OIDC tokens exchanged for
    /// short-lived publish tokens).
    pub trusted_publishers: Arc<dyn registry_core::TrustedPublisherStore>,
    /// The audit log's head when the registry was opened (before the search
    /// index was built): where [`OpenedRegistry::follow_changes`] starts.
    opened_at_seq: u64,
}

/// Audit actions that change a version.
const CHANGE_ACTIONS: &[&str] = &[
    "publish",
    "deprecate",
    "undeprecate",
    "yank",
    "unyank",
    "delete",
];

/// Apply every change recorded in the audit log after `after` to this
/// process (cache and search index, through [`Registry::refresh`]);
/// returns the sequence number reached.
pub async fn catch_up(
    registry: &Registry,
    audit: &dyn registry_core::AuditLog,
    after: u64,
) -> Result<u64> {
    const BATCH: usize = 500;
    let mut last = after;
    loop {
        let batch = audit
            .list(&registry_core::AuditQuery {
                after: Some(last),
                limit: BATCH,
                ..Default::default()
            })
            .await?;
        for record in &batch {
            let e = &record.event;
            if e.outcome == registry_core::AuditOutcome::Success
                && CHANGE_ACTIONS.contains(&e.action.as_str())
                && let Ok(id) = e.target.parse::<registry_core::ModuleId>()
            {
                registry.refresh(&id).await?;
            }
            last = record.seq;
        }
        if batch.len() < BATCH {
            return Ok(last);
        }
    }
}

/// Keeps one process in step with the changes every process commits to the
/// shared metadata store (see [`OpenedRegistry::follow_changes`]). Stops
/// when dropped.
pub struct ChangeFollower {
    task: tokio::task::JoinHandle<()>,
    _listener: Option<registry_storage::AbortOnDrop>,
}

impl std::fmt::Debug for ChangeFollower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeFollower")
            .field("pushed", &self._listener.is_some())
            .finish()
    }
}

impl Drop for ChangeFollower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl OpenedRegistry {
    /// Follow changes other processes make to the same metadata store:
    /// every published, deprecated, yanked or deleted version is dropped
    /// from this process's in-process cache and re-indexed for search. The
    /// audit log is the change feed (every mutation appends to it); it is
    /// read every `poll`, and at once when PostgreSQL announces an append
    /// through `NOTIFY`. Needs a Tokio runtime.
    pub fn follow_changes(&self, poll: std::time::Duration) -> ChangeFollower {
        let signal = Arc::new(tokio::sync::Notify::new());
        let listener = self.storage.metadata.listen_for_changes(signal.clone());
        let registry = self.registry.clone();
        let audit = self.audit.clone();
        let search = self.search.clone();
        let mut last = self.opened_at_seq;
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    _ = signal.notified() => {}
                }
                match catch_up(&registry, audit.as_ref(), last).await {
                    Ok(seq) => {
                        last = seq;
                        // So a restart replays from here.
                        if let Err(e) = search.checkpoint(seq).await {
                            tracing::warn!(error = %e, "storing the search index's position failed");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "catching up with other processes failed; retrying")
                    }
                }
            }
        });
        ChangeFollower {
            task,
            _listener: listener,
        }
    }

    /// Bring the search index current on open: an index that stored the
    /// audit-log position it was current to catches up from there (the
    /// changes since, replayed); any other is rebuilt from the metadata
    /// store. Returns the position reached.
    async fn bring_search_current(&self, head_seq: u64) -> Result<u64> {
        let started = std::time::Instant::now();
        let reached = match self.search.current_to() {
            // A position past the log's head is another database's.
            Some(seq) if seq <= head_seq => {
                let reached = catch_up(&self.registry, self.audit.as_ref(), seq).await?;
                tracing::info!(
                    from = seq,
                    to = reached,
                    seconds = started.elapsed().as_secs_f64(),
                    "search index caught up"
                );
                reached
            }
            _ => {
                let n = self.reindex().await?;
                tracing::info!(
                    versions = n,
                    seconds = started.elapsed().as_secs_f64(),
                    "search index built"
                );
                head_seq
            }
        };
        self.search.checkpoint(reached).await?;
        Ok(reached)
    }

    /// Rebuild the search index from the metadata store; returns the number of versions indexed.
    pub async fn reindex(&self) -> Result<usize> {
        registry_core::SearchIndex::rebuild(self.search.as_ref(), self.registry.storage().as_ref())
            .await
    }
}

/// Open the registry a configuration describes.
///
/// ```
/// use registry_core::{PublishRequest, RequestContext};
/// use registry_server::{open_registry, RegistryConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> registry_core::Result<()> {
/// let dir = tempfile::tempdir()?;
/// let opened = open_registry(&RegistryConfig::embedded(dir.path())).await?;
/// let archive = registry_core::testing::simple_module(&[]);
/// let record = opened
///     .registry
///     .publish_bytes(&RequestContext::system(), PublishRequest::new("acme/hello/null".parse()?, "1.0.0"), archive)
///     .await?;
/// assert_eq!(record.metadata.summary.root.inputs[0].name, "name");
/// let chosen = opened.registry.resolve(&RequestContext::anonymous(), &record.address, "~> 1.0").await?;
/// assert_eq!(chosen.version.as_str(), "1.0.0");
/// # Ok(()) }
/// ```
pub async fn open_registry(config: &RegistryConfig) -> Result<OpenedRegistry> {
    open_registry_with(config, None).await
}

/// [`open_registry`] with a metrics observer.
pub async fn open_registry_with(
    config: &RegistryConfig,
    observer: Option<Arc<dyn RegistryObserver>>,
) -> Result<OpenedRegistry> {
    let storage = open_storage(&config.storage).await?;
    let search: Arc<dyn registry_core::SearchIndex> = Arc::new(match &config.search {
        SearchLocation::InDataDir => {
            TantivySearchIndex::open_in(&config.storage.data_dir.join("search"))?
        }
        SearchLocation::Dir(dir) => TantivySearchIndex::open_in(dir)?,
        SearchLocation::InMemory => TantivySearchIndex::in_memory()?,
    });
    let audit = storage.metadata.as_audit_log();
    let mut builder = Registry::builder()
        .audit_sink(audit.clone())
        .search_index(search.clone())
        .doc_generator(Arc::new(TfDocsGenerator));
    if let Some(o) = observer {
        builder = builder.observer(o);
    }
    #[cfg(feature = "tests")]
    {
        builder = builder
            .validation_rules(registry_testkit::validate::all_rules())
            .test_runner(Arc::new(
                registry_testkit::tftest::test_runner::EngineRunner::new(),
            ));
    }
    let registry = builder
        .storage(Arc::new(storage.stack.clone()))
        .version_manager(Arc::new(TerraformVersionManager::new()))
        .inspector(Arc::new(HclInspector))
        .compatibility_check(Arc::new(registry_diff::ApiCompatibility))
        .signature_verifier(Arc::new(KeyringVerifier::new(
            storage.metadata.as_signing_key_store(),
        )))
        .policy_store(storage.metadata.as_policy_store())
        .authorizer(Arc::new(RoleAuthorizer {
            require_auth_for_reads: config.require_auth,
        }))
        .archive_limits(config.limits)
        .publish_policy(config.policy)
        .spool_dir(config.storage.data_dir.join("tmp"))
        .build()?;
    let head_seq = audit.head_seq().await?;
    let sealer: Arc<dyn registry_core::SecretSealer> = Arc::new(config.storage.secret_sealer()?);
    let providers = registry_providers::ProviderRegistry::new(
        registry.clone(),
        storage.metadata.as_provider_store(),
        storage.blob_store.clone(),
        sealer.clone(),
    );
    let repositories = crate::repos::Repositories::new(
        registry.clone(),
        storage.metadata.as_repository_store(),
        sealer,
    );
    let mut opened = OpenedRegistry {
        registry,
        providers,
        repositories,
        trusted_publishers: storage.metadata.as_trusted_publisher_store(),
        storage,
        search,
        audit,
        opened_at_seq: head_seq,
    };
    opened.opened_at_seq = opened.bring_search_current(head_seq).await?;
    Ok(opened)
}
