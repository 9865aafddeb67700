//! Version parsing, resolution, locking and verification (implemented in full by registry-resolve).

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::address::ModuleAddress;
use crate::digest::Sha256Digest;
use crate::error::{Error, ErrorKind, Result};
use crate::module::Module;
use crate::version::Version;

/// A pinned module version with its digests, as a lock file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    /// The module address.
    pub address: ModuleAddress,
    /// The exact version.
    pub version: Version,
    /// sha256 of the archive.
    pub sha256: Sha256Digest,
    /// h1 of the unpacked tree.
    pub h1: String,
}

/// The spec's `VersionManager`: parse versions, pick one for a constraint,
/// pin a module and verify it against its pins.
///
/// `parse` and `resolve` are pure computations and so are synchronous;
/// `lock` and `verify` read archives and are async.
#[async_trait]
pub trait VersionManager: Send + Sync + Debug + 'static {
    /// Parse a version string.
    fn parse(&self, version: &str) -> Result<Version>;

    /// Pick the version a client would install for `constraint` among
    /// `available` (in the registry's list order). `NotFound` when none matches,
    /// `InvalidInput` when the constraint is malformed.
    fn resolve(&self, constraint: &str, available: &[Version]) -> Result<Version>;

    /// Pin a module: its exact version and digests.
    async fn lock(&self, module: &Module) -> Result<LockEntry>;

    /// Check a module's archive against its recorded digests; an
    /// [`ErrorKind::Integrity`] error naming the module and both hashes on mismatch.
    async fn verify(&self, module: &Module) -> Result<()>;
}

/// Resolves exact versions only (`1.2.0` or `= 1.2.0`); the registry built
/// by `registry-server` uses registry-resolve's Terraform-exact manager instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExactVersionManager;

#[async_trait]
impl VersionManager for ExactVersionManager {
    fn parse(&self, version: &str) -> Result<Version> {
        Version::parse(version)
    }

    fn resolve(&self, constraint: &str, available: &[Version]) -> Result<Version> {
        let text = constraint.trim();
        let text = text.strip_prefix('=').unwrap_or(text).trim();
        let wanted = Version::parse(text).map_err(|_| {
            Error::invalid_input(format!(
                "constraint {constraint:?} is not an exact version (only exact versions are supported by ExactVersionManager)"
            ))
        })?;
        available
            .iter()
            .find(|v| **v == wanted)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("no version matches {constraint:?}")))
    }

    async fn lock(&self, module: &Module) -> Result<LockEntry> {
        Ok(LockEntry {
            address: module.address.clone(),
            version: module.version.clone(),
            sha256: module.metadata.sha256,
            h1: module.metadata.h1.clone(),
        })
    }

    async fn verify(&self, module: &Module) -> Result<()> {
        let bytes = module.archive.to_bytes().await?;
        module.metadata.sha256.verify(&bytes).map_err(|e| {
            Error::new(ErrorKind::Integrity, e.message().to_string())
                .with_context("module", module.id())
        })
    }
}
