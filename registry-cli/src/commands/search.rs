//! `registry search` and `registry reindex`.

use clap::Args;
use registry_core::SearchQuery;

use super::CmdResult;
use crate::target::TargetArgs;

/// `registry search` options.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to look for (names, descriptions, READMEs, inputs, outputs, resource types, providers).
    query: String,
    /// Only this namespace.
    #[arg(long)]
    namespace: Option<String>,
    /// Only modules for this provider (their target system, the last part
    /// of the address: `aws` in `acme/vpc/aws`), as the public registry's
    /// `provider` filter.
    #[arg(long)]
    provider: Option<String>,
    /// Most results.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: TargetArgs,
}

/// Search modules.
pub async fn search(a: SearchArgs) -> CmdResult {
    let q = SearchQuery {
        text: a.query.clone(),
        namespace: a.namespace.clone(),
        system: a.provider.clone(),
        limit: a.limit,
        ..Default::default()
    };
    let hits = a.target.connect().await?.search(&q).await?;
    if a.json {
        let v: Vec<serde_json::Value> = hits
            .iter()
            .map(|m| serde_json::json!({"id": m.id, "description": m.description}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        for m in hits {
            println!("{}\t{}", m.id, m.description);
        }
    }
    Ok(0)
}

/// `registry reindex` options.
#[derive(Debug, Args)]
pub struct ReindexArgs {
    #[command(flatten)]
    target: TargetArgs,
}

/// Rebuild the search index (remotely: an admin call; locally: from the metadata store).
pub async fn reindex(a: ReindexArgs) -> CmdResult {
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message("rebuilding the search index");
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    let n = a.target.connect().await?.reindex().await?;
    pb.finish_and_clear();
    println!("indexed {n} module versions");
    Ok(0)
}
