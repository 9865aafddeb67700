//! Budgets for modules from strangers (the registry runs the tests of
//! every module published): how long a run may take, how many instances
//! `count` / `for_each` may make, how deep module calls may nest, and how
//! large the values expressions and functions build may grow. A module
//! past a budget gets an error diagnostic naming it, never a hang or an
//! exhausted memory.
//!
//! A run executes on one thread, so its deadline and counters are
//! thread-local: [`start_run`] sets them for the run and the guard it
//! returns puts back what was there before.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::tftest::diag::Diagnostic;
use crate::tftest::value::{Kind, Value};

/// The most instances one resource or module call may have.
pub const MAX_INSTANCES: usize = 10_000;

/// The most resource and module instances one run may have in all (its
/// plan and its apply each count theirs).
pub const MAX_RUN_INSTANCES: usize = 100_000;

/// How deeply module calls may nest (a module calling itself stops here).
pub const MAX_MODULE_DEPTH: usize = 16;

/// The longest string a value may hold, in bytes.
pub const MAX_STRING_BYTES: usize = 16 << 20;

/// The most elements (values inside values, counted deeply) one value may
/// hold, and the most a `range()` may return.
pub const MAX_ELEMENTS: usize = 1_000_000;

/// The most string bytes (and attribute names) one value may hold in all.
pub const MAX_VALUE_BYTES: usize = 4 * MAX_STRING_BYTES;

/// The most memory the values one run keeps (variables, locals, resource
/// instances, module calls' and the module's outputs, at plan and apply)
/// may take in all, as measured by [`hold`]: each element counts
/// [`ELEMENT_BYTES`] and each string its length.
pub const MAX_RUN_HELD_BYTES: usize = 256 << 20;

/// What one element of a value is counted as, beside its strings' bytes
/// (about what a value takes in memory).
pub const ELEMENT_BYTES: usize = 48;

/// How many evaluation steps pass between two looks at the clock.
const CLOCK_EVERY: u32 = 64;

thread_local! {
    static DEADLINE: Cell<Option<(Instant, Duration)>> = const { Cell::new(None) };
    static EXPIRED: Cell<bool> = const { Cell::new(false) };
    static TICKS: Cell<u32> = const { Cell::new(0) };
    static INSTANCES: Cell<usize> = const { Cell::new(0) };
    static HELD: Cell<usize> = const { Cell::new(0) };
    static BREACH: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// The budgets of one run; dropping it ends the run's budgets.
#[must_use = "the budgets last as long as the guard"]
pub struct RunGuard {
    deadline: Option<(Instant, Duration)>,
    expired: bool,
    instances: usize,
    held: usize,
    breach: Option<&'static str>,
}

/// Start a run's budgets: `timeout` from now, no instances yet.
pub fn start_run(timeout: Duration) -> RunGuard {
    let guard = RunGuard {
        deadline: DEADLINE.get(),
        expired: EXPIRED.get(),
        instances: INSTANCES.get(),
        held: HELD.get(),
        breach: BREACH.get(),
    };
    DEADLINE.set(Some((Instant::now() + timeout, timeout)));
    EXPIRED.set(false);
    INSTANCES.set(0);
    HELD.set(0);
    BREACH.set(None);
    guard
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        DEADLINE.set(self.deadline);
        EXPIRED.set(self.expired);
        INSTANCES.set(self.instances);
        HELD.set(self.held);
        BREACH.set(self.breach);
    }
}

/// The error of a budget that ran out, naming it.
fn exceeded(budget: &'static str, detail: String) -> Diagnostic {
    // Remembered, so an error swallowed by `can` or `try` still fails the run.
    if BREACH.get().is_none() {
        BREACH.set(Some(budget));
    }
    Diagnostic::error(format!("{budget} budget exceeded"), detail)
}

/// The budget the current run ran out of, if any (even where `can` or
/// `try` swallowed the error), as the error to report on the run.
pub fn breach() -> Option<Diagnostic> {
    let budget = BREACH.get()?;
    Some(Diagnostic::error(
        format!("{budget} budget exceeded"),
        format!(
            "This run went past the test engine's {} budget, so it was stopped; its results are incomplete.",
            budget.to_lowercase()
        ),
    ))
}

/// Whether the run's time is up (looking at the clock every few calls).
pub fn check_time() -> Result<(), Diagnostic> {
    if !EXPIRED.get() {
        let t = TICKS.get().wrapping_add(1);
        TICKS.set(t);
        if !t.is_multiple_of(CLOCK_EVERY) {
            return Ok(());
        }
        match DEADLINE.get() {
            Some((at, _)) if Instant::now() >= at => EXPIRED.set(true),
            _ => return Ok(()),
        }
    }
    let limit = DEADLINE.get().map(|(_, d)| d).unwrap_or_default();
    Err(exceeded(
        "Run time",
        format!(
            "The run took longer than its time budget of {} s (the run timeout), so it was stopped.",
            limit.as_secs_f64()
        ),
    ))
}

/// [`check_time`] for a function's inner loop.
pub fn check_time_in_function() -> Result<(), String> {
    check_time().map_err(|d| d.detail)
}

