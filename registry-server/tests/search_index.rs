//! The search index on disk: a reopened registry catches up from the
//! audit-log position its index stored instead of rebuilding, and sees
//! what another process published while it was down.

use registry_core::{PublishRequest, RequestContext, SearchQuery};
use registry_server::{OpenedRegistry, RegistryConfig, open_registry};

async fn publish(opened: &OpenedRegistry, address: &str, version: &str) {
    opened
        .registry
        .publish_bytes(
            &RequestContext::system(),
            PublishRequest::new(address.parse().unwrap(), version),
            registry_core::testing::simple_module(&[]),
        )
        .await
        .unwrap();
}

async fn found(opened: &OpenedRegistry, namespace: &str) -> Vec<String> {
    let mut ids: Vec<String> = opened
        .registry
        .search(
            &RequestContext::system(),
            &SearchQuery {
                namespace: Some(namespace.into()),
                all_versions: true,
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id.to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopened_index_catches_up_with_changes_made_while_it_was_closed() {
    let dir = tempfile::tempdir().unwrap();
    let config = RegistryConfig::embedded(dir.path());
    let first = open_registry(&config).await.unwrap();
    publish(&first, "acme/net/aws", "1.0.0").await;
    assert_eq!(found(&first, "acme").await, ["acme/net/aws/1.0.0"]);
    let first_at = first.search.current_to().expect("a position on disk");

    // Another process (its own slot) publishes while the first is open and
    // not following: the first's index does not have it.
    let other = open_registry(&config).await.unwrap();
    publish(&other, "acme/net/aws", "1.1.0").await;
    publish(&other, "acme/db/aws", "0.1.0").await;
    other
        .registry
        .change_lifecycle(
            &RequestContext::system(),
            &"acme/net/aws/1.0.0".parse().unwrap(),
            registry_core::LifecycleChange::Yank { reason: None },
        )
        .await
        .unwrap();
    assert_eq!(found(&first, "acme").await, ["acme/net/aws/1.0.0"]);
    drop(first);
    drop(other);

    // Reopened, it takes its slot back and replays what came after its
    // position: the yanked version is gone from listed hits, the others in.
    let again = open_registry(&config).await.unwrap();
    let at = again.search.current_to().unwrap();
    assert!(at > first_at, "the position moved on: {first_at} → {at}");
    assert_eq!(
        found(&again, "acme").await,
        ["acme/db/aws/0.1.0", "acme/net/aws/1.1.0"]
    );
}

#[tokio::test]
async fn an_index_in_memory_is_rebuilt_on_every_open() {
    let dir = tempfile::tempdir().unwrap();
    let config = RegistryConfig {
        search: registry_server::SearchLocation::InMemory,
        ..RegistryConfig::embedded(dir.path())
    };
    let first = open_registry(&config).await.unwrap();
    publish(&first, "mem/net/aws", "1.0.0").await;
    drop(first);
    let again = open_registry(&config).await.unwrap();
    assert_eq!(again.search.current_to(), None);
    assert_eq!(found(&again, "mem").await, ["mem/net/aws/1.0.0"]);
    assert!(!dir.path().join("search").exists());
}
