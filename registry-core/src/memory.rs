//! In-memory metadata and blob stores: the reference implementations of the
//! storage contracts, for tests and for embedders that need no persistence.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};

use crate::address::{ModuleAddress, ModuleId};
use crate::archive::ArchiveBody;
use crate::digest::Sha256Digest;
use crate::error::{Error, Result};
use crate::filter::{Cursor, Filter, Page};
use crate::module::{LifecycleChange, ModuleRecord};
use crate::traits::storage::{
    BlobInfo, BlobStore, CatalogueTotals, DailyDownloads, Dependent, MetadataStore, source_names,
};

#[derive(Debug, Clone)]
struct Row {
    record: ModuleRecord,
    deleted: bool,
    seq: u64,
}

#[derive(Debug, Default)]
struct MetaState {
    rows: BTreeMap<(String, String), Row>,
    /// Case of each namespace and module as first published.
    namespaces: HashMap<String, String>,
    names: HashMap<String, String>,
    seq: u64,
    /// Downloads by (address key, day, version key).
    days: BTreeMap<(String, NaiveDate, String), u64>,
}

/// A [`MetadataStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryMetadataStore {
    state: Mutex<MetaState>,
}

impl MemoryMetadataStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MetaState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn row_key(id: &ModuleId) -> (String, String) {
    (id.address.key(), id.version.key())
}

fn not_found(id: &ModuleId) -> Error {
    Error::not_found(format!("module version {id} not found")).with_context("module", id)
}

#[async_trait]
impl MetadataStore for MemoryMetadataStore {
    async fn insert_version(&self, record: &ModuleRecord) -> Result<ModuleRecord> {
        let mut s = self.lock();
        let id = record.id();
        let key = row_key(&id);
        if let Some(row) = s.rows.get(&key) {
            if !row.deleted {
                return Err(Error::already_exists(&id));
            }
            if row.record.metadata.sha256 != record.metadata.sha256 {
                return Err(Error::reserved(&id));
            }
        }
        let ns_key = record.address.namespace_key();
        let ns = s
            .namespaces
            .entry(ns_key.clone())
            .or_insert_with(|| record.address.namespace().to_string())
            .clone();
        let name_key = format!("{ns_key}/{}", record.address.name().to_ascii_lowercase());
        let name = s
            .names
            .entry(name_key)
            .or_insert_with(|| record.address.name().to_string())
            .clone();
        let mut stored = record.clone();
        stored.address = record.address.respelled(&ns, &name)?;
        s.seq += 1;
        let seq = s.seq;
        s.rows.insert(
            key,
            Row {
                record: stored.clone(),
                deleted: false,
                seq,
            },
        );
        Ok(stored)
    }

    async fn get_version(&self, id: &ModuleId) -> Result<ModuleRecord> {
        let s = self.lock();
        match s.rows.get(&row_key(id)) {
            Some(r) if !r.deleted => Ok(r.record.clone()),
            _ => Err(not_found(id)),
        }
    }

    async fn list_versions(&self, address: &ModuleAddress) -> Result<Vec<ModuleRecord>> {
        let s = self.lock();
        let k = address.key();
        let mut rows: Vec<&Row> = s
            .rows
            .range((k.clone(), String::new())..)
            .take_while(|((a, _), _)| *a == k)
            .map(|(_, r)| r)
            .filter(|r| !r.deleted)
            .collect();
        rows.sort_by_key(|r| r.seq);
        Ok(rows.into_iter().map(|r| r.record.clone()).collect())
    }

