//! The periodic poll: every followed repository synced once an interval
//! (`--repo-poll-interval`), the fallback for hooks that never came and
//! the retry of syncs that failed. A repository another process is syncing
//! is skipped until the next round.

use std::time::Duration;

use registry_core::ErrorKind;

use super::Repositories;

/// The poll, running until dropped.
#[derive(Debug)]
pub struct Poller {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Sync every repository each `interval`, the first round right away.
pub fn spawn_poller(repos: Repositories, interval: Duration) -> Poller {
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            poll_once(&repos).await;
        }
    });
    Poller { task }
}

async fn poll_once(repos: &Repositories) {
    let all = match repos.store.repositories().await {
        Ok(all) => all,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list followed repositories");
            return;
        }
    };
    for r in all {
        let address = &r.spec.address;
        match repos.sync_now(address).await {
            Ok(report) => {
                let published = report
                    .tags
                    .iter()
                    .filter(|t| t.outcome == "published")
                    .count();
                if published > 0 || !report.tags.is_empty() {
                    tracing::info!(%address, published, "repository synced");
                }
            }
            Err(e) if e.kind() == ErrorKind::Conflict => {}
            Err(e) => tracing::warn!(%address, error = %e, "repository sync failed"),
        }
    }
}
