//! Refusals (denied requests) in the audit log, in bounded form: anyone
//! can send requests that are refused, so recording each one would let
//! anyone grow the hash-chained log without limit. Within each window the
//! first few refusals of each caller (actor and address) are recorded one
//! by one, and a few in all; the rest are counted and recorded as one
//! summary when the window ends.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::traits::audit::{AuditEvent, AuditOutcome};

/// How long one window of refusals lasts.
pub const WINDOW_SECS: i64 = 60;
/// Refusals of one caller recorded one by one in a window.
pub const PER_CALLER: u32 = 3;
/// Refusals recorded one by one in a window, over all callers.
pub const PER_WINDOW: u32 = 30;
/// Callers told apart in a window; more are only counted.
const MAX_CALLERS: usize = 10_000;

/// What to do with one refusal.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Record it.
    Record,
    /// Count it in the window's summary.
    Count,
}

#[derive(Debug)]
struct Window {
    started: DateTime<Utc>,
    /// Each caller's refusals so far, and whether one was only counted.
    callers: HashMap<String, (u32, bool)>,
    recorded: u32,
    counted: u64,
    counted_callers: u64,
    /// Whether someone was told to write the summary when the window ends.
    summary_due: bool,
}

impl Window {
    fn new(started: DateTime<Utc>) -> Self {
        Window {
            started,
            callers: HashMap::new(),
            recorded: 0,
            counted: 0,
            counted_callers: 0,
            summary_due: false,
        }
    }

    /// The record of what this window counted without recording.
    fn summary(&self, ended: DateTime<Utc>) -> Option<AuditEvent> {
        (self.counted > 0).then(|| AuditEvent {
            at: ended,
            actor: "system".into(),
            action: "refusals summarised".into(),
            target: "*".into(),
            outcome: AuditOutcome::Denied,
            detail: Some(format!(
                "{} more refusals from {} callers between {} and {} were counted, not recorded one by one",
                self.counted,
                self.counted_callers,
                self.started.to_rfc3339(),
                ended.to_rfc3339()
            )),
            request_id: None,
            client_addr: None,
        })
    }
}

/// The bound on refusal records; one per registry.
#[derive(Debug)]
pub(crate) struct RefusalThrottle {
    window: Mutex<Option<Window>>,
}

impl RefusalThrottle {
    pub(crate) fn new() -> Self {
        RefusalThrottle {
            window: Mutex::new(None),
        }
    }

    /// The summary of a window that has ended by `now`, if it counted any.
    pub(crate) fn take_ended(&self, now: DateTime<Utc>) -> Option<AuditEvent> {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let ended = w.as_ref()?.started + Duration::seconds(WINDOW_SECS);
        if now < ended {
            return None;
        }
        w.take().and_then(|old| old.summary(ended))
    }

    /// Whether to record a refusal of `caller` at `now`; with the first
    /// refusal only counted, also when the window ends (to write its
    /// summary then).
    pub(crate) fn admit(&self, caller: &str, now: DateTime<Utc>) -> (Admit, Option<DateTime<Utc>>) {
        let mut guard = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let w = guard.get_or_insert_with(|| Window::new(now));
        let admit = if !w.callers.contains_key(caller) && w.callers.len() >= MAX_CALLERS {
            w.counted_callers += 1;
            Admit::Count
        } else {
            let (seen, counted) = w.callers.entry(caller.to_string()).or_insert((0, false));
            *seen += 1;
            if *seen <= PER_CALLER && w.recorded < PER_WINDOW {
                w.recorded += 1;
                Admit::Record
            } else {
                if !*counted {
                    *counted = true;
                    w.counted_callers += 1;
                }
                Admit::Count
            }
        };
        if admit == Admit::Record {
            return (admit, None);
        }
        w.counted += 1;
        let due = !std::mem::replace(&mut w.summary_due, true);
        (
            admit,
            due.then(|| w.started + Duration::seconds(WINDOW_SECS)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn a_caller_gets_a_few_records_a_window_then_a_summary() {
        let t = RefusalThrottle::new();
        let verdicts: Vec<Admit> = (0..2000)
            .map(|_| t.admit("anonymous@1.2.3.4", at(1)).0)
            .collect();
        assert_eq!(
            verdicts.iter().filter(|v| **v == Admit::Record).count(),
            PER_CALLER as usize
        );
        assert!(t.take_ended(at(30)).is_none(), "the window has not ended");
        let summary = t.take_ended(at(61)).expect("a summary");
        let detail = summary.detail.unwrap();
        assert!(
            detail.starts_with("1997 more refusals from 1 callers"),
            "{detail}"
        );
        assert!(t.take_ended(at(200)).is_none(), "summarised once");
        assert_eq!(t.admit("anonymous@1.2.3.4", at(200)).0, Admit::Record);
    }

    #[test]
    fn many_callers_share_one_bound() {
        let t = RefusalThrottle::new();
        let recorded = (0..50_000)
            .filter(|i| {
                t.admit(&format!("anonymous@10.0.{}.{}", i / 256, i % 256), at(0))
                    .0
                    == Admit::Record
            })
            .count();
        assert_eq!(recorded, PER_WINDOW as usize);
        let detail = t.take_ended(at(60)).unwrap().detail.unwrap();
        assert!(
            detail.starts_with(&format!(
                "{} more refusals from {} callers",
                50_000 - PER_WINDOW,
                50_000 - PER_WINDOW
            )),
            "{detail}"
        );
    }
}
