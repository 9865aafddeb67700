//! The append-only, hash-chained audit log in the metadata database.
//!
//! Each append runs in one transaction that first bumps the single
//! `audit_head` row (a row lock in PostgreSQL, the write lock in SQLite), so
//! appends from several server processes are serialized into one chain.

/// Writes the [`registry_core::AuditLog`] implementation for one engine.
#[allow(unused_macros)]
macro_rules! sql_audit_log {
    ($store:ident, $db:ty, $backend:literal) => {
        impl $store {
            fn decode_audit(row: &<$db as sqlx::Database>::Row) -> registry_core::Result<registry_core::ChainedAuditEvent> {
                use sqlx::Row as _;
                let g = |e| crate::error::from_sqlx($backend, "decode audit record", e);
                let outcome: String = row.try_get(5).map_err(g)?;
                let seq: i64 = row.try_get(0).map_err(g)?;
                Ok(registry_core::ChainedAuditEvent {
                    seq: seq as u64,
                    event: registry_core::AuditEvent {
                        at: row.try_get(1).map_err(g)?,
                        actor: row.try_get(2).map_err(g)?,
                        action: row.try_get(3).map_err(g)?,
                        target: row.try_get(4).map_err(g)?,
                        outcome: match outcome.as_str() {
                            "success" => registry_core::AuditOutcome::Success,
                            "denied" => registry_core::AuditOutcome::Denied,
                            _ => registry_core::AuditOutcome::Failed,
                        },
                        detail: row.try_get(6).map_err(g)?,
                        request_id: row.try_get(7).map_err(g)?,
                        client_addr: row.try_get(8).map_err(g)?,
                    },
                    prev_hash: row.try_get(9).map_err(g)?,
                    hash: row.try_get(10).map_err(g)?,
                })
            }
        }

        #[async_trait::async_trait]
        impl registry_core::AuditSink for $store {
            async fn record(&self, event: registry_core::AuditEvent) -> registry_core::Result<()> {
                use chrono::SubsecRound as _;
                use sqlx::Row as _;
                let mut event = event;
                // Stored times keep microseconds; hash what is stored.
                event.at = event.at.trunc_subsecs(6);
                let err = |e| crate::error::from_sqlx($backend, "append audit record", e);
                let mut tx = self.pool.begin().await.map_err(err)?;
                let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, last_hash")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(err)?;
                let seq: i64 = head.try_get(0).map_err(err)?;
                let prev: String = head.try_get(1).map_err(err)?;
                let hash = event.chain_hash(&prev);
                let outcome = match event.outcome {
                    registry_core::AuditOutcome::Success => "success",
                    registry_core::AuditOutcome::Denied => "denied",
                    registry_core::AuditOutcome::Failed => "failed",
                };
                sqlx::query(
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
                .bind(&hash)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1")
                    .bind(&hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                if $backend == "postgres" {
                    // Wake other server processes (delivered at commit).
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(crate::sql::CHANGE_CHANNEL)
                        .bind(seq.to_string())
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                }
                tx.commit().await.map_err(err)?;
                tracing::info!(target: "registry::audit", actor = %event.actor, action = %event.action, target_id = %event.target, outcome, "audit");
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl registry_core::AuditLog for $store {
            async fn head_seq(&self) -> registry_core::Result<u64> {
                use sqlx::Row as _;
                let err = |e| crate::error::from_sqlx($backend, "read audit head", e);
                let row = sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                let seq: i64 = match row {
                    Some(r) => r.try_get(0).map_err(err)?,
                    None => 0,
                };
                Ok(seq.max(0) as u64)
            }

            async fn list(&self, q: &registry_core::AuditQuery) -> registry_core::Result<Vec<registry_core::ChainedAuditEvent>> {
                let limit = if q.limit == 0 { 100 } else { q.limit.min(10_000) };
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT seq, at, actor, action, target, outcome, detail, request_id, client_addr, prev_hash, hash FROM audit_events WHERE seq IS NOT NULL",
                );
                if let Some(s) = q.since {
                    qb.push(" AND at >= ").push_bind(s);
                }
                if let Some(after) = q.after {
                    qb.push(" AND seq > ").push_bind(after as i64);
                }
                if let Some(ns) = &q.namespace {
                    // Prefix match without LIKE, so `_` and `%` in names need no escaping.
                    let prefix = format!("{}/", ns.to_ascii_lowercase());
                    qb.push(" AND substr(lower(target), 1, ").push_bind(prefix.chars().count() as i32).push(") = ").push_bind(prefix);
                }
                qb.push(" ORDER BY seq LIMIT ").push_bind(limit as i64);
                let rows = qb.build().fetch_all(&self.pool).await.map_err(|e| crate::error::from_sqlx($backend, "list audit records", e))?;
                rows.iter().map(Self::decode_audit).collect()
            }

            async fn verify(&self) -> registry_core::Result<registry_core::AuditVerification> {
                use sqlx::Row as _;
                let err = |e| crate::error::from_sqlx($backend, "verify audit log", e);
                let head = sqlx::query("SELECT seq, last_hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await.map_err(err)?;
                let count: i64 = head.try_get(0).map_err(err)?;
                let last: String = head.try_get(1).map_err(err)?;
                let rows = sqlx::query(
                    "SELECT seq, at, actor, action, target, outcome, detail, request_id, client_addr, prev_hash, hash FROM audit_events WHERE seq IS NOT NULL ORDER BY seq",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(err)?;
                let records = rows.iter().map(Self::decode_audit).collect::<registry_core::Result<Vec<_>>>()?;
                Ok(registry_core::verify_chain(&records, Some((count as u64, &last))))
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use sql_audit_log;
