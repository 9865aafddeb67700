//! Rate limits per token and per client address (GCRA), by route class.
//!
//! Each process enforces limits with [`governor`]'s keyed GCRA limiters.
//! With a Redis URL the same GCRA runs as a Lua script in Redis, so every
//! server process sharing that Redis enforces one limit; if Redis fails the
//! process falls back to its own limiters (and logs it) rather than refusing
//! or waving traffic through.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use serde::{Deserialize, Serialize};

/// A rate: `requests` per `per`, with bursts of up to `requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RateLimit {
    /// Requests allowed per period (also the burst size).
    pub requests: NonZeroU32,
    /// The period.
    pub per: Duration,
}

impl RateLimit {
    /// `requests` per `per`.
    pub fn new(requests: u32, per: Duration) -> Option<Self> {
        let requests = NonZeroU32::new(requests)?;
        (!per.is_zero()).then_some(RateLimit { requests, per })
    }

    /// Time between two requests at the sustained rate.
    pub fn interval(&self) -> Duration {
        self.per / self.requests.get()
    }

    fn quota(&self) -> Quota {
        Quota::with_period(self.interval().max(Duration::from_nanos(1)))
            .expect("a non-zero interval")
            .allow_burst(self.requests)
    }
}

impl FromStr for RateLimit {
    type Err = String;

    /// `60/min`, `10/s`, `1000/hour`, `5/10s`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "invalid rate limit {s:?}: expected REQUESTS/PERIOD such as 60/min, 10/s, 1000/h or 5/10s"
            )
        };
        let (n, period) = s.trim().split_once('/').ok_or_else(bad)?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        let period = period.trim();
        let split = period.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (count, unit) = period.split_at(split);
        let count: u64 = if count.is_empty() {
            1
        } else {
            count.parse().map_err(|_| bad())?
        };
        let unit = match unit {
            "s" | "sec" | "second" | "seconds" => 1,
            "m" | "min" | "minute" | "minutes" => 60,
            "h" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            _ => return Err(bad()),
        };
        RateLimit::new(n, Duration::from_secs(count * unit)).ok_or_else(|| {
            format!("invalid rate limit {s:?}: requests and period must be above zero")
        })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.per.as_secs();
        let (n, unit) = if secs.is_multiple_of(86_400) {
            (secs / 86_400, "d")
        } else if secs.is_multiple_of(3600) {
            (secs / 3600, "h")
        } else if secs.is_multiple_of(60) {
            (secs / 60, "min")
        } else {
            (secs, "s")
        };
        if n == 1 {
            write!(f, "{}/{unit}", self.requests)
        } else {
            write!(f, "{}/{n}{unit}", self.requests)
        }
    }
}

impl TryFrom<String> for RateLimit {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<RateLimit> for String {
    fn from(r: RateLimit) -> String {
        r.to_string()
    }
}

/// Parse a limit where `off` (or `none`, `unlimited`) means no limit.
pub fn parse_optional_limit(s: &str) -> Result<Option<RateLimit>, String> {
    match s.trim() {
        "off" | "none" | "unlimited" => Ok(None),
        other => other.parse().map(Some),
    }
}

/// Which limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitClass {
    /// `GET` and `HEAD`, per token (anonymous: per client address).
    Read,
    /// Publishes, lifecycle changes, deletes and admin calls, per token
    /// (anonymous: per client address).
    Write,
    /// Presented credentials that do not authenticate, per client address.
    AuthFailure,
}

impl LimitClass {
    /// Its name in metrics and Redis keys.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitClass::Read => "read",
            LimitClass::Write => "write",
            LimitClass::AuthFailure => "auth_failure",
        }
    }
}

/// The limits in force. Anonymous reads are unlimited by default, so a CI
/// fleet pulling modules is never throttled unless the operator says so;
/// writes and failed authentications are limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimits {
    /// Reads per token or client address (default: unlimited).
    pub reads: Option<RateLimit>,
    /// Writes per token or client address (default: 60/min).
    pub writes: Option<RateLimit>,
    /// Failed authentications per client address before it is refused for
    /// a while (default: 10/min).
    pub auth_failures: Option<RateLimit>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            reads: None,
            writes: RateLimit::new(60, Duration::from_secs(60)),
            auth_failures: RateLimit::new(10, Duration::from_secs(60)),
        }
    }
}

