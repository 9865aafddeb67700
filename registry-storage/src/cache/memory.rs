//! The in-process cache tier: `moka`, bounded by bytes, per-entry TTL.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use moka::Expiry;
use registry_core::{Cache, CacheTierStats};

#[derive(Clone)]
struct Entry {
    value: Bytes,
    ttl: Duration,
}

struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _k: &String, v: &Entry, _now: Instant) -> Option<Duration> {
        Some(v.ttl)
    }
    fn expire_after_update(
        &self,
        _k: &String,
        v: &Entry,
        _now: Instant,
        _current: Option<Duration>,
    ) -> Option<Duration> {
        Some(v.ttl)
    }
}

/// An in-process cache bounded by the total bytes of its keys and values.
#[derive(Clone)]
pub struct MemoryCache {
    inner: moka::future::Cache<String, Entry>,
    hits: Arc<AtomicU64>,
    misses: Arc<AtomicU64>,
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCache")
            .field("entries", &self.inner.entry_count())
            .field("bytes", &self.inner.weighted_size())
            .finish()
    }
}

impl MemoryCache {
    /// A cache holding at most `max_bytes` of keys and values.
    pub fn new(max_bytes: u64) -> Self {
        let inner = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|k: &String, v: &Entry| {
                (k.len() + v.value.len()).try_into().unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .build();
        MemoryCache {
            inner,
            hits: Arc::default(),
            misses: Arc::default(),
        }
    }

    /// Drop every entry (used when an invalidation channel reconnects and
    /// messages may have been missed).
    pub fn clear(&self) {
        self.inner.invalidate_all();
    }

    /// Look up without counting a hit or miss (for the tiered cache, which counts itself).
    pub(crate) async fn peek(&self, key: &str) -> Option<Bytes> {
        self.inner.get(key).await.map(|e| e.value)
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Option<Bytes> {
        let found = self.peek(key).await;
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    async fn put(&self, key: &str, value: Bytes, ttl: Duration) {
        self.inner
            .insert(key.to_string(), Entry { value, ttl })
            .await;
    }

    async fn invalidate(&self, keys: &[String]) {
        for k in keys {
            self.inner.invalidate(k).await;
        }
    }

    fn stats(&self) -> Vec<CacheTierStats> {
        vec![CacheTierStats {
            tier: "memory".into(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hits_misses_ttl_and_invalidation() {
        let c = MemoryCache::new(1 << 20);
        assert!(c.get("a").await.is_none());
        c.put("a", Bytes::from_static(b"1"), Duration::from_secs(60))
            .await;
        assert_eq!(c.get("a").await.as_deref(), Some(&b"1"[..]));
        c.invalidate(&["a".to_string()]).await;
        assert!(c.get("a").await.is_none());
        c.put("b", Bytes::from_static(b"2"), Duration::from_millis(50))
            .await;
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert!(c.get("b").await.is_none(), "expired");
        let s = &c.stats()[0];
        assert_eq!((s.hits, s.misses), (1, 3));
    }

    #[tokio::test]
    async fn stays_within_its_byte_budget() {
        let c = MemoryCache::new(10_000);
        for i in 0..100 {
            c.put(
                &format!("k{i}"),
                Bytes::from(vec![0u8; 1000]),
                Duration::from_secs(60),
            )
            .await;
        }
        c.inner.run_pending_tasks().await;
        assert!(
            c.inner.weighted_size() <= 10_000,
            "{}",
            c.inner.weighted_size()
        );
    }
}
