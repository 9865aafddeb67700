//! The shared cache tier (Redis) and the two-tier cache that keeps every
//! process's in-process tier coherent through Redis pub/sub.
//!
//! Redis down means slower, not broken: every call has a short deadline, a
//! failure is a miss, and after one the cache skips Redis for a few seconds
//! ([`Breaker`]), logging once per spell.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use redis::AsyncCommands;
use registry_core::{Cache, CacheTierStats, Error, Result};

use super::{Breaker, MemoryCache, Refusal};

/// The default key prefix (and invalidation channel stem).
pub const DEFAULT_PREFIX: &str = "registry";
const OP_TIMEOUT: Duration = Duration::from_millis(250);
/// How long the cache skips Redis after a failed call.
const BACKOFF: Duration = Duration::from_secs(5);

/// A cache in Redis, shared by every server process.
#[derive(Clone)]
pub struct RedisCache {
    client: redis::Client,
    conn: redis::aio::ConnectionManager,
    prefix: String,
    hits: Arc<AtomicU64>,
    misses: Arc<AtomicU64>,
    breaker: Arc<Breaker>,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never print it.
        f.debug_struct("RedisCache").finish_non_exhaustive()
    }
}

impl RedisCache {
    /// Connect to `redis://…` (or `rediss://…`) with the default key prefix.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with_prefix(url, DEFAULT_PREFIX).await
    }

    /// Connect, keeping keys under `<prefix>:` and invalidations on
    /// `<prefix>:invalidate`, so several registries can share one Redis.
    pub async fn connect_with_prefix(url: &str, prefix: &str) -> Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| Error::invalid_input("invalid Redis URL").with_source(e))?;
        let conn = tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager())
            .await
            .map_err(|_| Error::backend("redis", "connect timed out", "timeout"))?
            .map_err(|e| Error::backend("redis", "connect failed", e))?;
        Ok(RedisCache {
            client,
            conn,
            prefix: prefix.to_string(),
            hits: Arc::default(),
            misses: Arc::default(),
            breaker: Arc::new(Breaker::new(OP_TIMEOUT, BACKOFF)),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}:invalidate", self.prefix)
    }

    /// Log the first failure of a spell (the breaker keeps the rest quiet).
    fn warn(&self, what: &str, refusal: Refusal) {
        if let Refusal::Failed(error) = refusal {
            tracing::warn!(
                %error,
                "redis cache {what} failed; reads fall through to the stores for {BACKOFF:?}"
            );
        }
    }

    /// Look up without counting (the tiered cache counts per tier itself).
    async fn fetch(&self, key: &str) -> Option<Bytes> {
        let mut conn = self.conn.clone();
        let get = conn.get::<_, Option<Vec<u8>>>(self.key(key));
        match self.breaker.call(get).await {
            Ok(v) => v.map(Bytes::from),
            Err(refusal) => {
                self.warn("get", refusal);
                None
            }
        }
    }

    async fn store(&self, key: &str, value: Bytes, ttl: Duration) {
        let mut conn = self.conn.clone();
        let ms = ttl.as_millis().clamp(1, u64::MAX as u128) as u64;
        let put = conn.pset_ex::<_, _, ()>(self.key(key), value.as_ref(), ms);
        if let Err(refusal) = self.breaker.call(put).await {
            self.warn("put", refusal);
        }
    }

    /// Delete keys and tell every subscribed process to drop them too.
    async fn remove_and_broadcast(&self, keys: &[String]) {
        if keys.is_empty() {
            return;
        }
        let mut conn = self.conn.clone();
        let prefixed: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        let work = async {
            let _: () = conn.del(prefixed).await?;
            let _: usize = conn.publish(self.channel(), keys.join("\n")).await?;
            Ok::<(), redis::RedisError>(())
        };
        // Tried even while backing off: a missed invalidation leaves other
        // processes serving stale entries.
        if let Err(refusal) = self.breaker.attempt(OP_TIMEOUT * 4, work).await {
            self.warn("invalidate", refusal);
        }
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Option<Bytes> {
        let v = self.fetch(key).await;
        let c = if v.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        c.fetch_add(1, Ordering::Relaxed);
        v
    }

    async fn put(&self, key: &str, value: Bytes, ttl: Duration) {
        self.store(key, value, ttl).await
    }

    async fn invalidate(&self, keys: &[String]) {
        self.remove_and_broadcast(keys).await
    }

    fn stats(&self) -> Vec<CacheTierStats> {
        vec![CacheTierStats {
            tier: "redis".into(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }]
    }
}

struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// In-process tier in front of Redis. Invalidations are published on Redis
/// and applied to every process's in-process tier by a subscriber task, so
/// processes sharing Redis see each other's changes within milliseconds.
#[derive(Clone)]
pub struct TieredCache {
    memory: Option<MemoryCache>,
    redis: RedisCache,
    memory_hits: Arc<AtomicU64>,
    memory_misses: Arc<AtomicU64>,
    _subscriber: Option<Arc<AbortOnDrop>>,
}

impl std::fmt::Debug for TieredCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TieredCache")
            .field("memory", &self.memory)
            .finish_non_exhaustive()
    }
}

