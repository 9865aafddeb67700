//! Where a command acts: a local data directory (the embedded default, or
//! database/blob/cache URLs) or a remote server.

use std::path::PathBuf;

use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use clap::parser::ValueSource;
use registry_core::{Error, Result};
use registry_server::{OpenedRegistry, RegistryConfig, open_registry};
use registry_storage::StorageConfig;
use secrecy::{ExposeSecret, SecretString};

use crate::client::{
    LocalRegistry, LocalRepositories, LocalTrustedPublishers, ProviderClient, RegistryClient,
    RemoteRegistry, RepositoryClient, TrustedPublisherClient,
};

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
    #[arg(long, env = "REGISTRY_NO_MIGRATE", num_args = 0..=1, default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new(), default_value = "false")]
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

    /// Open the local registry, which must exist: a `--data-dir` holding no
    /// registry is an error naming it (a typo must not make an empty one).
    pub async fn open(&self) -> Result<OpenedRegistry> {
        if self.database_url.is_none() && !self.data_dir.join("registry.db").is_file() {
            return Err(Error::invalid_input(format!(
                "no registry in {} (it holds no registry.db): check --data-dir, or create one with `registry migrate --data-dir {}`",
                self.data_dir.display(),
                self.data_dir.display()
            )));
        }
        self.open_or_create().await
    }

    /// Open the local registry, creating it in `--data-dir` when there is
    /// none (`serve`, `migrate`, `token create`).
    pub async fn open_or_create(&self) -> Result<OpenedRegistry> {
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
    /// Extra CA certificate (PEM) to trust for the remote registry, besides
    /// the platform's roots (or SSL_CERT_FILE's); a self-signed certificate
    /// given here is trusted as its own leaf. Repeatable.
    #[arg(long, env = "REGISTRY_CA_CERT", value_delimiter = ',')]
    pub ca_cert: Vec<PathBuf>,
    #[command(flatten)]
    pub local: LocalArgs,
}

/// Set when local storage was named on the command line while the server
/// came only from the environment: the explicit flag wins (a shell that
/// exports REGISTRY_SERVER still runs `--data-dir ./data` locally).
static LOCAL_NAMED_EXPLICITLY: AtomicBool = AtomicBool::new(false);

/// The local-storage flags of [`LocalArgs`], by clap id.
const LOCAL_FLAGS: &[&str] = &[
    "data_dir",
    "database_url",
    "database_schema",
    "blob_url",
    "cache_url",
];

/// Record where the invoked command's target flags came from.
pub fn note_value_sources(matches: &clap::ArgMatches) {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    let source = |id: &str| {
        m.ids()
            .any(|i| i.as_str() == id)
            .then(|| m.value_source(id))
            .flatten()
    };
    let server_from_env = source("server") == Some(ValueSource::EnvVariable);
    let local_on_command_line = LOCAL_FLAGS
        .iter()
        .any(|id| source(id) == Some(ValueSource::CommandLine));
    LOCAL_NAMED_EXPLICITLY.store(server_from_env && local_on_command_line, Ordering::Relaxed);
}

impl TargetArgs {
    /// The server to act on, if any (`--server`, else REGISTRY_SERVER
    /// unless local storage was named on the command line).
    pub fn remote(&self) -> Option<&str> {
        self.server
            .as_deref()
            .filter(|_| !LOCAL_NAMED_EXPLICITLY.load(Ordering::Relaxed))
    }

    /// The provider registry these options name, as [`TargetArgs::connect`].
    pub async fn connect_providers(&self) -> Result<Box<dyn ProviderClient>> {
        match self.remote() {
            Some(server) => Ok(Box::new(
                RemoteRegistry::connect(server, self.token.clone(), &self.ca_cert).await?,
            )),
            None => {
                self.no_token_without_server()?;
                Ok(Box::new(LocalRegistry::new(self.local.open().await?)))
            }
        }
    }

    /// The followed repositories these options name; a local sync reaches
    /// public addresses and the `private_ok` networks (`--upstream-private`),
    /// trusting `--ca-cert` for https remotes.
    pub async fn connect_repositories(
        &self,
        private_ok: Vec<ipnet::IpNet>,
    ) -> Result<Box<dyn RepositoryClient>> {
        match self.remote() {
            Some(server) => {
                if !private_ok.is_empty() {
                    return Err(Error::invalid_input(
                        "--upstream-private applies to a local sync; a server reaches the networks its own --upstream-private names",
                    ));
                }
                Ok(Box::new(
                    RemoteRegistry::connect(server, self.token.clone(), &self.ca_cert).await?,
                ))
            }
            None => {
                self.no_token_without_server()?;
                let opened = self.local.open().await?;
                Ok(Box::new(LocalRepositories {
                    repos: opened
                        .repositories
                        .clone()
                        .with_outbound(private_ok, self.ca_cert.clone()),
                    ctx: registry_core::RequestContext::system(),
                }))
            }
        }
    }

    /// The trusted publisher policies these options name.
    pub async fn connect_trusted_publishers(&self) -> Result<Box<dyn TrustedPublisherClient>> {
        match self.remote() {
            Some(server) => Ok(Box::new(
                RemoteRegistry::connect(server, self.token.clone(), &self.ca_cert).await?,
            )),
            None => {
                self.no_token_without_server()?;
                let opened = self.local.open().await?;
                let publishing = registry_server::oidc::TrustedPublishing::new(
                    opened.registry.clone(),
                    opened.trusted_publishers.clone(),
                    opened.storage.metadata.as_token_store(),
                    &registry_server::trust::ClientTrust::new(&self.ca_cert)?,
                )?;
                Ok(Box::new(LocalTrustedPublishers {
                    publishing,
                    ctx: registry_core::RequestContext::system(),
                }))
            }
        }
    }

    fn no_token_without_server(&self) -> Result<()> {
        if self.token.is_some() && std::env::var("REGISTRY_TOKEN").is_err() {
            return Err(Error::invalid_input("--token needs --server"));
        }
        Ok(())
    }

    /// The registry these options name: the remote server, or local
    /// storage, which must exist.
    pub async fn connect(&self) -> Result<Box<dyn RegistryClient>> {
        match self.remote() {
            Some(server) => Ok(Box::new(
                RemoteRegistry::connect(server, self.token.clone(), &self.ca_cert).await?,
            )),
            None => {
                self.no_token_without_server()?;
                Ok(Box::new(LocalRegistry::new(self.local.open().await?)))
            }
        }
    }
}
