//! The small surface the stores need from an SQL engine: run a statement
//! with its arguments on the pool or in a write transaction, and read typed
//! columns from the rows. One enum arm per engine (each behind its
//! feature), so the store code above it is written once, in plain Rust.
//!
//! Statements use `$N` placeholders, which both SQLite and PostgreSQL take.

use chrono::{DateTime, Utc};
use registry_core::Result;

use crate::error::from_sqlx;

/// One bound argument.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    Text(String),
    OptText(Option<String>),
    Time(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::OptText(v.clone())
    }
}
impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Self {
        Arg::Time(v)
    }
}
impl From<Option<DateTime<Utc>>> for Arg {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Arg::OptTime(v)
    }
}

/// A statement and its arguments. [`Sql::bind`] adds an argument for a
/// `$N` already in the text; [`Sql::push_bind`] writes the next `$N` too,
/// for statements built piece by piece.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
    /// What the statement does, for error messages (`insert version`).
    what: &'static str,
}

impl Sql {
    /// A statement described as `what` in errors.
    pub(crate) fn new(what: &'static str, text: impl Into<String>) -> Self {
        Sql {
            text: text.into(),
            args: Vec::new(),
            what,
        }
    }

    /// Bind the next placeholder.
    pub(crate) fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Append text.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Append the next placeholder and bind it.
    pub(crate) fn push_bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// What the statement does.
    pub(crate) fn what(&self) -> &'static str {
        self.what
    }
}

/// A pool of connections to one engine.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

/// A write transaction; dropped without [`Tx::commit`] it rolls back.
pub(crate) enum Tx {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// A result row.
pub(crate) enum Row {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteRow),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgRow),
}

#[cfg(feature = "sqlite")]
fn sqlite_query(sql: &Sql) -> sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.text.as_str()));
    for a in &sql.args {
        q = match a {
            Arg::Int(v) => q.bind(*v),
            Arg::OptInt(v) => q.bind(*v),
            Arg::Bool(v) => q.bind(*v),
            Arg::Text(v) => q.bind(v.as_str()),
            Arg::OptText(v) => q.bind(v.as_deref()),
            Arg::Time(v) => q.bind(*v),
            Arg::OptTime(v) => q.bind(*v),
        };
    }
    q
}

#[cfg(feature = "postgres")]
fn postgres_query(
    sql: &Sql,
) -> sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.text.as_str()));
    for a in &sql.args {
        q = match a {
            Arg::Int(v) => q.bind(*v),
            Arg::OptInt(v) => q.bind(*v),
            Arg::Bool(v) => q.bind(*v),
            Arg::Text(v) => q.bind(v.as_str()),
            Arg::OptText(v) => q.bind(v.as_deref()),
            Arg::Time(v) => q.bind(*v),
            Arg::OptTime(v) => q.bind(*v),
        };
    }
    q
}

impl Pool {
    /// `sqlite` or `postgres`, for errors and logs.
    pub(crate) fn engine(&self) -> &'static str {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => "postgres",
        }
    }

    fn err(&self, what: &str, e: sqlx::Error) -> registry_core::Error {
        from_sqlx(self.engine(), what, e)
    }

    /// Every row of a query.
    pub(crate) async fn fetch_all(&self, sql: &Sql) -> Result<Vec<Row>> {
        let rows = match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => sqlite_query(sql)
                .fetch_all(p)
                .await
                .map(|r| r.into_iter().map(Row::Sqlite).collect()),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => postgres_query(sql)
                .fetch_all(p)
                .await
                .map(|r| r.into_iter().map(Row::Postgres).collect()),
        };
        rows.map_err(|e| self.err(sql.what(), e))
    }

    /// The first row of a query, if any.
    pub(crate) async fn fetch_optional(&self, sql: &Sql) -> Result<Option<Row>> {
        let row = match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => sqlite_query(sql)
                .fetch_optional(p)
                .await
                .map(|r| r.map(Row::Sqlite)),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => postgres_query(sql)
                .fetch_optional(p)
                .await
                .map(|r| r.map(Row::Postgres)),
        };
        row.map_err(|e| self.err(sql.what(), e))
    }

    /// The one row a query must return.
    pub(crate) async fn fetch_one(&self, sql: &Sql) -> Result<Row> {
        self.fetch_optional(sql)
            .await?
            .ok_or_else(|| self.err(sql.what(), sqlx::Error::RowNotFound))
    }

    /// Run a statement; the number of rows it changed.
    pub(crate) async fn execute(&self, sql: &Sql) -> Result<u64> {
        let done = match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => sqlite_query(sql)
                .execute(p)
                .await
                .map(|d| d.rows_affected()),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => postgres_query(sql)
                .execute(p)
                .await
                .map(|d| d.rows_affected()),
        };
        done.map_err(|e| self.err(sql.what(), e))
    }

    /// Start a write transaction. SQLite takes its write lock up front
    /// (`BEGIN IMMEDIATE`), so a first read does not start a snapshot that a
    /// concurrent writer would invalidate.
    pub(crate) async fn begin_write(&self) -> Result<Tx> {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map(Tx::Sqlite)
                .map_err(|e| self.err("begin", e)),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p
                .begin()
                .await
                .map(Tx::Postgres)
                .map_err(|e| self.err("begin", e)),
        }
    }
}

