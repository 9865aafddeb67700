//! The production metadata store: PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use registry_core::{Error, Result};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use super::{
    SchemaStatus, schema_status, sql_audit_log, sql_metadata_store, sql_signing_store,
    sql_token_store,
};
use crate::error::from_sqlx;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// A [`registry_core::MetadataStore`] on PostgreSQL.
#[derive(Clone)]
pub struct PostgresMetadataStore {
    pool: PgPool,
    modules: super::ModuleIds,
}

impl std::fmt::Debug for PostgresMetadataStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresMetadataStore")
            .finish_non_exhaustive()
    }
}

/// A background task that stops when this is dropped.
#[derive(Debug)]
pub struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn check_schema_name(schema: &str) -> Result<()> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "invalid PostgreSQL schema name {schema:?}: lowercase letters, digits and '_' only"
        )))
    }
}

impl PostgresMetadataStore {
    /// Connect with a `postgres://` URL. With `schema`, every connection uses
    /// (and the store creates) that schema, so several registries or test runs
    /// can share one database without seeing each other's data.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Self> {
        let mut opts = PgConnectOptions::from_str(url)
            .map_err(|e| Error::invalid_input("invalid PostgreSQL URL").with_source(e))?;
        // One plain connection first: an unreachable server or refused login
        // fails at once with the real reason (a pool would retry until its
        // acquire timeout), and it creates the schema when one is named.
        let mut first = opts
            .connect()
            .await
            .map_err(|e| from_sqlx("postgres", "connect", e))?;
        if let Some(s) = schema {
            check_schema_name(s)?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS \"{s}\""
            )))
            .execute(&mut first)
            .await
            .map_err(|e| from_sqlx("postgres", "create schema", e))?;
            opts = opts.options([("search_path", s)]);
        }
        let _ = first.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(|e| from_sqlx("postgres", "connect", e))?;
        Ok(PostgresMetadataStore {
            pool,
            modules: Default::default(),
        })
    }

    /// Wrap an existing pool.
    pub fn from_pool(pool: PgPool) -> Self {
        PostgresMetadataStore {
            pool,
            modules: Default::default(),
        }
    }

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Listen for changes committed by any process (`LISTEN` on
    /// [`super::CHANGE_CHANNEL`]); `signal` is notified for each. Reconnects
    /// after a lost connection (and notifies, since messages may have been
    /// missed). The task ends when the returned handle is dropped.
    pub fn listen_for_changes(&self, signal: std::sync::Arc<tokio::sync::Notify>) -> AbortOnDrop {
        let pool = self.pool.clone();
        AbortOnDrop(tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(super::CHANGE_CHANNEL).await {
                            tracing::warn!(error = %e, "LISTEN for registry changes failed");
                        } else {
                            signal.notify_one();
                            while listener.recv().await.is_ok() {
                                signal.notify_one();
                            }
                            tracing::warn!("change notifications interrupted; reconnecting");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "change notifications unavailable"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }))
    }

    /// Apply pending migrations. Refuses a schema newer than this build.
    pub async fn migrate(&self) -> Result<()> {
        self.schema_status().await?.require_no_unknown("postgres")?;
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| from_sqlx("postgres", "migrate", e.into()))
    }

    /// Which migrations are applied, pending or unknown.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations')",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| from_sqlx("postgres", "read schema version", e))?;
        let applied: Vec<i64> = if exists {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(|e| from_sqlx("postgres", "read schema version", e))?
        } else {
            Vec::new()
        };
        let known: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        Ok(schema_status(&known, &applied))
    }
}

sql_metadata_store!(PostgresMetadataStore, sqlx::Postgres, "postgres");
sql_token_store!(PostgresMetadataStore, sqlx::Postgres, "postgres");
sql_signing_store!(PostgresMetadataStore, sqlx::Postgres, "postgres");
sql_audit_log!(PostgresMetadataStore, sqlx::Postgres, "postgres");
