//! Module versions in the metadata database: the [`MetadataStore`]
//! implementation (publish, reads, keyset listings, lifecycle, delete).

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use registry_core::{
    CatalogueTotals, Cursor, DailyDownloads, Dependent, Error, ErrorKind, Filter, Lifecycle,
    LifecycleChange, LifecycleState, MetadataStore, ModuleAddress, ModuleId, ModuleMetadata,
    ModuleRecord, NamespaceUsage, Page, Result, Sha256Digest, Version, VersionEntry,
    VersionsDocument,
};

use super::SqlMetadataStore;
use super::engine::{Row, Sql, Tx};
use super::projection::{self, StoredDocument};
use crate::error::corrupt_row;

/// A version row's lifecycle state as stored.
pub(super) fn state_str(s: LifecycleState) -> &'static str {
    match s {
        LifecycleState::Active => "active",
        LifecycleState::Deprecated => "deprecated",
        LifecycleState::Yanked => "yanked",
    }
}

/// The columns of one version row, ready to bind.
struct VersionRow {
    address_key: String,
    version_key: String,
    version: String,
    namespace_key: String,
    name_key: String,
    system: String,
    owner: Option<String>,
    state: &'static str,
    sha256: String,
    h1: String,
    size: i64,
    published_at: DateTime<Utc>,
    lifecycle: String,
    metadata: String,
    /// The protocol's entry for this version (migration 12's projection).
    protocol_entry: String,
}

impl VersionRow {
    fn encode(r: &ModuleRecord) -> Result<Self> {
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
            protocol_entry: projection::entry(&r.version, m, &m.lifecycle)?,
        })
    }

    /// The version row's insert: nothing happens on a duplicate
    /// (address, version), and then no id is returned.
    fn insert(&self, module_id: i64) -> Sql {
        Sql::new(
            "insert version",
            "INSERT INTO module_versions (module_id, address_key, version_key, version, namespace_key, \
             name_key, system, owner, state, deleted, sha256, h1, size, published_at, downloads, lifecycle, metadata, protocol_entry) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, $15, $16, $17) \
             ON CONFLICT (address_key, version_key) DO NOTHING RETURNING id",
        )
        .bind(module_id)
        .bind(&self.address_key)
        .bind(&self.version_key)
        .bind(&self.version)
        .bind(&self.namespace_key)
        .bind(&self.name_key)
        .bind(&self.system)
        .bind(&self.owner)
        .bind(self.state)
        .bind(false)
        .bind(&self.sha256)
        .bind(&self.h1)
        .bind(self.size)
        .bind(self.published_at)
        .bind(&self.lifecycle)
        .bind(&self.metadata)
        .bind(&self.protocol_entry)
    }

    /// Bring a deleted row back with this content (same bytes only).
    fn restore(&self, version_id: i64) -> Sql {
        Sql::new(
            "restore version",
            "UPDATE module_versions SET deleted = $1, version = $2, owner = $3, state = $4, h1 = $5, \
             size = $6, published_at = $7, downloads = 0, lifecycle = $8, metadata = $9, protocol_entry = $10 \
             WHERE id = $11",
        )
        .bind(false)
        .bind(&self.version)
        .bind(&self.owner)
        .bind(self.state)
        .bind(&self.h1)
        .bind(self.size)
        .bind(self.published_at)
        .bind(&self.lifecycle)
        .bind(&self.metadata)
        .bind(&self.protocol_entry)
        .bind(version_id)
    }
}

/// One module call of one module directory, for the dependencies table.
struct DependencyRow {
    module_path: String,
    call: String,
    source: String,
    constraint: Option<String>,
}

/// The module calls of every module directory in a record.
fn dependency_rows(r: &ModuleRecord) -> Vec<DependencyRow> {
    let s = &r.metadata.summary;
    std::iter::once(&s.root)
        .chain(&s.submodules)
        .flat_map(|iface| {
            iface.dependencies.iter().map(move |d| DependencyRow {
                module_path: iface.path.clone(),
                call: d.name.clone(),
                source: d.source.clone(),
                constraint: d.version.clone(),
            })
        })
        .collect()
}

