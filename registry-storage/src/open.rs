//! Opening a storage stack from a [`StorageConfig`]: the metadata
//! database, the blob store and the cache it names, with the embedded
//! default (SQLite + a folder under the data directory) when none is given.

use std::sync::Arc;

use registry_core::{Cache, Result, StorageStack};
#[cfg(not(feature = "redis"))]
use registry_core::{Error, ErrorKind};

use crate::blob::{BlobUrl, ObjectBlobStore, open_blob_url};
use crate::cache::MemoryCache;
use crate::config::StorageConfig;
use crate::sql::SqlMetadataStore;

/// Everything [`open_storage`] opened.
#[derive(Debug, Clone)]
pub struct OpenedStorage {
    /// The composed storage, ready for `Registry::builder().storage(...)`.
    pub stack: StorageStack,
    /// The metadata database.
    pub metadata: SqlMetadataStore,
    /// The blob store as configured (raw bytes, encrypted when keys are set).
    pub blobs: ObjectBlobStore,
    /// The blob store the stack uses (with encryption when configured).
    pub blob_store: Arc<dyn registry_core::BlobStore>,
    /// The cache in front of reads, if any.
    pub cache: Option<Arc<dyn Cache>>,
}

/// The default database URL for a data directory.
pub fn default_database_url(data_dir: &std::path::Path) -> Result<String> {
    let abs = std::path::absolute(data_dir.join("registry.db"))?;
    Ok(format!("sqlite://{}", abs.display()))
}

/// Open the metadata store, blob store and cache a configuration names.
pub async fn open_storage(config: &StorageConfig) -> Result<OpenedStorage> {
    let db_url = match &config.database_url {
        Some(u) => u.clone(),
        None => {
            crate::private_dir::create_private_dir(&config.data_dir).await?;
            default_database_url(&config.data_dir)?
        }
    };
    let metadata = SqlMetadataStore::connect(&db_url, config.database_schema.as_deref()).await?;
    if config.migrate {
        metadata.migrate().await?;
    } else {
        metadata
            .schema_status()
            .await?
            .require_current(metadata.engine())?;
    }
    let blob_url = match &config.blob_url {
        Some(u) => BlobUrl::parse(u)?,
        None => BlobUrl::for_dir(&config.data_dir.join("blobs"))?,
    };
    let blobs = open_blob_url(&blob_url).await?;
    let blob_store: Arc<dyn registry_core::BlobStore> = match config.master_keys()? {
        Some(keys) => Arc::new(crate::blob::EncryptedBlobStore::new(
            Arc::new(blobs.clone()),
            keys,
        )?),
        None => Arc::new(crate::blob::UnkeyedBlobStore::new(Arc::new(blobs.clone()))),
    };
    let cache = open_cache(config).await?;
    let mut stack = StorageStack::new(metadata.as_store(), blob_store.clone())
        .with_cache_policy(config.cache_policy);
    if let Some(c) = &cache {
        stack = stack.with_cache(c.clone());
    }
    Ok(OpenedStorage {
        stack,
        metadata,
        blobs,
        blob_store,
        cache,
    })
}

async fn open_cache(config: &StorageConfig) -> Result<Option<Arc<dyn Cache>>> {
    let memory =
        (config.memory_cache_bytes > 0).then(|| MemoryCache::new(config.memory_cache_bytes));
    match &config.cache_url {
        None => Ok(memory.map(|m| Arc::new(m) as Arc<dyn Cache>)),
        #[cfg(feature = "redis")]
        Some(url) => {
            let prefix = config
                .cache_prefix
                .as_deref()
                .unwrap_or(crate::cache::DEFAULT_PREFIX);
            let redis = crate::cache::RedisCache::connect_with_prefix(url, prefix).await?;
            let tiered = crate::cache::TieredCache::new(memory, redis).await;
            Ok(Some(Arc::new(tiered)))
        }
        #[cfg(not(feature = "redis"))]
        Some(_) => Err(Error::new(
            ErrorKind::Unsupported,
            "a cache URL needs registry-storage's `redis` feature",
        )),
    }
}
