//! Modules, their metadata and lifecycle.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::address::{ModuleAddress, ModuleId};
use crate::archive::{ArchiveBody, ArchiveFormat};
use crate::digest::Sha256Digest;
use crate::version::Version;

/// Why a version is deprecated and what to use instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deprecation {
    /// Why the version should no longer be used.
    pub reason: String,
    /// The version (or module) to move to, if any.
    pub successor: Option<String>,
    /// When the version was deprecated.
    pub at: DateTime<Utc>,
}

/// Why a version was yanked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Yank {
    /// Why the version was withdrawn, if given.
    pub reason: Option<String>,
    /// When the version was yanked.
    pub at: DateTime<Utc>,
}

/// The lifecycle of a published version.
///
/// A deprecated version is still listed and resolvable, and flagged. A yanked
/// version is hidden from version lists and resolution but can still be
/// downloaded by its exact version (for lock files). Both can be undone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// Set while the version is deprecated.
    pub deprecated: Option<Deprecation>,
    /// Set while the version is yanked.
    pub yanked: Option<Yank>,
}

/// The lifecycle state in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LifecycleState {
    /// Listed, resolvable, not flagged.
    Active,
    /// Listed and resolvable, flagged with a reason.
    Deprecated,
    /// Hidden from lists and resolution; downloadable by exact version.
    Yanked,
}

impl Lifecycle {
    /// The state in one word; yanked wins over deprecated.
    pub fn state(&self) -> LifecycleState {
        if self.yanked.is_some() {
            LifecycleState::Yanked
        } else if self.deprecated.is_some() {
            LifecycleState::Deprecated
        } else {
            LifecycleState::Active
        }
    }

    /// Whether the version takes part in version lists and resolution.
    pub fn is_listed(&self) -> bool {
        self.yanked.is_none()
    }
}

/// A change to a version's lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum LifecycleChange {
    /// Flag the version as deprecated.
    Deprecate {
        /// Why.
        reason: String,
        /// What to use instead.
        successor: Option<String>,
    },
    /// Clear the deprecation.
    Undeprecate,
    /// Hide the version from lists and resolution.
    Yank {
        /// Why.
        reason: Option<String>,
    },
    /// Bring a yanked version back.
    Unyank,
}

impl LifecycleChange {
    /// A short verb for audit records and metrics.
    pub fn verb(&self) -> &'static str {
        match self {
            LifecycleChange::Deprecate { .. } => "deprecate",
            LifecycleChange::Undeprecate => "undeprecate",
            LifecycleChange::Yank { .. } => "yank",
            LifecycleChange::Unyank => "unyank",
        }
    }

    /// Apply the change at time `now`. A change that does not apply (undeprecating
    /// an active version, yanking a yanked one) is a `Conflict`.
    pub fn apply(&self, current: &Lifecycle, now: DateTime<Utc>) -> crate::Result<Lifecycle> {
        let conflict = |msg: &str| crate::Error::new(crate::ErrorKind::Conflict, msg.to_string());
        let mut next = current.clone();
        match self {
            LifecycleChange::Deprecate { reason, successor } => {
                if reason.trim().is_empty() {
                    return Err(crate::Error::invalid_input("a deprecation needs a reason"));
                }
                // Deprecating again updates the reason; a successor named
                // before stays unless a new one is given, and so does the date.
                let earlier = next.deprecated.take();
                next.deprecated = Some(Deprecation {
                    reason: reason.clone(),
                    successor: successor
                        .clone()
                        .or_else(|| earlier.as_ref().and_then(|d| d.successor.clone())),
                    at: earlier.map(|d| d.at).unwrap_or(now),
                });
            }
            LifecycleChange::Undeprecate => {
                if next.deprecated.take().is_none() {
                    return Err(conflict("the version is not deprecated"));
                }
            }
            LifecycleChange::Yank { reason } => {
                if next.yanked.is_some() {
                    return Err(conflict("the version is already yanked"));
                }
                next.yanked = Some(Yank {
                    reason: reason.clone(),
                    at: now,
                });
            }
            LifecycleChange::Unyank => {
                if next.yanked.take().is_none() {
                    return Err(conflict("the version is not yanked"));
                }
            }
        }
        Ok(next)
    }
}

