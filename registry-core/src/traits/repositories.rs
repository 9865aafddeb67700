//! Repositories the registry follows: a git remote (and a folder in it)
//! whose tags become versions of one module. The store keeps what was
//! configured, what each tag was published from, each repository's last
//! sync, and a lease so that one process syncs a repository at a time.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::address::ModuleAddress;
use crate::error::{Error, ErrorKind, Result};

/// The tag pattern used when none is given: `v1.2.0` is version `1.2.0`.
pub const DEFAULT_TAG_PATTERN: &str = "v{version}";

/// A tag pattern: literal text around one `{version}` placeholder
/// (`v{version}`, `vpc-v{version}`, `modules/vpc/{version}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagPattern {
    prefix: String,
    suffix: String,
}

impl TagPattern {
    /// Parse a pattern; refused unless it holds `{version}` exactly once,
    /// and no other braces.
    pub fn parse(text: &str) -> Result<Self> {
        let refuse = |why: &str| {
            Error::invalid_input(format!(
                "tag pattern {text:?} {why}; write it as literal text around one {{version}}, e.g. \"v{{version}}\" or \"vpc-v{{version}}\""
            ))
        };
        let Some((prefix, suffix)) = text.split_once("{version}") else {
            return Err(refuse("has no {version}"));
        };
        if suffix.contains("{version}") {
            return Err(refuse("has {version} more than once"));
        }
        if [prefix, suffix].iter().any(|p| p.contains(['{', '}'])) {
            return Err(refuse("has a brace outside {version}"));
        }
        if text.len() > 200 || text.chars().any(|c| c.is_control() || c == ' ') {
            return Err(refuse("is too long or holds spaces or control characters"));
        }
        Ok(TagPattern {
            prefix: prefix.to_string(),
            suffix: suffix.to_string(),
        })
    }

    /// The version text a tag names, if the tag matches.
    pub fn version_of<'t>(&self, tag: &'t str) -> Option<&'t str> {
        let v = tag.strip_prefix(&self.prefix)?.strip_suffix(&self.suffix)?;
        (!v.is_empty()).then_some(v)
    }
}

impl Default for TagPattern {
    fn default() -> Self {
        TagPattern::parse(DEFAULT_TAG_PATTERN).expect("the default pattern parses")
    }
}

impl std::fmt::Display for TagPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{{version}}{}", self.prefix, self.suffix)
    }
}

impl TryFrom<String> for TagPattern {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        TagPattern::parse(&s)
    }
}

impl From<TagPattern> for String {
    fn from(p: TagPattern) -> String {
        p.to_string()
    }
}

/// Check a folder inside a repository: relative, `/`-separated, no `.`,
/// `..` or empty parts (the checkout also refuses one that leads outside
/// through a symbolic link).
pub fn check_repository_path(path: &str) -> Result<()> {
    let bad = path.is_empty()
        || path.len() > 500
        || path.starts_with('/')
        || path.contains('\\')
        || path.chars().any(char::is_control)
        || path
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..");
    if bad {
        return Err(Error::invalid_input(format!(
            "path {path:?} is not a folder inside the repository; give a relative path such as modules/vpc"
        )));
    }
    Ok(())
}

/// What is followed: which remote, which folder, which tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositorySpec {
    /// The module its tags publish.
    pub address: ModuleAddress,
    /// The git remote (`https://…`, `ssh://…`, `git://…`), without
    /// credentials.
    pub remote: String,
    /// The module's folder in the repository; the root when `None`.
    pub path: Option<String>,
    /// Which tags are versions.
    pub tag_pattern: TagPattern,
}

/// How the last syncs went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryStatus {
    /// When a sync last ended (well or not).
    pub last_sync_at: Option<DateTime<Utc>>,
    /// When a sync last ended well.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The commit of the newest tag published or seen.
    pub last_commit: Option<String>,
    /// That tag.
    pub last_tag: Option<String>,
    /// What went wrong in the last sync (a refused tag, an unreachable
    /// remote), if anything.
    pub last_error: Option<String>,
    /// Syncs that failed in a row (0 after a good one).
    pub failures: u32,
}

