//! A guard for calls to an optional shared service (Redis): each call gets
//! a short deadline, and after a failure the guard refuses calls at once
//! for a while, so an outage costs one slow call per spell instead of one
//! per request. Callers fall back (a cache miss, this process's own rate
//! limiters) when it refuses.

use std::fmt::Display;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Why a guarded call gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The call failed or timed out, and this starts a spell of failures:
    /// log it (later refusals in the spell are [`Refusal::BackingOff`]).
    Failed(String),
    /// The service failed recently; the call was not made.
    BackingOff,
}

/// Deadline per call plus back-off after a failure.
#[derive(Debug)]
pub struct Breaker {
    deadline: Duration,
    backoff: Duration,
    retry_at: Mutex<Option<Instant>>,
}

impl Breaker {
    /// Calls get `deadline` each; after a failure, calls are refused for `backoff`.
    pub fn new(deadline: Duration, backoff: Duration) -> Self {
        Breaker {
            deadline,
            backoff,
            retry_at: Mutex::new(None),
        }
    }

    /// Run `work` within the deadline, unless backing off.
    pub async fn call<T, E: Display>(
        &self,
        work: impl Future<Output = Result<T, E>>,
    ) -> Result<T, Refusal> {
        if self.backing_off() {
            return Err(Refusal::BackingOff);
        }
        self.attempt(self.deadline, work).await
    }

    /// Run `work` within `deadline` even while backing off (for what must
    /// be tried whenever possible, such as invalidations); its outcome
    /// still opens or closes the back-off.
    pub async fn attempt<T, E: Display>(
        &self,
        deadline: Duration,
        work: impl Future<Output = Result<T, E>>,
    ) -> Result<T, Refusal> {
        let error = match tokio::time::timeout(deadline, work).await {
            Ok(Ok(v)) => {
                *self.retry_at.lock().unwrap() = None;
                return Ok(v);
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {deadline:?}"),
        };
        let mut retry_at = self.retry_at.lock().unwrap();
        let new_spell = !retry_at.is_some_and(|at| Instant::now() < at);
        *retry_at = Some(Instant::now() + self.backoff);
        Err(if new_spell {
            Refusal::Failed(error)
        } else {
            Refusal::BackingOff
        })
    }

    fn backing_off(&self) -> bool {
        self.retry_at
            .lock()
            .unwrap()
            .is_some_and(|at| Instant::now() < at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failure_refuses_calls_until_the_backoff_ends() {
        let b = Breaker::new(Duration::from_millis(50), Duration::from_secs(2));
        assert_eq!(b.call(async { Ok::<_, String>(1) }).await, Ok(1));
        assert_eq!(
            b.call(async { Err::<(), _>("refused") }).await,
            Err(Refusal::Failed("refused".into()))
        );
        let mut made = false;
        let r = b
            .call(async {
                made = true;
                Ok::<_, String>(2)
            })
            .await;
        assert_eq!(r, Err(Refusal::BackingOff));
        assert!(!made, "no call while backing off");
        tokio::time::sleep(Duration::from_millis(2050)).await;
        assert_eq!(b.call(async { Ok::<_, String>(3) }).await, Ok(3));
    }

    #[tokio::test]
    async fn a_hang_is_cut_at_the_deadline_and_attempts_ignore_the_backoff() {
        let b = Breaker::new(Duration::from_millis(50), Duration::from_secs(60));
        let hang = std::future::pending::<Result<(), String>>();
        assert!(matches!(b.call(hang).await, Err(Refusal::Failed(e)) if e.contains("no answer")));
        assert_eq!(
            b.attempt(Duration::from_millis(50), async { Ok::<_, String>(4) })
                .await,
            Ok(4)
        );
        assert_eq!(
            b.call(async { Ok::<_, String>(5) }).await,
            Ok(5),
            "a success ends the back-off"
        );
    }
}
