//! The stored projection the protocol's `/versions` answer, the home
//! page's totals and the listings need (migrations 12 and 13): each
//! version's protocol entry, and per module the JSON list of its listed
//! versions, their count, the downloads of its live versions and its latest
//! listed version.
//!
//! Every write that changes what a module lists (publish, restore,
//! lifecycle change, delete) calls [`refresh`] in its own transaction, so
//! the projection commits with the change or not at all. Databases from
//! before migration 12 are filled by [`backfill`] after migrating.

use std::time::Instant;

use registry_core::{
    Lifecycle, LifecycleState, ModuleAddress, ModuleMetadata, ProtocolVersion, Result, Version,
    VersionEntry, VersionsDocument,
};

use super::SqlMetadataStore;
use super::engine::{Sql, Tx};
use super::versions::{decode_address, state_str};
use crate::error::corrupt_row;

/// Rows filled per backfill transaction.
const BACKFILL_BATCH: i64 = 500;

/// The stored entry of one version: its protocol entry with `lifecycle`.
pub(super) fn entry(
    version: &Version,
    metadata: &ModuleMetadata,
    lifecycle: &Lifecycle,
) -> Result<String> {
    ProtocolVersion::new(version, &metadata.summary, lifecycle).encode()
}

/// Recompute module `module_id`'s document, listed count and downloads
/// from its version rows, inside `tx`.
pub(super) async fn refresh(tx: &mut Tx, module_id: i64) -> Result<()> {
    let yanked = state_str(LifecycleState::Yanked);
    let aggregate = if tx.is_postgres() {
        // Lock the module row first: concurrent publishes of one module
        // then refresh one after the other, each seeing the other's
        // committed version (read committed re-reads per statement). Not
        // `FOR UPDATE`: that waits on the key-share locks the version rows'
        // foreign keys took, and two publishers would wait on each other.
        let lock = Sql::new(
            "lock module",
            "SELECT id FROM modules WHERE id = $1 FOR NO KEY UPDATE",
        )
        .bind(module_id);
        tx.fetch_optional(&lock).await?;
        "string_agg(protocol_entry, ',' ORDER BY id)"
    } else {
        // SQLite has one writer at a time.
        "group_concat(protocol_entry, ',' ORDER BY id)"
    };
    let q = Sql::new(
        "refresh module projection",
        format!(
            "UPDATE modules SET \
             versions_document = '[' || COALESCE((SELECT {aggregate} FROM module_versions \
               WHERE module_id = $1 AND deleted = $2 AND state <> $3), '') || ']', \
             listed_versions = (SELECT COUNT(*) FROM module_versions \
               WHERE module_id = $4 AND deleted = $5 AND state <> $6), \
             downloads = (SELECT CAST(COALESCE(SUM(downloads), 0) AS BIGINT) FROM module_versions \
               WHERE module_id = $7 AND deleted = $8) \
             WHERE id = $9"
        ),
    )
    .bind(module_id)
    .bind(false)
    .bind(yanked)
    .bind(module_id)
    .bind(false)
    .bind(yanked)
    .bind(module_id)
    .bind(false)
    .bind(module_id);
    tx.execute(&q).await?;
    refresh_latest(tx, module_id).await
}

/// Choose module `module_id`'s latest listed version from its version rows
/// and store it, inside `tx`.
async fn refresh_latest(tx: &mut Tx, module_id: i64) -> Result<()> {
    let q = Sql::new(
        "read listed version numbers",
        "SELECT id, version FROM module_versions WHERE module_id = $1 AND deleted = $2 AND state <> $3",
    )
    .bind(module_id)
    .bind(false)
    .bind(state_str(LifecycleState::Yanked));
    let mut latest: Option<(i64, Version)> = None;
    for row in tx.fetch_all(&q).await? {
        // A number that does not parse is left out, as every listing leaves it.
        let Ok(version) = Version::parse(&row.get::<String>(1)?) else {
            continue;
        };
        if latest
            .as_ref()
            .is_none_or(|(_, current)| VersionEntry::replaces_latest(current, &version))
        {
            latest = Some((row.get(0)?, version));
        }
    }
    set_latest(tx, module_id, latest.map(|(id, _)| id)).await
}

async fn set_latest(tx: &mut Tx, module_id: i64, version_id: Option<i64>) -> Result<()> {
    let q = Sql::new(
        "store latest version",
        "UPDATE modules SET latest_version_id = $1 WHERE id = $2",
    )
    .bind(version_id)
    .bind(module_id);
    tx.execute(&q).await?;
    Ok(())
}

/// What the projection holds for one module.
pub(super) enum StoredDocument {
    /// No module row.
    NoModule,
    /// A row not yet backfilled (the caller builds it from the records).
    NotFilled,
    /// The document as stored.
    Document(VersionsDocument),
}

