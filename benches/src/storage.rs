//! What the storage benchmarks (`benches/storage.rs` and the
//! `storage-overhead` binary) share: the archives, the module around them,
//! and the raw baseline's table and object layout.

use registry_core::{ArchiveBody, ArchiveFormat, Module, ModuleMetadata, Sha256Digest};

/// A 50 KB module archive whose payload is noise seeded by `seed` (so it
/// does not compress away and every seed gives a different blob).
pub fn archive_50k(seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let noise: Vec<u8> = (0..50_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    registry_core::testing::TarBuilder::new()
        .file("main.tf", "variable \"a\" {}\n")
        .file("payload.bin", noise)
        .finish()
}

/// Version `1.0.<n>` of `bench/storage/null` with `bytes` as its archive.
pub fn module(n: u64, bytes: Vec<u8>) -> Module {
    Module {
        address: "bench/storage/null".parse().expect("a valid address"),
        version: format!("1.0.{n}").parse().expect("a valid version"),
        metadata: ModuleMetadata {
            description: None,
            owner: None,
            source_url: None,
            published_at: chrono::Utc::now(),
            size: bytes.len() as u64,
            sha256: Sha256Digest::of(&bytes),
            h1: "h1:bench".into(),
            format: ArchiveFormat::TarGz,
            root_dir: None,
            signature: None,
            summary: Default::default(),
            lifecycle: Default::default(),
            downloads: 0,
            warnings: Vec::new(),
            checks: None,
            mirrored: None,
        },
        archive: ArchiveBody::from(bytes),
    }
}

/// The raw baseline's table.
pub const RAW_TABLE: &str = "CREATE TABLE IF NOT EXISTS raw_bench (k TEXT PRIMARY KEY, sha TEXT NOT NULL, size BIGINT NOT NULL, meta TEXT NOT NULL)";
/// The raw baseline's insert.
pub const RAW_INSERT: &str = "INSERT INTO raw_bench (k, sha, size, meta) VALUES ($1, $2, $3, $4)";
/// The raw baseline's select.
pub const RAW_SELECT: &str = "SELECT meta FROM raw_bench WHERE k = $1";

/// Where the raw baseline puts a blob: the same sharded layout as ours
/// (`sha256/<2 hex>/<hex>`) under `raw/`, so both sides create the same
/// directories.
pub fn raw_path(sha: &Sha256Digest) -> object_store::path::Path {
    let hex = sha.hex();
    object_store::path::Path::from(format!("raw/sha256/{}/{hex}", &hex[..2]))
}

/// The raw baseline's database: a plain pool on the same database as the
/// store under test, with the raw table created.
#[derive(Clone)]
pub enum RawPool {
    /// SQLite.
    Sqlite(sqlx::SqlitePool),
    /// PostgreSQL.
    Postgres(sqlx::PgPool),
}

impl RawPool {
    /// The pool under `store`, with [`RAW_TABLE`] created.
    pub async fn of(store: &registry_storage::SqlMetadataStore) -> RawPool {
        let pool = match (store.sqlite_pool(), store.postgres_pool()) {
            (Some(p), _) => RawPool::Sqlite(p.clone()),
            (_, Some(p)) => RawPool::Postgres(p.clone()),
            _ => unreachable!("the store is on SQLite or PostgreSQL"),
        };
        match &pool {
            RawPool::Sqlite(p) => sqlx::query(RAW_TABLE).execute(p).await.map(drop),
            RawPool::Postgres(p) => sqlx::query(RAW_TABLE).execute(p).await.map(drop),
        }
        .unwrap();
        pool
    }

    /// [`RAW_INSERT`] of one row: key, digest, 50,000 bytes, `meta`.
    pub async fn insert(&self, k: &str, sha: &str, meta: &str) {
        match self {
            RawPool::Sqlite(p) => sqlx::query(RAW_INSERT)
                .bind(k)
                .bind(sha)
                .bind(50_000i64)
                .bind(meta)
                .execute(p)
                .await
                .map(drop),
            RawPool::Postgres(p) => sqlx::query(RAW_INSERT)
                .bind(k)
                .bind(sha)
                .bind(50_000i64)
                .bind(meta)
                .execute(p)
                .await
                .map(drop),
        }
        .unwrap()
    }

    /// [`RAW_SELECT`] of one row's `meta`.
    pub async fn select(&self, k: &str) -> Option<String> {
        match self {
            RawPool::Sqlite(p) => {
                sqlx::query_scalar(RAW_SELECT)
                    .bind(k)
                    .fetch_optional(p)
                    .await
            }
            RawPool::Postgres(p) => {
                sqlx::query_scalar(RAW_SELECT)
                    .bind(k)
                    .fetch_optional(p)
                    .await
            }
        }
        .unwrap()
    }
}
