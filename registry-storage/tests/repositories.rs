//! The followed repository store and the trusted publisher store on SQLite
//! and PostgreSQL (when `REGISTRY_TEST_POSTGRES_URL` is set; required under
//! `CI=true`): one contract, run on each engine.

use chrono::{Duration, Utc};
use registry_core::{
    ErrorKind, FollowedRepository, ModuleAddress, RepositoryRelease, RepositorySpec,
    RepositoryStatus, TagPattern, TrustedPublisher,
};
use registry_storage::{SqlMetadataStore, StorageConfig, open_storage};
#[allow(unused_imports)]
use registry_testkit::env::{service_url, unique_name};

fn followed(address: &str) -> FollowedRepository {
    FollowedRepository {
        spec: RepositorySpec {
            address: address.parse().unwrap(),
            remote: "https://git.example.com/acme/infra.git".into(),
            path: Some("modules/vpc".into()),
            tag_pattern: TagPattern::parse("vpc-v{version}").unwrap(),
        },
        created_at: Utc::now(),
        status: RepositoryStatus::default(),
    }
}

async fn repositories(store: &SqlMetadataStore) {
    let repos = store.as_repository_store();
    let vpc: ModuleAddress = "Acme/vpc/aws".parse().unwrap();
    let r = followed("Acme/vpc/aws");
    repos.add_repository(&r, b"sealed-1").await.unwrap();
    let again = repos
        .add_repository(&followed("acme/VPC/aws"), b"x")
        .await
        .unwrap_err();
    assert_eq!(
        again.kind(),
        ErrorKind::AlreadyExists,
        "one repository per module, whatever the case"
    );
    let got = repos.repository(&vpc).await.unwrap().unwrap();
    assert_eq!(got.spec, r.spec);
    assert_eq!(
        got.spec.address.to_string(),
        "Acme/vpc/aws",
        "kept as given"
    );
    assert_eq!(
        repos.hook_secret(&vpc).await.unwrap().as_deref(),
        Some(&b"sealed-1"[..])
    );
    repos
        .add_repository(&followed("acme/dns/aws"), b"sealed-2")
        .await
        .unwrap();
    let listed: Vec<String> = repos
        .repositories()
        .await
        .unwrap()
        .iter()
        .map(|r| r.spec.address.to_string())
        .collect();
    assert_eq!(listed, ["acme/dns/aws", "Acme/vpc/aws"], "by address key");

    let status = RepositoryStatus {
        last_sync_at: Some(Utc::now()),
        last_error: Some("v2.0.0: moved".into()),
        failures: 2,
        ..RepositoryStatus::default()
    };
    repos.record_status(&vpc, &status).await.unwrap();
    let got = repos.repository(&vpc).await.unwrap().unwrap();
    assert_eq!(got.status.failures, 2);
    assert_eq!(got.status.last_error.as_deref(), Some("v2.0.0: moved"));

    let release = RepositoryRelease {
        tag: "vpc-v1.0.0".into(),
        commit: "a".repeat(40),
        version: "1.0.0".into(),
        sha256: "b".repeat(64),
        published_at: Utc::now(),
    };
    repos.record_release(&vpc, &release).await.unwrap();
    let mut moved = release.clone();
    moved.commit = "c".repeat(40);
    repos.record_release(&vpc, &moved).await.unwrap();
    let releases = repos.releases(&vpc).await.unwrap();
    assert_eq!(releases.len(), 1);
    assert_eq!(
        releases[0].commit,
        "a".repeat(40),
        "a tag's first record is never replaced"
    );

    // The lease: one holder at a time, until it lapses or is given back.
    let now = Utc::now();
    let until = now + Duration::minutes(15);
    assert!(repos.try_lease(&vpc, "p1", until, now).await.unwrap());
    assert!(!repos.try_lease(&vpc, "p2", until, now).await.unwrap());
    assert!(
        repos.try_lease(&vpc, "p1", until, now).await.unwrap(),
        "its holder renews it"
    );
    assert!(
        repos
            .try_lease(&vpc, "p2", until, until + Duration::seconds(1))
            .await
            .unwrap(),
        "a lapsed lease is taken over"
    );
    repos.release_lease(&vpc, "p1").await.unwrap();
    assert!(
        !repos.try_lease(&vpc, "p3", until, now).await.unwrap(),
        "only its holder gives a lease back"
    );
    repos.release_lease(&vpc, "p2").await.unwrap();
    assert!(repos.try_lease(&vpc, "p3", until, now).await.unwrap());
    let dns: ModuleAddress = "acme/dns/aws".parse().unwrap();
    assert!(
        repos.try_lease(&dns, "p1", until, now).await.unwrap(),
        "leases are per repository"
    );
    let unknown: ModuleAddress = "acme/none/aws".parse().unwrap();
    assert!(!repos.try_lease(&unknown, "p1", until, now).await.unwrap());

    assert!(repos.remove_repository(&vpc).await.unwrap());
    assert!(!repos.remove_repository(&vpc).await.unwrap());
    assert!(repos.repository(&vpc).await.unwrap().is_none());
    assert!(repos.releases(&vpc).await.unwrap().is_empty());
    assert!(repos.hook_secret(&vpc).await.unwrap().is_none());
}

async fn trusted_publishers(store: &SqlMetadataStore) {
    let publishers = store.as_trusted_publisher_store();
    let p = TrustedPublisher {
        id: "0123456789ab".into(),
        namespace: "Acme".into(),
        issuer: "https://token.actions.githubusercontent.com".into(),
        audience: "registry.example.com".into(),
        claims: [("repository".to_string(), "acme/*".to_string())].into(),
        created_at: Utc::now(),
    };
    publishers.add_trusted_publisher(&p).await.unwrap();
    let listed = publishers.trusted_publishers().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].namespace, "acme", "namespaces are kept folded");
    assert_eq!(listed[0].claims, p.claims);
    let removed = publishers
        .remove_trusted_publisher("0123456789ab")
        .await
        .unwrap();
    assert_eq!(removed.issuer, p.issuer);
    let e = publishers
        .remove_trusted_publisher("0123456789ab")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(publishers.trusted_publishers().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_repository_stores_hold_their_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let opened = open_storage(&StorageConfig::embedded(dir.path()))
        .await
        .unwrap();
    repositories(&opened.metadata).await;
    trusted_publishers(&opened.metadata).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn the_repository_stores_hold_their_contract_on_postgres() {
    let Some(url) = service_url("REGISTRY_TEST_POSTGRES_URL", "postgres repository store") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut c = StorageConfig::embedded(dir.path());
    c.database_url = Some(url);
    c.database_schema = Some(unique_name("repo"));
    let opened = open_storage(&c).await.unwrap();
    repositories(&opened.metadata).await;
    trusted_publishers(&opened.metadata).await;
}
