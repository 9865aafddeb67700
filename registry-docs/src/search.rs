//! Full-text search over published modules with tantivy.
//!
//! One document per module version, over namespace, name, system,
//! description, README, input/output names and descriptions, resource types
//! and providers, with field boosts and fuzzy matching on names. Each
//! module's newest listed (not yanked) version is flagged `latest`; searches
//! rank only those unless asked for every version. Facets count matches by
//! namespace, system and provider.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use registry_core::{
    Error, FacetCount, Filter, ModuleId, ModuleRecord, ModuleStorage, Result, SearchHit,
    SearchIndex, SearchQuery, SearchResults, TestOutcome, Version, VersionEntry,
};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, QueryParser, TermQuery,
};
use tantivy::schema::{
    Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TEXT,
    Value as _,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    module: Field,
    address: Field,
    version: Field,
    namespace: Field,
    namespace_text: Field,
    name: Field,
    system: Field,
    description: Field,
    readme: Field,
    interface: Field,
    resources: Field,
    providers: Field,
    provider_exact: Field,
    facets: Field,
    latest: Field,
    listed: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        module: b.add_text_field("module", STRING | STORED),
        address: b.add_text_field("address", STORED),
        version: b.add_text_field("version", STORED),
        namespace: b.add_text_field("namespace", STRING | STORED),
        namespace_text: b.add_text_field("namespace_text", TEXT | STORED),
        name: b.add_text_field("name", TEXT | STORED),
        system: b.add_text_field("system", STRING | STORED),
        description: b.add_text_field("description", TEXT | STORED),
        readme: b.add_text_field("readme", TEXT | STORED),
        interface: b.add_text_field("interface", TEXT | STORED),
        resources: b.add_text_field("resources", TEXT | STORED),
        providers: b.add_text_field("providers", TEXT | STORED),
        provider_exact: b.add_text_field("provider_exact", STRING | STORED),
        facets: b.add_facet_field("facets", FacetOptions::default().set_stored()),
        latest: b.add_u64_field("latest", INDEXED),
        listed: b.add_u64_field("listed", INDEXED | STORED),
    };
    (b.build(), f)
}

fn tantivy_err(e: tantivy::TantivyError) -> Error {
    Error::backend("search", "search index operation failed", e)
}

/// The writer's indexing arena: tantivy's minimum for one thread. Changes
/// arrive a few documents at a time, and a full rebuild still fits.
const WRITER_BUDGET: usize = 15_000_000;

/// Uncommitted documents that force a commit.
const MAX_PENDING: usize = 1000;

/// Per module: every indexed version (key → version, listed?), to know which is latest.
type ModuleVersions = BTreeMap<String, VersionEntry>;

/// A tantivy index of module versions (in memory; rebuilt from the
/// metadata store with [`TantivySearchIndex::rebuild`]).
///
/// Every field is stored (compressed) in the index, so moving a module's
/// "latest" label rewrites the affected documents from the index itself:
/// no copy of the records is kept beside it.
pub struct TantivySearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    modules: Mutex<HashMap<String, ModuleVersions>>,
    /// Documents added since the last commit, by id (commits are deferred
    /// to the next search, so a burst of publishes pays for one).
    pending: Mutex<HashMap<String, TantivyDocument>>,
    /// Whether anything was written since the last commit.
    dirty: AtomicBool,
    /// Held exclusively by a rebuild and shared by incremental updates, so
    /// an update never interleaves with a rebuild (which would leave a
    /// version indexed twice, or two versions labelled latest).
    rebuilding: tokio::sync::RwLock<()>,
}

