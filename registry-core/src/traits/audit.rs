//! Audit records of who did what.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    /// It happened.
    Success,
    /// Authentication or authorization refused it.
    Denied,
    /// It was attempted and failed.
    Failed,
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (token id, `anonymous` or `system`; never a secret).
    pub actor: String,
    /// What (`publish`, `yank`, `delete`, ...).
    pub action: String,
    /// On what (`ns/name/system/version`).
    pub target: String,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Why it failed, or other detail.
    pub detail: Option<String>,
    /// The request id, when the action came through the server.
    pub request_id: Option<String>,
    /// The client address, when known.
    pub client_addr: Option<String>,
}

/// Where audit records go.
#[async_trait]
pub trait AuditSink: Send + Sync + Debug + 'static {
    /// Append one record.
    async fn record(&self, event: AuditEvent) -> Result<()>;
}

/// Writes audit records to the `tracing` log (target `registry::audit`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingAuditSink;

#[async_trait]
impl AuditSink for TracingAuditSink {
    async fn record(&self, e: AuditEvent) -> Result<()> {
        tracing::info!(
            target: "registry::audit",
            actor = %e.actor,
            action = %e.action,
            target_id = %e.target,
            outcome = ?e.outcome,
            detail = e.detail.as_deref().unwrap_or(""),
            request_id = e.request_id.as_deref().unwrap_or(""),
            "audit"
        );
        Ok(())
    }
}
