//! Versions as Terraform reads them: the grammar of hashicorp/go-version.
//!
//! Any number of numeric segments (`1`, `1.2`, `1.2.3.4`), an optional leading
//! `v`, a prerelease (`-beta.1`, or `rc2` directly after the numbers as in
//! `1.7rc2`) and build metadata (`+build.5`). The original text is kept.
//!
//! Two comparisons are offered:
//! - [`Version::go_cmp`] is a faithful port of go-version's `Compare`, quirks
//!   included; constraint checks use it so they decide exactly as Terraform.
//! - [`Ord`] is a total order that agrees with `go_cmp` everywhere go-version
//!   itself is consistent. The two differ only where go-version is not a total
//!   order: versions with a different number of segments *and* a prerelease
//!   (go-version ignores the prerelease there, so `1.2.0.0-beta == 1.2.0`), and
//!   numeric prerelease parts with leading zeros (`01` vs `1`, where go-version
//!   says each is lower than the other), and a prerelease that runs out before
//!   another (go-version puts `alpha` above `alpha.beta` but below `alpha.0`,
//!   while `alpha.0` is below `alpha.beta`: a cycle). `Ord` compares the
//!   prerelease in the first case, falls back to the text in the second, and
//!   in the third puts the shorter prerelease first, as SemVer does.
//!   Equality, hashing and [`Version::key`] follow `Ord`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// go-version's `VersionRegexpRaw`, verbatim.
pub const VERSION_REGEXP_RAW: &str = concat!(
    r"v?([0-9]+(\.[0-9]+)*?)",
    r"(-([0-9]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)|(-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)))?",
    r"(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))?",
    r"?",
);

static VERSION_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{VERSION_REGEXP_RAW}$")).expect("valid regex"));

/// A module version in Terraform's (go-version's) grammar.
///
/// ```
/// use registry_core::Version;
/// let v: Version = "v1.2".parse().unwrap();
/// assert_eq!(v.as_str(), "v1.2");          // the original text is kept
/// assert_eq!(v.canonical(), "1.2.0");      // go-version's String()
/// assert_eq!(v, "1.2.0+build".parse::<Version>().unwrap());
/// assert!("1.7rc2".parse::<Version>().unwrap().is_prerelease());
/// assert!("1.2.3.4".parse::<Version>().unwrap() > "1.2.3".parse().unwrap());
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Version {
    original: String,
    segments: Vec<i64>,
    specified: usize,
    pre: String,
    metadata: String,
    /// The three segments packed into one integer for fast comparison, or
    /// [`NOT_PACKED`] when there are more than three or one is too large.
    packed: u64,
}

/// [`Version::packed`] of a version whose segments do not pack.
const NOT_PACKED: u64 = u64::MAX;
const PACK_BITS: u32 = 21;

/// Three segments, each below 2^21, as one integer ordered like the segments.
fn pack(segments: &[i64]) -> u64 {
    match segments {
        [a, b, c] if [a, b, c].iter().all(|s| (0..1 << PACK_BITS).contains(*s)) => {
            ((*a as u64) << (2 * PACK_BITS)) | ((*b as u64) << PACK_BITS) | *c as u64
        }
        _ => NOT_PACKED,
    }
}

/// Pack three segments (for callers precomputing bounds); `None` when they do not fit.
pub fn pack_segments(segments: &[i64]) -> Option<u64> {
    let p = pack(segments);
    (p != NOT_PACKED).then_some(p)
}

impl Version {
    /// Parse a version as go-version's `NewVersion` does.
    pub fn parse(s: &str) -> Result<Self> {
        let caps = VERSION_RE
            .captures(s)
            .ok_or_else(|| Error::invalid_input(format!("malformed version: {s:?}")))?;
        let numbers = caps.get(1).map_or("", |m| m.as_str());
        let mut segments = Vec::new();
        for part in numbers.split('.') {
            let n: i64 = part.parse().map_err(|e| {
                Error::invalid_input(format!("malformed version: {s:?}: segment {part:?}: {e}"))
            })?;
            segments.push(n);
        }
        let specified = segments.len();
        while segments.len() < 3 {
            segments.push(0);
        }
        let mut pre = caps.get(7).map_or("", |m| m.as_str());
        if pre.is_empty() {
            pre = caps.get(4).map_or("", |m| m.as_str());
        }
        let metadata = caps.get(10).map_or("", |m| m.as_str());
        Ok(Version {
            original: s.to_string(),
            packed: pack(&segments),
            segments,
            specified,
            pre: pre.to_string(),
            metadata: metadata.to_string(),
        })
    }

    /// The text the version was parsed from, unchanged.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The segments packed into one integer that orders like them (each
    /// segment below 2^21, exactly three after padding), if they fit.
    #[inline]
    pub fn packed(&self) -> Option<u64> {
        (self.packed != NOT_PACKED).then_some(self.packed)
    }

