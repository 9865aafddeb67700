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

/// Which audit records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Only records at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only records whose target is in this namespace.
    pub namespace: Option<String>,
    /// Only records after this sequence number (paging).
    pub after: Option<u64>,
    /// Most records (0: 100).
    pub limit: usize,
}

/// A stored audit record with its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainedAuditEvent {
    /// Position in the log.
    pub seq: u64,
    /// The record.
    pub event: AuditEvent,
    /// Hash of the previous record (64 zeros for the first).
    pub prev_hash: String,
    /// This record's hash: sha256 over `prev_hash` and the record's canonical text.
    pub hash: String,
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditVerification {
    /// Every link holds.
    Intact {
        /// Records checked.
        records: u64,
    },
    /// The first broken link.
    Broken {
        /// Sequence number of the first record that does not fit the chain.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
}

/// The hash of the first record's predecessor.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl AuditEvent {
    /// The text a record's hash covers (fields joined by tabs, time in RFC 3339
    /// with microseconds, absent fields empty).
    pub fn canonical(&self) -> String {
        let outcome = match self.outcome {
            AuditOutcome::Success => "success",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failed => "failed",
        };
        let esc = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('\t', "\\t")
                .replace('\n', "\\n")
        };
        [
            self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            esc(&self.actor),
            esc(&self.action),
            esc(&self.target),
            outcome.to_string(),
            esc(self.detail.as_deref().unwrap_or("")),
            esc(self.request_id.as_deref().unwrap_or("")),
            esc(self.client_addr.as_deref().unwrap_or("")),
        ]
        .join("\t")
    }

    /// The chain hash of this record after `prev_hash`.
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut h = crate::digest::Sha256Hasher::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        h.finish().hex()
    }
}

/// Check a run of records from the start of the log.
pub fn verify_chain(records: &[ChainedAuditEvent], head: Option<(u64, &str)>) -> AuditVerification {
    let mut prev = GENESIS_HASH.to_string();
    for (i, r) in records.iter().enumerate() {
        if r.prev_hash != prev {
            let reason = if i == 0 {
                "the first record does not start the chain (records before it were removed)"
                    .to_string()
            } else {
                format!(
                    "it does not follow record {} (a record between them was removed or changed)",
                    records[i - 1].seq
                )
            };
            return AuditVerification::Broken { seq: r.seq, reason };
        }
        let expected = r.event.chain_hash(&r.prev_hash);
        if !crate::digest::constant_time_eq(expected.as_bytes(), r.hash.as_bytes()) {
            return AuditVerification::Broken {
                seq: r.seq,
                reason: "its content does not match its hash (the record was changed)".into(),
            };
        }
        prev = r.hash.clone();
    }
    if let Some((count, last)) = head
        && (count != records.len() as u64 || last != prev)
    {
        let seq = records.last().map_or(0, |r| r.seq + 1);
        return AuditVerification::Broken {
            seq,
            reason: format!(
                "the log has {} records but {count} were appended (records at the end were removed)",
                records.len()
            ),
        };
    }
    AuditVerification::Intact {
        records: records.len() as u64,
    }
}

/// An append-only, hash-chained audit log.
#[async_trait]
pub trait AuditLog: AuditSink {
    /// Records matching a query, oldest first.
    async fn list(&self, query: &AuditQuery) -> Result<Vec<ChainedAuditEvent>>;
    /// Walk the whole chain and report the first broken link.
    async fn verify(&self) -> Result<AuditVerification>;
    /// Sequence number of the newest record (0 when the log is empty).
    async fn head_seq(&self) -> Result<u64>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(action: &str) -> AuditEvent {
        AuditEvent {
            at: "2026-11-26T10:00:00.123456Z".parse().unwrap(),
            actor: "token:a".into(),
            action: action.into(),
            target: "acme/vpc/aws/1.0.0".into(),
            outcome: AuditOutcome::Success,
            detail: None,
            request_id: Some("r1".into()),
            client_addr: None,
        }
    }

    fn chain(actions: &[&str]) -> Vec<ChainedAuditEvent> {
        let mut prev = GENESIS_HASH.to_string();
        actions
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let e = ev(a);
                let hash = e.chain_hash(&prev);
                let c = ChainedAuditEvent {
                    seq: i as u64 + 1,
                    event: e,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                c
            })
            .collect()
    }

    #[test]
    fn tampering_and_removal_are_found() {
        let c = chain(&["publish", "yank", "delete"]);
        let head = (3, c[2].hash.as_str());
        assert_eq!(
            verify_chain(&c, Some(head)),
            AuditVerification::Intact { records: 3 }
        );
        let mut changed = c.clone();
        changed[1].event.action = "unyank".into();
        assert!(matches!(
            verify_chain(&changed, Some(head)),
            AuditVerification::Broken { seq: 2, .. }
        ));
        let removed = vec![c[0].clone(), c[2].clone()];
        assert!(matches!(
            verify_chain(&removed, Some(head)),
            AuditVerification::Broken { seq: 3, .. }
        ));
        let truncated = vec![c[0].clone(), c[1].clone()];
        assert!(matches!(
            verify_chain(&truncated, Some(head)),
            AuditVerification::Broken { seq: 3, .. }
        ));
        let first_gone = vec![c[1].clone(), c[2].clone()];
        assert!(matches!(
            verify_chain(&first_gone, Some(head)),
            AuditVerification::Broken { seq: 2, .. }
        ));
    }
}
