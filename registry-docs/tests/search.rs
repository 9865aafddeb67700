//! The tantivy search index: ranking, fuzzy names, latest-only, facets, filters.

use registry_core::{
    Input, Lifecycle, ModuleMetadata, ModuleRecord, ModuleSummary, ProviderRequirement, Resource,
    SearchIndex, SearchQuery, Sha256Digest, Yank,
};
use registry_docs::TantivySearchIndex;

fn record(
    addr: &str,
    version: &str,
    description: &str,
    readme: &str,
    provider: &str,
) -> ModuleRecord {
    let mut summary = ModuleSummary::default();
    summary.root.readme = Some(readme.into());
    summary.root.inputs.push(Input {
        name: "cidr_block".into(),
        description: Some("The CIDR block".into()),
        ..Default::default()
    });
    summary.root.providers.push(ProviderRequirement {
        name: provider.into(),
        source: Some(format!("hashicorp/{provider}")),
        version: None,
    });
    summary.root.resources.push(Resource {
        resource_type: format!("{provider}_thing"),
        name: "this".into(),
        mode: "managed".into(),
    });
    ModuleRecord {
        address: addr.parse().unwrap(),
        version: version.parse().unwrap(),
        metadata: ModuleMetadata {
            description: Some(description.into()),
            owner: None,
            source_url: None,
            published_at: chrono::Utc::now(),
            size: 1,
            sha256: Sha256Digest::of(addr.as_bytes()),
            h1: "h1:x".into(),
            format: registry_core::ArchiveFormat::TarGz,
            root_dir: None,
            signature: None,
            summary,
            lifecycle: Lifecycle::default(),
            downloads: 0,
            warnings: Vec::new(),
            checks: None,
            mirrored: None,
        },
    }
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        limit: 10,
        ..Default::default()
    }
}

async fn index() -> TantivySearchIndex {
    let idx = TantivySearchIndex::in_memory().unwrap();
    for r in [
        record(
            "acme/network/aws",
            "1.0.0",
            "Builds a VPC network",
            "Networking for AWS.",
            "aws",
        ),
        record(
            "acme/network/aws",
            "1.2.0",
            "Builds a VPC network",
            "Networking for AWS.",
            "aws",
        ),
        record(
            "acme/storage/aws",
            "2.0.0",
            "S3 buckets",
            "Mentions network in passing.",
            "aws",
        ),
        record(
            "other/network/azurerm",
            "0.3.0",
            "Azure virtual network",
            "Azure.",
            "azurerm",
        ),
    ] {
        idx.index(&r).await.unwrap();
    }
    idx
}

#[tokio::test]
async fn name_matches_rank_above_readme_mentions_and_only_latest_counts() {
    let idx = index().await;
    let r = idx.search(&q("network")).await.unwrap();
    let ids: Vec<String> = r.hits.iter().map(|h| h.id.to_string()).collect();
    assert_eq!(r.total, 3, "{ids:?}");
    assert_eq!(
        ids.last().map(String::as_str),
        Some("acme/storage/aws/2.0.0"),
        "readme-only match ranks last: {ids:?}"
    );
    assert!(
        ids.contains(&"acme/network/aws/1.2.0".to_string()),
        "latest version only: {ids:?}"
    );
    assert!(!ids.contains(&"acme/network/aws/1.0.0".to_string()));
    let all = idx
        .search(&SearchQuery {
            all_versions: true,
            ..q("network")
        })
        .await
        .unwrap();
    assert_eq!(all.total, 4);
}

#[tokio::test]
async fn fuzzy_names_filters_and_facets() {
    let idx = index().await;
    let r = idx.search(&q("netwrok")).await.unwrap();
    assert!(
        r.hits.iter().any(|h| h.id.address.name() == "network"),
        "fuzzy match on names: {:?}",
        r.hits
    );
    let r = idx
        .search(&SearchQuery {
            namespace: Some("OTHER".into()),
            ..q("network")
        })
        .await
        .unwrap();
    assert_eq!(r.hits.len(), 1);
    let r = idx
        .search(&SearchQuery {
            provider: Some("aws".into()),
            ..q("")
        })
        .await
        .unwrap();
    assert_eq!(r.total, 2);
    let r = idx.search(&q("")).await.unwrap();
    let ns: Vec<(String, u64)> = r
        .facets
        .iter()
        .filter(|f| f.facet == "namespace")
        .map(|f| (f.value.clone(), f.count))
        .collect();
    assert!(
        ns.contains(&("acme".into(), 2)) && ns.contains(&("other".into(), 1)),
        "{ns:?}"
    );
    let r = idx.search(&q("cidr")).await.unwrap();
    assert_eq!(r.total, 3, "input names are searchable");
}

