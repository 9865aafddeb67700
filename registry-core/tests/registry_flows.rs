//! The publish, download and resolve flows over the in-memory stores.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use registry_core::memory::{MemoryBlobStore, MemoryMetadataStore};
use registry_core::testing::{TarBuilder, simple_module};
use registry_core::*;

#[derive(Debug, Default)]
struct CollectingAudit(Mutex<Vec<AuditEvent>>);

#[async_trait]
impl AuditSink for CollectingAudit {
    async fn record(&self, e: AuditEvent) -> Result<()> {
        self.0.lock().unwrap().push(e);
        Ok(())
    }
}

struct Fixture {
    registry: Registry,
    meta: Arc<MemoryMetadataStore>,
    blobs: Arc<MemoryBlobStore>,
    audit: Arc<CollectingAudit>,
}

fn fixture_with(policy: PublishPolicy) -> Fixture {
    let meta = Arc::new(MemoryMetadataStore::new());
    let blobs = Arc::new(MemoryBlobStore::new());
    let audit = Arc::new(CollectingAudit::default());
    let storage = StorageStack::new(meta.clone(), blobs.clone());
    let registry = Registry::builder()
        .storage(Arc::new(storage))
        .audit_sink(audit.clone())
        .publish_policy(policy)
        .build()
        .unwrap();
    Fixture {
        registry,
        meta,
        blobs,
        audit,
    }
}

fn fixture() -> Fixture {
    fixture_with(PublishPolicy::default())
}

fn addr(s: &str) -> ModuleAddress {
    s.parse().unwrap()
}

fn sys() -> RequestContext {
    RequestContext::system()
}

async fn publish(f: &Fixture, a: &str, v: &str, archive: Vec<u8>) -> Result<ModuleRecord> {
    f.registry
        .publish_bytes(&sys(), PublishRequest::new(addr(a), v), archive)
        .await
}

#[tokio::test]
async fn publish_list_resolve_download_round_trip() {
    let f = fixture();
    let v1 = publish(&f, "acme/hello/null", "1.0.0", simple_module(&[]))
        .await
        .unwrap();
    let v2 = publish(
        &f,
        "acme/hello/null",
        "1.1.0",
        simple_module(&[("extra.tf", "locals {}\n")]),
    )
    .await
    .unwrap();
    assert_ne!(v1.metadata.sha256, v2.metadata.sha256);
    assert!(v1.metadata.h1.starts_with("h1:"));
    assert_eq!(v1.metadata.owner.as_deref(), Some("system"));

    let versions = f
        .registry
        .versions(&sys(), &addr("acme/hello/null"))
        .await
        .unwrap();
    let listed: Vec<&str> = versions.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(listed, ["1.0.0", "1.1.0"]);

    let chosen = f
        .registry
        .resolve(&sys(), &addr("acme/hello/null"), "= 1.1.0")
        .await
        .unwrap();
    assert_eq!(chosen.version.as_str(), "1.1.0");
    let m = f.registry.download(&sys(), &chosen.id()).await.unwrap();
    let bytes = m.archive.to_bytes().await.unwrap();
    assert_eq!(Sha256Digest::of(&bytes), v2.metadata.sha256);
    f.registry.storage().flush().await.unwrap();
    let again = f.registry.get(&sys(), &chosen.id()).await.unwrap();
    assert_eq!(again.metadata.downloads, 1);

    let latest = f
        .registry
        .latest(&sys(), &addr("acme/hello/null"))
        .await
        .unwrap();
    assert_eq!(latest.version.as_str(), "1.1.0");
}

