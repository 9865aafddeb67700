//! What a release must not break: the semver guard's check. The registry
//! compares each publish with the highest lower release when its
//! namespace's `semver-guard` policy asks, unless the new version is a new
//! major (for `0.x`, a new minor). `registry-diff` implements this with
//! the module API diff.

use std::fmt::Debug;

use crate::module::ModuleSummary;

/// Finds what a newer module version breaks for callers of an older one.
pub trait CompatibilityCheck: Send + Sync + Debug + 'static {
    /// Each breaking change, in words (`input "region" removed`); empty
    /// when none.
    fn breaking_changes(&self, old: &ModuleSummary, new: &ModuleSummary) -> Vec<String>;
}
