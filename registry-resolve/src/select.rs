//! Terraform's choice of a module version (`internal/initwd/module_install.go`).
//!
//! 1. Versions the client cannot parse are skipped with a warning.
//! 2. A prerelease is considered only when the constraint is a single exact
//!    selection of it (`1.0.0-beta` or `=1.0.0-beta`: no comma, no `v`, no
//!    space after `=`, build metadata equal), as current Terraform decides
//!    through apparentlymart/go-versions; and it must also satisfy the constraint.
//! 3. The newest matching version wins; among versions that compare equal the
//!    first listed wins (Terraform updates only on a strictly greater version).
//!
//! Differences between clients, documented rather than modelled:
//! - Terraform before 1.3.6 (and 0.12–1.3.5) accepted a prerelease only when
//!   the raw constraint text equalled the normalised version (`0.0.3-alpha.1`
//!   worked, `=0.0.3-alpha.1` did not). We follow current Terraform.
//! - OpenTofu retries a constraint with `v` prefixes removed, so it also
//!   accepts `v0.0.3-alpha.1` and `=v0.0.3-alpha.1` for a prerelease;
//!   Terraform (and we) skip the prerelease there.

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;
use registry_core::{Error, ErrorKind, Result, Version};

use crate::constraint::Constraints;

/// What selection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Index of the chosen version in the input list.
    pub index: usize,
    /// Warnings about skipped versions, one line each.
    pub warnings: Vec<String>,
}

/// Why nothing was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoMatch {
    /// The constraint itself is malformed.
    InvalidConstraint {
        /// Why.
        reason: String,
    },
    /// No listed version could be used at all.
    NoVersions {
        /// Warnings about skipped versions.
        warnings: Vec<String>,
    },
    /// Versions exist, none matches.
    Unresolvable {
        /// The newest version that was considered.
        newest: String,
        /// Warnings about skipped versions.
        warnings: Vec<String>,
    },
}

impl NoMatch {
    /// The warnings gathered before giving up.
    pub fn warnings(&self) -> &[String] {
        match self {
            NoMatch::InvalidConstraint { .. } => &[],
            NoMatch::NoVersions { warnings } | NoMatch::Unresolvable { warnings, .. } => warnings,
        }
    }

    /// As a registry error.
    pub fn into_error(self, constraint: &str) -> Error {
        match self {
            NoMatch::InvalidConstraint { reason } => Error::invalid_input(reason),
            NoMatch::NoVersions { .. } => {
                Error::new(ErrorKind::NotFound, "the module has no versions available")
            }
            NoMatch::Unresolvable { newest, .. } => Error::new(
                ErrorKind::NotFound,
                format!(
                    "there is no available version which matches the given version constraint {constraint:?}; the newest available version is {newest}"
                ),
            ),
        }
    }
}

static EXACT_SELECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^=?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$",
    )
    .expect("valid regex")
});

/// Whether Terraform would consider prerelease `v` for `constraint` (its
/// `Constraints.String()`): only a single exact selection naming it.
pub fn prerelease_requested_exactly(constraint: &str, v: &Version) -> bool {
    let s = constraint.trim();
    let Some(c) = EXACT_SELECTION.captures(s) else {
        return false;
    };
    if v.segments().len() != 3 {
        return false;
    }
    let num = |i: usize| -> Option<i64> {
        match c.get(i) {
            None => Some(0),
            Some(m) => m.as_str().parse().ok(),
        }
    };
    let segs = [num(1), num(2), num(3)];
    let pre = c.get(4).map_or("", |m| m.as_str());
    let meta = c.get(5).map_or("", |m| m.as_str());
    segs.iter().zip(v.segments()).all(|(a, b)| *a == Some(*b))
        && pre == v.prerelease()
        && meta == v.metadata()
}

/// Choose among `available` (in the registry's order) as Terraform would for
/// `constraint` (`None`: the module call has no `version` argument).
///
/// ```
/// use registry_resolve::select;
/// let list = ["1.0.0", "1.2.0", "2.0.0", "1.3.0-beta", "not-a-version"];
/// let s = select(Some("~> 1.0"), &list).unwrap();
/// assert_eq!(list[s.index], "1.2.0");
/// assert_eq!(s.warnings.len(), 1);
/// let s = select(Some("=1.3.0-beta"), &list).unwrap();
/// assert_eq!(list[s.index], "1.3.0-beta");
/// ```
pub fn select<S: AsRef<str>>(
    constraint: Option<&str>,
    available: &[S],
) -> std::result::Result<Selection, NoMatch> {
    let constraints = match constraint {
        Some(c) => match Constraints::parse(c) {
            Ok(c) => c,
            Err(e) => {
                return Err(NoMatch::InvalidConstraint {
                    reason: e.message().to_string(),
                });
            }
        },
        None => Constraints::any(),
    };
    select_parsed(&constraints, available)
}