impl RateLimits {
    /// No limits at all.
    pub fn unlimited() -> Self {
        RateLimits {
            reads: None,
            writes: None,
            auth_failures: None,
        }
    }

    fn get(&self, class: LimitClass) -> Option<RateLimit> {
        match class {
            LimitClass::Read => self.reads,
            LimitClass::Write => self.writes,
            LimitClass::AuthFailure => self.auth_failures,
        }
    }
}

/// Refused: retry after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for a `Retry-After` header (at least 1).
    pub fn header_secs(&self) -> u64 {
        self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)
    }
}

struct Local {
    read: Option<DefaultKeyedRateLimiter<String>>,
    write: Option<DefaultKeyedRateLimiter<String>>,
    auth: Option<DefaultKeyedRateLimiter<String>>,
    /// Addresses refused after too many failed authentications, until when.
    blocked: moka::sync::Cache<String, Instant>,
}

impl Local {
    fn new(limits: &RateLimits) -> Self {
        let make = |l: Option<RateLimit>| l.map(|l| DefaultKeyedRateLimiter::dashmap(l.quota()));
        Local {
            read: make(limits.reads),
            write: make(limits.writes),
            auth: make(limits.auth_failures),
            blocked: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(
                    limits
                        .auth_failures
                        .map_or(Duration::from_secs(60), |l| l.per),
                )
                .build(),
        }
    }

    fn limiter(&self, class: LimitClass) -> Option<&DefaultKeyedRateLimiter<String>> {
        match class {
            LimitClass::Read => self.read.as_ref(),
            LimitClass::Write => self.write.as_ref(),
            LimitClass::AuthFailure => self.auth.as_ref(),
        }
    }

    fn check(&self, class: LimitClass, key: &str) -> Result<(), RetryAfter> {
        let Some(l) = self.limiter(class) else {
            return Ok(());
        };
        l.check_key(&key.to_string()).map_err(|not_until| {
            RetryAfter(not_until.wait_time_from(DefaultClock::default().now()))
        })
    }

    fn housekeeping(&self) {
        for l in [&self.read, &self.write, &self.auth].into_iter().flatten() {
            l.retain_recent();
            l.shrink_to_fit();
        }
        self.blocked.run_pending_tasks();
    }
}

#[cfg(feature = "redis")]
mod shared {
    use super::*;

    /// GCRA in one round trip: KEYS[1] the key, ARGV[1] the emission interval
    /// and ARGV[2] the burst tolerance, both in microseconds. Returns 0 when
    /// allowed, else how many microseconds to wait. Time is Redis' own clock,
    /// so server processes need not agree on theirs.
    const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then return allow_at - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
"#;

    use registry_storage::cache::{Breaker, Refusal};

    /// How long one Redis round trip may take before this process decides
    /// with its own limiters: a stalled Redis must not stall every request.
    const ROUND_TRIP: Duration = Duration::from_millis(250);
    /// After a failure, how long this process uses its own limiters before
    /// trying Redis again (so an outage costs one slow call, not one a request).
    const BACKOFF: Duration = Duration::from_secs(5);

    pub(super) struct Shared {
        pub(super) conn: redis::aio::ConnectionManager,
        pub(super) prefix: String,
        script: redis::Script,
        breaker: Breaker,
    }

    impl Shared {
        pub(super) fn new(conn: redis::aio::ConnectionManager, prefix: String) -> Self {
            Shared {
                conn,
                prefix,
                script: redis::Script::new(GCRA),
                breaker: Breaker::new(ROUND_TRIP, BACKOFF),
            }
        }

        /// One Redis call within [`ROUND_TRIP`], or `None` (the caller uses
        /// this process's limiters) when it fails, times out, or Redis failed
        /// less than [`BACKOFF`] ago. Logged once per spell of failures.
        pub(super) async fn call<T>(
            &self,
            work: impl std::future::Future<Output = redis::RedisResult<T>>,
        ) -> Option<T> {
            match self.breaker.call(work).await {
                Ok(v) => Some(v),
                Err(Refusal::Failed(error)) => {
                    tracing::warn!(
                        %error,
                        "shared rate limits unavailable; enforcing this process's own for {BACKOFF:?}"
                    );
                    None
                }
                Err(Refusal::BackingOff) => None,
            }
        }