/// A newly inserted listed version's entry added to the end of its
/// module's document: one statement that reads no version row (the common
/// publish). Rows without a document yet (not backfilled) stay without.
/// Concurrent appends on PostgreSQL each re-read the row they update, so
/// none is lost; the document is then in commit order. The new version
/// (row `version_id`) becomes the latest when it beats the stored one; the
/// row stays locked by the update meanwhile, so racing publishes compare
/// one after the other.
pub(super) async fn append(
    tx: &mut Tx,
    module_id: i64,
    version_id: i64,
    version: &Version,
    entry: &str,
) -> Result<()> {
    let q = Sql::new(
        "append to versions document",
        "UPDATE modules SET \
         versions_document = CASE WHEN versions_document = '[]' THEN '[' || $1 || ']' \
           ELSE substr(versions_document, 1, length(versions_document) - 1) || ',' || $2 || ']' END, \
         listed_versions = listed_versions + 1 \
         WHERE id = $3",
    )
    .bind(entry)
    .bind(entry)
    .bind(module_id);
    tx.execute(&q).await?;
    let q = Sql::new(
        "read latest version",
        "SELECT m.listed_versions, v.version FROM modules m \
         LEFT JOIN module_versions v ON v.id = m.latest_version_id WHERE m.id = $1",
    )
    .bind(module_id);
    let row = tx.fetch_one(&q).await?;
    let replaces = match row.get::<Option<String>>(1)? {
        Some(current) => Version::parse(&current).map_or(true, |current| {
            VersionEntry::replaces_latest(&current, version)
        }),
        // None stored: this is the first listed version, or the row is not
        // backfilled yet (the backfill chooses then).
        None => row.get::<i64>(0)? == 1,
    };
    if replaces {
        set_latest(tx, module_id, Some(version_id)).await?;
    }
    Ok(())
}

impl SqlMetadataStore {
    /// The stored document of `address`.
    pub(super) async fn stored_document(&self, address: &ModuleAddress) -> Result<StoredDocument> {
        let q = Sql::new(
            "read versions document",
            "SELECT n.display_name, m.name, m.system, n.key, m.versions_document \
             FROM modules m JOIN namespaces n ON n.key = m.namespace_key WHERE m.address_key = $1",
        )
        .bind(address.key());
        let Some(row) = self.pool.fetch_optional(&q).await? else {
            return Ok(StoredDocument::NoModule);
        };
        let Some(versions) = row.get::<Option<String>>(4)? else {
            return Ok(StoredDocument::NotFilled);
        };
        Ok(StoredDocument::Document(VersionsDocument {
            address: decode_address(&row, 0, 3)?,
            versions: versions.into(),
        }))
    }

    /// Fill the projection of rows written before migration 12: each live
    /// version's entry, then each module's document. Idempotent, and safe
    /// to run from several processes at once. Returns the rows filled.
    pub(super) async fn backfill_projection(&self) -> Result<u64> {
        let started = Instant::now();
        let mut filled = 0u64;
        let mut after = 0i64;
        loop {
            let q = Sql::new(
                "read versions to backfill",
                "SELECT id, version, metadata, lifecycle FROM module_versions \
                 WHERE protocol_entry IS NULL AND deleted = $1 AND id > $2 ORDER BY id LIMIT $3",
            )
            .bind(false)
            .bind(after)
            .bind(BACKFILL_BATCH);
            let rows = self.pool.fetch_all(&q).await?;
            let Some(last) = rows.last() else { break };
            after = last.get(0)?;
            let mut tx = self.pool.begin_write().await?;
            for row in &rows {
                let id: i64 = row.get(0)?;
                let encoded = (|| -> Result<String> {
                    let version = Version::parse(&row.get::<String>(1)?)?;
                    let metadata: ModuleMetadata = serde_json::from_str(&row.get::<String>(2)?)
                        .map_err(|e| corrupt_row(self.engine(), e))?;
                    let lifecycle: Lifecycle = serde_json::from_str(&row.get::<String>(3)?)
                        .map_err(|e| corrupt_row(self.engine(), e))?;
                    entry(&version, &metadata, &lifecycle)
                })();
                match encoded {
                    Ok(e) => {
                        let set = Sql::new(
                            "backfill version entry",
                            "UPDATE module_versions SET protocol_entry = $1 WHERE id = $2 AND protocol_entry IS NULL",
                        )
                        .bind(e)
                        .bind(id);
                        filled += tx.execute(&set).await?;
                    }
                    // Left out of the projection (as it is of every
                    // listing that decodes it), not a reason to refuse to start.
                    Err(e) => {
                        tracing::warn!(version_row = id, error = %e, "cannot backfill a version's protocol entry")
                    }
                }
            }
            tx.commit().await?;
        }
        loop {
            let q = Sql::new(
                "read modules to backfill",
                "SELECT id FROM modules WHERE versions_document IS NULL ORDER BY id LIMIT $1",
            )
            .bind(BACKFILL_BATCH);
            let rows = self.pool.fetch_all(&q).await?;
            if rows.is_empty() {
                break;
            }
            let mut tx = self.pool.begin_write().await?;
            for row in &rows {
                refresh(&mut tx, row.get(0)?).await?;
                filled += 1;
            }
            tx.commit().await?;
        }
        // Modules from before migration 13 (listed, no latest chosen); by
        // id, so a module whose numbers all fail to parse is passed once.
        let mut after = 0i64;
        loop {
            let q = Sql::new(
                "read latest versions to backfill",
                "SELECT id FROM modules WHERE latest_version_id IS NULL AND listed_versions > 0 \
                 AND id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(BACKFILL_BATCH);
            let rows = self.pool.fetch_all(&q).await?;
            let Some(last) = rows.last() else { break };
            after = last.get(0)?;
            let mut tx = self.pool.begin_write().await?;
            for row in &rows {
                refresh_latest(&mut tx, row.get(0)?).await?;
                filled += 1;
            }
            tx.commit().await?;
        }
        if filled > 0 {
            tracing::info!(
                rows = filled,
                seconds = started.elapsed().as_secs_f64(),
                "backfilled the versions projection"
            );
        }
        Ok(filled)
    }
}