#[tokio::test]
async fn yanking_and_removing_move_the_latest_flag() {
    let idx = index().await;
    let mut yanked = record(
        "acme/network/aws",
        "1.2.0",
        "Builds a VPC network",
        "Networking for AWS.",
        "aws",
    );
    yanked.metadata.lifecycle.yanked = Some(Yank {
        reason: None,
        at: chrono::Utc::now(),
    });
    idx.index(&yanked).await.unwrap();
    let r = idx
        .search(&SearchQuery {
            namespace: Some("acme".into()),
            ..q("vpc")
        })
        .await
        .unwrap();
    let ids: Vec<String> = r.hits.iter().map(|h| h.id.to_string()).collect();
    assert_eq!(
        ids,
        ["acme/network/aws/1.0.0"],
        "the previous version becomes latest"
    );
    idx.remove(&"acme/network/aws/1.0.0".parse().unwrap())
        .await
        .unwrap();
    let r = idx
        .search(&SearchQuery {
            namespace: Some("acme".into()),
            ..q("vpc")
        })
        .await
        .unwrap();
    assert_eq!(r.total, 0);
}

/// Ids the index ranks as latest in namespace `ns`, and every listed id.
async fn latest_and_listed(idx: &TantivySearchIndex, ns: &str) -> (Vec<String>, Vec<String>) {
    let ids = |r: registry_core::SearchResults| {
        let mut v: Vec<String> = r.hits.iter().map(|h| h.id.to_string()).collect();
        v.sort();
        v
    };
    let base = SearchQuery {
        namespace: Some(ns.into()),
        limit: 100,
        ..q("")
    };
    let latest = ids(idx.search(&base).await.unwrap());
    let all = ids(idx
        .search(&SearchQuery {
            all_versions: true,
            ..base
        })
        .await
        .unwrap());
    (latest, all)
}