impl std::fmt::Debug for TantivySearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TantivySearchIndex")
            .field("docs", &self.reader.searcher().num_docs())
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
        let (schema, f) = schema();
        let index = Index::create_in_ram(schema);
        let writer: IndexWriter = index
            .writer_with_num_threads(1, WRITER_BUDGET)
            .map_err(tantivy_err)?;
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
            modules: Mutex::default(),
            pending: Mutex::default(),
            dirty: AtomicBool::new(false),
            rebuilding: tokio::sync::RwLock::new(()),
        })
    }

    fn document(&self, r: &ModuleRecord, latest: bool) -> TantivyDocument {
        let f = self.f;
        let m = &r.metadata;
        let s = &m.summary;
        let mut d = TantivyDocument::default();
        d.add_text(f.id, doc_id(&r.id()));
        d.add_text(f.module, r.address.key());
        d.add_text(f.address, r.address.to_string());
        d.add_text(f.version, r.version.as_str());
        d.add_text(f.namespace, r.address.namespace_key());
        d.add_text(f.namespace_text, r.address.namespace());
        d.add_text(f.name, r.address.name());
        d.add_text(f.system, r.address.system());
        d.add_text(f.description, m.description.clone().unwrap_or_default());
        d.add_text(f.readme, s.root.readme.clone().unwrap_or_default());
        for iface in std::iter::once(&s.root).chain(&s.submodules) {
            for i in &iface.inputs {
                d.add_text(
                    f.interface,
                    format!("{} {}", i.name, i.description.clone().unwrap_or_default()),
                );
            }
            for o in &iface.outputs {
                d.add_text(
                    f.interface,
                    format!("{} {}", o.name, o.description.clone().unwrap_or_default()),
                );
            }
            for res in &iface.resources {
                d.add_text(f.resources, &res.resource_type);
            }
            for p in &iface.providers {
                d.add_text(
                    f.providers,
                    format!("{} {}", p.name, p.source.clone().unwrap_or_default()),
                );
                d.add_text(f.provider_exact, p.name.to_ascii_lowercase());
                d.add_facet(
                    f.facets,
                    Facet::from_path(["provider", p.name.to_ascii_lowercase().as_str()]),
                );
            }
        }
        d.add_facet(
            f.facets,
            Facet::from_path(["namespace", r.address.namespace_key().as_str()]),
        );
        d.add_facet(f.facets, Facet::from_path(["system", r.address.system()]));
        d.add_facet(f.facets, signed_facet(m.signature.is_some()));
        d.add_facet(f.facets, tests_facet(tests_outcome(m)));
        d.add_u64(f.latest, u64::from(latest));
        d.add_u64(f.listed, u64::from(m.lifecycle.is_listed()));
        d
    }

    /// The version of `module` currently ranked as its latest.
    fn latest_of(&self, module: &str) -> Option<String> {
        let modules = self.modules.lock().unwrap_or_else(|p| p.into_inner());
        modules.get(module).and_then(latest_key)
    }

    /// The stored document of `module`'s version `key`, relabelled with
    /// `latest` (`None` when it is not in the index).
    fn relabelled(&self, module: &str, key: &str, latest: bool) -> Result<Option<TantivyDocument>> {
        let id_text = format!("{module}/{key}");
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id_text)
            .cloned();
        let old = match pending {
            Some(doc) => doc,
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

    /// Rewrite the stored documents of `keys` (those other than `except`)
    /// against `module`'s current latest version.
    fn relabel_stored(
        &self,
        module: &str,
        keys: impl IntoIterator<Item = String>,
        except: &str,
    ) -> Result<Vec<(String, TantivyDocument)>> {
        let latest = self.latest_of(module);
        let mut out: Vec<(String, TantivyDocument)> = Vec::new();
        for k in keys {
            let id = format!("{module}/{k}");
            if k == except || out.iter().any(|(i, _)| *i == id) {
                continue;
            }
            if let Some(doc) = self.relabelled(module, &k, Some(&k) == latest.as_ref())? {
                out.push((id, doc));
            }
        }
        Ok(out)
    }

    /// Delete `removed` and replace each `(id, document)`; the commit waits
    /// for the next search (or for many pending documents).
    fn write(&self, docs: Vec<(String, TantivyDocument)>, removed: Option<&str>) -> Result<()> {
        let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(id) = removed {
            w.delete_term(Term::from_field_text(self.f.id, id));
            pending.remove(id);
        }
        for (id, doc) in docs {
            w.delete_term(Term::from_field_text(self.f.id, &id));
            w.add_document(doc.clone()).map_err(tantivy_err)?;
            pending.insert(id, doc);
        }
        self.dirty.store(true, Ordering::Release);
        let full = pending.len() >= MAX_PENDING;
        drop(pending);
        drop(w);
        if full { self.flush() } else { Ok(()) }
    }

    /// Commit pending changes and make them searchable.
    pub fn flush(&self) -> Result<()> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        if let Err(e) = w.commit() {
            self.dirty.store(true, Ordering::Release);
            return Err(tantivy_err(e));
        }
        pending.clear();
        drop(pending);
        drop(w);
        self.reader.reload().map_err(tantivy_err)
    }

    fn remember(&self, r: &ModuleRecord) {
        let module = r.address.key();
        self.modules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(module)
            .or_default()
            .insert(r.version.key(), VersionEntry::of(r));
    }

    /// Drop every document (at the next commit) and what is known of every module.
    fn clear(&self) -> Result<()> {
        {
            let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            w.delete_all_documents().map_err(tantivy_err)?;
            self.pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
            self.dirty.store(true, Ordering::Release);
        }
        self.modules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        Ok(())
    }

    /// Replace the whole index with exactly these records, in one commit.
    pub fn index_all(&self, records: &[ModuleRecord]) -> Result<()> {
        self.clear()?;
        for r in records {
            self.remember(r);
        }
        let latest: HashMap<String, Option<String>> = self
            .modules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(m, v)| (m.clone(), latest_key(v)))
            .collect();
        {
            let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            for r in records {
                let is_latest = latest
                    .get(&r.address.key())
                    .is_some_and(|l| l.as_deref() == Some(r.version.key().as_str()));
                w.add_document(self.document(r, is_latest))
                    .map_err(tantivy_err)?;
            }
        }
        self.flush()
    }

    async fn rebuild_from(&self, storage: &dyn ModuleStorage) -> Result<usize> {
        self.clear()?;
        let mut filter = Filter {
            include_yanked: true,
            ..Filter::all()
        };
        let mut count = 0;
        loop {
            let page = storage.list(&filter).await?;
            {
                let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
                for r in &page.items {
                    self.remember(r);
                    w.add_document(self.document(r, false))
                        .map_err(tantivy_err)?;
                }
            }
            count += page.items.len();
            match page.next {
                Some(c) => filter.after = Some(c),
                None => break,
            }
        }
        self.flush()?;
        // Then label each module's latest version.
        let latest: Vec<(String, String)> = self
            .modules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter_map(|(m, v)| latest_key(v).map(|k| (m.clone(), k)))
            .collect();
        let mut docs = Vec::with_capacity(latest.len());
        for (module, key) in latest {
            if let Some(doc) = self.relabelled(&module, &key, true)? {
                docs.push((format!("{module}/{key}"), doc));
            }
        }
        self.write(docs, None)?;
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

    fn text_query(&self, text: &str) -> Box<dyn Query> {
        let f = self.f;
        let mut qp = QueryParser::for_index(
            &self.index,
            vec![
                f.name,
                f.namespace_text,
                f.description,
                f.readme,
                f.interface,
                f.resources,
                f.providers,
            ],
        );
        qp.set_field_boost(f.name, 4.0);
        qp.set_field_boost(f.namespace_text, 2.0);
        qp.set_field_boost(f.description, 2.0);
        qp.set_field_boost(f.resources, 1.5);
        qp.set_field_boost(f.providers, 1.5);
        // Search input is text, never query syntax: fields, ranges,
        // wildcards, boosts and boolean operators are taken as words.
        let text = &plain_text(text);
        let (parsed, _) = qp.parse_query_lenient(text);
        let mut should: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, parsed)];
        if let Ok(mut analyzer) = self.index.tokenizer_for_field(f.name) {
            let mut ts = analyzer.token_stream(text);
            while ts.advance() {
                let t = ts.token().text.clone();
                if t.chars().count() >= 4 {
                    let distance = if t.chars().count() >= 8 { 2 } else { 1 };
                    let fq = FuzzyTermQuery::new(Term::from_field_text(f.name, &t), distance, true);
                    should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(fq), 1.0))));
                }
            }
        }
        Box::new(BooleanQuery::new(should))
    }

    fn term(&self, field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))
    }

    fn facet(&self, facet: Facet) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_facet(self.f.facets, &facet),
            IndexRecordOption::Basic,
        ))
    }

    fn flag(&self, field: Field, on: bool) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_u64(field, u64::from(on)),
            IndexRecordOption::Basic,
        ))
    }
}

