//! Every storage combination runs the shared conformance suite.
//!
//! SQLite and the local folder always run. PostgreSQL runs when
//! `REGISTRY_TEST_POSTGRES_URL` is set (and must under `CI=true`); each run
//! uses a schema of its own.

use std::sync::Arc;

use object_store::ObjectStoreExt;
use registry_core::{BlobStore, ModuleStorage};
use registry_storage::{ObjectBlobStore, OpenedStorage, StorageConfig, open_storage};
use registry_testkit::conformance::storage::{StorageHarness, run_all};
#[allow(unused_imports)]
use registry_testkit::env::{service_url, unique_name};

fn corrupter(blobs: ObjectBlobStore) -> registry_testkit::conformance::storage::Corrupter {
    Box::new(move |digest, bytes| {
        let blobs = blobs.clone();
        Box::pin(async move {
            blobs
                .object_store()
                .put(&blobs.path_of(&digest), bytes.into())
                .await
                .expect("overwrite blob");
        })
    })
}

fn harness(opened: OpenedStorage, config: Option<StorageConfig>) -> StorageHarness {
    let blobs: Arc<dyn BlobStore> = Arc::new(opened.blobs.clone());
    let mut h = StorageHarness::new(Arc::new(opened.stack.clone()), blobs)
        .with_corrupter(corrupter(opened.blobs.clone()));
    if let Some(config) = config {
        h = h.with_reopener(Box::new(move || {
            let config = config.clone();
            Box::pin(async move {
                let s = open_storage(&config).await.expect("reopen");
                Arc::new(s.stack) as Arc<dyn ModuleStorage>
            })
        }));
    }
    h
}

async fn run_config(config: StorageConfig, durable: bool) {
    let opened = open_storage(&config).await.expect("open storage");
    let h = harness(opened, durable.then(|| config.clone()));
    run_all(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_and_fs_without_cache() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.memory_cache_bytes = 0;
    run_config(c, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_and_fs_with_memory_cache() {
    let dir = tempfile::tempdir().unwrap();
    run_config(StorageConfig::embedded(dir.path()), true).await;
}

#[cfg(feature = "memory")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_and_memory_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.blob_url = Some("memory://".into());
    run_config(c, false).await;
}

#[cfg(feature = "postgres")]
fn postgres_config(dir: &std::path::Path) -> Option<StorageConfig> {
    let url = service_url("REGISTRY_TEST_POSTGRES_URL", "postgres storage conformance")?;
    let mut c = StorageConfig::embedded(dir);
    c.database_url = Some(url);
    c.database_schema = Some(unique_name("conf"));
    Some(c)
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_and_fs_without_cache() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mut c) = postgres_config(dir.path()) else {
        return;
    };
    c.memory_cache_bytes = 0;
    run_config(c, true).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_and_fs_with_memory_cache() {
    let dir = tempfile::tempdir().unwrap();
    let Some(c) = postgres_config(dir.path()) else {
        return;
    };
    run_config(c, true).await;
}

#[cfg(feature = "redis")]
fn redis_config(dir: &std::path::Path) -> Option<StorageConfig> {
    let url = service_url("REGISTRY_TEST_REDIS_URL", "redis cache conformance")?;
    let mut c = StorageConfig::embedded(dir);
    c.cache_url = Some(url);
    c.cache_prefix = Some(unique_name("conf"));
    Some(c)
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_and_fs_with_two_tier_redis_cache() {
    let dir = tempfile::tempdir().unwrap();
    let Some(c) = redis_config(dir.path()) else {
        return;
    };
    run_config(c, true).await;
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_and_fs_with_redis_only_cache() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mut c) = redis_config(dir.path()) else {
        return;
    };
    c.memory_cache_bytes = 0;
    run_config(c, true).await;
}

/// Two processes (two storage stacks) sharing the database and Redis: a
/// publish and a yank by one are seen by the other's warm in-process cache
/// within a second (the test allows five, for a loaded machine).
#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_sharing_redis_see_each_others_changes_within_a_second() {
    use registry_core::LifecycleChange;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let Some(c) = redis_config(dir.path()) else {
        return;
    };
    let a = open_storage(&c).await.unwrap().stack;
    let b = open_storage(&c).await.unwrap().stack;
    let addr: registry_core::ModuleAddress = "shared/mod/null".parse().unwrap();
    let m1 = registry_testkit::fixtures::module("shared/mod/null", "1.0.0", "s1").await;
    a.store(&m1).await.unwrap();
    assert_eq!(b.versions(&addr).await.unwrap().len(), 1); // warms b's caches
    let m2 = registry_testkit::fixtures::module("shared/mod/null", "1.1.0", "s2").await;
    a.store(&m2).await.unwrap();
    a.change_lifecycle(
        &m1.id(),
        &LifecycleChange::Yank { reason: None },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let start = Instant::now();
    loop {
        let seen = b.versions(&addr).await.unwrap();
        let yanked = seen.iter().any(|r| r.metadata.lifecycle.yanked.is_some());
        if seen.len() == 2 && yanked {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "b still sees {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Redis going away makes reads slower, not broken: a private redis-server
/// is started, used, then killed, and the storage keeps answering.
#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_going_down_makes_reads_fall_through_to_the_stores() {
    use std::time::Duration;
    if service_url("REGISTRY_TEST_REDIS_URL", "redis fallthrough").is_none() {
        return;
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server on PATH");
    let url = format!("redis://127.0.0.1:{port}/");
    let mut connected = None;
    for _ in 0..50 {
        if let Ok(c) = registry_storage::cache::RedisCache::connect(&url).await {
            connected = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(connected.is_some(), "private redis-server did not start");
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.cache_url = Some(url);
    let storage = open_storage(&c).await.unwrap().stack;
    let m = registry_testkit::fixtures::module("down/mod/null", "1.0.0", "d").await;
    storage.store(&m).await.unwrap();
    assert!(storage.get(&m.id()).await.is_ok());
    server.kill().unwrap();
    server.wait().unwrap();
    let m2 = registry_testkit::fixtures::module("down/mod/null", "2.0.0", "d2").await;
    storage
        .store(&m2)
        .await
        .expect("publish works with redis down");
    let versions = storage
        .versions(&m.address)
        .await
        .expect("reads work with redis down");
    assert_eq!(versions.len(), 2);
    assert!(storage.get(&m2.id()).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_and_fs_with_envelope_encryption() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    // Two keys: the first encrypts, both decrypt (rotation).
    c.encryption_keys = Some(format!(
        "{},{}",
        "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
        "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
    ));
    run_config(c.clone(), true).await;
    // Nothing under the blob folder is readable as a gzip archive.
    let opened = open_storage(&c).await.unwrap();
    for b in registry_core::BlobStore::list(&opened.blobs).await.unwrap() {
        let raw = registry_core::BlobStore::get(&opened.blobs, &b.digest)
            .await
            .unwrap();
        if raw.as_ref() == b"tampered bytes" {
            continue; // the conformance suite's deliberately corrupted blob
        }
        assert!(
            raw.starts_with(b"RGE1"),
            "blob {} is not encrypted",
            b.digest
        );
    }
}

/// A blob URL from `var` with a prefix unique to this run inserted into its path.
#[allow(dead_code)]
fn unique_blob_url(var: &str, suite: &str) -> Option<String> {
    let url = service_url(var, suite)?;
    let mut u = url::Url::parse(&url).expect("blob URL");
    let path = format!("{}/{}", u.path().trim_end_matches('/'), unique_name("run"));
    u.set_path(&path);
    Some(u.to_string())
}

#[cfg(all(
    feature = "postgres",
    any(feature = "s3", feature = "azure", feature = "gcs")
))]
async fn postgres_with_blobs(blob_var: &str, suite: &str, cache: bool) {
    let dir = tempfile::tempdir().unwrap();
    let Some(blob_url) = unique_blob_url(blob_var, suite) else {
        return;
    };
    let Some(mut c) = postgres_config(dir.path()) else {
        return;
    };
    c.blob_url = Some(blob_url);
    if !cache {
        c.memory_cache_bytes = 0;
    }
    run_config(c, true).await;
}

#[cfg(all(feature = "postgres", feature = "s3"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_and_s3_without_cache() {
    postgres_with_blobs("REGISTRY_TEST_S3_URL", "postgres+s3 conformance", false).await;
}

#[cfg(all(feature = "postgres", feature = "s3"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_and_s3_with_memory_cache() {
    postgres_with_blobs("REGISTRY_TEST_S3_URL", "postgres+s3 conformance", true).await;
}

#[cfg(all(feature = "postgres", feature = "azure"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_and_azure_without_cache() {
    postgres_with_blobs(
        "REGISTRY_TEST_AZURE_URL",
        "postgres+azure conformance",
        false,
    )
    .await;
}

#[cfg(all(feature = "postgres", feature = "azure"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_and_azure_with_memory_cache() {
    postgres_with_blobs(
        "REGISTRY_TEST_AZURE_URL",
        "postgres+azure conformance",
        true,
    )
    .await;
}

#[cfg(all(feature = "postgres", feature = "gcs"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_and_gcs_without_cache() {
    postgres_with_blobs(
        "REGISTRY_TEST_GCS_URL",
        "postgres+gcs conformance (through the translating proxy)",
        false,
    )
    .await;
}

