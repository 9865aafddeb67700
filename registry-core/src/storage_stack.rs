//! [`StorageStack`]: a [`ModuleStorage`] built from a metadata store, a blob
//! store and an optional cache. Every backend combination in
//! `registry-storage` is one of these; the ordering and verification rules
//! live here once.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::address::{ModuleAddress, ModuleId};
use crate::archive::ArchiveBody;
use crate::download_batch::DownloadBatcher;
use crate::error::{Error, ErrorKind, Result};
use crate::filter::{Filter, Page};
use crate::module::{LifecycleChange, Module, ModuleRecord};
use crate::traits::cache::Cache;
use crate::traits::storage::{BlobStore, GcReport, MetadataStore, ModuleStorage};

/// How long cached entries live and which archives are cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CachePolicy {
    /// Version lists (invalidated on every change, so the TTL only bounds
    /// staleness of changes made by processes that share no invalidation channel).
    pub versions_ttl: Duration,
    /// Version records.
    pub record_ttl: Duration,
    /// Archives (content-addressed, never stale).
    pub archive_ttl: Duration,
    /// Archives larger than this are not cached.
    pub max_cached_archive_bytes: u64,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            versions_ttl: Duration::from_secs(60),
            record_ttl: Duration::from_secs(300),
            archive_ttl: Duration::from_secs(600),
            max_cached_archive_bytes: 1024 * 1024,
        }
    }
}

/// Cache key of a module's version list.
pub fn versions_key(address: &ModuleAddress) -> String {
    format!("v1:versions:{}", address.key())
}

/// Cache key of a module's version numbers.
pub fn numbers_key(address: &ModuleAddress) -> String {
    format!("v1:numbers:{}", address.key())
}

/// Cache key of a module's protocol versions document.
pub fn document_key(address: &ModuleAddress) -> String {
    format!("v1:document:{}", address.key())
}

/// Cache key of a version's record.
pub fn record_key(id: &ModuleId) -> String {
    format!("v1:record:{}", id.key())
}

/// Cache key of an archive.
pub fn archive_key(sha256: &crate::Sha256Digest) -> String {
    format!("v1:archive:{sha256}")
}

/// Metadata store + blob store + optional cache, as one [`ModuleStorage`].
///
/// Decoded cache entries are kept beside the cache (keyed by the cached
/// bytes), so a hit costs a lookup, not a JSON decode; download counts are
/// batched and written once a second.
#[derive(Debug, Clone)]
pub struct StorageStack {
    metadata: Arc<dyn MetadataStore>,
    blobs: Arc<dyn BlobStore>,
    cache: Option<Arc<dyn Cache>>,
    policy: CachePolicy,
    decoded: Arc<DecodedMemo>,
    downloads: Arc<DownloadBatcher>,
}

/// Most decoded entries kept; the memo is cleared when it grows past this.
const DECODED_MEMO_ENTRIES: usize = 4096;

/// A decoded value beside the cached bytes it was decoded from.
type DecodedEntry = (Bytes, Arc<dyn std::any::Any + Send + Sync>);

/// Decoded values of cache entries, valid while the cache holds the same bytes.
#[derive(Default)]
struct DecodedMemo {
    entries: std::sync::Mutex<std::collections::HashMap<String, DecodedEntry>>,
}

impl std::fmt::Debug for DecodedMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecodedMemo")
    }
}

impl DecodedMemo {
    fn get<T: Clone + Send + Sync + 'static>(&self, key: &str, bytes: &Bytes) -> Option<T> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (b, v) = entries.get(key)?;
        let same = (b.as_ptr() == bytes.as_ptr() && b.len() == bytes.len()) || b == bytes;
        if same {
            v.downcast_ref::<T>().cloned()
        } else {
            None
        }
    }

    fn put<T: Send + Sync + 'static>(&self, key: &str, bytes: Bytes, value: T) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= DECODED_MEMO_ENTRIES {
            entries.clear();
        }
        entries.insert(key.to_string(), (bytes, Arc::new(value)));
    }
}

impl StorageStack {
    /// Compose a metadata store and a blob store, without a cache.
    pub fn new(metadata: Arc<dyn MetadataStore>, blobs: Arc<dyn BlobStore>) -> Self {
        StorageStack {
            downloads: DownloadBatcher::new(metadata.clone()),
            metadata,
            blobs,
            cache: None,
            policy: CachePolicy::default(),
            decoded: Arc::default(),
        }
    }

