//! Storage throughput for 50 KB archives: our layer (`StorageStack`: blob
//! then metadata, digest verified on read) against raw `object_store`
//! put/get plus a raw sqlx insert/select of a comparable row, on the same
//! machine and database (target: under 1.3×); the full publish pipeline;
//! and a cache-hit metadata read (target: under 5 µs).
//!
//! SQLite + a local folder always; PostgreSQL + S3 too when
//! `REGISTRY_TEST_POSTGRES_URL` and `REGISTRY_TEST_S3_URL` are set.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use object_store::ObjectStoreExt;
use registry_benches::storage::{self, RawPool, archive_50k, raw_path};
use registry_core::{ModuleStorage, PublishRequest, RequestContext};
use registry_storage::{StorageConfig, open_storage};

fn module(n: u64) -> registry_core::Module {
    storage::module(n, archive_50k(n))
}

fn run_combination(c: &mut Criterion, label: &str, config: StorageConfig) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opened = rt.block_on(open_storage(&config)).unwrap();
    let pool = rt.block_on(RawPool::of(&opened.metadata));
    let stack = Arc::new(opened.stack.clone());
    let counter = AtomicU64::new(0);
    let mut g = c.benchmark_group(format!("storage {label}"));
    g.sample_size(30);
    g.throughput(criterion::Throughput::Bytes(50_000));

    g.bench_function("store 50KB (StorageStack)", |b| {
        b.to_async(&rt).iter(|| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let stack = stack.clone();
            async move {
                let m = module(n);
                stack.store(&m).await.unwrap();
            }
        })
    });
    let raw_store = opened.blobs.object_store().clone();
    g.bench_function("raw object_store put + sqlx insert 50KB", |b| {
        b.to_async(&rt).iter(|| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let store = raw_store.clone();
            let pool = pool.clone();
            async move {
                let bytes = archive_50k(n);
                let sha = registry_core::Sha256Digest::of(&bytes);
                store.put(&raw_path(&sha), bytes.into()).await.unwrap();
                pool.insert(
                    &format!("k{n}"),
                    &sha.hex(),
                    "{\"description\":null,\"summary\":{}}",
                )
                .await;
            }
        })
    });

    // Reads of one stored version, with and without our layer.
    let target = rt.block_on(async {
        let m = module(1_000_000);
        stack.store(&m).await.unwrap();
        m
    });
    let id = target.id();
    let no_cache = Arc::new(registry_core::StorageStack::new(
        opened.metadata.as_store(),
        opened.blob_store.clone(),
    ));
    g.bench_function("get 50KB (StorageStack, no cache, sha256 verified)", |b| {
        b.to_async(&rt).iter(|| {
            let s = no_cache.clone();
            let id = id.clone();
            async move { s.get(&id).await.unwrap() }
        })
    });
    let sha = target.metadata.sha256;
    let blob_path = opened.blobs.path_of(&sha);
    g.bench_function("raw object_store get + sqlx select 50KB", |b| {
        b.to_async(&rt).iter(|| {
            let store = raw_store.clone();
            let pool = pool.clone();
            let p = blob_path.clone();
            async move {
                let bytes = store.get(&p).await.unwrap().bytes().await.unwrap();
                pool.select("k1").await;
                bytes
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group(format!("cache {label}"));
    rt.block_on(stack.get_record_shared(&id)).unwrap();
    g.bench_function("cached record read (in-process tier)", |b| {
        b.to_async(&rt).iter(|| {
            let s = stack.clone();
            let id = id.clone();
            async move { s.get_record_shared(&id).await.unwrap() }
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    run_combination(c, "sqlite+fs", StorageConfig::embedded(dir.path()));
    match (
        std::env::var("REGISTRY_TEST_POSTGRES_URL"),
        std::env::var("REGISTRY_TEST_S3_URL"),
    ) {
        (Ok(pg), Ok(s3)) => {
            let run = format!("bench{}", std::process::id());
            let mut config = StorageConfig::embedded(dir.path().join("pg"));
            config.database_url = Some(pg);
            config.database_schema = Some(run.clone());
            let mut url = url::Url::parse(&s3).unwrap();
            url.set_path(&format!("{}/{run}", url.path().trim_end_matches('/')));
            config.blob_url = Some(url.to_string());
            run_combination(c, "postgres+s3", config);
        }
        _ => eprintln!(
            "storage bench: skipping postgres+s3 (set REGISTRY_TEST_POSTGRES_URL and REGISTRY_TEST_S3_URL, e.g. from scripts/services.sh and scripts/emulators.sh)"
        ),
    }

    // The whole publish pipeline (inspection, parse, validation, hashing, store) on the embedded default.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    let opened = rt
        .block_on(registry_server::open_registry(
            &registry_server::RegistryConfig::embedded(dir2.path()),
        ))
        .unwrap();
    let counter = AtomicU64::new(0);
    let mut g = c.benchmark_group("publish pipeline sqlite+fs");
    g.sample_size(30);
    g.bench_function("publish 50KB archive", |b| {
        b.to_async(&rt).iter(|| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let r = opened.registry.clone();
            async move {
                let req =
                    PublishRequest::new("bench/publish/null".parse().unwrap(), format!("1.0.{n}"));
                r.publish_bytes(&RequestContext::system(), req, archive_50k(n))
                    .await
                    .unwrap()
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
