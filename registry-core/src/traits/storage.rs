//! Storage traits: the composed [`ModuleStorage`] and the metadata and blob
//! stores it is usually built from.

use std::collections::HashSet;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::address::{ModuleAddress, ModuleId};
use crate::archive::ArchiveBody;
use crate::digest::Sha256Digest;
use crate::error::{Error, ErrorKind, Result};
use crate::filter::{Filter, Page};
use crate::module::{LifecycleChange, Module, ModuleRecord};
use crate::version::Version;

/// A version number and whether it is listed (not yanked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionEntry {
    /// The version, as published.
    pub version: Version,
    /// Listed (not yanked).
    pub listed: bool,
}

impl VersionEntry {
    /// The version a module is known by: the newest listed release, or the
    /// newest listed prerelease when it has no release (`None` when nothing
    /// is listed).
    pub fn latest<'a>(
        entries: impl IntoIterator<Item = &'a VersionEntry>,
    ) -> Option<&'a VersionEntry> {
        entries
            .into_iter()
            .filter(|e| e.listed)
            .fold(None, |best: Option<&'a VersionEntry>, e| match best {
                Some(b) if !Self::replaces_latest(&b.version, &e.version) => Some(b),
                _ => Some(e),
            })
    }

    /// Whether listed `candidate` is the latest over listed `current`: a
    /// release over any prerelease, otherwise the higher (the later of
    /// equals). The one rule behind [`VersionEntry::latest`], for stores
    /// that keep the latest version as versions arrive.
    pub fn replaces_latest(current: &Version, candidate: &Version) -> bool {
        match (current.is_prerelease(), candidate.is_prerelease()) {
            (true, false) => true,
            (false, true) => false,
            _ => candidate >= current,
        }
    }

    /// The entry of a record.
    pub fn of(r: &ModuleRecord) -> Self {
        VersionEntry {
            version: r.version.clone(),
            listed: r.metadata.lifecycle.is_listed(),
        }
    }
}