/// One input variable of a module.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// Variable name.
    pub name: String,
    /// Type constraint as written in the source (`string`, `list(object({...}))`), if any.
    #[serde(rename = "type")]
    pub type_expr: Option<String>,
    /// Description, if any.
    pub description: Option<String>,
    /// Default value as JSON, if the variable has a default.
    pub default: Option<serde_json::Value>,
    /// Whether a caller must set it (no default).
    pub required: bool,
    /// Whether the value is sensitive.
    pub sensitive: bool,
    /// Its `validation` rules, in source order; `None` in records stored
    /// before they were kept (so a diff does not read them as added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validations: Option<Vec<InputValidation>>,
}

/// A `validation` rule of an input variable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputValidation {
    /// The condition expression as written.
    pub condition: String,
    /// The message shown when the condition fails.
    pub error_message: String,
}

/// One output value of a module.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// Output name.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Whether the value is sensitive.
    pub sensitive: bool,
    /// The value's type where its expression states it (a literal, an
    /// operator, a conversion, an input with a declared type); `None` when
    /// only a plan would know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<String>,
}

/// A provider the module requires.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRequirement {
    /// Local name (`aws`).
    pub name: String,
    /// Source address (`hashicorp/aws`), if given.
    pub source: Option<String>,
    /// Version constraint, if given.
    pub version: Option<String>,
}

/// A module call inside the module (a dependency).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleCall {
    /// The call's label (`module "vpc"` → `vpc`).
    pub name: String,
    /// The `source` argument.
    pub source: String,
    /// The `version` constraint, if any.
    pub version: Option<String>,
}

/// A managed or data resource declared by the module.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// Resource type (`aws_vpc`).
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Resource name (`this`).
    pub name: String,
    /// `managed` or `data`.
    pub mode: String,
}

/// The interface of one module directory (the root, a submodule or an example).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModuleInterface {
    /// Path relative to the module root (`""` for the root, `modules/sub`).
    pub path: String,
    /// Input variables, sorted by name.
    pub inputs: Vec<Input>,
    /// Outputs, sorted by name.
    pub outputs: Vec<Output>,
    /// Required providers.
    pub providers: Vec<ProviderRequirement>,
    /// Module calls.
    pub dependencies: Vec<ModuleCall>,
    /// Resources.
    pub resources: Vec<Resource>,
    /// `required_version`, if set.
    pub required_version: Option<String>,
    /// README text of the directory, if any.
    pub readme: Option<String>,
}

/// What a module offers: the root interface, submodules and examples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModuleSummary {
    /// The root module.
    pub root: ModuleInterface,
    /// Submodules under `modules/`.
    pub submodules: Vec<ModuleInterface>,
    /// Examples under `examples/`.
    pub examples: Vec<ModuleInterface>,
}

/// Everything the registry records about one published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleMetadata {
    /// Short description (from the publish request or the README's first line).
    pub description: Option<String>,
    /// Who published it (token id or user name).
    pub owner: Option<String>,
    /// Where the source lives (a repository URL), if given.
    pub source_url: Option<String>,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// Archive size in bytes.
    pub size: u64,
    /// sha256 of the archive bytes.
    pub sha256: Sha256Digest,
    /// `h1:` hash of the unpacked module tree (Go's dirhash Hash1).
    pub h1: String,
    /// Archive format as stored.
    pub format: ArchiveFormat,
    /// The single top-level folder the archive's files sit under, if any
    /// (source-host tarballs); served as a `//subdir` so Terraform finds the files.
    pub root_dir: Option<String>,
    /// Detached signature (minisign format) over the canonical manifest, if any.
    pub signature: Option<String>,
    /// Inputs, outputs, providers, dependencies, submodules.
    pub summary: ModuleSummary,
    /// Lifecycle state.
    pub lifecycle: Lifecycle,
    /// How many times it was downloaded.
    pub downloads: u64,
    /// What publishing found but let through (validation findings under a
    /// namespace policy of `validation = warn`, warning-severity findings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::error::Problem>,
    /// What the checks on publish found: test results and every validation
    /// finding (none when the namespace policy ran neither).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<crate::traits::test_runner::TestReport>,
    /// Where a mirrored version came from (none for versions published here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirrored: Option<MirrorSource>,
}

