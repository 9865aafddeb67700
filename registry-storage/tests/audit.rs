//! The hash-chained audit log on every SQL engine runs the shared audit suite,
//! including edits and removals made directly in the database.

use registry_storage::{SqlMetadataStore, StorageConfig, open_storage};
#[allow(unused_imports)]
use registry_testkit::env::{service_url, unique_name};

async fn run(metadata: SqlMetadataStore) {
    let raw = metadata.clone();
    let exec = move |sql: String| -> futures::future::BoxFuture<'static, ()> {
        let raw = raw.clone();
        Box::pin(async move {
            #[cfg(feature = "sqlite")]
            if let Some(pool) = raw.sqlite_pool() {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(pool)
                    .await
                    .unwrap();
                return;
            }
            #[cfg(feature = "postgres")]
            if let Some(pool) = raw.postgres_pool() {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(pool)
                    .await
                    .unwrap();
                return;
            }
            unreachable!("the store is on an engine this build has");
        })
    };
    registry_testkit::conformance::audit::run_all(metadata.as_audit_log(), &exec).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_audit_log_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let opened = open_storage(&StorageConfig::embedded(dir.path()))
        .await
        .unwrap();
    run(opened.metadata).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_audit_log_conforms() {
    let Some(url) = service_url("REGISTRY_TEST_POSTGRES_URL", "postgres audit log") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.database_url = Some(url);
    c.database_schema = Some(unique_name("audit"));
    let opened = open_storage(&c).await.unwrap();
    run(opened.metadata).await;
}
