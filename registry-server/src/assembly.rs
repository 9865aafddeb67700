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
    /// Its search index (in memory, rebuilt from the metadata store on open).
    pub search: Arc<TantivySearchIndex>,
    /// Its hash-chained audit log (in the metadata database).
    pub audit: Arc<dyn registry_core::AuditLog>,
}

impl OpenedRegistry {
    /// Rebuild the search index from the metadata store; returns the number of versions indexed.
    pub async fn reindex(&self) -> Result<usize> {
        self.search.rebuild(self.registry.storage().as_ref()).await
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
    let search = Arc::new(TantivySearchIndex::in_memory()?);
    let audit = storage.metadata.as_audit_log();
    let mut builder = Registry::builder()
        .audit_sink(audit.clone())
        .search_index(search.clone())
        .doc_generator(Arc::new(TfDocsGenerator));
    if let Some(o) = observer {
        builder = builder.observer(o);
    }
    let registry = builder
        .storage(Arc::new(storage.stack.clone()))
        .version_manager(Arc::new(TerraformVersionManager::new()))
        .inspector(Arc::new(HclInspector))
        .signature_verifier(Arc::new(KeyringVerifier::new(
            storage.metadata.as_signing_key_store(),
        )))
        .authorizer(Arc::new(RoleAuthorizer {
            require_auth_for_reads: config.require_auth,
        }))
        .archive_limits(config.limits)
        .publish_policy(config.policy)
        .spool_dir(config.storage.data_dir.join("tmp"))
        .build()?;
    let opened = OpenedRegistry {
        registry,
        storage,
        search,
        audit,
    };
    let n = opened.reindex().await?;
    tracing::debug!(versions = n, "search index built");
    Ok(opened)
}