    /// The numeric segments, padded with zeros to at least three.
    pub fn segments(&self) -> &[i64] {
        &self.segments
    }

    /// How many numeric segments the text actually had (go-version's `si`),
    /// which `~>` uses to decide what may vary.
    pub fn specified_segments(&self) -> usize {
        self.specified
    }

    /// The prerelease part without its leading `-` (empty when none).
    pub fn prerelease(&self) -> &str {
        &self.pre
    }

    /// The build metadata without its leading `+` (empty when none).
    pub fn metadata(&self) -> &str {
        &self.metadata
    }

    /// Whether the version has a prerelease part.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// Whether `newer` opens a new major series after this version, where
    /// semantic versioning lets the API break: a new major, or for `0.x`
    /// a new minor.
    ///
    /// ```
    /// use registry_core::Version;
    /// let v = |s| Version::parse(s).unwrap();
    /// assert!(v("1.4.0").opens_new_major(&v("2.0.0")));
    /// assert!(!v("1.4.0").opens_new_major(&v("1.5.0")));
    /// assert!(v("0.3.1").opens_new_major(&v("0.4.0")));
    /// ```
    pub fn opens_new_major(&self, newer: &Version) -> bool {
        let (o, n) = (self.segments(), newer.segments());
        n[0] != o[0] || (o[0] == 0 && n[1] != o[1])
    }

    /// go-version's `String()`: padded segments, `-pre`, `+metadata`.
    pub fn canonical(&self) -> String {
        let mut s = self
            .segments
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(".");
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            s.push('+');
            s.push_str(&self.metadata);
        }
        s
    }

    /// The identity of the version for immutability and lookups: trailing zero
    /// segments dropped, prerelease kept, build metadata dropped. `1.2`,
    /// `1.2.0`, `v1.2.0` and `1.2.0+b` share the key `1.2`.
    pub fn key(&self) -> String {
        let mut end = self.segments.len();
        while end > 1 && self.segments[end - 1] == 0 {
            end -= 1;
        }
        let mut s = self.segments[..end]
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(".");
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        s
    }

    /// go-version's `Compare`, ported faithfully (quirks included).
    ///
    /// go-version first returns 0 when both `String()`s are equal; that case
    /// is covered below (equal segments and equal prereleases), so it is not
    /// rebuilt here.
    #[inline]
    pub fn go_cmp(&self, other: &Version) -> Ordering {
        let same_segments = if self.packed != NOT_PACKED && other.packed != NOT_PACKED {
            if self.packed != other.packed {
                return self.packed.cmp(&other.packed);
            }
            true
        } else {
            self.segments == other.segments
        };
        if same_segments {
            return match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) if self.pre == other.pre => Ordering::Equal,
                (false, false) => go_compare_prereleases(&self.pre, &other.pre),
            };
        }
        compare_segments_padded(&self.segments, &other.segments)
    }
}

/// Compare numeric segments as go-version does for jagged lengths: missing
/// segments count as zero.
#[inline]
fn compare_segments_padded(a: &[i64], b: &[i64]) -> Ordering {
    if a.len() == b.len() {
        return a.cmp(b);
    }
    let n = a.len().max(b.len());
    for i in 0..n {
        let l = a.get(i).copied().unwrap_or(0);
        let r = b.get(i).copied().unwrap_or(0);
        match l.cmp(&r) {
            Ordering::Equal => continue,
            o => return o,
        }
    }
    Ordering::Equal
}

