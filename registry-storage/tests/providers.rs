//! The provider store on SQLite and PostgreSQL (when
//! `REGISTRY_TEST_POSTGRES_URL` is set; required under `CI=true`): one
//! contract, run on each engine.

use chrono::Utc;
use registry_core::{
    ErrorKind, MetadataStore, ProviderAddress, ProviderKey, ProviderKeyOrigin, ProviderPlatform,
    ProviderRelease, ProviderSignature, ProviderStore, Sha256Digest, Version,
};
use registry_storage::{SqlMetadataStore, StorageConfig, open_storage};
#[allow(unused_imports)]
use registry_testkit::env::{service_url, unique_name};

fn release(address: &ProviderAddress, version: &str, zip: &[u8]) -> ProviderRelease {
    ProviderRelease {
        address: address.clone(),
        version: Version::parse(version).unwrap(),
        protocols: vec!["5.0".into(), "6.0".into()],
        platforms: vec![
            ProviderPlatform {
                os: "darwin".into(),
                arch: "arm64".into(),
                filename: format!("terraform-provider-null_{version}_darwin_arm64.zip"),
                sha256: Sha256Digest::of(b"darwin"),
                size: Some(6),
                h1: Some("h1:abc=".into()),
                source_url: None,
            },
            ProviderPlatform {
                os: "linux".into(),
                arch: "amd64".into(),
                filename: format!("terraform-provider-null_{version}_linux_amd64.zip"),
                sha256: Sha256Digest::of(zip),
                size: None,
                h1: None,
                source_url: Some("https://up.example/zip".into()),
            },
        ],
        signature: Some(ProviderSignature {
            shasums: "sums\n".into(),
            signature: vec![0, 1, 2, 255],
            key_id: "ABCDEF0123456789".into(),
            by_registry: true,
        }),
        published_at: Utc::now(),
        origin: "token:x".into(),
    }
}

async fn contract(store: &SqlMetadataStore) {
    let own: ProviderAddress = "acme/null".parse().unwrap();
    let copy: ProviderAddress = "registry.terraform.io/acme/null".parse().unwrap();
    let p: &dyn ProviderStore = store;
    let a = release(&own, "1.9.0", b"zip-1.9");
    p.insert_release(&a).await.unwrap();
    p.insert_release(&release(&own, "1.10.0", b"zip-1.10"))
        .await
        .unwrap();
    let mut c = release(&copy, "1.9.0", b"zip-copy");
    c.signature = None;
    p.insert_release(&c).await.unwrap();

    let back = p.release(&own, &a.version).await.unwrap().unwrap();
    assert_eq!(back.platforms, a.platforms);
    assert_eq!(back.signature, a.signature);
    assert_eq!(back.protocols, a.protocols);
    let versions: Vec<String> = p
        .releases(&own)
        .await
        .unwrap()
        .iter()
        .map(|r| r.version.to_string())
        .collect();
    assert_eq!(
        versions,
        ["1.10.0", "1.9.0"],
        "newest first, as versions compare"
    );
    assert_eq!(p.releases(&copy).await.unwrap()[0].signature, None);
    assert_eq!(p.providers(None).await.unwrap(), vec![own.clone()]);
    assert_eq!(
        p.providers(Some("registry.terraform.io")).await.unwrap(),
        vec![copy.clone()]
    );

    // A taken version is refused whole: no second set of platforms.
    let mut again = release(&own, "1.9.0", b"other");
    again.platforms.truncate(1);
    let e = p.insert_release(&again).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{e}");
    assert_eq!(
        p.release(&own, &a.version)
            .await
            .unwrap()
            .unwrap()
            .platforms
            .len(),
        2
    );

    // A mirrored zip is recorded once stored, and only with its digest.
    let mut linux = back.platforms[1].clone();
    linux.size = Some(7);
    linux.h1 = Some("h1:linux=".into());
    p.platform_stored(&own, &a.version, &linux).await.unwrap();
    assert_eq!(
        p.release(&own, &a.version)
            .await
            .unwrap()
            .unwrap()
            .platforms[1],
        linux
    );
    let mut wrong = linux.clone();
    wrong.sha256 = Sha256Digest::of(b"other");
    assert_eq!(
        p.platform_stored(&own, &a.version, &wrong)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );

    let new_sig = ProviderSignature {
        shasums: "sums\n".into(),
        signature: vec![9; 300],
        key_id: "1111111111111111".into(),
        by_registry: true,
    };
    p.replace_signature(&own, &a.version, &new_sig)
        .await
        .unwrap();
    assert_eq!(
        p.release(&own, &a.version)
            .await
            .unwrap()
            .unwrap()
            .signature,
        Some(new_sig)
    );

    // Provider zips count as referenced blobs (GC keeps them).
    let referenced = store.referenced_blobs().await.unwrap();
    assert!(referenced.contains(&Sha256Digest::of(b"zip-1.9")));
    assert!(referenced.contains(&Sha256Digest::of(b"zip-copy")));

    let key = ProviderKey {
        namespace: "acme".into(),
        key_id: "ABCDEF0123456789".into(),
        public_key: "-----BEGIN PGP PUBLIC KEY BLOCK-----".into(),
        origin: ProviderKeyOrigin::Registry,
        sealed_secret: Some(vec![1, 2, 3]),
        created_at: Utc::now(),
        revoked_at: None,
    };
    p.add_provider_key(&key).await.unwrap();
    assert_eq!(
        p.add_provider_key(&key).await.unwrap_err().kind(),
        ErrorKind::AlreadyExists
    );
    let registered = ProviderKey {
        key_id: "0000000000000001".into(),
        origin: ProviderKeyOrigin::Registered,
        sealed_secret: None,
        created_at: Utc::now() + chrono::Duration::seconds(1),
        ..key.clone()
    };
    p.add_provider_key(&registered).await.unwrap();
    let keys = p.provider_keys(Some("ACME")).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].key_id, registered.key_id, "newest first");
    assert_eq!(keys[1].sealed_secret, Some(vec![1, 2, 3]));
    assert!(p.provider_keys(Some("other")).await.unwrap().is_empty());
    p.revoke_provider_key("acme", &key.key_id, Utc::now())
        .await
        .unwrap();
    assert!(!p.provider_keys(Some("acme")).await.unwrap()[1].is_active());
    assert_eq!(
        p.revoke_provider_key("acme", &key.key_id, Utc::now())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound,
        "a key is revoked once"
    );
}

#[tokio::test]
async fn the_provider_store_holds_its_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let opened = open_storage(&StorageConfig::embedded(dir.path()))
        .await
        .unwrap();
    contract(&opened.metadata).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn the_provider_store_holds_its_contract_on_postgres() {
    let Some(url) = service_url("REGISTRY_TEST_POSTGRES_URL", "postgres provider store") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.database_url = Some(url);
    c.database_schema = Some(unique_name("prov"));
    let opened = open_storage(&c).await.unwrap();
    contract(&opened.metadata).await;
}
