//! `registry audit list` and `registry audit verify`.

use clap::{Args, Subcommand};
use registry_core::{AuditQuery, AuditVerification};

use super::CmdResult;
use crate::target::TargetArgs;

/// Audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit records, oldest first.
    List(ListArgs),
    /// Walk the hash chain; exit 1 naming the first broken record.
    Verify(VerifyArgs),
}

/// `registry audit list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only records at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z).
    #[arg(long)]
    since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only records on this namespace.
    #[arg(long)]
    namespace: Option<String>,
    /// Only records after this sequence number.
    #[arg(long)]
    after: Option<u64>,
    /// Most records.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Print JSON lines (one record per line, with its chain hashes).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: TargetArgs,
}

/// `registry audit verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    target: TargetArgs,
}

/// Run an audit subcommand.
pub async fn run(c: AuditCommand) -> CmdResult {
    match c {
        AuditCommand::List(a) => list(a).await,
        AuditCommand::Verify(a) => verify(a).await,
    }
}

async fn list(a: ListArgs) -> CmdResult {
    let q = AuditQuery {
        since: a.since,
        namespace: a.namespace,
        after: a.after,
        limit: a.limit.clamp(1, 10_000),
    };
    let records = a.target.connect().await?.audit_list(&q).await?;
    for r in &records {
        if a.json {
            println!("{}", serde_json::to_string(r).unwrap_or_default());
        } else {
            let e = &r.event;
            println!(
                "{:>6}  {}  {:<8} {:<12} {:<40} {}{}",
                r.seq,
                e.at.format("%Y-%m-%dT%H:%M:%SZ"),
                e.outcome,
                e.action,
                e.target,
                e.actor,
                e.detail
                    .as_deref()
                    .map(|d| format!("  ({d})"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(0)
}

async fn verify(a: VerifyArgs) -> CmdResult {
    let outcome = a.target.connect().await?.audit_verify().await?;
    match outcome {
        AuditVerification::Intact { records } => {
            println!("audit log intact: {records} records, every link holds");
            Ok(0)
        }
        AuditVerification::Broken { seq, reason } => {
            eprintln!("audit log broken at record {seq}: {reason}");
            Ok(1)
        }
    }
}
