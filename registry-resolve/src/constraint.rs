//! Version constraints with hashicorp/go-version's grammar and semantics,
//! which Terraform and OpenTofu use for module `version` arguments.
//!
//! - Operators `=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`; no operator means `=`;
//!   a comma means AND; whitespace around operators and versions is allowed.
//! - `~> 1.2` is `>= 1.2, < 2.0`; `~> 1.2.0` is `>= 1.2.0, < 1.3.0`; `~> 1`
//!   is `>= 1.0.0` with **no upper bound**, as go-version does today (its
//!   open issue #162), so we match the real client.
//! - Range operators never match a prerelease unless the constraint names a
//!   prerelease of the same numeric version; `=` and `!=` apply no prerelease rule.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;
use registry_core::{Error, Result, VERSION_REGEXP_RAW, Version};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=` or no operator.
    Equal,
    /// `!=`.
    NotEqual,
    /// `>`.
    Greater,
    /// `>=`.
    GreaterEqual,
    /// `<`.
    Less,
    /// `<=`.
    LessEqual,
    /// `~>`.
    Pessimistic,
}

impl Operator {
    fn parse(s: &str) -> Operator {
        match s {
            "!=" => Operator::NotEqual,
            ">" => Operator::Greater,
            ">=" => Operator::GreaterEqual,
            "<" => Operator::Less,
            "<=" => Operator::LessEqual,
            "~>" => Operator::Pessimistic,
            _ => Operator::Equal,
        }
    }
}

// Go's `\s` is `[\t\n\f\r ]`; Rust's is wider, so spell it out.
static CONSTRAINT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^[\t\n\f\r ]*(<=|>=|!=|~>|<|>|=|)[\t\n\f\r ]*({VERSION_REGEXP_RAW})[\t\n\f\r ]*$"
    ))
    .expect("valid constraint regex")
});

/// One `<op> <version>` term.
#[derive(Debug, Clone)]
pub struct Constraint {
    op: Operator,
    check: Version,
    original: String,
    /// For a release (not prerelease) check version that packs: the packed
    /// range `[lo, hi)` a packed release version must fall in, and whether
    /// the answer is negated (`!=`). Prereleases never match such a term
    /// (except `!=`, which they always match).
    fast: Option<(u64, u64, bool)>,
}

/// The packed range a term accepts, when it can be put that way.
fn fast_range(op: Operator, c: &Version) -> Option<(u64, u64, bool)> {
    if c.is_prerelease() {
        return None;
    }
    let p = c.packed()?;
    Some(match op {
        Operator::Equal => (p, p + 1, false),
        Operator::NotEqual => (p, p + 1, true),
        Operator::Greater => (p + 1, u64::MAX, false),
        Operator::GreaterEqual => (p, u64::MAX, false),
        Operator::Less => (0, p, false),
        Operator::LessEqual => (0, p + 1, false),
        Operator::Pessimistic => {
            // The first `specified - 1` segments stay fixed: the bound is the
            // next value of the last fixed one (`~> 1` has no upper bound).
            let spec = c.specified_segments();
            if spec > 3 {
                return None;
            }
            let hi = if spec <= 1 {
                u64::MAX
            } else {
                let mut upper = c.segments()[..3].to_vec();
                upper[spec - 2] += 1;
                for s in &mut upper[spec - 1..] {
                    *s = 0;
                }
                registry_core::pack_segments(&upper)?
            };
            (p, hi, false)
        }
    })
}

impl Constraint {
    /// Parse one term (go-version's `parseSingle`).
    pub fn parse(s: &str) -> Result<Self> {
        let caps = CONSTRAINT_RE
            .captures(s)
            .ok_or_else(|| Error::invalid_input(format!("malformed constraint: {s:?}")))?;
        let op = Operator::parse(caps.get(1).map_or("", |m| m.as_str()));
        let check = Version::parse(caps.get(2).map_or("", |m| m.as_str())).map_err(|e| {
            Error::invalid_input(format!("malformed constraint: {s:?}: {}", e.message()))
        })?;
        Ok(Constraint {
            fast: fast_range(op, &check),
            op,
            check,
            original: s.to_string(),
        })
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.op
    }

    /// The version the operator compares against.
    pub fn version(&self) -> &Version {
        &self.check
    }

    /// Whether the term names a prerelease.
    pub fn is_prerelease(&self) -> bool {
        self.check.is_prerelease()
    }

    /// Whether `v` satisfies the term.
    #[inline]
    pub fn matches(&self, v: &Version) -> bool {
        if let (Some((lo, hi, negate)), Some(p)) = (self.fast, v.packed()) {
            let inside = !v.is_prerelease() && lo <= p && p < hi;
            return inside != negate;
        }
        self.matches_slow(v)
    }

    /// go-version's check, term by term, without the packed fast path.
    fn matches_slow(&self, v: &Version) -> bool {
        let c = &self.check;
        match self.op {
            Operator::Equal => v.go_cmp(c) == Ordering::Equal,
            Operator::NotEqual => v.go_cmp(c) != Ordering::Equal,
            Operator::Greater => prerelease_check(v, c) && v.go_cmp(c) == Ordering::Greater,
            Operator::Less => prerelease_check(v, c) && v.go_cmp(c) == Ordering::Less,
            Operator::GreaterEqual => prerelease_check(v, c) && v.go_cmp(c) != Ordering::Less,
            Operator::LessEqual => prerelease_check(v, c) && v.go_cmp(c) != Ordering::Greater,
            Operator::Pessimistic => pessimistic(v, c),
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

/// go-version's `prereleaseCheck`.
fn prerelease_check(v: &Version, c: &Version) -> bool {
    match (v.is_prerelease(), c.is_prerelease()) {
        // A prerelease constraint matches prereleases only on the same segments.
        (true, true) => v.segments() == c.segments(),
        // A release constraint never matches a prerelease.
        (true, false) => false,
        _ => true,
    }
}

/// go-version's `constraintPessimistic`.
fn pessimistic(v: &Version, c: &Version) -> bool {
    if !prerelease_check(v, c) || (c.is_prerelease() && !v.is_prerelease()) {
        return false;
    }
    if v.go_cmp(c) == Ordering::Less {
        return false;
    }
    let (vs, cs) = (v.segments(), c.segments());
    if cs.len() > vs.len() {
        return false;
    }
    for i in 0..c.specified_segments().saturating_sub(1) {
        if vs[i] != cs[i] {
            return false;
        }
    }
    cs[cs.len() - 1] <= vs[cs.len() - 1]
}

/// A set of terms that must all hold (`>= 1.2, < 2.0`).
///
/// ```
/// use registry_resolve::Constraints;
/// let c: Constraints = "~> 1.2".parse().unwrap();
/// assert!(c.matches(&"1.9.3".parse().unwrap()));
/// assert!(!c.matches(&"2.0.0".parse().unwrap()));
/// assert!(!c.matches(&"1.3.0-beta".parse().unwrap()));
/// ```
#[derive(Debug, Clone)]
pub struct Constraints {
    terms: Vec<Constraint>,
}