/// Where modules live: metadata and archive bytes together (the spec's
/// `ModuleStorage`). Implementations must keep these promises, which the
/// conformance suite in `registry-testkit` checks:
///
/// - `store` is all or nothing: the archive is written first, the metadata
///   committed after, so a failure leaves at most an unreferenced blob.
/// - A version, once stored, never changes: a second `store` of the same
///   address and version (compared as [`ModuleId::key`]) is
///   [`ErrorKind::AlreadyExists`], even when racing; exactly one wins.
/// - A deleted version's number stays reserved: storing it again is refused
///   unless the archive bytes are identical (then the version is restored).
/// - `get` verifies the archive against its sha256 before returning it; a
///   mismatch is [`ErrorKind::Integrity`] and no bytes are returned.
#[async_trait]
pub trait ModuleStorage: Send + Sync + Debug + 'static {
    /// Store a new version. Returns the record as stored (namespace and name
    /// in the case of the module's first publish).
    async fn store(&self, module: &Module) -> Result<ModuleRecord>;

    /// A version with its archive, verified against its digest.
    async fn get(&self, id: &ModuleId) -> Result<Module>;

    /// A version's record without its archive.
    async fn get_record(&self, id: &ModuleId) -> Result<ModuleRecord>;

    /// A version's record, shared: cached records are handed out without
    /// copying. Defaults to [`ModuleStorage::get_record`].
    async fn get_record_shared(&self, id: &ModuleId) -> Result<Arc<ModuleRecord>> {
        self.get_record(id).await.map(Arc::new)
    }

    /// Versions matching a filter, one page at a time (keyset paging).
    async fn list(&self, filter: &Filter) -> Result<Page<ModuleRecord>>;

    /// Every version of one module (yanked ones included, deleted ones not),
    /// in publish order. Shared, so cached lists are handed out without copying.
    async fn versions(&self, address: &ModuleAddress) -> Result<Arc<Vec<ModuleRecord>>>;

    /// Just the version numbers of one module (yanked ones included, flagged),
    /// in publish order: what choosing the latest version needs, without
    /// decoding every record.
    async fn version_numbers(&self, address: &ModuleAddress) -> Result<Arc<Vec<VersionEntry>>> {
        Ok(Arc::new(
            self.versions(address)
                .await?
                .iter()
                .map(VersionEntry::of)
                .collect(),
        ))
    }

    /// The module's listed versions as the protocol's `/versions` lists
    /// them; `None` for a module with no live version. Defaults to building
    /// it from [`ModuleStorage::versions`].
    async fn versions_document(
        &self,
        address: &ModuleAddress,
    ) -> Result<Option<crate::VersionsDocument>> {
        crate::VersionsDocument::from_records(&self.versions(address).await?)
    }

    /// Modules (not versions) with at least one live version matching the
    /// filter's namespace, name and system, ordered by address key (keyset
    /// paging; the cursor's version key is empty).
    async fn list_modules(&self, filter: &Filter) -> Result<Page<ModuleAddress>>;

    /// Modules matching the filter's namespace, name and system that list a
    /// version, each as the id of its latest listed version
    /// ([`VersionEntry::latest`]), ordered by address key (keyset paging; the
    /// cursor's version key is empty). Defaults to
    /// [`ModuleStorage::list_modules`] and each module's numbers.
    async fn list_latest(&self, filter: &Filter) -> Result<Page<ModuleId>> {
        let page = self.list_modules(&listed_modules(filter)).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for address in page.items {
            let numbers = self.version_numbers(&address).await?;
            if let Some(latest) = VersionEntry::latest(numbers.iter()) {
                items.push(ModuleId::new(address.clone(), latest.version.clone()));
            }
        }
        Ok(Page {
            items,
            next: page.next,
        })
    }

    /// Delete a version. Its number stays reserved; its blob is left for [`ModuleStorage::gc`].
    async fn delete(&self, id: &ModuleId) -> Result<()>;

    /// Apply a lifecycle change atomically and return the updated record.
    async fn change_lifecycle(
        &self,
        id: &ModuleId,
        change: &LifecycleChange,
        now: DateTime<Utc>,
    ) -> Result<ModuleRecord>;

    /// Count one download. Implementations may batch counts (see
    /// [`ModuleStorage::flush`]); a count is never lost while the process runs.
    async fn record_download(&self, id: &ModuleId) -> Result<()>;

    /// A module's downloads per day from `since` on (see
    /// [`MetadataStore::downloads_by_day`]). The default answers
    /// `Unsupported`, for stores that keep only totals.
    async fn downloads_by_day(
        &self,
        address: &ModuleAddress,
        since: NaiveDate,
    ) -> Result<Vec<DailyDownloads>> {
        let _ = (address, since);
        Err(crate::Error::new(
            crate::ErrorKind::Unsupported,
            "this store keeps no per-day download counts",
        ))
    }

    /// The most recently published listed versions (see
    /// [`MetadataStore::recent_versions`]); `Unsupported` by default.
    async fn recent_versions(&self, limit: usize) -> Result<Vec<ModuleRecord>> {
        let _ = limit;
        Err(crate::Error::new(
            crate::ErrorKind::Unsupported,
            "this store cannot list versions by publish time",
        ))
    }

    /// What the store holds (see [`MetadataStore::totals`]);
    /// `Unsupported` by default.
    async fn totals(&self) -> Result<CatalogueTotals> {
        Err(crate::Error::new(
            crate::ErrorKind::Unsupported,
            "this store keeps no totals",
        ))
    }

    /// Module calls naming `source` (see [`MetadataStore::dependents`]).
    /// The default answers `Unsupported`, for stores without that index.
    async fn dependents(&self, source: &str, limit: usize) -> Result<Vec<Dependent>> {
        let _ = (source, limit);
        Err(crate::Error::new(
            crate::ErrorKind::Unsupported,
            "this store keeps no dependency index",
        ))
    }

    /// How much a namespace (case-insensitive) stores, for quotas. The
    /// default pages through [`ModuleStorage::list`]; stores with a query
    /// for it should override this.
    async fn namespace_usage(&self, namespace: &str) -> Result<NamespaceUsage> {
        let mut usage = NamespaceUsage::default();
        let mut filter = Filter {
            namespace: Some(namespace.to_string()),
            include_yanked: true,
            ..Filter::default()
        };
        loop {
            let page = self.list(&filter).await?;
            for r in &page.items {
                usage.versions += 1;
                usage.bytes += r.metadata.size;
            }
            match page.next {
                Some(c) => filter.after = Some(c),
                None => return Ok(usage),
            }
        }
    }

    /// Write out anything batched (download counts). Call before shutdown.
    async fn flush(&self) -> Result<()> {
        Ok(())
    }

    /// Drop any cached copy of this version and of its module's version
    /// list: another process changed them.
    async fn forget(&self, _id: &ModuleId) {}

    /// Remove blobs no version references that are older than `grace`.
    async fn gc(&self, grace: Duration) -> Result<GcReport> {
        let _ = grace;
        Err(Error::new(
            ErrorKind::Unsupported,
            "this storage has no garbage collection",
        ))
    }
}