        pub(super) async fn check(
            &self,
            class: LimitClass,
            key: &str,
            limit: RateLimit,
        ) -> redis::RedisResult<Result<(), RetryAfter>> {
            let interval = limit.interval().as_micros() as u64;
            let tolerance = interval * u64::from(limit.requests.get() - 1);
            let wait: u64 = self
                .script
                .key(format!("{}rl:{}:{key}", self.prefix, class.as_str()))
                .arg(interval.max(1))
                .arg(tolerance)
                .invoke_async(&mut self.conn.clone())
                .await?;
            Ok(if wait == 0 {
                Ok(())
            } else {
                Err(RetryAfter(Duration::from_micros(wait)))
            })
        }

        pub(super) async fn block(&self, key: &str, for_: Duration) -> redis::RedisResult<()> {
            redis::cmd("SET")
                .arg(format!("{}rl:blocked:{key}", self.prefix))
                .arg(1)
                .arg("PX")
                .arg(for_.as_millis().max(1) as u64)
                .query_async::<()>(&mut self.conn.clone())
                .await
        }

        pub(super) async fn blocked_for(&self, key: &str) -> redis::RedisResult<Option<Duration>> {
            let ms: i64 = redis::cmd("PTTL")
                .arg(format!("{}rl:blocked:{key}", self.prefix))
                .query_async(&mut self.conn.clone())
                .await?;
            Ok((ms > 0).then(|| Duration::from_millis(ms as u64)))
        }
    }
}

struct Inner {
    limits: RateLimits,
    local: Local,
    #[cfg(feature = "redis")]
    shared: Option<shared::Shared>,
}

/// Enforces [`RateLimits`]; cheap to clone, shared by HTTP and gRPC.
#[derive(Clone)]
pub struct Limiter {
    inner: Arc<Inner>,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Limiter");
        d.field("limits", &self.inner.limits);
        #[cfg(feature = "redis")]
        d.field("shared", &self.inner.shared.is_some());
        d.finish()
    }
}

impl Limiter {
    /// Limits enforced by this process alone.
    pub fn local(limits: RateLimits) -> Self {
        let inner = Arc::new(Inner {
            local: Local::new(&limits),
            limits,
            #[cfg(feature = "redis")]
            shared: None,
        });
        Self::spawn_housekeeping(&inner);
        Limiter { inner }
    }

    /// Limits shared through Redis by every process using the same URL and prefix.
    #[cfg(feature = "redis")]
    pub async fn shared(
        limits: RateLimits,
        redis_url: &str,
        prefix: &str,
    ) -> registry_core::Result<Self> {
        let client = redis::Client::open(redis_url).map_err(|e| {
            registry_core::Error::invalid_input(format!("invalid Redis URL for rate limits: {e}"))
        })?;
        let conn = tokio::time::timeout(
            Duration::from_secs(5),
            redis::aio::ConnectionManager::new(client),
        )
        .await
        .map_err(|_| {
            registry_core::Error::backend(
                "redis",
                "cannot connect to Redis for rate limits",
                "timeout",
            )
        })?
        .map_err(|e| {
            registry_core::Error::backend("redis", "cannot connect to Redis for rate limits", e)
        })?;
        let inner = Arc::new(Inner {
            local: Local::new(&limits),
            limits,
            shared: Some(shared::Shared::new(conn, prefix.to_string())),
        });
        Self::spawn_housekeeping(&inner);
        Ok(Limiter { inner })
    }

