//! Download counts batched in memory and written once a second, so counting
//! a download costs a map update instead of a database write per request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{NaiveDate, Utc};

use crate::address::ModuleId;
use crate::error::Result;
use crate::traits::storage::MetadataStore;

/// How often pending counts are written.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(crate) struct DownloadBatcher {
    metadata: Arc<dyn MetadataStore>,
    /// Counts by version and the day (UTC) they were made.
    pending: Mutex<HashMap<(ModuleId, NaiveDate), u64>>,
    /// Held from drain to the last write, so a flush returns only after
    /// every count drained before it (by it or a concurrent flush) is written.
    writing: tokio::sync::Mutex<()>,
    flusher_started: AtomicBool,
}

impl DownloadBatcher {
    pub(crate) fn new(metadata: Arc<dyn MetadataStore>) -> Arc<Self> {
        Arc::new(DownloadBatcher {
            metadata,
            pending: Mutex::new(HashMap::new()),
            writing: tokio::sync::Mutex::new(()),
            flusher_started: AtomicBool::new(false),
        })
    }

    /// Count one download; starts the background flusher on first use.
    pub(crate) fn record(self: &Arc<Self>, id: &ModuleId) {
        {
            let day = Utc::now().date_naive();
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            let key = (id.clone(), day);
            match pending.get_mut(&key) {
                Some(n) => *n += 1,
                None => {
                    pending.insert(key, 1);
                }
            }
        }
        if !self.flusher_started.swap(true, Ordering::AcqRel) {
            let weak: Weak<Self> = Arc::downgrade(self);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(FLUSH_INTERVAL).await;
                    let Some(me) = weak.upgrade() else { return };
                    if let Err(e) = me.flush().await {
                        tracing::warn!(error = %e, "could not write download counts; will retry");
                    }
                }
            });
        }
    }

    /// Write every pending count. Counts that fail to write are kept for the next flush.
    pub(crate) async fn flush(&self) -> Result<()> {
        let _writing = self.writing.lock().await;
        let batch: Vec<((ModuleId, NaiveDate), u64)> = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .collect();
        let mut first_error = None;
        for ((id, day), n) in batch {
            match self.metadata.add_downloads(&id, day, n).await {
                Ok(()) => {}
                // The version was deleted meanwhile: its count goes with it.
                Err(e) if e.kind() == crate::ErrorKind::NotFound => {}
                Err(e) => {
                    *self
                        .pending
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .entry((id, day))
                        .or_insert(0) += n;
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
