//! The metadata store on SQLite or PostgreSQL: one [`SqlMetadataStore`]
//! implements every store trait (metadata, tokens, signing keys and policy,
//! audit log) over either engine, through the small engine layer in
//! `engine.rs`, so behaviour cannot drift between them. What differs per
//! engine (connecting, pragmas, migrations, `LISTEN`) lives in `sqlite.rs`
//! and `postgres.rs`; each trait's statements in a file of their own.

mod audit;
mod engine;
mod policy;
#[cfg(feature = "postgres")]
mod postgres;
mod projection;
mod providers;
mod repositories;
mod sessions;
mod signing;
#[cfg(feature = "sqlite")]
mod sqlite;
mod tokens;
mod versions;

use std::sync::Arc;

use registry_core::{Error, Result};
use serde::{Deserialize, Serialize};

use engine::Pool;

/// Module rows by address key: (id, name as first published, namespace as
/// first published). Module rows never change once created, so every process
/// may keep them.
type ModuleIds = Arc<std::sync::RwLock<std::collections::HashMap<String, (i64, String, String)>>>;

/// PostgreSQL `NOTIFY` channel on which every audit append (so every
/// publish, lifecycle change and delete) announces its sequence number.
pub const CHANGE_CHANNEL: &str = "registry_changes";

/// A background task that stops when this is dropped.
#[derive(Debug)]
pub struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The metadata database: module versions, tokens, signing keys, namespace
/// policies and the audit log, on SQLite or PostgreSQL.
#[derive(Clone)]
pub struct SqlMetadataStore {
    pool: Pool,
    modules: ModuleIds,
}

impl std::fmt::Debug for SqlMetadataStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlMetadataStore")
            .field("engine", &self.engine())
            .finish_non_exhaustive()
    }
}

impl SqlMetadataStore {
    fn from_engine_pool(pool: Pool) -> Self {
        SqlMetadataStore {
            pool,
            modules: Default::default(),
        }
    }

    /// Connect with a URL: `sqlite:///abs/path.db`, `sqlite://rel.db`,
    /// `sqlite::memory:` or `postgres://…`. With `schema` (PostgreSQL only),
    /// every connection uses (and the store creates) that schema.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Self> {
        let _ = schema;
        if url.starts_with("sqlite:") {
            #[cfg(feature = "sqlite")]
            return sqlite::connect(url).await.map(Self::from_engine_pool);
            #[cfg(not(feature = "sqlite"))]
            return Err(Error::new(
                registry_core::ErrorKind::Unsupported,
                "sqlite:// needs the `sqlite` feature",
            ));
        }
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            #[cfg(feature = "postgres")]
            return postgres::connect(url, schema)
                .await
                .map(Self::from_engine_pool);
            #[cfg(not(feature = "postgres"))]
            return Err(Error::new(
                registry_core::ErrorKind::Unsupported,
                "postgres:// needs the `postgres` feature",
            ));
        }
        Err(Error::invalid_input(format!(
            "unsupported database URL {}: use sqlite:// or postgres://",
            crate::config::redact_url(url)
        )))
    }

    /// Open (creating if needed) the SQLite database at `path`.
    #[cfg(feature = "sqlite")]
    pub async fn open_sqlite_file(path: &std::path::Path) -> Result<Self> {
        sqlite::open_file(path).await.map(Self::from_engine_pool)
    }

    /// Wrap an existing SQLite pool (its schema as it is).
    #[cfg(feature = "sqlite")]
    pub fn from_sqlite_pool(pool: sqlx::SqlitePool) -> Self {
        Self::from_engine_pool(Pool::Sqlite(pool))
    }

    /// Wrap an existing PostgreSQL pool (its schema as it is).
    #[cfg(feature = "postgres")]
    pub fn from_postgres_pool(pool: sqlx::PgPool) -> Self {
        Self::from_engine_pool(Pool::Postgres(pool))
    }

    /// The SQLite pool, when the store is on SQLite.
    #[cfg(feature = "sqlite")]
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        #[allow(unreachable_patterns)]
        match &self.pool {
            Pool::Sqlite(p) => Some(p),
            _ => None,
        }
    }

    /// The PostgreSQL pool, when the store is on PostgreSQL.
    #[cfg(feature = "postgres")]
    pub fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        #[allow(unreachable_patterns)]
        match &self.pool {
            Pool::Postgres(p) => Some(p),
            _ => None,
        }
    }

    /// `sqlite` or `postgres`.
    pub fn engine(&self) -> &'static str {
        self.pool.engine()
    }

    /// Apply pending migrations, one process at a time. Refuses a schema
    /// newer than this build.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => sqlite::migrate(p).await?,
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => postgres::migrate(p).await?,
        }
        // What migration 12 added, filled in for rows written before it.
        self.backfill_projection().await.map(|_| ())
    }

    /// Which migrations are applied, pending or unknown.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => sqlite::schema_status(p).await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => postgres::schema_status(p).await,
        }
    }

    /// Listen for changes committed by any process (PostgreSQL `LISTEN` on
    /// [`CHANGE_CHANNEL`]); `signal` is notified for each, and after a lost
    /// connection is re-established. `None` on SQLite (followers poll).
    pub fn listen_for_changes(&self, signal: Arc<tokio::sync::Notify>) -> Option<AbortOnDrop> {
        match &self.pool {
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Some(postgres::listen_for_changes(p.clone(), signal)),
            #[allow(unreachable_patterns)]
            _ => {
                let _ = signal;
                None
            }
        }
    }

    /// This store as the registry's metadata store.
    pub fn as_store(&self) -> Arc<dyn registry_core::MetadataStore> {
        Arc::new(self.clone())
    }

    /// This store as the API token store.
    pub fn as_token_store(&self) -> Arc<dyn registry_core::TokenStore> {
        Arc::new(self.clone())
    }

    /// This store as the trusted signing key store.
    pub fn as_signing_key_store(&self) -> Arc<dyn registry_core::SigningKeyStore> {
        Arc::new(self.clone())
    }

    /// This store as the namespace policy store.
    pub fn as_policy_store(&self) -> Arc<dyn registry_core::PolicyStore> {
        Arc::new(self.clone())
    }

    /// This store as the provider release and key store.
    pub fn as_provider_store(&self) -> std::sync::Arc<dyn registry_core::ProviderStore> {
        Arc::new(self.clone())
    }

    /// This store as the followed repository store.
    pub fn as_repository_store(&self) -> Arc<dyn registry_core::RepositoryStore> {
        Arc::new(self.clone())
    }

    /// This store as the trusted publisher policy store.
    pub fn as_trusted_publisher_store(&self) -> Arc<dyn registry_core::TrustedPublisherStore> {
        Arc::new(self.clone())
    }

    /// This store as the hash-chained audit log.
    pub fn as_audit_log(&self) -> Arc<dyn registry_core::AuditLog> {
        Arc::new(self.clone())
    }
}

