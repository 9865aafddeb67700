//! Migrations 12 and 13's projection (each module's protocol versions
//! document, listed count, downloads and latest version) is filled in for
//! databases written before them: emptying it and migrating again gives
//! back what the records say.

use registry_core::{Filter, LifecycleChange, MetadataStore, ModuleStorage, VersionsDocument};
use registry_storage::{OpenedStorage, StorageConfig, open_storage};
#[allow(unused_imports)]
use registry_testkit::env::{service_url, unique_name};
use registry_testkit::fixtures::module;

/// Publish three versions of two modules, deprecate and yank one each,
/// count downloads; empty the projection as a pre-12 database has it,
/// migrate, and compare with the records.
async fn backfill_restores_the_projection(opened: OpenedStorage, empty: &[&'static str]) {
    let stack = &opened.stack;
    let mut published = Vec::new();
    for (address, version) in [
        ("acme/net/aws", "1.0.0"),
        ("acme/net/aws", "1.1.0"),
        ("acme/net/aws", "2.0.0"),
        ("acme/db/aws", "0.1.0"),
    ] {
        let m = module(address, version, &format!("{address}-{version}")).await;
        stack.store(&m).await.unwrap();
        published.push(m);
    }
    let now = chrono::Utc::now();
    let deprecate = LifecycleChange::Deprecate {
        reason: "moved".into(),
        successor: Some("https://example.com/moved".into()),
    };
    stack
        .change_lifecycle(&published[0].id(), &deprecate, now)
        .await
        .unwrap();
    stack
        .change_lifecycle(
            &published[1].id(),
            &LifecycleChange::Yank { reason: None },
            now,
        )
        .await
        .unwrap();
    for _ in 0..4 {
        stack.record_download(&published[2].id()).await.unwrap();
    }
    stack.flush().await.unwrap();
    let totals = opened.metadata.totals().await.unwrap();
    assert_eq!(
        (totals.modules, totals.versions, totals.downloads),
        (2, 3, 4)
    );

    let latest = opened.metadata.list_latest(&Filter::all()).await.unwrap();
    let latest: Vec<String> = latest.items.iter().map(|id| id.to_string()).collect();
    assert_eq!(latest, ["acme/db/aws/0.1.0", "acme/net/aws/2.0.0"]);

    for statement in empty {
        run(&opened, statement).await;
    }
    let emptied = opened.metadata.list_latest(&Filter::all()).await.unwrap();
    assert!(emptied.items.is_empty(), "the projection was emptied");
    opened
        .metadata
        .migrate()
        .await
        .expect("migrate fills the projection");

    assert_eq!(opened.metadata.totals().await.unwrap(), totals);
    let refilled = opened.metadata.list_latest(&Filter::all()).await.unwrap();
    let refilled: Vec<String> = refilled.items.iter().map(|id| id.to_string()).collect();
    assert_eq!(refilled, latest, "the latest versions are chosen again");
    for address in [&published[0].address, &published[3].address] {
        let records = opened.metadata.list_versions(address).await.unwrap();
        let stored = opened.metadata.versions_document(address).await.unwrap();
        assert_eq!(stored, VersionsDocument::from_records(&records).unwrap());
    }
    let net = opened
        .metadata
        .versions_document(&published[0].address)
        .await
        .unwrap()
        .unwrap();
    let listed: Vec<String> = net
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.version)
        .collect();
    assert_eq!(listed, ["1.0.0", "2.0.0"]);
    assert!(
        net.versions
            .contains(r#""deprecation":{"reason":"moved","link":"https://example.com/moved"}"#),
        "{}",
        net.versions
    );
    // Migrating again finds nothing left to fill.
    opened.metadata.migrate().await.unwrap();
    assert_eq!(opened.metadata.totals().await.unwrap(), totals);
}

async fn run(opened: &OpenedStorage, statement: &'static str) {
    #[cfg(feature = "postgres")]
    if let Some(pool) = opened.metadata.postgres_pool() {
        sqlx::query(statement).execute(pool).await.unwrap();
        return;
    }
    let pool = opened.metadata.sqlite_pool().expect("an SQL pool");
    sqlx::query(statement).execute(pool).await.unwrap();
}

const EMPTY: &[&str] = &[
    "UPDATE module_versions SET protocol_entry = NULL",
    "UPDATE modules SET versions_document = NULL, listed_versions = 0, downloads = 0, latest_version_id = NULL",
];

/// A database migrated to 12 but not 13: only the latest versions are missing.
const EMPTY_LATEST: &[&str] = &["UPDATE modules SET latest_version_id = NULL"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backfill_chooses_latest_versions() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.memory_cache_bytes = 0;
    backfill_restores_the_projection(open_storage(&c).await.unwrap(), EMPTY_LATEST).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backfill_restores_the_projection() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.memory_cache_bytes = 0;
    backfill_restores_the_projection(open_storage(&c).await.unwrap(), EMPTY).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backfill_restores_the_projection() {
    let Some(url) = service_url("REGISTRY_TEST_POSTGRES_URL", "postgres projection backfill")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.database_url = Some(url);
    c.database_schema = Some(unique_name("proj"));
    c.memory_cache_bytes = 0;
    backfill_restores_the_projection(open_storage(&c).await.unwrap(), EMPTY).await;
}