/// Count `n` more instances of `what` (one resource or module call).
pub fn count_instances(what: &str, n: usize) -> Result<(), Diagnostic> {
    if n > MAX_INSTANCES {
        return Err(exceeded(
            "Instance",
            format!(
                "{what} would have {n} instances; the test engine allows at most {MAX_INSTANCES} per resource or module call."
            ),
        ));
    }
    let total = INSTANCES.get() + n;
    INSTANCES.set(total);
    if total > MAX_RUN_INSTANCES {
        return Err(exceeded(
            "Instance",
            format!(
                "With {what}, the run would have {total} instances; the test engine allows at most {MAX_RUN_INSTANCES} in one run."
            ),
        ));
    }
    Ok(())
}

/// Count a value the run keeps (`what` names it for the error) against
/// [`MAX_RUN_HELD_BYTES`].
pub fn hold(what: &str, v: &Value) -> Result<(), Diagnostic> {
    let mut t = Tally::default();
    t.walk(v);
    let size = t
        .elements
        .saturating_mul(ELEMENT_BYTES)
        .saturating_add(t.bytes);
    let total = HELD.get().saturating_add(size);
    HELD.set(total);
    if total > MAX_RUN_HELD_BYTES {
        return Err(exceeded(
            "Memory",
            format!(
                "With {what}, the values this run keeps would take more than the {} MiB the test engine allows one run.",
                MAX_RUN_HELD_BYTES >> 20
            ),
        ));
    }
    Ok(())
}

/// Whether a module at `depth` (the root is 0) may call another.
pub fn check_module_depth(depth: usize, call: &str) -> Result<(), Diagnostic> {
    if depth >= MAX_MODULE_DEPTH {
        return Err(exceeded(
            "Module depth",
            format!(
                "The call to {call} would nest modules {} deep; the test engine allows at most {MAX_MODULE_DEPTH} (does a module call itself?).",
                depth + 1
            ),
        ));
    }
    Ok(())
}

/// What a value being built holds so far, counted deeply: each part
/// added is measured (only as far as the budget), so a value past the
/// budget stops being built before it exhausts memory.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    elements: usize,
    bytes: usize,
}

impl Tally {
    /// Add a part (an element, an attribute, an argument).
    pub fn add(&mut self, v: &Value) -> Result<(), Diagnostic> {
        self.walk(v);
        self.check()
    }

    /// Add `n` bytes of text (a template's literal part).
    pub fn add_text(&mut self, n: usize) -> Result<(), Diagnostic> {
        self.bytes = self.bytes.saturating_add(n);
        self.check()
    }

    fn over(&self) -> bool {
        self.elements > MAX_ELEMENTS || self.bytes > MAX_VALUE_BYTES
    }

    fn walk(&mut self, v: &Value) {
        if self.over() {
            return;
        }
        self.elements += 1;
        match v.kind() {
            Kind::String(s) => self.bytes += s.len(),
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                items.iter().for_each(|x| self.walk(x))
            }
            Kind::Map(_, m) | Kind::Object(m) => {
                for (k, x) in m {
                    self.bytes += k.len();
                    self.walk(x);
                }
            }
            _ => {}
        }
    }

    fn check(&self) -> Result<(), Diagnostic> {
        if self.over() {
            return Err(exceeded(
                "Value size",
                format!(
                    "A value holds more than the test engine allows ({MAX_ELEMENTS} elements, {MAX_VALUE_BYTES} bytes of strings)."
                ),
            ));
        }
        Ok(())
    }
}

/// Whether a value fits the size budgets: no string past
/// [`MAX_STRING_BYTES`], no more than [`MAX_ELEMENTS`] elements and
/// [`MAX_VALUE_BYTES`] of strings in all.
pub fn check_value(v: &Value) -> Result<(), Diagnostic> {
    if let Kind::String(s) = v.kind()
        && s.len() > MAX_STRING_BYTES
    {
        return Err(too_long(s.len()));
    }
    Tally::default().add(v)
}

fn too_long(n: usize) -> Diagnostic {
    exceeded(
        "Value size",
        format!(
            "A string of {n} bytes is longer than the test engine allows ({MAX_STRING_BYTES} bytes)."
        ),
    )
}

fn too_many(n: usize) -> Diagnostic {
    exceeded(
        "Value size",
        format!(
            "A collection of {n} elements is larger than the test engine allows ({MAX_ELEMENTS} elements)."
        ),
    )
}

/// A string of `n` bytes a function is about to build, or why not.
pub fn check_string_len(n: usize) -> Result<(), String> {
    if n > MAX_STRING_BYTES {
        return Err(too_long(n).detail);
    }
    Ok(())
}

/// A collection of `n` elements a function is about to build, or why not.
pub fn check_elements(n: usize) -> Result<(), String> {
    if n > MAX_ELEMENTS {
        return Err(too_many(n).detail);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_ends_when_its_time_is_up() {
        let _g = start_run(Duration::ZERO);
        let hit = (0..=CLOCK_EVERY).any(|_| check_time().is_err());
        assert!(hit);
        assert!(check_time().is_err(), "expiry is sticky");
        let d = breach().unwrap();
        assert_eq!(d.summary, "Run time budget exceeded");
    }

    #[test]
    fn guards_restore_the_outer_budgets() {
        {
            let _g = start_run(Duration::ZERO);
            let _ = count_instances("x", MAX_INSTANCES + 1);
            assert!(breach().is_some());
        }
        assert!(breach().is_none());
        let _g = start_run(Duration::from_secs(60));
        assert!(count_instances("aws_x.a", 10).is_ok());
        assert!(count_instances("aws_x.b", MAX_INSTANCES + 1).is_err());
    }
}