/// Migrations known to this build versus those applied to a database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaStatus {
    /// Versions applied and known.
    pub applied: Vec<i64>,
    /// Versions known but not yet applied (`registry migrate` applies them).
    pub pending: Vec<i64>,
    /// Versions applied to the database that this build does not know: the
    /// schema is newer than the software, which refuses to run on it.
    pub unknown: Vec<i64>,
}

impl SchemaStatus {
    /// `Ok` unless the database has migrations this build does not know.
    pub fn require_no_unknown(&self, backend: &str) -> Result<()> {
        if self.unknown.is_empty() {
            Ok(())
        } else {
            Err(self.newer_error(backend))
        }
    }

    fn newer_error(&self, backend: &str) -> Error {
        Error::new(
            registry_core::ErrorKind::Conflict,
            format!(
                "{backend}: the database schema has migrations {:?} that this registry does not know; it was written by a newer version. Upgrade the registry",
                self.unknown
            ),
        )
    }

    /// `Ok` when the schema is exactly what this build expects.
    pub fn require_current(&self, backend: &str) -> Result<()> {
        self.require_no_unknown(backend)?;
        if !self.pending.is_empty() {
            return Err(Error::new(
                registry_core::ErrorKind::Conflict,
                format!(
                    "{backend}: the database schema is missing migrations {:?}; run `registry migrate`",
                    self.pending
                ),
            ));
        }
        Ok(())
    }
}

/// Compare applied migration versions with those a migrator knows.
pub(crate) fn schema_status(known: &[i64], applied: &[i64]) -> SchemaStatus {
    SchemaStatus {
        applied: applied
            .iter()
            .copied()
            .filter(|v| known.contains(v))
            .collect(),
        pending: known
            .iter()
            .copied()
            .filter(|v| !applied.contains(v))
            .collect(),
        unknown: applied
            .iter()
            .copied()
            .filter(|v| !known.contains(v))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_status_finds_pending_and_unknown() {
        let s = schema_status(&[1, 2, 3], &[1, 2, 9]);
        assert_eq!(s.applied, vec![1, 2]);
        assert_eq!(s.pending, vec![3]);
        assert_eq!(s.unknown, vec![9]);
        assert!(
            s.require_current("x")
                .unwrap_err()
                .to_string()
                .contains("newer")
        );
        assert!(
            schema_status(&[1], &[])
                .require_current("x")
                .unwrap_err()
                .to_string()
                .contains("registry migrate")
        );
        assert!(schema_status(&[1], &[1]).require_current("x").is_ok());
    }
}