    /// Put a cache in front of reads.
    pub fn with_cache(mut self, cache: Arc<dyn Cache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Change cache lifetimes.
    pub fn with_cache_policy(mut self, policy: CachePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The metadata store.
    pub fn metadata(&self) -> &Arc<dyn MetadataStore> {
        &self.metadata
    }

    /// The blob store.
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    /// The cache, if any.
    pub fn cache(&self) -> Option<&Arc<dyn Cache>> {
        self.cache.as_ref()
    }

    async fn cached<T, F>(&self, key: String, ttl: Duration, load: F) -> Result<T>
    where
        T: Serialize + for<'de> Deserialize<'de> + Clone + Send + Sync + 'static,
        F: std::future::Future<Output = Result<T>>,
    {
        let Some(cache) = &self.cache else {
            return load.await;
        };
        if let Some(bytes) = cache.get(&key).await {
            if let Some(v) = self.decoded.get::<T>(&key, &bytes) {
                return Ok(v);
            }
            match serde_json::from_slice::<T>(&bytes) {
                Ok(v) => {
                    self.decoded.put(&key, bytes, v.clone());
                    return Ok(v);
                }
                Err(e) => tracing::warn!(key, error = %e, "dropping undecodable cache entry"),
            }
        }
        let value = load.await?;
        if let Ok(bytes) = serde_json::to_vec(&value) {
            let bytes = Bytes::from(bytes);
            cache.put(&key, bytes.clone(), ttl).await;
            self.decoded.put(&key, bytes, value.clone());
        }
        Ok(value)
    }

    async fn invalidate(&self, id: &ModuleId) {
        if let Some(cache) = &self.cache {
            cache
                .invalidate(&[
                    versions_key(&id.address),
                    numbers_key(&id.address),
                    document_key(&id.address),
                    record_key(id),
                ])
                .await;
        }
    }

    async fn archive_bytes(&self, record: &ModuleRecord) -> Result<Bytes> {
        let sha = record.metadata.sha256;
        let cacheable =
            self.cache.is_some() && record.metadata.size <= self.policy.max_cached_archive_bytes;
        if cacheable
            && let Some(cache) = &self.cache
            && let Some(bytes) = cache.get(&archive_key(&sha)).await
            && sha.verify(&bytes).is_ok()
        {
            return Ok(bytes);
        }
        let bytes = self.blobs.get(&sha).await.map_err(|e| {
            if e.kind() == ErrorKind::NotFound {
                Error::new(
                    ErrorKind::Integrity,
                    format!(
                        "the archive of {} is missing from the blob store",
                        record.id()
                    ),
                )
                .with_context("sha256", sha)
            } else {
                e
            }
        })?;
        sha.verify(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::Integrity,
                format!(
                    "stored archive of {} is corrupt: {}",
                    record.id(),
                    e.message()
                ),
            )
        })?;
        if cacheable && let Some(cache) = &self.cache {
            cache
                .put(&archive_key(&sha), bytes.clone(), self.policy.archive_ttl)
                .await;
        }
        Ok(bytes)
    }
}

#[async_trait]
impl ModuleStorage for StorageStack {
    async fn forget(&self, id: &ModuleId) {
        self.invalidate(id).await;
    }

    async fn store(&self, module: &Module) -> Result<ModuleRecord> {
        let id = module.id();
        // The metadata store's unique index decides (also between racing
        // writers); `Registry::publish` refuses known versions before any
        // upload, so only a lost race can leave an unreferenced blob, which
        // `gc` removes after its grace period.
        if module.archive.len() != module.metadata.size {
            return Err(Error::invalid_input(format!(
                "archive is {} bytes but metadata says {}",
                module.archive.len(),
                module.metadata.size
            )));
        }
        self.blobs
            .put(&module.metadata.sha256, &module.archive)
            .await?;
        let stored = self.metadata.insert_version(&module.record()).await?;
        self.invalidate(&id).await;
        Ok(stored)
    }

    async fn get(&self, id: &ModuleId) -> Result<Module> {
        let record = self.get_record(id).await?;
        let bytes = self.archive_bytes(&record).await?;
        Ok(Module {
            address: record.address,
            version: record.version,
            metadata: record.metadata,
            archive: ArchiveBody::Memory(bytes),
        })
    }

