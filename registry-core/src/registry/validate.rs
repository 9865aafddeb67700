//! Validation without publishing: what the publish gate's rules find in an
//! archive, for `registry validate` and for callers checking before they
//! publish.

use super::Registry;
use crate::address::ModuleAddress;
use crate::archive::{ArchiveBody, ArchiveInspection, inspect_archive};
use crate::error::{Error, ErrorKind, Problem, Result};
use crate::traits::inspect::ModuleInspection;
use crate::traits::validation::ValidationContext;
use crate::version::Version;

impl Registry {
    /// Every finding of every validation rule on `archive`, as publishing
    /// it at `address` and `version` would see them, whatever their
    /// severity. Nothing is stored and no policy applies; the archive must
    /// still be a readable `.tar.gz` or `.zip` within the archive limits.
    pub async fn validate_archive(
        &self,
        address: &ModuleAddress,
        version: &Version,
        archive: &ArchiveBody,
    ) -> Result<Vec<Problem>> {
        let inspected = inspect_archive(archive, &self.inner.limits).await?;
        let inspection = self.inspect_files(&inspected).await?;
        Ok(self.findings(address, version, &inspected, &inspection))
    }

    /// Parse the archive's files with the configured inspector.
    pub(crate) async fn inspect_files(
        &self,
        archive: &ArchiveInspection,
    ) -> Result<ModuleInspection> {
        let inspector = self.inner.inspector.clone();
        let files = archive.files.clone();
        tokio::task::spawn_blocking(move || inspector.inspect(&files))
            .await
            .map_err(|e| {
                Error::new(ErrorKind::Backend, "module inspection task failed").with_source(e)
            })
    }

    /// What every rule finds.
    pub(crate) fn findings(
        &self,
        address: &ModuleAddress,
        version: &Version,
        archive: &ArchiveInspection,
        inspection: &ModuleInspection,
    ) -> Vec<Problem> {
        let ctx = ValidationContext {
            address,
            version,
            archive,
            summary: &inspection.summary,
            diagnostics: &inspection.diagnostics,
        };
        self.inner
            .rules
            .iter()
            .flat_map(|rule| capped(rule.check(&ctx)))
            .collect()
    }
}

/// The most findings of one rule listed; the rest are counted in one more.
pub const MAX_FINDINGS_PER_RULE: usize = 50;

/// A rule's findings, at most [`MAX_FINDINGS_PER_RULE`] of them listed (the
/// most severe first kept, in their order) and the rest summed up in one,
/// so a module with a hundred thousand findings costs no more to report
/// than one with fifty.
fn capped(mut found: Vec<Problem>) -> Vec<Problem> {
    if found.len() <= MAX_FINDINGS_PER_RULE {
        return found;
    }
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(found[i].severity));
    let mut keep: Vec<usize> = order[..MAX_FINDINGS_PER_RULE].to_vec();
    keep.sort_unstable();
    let dropped = found.len() - MAX_FINDINGS_PER_RULE;
    let worst_dropped = order[MAX_FINDINGS_PER_RULE..]
        .iter()
        .map(|&i| found[i].severity)
        .max()
        .unwrap_or_default();
    let id = found[0].id.clone();
    let mut kept: Vec<Problem> = Vec::with_capacity(MAX_FINDINGS_PER_RULE + 1);
    for (i, p) in found.drain(..).enumerate() {
        if keep.binary_search(&i).is_ok() {
            kept.push(p);
        }
    }
    kept.push(
        Problem::new(
            id,
            format!("{dropped} more findings of this rule are not listed"),
        )
        .with_severity(worst_dropped),
    );
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Severity;

    #[test]
    fn a_rules_findings_are_capped_with_a_count_of_the_rest() {
        let mut found: Vec<Problem> = (0..1000)
            .map(|i| Problem::new("unused", format!("n{i}")).with_severity(Severity::Warning))
            .collect();
        found[900] = Problem::new("unused", "the error").with_severity(Severity::Error);
        let out = capped(found);
        assert_eq!(out.len(), MAX_FINDINGS_PER_RULE + 1);
        assert!(
            out.iter().any(|p| p.message == "the error"),
            "the most severe is kept"
        );
        let last = out.last().unwrap();
        assert_eq!(
            last.message,
            "950 more findings of this rule are not listed"
        );
        assert_eq!(last.severity, Severity::Warning);
        assert_eq!(capped(vec![Problem::new("x", "y")]).len(), 1);
    }
}
