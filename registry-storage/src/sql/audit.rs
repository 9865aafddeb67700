//! The append-only, hash-chained audit log in the metadata database.
//!
//! Each append runs in one transaction that first bumps the single
//! `audit_head` row (a row lock in PostgreSQL, the write lock in SQLite), so
//! appends from several server processes are serialized into one chain.

use async_trait::async_trait;
use chrono::SubsecRound as _;
use registry_core::{
    AuditEvent, AuditLog, AuditOutcome, AuditQuery, AuditSink, AuditVerification,
    ChainedAuditEvent, Result, verify_chain,
};

use super::engine::{Row, Sql};
use super::{CHANGE_CHANNEL, SqlMetadataStore};

const SELECT_EVENT: &str = "SELECT seq, at, actor, action, target, outcome, detail, request_id, client_addr, prev_hash, hash \
     FROM audit_events WHERE seq IS NOT NULL";

fn outcome_str(o: AuditOutcome) -> &'static str {
    match o {
        AuditOutcome::Success => "success",
        AuditOutcome::Denied => "denied",
        AuditOutcome::Failed => "failed",
    }
}

fn decode_event(row: &Row) -> Result<ChainedAuditEvent> {
    let seq: i64 = row.get(0)?;
    let outcome: String = row.get(5)?;
    Ok(ChainedAuditEvent {
        seq: seq.max(0) as u64,
        event: AuditEvent {
            at: row.get(1)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            target: row.get(4)?,
            outcome: match outcome.as_str() {
                "success" => AuditOutcome::Success,
                "denied" => AuditOutcome::Denied,
                _ => AuditOutcome::Failed,
            },
            detail: row.get(6)?,
            request_id: row.get(7)?,
            client_addr: row.get(8)?,
        },
        prev_hash: row.get(9)?,
        hash: row.get(10)?,
    })
}

#[async_trait]
impl AuditSink for SqlMetadataStore {
    async fn record(&self, mut event: AuditEvent) -> Result<()> {
        // Stored times keep microseconds; hash what is stored.
        event.at = event.at.trunc_subsecs(6);
        let mut tx = self.pool.begin_write().await?;
        let bump = Sql::new(
            "append audit record",
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, last_hash",
        );
        let head = tx.fetch_one(&bump).await?;
        let seq: i64 = head.get(0)?;
        let prev: String = head.get(1)?;
        let hash = event.chain_hash(&prev);
        let outcome = outcome_str(event.outcome);
        let insert = Sql::new(
            "append audit record",
            "INSERT INTO audit_events (seq, at, actor, action, target, outcome, detail, request_id, client_addr, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(seq)
        .bind(event.at)
        .bind(&event.actor)
        .bind(&event.action)
        .bind(&event.target)
        .bind(outcome)
        .bind(&event.detail)
        .bind(&event.request_id)
        .bind(&event.client_addr)
        .bind(&prev)
        .bind(&hash);
        tx.execute(&insert).await?;
        let head = Sql::new(
            "append audit record",
            "UPDATE audit_head SET last_hash = $1 WHERE id = 1",
        )
        .bind(&hash);
        tx.execute(&head).await?;
        if tx.is_postgres() {
            // Wake other server processes (delivered at commit).
            let notify = Sql::new("announce change", "SELECT pg_notify($1, $2)")
                .bind(CHANGE_CHANNEL)
                .bind(seq.to_string());
            tx.execute(&notify).await?;
        }
        tx.commit().await?;
        tracing::info!(target: "registry::audit", actor = %event.actor, action = %event.action, target_id = %event.target, outcome, "audit");
        Ok(())
    }
}

#[async_trait]
impl AuditLog for SqlMetadataStore {
    async fn head_seq(&self) -> Result<u64> {
        let q = Sql::new("read audit head", "SELECT seq FROM audit_head WHERE id = 1");
        let seq: i64 = match self.pool.fetch_optional(&q).await? {
            Some(r) => r.get(0)?,
            None => 0,
        };
        Ok(seq.max(0) as u64)
    }

    async fn list(&self, query: &AuditQuery) -> Result<Vec<ChainedAuditEvent>> {
        let limit = if query.limit == 0 {
            100
        } else {
            query.limit.min(10_000)
        };
        let mut q = Sql::new("list audit records", SELECT_EVENT);
        if let Some(s) = query.since {
            q.push(" AND at >= ").push_bind(s);
        }
        if let Some(after) = query.after {
            q.push(" AND seq > ")
                .push_bind(i64::try_from(after).unwrap_or(i64::MAX));
        }
        if let Some(ns) = &query.namespace {
            // Prefix match without LIKE, so `_` and `%` in names need no escaping.
            let prefix = format!("{}/", ns.to_ascii_lowercase());
            q.push(" AND substr(lower(target), 1, CAST(")
                .push_bind(prefix.chars().count() as i64)
                .push(" AS INTEGER)) = ")
                .push_bind(prefix);
        }
        q.push(" ORDER BY seq LIMIT ").push_bind(limit as i64);
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(decode_event)
            .collect()
    }

    async fn verify(&self) -> Result<AuditVerification> {
        let head = Sql::new(
            "verify audit log",
            "SELECT seq, last_hash FROM audit_head WHERE id = 1",
        );
        let head = self.pool.fetch_one(&head).await?;
        let count: i64 = head.get(0)?;
        let last: String = head.get(1)?;
        let all = Sql::new("verify audit log", format!("{SELECT_EVENT} ORDER BY seq"));
        let records = self
            .pool
            .fetch_all(&all)
            .await?
            .iter()
            .map(decode_event)
            .collect::<Result<Vec<_>>>()?;
        Ok(verify_chain(&records, Some((count.max(0) as u64, &last))))
    }
}