#[cfg(all(feature = "postgres", feature = "gcs"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_and_gcs_with_memory_cache() {
    postgres_with_blobs(
        "REGISTRY_TEST_GCS_URL",
        "postgres+gcs conformance (through the translating proxy)",
        true,
    )
    .await;
}

/// Archives over the multipart threshold go up in parts on every cloud backend.
#[cfg(any(feature = "s3", feature = "azure", feature = "gcs"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn large_archives_upload_in_parts_to_cloud_stores() {
    use registry_core::{ArchiveBody, BlobStore, Sha256Digest};
    let mut ran = 0;
    for var in [
        "REGISTRY_TEST_S3_URL",
        "REGISTRY_TEST_AZURE_URL",
        "REGISTRY_TEST_GCS_URL",
    ] {
        let enabled = match var {
            "REGISTRY_TEST_S3_URL" => cfg!(feature = "s3"),
            "REGISTRY_TEST_AZURE_URL" => cfg!(feature = "azure"),
            _ => cfg!(feature = "gcs"),
        };
        if !enabled {
            continue;
        }
        let Some(url) = unique_blob_url(var, "multipart upload") else {
            continue;
        };
        let store =
            registry_storage::open_blob_url(&registry_storage::BlobUrl::parse(&url).unwrap())
                .await
                .unwrap();
        // 17 MiB through a spooled file, so the multipart path is taken.
        let data: Vec<u8> = (0..17 * 1024 * 1024u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let digest = Sha256Digest::of(&data);
        let chunks: Vec<Result<bytes::Bytes, registry_core::Error>> = data
            .chunks(1 << 20)
            .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
            .collect();
        let spooled = registry_core::spool_stream(futures::stream::iter(chunks), None, u64::MAX)
            .await
            .unwrap();
        assert!(matches!(spooled.body, ArchiveBody::File(_)));
        store.put(&digest, &spooled.body).await.unwrap();
        let back = store.get(&digest).await.unwrap();
        assert_eq!(back.len(), data.len(), "{var}");
        assert!(digest.verify(&back).is_ok(), "{var}");
        ran += 1;
    }
    let _ = ran;
}
