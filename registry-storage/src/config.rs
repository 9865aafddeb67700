//! Opening a storage stack from configuration: URLs for the metadata
//! database, the blob store and the cache, with the embedded default
//! (SQLite + a folder under the data directory) when none is given.

use std::path::PathBuf;
use std::sync::Arc;

#[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "redis")))]
use registry_core::ErrorKind;
use registry_core::{Cache, CachePolicy, Error, MetadataStore, Result, StorageStack};
use serde::{Deserialize, Serialize};

use crate::blob::{BlobUrl, ObjectBlobStore, open_blob_url};
use crate::cache::MemoryCache;
use crate::sql::SchemaStatus;

/// Where and how the registry stores things.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageConfig {
    /// The data directory of the embedded default (SQLite file, blob folder, keys).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: `<data_dir>/registry.db`.
    pub database_url: Option<String>,
    /// PostgreSQL schema to use (created if missing).
    pub database_schema: Option<String>,
    /// `file://…`, `memory://`, `s3://…`, `az://…`, `gs://…`; default: `<data_dir>/blobs`.
    pub blob_url: Option<String>,
    /// `redis://…` for the shared cache tier; none: in-process cache only.
    pub cache_url: Option<String>,
    /// Prefix of every Redis key and of the invalidation channel (default `registry`).
    pub cache_prefix: Option<String>,
    /// Byte budget of the in-process cache; 0 disables caching entirely.
    pub memory_cache_bytes: u64,
    /// Apply pending migrations on open (otherwise refuse a schema that is not current).
    pub migrate: bool,
    /// Cache lifetimes.
    pub cache_policy: CachePolicy,
    /// Master keys for envelope encryption of archives at rest: base64 of
    /// 32 bytes each, separated by commas; the first encrypts new blobs
    /// (`REGISTRY_ENCRYPTION_KEYS`). Never serialized or shown.
    #[serde(skip)]
    pub encryption_keys: Option<String>,
    /// A file holding the encryption keys, one per line (`REGISTRY_ENCRYPTION_KEY_FILE`).
    pub encryption_key_file: Option<PathBuf>,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: PathBuf::from(".registry-data"),
            database_url: None,
            database_schema: None,
            blob_url: None,
            cache_url: None,
            cache_prefix: None,
            memory_cache_bytes: 64 * 1024 * 1024,
            migrate: true,
            cache_policy: CachePolicy::default(),
            encryption_keys: None,
            encryption_key_file: None,
        }
    }
}

fn redact_url(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            if url.query().is_some() {
                url.set_query(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "<unparseable>".into(),
    }
}

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageConfig")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("database_schema", &self.database_schema)
            .field("blob_url", &self.blob_url.as_deref().map(redact_url))
            .field("cache_url", &self.cache_url.as_deref().map(redact_url))
            .field("memory_cache_bytes", &self.memory_cache_bytes)
            .field("migrate", &self.migrate)
            .field(
                "encryption_keys",
                &self.encryption_keys.as_ref().map(|_| "***"),
            )
            .field("encryption_key_file", &self.encryption_key_file)
            .finish()
    }
}

impl StorageConfig {
    /// The embedded default under `data_dir`.
    pub fn embedded(data_dir: impl Into<PathBuf>) -> Self {
        StorageConfig {
            data_dir: data_dir.into(),
            ..Default::default()
        }
    }

    /// Read `REGISTRY_DATA_DIR`, `REGISTRY_DATABASE_URL`, `REGISTRY_DATABASE_SCHEMA`,
    /// `REGISTRY_BLOB_URL` and `REGISTRY_CACHE_URL` over the defaults.
    pub fn from_env() -> Self {
        let mut c = StorageConfig::default();
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(d) = var("REGISTRY_DATA_DIR") {
            c.data_dir = d.into();
        }
        c.database_url = var("REGISTRY_DATABASE_URL");
        c.database_schema = var("REGISTRY_DATABASE_SCHEMA");
        c.blob_url = var("REGISTRY_BLOB_URL");
        c.cache_url = var("REGISTRY_CACHE_URL");
        c.encryption_keys = var("REGISTRY_ENCRYPTION_KEYS");
        c.encryption_key_file = var("REGISTRY_ENCRYPTION_KEY_FILE").map(PathBuf::from);
        c
    }

    /// The configured master keys, if archives are to be encrypted at rest.
    pub fn master_keys(&self) -> Result<Option<Vec<crate::blob::MasterKey>>> {
        let text = match (&self.encryption_keys, &self.encryption_key_file) {
            (Some(k), _) => k.clone(),
            (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| {
                Error::invalid_input(format!(
                    "cannot read encryption key file {}: {e}",
                    f.display()
                ))
            })?,
            (None, None) => return Ok(None),
        };
        crate::blob::parse_keys(&text).map(Some)
    }
}

/// The metadata store actually opened.
#[derive(Debug, Clone)]
pub enum MetadataBackend {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(crate::sql::sqlite::SqliteMetadataStore),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(crate::sql::postgres::PostgresMetadataStore),
}