/// What a garbage collection run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcReport {
    /// Blobs examined.
    pub scanned: u64,
    /// Blobs removed.
    pub removed: u64,
    /// Bytes freed.
    pub bytes_freed: u64,
    /// Unreferenced blobs kept because they are younger than the grace period.
    pub kept_in_grace: u64,
}

/// What a namespace stores: its versions that are not deleted (yanked ones
/// still count, their archives are kept) and their archive bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NamespaceUsage {
    /// Stored versions.
    pub versions: u64,
    /// Sum of their archive sizes.
    pub bytes: u64,
}

/// The metadata half of a [`ModuleStorage`]: versions, their records and lifecycle.
///
/// Uniqueness of (address key, version key) must be enforced by the store
/// itself (a unique index), so concurrent inserts end with one winner.
#[async_trait]
pub trait MetadataStore: Send + Sync + Debug + 'static {
    /// Insert a version. `AlreadyExists` when a live version has the same key,
    /// or a deleted one does with a different sha256; a deleted one with the
    /// same sha256 is restored. Returns the record as stored.
    async fn insert_version(&self, record: &ModuleRecord) -> Result<ModuleRecord>;

    /// One live version.
    async fn get_version(&self, id: &ModuleId) -> Result<ModuleRecord>;

    /// Whether a live (not deleted) version exists; cheaper than
    /// [`MetadataStore::get_version`] where stores can answer without decoding.
    async fn version_exists(&self, id: &ModuleId) -> Result<bool> {
        match self.get_version(id).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == crate::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every live version of a module, in publish order.
    async fn list_versions(&self, address: &ModuleAddress) -> Result<Vec<ModuleRecord>>;

    /// The module's listed versions as the protocol lists them; `None` for
    /// a module with no live version. SQL stores keep this projection
    /// stored, so it costs one row and no record decoding; the default
    /// builds it from [`MetadataStore::list_versions`].
    async fn versions_document(
        &self,
        address: &ModuleAddress,
    ) -> Result<Option<crate::VersionsDocument>> {
        crate::VersionsDocument::from_records(&self.list_versions(address).await?)
    }

    /// Version numbers of every live version of a module, in publish order.
    async fn list_version_numbers(&self, address: &ModuleAddress) -> Result<Vec<VersionEntry>> {
        Ok(self
            .list_versions(address)
            .await?
            .iter()
            .map(VersionEntry::of)
            .collect())
    }

    /// Live versions matching a filter, ordered by (address key, version key).
    async fn list(&self, filter: &Filter) -> Result<Page<ModuleRecord>>;

    /// Modules with at least one live version, ordered by address key; see
    /// [`ModuleStorage::list_modules`].
    async fn list_modules(&self, filter: &Filter) -> Result<Page<ModuleAddress>>;

    /// Modules listing a version, each as the id of its latest listed
    /// version; see [`ModuleStorage::list_latest`]. SQL stores keep each
    /// module's latest version stored, so a page is one query; the default
    /// reads each module's numbers.
    async fn list_latest(&self, filter: &Filter) -> Result<Page<ModuleId>> {
        let page = self.list_modules(&listed_modules(filter)).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for address in page.items {
            let numbers = self.list_version_numbers(&address).await?;
            if let Some(latest) = VersionEntry::latest(numbers.iter()) {
                items.push(ModuleId::new(address.clone(), latest.version.clone()));
            }
        }
        Ok(Page {
            items,
            next: page.next,
        })
    }

    /// Apply a lifecycle change in one transaction.
    async fn change_lifecycle(
        &self,
        id: &ModuleId,
        change: &LifecycleChange,
        now: DateTime<Utc>,
    ) -> Result<ModuleRecord>;

    /// Mark a version deleted, keeping its number and digest reserved.
    async fn delete_version(&self, id: &ModuleId) -> Result<ModuleRecord>;

    /// Add `count` to a version's download count, and to its count for
    /// `day` (UTC), in one write.
    async fn add_downloads(&self, id: &ModuleId, day: NaiveDate, count: u64) -> Result<()>;

    /// A module's downloads (every version) per day from `since` on,
    /// oldest first, days without downloads left out.
    async fn downloads_by_day(
        &self,
        address: &ModuleAddress,
        since: NaiveDate,
    ) -> Result<Vec<DailyDownloads>>;

    /// Module calls of stored (not deleted) versions, in their root or
    /// submodules, whose `source` is `source` exactly or `source//SUBDIR`;
    /// ordered by (address key, version key, path, call), at most `limit`.
    async fn dependents(&self, source: &str, limit: usize) -> Result<Vec<Dependent>>;

    /// The most recently published listed versions (not yanked, not
    /// deleted), newest first, at most `limit`.
    async fn recent_versions(&self, limit: usize) -> Result<Vec<ModuleRecord>>;

    /// How many modules, listed versions and downloads the store holds.
    async fn totals(&self) -> Result<CatalogueTotals>;

    /// How much a namespace (case-insensitive) stores, for quotas.
    async fn namespace_usage(&self, namespace: &str) -> Result<NamespaceUsage>;

    /// Digests of every live version's archive (for garbage collection).
    async fn referenced_blobs(&self) -> Result<HashSet<Sha256Digest>>;
}

