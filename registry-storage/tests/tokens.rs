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

async fn signing_store_conforms(store: std::sync::Arc<dyn registry_core::SigningKeyStore>) {
    use registry_core::TrustedKey;
    let now = chrono::Utc::now();
    let key = |ns: &str, id: &str| TrustedKey {
        namespace: ns.into(),
        key_id: id.into(),
        public_key: format!("RW{id}"),
        added_at: now,
        expires_at: None,
    };
    store.add_key(&key("acme", "A1")).await.unwrap();
    store.add_key(&key("ACME", "A2")).await.unwrap();
    store.add_key(&key("*", "G1")).await.unwrap();
    store.add_key(&key("other", "O1")).await.unwrap();
    let ids: Vec<String> = store
        .keys_for("Acme")
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.key_id)
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.contains(&"G1".to_string()) && !ids.contains(&"O1".to_string()));
    assert_eq!(
        store.add_key(&key("acme", "A1")).await.unwrap_err().kind(),
        registry_core::ErrorKind::AlreadyExists
    );
    let later = now + chrono::Duration::days(30);
    store
        .set_key_expiry("ACME", "A2", Some(later))
        .await
        .unwrap();
    let a2 = |keys: Vec<TrustedKey>| keys.into_iter().find(|k| k.key_id == "A2").unwrap();
    let got = a2(store.keys_for("acme").await.unwrap())
        .expires_at
        .unwrap();
    assert_eq!(got.timestamp(), later.timestamp());
    store.set_key_expiry("acme", "A2", None).await.unwrap();
    assert_eq!(a2(store.keys_for("acme").await.unwrap()).expires_at, None);
    assert_eq!(
        store
            .set_key_expiry("acme", "nope", None)
            .await
            .unwrap_err()
            .kind(),
        registry_core::ErrorKind::NotFound
    );
    store.remove_key("acme", "A1").await.unwrap();
    assert_eq!(
        store.remove_key("acme", "A1").await.unwrap_err().kind(),
        registry_core::ErrorKind::NotFound
    );
    assert_eq!(store.all_keys().await.unwrap().len(), 3);
}

#[tokio::test]
async fn sqlite_signing_key_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let opened = open_storage(&StorageConfig::embedded(dir.path()))
        .await
        .unwrap();
    signing_store_conforms(opened.metadata.as_signing_key_store()).await;
    registry_testkit::conformance::policy::run_all(opened.metadata.as_policy_store().as_ref())
        .await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_signing_key_store_conforms() {
    let Some(url) = service_url("REGISTRY_TEST_POSTGRES_URL", "postgres signing key store") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.database_url = Some(url);
    c.database_schema = Some(unique_name("sig"));
    let opened = open_storage(&c).await.unwrap();
    signing_store_conforms(opened.metadata.as_signing_key_store()).await;
    registry_testkit::conformance::policy::run_all(opened.metadata.as_policy_store().as_ref())
        .await;
}