/// Columns selected for a record, in [`decode_record`]'s order.
const SELECT_RECORD: &str = "SELECT n.display_name, m.name, m.system, v.version, v.metadata, v.lifecycle, v.downloads, n.key \
     FROM module_versions v \
     JOIN modules m ON m.id = v.module_id \
     JOIN namespaces n ON n.key = m.namespace_key";

/// Rebuild a record from a row of [`SELECT_RECORD`].
fn decode_record(engine: &'static str, row: &Row) -> Result<ModuleRecord> {
    let metadata: String = row.get(4)?;
    let lifecycle: String = row.get(5)?;
    let downloads: i64 = row.get(6)?;
    let mut m: ModuleMetadata =
        serde_json::from_str(&metadata).map_err(|e| corrupt_row(engine, e))?;
    m.lifecycle =
        serde_json::from_str::<Lifecycle>(&lifecycle).map_err(|e| corrupt_row(engine, e))?;
    m.downloads = downloads.max(0) as u64;
    Ok(ModuleRecord {
        address: decode_address(row, 0, 7)?,
        version: Version::parse(&row.get::<String>(3)?)?,
        metadata: m,
    })
}

/// An address from its namespace display name (column `at`, then name and
/// system) and the namespace key (column `key`), whose `host/` prefix marks
/// a module mirrored from another registry.
pub(super) fn decode_address(row: &Row, at: usize, key: usize) -> Result<ModuleAddress> {
    let address = ModuleAddress::new(
        row.get::<String>(at)?,
        row.get::<String>(at + 1)?,
        row.get::<String>(at + 2)?,
    )?;
    let namespace_key: String = row.get(key)?;
    match namespace_key.rsplit_once('/') {
        Some((host, _)) => address.with_host(host),
        None => Ok(address),
    }
}

fn version_not_found(id: &ModuleId) -> Error {
    Error::not_found(format!("module version {id} not found")).with_context("module", id)
}

/// A module row: its id and the names as first published.
struct ModuleRow {
    id: i64,
    name: String,
    namespace: String,
}

impl SqlMetadataStore {
    fn decode(&self, row: &Row) -> Result<ModuleRecord> {
        decode_record(self.engine(), row)
    }

    fn decode_all(&self, rows: &[Row]) -> Result<Vec<ModuleRecord>> {
        rows.iter().map(|r| self.decode(r)).collect()
    }

    async fn fetch_live(&self, id: &ModuleId) -> Result<ModuleRecord> {
        let q = Sql::new(
            "get version",
            format!(
                "{SELECT_RECORD} WHERE v.address_key = $1 AND v.version_key = $2 AND v.deleted = $3"
            ),
        )
        .bind(id.address.key())
        .bind(id.version.key())
        .bind(false);
        match self.pool.fetch_optional(&q).await? {
            Some(r) => self.decode(&r),
            None => Err(version_not_found(id)),
        }
    }

    fn known_module(&self, address_key: &str) -> Option<ModuleRow> {
        let known = self.modules.read().unwrap_or_else(|p| p.into_inner());
        known
            .get(address_key)
            .map(|(id, name, namespace)| ModuleRow {
                id: *id,
                name: name.clone(),
                namespace: namespace.clone(),
            })
    }

