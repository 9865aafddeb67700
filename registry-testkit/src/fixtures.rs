//! Build modules for tests: archives, and [`Module`] values with correct digests.

use registry_core::inspect_archive;
use registry_core::testing::TarBuilder;
use registry_core::{
    ArchiveBody, ArchiveLimits, Hash1, Lifecycle, Module, ModuleAddress, ModuleCall,
    ModuleMetadata, ModuleSummary, Sha256Digest, TreeHasher, Version,
};

/// A `.tar.gz` of a small valid module whose content depends on `seed`, so
/// different seeds give different digests.
pub fn archive(seed: &str) -> Vec<u8> {
    TarBuilder::new()
        .file(
            "main.tf",
            format!("variable \"name\" {{\n  type = string\n}}\n\noutput \"seed\" {{\n  value = \"{seed}\"\n}}\n"),
        )
        .file("README.md", format!("# Fixture\n\nFixture module {seed}.\n"))
        .finish()
}

/// A [`Module`] ready for `ModuleStorage::store`, with digests computed from its archive.
pub async fn module(address: &str, version: &str, seed: &str) -> Module {
    let bytes = archive(seed);
    module_from_archive(address, version, bytes).await
}

/// A [`Module`] from given archive bytes.
pub async fn module_from_archive(address: &str, version: &str, bytes: Vec<u8>) -> Module {
    let address: ModuleAddress = address.parse().expect("fixture address");
    let version = Version::parse(version).expect("fixture version");
    let body = ArchiveBody::from(bytes.clone());
    let inspection = inspect_archive(&body, &ArchiveLimits::default())
        .await
        .expect("fixture archive");
    let mut summary = ModuleSummary::default();
    summary.root.dependencies.push(ModuleCall {
        name: "dep".into(),
        source: "acme/dep/null".into(),
        version: Some("~> 1.0".into()),
    });
    Module {
        metadata: ModuleMetadata {
            description: Some(format!("fixture {address} {version}")),
            owner: Some("token:fixture".into()),
            source_url: None,
            published_at: chrono::Utc::now(),
            size: bytes.len() as u64,
            sha256: Sha256Digest::of(&bytes),
            h1: Hash1.tree_hash(&inspection.manifest).expect("h1"),
            format: inspection.format,
            root_dir: inspection.root_dir,
            signature: None,
            summary,
            lifecycle: Lifecycle::default(),
            downloads: 0,
            warnings: Vec::new(),
            checks: None,
            mirrored: None,
        },
        address,
        version,
        archive: body,
    }
}