/// How long an entry fetched from Redis stays in the in-process tier.
const L1_FILL_TTL: Duration = Duration::from_secs(30);

impl TieredCache {
    /// Put `memory` (if any) in front of `redis` and start the invalidation subscriber.
    pub async fn new(memory: Option<MemoryCache>, redis: RedisCache) -> Self {
        let subscriber = memory.as_ref().map(|m| {
            let handle = tokio::spawn(subscribe_loop(
                redis.client.clone(),
                redis.channel(),
                m.clone(),
            ));
            Arc::new(AbortOnDrop(handle.abort_handle()))
        });
        TieredCache {
            memory,
            redis,
            memory_hits: Arc::default(),
            memory_misses: Arc::default(),
            _subscriber: subscriber,
        }
    }
}

async fn subscribe_loop(client: redis::Client, channel: String, memory: MemoryCache) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => {
                if let Err(e) = pubsub.subscribe(&channel).await {
                    tracing::warn!(error = %e, "redis invalidation subscribe failed");
                } else {
                    // Anything cached while we were not listening may be stale.
                    memory.clear();
                    backoff = Duration::from_millis(100);
                    let mut messages = pubsub.into_on_message();
                    while let Some(msg) = messages.next().await {
                        if let Ok(payload) = msg.get_payload::<String>() {
                            let keys: Vec<String> =
                                payload.split('\n').map(str::to_string).collect();
                            memory.invalidate(&keys).await;
                        }
                    }
                    tracing::warn!("redis invalidation channel closed; reconnecting");
                }
            }
            Err(e) => tracing::warn!(error = %e, "redis invalidation channel unavailable"),
        }
        memory.clear();
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

#[async_trait]
impl Cache for TieredCache {
    async fn get(&self, key: &str) -> Option<Bytes> {
        if let Some(m) = &self.memory {
            if let Some(v) = m.peek(key).await {
                self.memory_hits.fetch_add(1, Ordering::Relaxed);
                return Some(v);
            }
            self.memory_misses.fetch_add(1, Ordering::Relaxed);
        }
        let v = self.redis.get(key).await;
        if let (Some(m), Some(v)) = (&self.memory, &v) {
            m.put(key, v.clone(), L1_FILL_TTL).await;
        }
        v
    }

    async fn put(&self, key: &str, value: Bytes, ttl: Duration) {
        if let Some(m) = &self.memory {
            m.put(key, value.clone(), ttl.min(L1_FILL_TTL)).await;
        }
        self.redis.put(key, value, ttl).await;
    }

    async fn invalidate(&self, keys: &[String]) {
        if let Some(m) = &self.memory {
            m.invalidate(keys).await;
        }
        self.redis.invalidate(keys).await;
    }

    fn stats(&self) -> Vec<CacheTierStats> {
        let mut s = Vec::new();
        if self.memory.is_some() {
            s.push(CacheTierStats {
                tier: "memory".into(),
                hits: self.memory_hits.load(Ordering::Relaxed),
                misses: self.memory_misses.load(Ordering::Relaxed),
            });
        }
        s.extend(self.redis.stats());
        s
    }
}
