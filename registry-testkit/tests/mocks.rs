//! The mocks drive the `Registry` orchestrator: what it asks the storage and
//! the version manager for, and what it does with their answers and errors.

use std::sync::Arc;

use mockall::predicate::eq;
use registry_core::{
    Error, ErrorKind, Lifecycle, ModuleMetadata, ModuleRecord, Registry, RequestContext,
    Sha256Digest, Version,
};
use registry_testkit::mocks::{MockStorage, MockVersions};

fn record(version: &str) -> ModuleRecord {
    ModuleRecord {
        address: "acme/vpc/aws".parse().unwrap(),
        version: version.parse().unwrap(),
        metadata: ModuleMetadata {
            description: None,
            owner: None,
            source_url: None,
            published_at: chrono::Utc::now(),
            size: 1,
            sha256: Sha256Digest::of(version.as_bytes()),
            h1: "h1:x".into(),
            format: registry_core::ArchiveFormat::TarGz,
            root_dir: None,
            signature: None,
            summary: Default::default(),
            lifecycle: Lifecycle::default(),
            downloads: 0,
            warnings: Vec::new(),
            checks: None,
            mirrored: None,
        },
    }
}

#[tokio::test]
async fn resolve_asks_the_version_manager_about_the_listed_versions() {
    let mut storage = MockStorage::new();
    storage.expect_versions().times(1).returning(|_| {
        Ok(Arc::new(vec![
            record("1.0.0"),
            record("1.1.0"),
            record("2.0.0"),
        ]))
    });
    let mut versions = MockVersions::new();
    let listed: Vec<Version> = ["1.0.0", "1.1.0", "2.0.0"]
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    versions
        .expect_resolve()
        .with(eq("~> 1.0"), eq(listed))
        .times(1)
        .returning(|_, _| Ok("1.1.0".parse().unwrap()));
    let registry = Registry::builder()
        .storage(Arc::new(storage))
        .version_manager(Arc::new(versions))
        .build()
        .unwrap();
    let chosen = registry
        .resolve(
            &RequestContext::anonymous(),
            &"acme/vpc/aws".parse().unwrap(),
            "~> 1.0",
        )
        .await
        .unwrap();
    assert_eq!(chosen.version.as_str(), "1.1.0");
}

#[tokio::test]
async fn storage_failures_reach_the_caller_with_their_kind() {
    let mut storage = MockStorage::new();
    storage
        .expect_versions()
        .returning(|_| Err(Error::new(ErrorKind::Backend, "database unreachable")));
    let mut versions = MockVersions::new();
    versions.expect_resolve().never();
    let registry = Registry::builder()
        .storage(Arc::new(storage))
        .version_manager(Arc::new(versions))
        .build()
        .unwrap();
    let e = registry
        .resolve(
            &RequestContext::anonymous(),
            &"acme/vpc/aws".parse().unwrap(),
            "~> 1.0",
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    assert!(e.message().contains("database unreachable"), "{e}");
}
