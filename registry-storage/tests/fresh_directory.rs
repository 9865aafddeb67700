//! Several openers of one new data directory at once (processes starting
//! side by side, or a CLI command beside a server): every one opens and
//! migrates without `database is locked` or `table already exists`.

use registry_storage::{StorageConfig, open_storage};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_openers_of_a_fresh_directory_all_succeed() {
    for round in 0..15 {
        let dir = tempfile::tempdir().unwrap();
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let config = StorageConfig::embedded(dir.path());
                tokio::spawn(async move { open_storage(&config).await })
            })
            .collect();
        for o in openers {
            let opened = o
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
            let status = opened.metadata.schema_status().await.unwrap();
            assert!(status.pending.is_empty(), "round {round}: {status:?}");
        }
    }
}