impl Constraints {
    /// Parse a comma-separated constraint string (go-version's `NewConstraint`).
    pub fn parse(s: &str) -> Result<Self> {
        let terms = s
            .split(',')
            .map(Constraint::parse)
            .collect::<Result<Vec<_>>>()?;
        Ok(Constraints { terms })
    }

    /// No constraint: everything matches (a module call without `version`).
    pub fn any() -> Self {
        Constraints { terms: Vec::new() }
    }

    /// The terms.
    pub fn terms(&self) -> &[Constraint] {
        &self.terms
    }

    /// Whether every term holds for `v`.
    pub fn matches(&self, v: &Version) -> bool {
        self.terms.iter().all(|t| t.matches(v))
    }
}

impl fmt::Display for Constraints {
    /// go-version's `String()`: the original terms joined by `,`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = self.terms.iter().map(|t| t.original.as_str()).collect();
        f.write_str(&parts.join(","))
    }
}

impl FromStr for Constraints {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Constraints::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packed_fast_path_agrees_with_go_versions_rules() {
        let versions: Vec<Version> = [
            "0.0.0",
            "0.0.1",
            "0.1.0",
            "1.0.0",
            "1.0",
            "1",
            "v1.2",
            "1.2.0",
            "1.2.2",
            "1.2.3",
            "1.2.4",
            "1.2.9",
            "1.3.0",
            "1.9.9",
            "2.0.0",
            "2.0.1",
            "10.20.30",
            "1.2.3-beta",
            "1.2.3-beta.2",
            "1.3.0-rc1",
            "2.0.0-alpha",
            "1.2.3+build",
            "1.2.3.4",
            "1.2.3.0",
            "2097151.0.0",
            "2097152.0.0",
            "1.2097152.0",
        ]
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
        let mut fast_terms = 0;
        for op in ["=", "!=", ">", ">=", "<", "<=", "~>"] {
            for c in [
                "0",
                "1",
                "1.2",
                "1.2.3",
                "1.2.0",
                "0.0.0",
                "2",
                "1.2.3-beta",
                "1.2.3.4",
                "2097151.0.0",
                "2097151.2097151",
                "1.2097151",
                "2097152",
            ] {
                let term = Constraint::parse(&format!("{op} {c}")).unwrap();
                fast_terms += usize::from(term.fast.is_some());
                for v in &versions {
                    assert_eq!(
                        term.matches(v),
                        term.matches_slow(v),
                        "{op} {c} against {v}"
                    );
                }
            }
        }
        assert!(
            fast_terms > 50,
            "the fast path is taken ({fast_terms} terms)"
        );
    }

