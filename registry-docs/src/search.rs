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

use async_trait::async_trait;
use registry_core::{
    Error, FacetCount, Filter, ModuleId, ModuleRecord, ModuleStorage, Result, SearchHit,
    SearchIndex, SearchQuery, SearchResults, Version,
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
        module: b.add_text_field("module", STRING),
        address: b.add_text_field("address", STORED),
        version: b.add_text_field("version", STORED),
        namespace: b.add_text_field("namespace", STRING),
        namespace_text: b.add_text_field("namespace_text", TEXT),
        name: b.add_text_field("name", TEXT),
        system: b.add_text_field("system", STRING),
        description: b.add_text_field("description", TEXT | STORED),
        readme: b.add_text_field("readme", TEXT),
        interface: b.add_text_field("interface", TEXT),
        resources: b.add_text_field("resources", TEXT),
        providers: b.add_text_field("providers", TEXT),
        provider_exact: b.add_text_field("provider_exact", STRING),
        facets: b.add_facet_field("facets", FacetOptions::default()),
        latest: b.add_u64_field("latest", INDEXED),
        listed: b.add_u64_field("listed", INDEXED),
    };
    (b.build(), f)
}

fn tantivy_err(e: tantivy::TantivyError) -> Error {
    Error::backend("search", "search index operation failed", e)
}

/// Per module: every indexed version (key → version, listed?), to know which is latest.
type ModuleVersions = BTreeMap<String, (Version, bool)>;

/// A tantivy index of module versions (in memory; rebuilt from the
/// metadata store with [`TantivySearchIndex::rebuild`]).
pub struct TantivySearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    modules: Mutex<HashMap<String, ModuleVersions>>,
    records: Mutex<HashMap<String, ModuleRecord>>,
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
    let listed = versions.iter().filter(|(_, (_, l))| *l);
    let best_release = listed
        .clone()
        .filter(|(_, (v, _))| !v.is_prerelease())
        .max_by(|a, b| a.1.0.cmp(&b.1.0));
    best_release
        .or_else(|| listed.max_by(|a, b| a.1.0.cmp(&b.1.0)))
        .map(|(k, _)| k.clone())
}

impl TantivySearchIndex {
    /// An empty index in memory.
    pub fn in_memory() -> Result<Self> {
        let (schema, f) = schema();
        let index = Index::create_in_ram(schema);
        let writer: IndexWriter = index
            .writer_with_num_threads(1, 30_000_000)
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
            records: Mutex::default(),
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
        d.add_u64(f.latest, u64::from(latest));
        d.add_u64(f.listed, u64::from(m.lifecycle.is_listed()));
        d
    }

    /// Re-flag the module's latest version after a change; returns records to rewrite.
    fn relabel(&self, module: &str) -> Vec<(ModuleRecord, bool)> {
        let modules = self.modules.lock().unwrap_or_else(|p| p.into_inner());
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let Some(versions) = modules.get(module) else {
            return Vec::new();
        };
        let latest = latest_key(versions);
        versions
            .keys()
            .filter_map(|k| {
                records
                    .get(&format!("{module}/{k}"))
                    .map(|r| (r.clone(), Some(k) == latest.as_ref()))
            })
            .collect()
    }

    /// The version of `module` currently ranked as its latest.
    fn latest_of(&self, module: &str) -> Option<String> {
        let modules = self.modules.lock().unwrap_or_else(|p| p.into_inner());
        modules.get(module).and_then(latest_key)
    }

    /// Documents for just `keys` of `module` (those still known), labelled
    /// against the module's current latest version.
    fn relabel_only(&self, module: &str, keys: &[String]) -> Vec<(ModuleRecord, bool)> {
        let latest = self.latest_of(module);
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let mut seen: Vec<&String> = Vec::with_capacity(keys.len());
        keys.iter()
            .filter(|k| {
                let fresh = !seen.contains(k);
                seen.push(k);
                fresh
            })
            .filter_map(|k| {
                records
                    .get(&format!("{module}/{k}"))
                    .map(|r| (r.clone(), Some(k) == latest.as_ref()))
            })
            .collect()
    }

    fn write(&self, docs: Vec<(ModuleRecord, bool)>, removed: Option<&str>) -> Result<()> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(id) = removed {
            w.delete_term(Term::from_field_text(self.f.id, id));
        }
        for (r, latest) in docs {
            w.delete_term(Term::from_field_text(self.f.id, &doc_id(&r.id())));
            w.add_document(self.document(&r, latest))
                .map_err(tantivy_err)?;
        }
        w.commit().map_err(tantivy_err)?;
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
            .insert(
                r.version.key(),
                (r.version.clone(), r.metadata.lifecycle.is_listed()),
            );
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(r.id().key(), r.clone());
    }

    /// Replace the whole index with exactly these records, in one commit.
    pub fn index_all(&self, records: &[ModuleRecord]) -> Result<()> {
        {
            let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            w.delete_all_documents().map_err(tantivy_err)?;
        }
        self.modules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        for r in records {
            self.remember(r);
        }
        let modules: Vec<String> = self
            .modules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        let mut docs = Vec::with_capacity(records.len());
        for m in modules {
            docs.extend(self.relabel(&m));
        }
        self.write(docs, None)
    }

    /// Replace the whole index with every live version in `storage`.
    pub async fn rebuild(&self, storage: &dyn ModuleStorage) -> Result<usize> {
        let mut filter = Filter {
            include_yanked: true,
            ..Filter::all()
        };
        let mut all = Vec::new();
        loop {
            let page = storage.list(&filter).await?;
            all.extend(page.items);
            match page.next {
                Some(c) => filter.after = Some(c),
                None => break,
            }
        }
        self.index_all(&all)?;
        Ok(all.len())
    }

    /// Number of indexed versions.
    pub fn len(&self) -> u64 {
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

    fn flag(&self, field: Field, on: bool) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_u64(field, u64::from(on)),
            IndexRecordOption::Basic,
        ))
    }
}

fn facet_counts(counts: &tantivy::collector::FacetCounts) -> Vec<FacetCount> {
    let mut out = Vec::new();
    for group in ["namespace", "system", "provider"] {
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
        // Only the changed version and the versions whose "latest" label
        // moves are rewritten, so a publish costs the same however many
        // versions the module has.
        let module = record.address.key();
        let before = self.latest_of(&module);
        self.remember(record);
        let after = self.latest_of(&module);
        let mut keys = vec![record.version.key()];
        keys.extend(before);
        keys.extend(after);
        let docs = self.relabel_only(&module, &keys);
        self.write(docs, None)
    }

    async fn remove(&self, id: &ModuleId) -> Result<()> {
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
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id.key());
        let mut keys: Vec<String> = before.into_iter().collect();
        keys.extend(self.latest_of(&module));
        let docs = self.relabel_only(&module, &keys);
        self.write(docs, Some(&doc_id(id)))
    }

    async fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
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
        let query = BooleanQuery::new(clauses);
        let limit = if q.limit == 0 { 10 } else { q.limit.min(1000) };
        let searcher = self.reader.searcher();
        let mut fc = FacetCollector::for_field("facets");
        fc.add_facet("/namespace");
        fc.add_facet("/system");
        fc.add_facet("/provider");
        let (top, total, counts) = searcher
            .search(
                &query,
                &(
                    TopDocs::with_limit(limit)
                        .and_offset(q.offset)
                        .order_by_score(),
                    Count,
                    fc,
                ),
            )
            .map_err(tantivy_err)?;
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