    async fn get_record(&self, id: &ModuleId) -> Result<ModuleRecord> {
        Ok(self.get_record_shared(id).await?.as_ref().clone())
    }

    async fn get_record_shared(&self, id: &ModuleId) -> Result<Arc<ModuleRecord>> {
        self.cached(record_key(id), self.policy.record_ttl, async {
            self.metadata.get_version(id).await.map(Arc::new)
        })
        .await
    }

    async fn list(&self, filter: &Filter) -> Result<Page<ModuleRecord>> {
        self.metadata.list(filter).await
    }

    async fn version_numbers(
        &self,
        address: &ModuleAddress,
    ) -> Result<Arc<Vec<crate::traits::storage::VersionEntry>>> {
        self.cached(numbers_key(address), self.policy.versions_ttl, async {
            self.metadata
                .list_version_numbers(address)
                .await
                .map(Arc::new)
        })
        .await
    }

    async fn versions(&self, address: &ModuleAddress) -> Result<Arc<Vec<ModuleRecord>>> {
        self.cached(versions_key(address), self.policy.versions_ttl, async {
            self.metadata.list_versions(address).await.map(Arc::new)
        })
        .await
    }

    async fn versions_document(
        &self,
        address: &ModuleAddress,
    ) -> Result<Option<crate::VersionsDocument>> {
        self.cached(document_key(address), self.policy.versions_ttl, async {
            self.metadata.versions_document(address).await
        })
        .await
    }

    async fn list_modules(&self, filter: &Filter) -> Result<Page<ModuleAddress>> {
        self.metadata.list_modules(filter).await
    }

    async fn list_latest(&self, filter: &Filter) -> Result<Page<ModuleId>> {
        self.metadata.list_latest(filter).await
    }

    async fn delete(&self, id: &ModuleId) -> Result<()> {
        self.metadata.delete_version(id).await?;
        self.invalidate(id).await;
        Ok(())
    }

    async fn change_lifecycle(
        &self,
        id: &ModuleId,
        change: &LifecycleChange,
        now: DateTime<Utc>,
    ) -> Result<ModuleRecord> {
        let r = self.metadata.change_lifecycle(id, change, now).await?;
        self.invalidate(id).await;
        Ok(r)
    }

    async fn record_download(&self, id: &ModuleId) -> Result<()> {
        self.downloads.record(id);
        Ok(())
    }

    async fn downloads_by_day(
        &self,
        address: &ModuleAddress,
        since: chrono::NaiveDate,
    ) -> Result<Vec<crate::DailyDownloads>> {
        self.metadata.downloads_by_day(address, since).await
    }

    async fn dependents(&self, source: &str, limit: usize) -> Result<Vec<crate::Dependent>> {
        self.metadata.dependents(source, limit).await
    }

    async fn recent_versions(&self, limit: usize) -> Result<Vec<ModuleRecord>> {
        self.metadata.recent_versions(limit).await
    }

    async fn totals(&self) -> Result<crate::CatalogueTotals> {
        self.metadata.totals().await
    }

    async fn flush(&self) -> Result<()> {
        self.downloads.flush().await
    }

    async fn namespace_usage(&self, namespace: &str) -> Result<crate::NamespaceUsage> {
        self.metadata.namespace_usage(namespace).await
    }

    async fn gc(&self, grace: Duration) -> Result<GcReport> {
        // List blobs before reading references: a blob written after the
        // listing is not considered, and one listed before its metadata
        // commits is young and so kept by the grace period.
        let blobs = self.blobs.list().await?;
        let referenced = self.metadata.referenced_blobs().await?;
        let cutoff = Utc::now()
            - chrono::Duration::from_std(grace)
                .map_err(|_| Error::invalid_input("grace period too long"))?;
        let mut report = GcReport::default();
        for b in blobs {
            report.scanned += 1;
            if referenced.contains(&b.digest) {
                continue;
            }
            if b.last_modified > cutoff {
                report.kept_in_grace += 1;
                continue;
            }
            self.blobs.delete(&b.digest).await?;
            report.removed += 1;
            report.bytes_freed += b.size;
        }
        Ok(report)
    }
}
