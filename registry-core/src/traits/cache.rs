//! The cache trait used for hot reads.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// Hit and miss counts of one cache tier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheTierStats {
    /// Tier name (`memory`, `redis`).
    pub tier: String,
    /// Lookups answered.
    pub hits: u64,
    /// Lookups not answered.
    pub misses: u64,
}

/// A byte cache. A cache is an optimisation: failures are misses (and are
/// logged by the implementation), never errors to the caller.
#[async_trait]
pub trait Cache: Send + Sync + Debug + 'static {
    /// The cached value, if present and fresh.
    async fn get(&self, key: &str) -> Option<Bytes>;

    /// Cache a value for at most `ttl`.
    async fn put(&self, key: &str, value: Bytes, ttl: Duration);

    /// Drop keys (here and, for shared caches, in every process).
    async fn invalidate(&self, keys: &[String]);

    /// Hit/miss counts per tier.
    fn stats(&self) -> Vec<CacheTierStats>;
}