/// A followed repository: what was configured and how it is going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowedRepository {
    /// What is followed.
    pub spec: RepositorySpec,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// The last syncs.
    pub status: RepositoryStatus,
}

/// One tag published as a version, and what it was published from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryRelease {
    /// The tag.
    pub tag: String,
    /// The commit it pointed at.
    pub commit: String,
    /// The version it became.
    pub version: String,
    /// The published archive's sha256 (packing is deterministic, so the
    /// same tree packs to the same bytes).
    pub sha256: String,
    /// When.
    pub published_at: DateTime<Utc>,
}

/// The error for a repository that is not followed.
pub fn repository_not_found(address: &ModuleAddress) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!("{address} does not follow a repository (add one with `registry repo add`)"),
    )
}

/// Keeps followed repositories, their published tags and their sync leases.
#[async_trait]
pub trait RepositoryStore: Send + Sync + Debug + 'static {
    /// Follow a repository; `sealed_hook_secret` is its webhook secret,
    /// sealed by the caller. `AlreadyExists` when the module follows one.
    async fn add_repository(
        &self,
        repository: &FollowedRepository,
        sealed_hook_secret: &[u8],
    ) -> Result<()>;
    /// The repository a module follows, if any.
    async fn repository(&self, address: &ModuleAddress) -> Result<Option<FollowedRepository>>;
    /// Every followed repository, by address.
    async fn repositories(&self) -> Result<Vec<FollowedRepository>>;
    /// The sealed webhook secret of a module's repository.
    async fn hook_secret(&self, address: &ModuleAddress) -> Result<Option<Vec<u8>>>;
    /// Stop following (the published versions stay); whether it was followed.
    async fn remove_repository(&self, address: &ModuleAddress) -> Result<bool>;
    /// Record how a sync went.
    async fn record_status(&self, address: &ModuleAddress, status: &RepositoryStatus)
    -> Result<()>;
    /// Record a tag published as a version.
    async fn record_release(
        &self,
        address: &ModuleAddress,
        release: &RepositoryRelease,
    ) -> Result<()>;
    /// The tags published from a module's repository, oldest first.
    async fn releases(&self, address: &ModuleAddress) -> Result<Vec<RepositoryRelease>>;
    /// Take the sync lease of a repository for `holder` until `until`,
    /// unless another holder's lease runs past `now`; whether it was taken.
    async fn try_lease(
        &self,
        address: &ModuleAddress,
        holder: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Give the lease back (only `holder`'s).
    async fn release_lease(&self, address: &ModuleAddress, holder: &str) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_patterns_name_versions_and_refuse_odd_forms() {
        let p = TagPattern::default();
        assert_eq!(p.version_of("v1.2.0"), Some("1.2.0"));
        assert_eq!(p.version_of("1.2.0"), None);
        assert_eq!(p.version_of("v"), None);
        let vpc = TagPattern::parse("vpc-v{version}").unwrap();
        assert_eq!(vpc.version_of("vpc-v0.3.1"), Some("0.3.1"));
        assert_eq!(vpc.version_of("v0.3.1"), None);
        assert_eq!(vpc.to_string(), "vpc-v{version}");
        let suffixed = TagPattern::parse("release-{version}-final").unwrap();
        assert_eq!(suffixed.version_of("release-2.0.0-final"), Some("2.0.0"));
        for bad in [
            "v",
            "{version}{version}",
            "v{ver}",
            "{version}}",
            "a b{version}",
        ] {
            assert!(TagPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn repository_paths_stay_inside() {
        assert!(check_repository_path("modules/vpc").is_ok());
        for bad in ["", "/etc", "../x", "a/../b", "a//b", "./a", "a\\b"] {
            assert!(check_repository_path(bad).is_err(), "{bad}");
        }
    }
}
