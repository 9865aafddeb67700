//! Full-text search over published modules with tantivy.
//!
//! One document per module version, over namespace, name, system,
//! description, README, input/output names and descriptions, resource types
//! and providers, with field boosts and fuzzy matching on names. Each
//! module's newest listed (not yanked) version is flagged `latest`; searches
//! rank only those unless asked for every version. Facets count matches by
//! namespace, system and provider.
//!
//! The index lives in memory ([`TantivySearchIndex::in_memory`]) or in a
//! directory, memory-mapped ([`TantivySearchIndex::open_in`]): then it
//! survives restarts, with the audit-log position it is current to stored
//! in each commit, so a restart catches up from there instead of
//! rebuilding. Nothing about the catalogue is kept in memory beside it:
//! which version of a module is latest is read from the index's fast
//! fields when a version changes.

mod query;
mod schema;
mod slots;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use registry_core::{
    Error, Filter, ModuleId, ModuleRecord, ModuleStorage, Result, SearchHit, SearchIndex,
    SearchQuery, SearchResults, Version, VersionEntry,
};
use tantivy::collector::{Count, DocSetCollector, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value as _};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use query::{HitWindow, facet_counts};
use schema::{FACET_GROUPS, Fields, signed_facet, tests_facet};

fn tantivy_err(e: tantivy::TantivyError) -> Error {
    Error::backend("search", "search index operation failed", e)
}

/// The writer's indexing arena: tantivy's minimum for one thread. Changes
/// arrive a few documents at a time, and a full rebuild still fits.
const WRITER_BUDGET: usize = 15_000_000;

/// Uncommitted documents that force a commit.
const MAX_PENDING: usize = 1000;

/// A module's indexed versions by version key.
type ModuleVersions = BTreeMap<String, VersionEntry>;

/// A change not yet committed: the new document of an id, or `None` when
/// the id was removed; with the module key it belongs to.
struct Pending {
    module: String,
    doc: Option<TantivyDocument>,
}

/// A tantivy index of module versions.
///
/// Every field is stored (compressed) in the index, so moving a module's
/// "latest" label rewrites the affected documents from the index itself:
/// no copy of the records is kept beside it.
pub struct TantivySearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    /// Changes since the last commit, by id (commits are deferred to the
    /// next search, checkpoint or many pending changes, so a burst of
    /// publishes pays for one).
    pending: Mutex<HashMap<String, Pending>>,
    /// Whether anything was written since the last commit.
    dirty: AtomicBool,
    /// Serialises updates: choosing a module's latest version and writing
    /// its labels is one step, so two publishes of one module never both
    /// label theirs latest.
    labels: Mutex<()>,
    /// The audit-log position to store with the next commit, and the one
    /// the last commit stored.
    position: Mutex<Positions>,
    /// Held exclusively by a rebuild and shared by incremental updates, so
    /// an update never interleaves with a rebuild (which would leave a
    /// version indexed twice, or two versions labelled latest).
    rebuilding: tokio::sync::RwLock<()>,
    /// The directory, for an index on disk.
    dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Positions {
    next: Option<u64>,
    committed: Option<u64>,
}

impl std::fmt::Debug for TantivySearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TantivySearchIndex")
            .field("docs", &self.reader.searcher().num_docs())
            .field("dir", &self.dir)
            .finish()
    }
}

fn doc_id(id: &ModuleId) -> String {
    id.key()
}

/// The newest listed version key of a module: the newest release, or the
/// newest prerelease when there is no release.
fn latest_key(versions: &ModuleVersions) -> Option<String> {
    VersionEntry::latest(versions.values()).map(|e| e.version.key())
}

impl TantivySearchIndex {
    /// An empty index in memory.
    pub fn in_memory() -> Result<Self> {
        let (schema, f) = schema::schema();
        let index = Index::create_in_ram(schema);
        let writer: IndexWriter = index
            .writer_with_num_threads(1, WRITER_BUDGET)
            .map_err(tantivy_err)?;
        Self::with(index, writer, f, None, None)
    }

    /// The index kept under `dir`, memory-mapped: the first free slot
    /// `dir/v{SCHEMA}-{N}` (tantivy allows one writer per index directory,
    /// so processes sharing a data directory each take a slot of their own,
    /// and a restarted process takes a free one back and catches up). A
    /// slot of this schema is opened as it is; a new one starts empty.
    /// [`SearchIndex::current_to`] tells which.
    pub fn open_in(dir: &Path) -> Result<Self> {
        let (schema, f) = schema::schema();
        let slot = slots::take(dir, &schema, WRITER_BUDGET)?;
        let position = slots::stored_position(&slot.index)?;
        Self::with(slot.index, slot.writer, f, position, Some(slot.path))
    }