/// `filter` as [`ModuleStorage::list_latest`] reads it: its namespace,
/// name, system, page size and cursor, over modules with a listed version.
fn listed_modules(filter: &Filter) -> Filter {
    Filter {
        owner: None,
        state: None,
        include_yanked: false,
        ..filter.clone()
    }
}

/// What a store holds, for the home page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatalogueTotals {
    /// Modules with at least one listed version.
    pub modules: u64,
    /// Listed versions (not yanked, not deleted).
    pub versions: u64,
    /// Downloads of every stored version.
    pub downloads: u64,
}

/// One module call of a stored version, found by its `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    /// The calling version.
    pub id: ModuleId,
    /// The directory the call is in (`""` for the root, `modules/x`).
    pub module_path: String,
    /// The call's name (`module "NAME"`).
    pub call_name: String,
    /// The `source` as written.
    pub source: String,
    /// Its `version` constraint, if any.
    pub constraint: Option<String>,
}

/// Whether a call's `source` names `target` (`host/ns/name/system`),
/// exactly or with a `//subdir`.
pub fn source_names(source: &str, target: &str) -> bool {
    source == target
        || source
            .strip_prefix(target)
            .is_some_and(|rest| rest.starts_with("//"))
}

/// Downloads of a module on one day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyDownloads {
    /// The day.
    pub day: NaiveDate,
    /// Downloads of any of its versions that day.
    pub downloads: u64,
}

/// A stored blob's digest, size and age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    /// The digest it is stored under.
    pub digest: Sha256Digest,
    /// Size in bytes.
    pub size: u64,
    /// When it was last written.
    pub last_modified: DateTime<Utc>,
}

/// The archive half of a [`ModuleStorage`]: content-addressed bytes.
#[async_trait]
pub trait BlobStore: Send + Sync + Debug + 'static {
    /// Store `body` under `digest`. Idempotent. A reader must never see a
    /// partially written blob under the final name.
    async fn put(&self, digest: &Sha256Digest, body: &ArchiveBody) -> Result<()>;

    /// The bytes stored under `digest`, unverified (callers verify).
    async fn get(&self, digest: &Sha256Digest) -> Result<Bytes>;

    /// Whether a blob exists.
    async fn exists(&self, digest: &Sha256Digest) -> Result<bool>;

    /// Remove a blob; removing a missing blob is not an error.
    async fn delete(&self, digest: &Sha256Digest) -> Result<()>;

    /// Every stored blob.
    async fn list(&self) -> Result<Vec<BlobInfo>>;
}
