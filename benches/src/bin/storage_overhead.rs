//! Our storage layer against raw `object_store` + sqlx, measured in
//! alternating pairs so machine drift (page cache, writeback, emulator load)
//! hits both sides equally. Prints medians and the ratio per operation.
//!
//! `storage-overhead [ROUNDS]` (default 300) on SQLite + a local folder, and
//! on PostgreSQL + S3 when `REGISTRY_TEST_POSTGRES_URL` and
//! `REGISTRY_TEST_S3_URL` are set (see scripts/services.sh, scripts/emulators.sh).

use std::time::{Duration, Instant};

use object_store::ObjectStoreExt;
use registry_benches::storage::{RawPool, archive_50k, module, raw_path};
use registry_core::ModuleStorage;
use registry_storage::{OpenedStorage, StorageConfig, open_storage};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run(label: &str, opened: OpenedStorage, rounds: u64) {
    let pool = RawPool::of(&opened.metadata).await;
    let raw = opened.blobs.object_store().clone();
    let no_cache =
        registry_core::StorageStack::new(opened.metadata.as_store(), opened.blob_store.clone());
    let (mut ours_put, mut raw_put, mut ours_get, mut raw_get) = (vec![], vec![], vec![], vec![]);
    // Stores, then gets, each in pairs whose order alternates, so neither
    // side always runs right after the other's fsync.
    let mut ids = Vec::new();
    for n in 0..rounds {
        let m = module(n, archive_50k(n));
        let bytes = archive_50k(n + 1_000_000);
        let sha = registry_core::Sha256Digest::of(&bytes);
        let row_json = serde_json::to_string(&m.metadata).unwrap();
        let raw_path = raw_path(&sha);
        let ours = async {
            let t = Instant::now();
            opened.stack.store(&m).await.unwrap();
            t.elapsed()
        };
        let theirs = async {
            let t = Instant::now();
            raw.put(&raw_path, bytes.into()).await.unwrap();
            pool.insert(&format!("k{n}"), &sha.hex(), &row_json).await;
            t.elapsed()
        };
        if n % 2 == 0 {
            ours_put.push(ours.await);
            raw_put.push(theirs.await);
        } else {
            raw_put.push(theirs.await);
            ours_put.push(ours.await);
        }
        ids.push((m.id(), opened.blobs.path_of(&m.metadata.sha256)));
    }
    for (n, (id, path)) in ids.iter().enumerate() {
        // ours: no cache, digest verified; raw: the same file and a row.
        let ours = async {
            let t = Instant::now();
            no_cache.get(id).await.unwrap();
            t.elapsed()
        };
        let theirs = async {
            let t = Instant::now();
            raw.get(path).await.unwrap().bytes().await.unwrap();
            pool.select(&format!("k{n}")).await;
            t.elapsed()
        };
        if n % 2 == 0 {
            ours_get.push(ours.await);
            raw_get.push(theirs.await);
        } else {
            raw_get.push(theirs.await);
            ours_get.push(ours.await);
        }
    }
    // Where our get's time goes (same versions, again in rounds).
    let meta = opened.metadata.as_store();
    let (mut t_meta, mut t_blob, mut t_sha, mut t_raw_sel) = (vec![], vec![], vec![], vec![]);
    for n in 0..rounds {
        let m = module(n, Vec::new());
        let id = m.id();
        let t = Instant::now();
        let record = meta.get_version(&id).await.unwrap();
        t_meta.push(t.elapsed());
        let t = Instant::now();
        let bytes = opened
            .blob_store
            .get(&record.metadata.sha256)
            .await
            .unwrap();
        t_blob.push(t.elapsed());
        let t = Instant::now();
        record.metadata.sha256.verify(&bytes).unwrap();
        t_sha.push(t.elapsed());
        let t = Instant::now();
        pool.select(&format!("k{n}")).await;
        t_raw_sel.push(t.elapsed());
    }
    eprintln!(
        "{label} get breakdown (medians): metadata record {:.2?} (raw select {:.2?}), blob read {:.2?}, sha256 check {:.2?}",
        median(t_meta),
        median(t_raw_sel),
        median(t_blob),
        median(t_sha)
    );
    let (op, rp, og, rg) = (
        median(ours_put),
        median(raw_put),
        median(ours_get),
        median(raw_get),
    );
    println!(
        "| {label} | store 50 KB | {op:.2?} | {rp:.2?} | {:.2}x |",
        op.as_secs_f64() / rp.as_secs_f64()
    );
    println!(
        "| {label} | get 50 KB | {og:.2?} | {rg:.2?} | {:.2}x |",
        og.as_secs_f64() / rg.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let rounds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    println!("| backend | operation | ours (median) | raw object_store + sqlx (median) | ratio |");
    println!("|---|---|---|---|---|");
    let dir = tempfile::tempdir().unwrap();
    run(
        "sqlite+fs",
        open_storage(&StorageConfig::embedded(dir.path()))
            .await
            .unwrap(),
        rounds,
    )
    .await;
    match (
        std::env::var("REGISTRY_TEST_POSTGRES_URL"),
        std::env::var("REGISTRY_TEST_S3_URL"),
    ) {
        (Ok(pg), Ok(s3)) => {
            let run_id = format!("overhead{}", std::process::id());
            let mut config = StorageConfig::embedded(dir.path().join("pg"));
            config.database_url = Some(pg);
            config.database_schema = Some(run_id.clone());
            let mut url = url::Url::parse(&s3).unwrap();
            url.set_path(&format!("{}/{run_id}", url.path().trim_end_matches('/')));
            config.blob_url = Some(url.to_string());
            run("postgres+s3", open_storage(&config).await.unwrap(), rounds).await;
        }
        _ => eprintln!(
            "skipping postgres+s3: set REGISTRY_TEST_POSTGRES_URL and REGISTRY_TEST_S3_URL"
        ),
    }
}
