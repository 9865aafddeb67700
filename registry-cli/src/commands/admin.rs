//! `registry migrate` and `registry gc`.

use clap::Args;
use registry_core::Error;
use registry_storage::SqlMetadataStore;

use super::CmdResult;
use crate::target::LocalArgs;

/// `registry migrate` options.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    local: LocalArgs,
}

/// Apply pending migrations and report the schema state.
pub async fn migrate(a: MigrateArgs) -> CmdResult {
    if a.local.no_migrate {
        return Err(Error::invalid_input(
            "--no-migrate contradicts `registry migrate`; leave it out",
        ));
    }
    let cfg = a.local.storage_config();
    let url = match &cfg.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&cfg.data_dir)?;
            registry_storage::default_database_url(&cfg.data_dir)?
        }
    };
    let db = SqlMetadataStore::connect(&url, cfg.database_schema.as_deref()).await?;
    let before = db.schema_status().await?;
    db.migrate().await?;
    let after = db.schema_status().await?;
    let at = match after.applied.last() {
        Some(v) => format!("schema at migration {v}"),
        None => "no migrations applied".into(),
    };
    println!(
        "{}: applied {} migration(s); {at}",
        db.engine(),
        before.pending.len(),
    );
    Ok(0)
}

/// `registry gc` options.
#[derive(Debug, Args)]
pub struct GcArgs {
    /// Keep unreferenced blobs younger than this (`1h`, `30m`).
    #[arg(long, default_value = "1h")]
    grace: humantime::Duration,
    #[command(flatten)]
    local: LocalArgs,
}

/// Remove orphaned blobs.
pub async fn gc(a: GcArgs) -> CmdResult {
    let opened = a.local.open().await?;
    let r = opened.registry.storage().gc(*a.grace).await?;
    println!(
        "scanned {} blobs, removed {} ({} bytes), kept {} within the grace period",
        r.scanned, r.removed, r.bytes_freed, r.kept_in_grace
    );
    Ok(0)
}
