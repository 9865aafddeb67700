//! Several registry processes on one metadata store: each keeps its own
//! in-process cache and search index, and follows the others' publishes,
//! lifecycle changes and deletes through the audit-log change feed (polled,
//! and pushed with `LISTEN/NOTIFY` on PostgreSQL), with no Redis.

use std::time::{Duration, Instant};

use registry_core::{
    LifecycleChange, ModuleAddress, ModuleId, PublishRequest, RequestContext, SearchQuery,
};
use registry_server::{OpenedRegistry, RegistryConfig, open_registry};

async fn listed(r: &OpenedRegistry, address: &ModuleAddress) -> Vec<String> {
    r.registry
        .versions(&RequestContext::anonymous(), address)
        .await
        .map(|v| v.iter().map(|r| r.version.to_string()).collect())
        .unwrap_or_default()
}

async fn found(r: &OpenedRegistry, text: &str) -> Vec<String> {
    let q = SearchQuery {
        text: text.into(),
        all_versions: true,
        limit: 50,
        ..Default::default()
    };
    r.registry
        .search(&RequestContext::anonymous(), &q)
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id.to_string())
        .collect()
}

/// Wait until `check` holds on `b`; returns how long it took.
async fn within<F, Fut>(limit: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "{what}: not seen by the other process within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `a` changes, `b` (following with `poll`) must see each change within `limit`.
async fn two_processes(config: RegistryConfig, poll: Duration, limit: Duration, label: &str) {
    let a = open_registry(&config).await.unwrap();
    let b = open_registry(&config).await.unwrap();
    let _follow = b.follow_changes(poll);
    let sys = RequestContext::system();
    let address: ModuleAddress = "multi/feed/null".parse().unwrap();
    let publish = |v: &'static str| {
        let a = a.clone();
        let address = address.clone();
        async move {
            a.registry
                .publish_bytes(
                    &RequestContext::system(),
                    PublishRequest::new(address, v),
                    registry_core::testing::simple_module(&[]),
                )
                .await
                .unwrap();
        }
    };
    publish("1.0.0").await;
    let t = within(limit, "first publish", || async {
        listed(&b, &address).await == ["1.0.0"]
    })
    .await;
    eprintln!("{label}: publish seen after {t:?}");
    // b's cache now holds the version list; the next change must evict it.
    assert_eq!(listed(&b, &address).await, ["1.0.0"]);

    publish("1.1.0").await;
    let t = within(limit, "second publish (cached list)", || async {
        listed(&b, &address).await == ["1.0.0", "1.1.0"]
            && found(&b, "feed")
                .await
                .contains(&"multi/feed/null/1.1.0".into())
    })
    .await;
    eprintln!("{label}: publish over a warm cache seen after {t:?}");

    let v110: ModuleId = "multi/feed/null/1.1.0".parse().unwrap();
    a.registry
        .change_lifecycle(&sys, &v110, LifecycleChange::Yank { reason: None })
        .await
        .unwrap();
    let t = within(limit, "yank", || async {
        listed(&b, &address).await == ["1.0.0"]
            && !found(&b, "feed")
                .await
                .contains(&"multi/feed/null/1.1.0".into())
    })
    .await;
    eprintln!("{label}: yank seen after {t:?}");

    let v100: ModuleId = "multi/feed/null/1.0.0".parse().unwrap();
    a.registry.delete(&sys, &v100).await.unwrap();
    let t = within(limit, "delete", || async {
        listed(&b, &address).await.is_empty() && found(&b, "feed").await.is_empty()
    })
    .await;
    eprintln!("{label}: delete seen after {t:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_processes_follow_each_other_by_polling() {
    let dir = tempfile::tempdir().unwrap();
    two_processes(
        RegistryConfig::embedded(dir.path()),
        registry_server::CHANGE_POLL,
        // Polled every 500 ms; the rest is slack for a loaded machine.
        Duration::from_secs(5),
        "sqlite",
    )
    .await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_processes_are_woken_by_notify() {
    let Some(url) = registry_testkit::env::service_url(
        "REGISTRY_TEST_POSTGRES_URL",
        "multi-process change feed",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = RegistryConfig::embedded(dir.path());
    config.storage.database_url = Some(url);
    config.storage.database_schema = Some(registry_testkit::env::unique_name("feed"));
    // A poll far longer than the limit: only NOTIFY can make it in time.
    two_processes(
        config,
        Duration::from_secs(3600),
        Duration::from_secs(5),
        "postgres",
    )
    .await;
}