/// [`select`] with an already parsed constraint.
pub fn select_parsed<S: AsRef<str>>(
    constraints: &Constraints,
    available: &[S],
) -> std::result::Result<Selection, NoMatch> {
    let text = constraints.to_string();
    let mut warnings = Vec::new();
    let mut newest: Option<Version> = None;
    let mut best: Option<(usize, Version)> = None;
    for (i, raw) in available.iter().enumerate() {
        let raw = raw.as_ref();
        let v = match Version::parse(raw) {
            Ok(v) => v,
            Err(_) => {
                warnings.push(format!("ignoring invalid version string {raw:?}"));
                continue;
            }
        };
        if v.is_prerelease() && !prerelease_requested_exactly(&text, &v) {
            continue;
        }
        if newest
            .as_ref()
            .is_none_or(|n| v.go_cmp(n) == Ordering::Greater)
        {
            newest = Some(v.clone());
        }
        if constraints.matches(&v)
            && best
                .as_ref()
                .is_none_or(|(_, b)| v.go_cmp(b) == Ordering::Greater)
        {
            best = Some((i, v));
        }
    }
    match (best, newest) {
        (Some((index, _)), _) => Ok(Selection { index, warnings }),
        (None, Some(n)) => Err(NoMatch::Unresolvable {
            newest: n.canonical(),
            warnings,
        }),
        (None, None) => Err(NoMatch::NoVersions { warnings }),
    }
}

/// Parse a constraint, mapping failure to `InvalidInput`.
pub fn parse_constraint(s: &str) -> Result<Constraints> {
    Constraints::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick<'a>(c: Option<&str>, list: &[&'a str]) -> Option<&'a str> {
        select(c, list).ok().map(|s| list[s.index])
    }

    #[test]
    fn terraform_prerelease_fixtures() {
        // hashicorp/terraform internal/initwd/testdata and OpenTofu's table:
        // registry has 0.0.3-alpha.1, 0.0.2, 0.0.1.
        let list = ["0.0.3-alpha.1", "0.0.2", "0.0.1"];
        assert_eq!(pick(Some("0.0.3-alpha.1"), &list), Some("0.0.3-alpha.1"));
        assert_eq!(pick(Some("=0.0.3-alpha.1"), &list), Some("0.0.3-alpha.1"));
        assert_eq!(pick(Some(" =0.0.3-alpha.1 "), &list), Some("0.0.3-alpha.1"));
        assert_eq!(pick(Some("<=0.0.3-alpha.1"), &list), Some("0.0.2"));
        assert_eq!(pick(Some("<=v0.0.3-alpha.1"), &list), Some("0.0.2"));
        assert_eq!(pick(Some("0.0.3-alpha.1, >=0.0.2"), &list), None);
        assert_eq!(pick(Some(">=0.0.3-alpha.1"), &list), None);
        assert_eq!(pick(Some(">=v0.0.3-alpha.1"), &list), None);
        // Terraform (unlike OpenTofu) does not strip a `v` for prereleases.
        assert_eq!(pick(Some("v0.0.3-alpha.1"), &list), None);
        assert_eq!(pick(Some("=v0.0.3-alpha.1"), &list), None);
        assert_eq!(
            pick(Some("= 0.0.3-alpha.1"), &list),
            None,
            "space after = refused by the canonical parser"
        );
        assert_eq!(
            pick(None, &list),
            Some("0.0.2"),
            "no version argument: newest release"
        );
    }

    #[test]
    fn newest_match_first_listed_among_equals() {
        let list = ["1.0.0", "v1.2", "1.2.0", "1.2.0+build", "1.1.9"];
        assert_eq!(pick(Some(">= 1.0"), &list), Some("v1.2"));
        let list = ["1.2.0+b", "1.2.0"];
        assert_eq!(pick(Some("1.2.0"), &list), Some("1.2.0+b"));
    }

    #[test]
    fn unparseable_versions_are_skipped_with_a_warning() {
        let s = select(Some("~> 1.0"), &["nope", "1.0.0", "1.x"]).unwrap();
        assert_eq!(s.index, 1);
        assert_eq!(s.warnings.len(), 2);
        assert!(s.warnings[0].contains("nope"));
    }

    #[test]
    fn failures_name_the_newest_version() {
        match select(Some("~> 3.0"), &["1.0.0", "2.1.0", "2.5.0-rc1"]) {
            Err(NoMatch::Unresolvable { newest, .. }) => assert_eq!(newest, "2.1.0"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            select(Some("1.0"), &["x"]),
            Err(NoMatch::NoVersions { .. })
        ));
        assert!(matches!(
            select(Some(">= 1.x"), &["1.0.0"]),
            Err(NoMatch::InvalidConstraint { .. })
        ));
        let empty: [&str; 0] = [];
        assert!(matches!(
            select(None, &empty),
            Err(NoMatch::NoVersions { .. })
        ));
    }

    #[test]
    fn pessimistic_major_only_has_no_upper_bound_like_terraform() {
        assert_eq!(pick(Some("~> 1"), &["1.5.0", "2.3.0"]), Some("2.3.0"));
    }
}