#[tokio::test]
async fn incremental_updates_label_the_same_latest_as_a_full_rebuild() {
    // Out-of-order publishes, a prerelease, yanks and removals, on two
    // modules; after every step the incrementally kept index must agree
    // with one built from scratch on the same records.
    let rec = |addr: &str, v: &str| record(addr, v, "Thing", "Readme.", "aws");
    let yank = |mut r: ModuleRecord| {
        r.metadata.lifecycle.yanked = Some(Yank {
            reason: None,
            at: chrono::Utc::now(),
        });
        r
    };
    enum Step {
        Index(Box<ModuleRecord>),
        Remove(&'static str),
    }
    let steps = vec![
        Step::Index(Box::new(rec("inc/a/aws", "1.0.0"))),
        Step::Index(Box::new(rec("inc/a/aws", "3.0.0"))),
        Step::Index(Box::new(rec("inc/a/aws", "2.0.0"))),
        Step::Index(Box::new(rec("inc/b/aws", "0.1.0"))),
        Step::Index(Box::new(rec("inc/a/aws", "4.0.0-beta1"))),
        Step::Index(Box::new(yank(rec("inc/a/aws", "3.0.0")))),
        Step::Index(Box::new(rec("inc/b/aws", "0.2.0"))),
        Step::Index(Box::new(rec("inc/a/aws", "3.0.0"))),
        Step::Remove("inc/a/aws/3.0.0"),
        Step::Index(Box::new(yank(rec("inc/a/aws", "2.0.0")))),
        Step::Remove("inc/a/aws/1.0.0"),
        Step::Index(Box::new(yank(rec("inc/b/aws", "0.2.0")))),
    ];
    let idx = TantivySearchIndex::in_memory().unwrap();
    // The same steps without a search in between (nothing committed until
    // the end: relabelling must read uncommitted documents).
    let batched = TantivySearchIndex::in_memory().unwrap();
    let mut live: std::collections::BTreeMap<String, ModuleRecord> = Default::default();
    for (n, step) in steps.into_iter().enumerate() {
        match step {
            Step::Index(r) => {
                idx.index(&r).await.unwrap();
                batched.index(&r).await.unwrap();
                live.insert(r.id().to_string(), *r);
            }
            Step::Remove(id) => {
                idx.remove(&id.parse().unwrap()).await.unwrap();
                batched.remove(&id.parse().unwrap()).await.unwrap();
                live.remove(id);
            }
        }
        let fresh = TantivySearchIndex::in_memory().unwrap();
        fresh
            .index_all(&live.values().cloned().collect::<Vec<_>>())
            .unwrap();
        let got = latest_and_listed(&idx, "inc").await;
        let want = latest_and_listed(&fresh, "inc").await;
        assert_eq!(got, want, "after step {n}");
        assert!(got.0.len() <= 2, "one latest per module at most: {got:?}");
    }
    let (latest, _) = latest_and_listed(&idx, "inc").await;
    assert_eq!(latest, ["inc/a/aws/4.0.0-beta1", "inc/b/aws/0.1.0"]);
    assert_eq!(
        latest_and_listed(&batched, "inc").await,
        latest_and_listed(&idx, "inc").await
    );

    // A rebuild from storage (streamed page by page) agrees too.
    use registry_core::MetadataStore as _;
    let meta = std::sync::Arc::new(registry_core::memory::MemoryMetadataStore::new());
    for r in live.values() {
        meta.insert_version(r).await.unwrap();
    }
    let stack = registry_core::StorageStack::new(
        meta,
        std::sync::Arc::new(registry_core::memory::MemoryBlobStore::new()),
    );
    let rebuilt = TantivySearchIndex::in_memory().unwrap();
    assert_eq!(rebuilt.rebuild(&stack).await.unwrap(), live.len());
    assert_eq!(
        latest_and_listed(&rebuilt, "inc").await,
        latest_and_listed(&idx, "inc").await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rebuild_racing_publishes_leaves_no_duplicates_and_one_latest() {
    // Publishes store then index (as the registry does); a rebuild reads
    // the store meanwhile. Whatever the interleaving, the index must end
    // as one built from the store afterwards: each version once, one
    // latest per module.
    use registry_core::MetadataStore as _;
    for round in 0..5 {
        let meta = std::sync::Arc::new(registry_core::memory::MemoryMetadataStore::new());
        let stack = std::sync::Arc::new(registry_core::StorageStack::new(
            meta.clone(),
            std::sync::Arc::new(registry_core::memory::MemoryBlobStore::new()),
        ));
        let idx = std::sync::Arc::new(TantivySearchIndex::in_memory().unwrap());
        for v in 0..20 {
            let r = record("race/m/aws", &format!("1.{v}.0"), "Thing", "Readme.", "aws");
            meta.insert_version(&r).await.unwrap();
            idx.index(&r).await.unwrap();
        }
        let publisher = {
            let (meta, idx) = (meta.clone(), idx.clone());
            tokio::spawn(async move {
                for v in 20..60 {
                    let r = record("race/m/aws", &format!("1.{v}.0"), "Thing", "Readme.", "aws");
                    meta.insert_version(&r).await.unwrap();
                    idx.index(&r).await.unwrap();
                    tokio::task::yield_now().await;
                }
            })
        };
        let rebuilder = {
            let (stack, idx) = (stack.clone(), idx.clone());
            tokio::spawn(async move {
                for _ in 0..3 {
                    idx.rebuild(stack.as_ref()).await.unwrap();
                }
            })
        };
        publisher.await.unwrap();
        rebuilder.await.unwrap();
        let (latest, all) = latest_and_listed(&idx, "race").await;
        assert_eq!(latest, ["race/m/aws/1.59.0"], "round {round}");
        assert_eq!(all.len(), 60, "round {round}: each version once");
        let mut dedup = all.clone();
        dedup.dedup();
        assert_eq!(dedup, all, "round {round}: no duplicates");
    }
}

#[tokio::test]
async fn query_syntax_is_searched_as_text_never_an_error() {
    let idx = index().await;
    for q_text in [
        "name:*",
        "*",
        "vpc AND",
        "(",
        ")",
        "[a TO z]",
        "{",
        "\"unclosed",
        "vpc^2",
        "vpc~3",
        "+-",
        "namespace:acme",
        "downloads:>5",
        "a OR OR b",
        "NOT",
        "\\",
        "/regex/",
        "?",
        "IN [a b]",
        "vpc-peering",
        "ünïcödé 東京",
    ] {
        let r = idx.search(&q(q_text)).await;
        assert!(r.is_ok(), "{q_text:?}: {:?}", r.err());
    }
    // Words around the syntax still match.
    let r = idx.search(&q("name:vpc")).await.unwrap();
    assert!(r.total > 0, "the words of a field query are searched");
}

#[tokio::test]
async fn signed_and_tests_facets_count_and_filter() {
    use registry_core::{TestOutcome, TestReport};
    let idx = TantivySearchIndex::in_memory().unwrap();
    let mut signed_passing = record("acme/a/aws", "1.0.0", "Alpha", "", "aws");
    signed_passing.metadata.signature = Some("untrusted comment: x\nRW...".into());
    let mut report = TestReport::not_run(Vec::new());
    report.status = TestOutcome::Passed;
    signed_passing.metadata.checks = Some(report.clone());
    let mut failing = record("acme/b/aws", "1.0.0", "Beta", "", "aws");
    report.status = TestOutcome::Failed;
    failing.metadata.checks = Some(report);
    let untested = record("acme/c/aws", "1.0.0", "Gamma", "", "aws");
    for r in [&signed_passing, &failing, &untested] {
        idx.index(r).await.unwrap();
    }
    let all = idx.search(&q("")).await.unwrap();
    let count = |facet: &str, value: &str| {
        all.facets
            .iter()
            .find(|f| f.facet == facet && f.value == value)
            .map_or(0, |f| f.count)
    };
    assert_eq!((count("signed", "yes"), count("signed", "no")), (1, 2));
    assert_eq!(
        (
            count("tests", "passed"),
            count("tests", "failed"),
            count("tests", "not_run")
        ),
        (1, 1, 1)
    );
    let names = |r: registry_core::SearchResults| -> Vec<String> {
        let mut v: Vec<String> = r
            .hits
            .iter()
            .map(|h| h.id.address.name().to_string())
            .collect();
        v.sort();
        v
    };
    let signed = idx
        .search(&SearchQuery {
            signed: Some(true),
            ..q("")
        })
        .await
        .unwrap();
    assert_eq!(names(signed), ["a"]);
    let unsigned = idx
        .search(&SearchQuery {
            signed: Some(false),
            ..q("")
        })
        .await
        .unwrap();
    assert_eq!(names(unsigned), ["b", "c"]);
    let passing = idx
        .search(&SearchQuery {
            tests: Some(TestOutcome::Passed),
            ..q("")
        })
        .await
        .unwrap();
    assert_eq!(names(passing), ["a"]);
    let not_run = idx
        .search(&SearchQuery {
            tests: Some(TestOutcome::NotRun),
            signed: Some(false),
            ..q("")
        })
        .await
        .unwrap();
    assert_eq!(names(not_run), ["c"]);
}

/// An index on disk keeps its documents and the audit-log position of its
/// last checkpoint across a reopen; labels move on documents committed by
/// the earlier process (read back from the index's fast fields).
#[tokio::test]
async fn an_index_on_disk_survives_a_reopen_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    {
        let idx = TantivySearchIndex::open_in(dir.path()).unwrap();
        assert_eq!(idx.current_to(), None, "a new slot has no position");
        for v in ["1.0.0", "1.1.0"] {
            idx.index(&record("disk/net/aws", v, "Network", "Readme.", "aws"))
                .await
                .unwrap();
        }
        idx.checkpoint(7).await.unwrap();
        assert_eq!(idx.current_to(), Some(7));
    }
    let idx = TantivySearchIndex::open_in(dir.path()).unwrap();
    assert_eq!(idx.current_to(), Some(7));
    assert!(idx.dir().unwrap().starts_with(dir.path()));
    let (latest, all) = latest_and_listed(&idx, "disk").await;
    assert_eq!(latest, ["disk/net/aws/1.1.0"]);
    assert_eq!(all.len(), 2);
    // A newer version takes the label from the one committed before.
    idx.index(&record(
        "disk/net/aws",
        "2.0.0",
        "Network",
        "Readme.",
        "aws",
    ))
    .await
    .unwrap();
    assert_eq!(
        latest_and_listed(&idx, "disk").await.0,
        ["disk/net/aws/2.0.0"]
    );
    idx.remove(&"disk/net/aws/2.0.0".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        latest_and_listed(&idx, "disk").await.0,
        ["disk/net/aws/1.1.0"]
    );
    // Changes not checkpointed leave the stored position where it was.
    drop(idx);
    assert_eq!(
        TantivySearchIndex::open_in(dir.path())
            .unwrap()
            .current_to(),
        Some(7)
    );
}

/// Two openers of one directory (two processes sharing a data directory)
/// each get a slot of their own; a slot freed is taken back.
#[tokio::test]
async fn openers_of_one_directory_take_slots_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let first = TantivySearchIndex::open_in(dir.path()).unwrap();
    let second = TantivySearchIndex::open_in(dir.path()).unwrap();
    assert_ne!(first.dir(), second.dir());
    first
        .index(&record("slot/a/aws", "1.0.0", "A", "Readme.", "aws"))
        .await
        .unwrap();
    first.checkpoint(3).await.unwrap();
    assert_eq!(second.len(), 0, "slots do not share documents");
    let first_dir = first.dir().unwrap().to_path_buf();
    drop(first);
    let third = TantivySearchIndex::open_in(dir.path()).unwrap();
    assert_eq!(third.dir(), Some(first_dir.as_path()));
    assert_eq!(third.current_to(), Some(3));
    assert_eq!(third.len(), 1);
}