    async fn list(&self, filter: &Filter) -> Result<Page<ModuleRecord>> {
        let s = self.lock();
        let n = filter.page_size();
        let start = match &filter.after {
            Some(c) => std::ops::Bound::Excluded((c.address_key.clone(), c.version_key.clone())),
            None => std::ops::Bound::Unbounded,
        };
        let mut items: Vec<ModuleRecord> = s
            .rows
            .range((start, std::ops::Bound::Unbounded))
            .map(|(_, r)| r)
            .filter(|r| !r.deleted && filter.matches(&r.record))
            .take(n + 1)
            .map(|r| r.record.clone())
            .collect();
        let next = if items.len() > n {
            items.truncate(n);
            items.last().map(Cursor::after)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn list_modules(&self, filter: &Filter) -> Result<Page<ModuleAddress>> {
        let s = self.lock();
        let n = filter.page_size();
        let after = filter.after.as_ref().map(|c| c.address_key.clone());
        let mut out: Vec<ModuleAddress> = Vec::new();
        for row in s.rows.values() {
            if row.deleted || !filter.matches(&row.record) {
                continue;
            }
            let key = row.record.address.key();
            if after.as_ref().is_some_and(|a| key <= *a) {
                continue;
            }
            if out.last().map(|l| l.key()) != Some(key) {
                out.push(row.record.address.clone());
            }
            if out.len() > n {
                break;
            }
        }
        let next = if out.len() > n {
            out.truncate(n);
            out.last().map(|a| Cursor {
                address_key: a.key(),
                version_key: String::new(),
            })
        } else {
            None
        };
        Ok(Page { items: out, next })
    }

    async fn change_lifecycle(
        &self,
        id: &ModuleId,
        change: &LifecycleChange,
        now: DateTime<Utc>,
    ) -> Result<ModuleRecord> {
        let mut s = self.lock();
        let row = s
            .rows
            .get_mut(&row_key(id))
            .filter(|r| !r.deleted)
            .ok_or_else(|| not_found(id))?;
        row.record.metadata.lifecycle = change.apply(&row.record.metadata.lifecycle, now)?;
        Ok(row.record.clone())
    }

    async fn delete_version(&self, id: &ModuleId) -> Result<ModuleRecord> {
        let mut s = self.lock();
        let row = s
            .rows
            .get_mut(&row_key(id))
            .filter(|r| !r.deleted)
            .ok_or_else(|| not_found(id))?;
        row.deleted = true;
        Ok(row.record.clone())
    }

    async fn add_downloads(&self, id: &ModuleId, day: NaiveDate, count: u64) -> Result<()> {
        let mut s = self.lock();
        let row = s
            .rows
            .get_mut(&row_key(id))
            .filter(|r| !r.deleted)
            .ok_or_else(|| not_found(id))?;
        row.record.metadata.downloads += count;
        *s.days
            .entry((id.address.key(), day, id.version.key()))
            .or_insert(0) += count;
        Ok(())
    }

    async fn recent_versions(&self, limit: usize) -> Result<Vec<ModuleRecord>> {
        let s = self.lock();
        let mut listed: Vec<&Row> = s
            .rows
            .values()
            .filter(|r| !r.deleted && r.record.metadata.lifecycle.yanked.is_none())
            .collect();
        listed.sort_by(|a, b| {
            (b.record.metadata.published_at, b.seq).cmp(&(a.record.metadata.published_at, a.seq))
        });
        Ok(listed
            .into_iter()
            .take(limit)
            .map(|r| r.record.clone())
            .collect())
    }

    async fn totals(&self) -> Result<CatalogueTotals> {
        let s = self.lock();
        let mut t = CatalogueTotals::default();
        let mut modules = HashSet::new();
        for r in s.rows.values().filter(|r| !r.deleted) {
            t.downloads += r.record.metadata.downloads;
            if r.record.metadata.lifecycle.yanked.is_none() {
                t.versions += 1;
                modules.insert(r.record.address.key());
            }
        }
        t.modules = modules.len() as u64;
        Ok(t)
    }

    async fn dependents(&self, source: &str, limit: usize) -> Result<Vec<Dependent>> {
        let s = self.lock();
        let mut out = Vec::new();
        // Rows are keyed by (address key, version key): already in order.
        for row in s.rows.values().filter(|r| !r.deleted) {
            let summary = &row.record.metadata.summary;
            let mut calls: Vec<Dependent> = std::iter::once(&summary.root)
                .chain(&summary.submodules)
                .flat_map(|iface| {
                    iface
                        .dependencies
                        .iter()
                        .filter(|d| source_names(&d.source, source))
                        .map(|d| Dependent {
                            id: row.record.id(),
                            module_path: iface.path.clone(),
                            call_name: d.name.clone(),
                            source: d.source.clone(),
                            constraint: d.version.clone(),
                        })
                })
                .collect();
            calls.sort_by(|a, b| {
                (&a.module_path, &a.call_name).cmp(&(&b.module_path, &b.call_name))
            });
            out.extend(calls);
            if out.len() >= limit {
                out.truncate(limit);
                break;
            }
        }
        Ok(out)
    }

    async fn downloads_by_day(
        &self,
        address: &ModuleAddress,
        since: NaiveDate,
    ) -> Result<Vec<DailyDownloads>> {
        let s = self.lock();
        let key = address.key();
        let mut out: Vec<DailyDownloads> = Vec::new();
        let from = (key.clone(), since, String::new());
        for ((k, day, _), n) in s.days.range(from..) {
            if *k != key {
                break;
            }
            match out.last_mut() {
                Some(last) if last.day == *day => last.downloads += n,
                _ => out.push(DailyDownloads {
                    day: *day,
                    downloads: *n,
                }),
            }
        }
        Ok(out)
    }

    async fn namespace_usage(&self, namespace: &str) -> Result<crate::NamespaceUsage> {
        let s = self.lock();
        let key = namespace.to_ascii_lowercase();
        let mut u = crate::NamespaceUsage::default();
        for r in s.rows.values().filter(|r| !r.deleted) {
            if r.record.address.namespace().eq_ignore_ascii_case(&key) {
                u.versions += 1;
                u.bytes += r.record.metadata.size;
            }
        }
        Ok(u)
    }

    async fn referenced_blobs(&self) -> Result<HashSet<Sha256Digest>> {
        let s = self.lock();
        Ok(s.rows
            .values()
            .filter(|r| !r.deleted)
            .map(|r| r.record.metadata.sha256)
            .collect())
    }
}

/// A [`BlobStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    blobs: Mutex<HashMap<Sha256Digest, (Bytes, DateTime<Utc>)>>,
}

impl MemoryBlobStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Sha256Digest, (Bytes, DateTime<Utc>)>> {
        self.blobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Overwrite a blob's bytes without checks (for tests of corruption handling).
    pub fn corrupt(&self, digest: &Sha256Digest, bytes: Bytes) {
        if let Some(entry) = self.lock().get_mut(digest) {
            entry.0 = bytes;
        }
    }

