//! Storage configuration: URLs for the metadata database, the blob store
//! and the cache, the data directory of the embedded default, and keys.

use std::path::PathBuf;

use registry_core::{CachePolicy, Error, Result};
use serde::{Deserialize, Serialize};

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

pub(crate) fn redact_url(u: &str) -> String {
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

    /// What seals the secrets kept in the database: the master keys when
    /// configured, else the data directory's `secrets.key`.
    pub fn secret_sealer(&self) -> Result<crate::KeySealer> {
        Ok(match self.master_keys()? {
            Some(keys) => crate::KeySealer::with_master_keys(
                keys,
                &self.data_dir.join(crate::SECRETS_KEY_FILE),
            ),
            None => crate::KeySealer::with_key_file(&self.data_dir.join(crate::SECRETS_KEY_FILE)),
        })
    }
}
