//! The embedded metadata engine: SQLite in WAL mode, one file in the data
//! directory.
//!
//! A fresh file is created, switched to WAL and migrated in one order, each
//! step under an exclusive lock on `<file>.lock`, so several processes
//! starting on one new data directory never see a half-made database
//! (`database is locked`, `table already exists`).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use registry_core::{Error, Result};
use sqlx::ConnectOptions as _;
use sqlx::Connection as _;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::SchemaStatus;
use super::engine::Pool;
use crate::error::from_sqlx;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// Open (creating if needed) the database at `path`.
pub(super) async fn open_file(path: &Path) -> Result<Pool> {
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    connect_with(SqliteConnectOptions::new().filename(path), 8).await
}

/// Connect with a URL: `sqlite:///abs/path.db`, `sqlite://rel.db` or `sqlite::memory:`.
pub(super) async fn connect(url: &str) -> Result<Pool> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| Error::invalid_input("invalid SQLite URL").with_source(e))?;
    // An in-memory database exists per connection: keep exactly one.
    let max = if url.contains(":memory:") || url.contains("mode=memory") {
        1
    } else {
        8
    };
    connect_with(opts, max).await
}

fn options(opts: SqliteConnectOptions) -> SqliteConnectOptions {
    opts.create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .pragma("mmap_size", "268435456")
}

/// The lock file beside a database file (`None` for in-memory databases).
fn lock_path(opts: &SqliteConnectOptions) -> Option<PathBuf> {
    let file = opts.get_filename();
    let name = file.to_str()?;
    // In-memory databases (`:memory:`, `file:…?mode=memory`) share nothing
    // with other processes.
    if name.is_empty() || name.contains(":memory:") || name.starts_with("file:") {
        return None;
    }
    let mut lock = file.as_os_str().to_owned();
    lock.push(".lock");
    Some(PathBuf::from(lock))
}

/// An exclusive lock on a file, held until dropped (the OS drops it with
/// the process too, so a crash never leaves it taken).
struct FileLock(#[allow(dead_code)] std::fs::File);

async fn lock_file(path: PathBuf) -> Result<FileLock> {
    tokio::task::spawn_blocking(move || {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::from(e).with_context("file", path.display()))?;
        f.lock()
            .map_err(|e| Error::from(e).with_context("file", path.display()))?;
        Ok(FileLock(f))
    })
    .await
    .map_err(|e| Error::backend("sqlite", "lock the database file", e))?
}

async fn lock_for(opts: &SqliteConnectOptions) -> Result<Option<FileLock>> {
    match lock_path(opts) {
        Some(p) => lock_file(p).await.map(Some),
        None => Ok(None),
    }
}

async fn connect_with(opts: SqliteConnectOptions, max_connections: u32) -> Result<Pool> {
    let opts = options(opts);
    {
        // One connection creates the file and switches it to WAL before any
        // pool connection opens it: the switch needs the file to itself.
        let _lock = lock_for(&opts).await?;
        if lock_path(&opts).is_some() {
            let first = opts
                .connect()
                .await
                .map_err(|e| from_sqlx("sqlite", "connect", e))?;
            first
                .close()
                .await
                .map_err(|e| from_sqlx("sqlite", "connect", e))?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(opts)
        .await
        .map_err(|e| from_sqlx("sqlite", "connect", e))?;
    Ok(Pool::Sqlite(pool))
}

/// Apply pending migrations under the file lock, so one process migrates
/// and the others then find the schema current. Refuses a schema newer
/// than this build.
pub(super) async fn migrate(pool: &SqlitePool) -> Result<()> {
    let _lock = lock_for(&pool.connect_options()).await?;
    schema_status(pool).await?.require_no_unknown("sqlite")?;
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| from_sqlx("sqlite", "migrate", e.into()))
}

/// Which migrations are applied, pending or unknown.
pub(super) async fn schema_status(pool: &SqlitePool) -> Result<SchemaStatus> {
    let exists: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await
    .map_err(|e| from_sqlx("sqlite", "read schema version", e))?;
    let applied: Vec<i64> = if exists > 0 {
        sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success = 1 ORDER BY version",
        )
        .fetch_all(pool)
        .await
        .map_err(|e| from_sqlx("sqlite", "read schema version", e))?
    } else {
        Vec::new()
    };
    let known: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    Ok(super::schema_status(&known, &applied))
}