    fn spawn_housekeeping(inner: &Arc<Inner>) {
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let weak = Arc::downgrade(inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            tick.tick().await;
            loop {
                tick.tick().await;
                match weak.upgrade() {
                    Some(inner) => inner.local.housekeeping(),
                    None => return,
                }
            }
        });
    }

    /// The limits in force.
    pub fn limits(&self) -> &RateLimits {
        &self.inner.limits
    }

    /// Count one request of `class` for `key` (a token id or client address).
    pub async fn check(&self, class: LimitClass, key: &str) -> Result<(), RetryAfter> {
        let Some(limit) = self.inner.limits.get(class) else {
            return Ok(());
        };
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.inner.shared
            && let Some(outcome) = shared.call(shared.check(class, key, limit)).await
        {
            return outcome;
        }
        let _ = limit;
        self.inner.local.check(class, key)
    }

    /// Is this client address refused for too many failed authentications?
    pub async fn auth_blocked(&self, addr: &str) -> Option<RetryAfter> {
        self.inner.limits.auth_failures?;
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.inner.shared
            && let Some(blocked) = shared.call(shared.blocked_for(addr)).await
        {
            return blocked.map(RetryAfter);
        }
        let until = self.inner.local.blocked.get(addr)?;
        let now = Instant::now();
        (until > now).then(|| RetryAfter(until - now))
    }

    /// Count a failed authentication from `addr`; once over the limit the
    /// address is refused until the limit allows it again.
    pub async fn auth_failed(&self, addr: &str) {
        if let Err(RetryAfter(wait)) = self.check(LimitClass::AuthFailure, addr).await {
            #[cfg(feature = "redis")]
            if let Some(shared) = &self.inner.shared
                && shared.call(shared.block(addr, wait)).await.is_some()
            {
                return;
            }
            self.inner
                .local
                .blocked
                .insert(addr.to_string(), Instant::now() + wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        for (text, n, secs, shown) in [
            ("60/min", 60, 60, "60/min"),
            ("10/s", 10, 1, "10/s"),
            ("1000/hour", 1000, 3600, "1000/h"),
            ("5/10s", 5, 10, "5/10s"),
            (" 3 / 2h ", 3, 7200, "3/2h"),
            ("100/d", 100, 86_400, "100/d"),
        ] {
            let r: RateLimit = text.parse().unwrap();
            assert_eq!((r.requests.get(), r.per.as_secs()), (n, secs), "{text}");
            assert_eq!(r.to_string(), shown);
        }
        for bad in [
            "",
            "60",
            "60/",
            "x/min",
            "60/fortnight",
            "0/min",
            "5/0s",
            "-1/s",
        ] {
            let e = bad.parse::<RateLimit>().unwrap_err();
            assert!(e.contains("rate limit"), "{bad}: {e}");
        }
        assert_eq!(parse_optional_limit("off").unwrap(), None);
    }

    #[tokio::test]
    async fn bursts_then_refuses_with_a_wait_then_recovers() {
        let limits = RateLimits {
            reads: None,
            // Windows long enough that a paused test thread does not refill them.
            writes: RateLimit::new(3, Duration::from_secs(3)),
            auth_failures: RateLimit::new(2, Duration::from_secs(2)),
        };
        let l = Limiter::local(limits);
        for _ in 0..100 {
            assert!(
                l.check(LimitClass::Read, "anyone").await.is_ok(),
                "reads unlimited"
            );
        }
        for _ in 0..3 {
            assert!(l.check(LimitClass::Write, "token-a").await.is_ok());
        }
        let RetryAfter(wait) = l.check(LimitClass::Write, "token-a").await.unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            l.check(LimitClass::Write, "token-b").await.is_ok(),
            "keys are separate"
        );
        tokio::time::sleep(wait + Duration::from_millis(5)).await;
        assert!(
            l.check(LimitClass::Write, "token-a").await.is_ok(),
            "recovers"
        );

        assert!(l.auth_blocked("10.0.0.1").await.is_none());
        l.auth_failed("10.0.0.1").await;
        l.auth_failed("10.0.0.1").await;
        assert!(
            l.auth_blocked("10.0.0.1").await.is_none(),
            "within the burst"
        );
        l.auth_failed("10.0.0.1").await;
        let RetryAfter(wait) = l.auth_blocked("10.0.0.1").await.expect("blocked");
        assert!(l.auth_blocked("10.0.0.2").await.is_none());
        tokio::time::sleep(wait + Duration::from_millis(5)).await;
        assert!(l.auth_blocked("10.0.0.1").await.is_none(), "unblocked");
        assert_eq!(RetryAfter(Duration::from_millis(1)).header_secs(), 1);
        assert_eq!(RetryAfter(Duration::from_secs(2)).header_secs(), 2);
    }
}
