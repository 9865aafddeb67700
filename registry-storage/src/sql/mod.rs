//! SQL metadata stores (SQLite and PostgreSQL) over one schema design.
//!
//! Both engines share the statements below (sqlx accepts `$N` placeholders on
//! both); the `sql_metadata_store!` macro writes the one [`MetadataStore`]
//! implementation for each engine's pool type, so behaviour cannot drift
//! between them. Engine-specific parts (connection, pragmas, migrations) live
//! in `sqlite.rs` and `postgres.rs`.
//!
//! [`MetadataStore`]: registry_core::MetadataStore

mod audit;

/// Module rows by address key: (id, name as first published, namespace as
/// first published). Module rows never change once created, so every process
/// may keep them.
pub(crate) type ModuleIds =
    std::sync::Arc<std::sync::RwLock<std::collections::HashMap<String, (i64, String, String)>>>;
#[cfg(feature = "postgres")]
pub mod postgres;
mod signing;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod tokens;

#[allow(unused_imports)]
pub(crate) use audit::sql_audit_log;

/// PostgreSQL `NOTIFY` channel on which every audit append (so every
/// publish, lifecycle change and delete) announces its sequence number.
pub const CHANGE_CHANNEL: &str = "registry_changes";
#[allow(unused_imports)]
pub(crate) use signing::sql_signing_store;
#[allow(unused_imports)]
pub(crate) use tokens::sql_token_store;

use registry_core::{
    Error, Lifecycle, LifecycleState, ModuleAddress, ModuleMetadata, ModuleRecord, Result, Version,
};
use serde::{Deserialize, Serialize};

use crate::error::corrupt_row;

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

pub(crate) fn state_str(s: LifecycleState) -> &'static str {
    match s {
        LifecycleState::Active => "active",
        LifecycleState::Deprecated => "deprecated",
        LifecycleState::Yanked => "yanked",
    }
}

/// The columns of one version row, ready to bind.
pub(crate) struct VersionRow {
    pub address_key: String,
    pub version_key: String,
    pub version: String,
    pub namespace_key: String,
    pub name_key: String,
    pub system: String,
    pub owner: Option<String>,
    pub state: &'static str,
    pub sha256: String,
    pub h1: String,
    pub size: i64,
    pub published_at: chrono::DateTime<chrono::Utc>,
    pub lifecycle: String,
    pub metadata: String,
}

impl VersionRow {
    pub(crate) fn encode(r: &ModuleRecord) -> Result<Self> {
        let m = &r.metadata;
        Ok(VersionRow {
            address_key: r.address.key(),
            version_key: r.version.key(),
            version: r.version.as_str().to_string(),
            namespace_key: r.address.namespace_key(),
            name_key: r.address.name().to_ascii_lowercase(),
            system: r.address.system().to_string(),
            owner: m.owner.clone(),
            state: state_str(m.lifecycle.state()),
            sha256: m.sha256.hex(),
            h1: m.h1.clone(),
            size: i64::try_from(m.size).map_err(|_| Error::invalid_input("archive too large"))?,
            published_at: m.published_at,
            lifecycle: serde_json::to_string(&m.lifecycle)
                .map_err(|e| Error::invalid_input("lifecycle not encodable").with_source(e))?,
            metadata: serde_json::to_string(m)
                .map_err(|e| Error::invalid_input("metadata not encodable").with_source(e))?,
        })
    }
}

/// The module calls of every module directory in a record, for the dependencies table.
pub(crate) fn dependency_rows(r: &ModuleRecord) -> Vec<(String, String, String, Option<String>)> {
    let s = &r.metadata.summary;
    std::iter::once(&s.root)
        .chain(&s.submodules)
        .flat_map(|iface| {
            iface.dependencies.iter().map(move |d| {
                (
                    iface.path.clone(),
                    d.name.clone(),
                    d.source.clone(),
                    d.version.clone(),
                )
            })
        })
        .collect()
}