    fn check(c: &str, v: &str) -> bool {
        Constraints::parse(c)
            .unwrap_or_else(|e| panic!("{c}: {e}"))
            .matches(&Version::parse(v).unwrap_or_else(|e| panic!("{v}: {e}")))
    }

    #[test]
    fn go_version_new_constraint_table() {
        for (input, count, err) in [
            (">= 1.2", 1, false),
            ("1.0", 1, false),
            (">= 1.x", 0, true),
            (">= 1.2, < 1.0", 2, false),
            ("11387778780781445675529500000000000000000", 0, true),
        ] {
            match Constraints::parse(input) {
                Ok(c) => {
                    assert!(!err, "{input} should fail");
                    assert_eq!(c.terms().len(), count, "{input}");
                }
                Err(_) => assert!(err, "{input} should parse"),
            }
        }
        for bad in [
            "",
            "1.0,",
            "> = 1.0",
            "=> 1.0",
            "~ 1.0",
            "1.0 || 2.0",
            "^1.0",
        ] {
            assert!(Constraints::parse(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn go_version_constraint_check_table() {
        let table = [
            (">= 1.0, < 1.2", "1.1.5", true),
            ("< 1.0, < 1.2", "1.1.5", false),
            ("= 1.0", "1.1.5", false),
            ("= 1.0", "1.0.0", true),
            ("1.0", "1.0.0", true),
            ("~> 1.0", "2.0", false),
            ("~> 1.0", "1.1", true),
            ("~> 1.0", "1.2.3", true),
            ("~> 1.0.0", "1.2.3", false),
            ("~> 1.0.0", "1.0.7", true),
            ("~> 1.0.0", "1.1.0", false),
            ("~> 1.0.7", "1.0.4", false),
            ("~> 1.0.7", "1.0.7", true),
            ("~> 1.0.7", "1.0.8", true),
            ("~> 1.0.7", "1.0.7.5", true),
            ("~> 1.0.7", "1.0.6.99", false),
            ("~> 1.0.7", "1.0.8.0", true),
            ("~> 1.0.9.5", "1.0.9.5", true),
            ("~> 1.0.9.5", "1.0.9.4", false),
            ("~> 1.0.9.5", "1.0.9.6", true),
            ("~> 1.0.9.5", "1.0.9.5.0", true),
            ("~> 1.0.9.5", "1.0.9.5.1", true),
            ("~> 2.0", "2.1.0-beta", false),
            ("~> 2.1.0-a", "2.2.0", false),
            ("~> 2.1.0-a", "2.1.0", false),
            ("~> 2.1.0-a", "2.1.0-beta", true),
            ("~> 2.1.0-a", "2.2.0-alpha", false),
            ("> 2.0", "2.1.0-beta", false),
            (">= 2.1.0-a", "2.1.0-beta", true),
            (">= 2.1.0-a", "2.1.1-beta", false),
            (">= 2.0.0", "2.1.0-beta", false),
            (">= 2.1.0-a", "2.1.1", true),
            (">= 2.1.0-a", "2.1.1-beta", false),
            (">= 2.1.0-a", "2.1.0", true),
            ("<= 2.1.0-a", "2.0.0", true),
        ];
        for (c, v, want) in table {
            assert_eq!(check(c, v), want, "{c} vs {v}");
        }
    }

    #[test]
    fn quirks_derived_from_go_version_code() {
        // go-version issue #162: `~> 1` has no upper bound in today's clients.
        assert!(check("~> 1", "2.0.0"));
        assert!(check("~> 18", "19.0.0"));
        assert!(check("~> 1", "1.9"));
        assert!(!check("~> 1", "0.9.0"));
        assert!(!check("~> 1.0.9.5", "1.0.10"));
        assert!(check("!= 1.0", "1.1.0-beta"));
        assert!(check("= 1.0.0-beta", "1.0.0-beta+meta"));
        assert!(!check(">= 1.0.0.0-a", "1.0.0-b"));
        assert!(check(" >=1.0 ,<2 ", "1.5.0"));
        assert!(check("v1.2.0", "1.2"));
        assert!(check("=1.2", "1.2.0"));
    }

    #[test]
    fn prerelease_flag_and_display() {
        for (c, pre) in [
            ("= 1.0", false),
            ("= 1.0-beta", true),
            ("~> 2.1.0", false),
            ("~> 2.1.0-dev", true),
            ("> 2.0", false),
            (">= 2.1.0-a", true),
        ] {
            assert_eq!(Constraint::parse(c).unwrap().is_prerelease(), pre, "{c}");
        }
        for s in [">= 1.0, < 1.2", "~> 1.0.7"] {
            assert_eq!(Constraints::parse(s).unwrap().to_string(), s);
        }
    }
}