    fn with(
        index: Index,
        writer: IndexWriter,
        f: Fields,
        position: Option<u64>,
        dir: Option<std::path::PathBuf>,
    ) -> Result<Self> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tantivy_err)?;
        Ok(TantivySearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            f,
            pending: Mutex::default(),
            dirty: AtomicBool::new(false),
            labels: Mutex::new(()),
            position: Mutex::new(Positions {
                next: position,
                committed: position,
            }),
            rebuilding: tokio::sync::RwLock::new(()),
            dir,
        })
    }

    /// The directory holding the index (`None` in memory).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The versions of `module` as the index holds them now: the
    /// committed documents (read from fast fields), with the pending
    /// changes over them.
    fn module_versions(&self, module: &str) -> Result<ModuleVersions> {
        let f = self.f;
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(f.module, module),
            IndexRecordOption::Basic,
        );
        let found = searcher
            .search(&query, &DocSetCollector)
            .map_err(tantivy_err)?;
        let mut by_segment: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for addr in found {
            by_segment
                .entry(addr.segment_ord)
                .or_default()
                .push(addr.doc_id);
        }
        let mut out = ModuleVersions::new();
        for (segment, docs) in by_segment {
            let fast = searcher.segment_reader(segment).fast_fields();
            let versions = fast.str("version").map_err(tantivy_err)?.ok_or_else(|| {
                Error::new(
                    registry_core::ErrorKind::Integrity,
                    "the search index has no version fast field; delete it to rebuild",
                )
            })?;
            let listed = fast.u64("listed").map_err(tantivy_err)?;
            let mut text = String::new();
            for doc in docs {
                let Some(ord) = versions.term_ords(doc).next() else {
                    continue;
                };
                text.clear();
                versions
                    .ord_to_str(ord, &mut text)
                    .map_err(|e| Error::backend("search", "reading a version", e))?;
                let version = Version::parse(&text)?;
                out.insert(
                    version.key(),
                    VersionEntry {
                        version,
                        listed: listed.first(doc) == Some(1),
                    },
                );
            }
        }
        let pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let prefix = format!("{module}/");
        for (id, change) in pending.iter().filter(|(_, p)| p.module == module) {
            let key = id.strip_prefix(&prefix).unwrap_or(id).to_string();
            match &change.doc {
                Some(doc) => {
                    out.insert(key, self.entry_of(doc)?);
                }
                None => {
                    out.remove(&key);
                }
            }
        }
        Ok(out)
    }

    /// The version entry a document describes.
    fn entry_of(&self, doc: &TantivyDocument) -> Result<VersionEntry> {
        let version = doc
            .get_first(self.f.version)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        Ok(VersionEntry {
            version: Version::parse(version)?,
            listed: doc.get_first(self.f.listed).and_then(|v| v.as_u64()) == Some(1),
        })
    }

    /// The document of `module`'s version `key` as the index holds it,
    /// relabelled with `latest` (`None` when it is not in the index).
    fn relabelled(&self, module: &str, key: &str, latest: bool) -> Result<Option<TantivyDocument>> {
        let id_text = format!("{module}/{key}");
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id_text)
            .map(|p| p.doc.clone());
        let old = match pending {
            Some(Some(doc)) => doc,
            Some(None) => return Ok(None),
            None => match self.stored(&id_text)? {
                Some(doc) => doc,
                None => return Ok(None),
            },
        };
        let mut doc = TantivyDocument::default();
        for (field, value) in old.field_values() {
            if field != self.f.latest {
                doc.add_field_value(field, value);
            }
        }
        doc.add_u64(self.f.latest, u64::from(latest));
        Ok(Some(doc))
    }

    /// A committed document by id.
    fn stored(&self, id_text: &str) -> Result<Option<TantivyDocument>> {
        let searcher = self.reader.searcher();
        let id = Term::from_field_text(self.f.id, id_text);
        let hits = searcher
            .search(
                &TermQuery::new(id, IndexRecordOption::Basic),
                &TopDocs::with_limit(1).order_by_score(),
            )
            .map_err(tantivy_err)?;
        let Some((_, addr)) = hits.first() else {
            return Ok(None);
        };
        Ok(Some(searcher.doc(*addr).map_err(tantivy_err)?))
    }

    /// The documents of `keys` (those other than `except`) relabelled
    /// against `latest`.
    fn relabel(
        &self,
        module: &str,
        keys: impl IntoIterator<Item = String>,
        except: &str,
        latest: Option<&str>,
    ) -> Result<Vec<(String, TantivyDocument)>> {
        let mut out: Vec<(String, TantivyDocument)> = Vec::new();
        for k in keys {
            let id = format!("{module}/{k}");
            if k == except || out.iter().any(|(i, _)| *i == id) {
                continue;
            }
            if let Some(doc) = self.relabelled(module, &k, Some(k.as_str()) == latest)? {
                out.push((id, doc));
            }
        }
        Ok(out)
    }

    /// Delete `removed` and replace each `(id, document)` of `module`; the
    /// commit waits for the next search (or for many pending changes).
    fn write(
        &self,
        module: &str,
        docs: Vec<(String, TantivyDocument)>,
        removed: Option<&str>,
    ) -> Result<()> {
        let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(id) = removed {
            w.delete_term(Term::from_field_text(self.f.id, id));
            pending.insert(
                id.to_string(),
                Pending {
                    module: module.to_string(),
                    doc: None,
                },
            );
        }
        for (id, doc) in docs {
            w.delete_term(Term::from_field_text(self.f.id, &id));
            w.add_document(doc.clone()).map_err(tantivy_err)?;
            pending.insert(
                id,
                Pending {
                    module: module.to_string(),
                    doc: Some(doc),
                },
            );
        }
        self.dirty.store(true, Ordering::Release);
        let full = pending.len() >= MAX_PENDING;
        drop(pending);
        drop(w);
        if full { self.flush() } else { Ok(()) }
    }

    /// Commit pending changes (with the audit-log position, on disk) and
    /// make them searchable.
    pub fn flush(&self) -> Result<()> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let position = self.position.lock().unwrap_or_else(|p| p.into_inner()).next;
        let committed = (|| {
            let mut prepared = w.prepare_commit()?;
            if let Some(seq) = position {
                prepared.set_payload(&slots::position_payload(seq));
            }
            prepared.commit()
        })();
        if let Err(e) = committed {
            self.dirty.store(true, Ordering::Release);
            return Err(tantivy_err(e));
        }
        pending.clear();
        self.position
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .committed = position;
        drop(pending);
        drop(w);
        self.reader.reload().map_err(tantivy_err)
    }

    /// Drop every document (at the next commit).
    fn clear(&self) -> Result<()> {
        let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        w.delete_all_documents().map_err(tantivy_err)?;
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.dirty.store(true, Ordering::Release);
        Ok(())
    }

    /// Add the versions of one module, its latest labelled.
    fn add_module(&self, w: &IndexWriter, records: &[&ModuleRecord]) -> Result<()> {
        let entries: ModuleVersions = records
            .iter()
            .map(|r| (r.version.key(), VersionEntry::of(r)))
            .collect();
        let latest = latest_key(&entries);
        for r in records {
            let is_latest = latest.as_deref() == Some(r.version.key().as_str());
            w.add_document(self.f.document(r, is_latest))
                .map_err(tantivy_err)?;
        }
        Ok(())
    }

    /// Replace the whole index with exactly these records, in one commit.
    pub fn index_all(&self, records: &[ModuleRecord]) -> Result<()> {
        self.clear()?;
        let mut modules: BTreeMap<String, Vec<&ModuleRecord>> = BTreeMap::new();
        for r in records {
            modules.entry(r.address.key()).or_default().push(r);
        }
        {
            let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            for versions in modules.values() {
                self.add_module(&w, versions)?;
            }
        }
        self.flush()
    }

    /// Every live version of `storage`, a page at a time. Pages come in
    /// address order, so a module's versions arrive together: each module
    /// is added, its latest labelled, once its last version is read, and
    /// memory holds one page and one module.
    async fn rebuild_from(&self, storage: &dyn ModuleStorage) -> Result<usize> {
        self.clear()?;
        let mut filter = Filter {
            include_yanked: true,
            ..Filter::all()
        };
        let mut count = 0;
        let mut module: Vec<ModuleRecord> = Vec::new();
        loop {
            let page = storage.list(&filter).await?;
            count += page.items.len();
            {
                let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
                for r in page.items {
                    if module
                        .first()
                        .is_some_and(|m| m.address.key() != r.address.key())
                    {
                        self.add_module(&w, &module.iter().collect::<Vec<_>>())?;
                        module.clear();
                    }
                    module.push(r);
                }
            }
            match page.next {
                Some(c) => filter.after = Some(c),
                None => break,
            }
        }
        {
            let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            self.add_module(&w, &module.iter().collect::<Vec<_>>())?;
        }
        self.dirty.store(true, Ordering::Release);
        self.flush()?;
        Ok(count)
    }

    /// Number of indexed versions (pending changes are committed first).
    pub fn len(&self) -> u64 {
        // A failed commit surfaces at the next search; count what is committed.
        let _ = self.flush();
        self.reader.searcher().num_docs()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl SearchIndex for TantivySearchIndex {
    async fn index(&self, record: &ModuleRecord) -> Result<()> {
        let _no_rebuild = self.rebuilding.read().await;
        let _labels = self.labels.lock().unwrap_or_else(|p| p.into_inner());
        // Only the changed version and the versions whose "latest" label
        // moves are rewritten, so a publish costs the same however many
        // versions the module has.
        let module = record.address.key();
        let key = record.version.key();
        let mut versions = self.module_versions(&module)?;
        let before = latest_key(&versions);
        versions.insert(key.clone(), VersionEntry::of(record));
        let after = latest_key(&versions);
        let mut docs = vec![(
            doc_id(&record.id()),
            self.f
                .document(record, after.as_deref() == Some(key.as_str())),
        )];
        docs.extend(self.relabel(
            &module,
            before.into_iter().chain(after.clone()),
            &key,
            after.as_deref(),
        )?);
        self.write(&module, docs, None)
    }

    async fn remove(&self, id: &ModuleId) -> Result<()> {
        let _no_rebuild = self.rebuilding.read().await;
        let _labels = self.labels.lock().unwrap_or_else(|p| p.into_inner());
        let module = id.address.key();
        let key = id.version.key();
        let mut versions = self.module_versions(&module)?;
        let before = latest_key(&versions);
        versions.remove(&key);
        let after = latest_key(&versions);
        let docs = self.relabel(
            &module,
            before.into_iter().chain(after.clone()),
            &key,
            after.as_deref(),
        )?;
        self.write(&module, docs, Some(&doc_id(id)))
    }

    /// Replace the whole index with every live version in `storage`,
    /// reading it a page at a time (memory stays bounded by a page and the
    /// writer's arena, whatever the registry's size). Updates arriving
    /// meanwhile wait for it, then apply on top.
    async fn rebuild(&self, storage: &dyn ModuleStorage) -> Result<usize> {
        let _exclusive = self.rebuilding.write().await;
        self.rebuild_from(storage).await
    }

    fn current_to(&self) -> Option<u64> {
        self.position
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .committed
    }

    async fn checkpoint(&self, seq: u64) -> Result<()> {
        let _no_rebuild = self.rebuilding.read().await;
        {
            let mut p = self.position.lock().unwrap_or_else(|p| p.into_inner());
            p.next = Some(seq);
            if p.committed == Some(seq) || self.dir.is_none() {
                // Nothing to store, or nowhere to store it (the position
                // still goes with the next commit).
                return Ok(());
            }
        }
        self.dirty.store(true, Ordering::Release);
        self.flush()
    }

    async fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        self.flush()?;
        let f = self.f;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        clauses.push((
            Occur::Must,
            if q.text.trim().is_empty() {
                Box::new(AllQuery)
            } else {
                self.text_query(&q.text)
            },
        ));
        if q.all_versions {
            clauses.push((Occur::Must, self.flag(f.listed, true)));
        } else {
            clauses.push((Occur::Must, self.flag(f.latest, true)));
        }
        if let Some(ns) = &q.namespace {
            clauses.push((
                Occur::Must,
                self.term(f.namespace, &ns.to_ascii_lowercase()),
            ));
        }
        if let Some(sys) = &q.system {
            clauses.push((Occur::Must, self.term(f.system, &sys.to_ascii_lowercase())));
        }
        if let Some(p) = &q.provider {
            clauses.push((
                Occur::Must,
                self.term(f.provider_exact, &p.to_ascii_lowercase()),
            ));
        }
        if let Some(signed) = q.signed {
            clauses.push((Occur::Must, self.facet(signed_facet(signed))));
        }
        if let Some(outcome) = q.tests {
            clauses.push((Occur::Must, self.facet(tests_facet(outcome))));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let mut fc = FacetCollector::for_field("facets");
        for group in FACET_GROUPS {
            fc.add_facet(format!("/{group}").as_str());
        }
        // tantivy allocates a heap of `offset + limit` entries up front, so
        // the window is cut to the documents the index holds: a page past
        // the end is empty instead of a huge allocation (or an overflow).
        let window = HitWindow::new(q, searcher.num_docs());
        let (top, total, counts) = match window {
            Some(w) => searcher
                .search(
                    &query,
                    &(
                        TopDocs::with_limit(w.limit)
                            .and_offset(w.offset)
                            .order_by_score(),
                        Count,
                        fc,
                    ),
                )
                .map_err(tantivy_err)?,
            None => {
                let (total, counts) = searcher.search(&query, &(Count, fc)).map_err(tantivy_err)?;
                (Vec::new(), total, counts)
            }
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let addr: DocAddress = addr;
            let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_err)?;
            let get = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let address = get(f.address);
            let version = get(f.version);
            let id = ModuleId::new(address.parse()?, Version::parse(&version)?);
            let description = Some(get(f.description)).filter(|d| !d.is_empty());
            hits.push(SearchHit {
                id,
                score,
                description,
            });
        }
        Ok(SearchResults {
            hits,
            total,
            facets: facet_counts(&counts),
        })
    }
}
