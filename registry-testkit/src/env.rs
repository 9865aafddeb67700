//! Finding live services for backend tests.
//!
//! A backend suite reads its service URL from an environment variable. When
//! the variable is unset the suite is skipped with a message on stderr,
//! except under `CI=true`, where a missing service is a failure: CI must
//! never pass by testing nothing.

/// Whether we run under CI (`CI=true` or `CI=1`).
pub fn in_ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true") | Ok("1"))
}

/// The value of `var`, or `None` after printing a skip notice. Panics under
/// CI when the variable is unset.
pub fn service_url(var: &str, suite: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if in_ci() => {
            panic!("{suite}: {var} is not set, and CI=true requires this backend to be tested")
        }
        _ => {
            // Written to the process's stderr directly: libtest captures
            // `eprintln!` of passing tests, and a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {suite}: set {var} to run it (CI=true makes this a failure)"
            );
            None
        }
    }
}

/// A name unique to this test run and call, for schemas, buckets and prefixes.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}