#[tokio::test]
async fn publish_same_version_twice_is_rejected_even_when_written_differently() {
    let f = fixture_with(PublishPolicy {
        strict_semver: false,
        ..PublishPolicy::default()
    });
    publish(&f, "acme/hello/null", "1.2.0", simple_module(&[]))
        .await
        .unwrap();
    for v in ["1.2.0", "1.2", "v1.2.0", "1.2.0+build.5"] {
        let e = publish(
            &f,
            "ACME/Hello/null",
            v,
            simple_module(&[("x.tf", "locals {}")]),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{v}: {e}");
    }
    let versions = f
        .registry
        .versions(&sys(), &addr("acme/hello/null"))
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
}

#[tokio::test]
async fn namespace_and_name_keep_the_case_of_first_publish() {
    let f = fixture();
    publish(&f, "Acme/Hello/null", "1.0.0", simple_module(&[]))
        .await
        .unwrap();
    let r = publish(&f, "acme/HELLO/null", "2.0.0", simple_module(&[]))
        .await
        .unwrap();
    assert_eq!(r.address.to_string(), "Acme/Hello/null");
    let versions = f
        .registry
        .versions(&sys(), &addr("ACME/hello/null"))
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
}

#[tokio::test]
async fn deleted_version_number_stays_reserved_unless_bytes_are_identical() {
    let f = fixture();
    let archive = simple_module(&[]);
    let r = publish(&f, "acme/hello/null", "1.0.0", archive.clone())
        .await
        .unwrap();
    f.registry.delete(&sys(), &r.id()).await.unwrap();
    assert_eq!(
        f.registry.get(&sys(), &r.id()).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let e = publish(
        &f,
        "acme/hello/null",
        "1.0.0",
        simple_module(&[("x.tf", "locals {}")]),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert!(e.to_string().contains("reserved"), "{e}");
    let back = publish(&f, "acme/hello/null", "1.0.0", archive)
        .await
        .unwrap();
    assert_eq!(back.metadata.sha256, r.metadata.sha256);
}

#[tokio::test]
async fn failed_publish_leaves_no_trace() {
    let f = fixture();
    let bad_cases: Vec<(Vec<u8>, ErrorKind)> = vec![
        (b"not an archive".to_vec(), ErrorKind::InvalidInput),
        (
            TarBuilder::new().file("README.md", "# no tf here").finish(),
            ErrorKind::ValidationFailed,
        ),
        (
            TarBuilder::new().raw_file("../x.tf", b"a").finish(),
            ErrorKind::InvalidInput,
        ),
    ];
    for (archive, kind) in bad_cases {
        let e = publish(&f, "acme/hello/null", "1.0.0", archive)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{e}");
    }
    assert!(f.blobs.list().await.unwrap().is_empty(), "no blob written");
    assert!(
        f.meta.list(&Filter::all()).await.unwrap().items.is_empty(),
        "no metadata written"
    );
    let audit = f.audit.0.lock().unwrap();
    assert_eq!(audit.len(), 3);
    assert!(
        audit
            .iter()
            .all(|e| e.outcome == AuditOutcome::Failed && e.action == "publish")
    );
}

#[tokio::test]
async fn strict_policy_lists_every_problem() {
    let f = fixture();
    let archive = TarBuilder::new().file("README.md", "nothing").finish();
    let e = publish(&f, "acme/hello/null", "v1.2", archive)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ValidationFailed);
    let rules: Vec<&str> = e.problems().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(rules, ["version-policy", "root-configuration"], "{e}");
}

#[tokio::test]
async fn corrupted_blob_is_an_integrity_error_never_served() {
    let f = fixture();
    let r = publish(&f, "acme/hello/null", "1.0.0", simple_module(&[]))
        .await
        .unwrap();
    f.blobs
        .corrupt(&r.metadata.sha256, Bytes::from_static(b"tampered"));
    let e = f.registry.download(&sys(), &r.id()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Integrity, "{e}");
}

#[tokio::test]
async fn yanked_versions_leave_lists_and_resolution_but_stay_downloadable() {
    let f = fixture();
    let r = publish(&f, "acme/hello/null", "1.0.0", simple_module(&[]))
        .await
        .unwrap();
    f.registry
        .change_lifecycle(
            &sys(),
            &r.id(),
            LifecycleChange::Yank {
                reason: Some("broken".into()),
            },
        )
        .await
        .unwrap();
    assert!(
        f.registry
            .versions(&sys(), &r.address)
            .await
            .unwrap()
            .is_empty()
    );
    let e = f
        .registry
        .resolve(&sys(), &r.address, "1.0.0")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(f.registry.download(&sys(), &r.id()).await.is_ok());
    f.registry
        .change_lifecycle(&sys(), &r.id(), LifecycleChange::Unyank)
        .await
        .unwrap();
    assert_eq!(
        f.registry.versions(&sys(), &r.address).await.unwrap().len(),
        1
    );
    let actions: Vec<String> = f
        .audit
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.action.clone())
        .collect();
    assert_eq!(actions, ["publish", "yank", "unyank"]);
}

#[tokio::test]
async fn anonymous_callers_may_read_but_not_publish_and_refusals_are_audited() {
    let f = fixture();
    let anon = RequestContext::anonymous();
    let e = f
        .registry
        .publish_bytes(
            &anon,
            PublishRequest::new(addr("acme/hello/null"), "1.0.0"),
            simple_module(&[]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    publish(&f, "acme/hello/null", "1.0.0", simple_module(&[]))
        .await
        .unwrap();
    assert_eq!(
        f.registry
            .versions(&anon, &addr("acme/hello/null"))
            .await
            .unwrap()
            .len(),
        1
    );
    let reader = RequestContext::new(Actor::Token {
        id: "ci".into(),
        grants: vec![Grant {
            namespace: "acme".into(),
            role: Role::Reader,
        }],
    });
    let id: ModuleId = "acme/hello/null/1.0.0".parse().unwrap();
    let e = f.registry.delete(&reader, &id).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    let audit = f.audit.0.lock().unwrap();
    let denied: Vec<_> = audit
        .iter()
        .filter(|e| e.outcome == AuditOutcome::Denied)
        .collect();
    assert_eq!(denied.len(), 2);
    assert_eq!(denied[1].actor, "token:ci");
}

#[tokio::test]
async fn streamed_publish_of_a_large_archive_spools_and_verifies() {
    let f = fixture();
    // Incompressible payload so the archive itself is large (> 8 MiB spool threshold).
    let mut noise = vec![0u8; 10 * 1024 * 1024];
    let mut x: u64 = 0x9E3779B97F4A7C15;
    for b in noise.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let archive = simple_module(&[]);
    let big = TarBuilder::new()
        .file("main.tf", "variable \"a\" {}\n")
        .file("payload.bin", &noise)
        .finish();
    assert!(big.len() > 8 * 1024 * 1024);
    let chunks: Vec<std::result::Result<Bytes, Error>> = big
        .chunks(64 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let r = f
        .registry
        .publish(
            &sys(),
            PublishRequest::new(addr("acme/big/null"), "1.0.0"),
            futures::stream::iter(chunks),
        )
        .await
        .unwrap();
    assert_eq!(r.metadata.size, big.len() as u64);
    assert_eq!(r.metadata.sha256, Sha256Digest::of(&big));
    let m = f.registry.download(&sys(), &r.id()).await.unwrap();
    assert_eq!(m.archive.len(), big.len() as u64);
    drop(archive);
}

#[tokio::test]
async fn archive_over_the_size_limit_is_too_large() {
    let meta = Arc::new(MemoryMetadataStore::new());
    let blobs = Arc::new(MemoryBlobStore::new());
    let registry = Registry::builder()
        .storage(Arc::new(StorageStack::new(meta, blobs.clone())))
        .archive_limits(ArchiveLimits {
            max_compressed_bytes: 100,
            ..Default::default()
        })
        .build()
        .unwrap();
    let e = registry
        .publish_bytes(
            &sys(),
            PublishRequest::new(addr("acme/hello/null"), "1.0.0"),
            simple_module(&[]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge);
    assert!(blobs.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn gc_removes_only_old_orphans() {
    let f = fixture();
    let keep = publish(&f, "acme/hello/null", "1.0.0", simple_module(&[]))
        .await
        .unwrap();
    let gone = publish(
        &f,
        "acme/hello/null",
        "2.0.0",
        simple_module(&[("x.tf", "locals {}")]),
    )
    .await
    .unwrap();
    f.registry.delete(&sys(), &gone.id()).await.unwrap();
    let young = Sha256Digest::of(b"young orphan");
    f.blobs
        .put(&young, &ArchiveBody::from(b"young orphan".to_vec()))
        .await
        .unwrap();
    let old = chrono::Utc::now() - chrono::Duration::hours(2);
    f.blobs.set_last_modified(&gone.metadata.sha256, old);
    f.blobs.set_last_modified(&keep.metadata.sha256, old);
    let report = f
        .registry
        .storage()
        .gc(Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(report.scanned, 3);
    assert_eq!(report.removed, 1);
    assert_eq!(report.kept_in_grace, 1);
    assert!(f.blobs.exists(&keep.metadata.sha256).await.unwrap());
    assert!(!f.blobs.exists(&gone.metadata.sha256).await.unwrap());
    assert!(f.registry.download(&sys(), &keep.id()).await.is_ok());
}

#[tokio::test]
async fn listing_pages_with_keyset_cursors() {
    let f = fixture();
    for i in 0..7 {
        publish(
            &f,
            &format!("ns{}/mod/null", i % 3),
            &format!("1.0.{i}"),
            simple_module(&[]),
        )
        .await
        .unwrap();
    }
    let mut filter = Filter {
        limit: 3,
        ..Filter::all()
    };
    let mut seen = Vec::new();
    loop {
        let page = f.registry.list(&sys(), &filter).await.unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|r| r.id().to_string()));
        match page.next {
            Some(c) => filter.after = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 7, "no duplicates across pages");
    let ns1 = f
        .registry
        .list(&sys(), &Filter::all().namespace("NS1"))
        .await
        .unwrap();
    assert_eq!(ns1.items.len(), 2);
}

#[tokio::test]
async fn quotas_refuse_publishes_naming_the_quota_and_current_use() {
    let archive = simple_module(&[]);
    let size = archive.len() as u64;
    let f = fixture_with(PublishPolicy {
        max_versions_per_module: Some(2),
        max_bytes_per_namespace: Some(size * 3 + size / 2),
        ..PublishPolicy::default()
    });
    publish(&f, "acme/a/null", "1.0.0", archive.clone())
        .await
        .unwrap();
    publish(&f, "acme/a/null", "1.1.0", archive.clone())
        .await
        .unwrap();
    let e = publish(&f, "acme/a/null", "1.2.0", archive.clone())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::QuotaExceeded);
    assert!(
        e.to_string().contains("already stores 2 versions")
            && e.to_string().contains("quota is 2 versions per module"),
        "{e}"
    );
    // Yanked versions still count; deleted ones free their place.
    f.registry
        .change_lifecycle(
            &sys(),
            &ModuleId::new(addr("acme/a/null"), "1.0.0".parse().unwrap()),
            LifecycleChange::Yank { reason: None },
        )
        .await
        .unwrap();
    assert_eq!(
        publish(&f, "acme/a/null", "1.2.0", archive.clone())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::QuotaExceeded
    );
    f.registry
        .delete(
            &sys(),
            &ModuleId::new(addr("acme/a/null"), "1.0.0".parse().unwrap()),
        )
        .await
        .unwrap();
    publish(&f, "acme/a/null", "1.2.0", archive.clone())
        .await
        .unwrap();

    // The namespace holds 3 archives' worth in 2 modules; a fourth passes its byte quota.
    publish(&f, "ACME/b/null", "1.0.0", archive.clone())
        .await
        .unwrap();
    let e = publish(&f, "acme/c/null", "1.0.0", archive.clone())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::QuotaExceeded);
    let msg = e.to_string();
    assert!(
        msg.contains("namespace acme stores")
            && msg.contains("in 3 versions")
            && msg.contains("per namespace"),
        "{msg}"
    );
    // Other namespaces have their own.
    publish(&f, "other/c/null", "1.0.0", archive.clone())
        .await
        .unwrap();
    // Nothing of the refused publishes was stored.
    assert!(
        f.registry
            .get(
                &sys(),
                &ModuleId::new(addr("acme/c/null"), "1.0.0".parse().unwrap())
            )
            .await
            .is_err()
    );
    let usage = f.registry.storage().namespace_usage("Acme").await.unwrap();
    assert_eq!(
        usage,
        NamespaceUsage {
            versions: 3,
            bytes: size * 3
        }
    );
}
