//! The production metadata engine: PostgreSQL.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use registry_core::{Error, Result};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use super::engine::Pool;
use super::{AbortOnDrop, CHANGE_CHANNEL, SchemaStatus};
use crate::error::from_sqlx;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

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

/// Connect with a `postgres://` URL. With `schema`, every connection uses
/// (and this creates) that schema, so several registries or test runs can
/// share one database without seeing each other's data.
pub(super) async fn connect(url: &str, schema: Option<&str>) -> Result<Pool> {
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
    Ok(Pool::Postgres(pool))
}

/// `LISTEN` on [`CHANGE_CHANNEL`], notifying `signal` for each change and
/// after each reconnect (messages may have been missed).
pub(super) fn listen_for_changes(pool: PgPool, signal: Arc<tokio::sync::Notify>) -> AbortOnDrop {
    AbortOnDrop(tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect_with(&pool).await {
                Ok(mut listener) => {
                    if let Err(e) = listener.listen(CHANGE_CHANNEL).await {
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

/// Apply pending migrations (sqlx's migrator holds a PostgreSQL advisory
/// lock meanwhile, so concurrent processes migrate one at a time). Refuses
/// a schema newer than this build.
pub(super) async fn migrate(pool: &PgPool) -> Result<()> {
    schema_status(pool).await?.require_no_unknown("postgres")?;
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| from_sqlx("postgres", "migrate", e.into()))
}

/// Which migrations are applied, pending or unknown.
pub(super) async fn schema_status(pool: &PgPool) -> Result<SchemaStatus> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await
    .map_err(|e| from_sqlx("postgres", "read schema version", e))?;
    let applied: Vec<i64> = if exists {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await
            .map_err(|e| from_sqlx("postgres", "read schema version", e))?
    } else {
        Vec::new()
    };
    let known: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    Ok(super::schema_status(&known, &applied))
}
