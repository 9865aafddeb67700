//! Search latency on many module versions: builds an index of N versions
//! (default 50,000: 5,000 modules × 10 versions) and runs 2,000 queries,
//! printing p50/p99/max. `search-latency [VERSIONS]`.

use std::time::Instant;

use registry_core::{
    Input, ModuleMetadata, ModuleRecord, ModuleSummary, ProviderRequirement, Resource, SearchIndex,
    SearchQuery, Sha256Digest,
};
use registry_docs::TantivySearchIndex;

const WORDS: &[&str] = &[
    "network",
    "vpc",
    "subnet",
    "bucket",
    "storage",
    "cluster",
    "kubernetes",
    "database",
    "postgres",
    "redis",
    "queue",
    "topic",
    "lambda",
    "function",
    "gateway",
    "dns",
    "certificate",
    "monitoring",
    "logging",
    "iam",
];
const PROVIDERS: &[&str] = &["aws", "azurerm", "google", "kubernetes", "helm"];

fn record(m: usize, v: usize) -> ModuleRecord {
    let w1 = WORDS[m % WORDS.len()];
    let w2 = WORDS[(m / 7) % WORDS.len()];
    let p = PROVIDERS[m % PROVIDERS.len()];
    let mut summary = ModuleSummary::default();
    summary.root.readme = Some(format!(
        "# {w1}-{w2}\n\nThis module creates a {w1} with {w2} support on {p}. Number {m}."
    ));
    for i in 0..5 {
        summary.root.inputs.push(Input {
            name: format!("{w2}_{i}"),
            description: Some(format!("The {w2} setting {i}")),
            ..Default::default()
        });
    }
    summary.root.providers.push(ProviderRequirement {
        name: p.into(),
        source: Some(format!("hashicorp/{p}")),
        version: None,
    });
    summary.root.resources.push(Resource {
        resource_type: format!("{p}_{w1}"),
        name: "this".into(),
        mode: "managed".into(),
    });
    ModuleRecord {
        address: format!("ns{}/{w1}-{w2}-{m}/{p}", m % 50).parse().unwrap(),
        version: format!("1.{v}.0").parse().unwrap(),
        metadata: ModuleMetadata {
            description: Some(format!("{w1} and {w2} for {p}")),
            owner: None,
            source_url: None,
            published_at: chrono::Utc::now(),
            size: 1,
            sha256: Sha256Digest::of(format!("{m}/{v}").as_bytes()),
            h1: "h1:x".into(),
            format: registry_core::ArchiveFormat::TarGz,
            root_dir: None,
            signature: None,
            summary,
            lifecycle: Default::default(),
            downloads: 0,
            warnings: Vec::new(),
            checks: None,
            mirrored: None,
        },
    }
}

/// Stands in for the metadata store during the rebuild.
#[derive(Debug)]
struct Records(Vec<ModuleRecord>);

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let versions = 10;
    let modules = total / versions;
    let records = Records(
        (0..modules)
            .flat_map(|m| (0..versions).map(move |v| record(m, v)))
            .collect(),
    );
    let index = TantivySearchIndex::in_memory().unwrap();
    let started = Instant::now();
    index.index_all(&records.0).unwrap();
    println!(
        "indexed {} versions in {:.1}s",
        records.0.len(),
        started.elapsed().as_secs_f64()
    );
    let mut times = Vec::new();
    let queries = [
        "network",
        "vpc subnet",
        "kubernets",
        "postgres database",
        "bucket",
        "iam gateway",
        "monitoring logging",
        "redis",
    ];
    for i in 0..2000 {
        let mut q = SearchQuery {
            text: queries[i % queries.len()].into(),
            limit: 20,
            ..Default::default()
        };
        if i % 4 == 1 {
            q.provider = Some(PROVIDERS[i % PROVIDERS.len()].into());
        }
        if i % 4 == 2 {
            q.namespace = Some(format!("ns{}", i % 50));
        }
        let t = Instant::now();
        let r = index.search(&q).await.unwrap();
        times.push(t.elapsed());
        assert!(
            r.total > 0 || q.namespace.is_some() || q.provider.is_some(),
            "{q:?}"
        );
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{} queries over {} versions ({} latest): p50 {:?}, p99 {:?}, max {:?}",
        times.len(),
        records.0.len(),
        modules,
        pct(0.50),
        pct(0.99),
        times.last().unwrap()
    );
}