/// Rebuild a record from the joined columns.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decode_record(
    backend: &'static str,
    namespace: String,
    name: String,
    system: String,
    version: String,
    metadata: String,
    lifecycle: String,
    downloads: i64,
) -> Result<ModuleRecord> {
    let mut m: ModuleMetadata =
        serde_json::from_str(&metadata).map_err(|e| corrupt_row(backend, e))?;
    m.lifecycle =
        serde_json::from_str::<Lifecycle>(&lifecycle).map_err(|e| corrupt_row(backend, e))?;
    m.downloads = downloads.max(0) as u64;
    Ok(ModuleRecord {
        address: ModuleAddress::new(namespace, name, system)?,
        version: Version::parse(&version)?,
        metadata: m,
    })
}

/// Columns selected for a record, in [`decode_record`]'s order.
pub(crate) const SELECT_RECORD: &str = "SELECT n.display_name, m.name, m.system, v.version, v.metadata, v.lifecycle, v.downloads \
     FROM module_versions v \
     JOIN modules m ON m.id = v.module_id \
     JOIN namespaces n ON n.key = m.namespace_key";

/// Writes the [`registry_core::MetadataStore`] implementation for one engine.
#[allow(unused_macros)]
macro_rules! sql_metadata_store {
    ($store:ident, $db:ty, $backend:literal) => {
        impl $store {
            fn err(what: &str, e: sqlx::Error) -> registry_core::Error {
                crate::error::from_sqlx($backend, what, e)
            }

            fn decode(row: &<$db as sqlx::Database>::Row) -> registry_core::Result<registry_core::ModuleRecord> {
                use sqlx::Row as _;
                let g = |e| Self::err("decode row", e);
                crate::sql::decode_record(
                    $backend,
                    row.try_get(0).map_err(g)?,
                    row.try_get(1).map_err(g)?,
                    row.try_get(2).map_err(g)?,
                    row.try_get(3).map_err(g)?,
                    row.try_get(4).map_err(g)?,
                    row.try_get(5).map_err(g)?,
                    row.try_get(6).map_err(g)?,
                )
            }

            /// The version row's insert: nothing happens on a duplicate
            /// (address, version), and then no id is returned.
            fn insert_version_row<'q>(
                module_id: i64,
                row: &'q crate::sql::VersionRow,
            ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
                sqlx::query(
                    "INSERT INTO module_versions (module_id, address_key, version_key, version, namespace_key, \
                     name_key, system, owner, state, deleted, sha256, h1, size, published_at, downloads, lifecycle, metadata) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, $15, $16) \
                     ON CONFLICT (address_key, version_key) DO NOTHING RETURNING id",
                )
                .bind(module_id)
                .bind(&row.address_key)
                .bind(&row.version_key)
                .bind(&row.version)
                .bind(&row.namespace_key)
                .bind(&row.name_key)
                .bind(&row.system)
                .bind(&row.owner)
                .bind(row.state)
                .bind(false)
                .bind(&row.sha256)
                .bind(&row.h1)
                .bind(row.size)
                .bind(row.published_at)
                .bind(&row.lifecycle)
                .bind(&row.metadata)
            }

            async fn fetch_live(
                &self,
                id: &registry_core::ModuleId,
            ) -> registry_core::Result<registry_core::ModuleRecord> {
                const Q: &str = concat!(
                    "SELECT n.display_name, m.name, m.system, v.version, v.metadata, v.lifecycle, v.downloads ",
                    "FROM module_versions v JOIN modules m ON m.id = v.module_id ",
                    "JOIN namespaces n ON n.key = m.namespace_key ",
                    "WHERE v.address_key = $1 AND v.version_key = $2 AND v.deleted = $3"
                );
                let row = sqlx::query(Q)
                    .bind(id.address.key())
                    .bind(id.version.key())
                    .bind(false)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| Self::err("get version", e))?;
                match row {
                    Some(r) => Self::decode(&r),
                    None => Err(registry_core::Error::not_found(format!("module version {id} not found"))
                        .with_context("module", id)),
                }
            }
        }

        #[async_trait::async_trait]
        impl registry_core::MetadataStore for $store {
            async fn insert_version(
                &self,
                record: &registry_core::ModuleRecord,
            ) -> registry_core::Result<registry_core::ModuleRecord> {
                use sqlx::Row as _;
                let id = record.id();
                let row = crate::sql::VersionRow::encode(record)?;
                let deps = crate::sql::dependency_rows(record);
                let known = self.modules.read().unwrap_or_else(|p| p.into_inner()).get(&row.address_key).cloned();
                // A known module and no dependency rows: one statement, no transaction.
                if let (Some((module_id, name, namespace)), true) = (&known, deps.is_empty()) {
                    let inserted = Self::insert_version_row(*module_id, &row)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| Self::err("insert version", e))?;
                    if inserted.is_some() {
                        let mut stored = record.clone();
                        stored.address = registry_core::ModuleAddress::new(namespace.clone(), name.clone(), record.address.system())?;
                        return Ok(stored);
                    }
                    // Taken: the transaction below tells refused from restorable.
                }
                // SQLite: take the write lock up front, so the first read does not
                // start a snapshot that a concurrent writer would invalidate.
                let begin = if $backend == "sqlite" { "BEGIN IMMEDIATE" } else { "BEGIN" };
                let mut tx = self.pool.begin_with(begin).await.map_err(|e| Self::err("begin", e))?;
                const READ_MODULE: &str = "SELECT m.id, m.name, n.display_name FROM modules m JOIN namespaces n ON n.key = m.namespace_key \
                     WHERE m.namespace_key = $1 AND m.name_key = $2 AND m.system = $3";
                let read_module = || {
                    sqlx::query(READ_MODULE).bind(&row.namespace_key).bind(&row.name_key).bind(&row.system)
                };
                // A new version of a known module (the common case) needs one read here.
                let m = match read_module().fetch_optional(&mut *tx).await.map_err(|e| Self::err("read module", e))? {
                    Some(m) => m,
                    None => {
                        sqlx::query("INSERT INTO namespaces (key, display_name) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                            .bind(&row.namespace_key)
                            .bind(record.address.namespace())
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| Self::err("insert namespace", e))?;
                        sqlx::query(
                            "INSERT INTO modules (namespace_key, name_key, name, system, address_key) VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (namespace_key, name_key, system) DO NOTHING",
                        )
                        .bind(&row.namespace_key)
                        .bind(&row.name_key)
                        .bind(record.address.name())
                        .bind(&row.system)
                        .bind(&row.address_key)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| Self::err("insert module", e))?;
                        read_module().fetch_one(&mut *tx).await.map_err(|e| Self::err("read module", e))?
                    }
                };
                let module_id: i64 = m.try_get(0).map_err(|e| Self::err("decode", e))?;
                let name: String = m.try_get(1).map_err(|e| Self::err("decode", e))?;
                let namespace: String = m.try_get(2).map_err(|e| Self::err("decode", e))?;
                self.modules
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(row.address_key.clone(), (module_id, name.clone(), namespace.clone()));

                let inserted = Self::insert_version_row(module_id, &row)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| Self::err("insert version", e))?;
                let version_id: i64 = match inserted {
                    Some(r) => r.try_get(0).map_err(|e| Self::err("decode", e))?,
                    // The number is taken: live (refused) or deleted (restored only with the same bytes).
                    None => {
                        let e = sqlx::query("SELECT id, deleted, sha256 FROM module_versions WHERE address_key = $1 AND version_key = $2")
                            .bind(&row.address_key)
                            .bind(&row.version_key)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(|e| Self::err("check version", e))?;
                        let deleted: bool = e.try_get(1).map_err(|e| Self::err("decode", e))?;
                        let sha: String = e.try_get(2).map_err(|e| Self::err("decode", e))?;
                        if !deleted {
                            return Err(registry_core::memory::already_exists(&id));
                        }
                        if sha != row.sha256 {
                            return Err(registry_core::memory::reserved(&id));
                        }
                        let vid: i64 = e.try_get(0).map_err(|e| Self::err("decode", e))?;
                        sqlx::query(
                            "UPDATE module_versions SET deleted = $1, version = $2, owner = $3, state = $4, h1 = $5, \
                             size = $6, published_at = $7, downloads = 0, lifecycle = $8, metadata = $9 WHERE id = $10",
                        )
                        .bind(false)
                        .bind(&row.version)
                        .bind(&row.owner)
                        .bind(row.state)
                        .bind(&row.h1)
                        .bind(row.size)
                        .bind(row.published_at)
                        .bind(&row.lifecycle)
                        .bind(&row.metadata)
                        .bind(vid)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| Self::err("restore version", e))?;
                        sqlx::query("DELETE FROM module_dependencies WHERE version_id = $1")
                            .bind(vid)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| Self::err("clear dependencies", e))?;
                        vid
                    }
                };
                for (path, call, source, constraint) in deps {
                    sqlx::query(
                        "INSERT INTO module_dependencies (version_id, module_path, call_name, source, version_constraint) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    )
                    .bind(version_id)
                    .bind(path)
                    .bind(call)
                    .bind(source)
                    .bind(constraint)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| Self::err("insert dependency", e))?;
                }
                tx.commit().await.map_err(|e| {
                    let err = Self::err("commit", e);
                    if err.kind() == registry_core::ErrorKind::AlreadyExists {
                        registry_core::memory::already_exists(&id)
                    } else {
                        err
                    }
                })?;
                let mut stored = record.clone();
                stored.address =
                    registry_core::ModuleAddress::new(namespace, name, record.address.system())?;
                Ok(stored)
            }

            async fn get_version(
                &self,
                id: &registry_core::ModuleId,
            ) -> registry_core::Result<registry_core::ModuleRecord> {
                self.fetch_live(id).await
            }

            async fn version_exists(&self, id: &registry_core::ModuleId) -> registry_core::Result<bool> {
                let row = sqlx::query("SELECT 1 FROM module_versions WHERE address_key = $1 AND version_key = $2 AND deleted = $3")
                    .bind(id.address.key())
                    .bind(id.version.key())
                    .bind(false)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| Self::err("check version", e))?;
                Ok(row.is_some())
            }

            async fn list_version_numbers(
                &self,
                address: &registry_core::ModuleAddress,
            ) -> registry_core::Result<Vec<registry_core::VersionEntry>> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT version, state FROM module_versions WHERE address_key = $1 AND deleted = $2 ORDER BY id",
                )
                .bind(address.key())
                .bind(false)
                .fetch_all(&self.pool)
                .await
                .map_err(|e| Self::err("list version numbers", e))?;
                let g = |e| Self::err("decode version number", e);
                rows.iter()
                    .map(|r| {
                        let version: String = r.try_get(0).map_err(g)?;
                        let state: String = r.try_get(1).map_err(g)?;
                        Ok(registry_core::VersionEntry {
                            version: registry_core::Version::parse(&version)?,
                            listed: state != crate::sql::state_str(registry_core::LifecycleState::Yanked),
                        })
                    })
                    .collect()
            }

            async fn list_versions(
                &self,
                address: &registry_core::ModuleAddress,
            ) -> registry_core::Result<Vec<registry_core::ModuleRecord>> {
                const Q: &str = concat!(
                    "SELECT n.display_name, m.name, m.system, v.version, v.metadata, v.lifecycle, v.downloads ",
                    "FROM module_versions v JOIN modules m ON m.id = v.module_id ",
                    "JOIN namespaces n ON n.key = m.namespace_key ",
                    "WHERE v.address_key = $1 AND v.deleted = $2 ORDER BY v.id"
                );
                let rows = sqlx::query(Q)
                    .bind(address.key())
                    .bind(false)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| Self::err("list versions", e))?;
                rows.iter().map(Self::decode).collect()
            }

            async fn list(
                &self,
                filter: &registry_core::Filter,
            ) -> registry_core::Result<registry_core::Page<registry_core::ModuleRecord>> {
                let n = filter.page_size();
                let mut qb = sqlx::QueryBuilder::<$db>::new(crate::sql::SELECT_RECORD);
                qb.push(" WHERE v.deleted = ").push_bind(false);
                if let Some(ns) = &filter.namespace {
                    qb.push(" AND v.namespace_key = ").push_bind(ns.to_ascii_lowercase());
                }
                if let Some(name) = &filter.name {
                    qb.push(" AND v.name_key = ").push_bind(name.to_ascii_lowercase());
                }
                if let Some(system) = &filter.system {
                    qb.push(" AND v.system = ").push_bind(system.to_ascii_lowercase());
                }
                if let Some(owner) = &filter.owner {
                    qb.push(" AND v.owner = ").push_bind(owner.clone());
                }
                match filter.state {
                    Some(s) => {
                        qb.push(" AND v.state = ").push_bind(crate::sql::state_str(s));
                    }
                    None if !filter.include_yanked => {
                        qb.push(" AND v.state <> ").push_bind("yanked");
                    }
                    None => {}
                }
                if let Some(c) = &filter.after {
                    qb.push(" AND (v.address_key, v.version_key) > (")
                        .push_bind(c.address_key.clone())
                        .push(", ")
                        .push_bind(c.version_key.clone())
                        .push(")");
                }
                qb.push(" ORDER BY v.address_key, v.version_key LIMIT ")
                    .push_bind((n + 1) as i64);
                let rows = qb
                    .build()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| Self::err("list", e))?;
                let mut items = rows
                    .iter()
                    .map(Self::decode)
                    .collect::<registry_core::Result<Vec<_>>>()?;
                let next = if items.len() > n {
                    items.truncate(n);
                    items.last().map(registry_core::Cursor::after)
                } else {
                    None
                };
                Ok(registry_core::Page { items, next })
            }

            async fn list_modules(
                &self,
                filter: &registry_core::Filter,
            ) -> registry_core::Result<registry_core::Page<registry_core::ModuleAddress>> {
                use sqlx::Row as _;
                let n = filter.page_size();
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT n.display_name, m.name, m.system FROM modules m JOIN namespaces n ON n.key = m.namespace_key \
                     WHERE EXISTS (SELECT 1 FROM module_versions v WHERE v.module_id = m.id AND v.deleted = ",
                );
                qb.push_bind(false);
                if let Some(owner) = &filter.owner {
                    qb.push(" AND v.owner = ").push_bind(owner.clone());
                }
                match filter.state {
                    Some(s) => {
                        qb.push(" AND v.state = ").push_bind(crate::sql::state_str(s));
                    }
                    None if !filter.include_yanked => {
                        qb.push(" AND v.state <> ").push_bind("yanked");
                    }
                    None => {}
                }
                qb.push(")");
                if let Some(ns) = &filter.namespace {
                    qb.push(" AND m.namespace_key = ").push_bind(ns.to_ascii_lowercase());
                }
                if let Some(name) = &filter.name {
                    qb.push(" AND m.name_key = ").push_bind(name.to_ascii_lowercase());
                }
                if let Some(system) = &filter.system {
                    qb.push(" AND m.system = ").push_bind(system.to_ascii_lowercase());
                }
                if let Some(c) = &filter.after {
                    qb.push(" AND m.address_key > ").push_bind(c.address_key.clone());
                }
                qb.push(" ORDER BY m.address_key LIMIT ").push_bind((n + 1) as i64);
                let rows = qb
                    .build()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| Self::err("list modules", e))?;
                let g = |e| Self::err("decode module", e);
                let mut items = rows
                    .iter()
                    .map(|r| {
                        registry_core::ModuleAddress::new(
                            r.try_get::<String, _>(0).map_err(g)?,
                            r.try_get::<String, _>(1).map_err(g)?,
                            r.try_get::<String, _>(2).map_err(g)?,
                        )
                    })
                    .collect::<registry_core::Result<Vec<_>>>()?;
                let next = if items.len() > n {
                    items.truncate(n);
                    items.last().map(|a| registry_core::Cursor {
                        address_key: a.key(),
                        version_key: String::new(),
                    })
                } else {
                    None
                };
                Ok(registry_core::Page { items, next })
            }

            async fn change_lifecycle(
                &self,
                id: &registry_core::ModuleId,
                change: &registry_core::LifecycleChange,
                now: chrono::DateTime<chrono::Utc>,
            ) -> registry_core::Result<registry_core::ModuleRecord> {
                use sqlx::Row as _;
                // Compare-and-swap on the lifecycle column: no lock held across
                // the read, and a concurrent change makes us re-read and re-apply.
                for _ in 0..16 {
                    let row = sqlx::query(
                        "SELECT id, lifecycle FROM module_versions WHERE address_key = $1 AND version_key = $2 AND deleted = $3",
                    )
                    .bind(id.address.key())
                    .bind(id.version.key())
                    .bind(false)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| Self::err("read lifecycle", e))?
                    .ok_or_else(|| {
                        registry_core::Error::not_found(format!("module version {id} not found"))
                            .with_context("module", id)
                    })?;
                    let vid: i64 = row.try_get(0).map_err(|e| Self::err("decode", e))?;
                    let old: String = row.try_get(1).map_err(|e| Self::err("decode", e))?;
                    let current: registry_core::Lifecycle = serde_json::from_str(&old)
                        .map_err(|e| crate::error::corrupt_row($backend, e))?;
                    let next = change.apply(&current, now)?;
                    let encoded = serde_json::to_string(&next)
                        .map_err(|e| registry_core::Error::invalid_input("lifecycle").with_source(e))?;
                    let done = sqlx::query(
                        "UPDATE module_versions SET lifecycle = $1, state = $2 WHERE id = $3 AND lifecycle = $4",
                    )
                    .bind(&encoded)
                    .bind(crate::sql::state_str(next.state()))
                    .bind(vid)
                    .bind(&old)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| Self::err("update lifecycle", e))?;
                    if done.rows_affected() == 1 {
                        return self.fetch_live(id).await;
                    }
                }
                Err(registry_core::Error::new(
                    registry_core::ErrorKind::Conflict,
                    format!("lifecycle of {id} kept changing underneath; try again"),
                ))
            }

            async fn delete_version(
                &self,
                id: &registry_core::ModuleId,
            ) -> registry_core::Result<registry_core::ModuleRecord> {
                let record = self.fetch_live(id).await?;
                let done = sqlx::query(
                    "UPDATE module_versions SET deleted = $1 WHERE address_key = $2 AND version_key = $3 AND deleted = $4",
                )
                .bind(true)
                .bind(id.address.key())
                .bind(id.version.key())
                .bind(false)
                .execute(&self.pool)
                .await
                .map_err(|e| Self::err("delete version", e))?;
                if done.rows_affected() == 0 {
                    return Err(registry_core::Error::not_found(format!("module version {id} not found")));
                }
                Ok(record)
            }

            async fn add_downloads(&self, id: &registry_core::ModuleId, count: u64) -> registry_core::Result<()> {
                let done = sqlx::query(
                    "UPDATE module_versions SET downloads = downloads + $1 WHERE address_key = $2 AND version_key = $3 AND deleted = $4",
                )
                .bind(i64::try_from(count).unwrap_or(i64::MAX))
                .bind(id.address.key())
                .bind(id.version.key())
                .bind(false)
                .execute(&self.pool)
                .await
                .map_err(|e| Self::err("count download", e))?;
                if done.rows_affected() == 0 {
                    return Err(registry_core::Error::not_found(format!("module version {id} not found")));
                }
                Ok(())
            }

            async fn namespace_usage(&self, namespace: &str) -> registry_core::Result<registry_core::NamespaceUsage> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM module_versions WHERE namespace_key = $1 AND deleted = $2",
                )
                .bind(namespace.to_ascii_lowercase())
                .bind(false)
                .fetch_one(&self.pool)
                .await
                .map_err(|e| Self::err("namespace usage", e))?;
                let versions: i64 = row.try_get(0).map_err(|e| Self::err("decode", e))?;
                let bytes: i64 = row.try_get(1).map_err(|e| Self::err("decode", e))?;
                Ok(registry_core::NamespaceUsage { versions: versions as u64, bytes: bytes as u64 })
            }

            async fn referenced_blobs(
                &self,
            ) -> registry_core::Result<std::collections::HashSet<registry_core::Sha256Digest>> {
                use sqlx::Row as _;
                let rows = sqlx::query("SELECT DISTINCT sha256 FROM module_versions WHERE deleted = $1")
                    .bind(false)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| Self::err("list digests", e))?;
                rows.iter()
                    .map(|r| {
                        let s: String = r.try_get(0).map_err(|e| Self::err("decode", e))?;
                        s.parse()
                    })
                    .collect()
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use sql_metadata_store;

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