/// `text` with everything tantivy's query grammar gives a meaning to made
/// plain: punctuation becomes a word break (as the tokenizer would make it
/// anyway) and `AND`/`OR`/`NOT`/`IN` become ordinary words.
fn plain_text(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                ' '
            }
        })
        .collect();
    spaced
        .split_whitespace()
        .map(|w| match w {
            "AND" | "OR" | "NOT" | "IN" => w.to_ascii_lowercase(),
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The facet groups counted for every search, in the order shown.
const FACET_GROUPS: [&str; 5] = ["namespace", "system", "provider", "signed", "tests"];

fn signed_facet(signed: bool) -> Facet {
    Facet::from_path(["signed", if signed { "yes" } else { "no" }])
}

fn tests_facet(outcome: TestOutcome) -> Facet {
    Facet::from_path(["tests", outcome.as_str()])
}

/// How a version's checks on publish came out (`not_run` when none ran).
fn tests_outcome(m: &registry_core::ModuleMetadata) -> TestOutcome {
    m.checks.as_ref().map_or(TestOutcome::NotRun, |c| c.status)
}

fn facet_counts(counts: &tantivy::collector::FacetCounts) -> Vec<FacetCount> {
    let mut out = Vec::new();
    for group in FACET_GROUPS {
        for (facet, count) in counts.get(&format!("/{group}")) {
            let value = facet
                .to_path()
                .last()
                .map(|s| s.to_string())
                .unwrap_or_default();
            out.push(FacetCount {
                facet: group.into(),
                value,
                count,
            });
        }
    }
    out
}

#[async_trait]
impl SearchIndex for TantivySearchIndex {
    async fn index(&self, record: &ModuleRecord) -> Result<()> {
        let _no_rebuild = self.rebuilding.read().await;
        // Only the changed version and the versions whose "latest" label
        // moves are rewritten, so a publish costs the same however many
        // versions the module has.
        let module = record.address.key();
        let key = record.version.key();
        let before = self.latest_of(&module);
        self.remember(record);
        let after = self.latest_of(&module);
        let mut docs = vec![(
            doc_id(&record.id()),
            self.document(record, after.as_deref() == Some(key.as_str())),
        )];
        docs.extend(self.relabel_stored(&module, before.into_iter().chain(after), &key)?);
        self.write(docs, None)
    }

    async fn remove(&self, id: &ModuleId) -> Result<()> {
        let _no_rebuild = self.rebuilding.read().await;
        let module = id.address.key();
        let before = self.latest_of(&module);
        if let Some(v) = self
            .modules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(&module)
        {
            v.remove(&id.version.key());
        }
        let after = self.latest_of(&module);
        let docs =
            self.relabel_stored(&module, before.into_iter().chain(after), &id.version.key())?;
        self.write(docs, Some(&doc_id(id)))
    }

    /// Replace the whole index with every live version in `storage`,
    /// reading it a page at a time (memory stays bounded by a page and the
    /// writer's arena, whatever the registry's size). Updates arriving
    /// meanwhile wait for it, then apply on top.
    async fn rebuild(&self, storage: &dyn ModuleStorage) -> Result<usize> {
        let _exclusive = self.rebuilding.write().await;
        self.rebuild_from(storage).await
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

/// The hits a query may ask for (at most [`SearchQuery::MAX_LIMIT`] a
/// page, 10 when it asks for none), cut to the documents in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HitWindow {
    offset: usize,
    limit: usize,
}

impl HitWindow {
    /// `None` when the page starts at or past the last document.
    fn new(q: &SearchQuery, num_docs: u64) -> Option<Self> {
        let docs = usize::try_from(num_docs).unwrap_or(usize::MAX);
        let limit = if q.limit == 0 {
            10
        } else {
            q.limit.min(SearchQuery::MAX_LIMIT)
        };
        let remaining = docs.checked_sub(q.offset).filter(|r| *r > 0)?;
        Some(Self {
            offset: q.offset,
            limit: limit.min(remaining),
        })
    }
}

#[cfg(test)]
mod window_tests {
    use super::*;

    fn query(offset: usize, limit: usize) -> SearchQuery {
        SearchQuery {
            offset,
            limit,
            ..SearchQuery::default()
        }
    }

    #[test]
    fn pages_past_the_last_document_are_empty() {
        assert_eq!(HitWindow::new(&query(10_000_000_000, 16), 5), None);
        assert_eq!(HitWindow::new(&query(usize::MAX, usize::MAX), 5), None);
        assert_eq!(HitWindow::new(&query(5, 10), 5), None);
        assert_eq!(HitWindow::new(&query(0, 10), 0), None);
    }

    #[test]
    fn windows_are_cut_to_the_index_and_the_page_limit() {
        assert_eq!(
            HitWindow::new(&query(3, 10), 5),
            Some(HitWindow {
                offset: 3,
                limit: 2
            })
        );
        assert_eq!(
            HitWindow::new(&query(0, 0), 100),
            Some(HitWindow {
                offset: 0,
                limit: 10
            })
        );
        assert_eq!(
            HitWindow::new(&query(0, 1_000_000), 1_000_000_000),
            Some(HitWindow {
                offset: 0,
                limit: 1000
            })
        );
    }
}