/// go-version's `comparePart`.
fn go_compare_part(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let ai = a.parse::<i64>().ok();
    let bi = b.parse::<i64>().ok();
    if a.is_empty() {
        return if bi.is_some() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    if b.is_empty() {
        return if ai.is_some() {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    match (ai, bi) {
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) if a > b => Ordering::Greater,
        (x, y) if x.unwrap_or(0) > y.unwrap_or(0) => Ordering::Greater,
        _ => Ordering::Less,
    }
}

/// go-version's `comparePrereleases`.
fn go_compare_prereleases(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let ap: Vec<&str> = a.split('.').collect();
    let bp: Vec<&str> = b.split('.').collect();
    for i in 0..ap.len().max(bp.len()) {
        let o = go_compare_part(
            ap.get(i).copied().unwrap_or(""),
            bp.get(i).copied().unwrap_or(""),
        );
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// A total version of `go_compare_part`: numeric parts that are numerically
/// equal but textually different (`01`, `1`) are ordered by their text, and
/// a missing part (the prerelease ran out) is below any other, as in SemVer
/// (go-version's rule for it makes a cycle).
fn total_compare_part(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    match go_compare_part(a, b) {
        Ordering::Less if go_compare_part(b, a) == Ordering::Less => a.cmp(b),
        o => o,
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match compare_segments_padded(&self.segments, &other.segments) {
            Ordering::Equal => {}
            o => return o,
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                if self.pre == other.pre {
                    return Ordering::Equal;
                }
                let ap: Vec<&str> = self.pre.split('.').collect();
                let bp: Vec<&str> = other.pre.split('.').collect();
                for i in 0..ap.len().max(bp.len()) {
                    let o = total_compare_part(
                        ap.get(i).copied().unwrap_or(""),
                        bp.get(i).copied().unwrap_or(""),
                    );
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            }
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // What `key()` holds (trailing zero segments dropped, prerelease kept), without allocating.
        let mut end = self.segments.len();
        while end > 1 && self.segments[end - 1] == 0 {
            end -= 1;
        }
        self.segments[..end].hash(state);
        self.pre.hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({})", self.original)
    }
}

impl FromStr for Version {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Version::parse(s)
    }
}

impl TryFrom<String> for Version {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Version::parse(&s)
    }
}

impl From<Version> for String {
    fn from(v: Version) -> String {
        v.original
    }
}

/// Whether `s` is a valid SemVer 2.0.0 version (no leading `v`, exactly
/// three numeric segments), as the public Terraform Registry requires of
/// published module versions. Checked with the `semver` crate.
pub fn is_strict_semver(s: &str) -> bool {
    semver::Version::parse(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn go_version_valid_and_invalid_inputs() {
        // From go-version's TestNewVersion.
        let ok = [
            "1.2.3",
            "1.0",
            "1",
            "1.2-5",
            "1.2-beta.5",
            "1.2.0-x.Y.0+metadata",
            "1.2.0-x.Y.0+metadata-width-hypen",
            "1.2.3-rc1-with-hypen",
            "1.2.3.4",
            "1.2.0.4-x.Y.0+metadata",
            "1.2.0.4-x.Y.0+metadata-width-hypen",
            "1.2.0-X-1.2.0+metadata~dist",
            "1.2.3.4-rc1-with-hypen",
            "v1.2.3",
            "1.7rc2",
            "v1.7rc2",
            "1.0-",
        ];
        for s in ok {
            assert!(Version::parse(s).is_ok(), "{s:?} should parse");
        }
        let bad = ["", "1.2.beta", "1.21.beta", "foo", "\n1.2", "foo1.2.3"];
        for s in bad {
            assert!(Version::parse(s).is_err(), "{s:?} should not parse");
        }
    }

    #[test]
    fn parts_are_extracted() {
        let x = v("v1.7rc2");
        assert_eq!(x.segments(), &[1, 7, 0]);
        assert_eq!(x.specified_segments(), 2);
        assert_eq!(x.prerelease(), "rc2");
        assert_eq!(x.canonical(), "1.7.0-rc2");
        let y = v("1.2.0-x.Y.0+metadata");
        assert_eq!(y.prerelease(), "x.Y.0");
        assert_eq!(y.metadata(), "metadata");
        assert_eq!(y.as_str(), "1.2.0-x.Y.0+metadata");
        assert_eq!(v("1.0-").prerelease(), "-");
        assert_eq!(v("1.0-").canonical(), "1.0.0--");
    }

    #[test]
    fn go_compare_table() {
        // From go-version's TestVersionCompare.
        let cases = [
            ("1.2.3", "1.4.5", -1),
            ("1.2-beta", "1.2-beta", 0),
            ("1.2", "1.1.4", 1),
            ("1.2", "1.2-beta", 1),
            ("1.2+foo", "1.2+beta", 0),
            ("v1.2", "v1.2-beta", 1),
            ("v1.2+foo", "v1.2+beta", 0),
            ("v1.2.3.4", "v1.2.3.4", 0),
            ("v1.2.0.0", "v1.2", 0),
            ("v1.2.0.0.1", "v1.2", 1),
            ("v1.2", "v1.2.0.0", 0),
            ("v1.2", "v1.2.0.0.1", -1),
            ("v1.2.0.0", "v1.2.0.0.1", -1),
            ("v1.2.3.0", "v1.2.3.4", -1),
            ("1.7rc2", "1.7rc1", 1),
            ("1.7rc2", "1.7", -1),
            ("1.2.0", "1.2.0-X-1.2.0+metadata~dist", 1),
        ];
        for (a, b, want) in cases {
            let got = v(a).go_cmp(&v(b)) as i32;
            assert_eq!(got, want, "{a} vs {b}");
            assert_eq!(v(a).cmp(&v(b)) as i32, want, "Ord {a} vs {b}");
        }
    }

    #[test]
    fn go_compare_prerelease_table() {
        // From go-version's TestVersionCompare_versionAndSemver / TestComparePreReleases.
        let cases = [
            ("1.2-beta.2", "1.2-beta.2", 0),
            ("1.2-beta.1", "1.2-beta.2", -1),
            ("1.2-beta.2", "1.2-beta.11", -1),
            ("3.2-alpha.1", "3.2-alpha", 1),
            ("1.2-beta.2", "1.2-beta.1", 1),
            ("1.2-beta.11", "1.2-beta.2", 1),
            ("1.2-beta", "1.2-beta.3", -1),
            ("1.2-alpha", "1.2-beta.3", -1),
            ("1.2-beta", "1.2-alpha.3", 1),
            ("3.0-alpha.3", "3.0-rc.1", -1),
            ("3.0-alpha3", "3.0-rc1", -1),
            ("3.0-alpha.1", "3.0-alpha.beta", -1),
            ("5.4-alpha", "5.4-alpha.beta", 1),
            ("v1.2-beta.2", "v1.2-beta.2", 0),
            ("v1.2-beta.1", "v1.2-beta.2", -1),
            ("v3.2-alpha.1", "v3.2-alpha", 1),
            ("v3.2-rc.1-1-g123", "v3.2-rc.2", 1),
        ];
        for (a, b, want) in cases {
            assert_eq!(v(a).go_cmp(&v(b)) as i32, want, "{a} vs {b}");
            // The one row where go-version's order is part of a cycle (below).
            if (a, b) != ("5.4-alpha", "5.4-alpha.beta") {
                assert_eq!(v(a).cmp(&v(b)) as i32, want, "Ord {a} vs {b}");
            }
        }
    }

    #[test]
    fn ord_is_total_where_go_version_is_not() {
        // A prerelease that runs out: go-version's `alpha.beta < alpha <
        // alpha.0 < alpha.beta` is a cycle; Ord puts the shorter first.
        assert_eq!(
            v("5.4-alpha").go_cmp(&v("5.4-alpha.beta")),
            Ordering::Greater
        );
        assert_eq!(v("5.4-alpha").go_cmp(&v("5.4-alpha.0")), Ordering::Less);
        assert_eq!(
            v("5.4-alpha.0").go_cmp(&v("5.4-alpha.beta")),
            Ordering::Less
        );
        assert_eq!(v("5.4-alpha").cmp(&v("5.4-alpha.beta")), Ordering::Less);
        // go-version ignores the prerelease when segment counts differ.
        assert_eq!(v("1.2.0.0-beta").go_cmp(&v("1.2.0")), Ordering::Equal);
        assert_eq!(v("1.2.0.0-beta").cmp(&v("1.2.0")), Ordering::Less);
        // go-version says 01 < 1 and 1 < 01.
        assert_eq!(v("1.0.0-01").go_cmp(&v("1.0.0-1")), Ordering::Less);
        assert_eq!(v("1.0.0-1").go_cmp(&v("1.0.0-01")), Ordering::Less);
        assert_eq!(v("1.0.0-01").cmp(&v("1.0.0-1")), Ordering::Less);
        assert_eq!(v("1.0.0-1").cmp(&v("1.0.0-01")), Ordering::Greater);
    }

    #[test]
    fn equal_versions_share_a_key() {
        for s in ["1.2", "1.2.0", "v1.2.0", "1.2.0+build.7", "1.2.0.0"] {
            assert_eq!(v(s).key(), "1.2", "{s}");
            assert_eq!(v(s), v("1.2"));
        }
        assert_eq!(v("0").key(), "0");
        assert_eq!(v("1.0.0-rc.1+x").key(), "1-rc.1");
        assert_ne!(v("1.0.0-rc.1"), v("1.0.0"));
    }

    #[test]
    fn equal_versions_hash_equally() {
        use std::hash::{BuildHasher, RandomState};
        let h = RandomState::new();
        let base = h.hash_one(v("1.2"));
        for s in ["1.2.0", "v1.2.0", "1.2.0+b", "1.2.0.0"] {
            assert_eq!(h.hash_one(v(s)), base, "{s}");
        }
        assert_ne!(h.hash_one(v("1.2.0-rc1")), base);
    }

    #[test]
    fn strict_semver_policy() {
        assert!(is_strict_semver("1.2.3"));
        assert!(is_strict_semver("1.2.3-beta.1+b"));
        assert!(!is_strict_semver("v1.2.3"));
        assert!(!is_strict_semver("1.2"));
        assert!(!is_strict_semver("1.2.3.4"));
        assert!(!is_strict_semver("1.7rc2"));
    }

    #[test]
    fn overflowing_segment_is_an_error() {
        assert!(Version::parse("99999999999999999999.0.0").is_err());
        assert!(Version::parse("9223372036854775807.0.0").is_ok());
    }
}
