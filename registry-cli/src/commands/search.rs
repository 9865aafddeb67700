//! `registry search` and `registry reindex`.

use clap::Args;
use registry_core::{RequestContext, SearchQuery};

use super::CmdResult;
use crate::target::{Target, TargetArgs};

/// `registry search` options.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to look for (names, descriptions, READMEs, inputs, outputs, resource types, providers).
    query: String,
    /// Only this namespace.
    #[arg(long)]
    namespace: Option<String>,
    /// Only modules using this provider (or, remotely, of this system).
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
    let rows: Vec<(String, String)> = match a.target.open().await? {
        Target::Remote(c) => {
            c.search(
                &a.query,
                a.namespace.as_deref(),
                a.provider.as_deref(),
                a.limit,
            )
            .await?
        }
        Target::Local(o) => {
            let q = SearchQuery {
                text: a.query.clone(),
                namespace: a.namespace.clone(),
                provider: a.provider.clone(),
                limit: a.limit,
                ..Default::default()
            };
            o.registry
                .search(&RequestContext::system(), &q)
                .await?
                .hits
                .into_iter()
                .map(|h| (h.id.to_string(), h.description.unwrap_or_default()))
                .collect()
        }
    };
    if a.json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|(id, d)| serde_json::json!({"id": id, "description": d}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        for (id, d) in rows {
            println!("{id}\t{d}");
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
    let n = match a.target.open().await? {
        Target::Remote(c) => c.reindex().await?,
        Target::Local(o) => o.reindex().await?,
    };
    pb.finish_and_clear();
    println!("indexed {n} module versions");
    Ok(0)
}