    /// Backdate a blob (for tests of garbage collection).
    pub fn set_last_modified(&self, digest: &Sha256Digest, at: DateTime<Utc>) {
        if let Some(entry) = self.lock().get_mut(digest) {
            entry.1 = at;
        }
    }
}

#[async_trait]
impl BlobStore for MemoryBlobStore {
    async fn put(&self, digest: &Sha256Digest, body: &ArchiveBody) -> Result<()> {
        if self.lock().contains_key(digest) {
            return Ok(());
        }
        let bytes = body.to_bytes().await?;
        self.lock().entry(*digest).or_insert((bytes, Utc::now()));
        Ok(())
    }

    async fn get(&self, digest: &Sha256Digest) -> Result<Bytes> {
        self.lock()
            .get(digest)
            .map(|(b, _)| b.clone())
            .ok_or_else(|| Error::not_found(format!("blob {digest} not found")))
    }

    async fn exists(&self, digest: &Sha256Digest) -> Result<bool> {
        Ok(self.lock().contains_key(digest))
    }

    async fn delete(&self, digest: &Sha256Digest) -> Result<()> {
        self.lock().remove(digest);
        Ok(())
    }

    async fn list(&self) -> Result<Vec<BlobInfo>> {
        Ok(self
            .lock()
            .iter()
            .map(|(d, (b, at))| BlobInfo {
                digest: *d,
                size: b.len() as u64,
                last_modified: *at,
            })
            .collect())
    }
}
