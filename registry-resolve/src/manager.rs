//! [`TerraformVersionManager`]: the core `VersionManager` with Terraform's rules.

use async_trait::async_trait;
use registry_core::inspect_archive;
use registry_core::{
    ArchiveLimits, Error, ErrorKind, Hash1, LockEntry, Module, Result, TreeHasher, Version,
    VersionManager, constant_time_eq,
};

use crate::select::{parse_constraint, select_parsed};

/// Parses, resolves, locks and verifies exactly as Terraform and the lock
/// file format expect.
#[derive(Debug, Clone, Default)]
pub struct TerraformVersionManager {
    limits: ArchiveLimits,
}

impl TerraformVersionManager {
    /// A manager with default archive limits (used when verifying).
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl VersionManager for TerraformVersionManager {
    fn parse(&self, version: &str) -> Result<Version> {
        Version::parse(version)
    }

    fn resolve(&self, constraint: &str, available: &[Version]) -> Result<Version> {
        let c = parse_constraint(constraint)?;
        let raw: Vec<&str> = available.iter().map(|v| v.as_str()).collect();
        match select_parsed(&c, &raw) {
            Ok(s) => Ok(available[s.index].clone()),
            Err(no) => Err(no.into_error(constraint)),
        }
    }

    async fn lock(&self, module: &Module) -> Result<LockEntry> {
        self.verify(module).await?;
        Ok(LockEntry {
            address: module.address.clone(),
            version: module.version.clone(),
            sha256: module.metadata.sha256,
            h1: module.metadata.h1.clone(),
        })
    }

    async fn verify(&self, module: &Module) -> Result<()> {
        let bytes = module.archive.to_bytes().await?;
        let id = module.id();
        let actual = registry_core::Sha256Digest::of(&bytes);
        if !actual.ct_eq(&module.metadata.sha256) {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!(
                    "{id}: archive sha256 is {actual}, expected {}",
                    module.metadata.sha256
                ),
            )
            .with_context("module", &id));
        }
        let inspection = inspect_archive(&module.archive, &self.limits).await?;
        let h1 = Hash1.tree_hash(&inspection.manifest)?;
        if !constant_time_eq(h1.as_bytes(), module.metadata.h1.as_bytes()) {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!("{id}: tree hash is {h1}, expected {}", module.metadata.h1),
            )
            .with_context("module", &id));
        }
        Ok(())
    }
}
