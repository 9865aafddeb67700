//! Where a command acts: a local data directory (the embedded default, or
//! database/blob/cache URLs) or a remote server.

use std::path::PathBuf;

use clap::Args;
use registry_core::{Error, Result};
use registry_server::{OpenedRegistry, RegistryConfig, open_registry};
use registry_storage::StorageConfig;
use secrecy::{ExposeSecret, SecretString};

use crate::remote::RemoteClient;

/// The text of an optional secret, for the one place that needs it.
pub fn exposed(s: &Option<SecretString>) -> Option<String> {
    s.as_ref().map(|s| s.expose_secret().to_string())
}

/// Options naming local storage.
#[derive(Debug, Clone, Args)]
pub struct LocalArgs {
    /// Data directory of the embedded registry (SQLite file, blobs, keys).
    #[arg(long, env = "REGISTRY_DATA_DIR", default_value = ".registry-data")]
    pub data_dir: PathBuf,
    /// Metadata database URL (`sqlite://…` or `postgres://…`).
    #[arg(long, env = "REGISTRY_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,
    /// PostgreSQL schema to use.
    #[arg(long, env = "REGISTRY_DATABASE_SCHEMA")]
    pub database_schema: Option<String>,
    /// Blob store URL (`file:///…`, `s3://…`, `az://…`, `gs://…`, `memory://`).
    #[arg(long, env = "REGISTRY_BLOB_URL", hide_env_values = true)]
    pub blob_url: Option<SecretString>,
    /// Shared cache URL (`redis://…`).
    #[arg(long, env = "REGISTRY_CACHE_URL", hide_env_values = true)]
    pub cache_url: Option<SecretString>,
    /// Do not apply pending migrations; refuse to run on an outdated schema.
    #[arg(long, env = "REGISTRY_NO_MIGRATE")]
    pub no_migrate: bool,
    /// File with the archive encryption keys (or set REGISTRY_ENCRYPTION_KEYS).
    #[arg(long, env = "REGISTRY_ENCRYPTION_KEY_FILE")]
    pub encryption_key_file: Option<PathBuf>,
}

impl LocalArgs {
    /// The storage configuration these options describe.
    pub fn storage_config(&self) -> StorageConfig {
        StorageConfig {
            data_dir: self.data_dir.clone(),
            database_url: exposed(&self.database_url),
            database_schema: self.database_schema.clone(),
            blob_url: exposed(&self.blob_url),
            cache_url: exposed(&self.cache_url),
            migrate: !self.no_migrate,
            encryption_keys: std::env::var("REGISTRY_ENCRYPTION_KEYS")
                .ok()
                .filter(|k| !k.is_empty()),
            encryption_key_file: self.encryption_key_file.clone(),
            ..StorageConfig::default()
        }
    }

    /// Open the local registry.
    pub async fn open(&self) -> Result<OpenedRegistry> {
        let config = RegistryConfig {
            storage: self.storage_config(),
            ..RegistryConfig::default()
        };
        open_registry(&config).await
    }
}

/// Options naming either a remote server or local storage.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Remote registry (`https://host:port`); without it, act on local storage.
    #[arg(long, env = "REGISTRY_SERVER")]
    pub server: Option<String>,
    /// API token for the remote registry.
    #[arg(long, env = "REGISTRY_TOKEN", hide_env_values = true)]
    pub token: Option<SecretString>,
    /// Extra CA certificate (PEM) to trust for the remote registry.
    #[arg(long, env = "REGISTRY_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    #[command(flatten)]
    pub local: LocalArgs,
}

/// A resolved target.
pub enum Target {
    /// Local storage, acting as the operator.
    Local(Box<OpenedRegistry>),
    /// A remote server.
    Remote(RemoteClient),
}

impl TargetArgs {
    /// Connect to the remote server or open local storage.
    pub async fn open(&self) -> Result<Target> {
        match &self.server {
            Some(server) => Ok(Target::Remote(
                RemoteClient::connect(server, self.token.clone(), self.ca_cert.as_deref()).await?,
            )),
            None => {
                if self.token.is_some() && std::env::var("REGISTRY_TOKEN").is_err() {
                    return Err(Error::invalid_input("--token needs --server"));
                }
                Ok(Target::Local(Box::new(self.local.open().await?)))
            }
        }
    }
}
