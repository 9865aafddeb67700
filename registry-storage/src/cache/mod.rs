//! Cache tiers: in-process ([`MemoryCache`]) and, with the `redis` feature,
//! shared ([`RedisCache`]) with cross-process invalidation ([`TieredCache`]).

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use memory::MemoryCache;
#[cfg(feature = "redis")]
pub use redis::{DEFAULT_PREFIX, RedisCache, TieredCache};
