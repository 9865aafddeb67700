//! The publish step of a namespace's `semver-guard` policy: a release that
//! is not a new major (for `0.x`, not a new minor) is compared with the
//! highest lower release (prereleases and yanked versions aside), and what
//! it breaks refuses the publish (`refuse`, 422 with each change listed) or
//! is stored with the version as warnings (`warn`).

use crate::ModuleId;
use crate::error::{Error, ErrorKind, Problem, Result, Severity};
use crate::module::{ModuleRecord, ModuleSummary};
use crate::traits::policy::{NamespacePolicy, SemverGuard};
use crate::version::Version;

use super::Registry;

/// The id of the guard's findings.
pub const RULE: &str = "semver-guard";

impl Registry {
    /// Check `summary` (the version being published as `id`) against the
    /// release before it, as `policy` asks.
    pub(super) async fn semver_guard(
        &self,
        id: &ModuleId,
        summary: &ModuleSummary,
        policy: &NamespacePolicy,
        warnings: &mut Vec<Problem>,
    ) -> Result<()> {
        if policy.semver_guard == SemverGuard::Off || id.version.is_prerelease() {
            return Ok(());
        }
        let records = self.inner.storage.versions(&id.address).await?;
        let Some(previous) = previous_release(&records, &id.version) else {
            return Ok(());
        };
        if previous.version.opens_new_major(&id.version) {
            return Ok(());
        }
        let Some(check) = &self.inner.compatibility else {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "namespace {:?} asks for the semver guard, but this registry has no compatibility check",
                    id.address.namespace()
                ),
            ));
        };
        let breaking = check.breaking_changes(&previous.metadata.summary, summary);
        if breaking.is_empty() {
            return Ok(());
        }
        let next = next_major(&previous.version);
        let problems = breaking.into_iter().map(|change| {
            Problem::new(
                RULE,
                format!(
                    "{change}: a breaking change from {}, which {} may not make",
                    previous.version, id.version
                ),
            )
            .with_hint(format!(
                "publish it as {next} (a new major version), or keep the older API"
            ))
        });
        match policy.semver_guard {
            SemverGuard::Refuse => Err(Error::validation(problems.collect())),
            _ => {
                warnings.extend(problems.map(|p| p.with_severity(Severity::Warning)));
                Ok(())
            }
        }
    }
}

/// The highest release below `version` that is neither a prerelease nor yanked.
fn previous_release<'a>(
    records: &'a [ModuleRecord],
    version: &Version,
) -> Option<&'a ModuleRecord> {
    records
        .iter()
        .filter(|r| {
            r.version < *version
                && !r.version.is_prerelease()
                && r.metadata.lifecycle.yanked.is_none()
        })
        .max_by(|a, b| a.version.cmp(&b.version))
}

/// What to publish a breaking change as.
fn next_major(v: &Version) -> String {
    let s = v.segments();
    if s[0] == 0 {
        format!("0.{}.0", s[1] + 1)
    } else {
        format!("{}.0.0", s[0] + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn new_majors_and_zero_minors_may_break() {
        assert!(v("1.4.0").opens_new_major(&v("2.0.0")));
        assert!(!v("1.4.0").opens_new_major(&v("1.5.0")));
        assert!(v("0.4.2").opens_new_major(&v("0.5.0")));
        assert!(!v("0.4.2").opens_new_major(&v("0.4.3")));
        assert_eq!(next_major(&v("1.4.0")), "2.0.0");
        assert_eq!(next_major(&v("0.4.2")), "0.5.0");
    }
}
