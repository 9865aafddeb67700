//! The embedded metadata store: SQLite in WAL mode, one file in the data directory.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use registry_core::{Error, Result};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{
    SchemaStatus, schema_status, sql_audit_log, sql_metadata_store, sql_signing_store,
    sql_token_store,
};
use crate::error::from_sqlx;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// A [`registry_core::MetadataStore`] on SQLite.
#[derive(Clone)]
pub struct SqliteMetadataStore {
    pool: SqlitePool,
    modules: super::ModuleIds,
}

impl std::fmt::Debug for SqliteMetadataStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteMetadataStore")
            .finish_non_exhaustive()
    }
}

impl SqliteMetadataStore {
    /// Open (creating if needed) the database at `path`.
    pub async fn open_file(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let opts = SqliteConnectOptions::new().filename(path);
        Self::connect_with(opts, 8).await
    }

    /// Connect with a URL: `sqlite:///abs/path.db`, `sqlite://rel.db` or `sqlite::memory:`.
    pub async fn connect(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::invalid_input("invalid SQLite URL").with_source(e))?;
        // An in-memory database exists per connection: keep exactly one.
        let max = if url.contains(":memory:") || url.contains("mode=memory") {
            1
        } else {
            8
        };
        Self::connect_with(opts, max).await
    }

    async fn connect_with(opts: SqliteConnectOptions, max_connections: u32) -> Result<Self> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(15))
            .pragma("mmap_size", "268435456");
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await
            .map_err(|e| from_sqlx("sqlite", "connect", e))?;
        Ok(SqliteMetadataStore {
            pool,
            modules: Default::default(),
        })
    }

    /// Wrap an existing pool.
    pub fn from_pool(pool: SqlitePool) -> Self {
        SqliteMetadataStore {
            pool,
            modules: Default::default(),
        }
    }

    /// The pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Apply pending migrations. Refuses a schema newer than this build.
    pub async fn migrate(&self) -> Result<()> {
        self.schema_status().await?.require_no_unknown("sqlite")?;
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| from_sqlx("sqlite", "migrate", e.into()))
    }

    /// Which migrations are applied, pending or unknown.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        let exists: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| from_sqlx("sqlite", "read schema version", e))?;
        let applied: Vec<i64> = if exists > 0 {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success = 1 ORDER BY version",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(|e| from_sqlx("sqlite", "read schema version", e))?
        } else {
            Vec::new()
        };
        let known: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        Ok(schema_status(&known, &applied))
    }
}

sql_metadata_store!(SqliteMetadataStore, sqlx::Sqlite, "sqlite");
sql_token_store!(SqliteMetadataStore, sqlx::Sqlite, "sqlite");
sql_signing_store!(SqliteMetadataStore, sqlx::Sqlite, "sqlite");
sql_audit_log!(SqliteMetadataStore, sqlx::Sqlite, "sqlite");
