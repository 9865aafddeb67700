//! Full-text search over published modules (implemented by registry-docs).

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::address::ModuleId;
use crate::error::Result;
use crate::module::ModuleRecord;

/// A search request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Free text.
    pub text: String,
    /// Only this namespace.
    pub namespace: Option<String>,
    /// Only this system (the module's target system).
    pub system: Option<String>,
    /// Only modules using this provider (`aws`).
    pub provider: Option<String>,
    /// Only signed (`true`) or only unsigned (`false`) versions.
    pub signed: Option<bool>,
    /// Only versions whose checks on publish came out so (`passed`: every
    /// test run passed).
    pub tests: Option<crate::traits::test_runner::TestOutcome>,
    /// Include every version, not just each module's latest listed one.
    pub all_versions: bool,
    /// Most hits to return (`0`: the index's default; at most
    /// [`SearchQuery::MAX_LIMIT`]).
    pub limit: usize,
    /// Hits to skip. Any value is allowed: an index answers a page past
    /// its last hit empty, and never sizes work by the offset alone.
    pub offset: usize,
}

impl SearchQuery {
    /// The most hits one search returns, whatever `limit` asks.
    pub const MAX_LIMIT: usize = 1000;
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The version found.
    pub id: ModuleId,
    /// Relevance score.
    pub score: f32,
    /// Its description.
    pub description: Option<String>,
}

/// How many matching documents carry one facet value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    /// `namespace`, `system`, `provider`, `signed` (`yes`, `no`) or
    /// `tests` (`passed`, `failed`, `errored`, `not_run`).
    pub facet: String,
    /// The value.
    pub value: String,
    /// Matching documents with it.
    pub count: u64,
}

/// A page of hits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Hits, best first.
    pub hits: Vec<SearchHit>,
    /// Total matching documents.
    pub total: usize,
    /// Counts by namespace, system and provider over all matches.
    pub facets: Vec<FacetCount>,
}

/// A search index kept current by the registry's flows.
#[async_trait]
pub trait SearchIndex: Send + Sync + Debug + 'static {
    /// Add or replace a version's document.
    async fn index(&self, record: &ModuleRecord) -> Result<()>;
    /// Remove a version's document.
    async fn remove(&self, id: &ModuleId) -> Result<()>;
    /// Run a query.
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults>;
    /// Replace the whole index with every live version in `storage`;
    /// returns how many versions it indexed. Updates that arrive meanwhile
    /// must not interleave with it.
    async fn rebuild(&self, storage: &dyn crate::traits::storage::ModuleStorage) -> Result<usize>;

    /// For an index that persists across restarts: the audit-log position
    /// (sequence number) its last commit was current to, so an opener
    /// catches up from there instead of rebuilding. `None` (the default)
    /// for an index that starts empty.
    fn current_to(&self) -> Option<u64> {
        None
    }

    /// Every change up to audit-log position `seq` has been applied: a
    /// persistent index stores `seq` with a commit of what it holds (now,
    /// unless it is already stored), so a restart replays only what came
    /// after. The default does nothing.
    async fn checkpoint(&self, seq: u64) -> Result<()> {
        let _ = seq;
        Ok(())
    }
}