/// The provenance of a version mirrored from another registry: fetched
/// once, stored immutably, never fetched again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorSource {
    /// The upstream registry's host (`registry.terraform.io`).
    pub upstream: String,
    /// The URL the archive was fetched from (a git source's remote with
    /// its `?ref=`), without credentials or signed queries.
    pub url: String,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// The folder of the fetched package that is the module (the
    /// upstream's `//subdir`), when it is not the package's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdir: Option<String>,
    /// The commit, for a module checked out of a git repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// A published version without its archive bytes: what listings return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleRecord {
    /// The module address (in the case of its first publish).
    pub address: ModuleAddress,
    /// The version as published.
    pub version: Version,
    /// Its metadata.
    pub metadata: ModuleMetadata,
}

impl ModuleRecord {
    /// The record's id.
    pub fn id(&self) -> ModuleId {
        ModuleId::new(self.address.clone(), self.version.clone())
    }
}

/// A module version with its archive: address, version, metadata and bytes.
#[derive(Debug, Clone)]
pub struct Module {
    /// The module address.
    pub address: ModuleAddress,
    /// The version.
    pub version: Version,
    /// Its metadata.
    pub metadata: ModuleMetadata,
    /// The archive, in memory or spooled to a file.
    pub archive: ArchiveBody,
}

impl Module {
    /// The module's id.
    pub fn id(&self) -> ModuleId {
        ModuleId::new(self.address.clone(), self.version.clone())
    }

    /// The module without its archive.
    pub fn record(&self) -> ModuleRecord {
        ModuleRecord {
            address: self.address.clone(),
            version: self.version.clone(),
            metadata: self.metadata.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_transitions() {
        let now = Utc::now();
        let l = Lifecycle::default();
        assert_eq!(l.state(), LifecycleState::Active);
        let d = LifecycleChange::Deprecate {
            reason: "use 2.x".into(),
            successor: Some("2.0.0".into()),
        }
        .apply(&l, now)
        .unwrap();
        assert_eq!(d.state(), LifecycleState::Deprecated);
        assert!(d.is_listed());
        let again = LifecycleChange::Deprecate {
            reason: "use 2.x, really".into(),
            successor: None,
        }
        .apply(&d, now + chrono::Duration::days(1))
        .unwrap();
        let dep = again.deprecated.as_ref().unwrap();
        assert_eq!(dep.reason, "use 2.x, really");
        assert_eq!(
            dep.successor.as_deref(),
            Some("2.0.0"),
            "a second deprecate keeps the successor"
        );
        assert_eq!(dep.at, now, "and the date it was first deprecated");
        let y = LifecycleChange::Yank { reason: None }
            .apply(&d, now)
            .unwrap();
        assert_eq!(y.state(), LifecycleState::Yanked);
        assert!(!y.is_listed());
        let e = LifecycleChange::Yank { reason: None }
            .apply(&y, now)
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Conflict);
        let u = LifecycleChange::Unyank.apply(&y, now).unwrap();
        assert_eq!(u.state(), LifecycleState::Deprecated);
        let a = LifecycleChange::Undeprecate.apply(&u, now).unwrap();
        assert_eq!(a.state(), LifecycleState::Active);
        assert!(LifecycleChange::Undeprecate.apply(&a, now).is_err());
        let empty = LifecycleChange::Deprecate {
            reason: " ".into(),
            successor: None,
        };
        assert_eq!(
            empty.apply(&a, now).unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
    }
}