impl MetadataBackend {
    /// Open the database a URL names (without migrating).
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Self> {
        let _ = schema;
        if url.starts_with("sqlite:") {
            #[cfg(feature = "sqlite")]
            return Ok(MetadataBackend::Sqlite(
                crate::sql::sqlite::SqliteMetadataStore::connect(url).await?,
            ));
            #[cfg(not(feature = "sqlite"))]
            return Err(Error::new(
                ErrorKind::Unsupported,
                "sqlite:// needs the `sqlite` feature",
            ));
        }
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            #[cfg(feature = "postgres")]
            return Ok(MetadataBackend::Postgres(
                crate::sql::postgres::PostgresMetadataStore::connect(url, schema).await?,
            ));
            #[cfg(not(feature = "postgres"))]
            return Err(Error::new(
                ErrorKind::Unsupported,
                "postgres:// needs the `postgres` feature",
            ));
        }
        Err(Error::invalid_input(format!(
            "unsupported database URL {}: use sqlite:// or postgres://",
            redact_url(url)
        )))
    }

    /// Apply pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            #[cfg(feature = "sqlite")]
            MetadataBackend::Sqlite(s) => s.migrate().await,
            #[cfg(feature = "postgres")]
            MetadataBackend::Postgres(p) => p.migrate().await,
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            _ => unreachable!("no SQL engine feature is enabled"),
        }
    }

    /// Applied, pending and unknown migrations.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        match self {
            #[cfg(feature = "sqlite")]
            MetadataBackend::Sqlite(s) => s.schema_status().await,
            #[cfg(feature = "postgres")]
            MetadataBackend::Postgres(p) => p.schema_status().await,
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            _ => unreachable!("no SQL engine feature is enabled"),
        }
    }

    /// The store as a trait object.
    pub fn as_store(&self) -> Arc<dyn MetadataStore> {
        match self {
            #[cfg(feature = "sqlite")]
            MetadataBackend::Sqlite(s) => Arc::new(s.clone()),
            #[cfg(feature = "postgres")]
            MetadataBackend::Postgres(p) => Arc::new(p.clone()),
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            _ => unreachable!("no SQL engine feature is enabled"),
        }
    }

    /// The token store in the same database.
    pub fn as_token_store(&self) -> Arc<dyn registry_core::TokenStore> {
        match self {
            #[cfg(feature = "sqlite")]
            MetadataBackend::Sqlite(s) => Arc::new(s.clone()),
            #[cfg(feature = "postgres")]
            MetadataBackend::Postgres(p) => Arc::new(p.clone()),
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            _ => unreachable!("no SQL engine feature is enabled"),
        }
    }

    /// The signing key store in the same database.
    pub fn as_signing_key_store(&self) -> Arc<dyn registry_core::SigningKeyStore> {
        match self {
            #[cfg(feature = "sqlite")]
            MetadataBackend::Sqlite(s) => Arc::new(s.clone()),
            #[cfg(feature = "postgres")]
            MetadataBackend::Postgres(p) => Arc::new(p.clone()),
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            _ => unreachable!("no SQL engine feature is enabled"),
        }
    }

    /// The audit log in the same database.
    pub fn as_audit_log(&self) -> Arc<dyn registry_core::AuditLog> {
        match self {
            #[cfg(feature = "sqlite")]
            MetadataBackend::Sqlite(s) => Arc::new(s.clone()),
            #[cfg(feature = "postgres")]
            MetadataBackend::Postgres(p) => Arc::new(p.clone()),
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            _ => unreachable!("no SQL engine feature is enabled"),
        }
    }

    /// Wake `signal` whenever another process commits a change, where the
    /// engine can push that (PostgreSQL `LISTEN/NOTIFY`); `None` for SQLite,
    /// whose readers poll. Drop the handle to stop listening.
    pub fn listen_for_changes(
        &self,
        signal: Arc<tokio::sync::Notify>,
    ) -> Option<Box<dyn std::any::Any + Send + Sync>> {
        match self {
            #[cfg(feature = "postgres")]
            MetadataBackend::Postgres(p) => Some(Box::new(p.listen_for_changes(signal))),
            #[allow(unreachable_patterns)]
            _ => {
                let _ = signal;
                None
            }
        }
    }

    /// Engine name.
    pub fn engine(&self) -> &'static str {
        match self {
            #[cfg(feature = "sqlite")]
            MetadataBackend::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            MetadataBackend::Postgres(_) => "postgres",
            #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
            _ => unreachable!("no SQL engine feature is enabled"),
        }
    }
}

/// Everything [`open_storage`] opened.
#[derive(Debug, Clone)]
pub struct OpenedStorage {
    /// The composed storage, ready for `Registry::builder().storage(...)`.
    pub stack: StorageStack,
    /// The metadata database.
    pub metadata: MetadataBackend,
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
            tokio::fs::create_dir_all(&config.data_dir).await?;
            default_database_url(&config.data_dir)?
        }
    };
    let metadata = MetadataBackend::connect(&db_url, config.database_schema.as_deref()).await?;
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
        None => Arc::new(blobs.clone()),
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
