//! Token stores on every SQL engine run the shared token suite.

use registry_storage::{StorageConfig, open_storage};
#[allow(unused_imports)]
use registry_testkit::env::{service_url, unique_name};

#[tokio::test]
async fn sqlite_token_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let opened = open_storage(&StorageConfig::embedded(dir.path()))
        .await
        .unwrap();
    registry_testkit::conformance::tokens::run_all(opened.metadata.as_token_store().as_ref()).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_token_store_conforms() {
    let Some(url) = service_url("REGISTRY_TEST_POSTGRES_URL", "postgres token store") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.database_url = Some(url);
    c.database_schema = Some(unique_name("tok"));
    let opened = open_storage(&c).await.unwrap();
    registry_testkit::conformance::tokens::run_all(opened.metadata.as_token_store().as_ref()).await;
}