impl Tx {
    fn engine(&self) -> &'static str {
        match self {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Tx::Postgres(_) => "postgres",
        }
    }

    fn err(&self, what: &str, e: sqlx::Error) -> registry_core::Error {
        from_sqlx(self.engine(), what, e)
    }

    /// Whether this is a PostgreSQL transaction (for `pg_notify`).
    pub(crate) fn is_postgres(&self) -> bool {
        self.engine() == "postgres"
    }

    /// The first row of a query, if any.
    pub(crate) async fn fetch_optional(&mut self, sql: &Sql) -> Result<Option<Row>> {
        let what = sql.what();
        let row = match self {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => sqlite_query(sql)
                .fetch_optional(&mut **t)
                .await
                .map(|r| r.map(Row::Sqlite)),
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => postgres_query(sql)
                .fetch_optional(&mut **t)
                .await
                .map(|r| r.map(Row::Postgres)),
        };
        row.map_err(|e| self.err(what, e))
    }

    /// Every row of a query.
    pub(crate) async fn fetch_all(&mut self, sql: &Sql) -> Result<Vec<Row>> {
        let what = sql.what();
        let rows = match self {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => sqlite_query(sql)
                .fetch_all(&mut **t)
                .await
                .map(|r| r.into_iter().map(Row::Sqlite).collect()),
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => postgres_query(sql)
                .fetch_all(&mut **t)
                .await
                .map(|r| r.into_iter().map(Row::Postgres).collect()),
        };
        rows.map_err(|e| self.err(what, e))
    }

    /// The one row a query must return.
    pub(crate) async fn fetch_one(&mut self, sql: &Sql) -> Result<Row> {
        match self.fetch_optional(sql).await? {
            Some(r) => Ok(r),
            None => Err(self.err(sql.what(), sqlx::Error::RowNotFound)),
        }
    }

    /// Run a statement; the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: &Sql) -> Result<u64> {
        let what = sql.what();
        let done = match self {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => sqlite_query(sql)
                .execute(&mut **t)
                .await
                .map(|d| d.rows_affected()),
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => postgres_query(sql)
                .execute(&mut **t)
                .await
                .map(|d| d.rows_affected()),
        };
        done.map_err(|e| self.err(what, e))
    }

    /// Commit.
    pub(crate) async fn commit(self) -> Result<()> {
        let engine = self.engine();
        let done = match self {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => t.commit().await,
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => t.commit().await,
        };
        done.map_err(|e| from_sqlx(engine, "commit", e))
    }
}

/// A column type both engines decode (the bound is the engines' own
/// `Decode + Type`, so decoding is sqlx's, unchanged).
pub(crate) trait Column: SqliteColumn + PostgresColumn {}
impl<T: SqliteColumn + PostgresColumn> Column for T {}

#[cfg(feature = "sqlite")]
pub(crate) trait SqliteColumn:
    for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>
{
}
#[cfg(feature = "sqlite")]
impl<T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>> SqliteColumn for T {}
#[cfg(not(feature = "sqlite"))]
pub(crate) trait SqliteColumn {}
#[cfg(not(feature = "sqlite"))]
impl<T> SqliteColumn for T {}

#[cfg(feature = "postgres")]
pub(crate) trait PostgresColumn:
    for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>
{
}
#[cfg(feature = "postgres")]
impl<T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>> PostgresColumn
    for T
{
}
#[cfg(not(feature = "postgres"))]
pub(crate) trait PostgresColumn {}
#[cfg(not(feature = "postgres"))]
impl<T> PostgresColumn for T {}

impl Row {
    fn engine(&self) -> &'static str {
        match self {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Row::Postgres(_) => "postgres",
        }
    }

    /// Column `i`, decoded as `T`.
    pub(crate) fn get<T: Column>(&self, i: usize) -> Result<T> {
        use sqlx::Row as _;
        let v = match self {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(r) => r.try_get::<T, _>(i),
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => r.try_get::<T, _>(i),
        };
        v.map_err(|e| from_sqlx(self.engine(), "decode row", e))
    }
}
