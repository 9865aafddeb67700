//! Cache tiers: in-process ([`MemoryCache`]) and, with the `redis` feature,
//! shared ([`RedisCache`]) with cross-process invalidation ([`TieredCache`]);
//! [`Breaker`] guards calls to Redis (here and in the server's shared rate
//! limits).

mod breaker;
mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use breaker::{Breaker, Refusal};
pub use memory::MemoryCache;
#[cfg(feature = "redis")]
pub use redis::{DEFAULT_PREFIX, RedisCache, TieredCache};