    fn remember_module(&self, address_key: &str, m: &ModuleRow) {
        self.modules
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                address_key.to_string(),
                (m.id, m.name.clone(), m.namespace.clone()),
            );
    }

    /// The module's row in `tx`, created (with its namespace) on its first publish.
    async fn module_row(tx: &mut Tx, record: &ModuleRecord, row: &VersionRow) -> Result<ModuleRow> {
        let read = Sql::new(
            "read module",
            "SELECT m.id, m.name, n.display_name FROM modules m JOIN namespaces n ON n.key = m.namespace_key \
             WHERE m.namespace_key = $1 AND m.name_key = $2 AND m.system = $3",
        )
        .bind(&row.namespace_key)
        .bind(&row.name_key)
        .bind(&row.system);
        // A new version of a known module (the common case) needs one read here.
        let found = match tx.fetch_optional(&read).await? {
            Some(m) => m,
            None => {
                let namespace = Sql::new(
                    "insert namespace",
                    "INSERT INTO namespaces (key, display_name) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                )
                .bind(&row.namespace_key)
                .bind(record.address.namespace());
                tx.execute(&namespace).await?;
                let module = Sql::new(
                    "insert module",
                    // No conflict target: a racing first publish may collide on
                    // address_key's unique index as well as on the name triple,
                    // and either means the module is there (read just below).
                    "INSERT INTO modules (namespace_key, name_key, name, system, address_key) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&row.namespace_key)
                .bind(&row.name_key)
                .bind(record.address.name())
                .bind(&row.system)
                .bind(&row.address_key);
                tx.execute(&module).await?;
                tx.fetch_one(&read).await?
            }
        };
        Ok(ModuleRow {
            id: found.get(0)?,
            name: found.get(1)?,
            namespace: found.get(2)?,
        })
    }

    /// Insert the version row, or restore a deleted one with the same bytes;
    /// a live version, or a deleted one with other bytes, is refused.
    /// Returns the row's id and whether it is a new row.
    async fn insert_or_restore(
        tx: &mut Tx,
        module_id: i64,
        row: &VersionRow,
        id: &ModuleId,
    ) -> Result<(i64, bool)> {
        if let Some(inserted) = tx.fetch_optional(&row.insert(module_id)).await? {
            return Ok((inserted.get(0)?, true));
        }
        let taken = Sql::new(
            "check version",
            "SELECT id, deleted, sha256 FROM module_versions WHERE address_key = $1 AND version_key = $2",
        )
        .bind(&row.address_key)
        .bind(&row.version_key);
        let existing = tx.fetch_one(&taken).await?;
        let deleted: bool = existing.get(1)?;
        let sha: String = existing.get(2)?;
        if !deleted {
            return Err(Error::already_exists(id));
        }
        if sha != row.sha256 {
            return Err(Error::reserved(id));
        }
        let version_id: i64 = existing.get(0)?;
        tx.execute(&row.restore(version_id)).await?;
        let clear = Sql::new(
            "clear dependencies",
            "DELETE FROM module_dependencies WHERE version_id = $1",
        )
        .bind(version_id);
        tx.execute(&clear).await?;
        Ok((version_id, false))
    }

    async fn insert_dependencies(
        tx: &mut Tx,
        version_id: i64,
        deps: Vec<DependencyRow>,
    ) -> Result<()> {
        for d in deps {
            let q = Sql::new(
                "insert dependency",
                "INSERT INTO module_dependencies (version_id, module_path, call_name, source, version_constraint) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(version_id)
            .bind(d.module_path)
            .bind(d.call)
            .bind(d.source)
            .bind(d.constraint);
            tx.execute(&q).await?;
        }
        Ok(())
    }

    /// The stored record: as given, with the names of the module's first publish.
    fn as_stored(record: &ModuleRecord, m: &ModuleRow) -> Result<ModuleRecord> {
        let mut stored = record.clone();
        stored.address = record.address.respelled(&m.namespace, &m.name)?;
        Ok(stored)
    }

    /// Keyset listing filters shared by versions and modules: owner and state.
    fn push_state_filters(q: &mut Sql, filter: &Filter) {
        if let Some(owner) = &filter.owner {
            q.push(" AND v.owner = ").push_bind(owner);
        }
        match filter.state {
            Some(s) => {
                q.push(" AND v.state = ").push_bind(state_str(s));
            }
            None if !filter.include_yanked => {
                q.push(" AND v.state <> ")
                    .push_bind(state_str(LifecycleState::Yanked));
            }
            None => {}
        }
    }
}

/// The page of `n` items from `items` (fetched `n + 1` to know if more follow).
fn page_of<T>(mut items: Vec<T>, n: usize, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
    let next = if items.len() > n {
        items.truncate(n);
        items.last().map(cursor)
    } else {
        None
    };
    Page { items, next }
}

#[async_trait]
impl MetadataStore for SqlMetadataStore {
    async fn insert_version(&self, record: &ModuleRecord) -> Result<ModuleRecord> {
        let id = record.id();
        let row = VersionRow::encode(record)?;
        let deps = dependency_rows(record);
        let mut tx = self.pool.begin_write().await?;
        // A known module (the common case) needs no read for its row.
        let module = match self.known_module(&row.address_key) {
            Some(m) => m,
            None => Self::module_row(&mut tx, record, &row).await?,
        };
        let (version_id, inserted) = Self::insert_or_restore(&mut tx, module.id, &row, &id).await?;
        Self::insert_dependencies(&mut tx, version_id, deps).await?;
        // A new listed version is the newest row: it goes at the end. A
        // restored one keeps its place, so that is recomputed.
        if inserted && record.metadata.lifecycle.is_listed() {
            projection::append(
                &mut tx,
                module.id,
                version_id,
                &record.version,
                &row.protocol_entry,
            )
            .await?;
        } else {
            projection::refresh(&mut tx, module.id).await?;
        }
        tx.commit().await.map_err(|e| {
            // A racing publish of the same version won at commit.
            if e.kind() == ErrorKind::AlreadyExists {
                Error::already_exists(&id)
            } else {
                e
            }
        })?;
        // Only once committed: a module row others cannot see yet (or that
        // rolls back) would fail their one-statement inserts on the foreign key.
        self.remember_module(&row.address_key, &module);
        Self::as_stored(record, &module)
    }

    async fn get_version(&self, id: &ModuleId) -> Result<ModuleRecord> {
        self.fetch_live(id).await
    }

    async fn version_exists(&self, id: &ModuleId) -> Result<bool> {
        let q = Sql::new(
            "check version",
            "SELECT 1 FROM module_versions WHERE address_key = $1 AND version_key = $2 AND deleted = $3",
        )
        .bind(id.address.key())
        .bind(id.version.key())
        .bind(false);
        Ok(self.pool.fetch_optional(&q).await?.is_some())
    }

    async fn list_version_numbers(&self, address: &ModuleAddress) -> Result<Vec<VersionEntry>> {
        let q = Sql::new(
            "list version numbers",
            "SELECT version, state FROM module_versions WHERE address_key = $1 AND deleted = $2 ORDER BY id",
        )
        .bind(address.key())
        .bind(false);
        let yanked = state_str(LifecycleState::Yanked);
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| {
                Ok(VersionEntry {
                    version: Version::parse(&r.get::<String>(0)?)?,
                    listed: r.get::<String>(1)? != yanked,
                })
            })
            .collect()
    }

    async fn list_versions(&self, address: &ModuleAddress) -> Result<Vec<ModuleRecord>> {
        let q = Sql::new(
            "list versions",
            format!("{SELECT_RECORD} WHERE v.address_key = $1 AND v.deleted = $2 ORDER BY v.id"),
        )
        .bind(address.key())
        .bind(false);
        self.decode_all(&self.pool.fetch_all(&q).await?)
    }

    async fn versions_document(&self, address: &ModuleAddress) -> Result<Option<VersionsDocument>> {
        match self.stored_document(address).await? {
            StoredDocument::NoModule => Ok(None),
            StoredDocument::Document(d) => Ok(Some(d)),
            StoredDocument::NotFilled => {
                VersionsDocument::from_records(&self.list_versions(address).await?)
            }
        }
    }

    async fn list(&self, filter: &Filter) -> Result<Page<ModuleRecord>> {
        let n = filter.page_size();
        let mut q = Sql::new("list", SELECT_RECORD);
        q.push(" WHERE v.deleted = ").push_bind(false);
        if let Some(ns) = &filter.namespace {
            q.push(" AND v.namespace_key = ")
                .push_bind(ns.to_ascii_lowercase());
        }
        if let Some(name) = &filter.name {
            q.push(" AND v.name_key = ")
                .push_bind(name.to_ascii_lowercase());
        }
        if let Some(system) = &filter.system {
            q.push(" AND v.system = ")
                .push_bind(system.to_ascii_lowercase());
        }
        Self::push_state_filters(&mut q, filter);
        if let Some(c) = &filter.after {
            q.push(" AND (v.address_key, v.version_key) > (")
                .push_bind(&c.address_key)
                .push(", ")
                .push_bind(&c.version_key)
                .push(")");
        }
        q.push(" ORDER BY v.address_key, v.version_key LIMIT ")
            .push_bind((n + 1) as i64);
        let items = self.decode_all(&self.pool.fetch_all(&q).await?)?;
        Ok(page_of(items, n, Cursor::after))
    }

    async fn list_modules(&self, filter: &Filter) -> Result<Page<ModuleAddress>> {
        let n = filter.page_size();
        let mut q = Sql::new(
            "list modules",
            "SELECT n.display_name, m.name, m.system, n.key FROM modules m JOIN namespaces n ON n.key = m.namespace_key \
             WHERE EXISTS (SELECT 1 FROM module_versions v WHERE v.module_id = m.id AND v.deleted = ",
        );
        q.push_bind(false);
        Self::push_state_filters(&mut q, filter);
        q.push(")");
        if let Some(ns) = &filter.namespace {
            q.push(" AND m.namespace_key = ")
                .push_bind(ns.to_ascii_lowercase());
        }
        if let Some(name) = &filter.name {
            q.push(" AND m.name_key = ")
                .push_bind(name.to_ascii_lowercase());
        }
        if let Some(system) = &filter.system {
            q.push(" AND m.system = ")
                .push_bind(system.to_ascii_lowercase());
        }
        if let Some(c) = &filter.after {
            q.push(" AND m.address_key > ").push_bind(&c.address_key);
        }
        q.push(" ORDER BY m.address_key LIMIT ")
            .push_bind((n + 1) as i64);
        let items = self
            .pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| decode_address(r, 0, 3))
            .collect::<Result<Vec<_>>>()?;
        Ok(page_of(items, n, |a| Cursor {
            address_key: a.key(),
            version_key: String::new(),
        }))
    }

    async fn list_latest(&self, filter: &Filter) -> Result<Page<ModuleId>> {
        // One range scan of modules by address key, joined to the stored
        // latest version (migration 13): no per-module query.
        let n = filter.page_size();
        let mut q = Sql::new(
            "list latest versions",
            "SELECT n.display_name, m.name, m.system, n.key, v.version, m.address_key FROM modules m \
             JOIN namespaces n ON n.key = m.namespace_key \
             JOIN module_versions v ON v.id = m.latest_version_id WHERE v.deleted = ",
        );
        q.push_bind(false);
        if let Some(ns) = &filter.namespace {
            q.push(" AND m.namespace_key = ")
                .push_bind(ns.to_ascii_lowercase());
        }
        if let Some(name) = &filter.name {
            q.push(" AND m.name_key = ")
                .push_bind(name.to_ascii_lowercase());
        }
        if let Some(system) = &filter.system {
            q.push(" AND m.system = ")
                .push_bind(system.to_ascii_lowercase());
        }
        if let Some(c) = &filter.after {
            q.push(" AND m.address_key > ").push_bind(&c.address_key);
        }
        q.push(" ORDER BY m.address_key LIMIT ")
            .push_bind((n + 1) as i64);
        let rows = self.pool.fetch_all(&q).await?;
        let more = rows.len() > n;
        let mut items = Vec::with_capacity(rows.len().min(n));
        let mut last_key = None;
        for row in rows.iter().take(n) {
            last_key = Some(row.get::<String>(5)?);
            // A number that does not parse is left out, as listings leave it.
            if let Ok(version) = Version::parse(&row.get::<String>(4)?) {
                items.push(ModuleId::new(decode_address(row, 0, 3)?, version));
            }
        }
        let next = last_key.filter(|_| more).map(|address_key| Cursor {
            address_key,
            version_key: String::new(),
        });
        Ok(Page { items, next })
    }

    async fn change_lifecycle(
        &self,
        id: &ModuleId,
        change: &LifecycleChange,
        now: DateTime<Utc>,
    ) -> Result<ModuleRecord> {
        // Compare-and-swap on the lifecycle column: no lock held across
        // the read, and a concurrent change makes us re-read and re-apply.
        for _ in 0..16 {
            let read = Sql::new(
                "read lifecycle",
                "SELECT id, lifecycle, metadata, module_id FROM module_versions \
                 WHERE address_key = $1 AND version_key = $2 AND deleted = $3",
            )
            .bind(id.address.key())
            .bind(id.version.key())
            .bind(false);
            let row = self
                .pool
                .fetch_optional(&read)
                .await?
                .ok_or_else(|| version_not_found(id))?;
            let version_id: i64 = row.get(0)?;
            let old: String = row.get(1)?;
            let module_id: i64 = row.get(3)?;
            let current: Lifecycle =
                serde_json::from_str(&old).map_err(|e| corrupt_row(self.engine(), e))?;
            let next = change.apply(&current, now)?;
            let metadata: ModuleMetadata = serde_json::from_str(&row.get::<String>(2)?)
                .map_err(|e| corrupt_row(self.engine(), e))?;
            let encoded = serde_json::to_string(&next)
                .map_err(|e| Error::invalid_input("lifecycle").with_source(e))?;
            let swap = Sql::new(
                "update lifecycle",
                "UPDATE module_versions SET lifecycle = $1, state = $2, protocol_entry = $3 \
                 WHERE id = $4 AND lifecycle = $5",
            )
            .bind(encoded)
            .bind(state_str(next.state()))
            .bind(projection::entry(&id.version, &metadata, &next)?)
            .bind(version_id)
            .bind(old);
            let mut tx = self.pool.begin_write().await?;
            if tx.execute(&swap).await? == 1 {
                projection::refresh(&mut tx, module_id).await?;
                tx.commit().await?;
                return self.fetch_live(id).await;
            }
        }
        Err(Error::new(
            ErrorKind::Conflict,
            format!("lifecycle of {id} kept changing underneath; try again"),
        ))
    }

    async fn delete_version(&self, id: &ModuleId) -> Result<ModuleRecord> {
        let record = self.fetch_live(id).await?;
        let q = Sql::new(
            "delete version",
            "UPDATE module_versions SET deleted = $1 WHERE address_key = $2 AND version_key = $3 AND deleted = $4 \
             RETURNING module_id",
        )
        .bind(true)
        .bind(id.address.key())
        .bind(id.version.key())
        .bind(false);
        let mut tx = self.pool.begin_write().await?;
        let Some(deleted) = tx.fetch_optional(&q).await? else {
            return Err(version_not_found(id));
        };
        projection::refresh(&mut tx, deleted.get(0)?).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn add_downloads(&self, id: &ModuleId, day: NaiveDate, count: u64) -> Result<()> {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        let total = Sql::new(
            "count download",
            "UPDATE module_versions SET downloads = downloads + $1 WHERE address_key = $2 AND version_key = $3 AND deleted = $4",
        )
        .bind(count)
        .bind(id.address.key())
        .bind(id.version.key())
        .bind(false);
        let module_total = Sql::new(
            "count module download",
            "UPDATE modules SET downloads = downloads + $1 WHERE address_key = $2",
        )
        .bind(count)
        .bind(id.address.key());
        let daily = Sql::new(
            "count download per day",
            "INSERT INTO download_days (address_key, version_key, day, downloads) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (address_key, version_key, day) DO UPDATE SET downloads = download_days.downloads + excluded.downloads",
        )
        .bind(id.address.key())
        .bind(id.version.key())
        .bind(day.format("%Y-%m-%d").to_string())
        .bind(count);
        // All or none: the totals and the day's count stay in step.
        let mut tx = self.pool.begin_write().await?;
        if tx.execute(&total).await? == 0 {
            return Err(version_not_found(id));
        }
        tx.execute(&module_total).await?;
        tx.execute(&daily).await?;
        tx.commit().await
    }

    async fn recent_versions(&self, limit: usize) -> Result<Vec<ModuleRecord>> {
        let mut q = Sql::new(
            "recent versions",
            format!("{SELECT_RECORD} WHERE v.deleted = "),
        );
        q.push_bind(false);
        Self::push_state_filters(&mut q, &Filter::default());
        q.push(" ORDER BY v.published_at DESC, v.id DESC LIMIT ")
            .push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
        self.decode_all(&self.pool.fetch_all(&q).await?)
    }

    async fn totals(&self) -> Result<CatalogueTotals> {
        // From the per-module projection: one row per module, not per version.
        let q = Sql::new(
            "totals",
            "SELECT COUNT(CASE WHEN listed_versions > 0 THEN 1 END), \
             CAST(COALESCE(SUM(listed_versions), 0) AS BIGINT), CAST(COALESCE(SUM(downloads), 0) AS BIGINT) \
             FROM modules",
        );
        let row = self.pool.fetch_one(&q).await?;
        let n = |i: usize| -> Result<u64> { Ok(row.get::<i64>(i)?.max(0) as u64) };
        Ok(CatalogueTotals {
            modules: n(0)?,
            versions: n(1)?,
            downloads: n(2)?,
        })
    }

    async fn dependents(&self, source: &str, limit: usize) -> Result<Vec<Dependent>> {
        // `substr` rather than LIKE: names may hold `_`, a LIKE wildcard.
        let len = source.chars().count() as i64;
        let q = Sql::new(
            "dependents",
            "SELECT n.display_name, m.name, m.system, n.key, v.version, d.module_path, d.call_name, d.source, d.version_constraint \
             FROM module_dependencies d JOIN module_versions v ON v.id = d.version_id \
             JOIN modules m ON m.id = v.module_id JOIN namespaces n ON n.key = m.namespace_key \
             WHERE (d.source = $1 OR (substr(d.source, 1, CAST($2 AS INTEGER)) = $3 AND substr(d.source, CAST($4 AS INTEGER), 2) = $5)) AND v.deleted = $6 \
             ORDER BY v.address_key, v.version_key, d.module_path, d.call_name LIMIT $7",
        )
        .bind(source)
        .bind(len)
        .bind(source)
        .bind(len + 1)
        .bind("//")
        .bind(false)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX));
        let mut out = Vec::new();
        for row in self.pool.fetch_all(&q).await? {
            let address = decode_address(&row, 0, 3)?;
            let version: String = row.get(4)?;
            out.push(Dependent {
                id: ModuleId::new(address, Version::parse(&version)?),
                module_path: row.get(5)?,
                call_name: row.get(6)?,
                source: row.get(7)?,
                constraint: row.get(8)?,
            });
        }
        Ok(out)
    }

    async fn downloads_by_day(
        &self,
        address: &ModuleAddress,
        since: NaiveDate,
    ) -> Result<Vec<DailyDownloads>> {
        let q = Sql::new(
            "downloads per day",
            "SELECT day, CAST(SUM(downloads) AS BIGINT) FROM download_days WHERE address_key = $1 AND day >= $2 GROUP BY day ORDER BY day",
        )
        .bind(address.key())
        .bind(since.format("%Y-%m-%d").to_string());
        let mut out = Vec::new();
        for row in self.pool.fetch_all(&q).await? {
            let day: String = row.get(0)?;
            let downloads: i64 = row.get(1)?;
            let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|e| {
                Error::new(
                    ErrorKind::Integrity,
                    format!("download_days holds a day that is not a date ({day:?}): {e}"),
                )
            })?;
            out.push(DailyDownloads {
                day,
                downloads: downloads.max(0) as u64,
            });
        }
        Ok(out)
    }

    async fn namespace_usage(&self, namespace: &str) -> Result<NamespaceUsage> {
        let q = Sql::new(
            "namespace usage",
            "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM module_versions WHERE namespace_key = $1 AND deleted = $2",
        )
        .bind(namespace.to_ascii_lowercase())
        .bind(false);
        let row = self.pool.fetch_one(&q).await?;
        let versions: i64 = row.get(0)?;
        let bytes: i64 = row.get(1)?;
        Ok(NamespaceUsage {
            versions: versions.max(0) as u64,
            bytes: bytes.max(0) as u64,
        })
    }

    async fn referenced_blobs(&self) -> Result<HashSet<Sha256Digest>> {
        let q = Sql::new(
            "list digests",
            // Provider zips share the blob store: they are referenced too.
            "SELECT DISTINCT sha256 FROM module_versions WHERE deleted = $1 \
             UNION SELECT DISTINCT sha256 FROM provider_platforms",
        )
        .bind(false);
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| r.get::<String>(0)?.parse())
            .collect()
    }
}
