//! Whether a version constraint still admits every version an older one
//! did (a provider's `version`, `required_version`).
//!
//! Constraints are unions of intervals whose ends are the versions they
//! name (and those `~>` implies: the next minor or major). Between two
//! neighbouring ends every release is admitted alike, so testing each end,
//! the release right after it (the next patch), `0.0.0` and a version past
//! them all decides the question exactly for releases (prereleases are
//! left out, as constraints rarely admit them).

use registry_core::Version;
use registry_resolve::Constraints;

/// The lowest release `old` admits and `new` does not, if any (`None` for
/// either side: no constraint, so any version). A constraint that does not
/// parse compares as written only: `None`.
pub fn lost_version(old: Option<&str>, new: Option<&str>) -> Option<String> {
    let parse = |c: Option<&str>| match c {
        None => Some(Constraints::any()),
        Some(s) => Constraints::parse(s).ok(),
    };
    let (old_c, new_c) = (parse(old)?, parse(new)?);
    let mut samples: Vec<[i64; 3]> = vec![[0, 0, 0]];
    for c in [&old_c, &new_c] {
        for t in c.terms() {
            let s = t.version().segments();
            let (a, b, p) = (
                s[0],
                s.get(1).copied().unwrap_or(0),
                s.get(2).copied().unwrap_or(0),
            );
            for v in [[a, b, p], [a, b + 1, 0], [a + 1, 0, 0]] {
                samples.push(v);
                samples.push([v[0], v[1], v[2] + 1]);
            }
        }
    }
    let top = samples.iter().map(|s| s[0]).max().unwrap_or(0) + 1;
    samples.push([top, 0, 0]);
    samples.sort();
    samples.dedup();
    samples.into_iter().find_map(|[a, b, p]| {
        let text = format!("{a}.{b}.{p}");
        let v = Version::parse(&text).ok()?;
        (old_c.matches(&v) && !new_c.matches(&v)).then_some(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_names_a_version_and_widening_is_none() {
        assert_eq!(
            lost_version(Some(">= 4.0"), Some(">= 5.0")).as_deref(),
            Some("4.0.0")
        );
        assert_eq!(
            lost_version(Some("~> 4.0"), Some("~> 4.2")).as_deref(),
            Some("4.0.0")
        );
        assert_eq!(lost_version(Some("~> 4.2"), Some(">= 4.0, < 6.0")), None);
        assert_eq!(
            lost_version(Some(">= 1.0"), None),
            None,
            "no constraint admits all"
        );
        assert_eq!(lost_version(None, Some(">= 1.3")).as_deref(), Some("0.0.0"));
        assert_eq!(
            lost_version(Some(">= 1.0, < 2.0"), Some(">= 1.0, < 1.5")).as_deref(),
            Some("1.5.0")
        );
        assert_eq!(lost_version(Some("= 1.2.3"), Some("~> 1.2.0")), None);
        assert_eq!(
            lost_version(Some(">= 1.0"), Some(">= 1.0, != 1.4.2")).as_deref(),
            Some("1.4.2")
        );
        assert_eq!(lost_version(Some(">= 1.0"), Some("not a constraint")), None);
    }
}
