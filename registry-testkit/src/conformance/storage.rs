//! The [`ModuleStorage`](registry_core::ModuleStorage) conformance suite. Every storage combination
//! (metadata engine × blob backend × cache) runs `run_all`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use registry_core::{
    BlobStore, ErrorKind, Filter, LifecycleChange, LifecycleState, Module, ModuleAddress,
    ModuleCall, ModuleId, ModuleInterface, ModuleStorage, Sha256Digest,
};

use crate::fixtures::module;

/// Overwrites the stored bytes of a blob behind the store's back.
pub type Corrupter = Box<dyn Fn(Sha256Digest, Bytes) -> BoxFuture<'static, ()> + Send + Sync>;

/// Opens the same storage again, as a restarted process would.
pub type Reopener = Box<dyn Fn() -> BoxFuture<'static, Arc<dyn ModuleStorage>> + Send + Sync>;

/// A storage under test and what the suite may do with it.
pub struct StorageHarness {
    /// The storage under test.
    pub storage: Arc<dyn ModuleStorage>,
    /// Its blob store, to observe orphans and garbage collection.
    pub blobs: Arc<dyn BlobStore>,
    /// Capability: corrupt a stored blob (checks digest verification on read).
    pub corrupt: Option<Corrupter>,
    /// Capability: reopen the storage (checks durability across restarts).
    pub reopen: Option<Reopener>,
    /// Namespace prefix, so suites sharing a store do not collide.
    pub prefix: String,
}

impl std::fmt::Debug for StorageHarness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageHarness")
            .field("storage", &self.storage)
            .field("corrupt", &self.corrupt.is_some())
            .field("reopen", &self.reopen.is_some())
            .finish()
    }
}

impl StorageHarness {
    /// A harness with no optional capabilities.
    pub fn new(storage: Arc<dyn ModuleStorage>, blobs: Arc<dyn BlobStore>) -> Self {
        StorageHarness {
            storage,
            blobs,
            corrupt: None,
            reopen: None,
            prefix: "t".into(),
        }
    }

    /// Enable the corruption checks.
    pub fn with_corrupter(mut self, c: Corrupter) -> Self {
        self.corrupt = Some(c);
        self
    }

    /// Enable the durability check.
    pub fn with_reopener(mut self, r: Reopener) -> Self {
        self.reopen = Some(r);
        self
    }

    fn addr(&self, ns: &str, name: &str) -> String {
        format!("{}{ns}/{name}/null", self.prefix)
    }
}

fn id(s: &str) -> ModuleId {
    s.parse().expect("test id")
}

/// Store a version and read it back byte for byte.
pub async fn store_then_get_returns_identical_bytes(h: &StorageHarness) {
    let a = h.addr("rt", "mod");
    let m = module(&a, "1.0.0", "rt").await;
    let stored = h.storage.store(&m).await.expect("store");
    assert_eq!(stored.metadata.sha256, m.metadata.sha256);
    let back = h.storage.get(&m.id()).await.expect("get");
    let bytes = back.archive.to_bytes().await.unwrap();
    assert_eq!(bytes, m.archive.to_bytes().await.unwrap());
    assert_eq!(back.metadata.h1, m.metadata.h1);
    assert_eq!(back.metadata.summary, m.metadata.summary);
    let rec = h.storage.get_record(&m.id()).await.unwrap();
    assert_eq!(rec.version.as_str(), "1.0.0");
    let missing = h.storage.get(&id(&format!("{a}/9.9.9"))).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

/// A module mirrored from another registry (its address carries that
/// registry's host) and a local module of the same namespace and name are
/// two modules: both store, each reads back as itself, listings keep them
/// apart.
pub async fn mirrored_modules_never_collide_with_local_ones(h: &StorageHarness) {
    let local = h.addr("mirror", "consul");
    let mirrored = format!("registry.terraform.io/{local}");
    h.storage
        .store(&module(&local, "1.0.0", "local").await)
        .await
        .expect("store the local module");
    h.storage
        .store(&module(&mirrored, "1.0.0", "upstream").await)
        .await
        .expect("store the mirrored module of the same name and version");
    let l = h
        .storage
        .get_record(&id(&format!("{local}/1.0.0")))
        .await
        .unwrap();
    let m = h
        .storage
        .get_record(&id(&format!("{mirrored}/1.0.0")))
        .await
        .unwrap();
    assert_eq!(l.address.host(), None);
    assert_eq!(m.address.host(), Some("registry.terraform.io"));
    assert_eq!(m.address.to_string(), mirrored);
    assert_ne!(l.metadata.sha256, m.metadata.sha256);
    let ns = format!("{}mirror", h.prefix);
    let page = h
        .storage
        .list_modules(&Filter::all().namespace(&ns))
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        [local],
        "a local namespace listing holds only local modules"
    );
    let versions = h.storage.versions(&m.address).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].address.host(), Some("registry.terraform.io"));
}

/// A published version is immutable, however its number is written.
pub async fn store_same_version_twice_is_rejected(h: &StorageHarness) {
    let a = h.addr("imm", "mod");
    h.storage
        .store(&module(&a, "1.2.0", "first").await)
        .await
        .unwrap();
    for (v, seed) in [
        ("1.2.0", "first"),
        ("1.2.0", "other"),
        ("1.2", "x"),
        ("v1.2.0", "y"),
        ("1.2.0+meta", "z"),
    ] {
        let e = h
            .storage
            .store(&module(&a, v, seed).await)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{v}: {e}");
    }
    let got = h.storage.get(&id(&format!("{a}/1.2.0"))).await.unwrap();
    let expected = module(&a, "1.2.0", "first").await;
    assert_eq!(
        got.metadata.sha256, expected.metadata.sha256,
        "first publish kept"
    );
    assert_eq!(
        h.storage.versions(&a.parse().unwrap()).await.unwrap().len(),
        1
    );
}

/// Concurrent stores of one version: exactly one wins, the rest get `AlreadyExists`.
pub async fn concurrent_store_of_one_version_has_one_winner(h: &StorageHarness) {
    let a = h.addr("race", "mod");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let storage = h.storage.clone();
        let m = module(&a, "1.0.0", &format!("racer{i}")).await;
        tasks.push(tokio::spawn(async move { storage.store(&m).await }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one concurrent publish wins");
    let versions = h.storage.versions(&a.parse().unwrap()).await.unwrap();
    assert_eq!(versions.len(), 1);
    let got = h
        .storage
        .get(&versions[0].id())
        .await
        .expect("winner readable");
    assert_eq!(got.metadata.sha256, versions[0].metadata.sha256);
}

/// Concurrent first stores of different versions of a new module (in a new
/// namespace) all succeed: creating the module and namespace rows races,
/// and losing that race must never refuse a version nobody else stored.
pub async fn concurrent_first_stores_of_a_new_module_all_succeed(h: &StorageHarness) {
    for round in 0..4 {
        let a = h.addr(&format!("fresh{round}"), "mod");
        // Started together, so the metadata inserts overlap (on a
        // multi-threaded runtime, truly at once).
        let start = Arc::new(tokio::sync::Barrier::new(8));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (storage, start) = (h.storage.clone(), start.clone());
            let mut m = module(&a, &format!("1.0.{i}"), &format!("first{i}")).await;
            if i % 2 == 1 {
                // Without dependency rows a store may take a shorter path
                // once the module is known; race both paths.
                m.metadata.summary.root.dependencies.clear();
            }
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                storage.store(&m).await
            }));
        }
        for (i, t) in tasks.into_iter().enumerate() {
            if let Err(e) = t.await.expect("task") {
                panic!("{a} 1.0.{i}, stored while the module was being created: {e}");
            }
        }
        let versions = h.storage.versions(&a.parse().unwrap()).await.unwrap();
        assert_eq!(versions.len(), 8, "{a}: every version stored");
    }
}

/// Namespace and name match case-insensitively and keep their first case.
pub async fn first_publish_fixes_the_case(h: &StorageHarness) {
    let ns = format!("{}Case", h.prefix);
    h.storage
        .store(&module(&format!("{ns}/MixedName/null"), "1.0.0", "c1").await)
        .await
        .unwrap();
    let second = h
        .storage
        .store(
            &module(
                &format!("{}/mixedname/null", ns.to_uppercase()),
                "2.0.0",
                "c2",
            )
            .await,
        )
        .await
        .unwrap();
    assert_eq!(second.address.to_string(), format!("{ns}/MixedName/null"));
    let all = h
        .storage
        .versions(
            &format!("{}/MIXEDNAME/null", ns.to_lowercase())
                .parse()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|r| r.address.to_string() == format!("{ns}/MixedName/null"))
    );
}

/// Filters and keyset paging return every match exactly once.
pub async fn list_filters_and_pages(h: &StorageHarness) {
    let ns_a = format!("{}lista", h.prefix);
    let ns_b = format!("{}listb", h.prefix);
    for i in 0..5 {
        h.storage
            .store(
                &module(
                    &format!("{ns_a}/m{}/null", i % 2),
                    &format!("1.0.{i}"),
                    &format!("la{i}"),
                )
                .await,
            )
            .await
            .unwrap();
    }
    h.storage
        .store(&module(&format!("{ns_b}/m/null"), "1.0.0", "lb").await)
        .await
        .unwrap();
    let mut filter = Filter {
        limit: 2,
        ..Filter::all().namespace(ns_a.to_uppercase())
    };
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = h.storage.list(&filter).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|r| r.id().key()));
        match page.next {
            Some(c) => filter.after = Some(c),
            None => break,
        }
        assert!(pages < 10, "paging does not terminate");
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 5, "no item on two pages");
    assert_eq!(seen, dedup, "pages come in key order");

    let by_name = h
        .storage
        .list(&Filter {
            name: Some("M1".into()),
            ..Filter::all().namespace(&ns_a)
        })
        .await
        .unwrap();
    assert_eq!(by_name.items.len(), 2);
    let by_owner = h
        .storage
        .list(&Filter {
            owner: Some("token:nobody".into()),
            ..Filter::all().namespace(&ns_a)
        })
        .await
        .unwrap();
    assert!(by_owner.items.is_empty());

    // Modules, not versions: two modules in ns_a, one per page with limit 1.
    let mut mf = Filter {
        limit: 1,
        ..Filter::all().namespace(&ns_a)
    };
    let mut modules = Vec::new();
    loop {
        let page = h.storage.list_modules(&mf).await.unwrap();
        modules.extend(page.items.iter().map(|a| a.to_string()));
        match page.next {
            Some(c) => mf.after = Some(c),
            None => break,
        }
        assert!(modules.len() < 10, "module paging does not terminate");
    }
    assert_eq!(
        modules,
        [format!("{ns_a}/m0/null"), format!("{ns_a}/m1/null")]
    );
}

/// `versions` sees a new publish immediately (no stale cache) and keeps publish order.
pub async fn versions_are_fresh_and_in_publish_order(h: &StorageHarness) {
    let a = h.addr("fresh", "mod");
    let addr = a.parse().unwrap();
    assert!(h.storage.versions(&addr).await.unwrap().is_empty());
    for v in ["2.0.0", "1.0.0", "1.5.0"] {
        h.storage.store(&module(&a, v, v).await).await.unwrap();
        let listed: Vec<String> = h
            .storage
            .versions(&addr)
            .await
            .unwrap()
            .iter()
            .map(|r| r.version.to_string())
            .collect();
        assert_eq!(listed.last().map(String::as_str), Some(v), "{listed:?}");
    }
    let listed: Vec<String> = h
        .storage
        .versions(&addr)
        .await
        .unwrap()
        .iter()
        .map(|r| r.version.to_string())
        .collect();
    assert_eq!(listed, ["2.0.0", "1.0.0", "1.5.0"]);
    let numbers: Vec<(String, bool)> = h
        .storage
        .version_numbers(&addr)
        .await
        .unwrap()
        .iter()
        .map(|e| (e.version.to_string(), e.listed))
        .collect();
    assert_eq!(
        numbers,
        [
            ("2.0.0".to_string(), true),
            ("1.0.0".to_string(), true),
            ("1.5.0".to_string(), true)
        ],
        "version numbers agree with the records"
    );
}

/// Deprecate, yank and their undo are applied, visible at once and validated.
pub async fn lifecycle_changes_apply_and_show(h: &StorageHarness) {
    let a = h.addr("life", "mod");
    let m = module(&a, "1.0.0", "life").await;
    h.storage.store(&m).await.unwrap();
    let now = chrono::Utc::now();
    let id = m.id();
    // Warm any cache first so staleness would show.
    h.storage.get_record(&id).await.unwrap();
    h.storage.versions(&m.address).await.unwrap();
    h.storage.version_numbers(&m.address).await.unwrap();
    let r = h
        .storage
        .change_lifecycle(
            &id,
            &LifecycleChange::Deprecate {
                reason: "old".into(),
                successor: Some("2.0.0".into()),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(r.metadata.lifecycle.state(), LifecycleState::Deprecated);
    assert_eq!(
        h.storage
            .get_record(&id)
            .await
            .unwrap()
            .metadata
            .lifecycle
            .state(),
        LifecycleState::Deprecated
    );
    h.storage
        .change_lifecycle(
            &id,
            &LifecycleChange::Yank {
                reason: Some("bad".into()),
            },
            now,
        )
        .await
        .unwrap();
    let v = h.storage.versions(&m.address).await.unwrap();
    assert_eq!(
        v[0].metadata.lifecycle.state(),
        LifecycleState::Yanked,
        "version list is not stale"
    );
    let numbers = h.storage.version_numbers(&m.address).await.unwrap();
    assert_eq!(numbers.len(), 1);
    assert!(
        !numbers[0].listed,
        "version numbers are not stale: {numbers:?}"
    );
    let e = h
        .storage
        .change_lifecycle(&id, &LifecycleChange::Yank { reason: None }, now)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    let hidden = h
        .storage
        .list(&Filter::all().namespace(format!("{}life", h.prefix)))
        .await
        .unwrap();
    assert!(
        hidden.items.is_empty(),
        "yanked versions are not listed by default"
    );
    let shown = h
        .storage
        .list(&Filter {
            include_yanked: true,
            ..Filter::all().namespace(format!("{}life", h.prefix))
        })
        .await
        .unwrap();
    assert_eq!(shown.items.len(), 1);
    let r = h
        .storage
        .change_lifecycle(&id, &LifecycleChange::Unyank, now)
        .await
        .unwrap();
    assert_eq!(r.metadata.lifecycle.state(), LifecycleState::Deprecated);
    let missing = h
        .storage
        .change_lifecycle(
            &"a/b/c/1.0.0".parse().unwrap(),
            &LifecycleChange::Unyank,
            now,
        )
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

/// A deleted version disappears, and its number stays reserved for other bytes.
pub async fn delete_hides_and_reserves_the_version(h: &StorageHarness) {
    let a = h.addr("del", "mod");
    let m = module(&a, "1.0.0", "del").await;
    h.storage.store(&m).await.unwrap();
    h.storage.get_record(&m.id()).await.unwrap();
    h.storage.version_numbers(&m.address).await.unwrap();
    h.storage.delete(&m.id()).await.unwrap();
    assert!(
        h.storage
            .version_numbers(&m.address)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        h.storage.get(&m.id()).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(h.storage.versions(&m.address).await.unwrap().is_empty());
    assert_eq!(
        h.storage.delete(&m.id()).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let other = module(&a, "1.0.0", "different").await;
    let e = h.storage.store(&other).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    let again = h
        .storage
        .store(&m)
        .await
        .expect("identical bytes restore the version");
    assert_eq!(again.metadata.sha256, m.metadata.sha256);
    assert!(h.storage.get(&m.id()).await.is_ok());
}

/// Downloads are counted, in total per version and per day per module.
pub async fn downloads_are_counted(h: &StorageHarness) {
    let a = h.addr("dl", "mod");
    let other = h.addr("dl", "other");
    let m = module(&a, "1.0.0", "dl").await;
    let m2 = module(&a, "1.1.0", "dl2").await;
    let o = module(&other, "1.0.0", "dlo").await;
    for x in [&m, &m2, &o] {
        h.storage.store(x).await.unwrap();
    }
    for _ in 0..3 {
        h.storage.record_download(&m.id()).await.unwrap();
    }
    for _ in 0..2 {
        h.storage.record_download(&m2.id()).await.unwrap();
    }
    h.storage.record_download(&o.id()).await.unwrap();
    h.storage.flush().await.unwrap();
    let page = h
        .storage
        .list(&Filter::all().namespace(format!("{}dl", h.prefix)))
        .await
        .unwrap();
    let of = |v: &str| {
        page.items
            .iter()
            .find(|r| r.address == m.address && r.version.to_string() == v)
            .map(|r| r.metadata.downloads)
    };
    assert_eq!((of("1.0.0"), of("1.1.0")), (Some(3), Some(2)));
    // Per day: both versions summed, the other module apart. The counts
    // were made today (or, across midnight, yesterday).
    let yesterday = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let days = h
        .storage
        .downloads_by_day(&m.address, yesterday)
        .await
        .unwrap();
    assert_eq!(days.iter().map(|d| d.downloads).sum::<u64>(), 5, "{days:?}");
    assert!(days.iter().all(|d| d.day >= yesterday), "{days:?}");
    let days = h
        .storage
        .downloads_by_day(&o.address, yesterday)
        .await
        .unwrap();
    assert_eq!(days.iter().map(|d| d.downloads).sum::<u64>(), 1, "{days:?}");
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    assert!(
        h.storage
            .downloads_by_day(&m.address, tomorrow)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Module calls are found by the source they name, exactly or with a
/// `//subdir`, in roots and submodules, deleted versions left out.
pub async fn dependents_are_found_by_source(h: &StorageHarness) {
    let target = format!("reg.example.com/{}dep/net_x/aws", h.prefix);
    let call = |name: &str, source: String, version: Option<&str>| ModuleCall {
        name: name.into(),
        source,
        version: version.map(str::to_string),
    };
    let mut app = module(&h.addr("dep", "app"), "1.0.0", "dep-app").await;
    app.metadata.summary.root.dependencies = vec![
        call("net", target.clone(), Some("~> 1.0")),
        call("sub", format!("{target}//modules/sub"), None),
        // Neither: another module whose name starts the same, a public call.
        call("near", format!("{target}2"), None),
        call("public", format!("{}dep/net_x/aws", h.prefix), None),
    ];
    let mut nested = module(&h.addr("dep", "app"), "2.0.0", "dep-app2").await;
    nested.metadata.summary.submodules = vec![ModuleInterface {
        path: "modules/inner".into(),
        dependencies: vec![call("net", target.clone(), Some(">= 1"))],
        ..ModuleInterface::default()
    }];
    let mut gone = module(&h.addr("dep", "old"), "1.0.0", "dep-old").await;
    gone.metadata.summary.root.dependencies = vec![call("net", target.clone(), None)];
    for m in [&app, &nested, &gone] {
        h.storage.store(m).await.unwrap();
    }
    h.storage.delete(&gone.id()).await.unwrap();
    let found = h.storage.dependents(&target, 100).await.unwrap();
    let seen: Vec<(String, &str, &str, Option<&str>)> = found
        .iter()
        .map(|d| {
            (
                d.id.to_string(),
                d.module_path.as_str(),
                d.call_name.as_str(),
                d.constraint.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (app.id().to_string(), "", "net", Some("~> 1.0")),
            (app.id().to_string(), "", "sub", None),
            (
                nested.id().to_string(),
                "modules/inner",
                "net",
                Some(">= 1")
            ),
        ]
    );
    assert_eq!(h.storage.dependents(&target, 1).await.unwrap().len(), 1);
    assert!(
        h.storage
            .dependents("reg.example.com/nobody/x/aws", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Recently published listed versions come newest first, yanked ones
/// left out; totals count what is stored. (Other checks share the store,
/// so only this check's versions are compared, and totals as bounds.)
pub async fn recent_versions_and_totals(h: &StorageHarness) {
    let at =
        |year: i32| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, year, 1, 1, 0, 0, 0).unwrap();
    let mut older = module(&h.addr("recent", "a"), "1.0.0", "recent-a").await;
    older.metadata.published_at = at(2100);
    let mut newer = module(&h.addr("recent", "b"), "1.0.0", "recent-b").await;
    newer.metadata.published_at = at(2101);
    let mut yanked = module(&h.addr("recent", "b"), "1.1.0", "recent-b2").await;
    yanked.metadata.published_at = at(2102);
    for m in [&older, &newer, &yanked] {
        h.storage.store(m).await.unwrap();
    }
    h.storage
        .change_lifecycle(
            &yanked.id(),
            &LifecycleChange::Yank { reason: None },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let mine: Vec<String> = h
        .storage
        .recent_versions(200)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id().to_string())
        .filter(|id| id.contains(&format!("{}recent/", h.prefix)))
        .collect();
    assert_eq!(mine, vec![newer.id().to_string(), older.id().to_string()]);
    let totals = h.storage.totals().await.unwrap();
    assert!(totals.modules >= 2 && totals.versions >= 2, "{totals:?}");
}

/// Bytes that no longer match their digest are an `Integrity` error, never served.
pub async fn corrupted_archive_is_an_integrity_error(h: &StorageHarness) {
    let Some(corrupt) = &h.corrupt else {
        eprintln!("conformance: corruption check not supported by this harness");
        return;
    };
    let a = h.addr("corrupt", "mod");
    let m = module(&a, "1.0.0", "corrupt").await;
    h.storage.store(&m).await.unwrap();
    corrupt(m.metadata.sha256, Bytes::from_static(b"tampered bytes")).await;
    let e = h.storage.get(&m.id()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Integrity, "{e}");
}

/// The versions a module's stored document lists (sorted), after checking it holds
/// what building it from the records gives (in commit order, which racing
/// publishes on PostgreSQL may make differ from id order).
async fn listed_in_document(
    h: &StorageHarness,
    address: &ModuleAddress,
    what: &str,
) -> Vec<String> {
    let records = h.storage.versions(address).await.unwrap();
    let built = registry_core::VersionsDocument::from_records(&records)
        .unwrap()
        .unwrap();
    let stored = h.storage.versions_document(address).await.unwrap().unwrap();
    assert_eq!(stored.address, built.address, "{what}");
    let entries = stored
        .entries()
        .unwrap_or_else(|e| panic!("{what}: {e}: {}", stored.versions));
    let sorted = |mut v: Vec<registry_core::ProtocolVersion>| {
        v.sort_by(|a, b| a.version.cmp(&b.version));
        v
    };
    assert_eq!(
        sorted(entries.clone()),
        sorted(built.entries().unwrap()),
        "{what}"
    );
    // Stores differ in where a restored version goes; the order is not
    // part of the protocol.
    let mut listed: Vec<String> = entries.into_iter().map(|v| v.version).collect();
    listed.sort_by_key(|v| {
        registry_core::Version::parse(v)
            .map(|v| v.key())
            .unwrap_or_default()
    });
    listed
}

/// The protocol's versions document lists exactly the listed versions, in
/// publish order, with their dependencies and deprecations, as building it
/// from the records would, after every kind of change; concurrent
/// publishes of one module all show; totals move by what changed.
pub async fn versions_document_follows_every_change(h: &StorageHarness) {
    use registry_core::ProviderRequirement;
    let a = h.addr("doc", "mod");
    let address: ModuleAddress = a.parse().unwrap();
    let before = h.storage.totals().await.unwrap();
    assert_eq!(h.storage.versions_document(&address).await.unwrap(), None);
    let mut versions = Vec::new();
    for (i, v) in ["1.0.0", "1.1.0", "1.2.0", "2.0.0"].iter().enumerate() {
        let mut m = module(&a, v, &format!("doc-{v}")).await;
        m.metadata.summary.root.providers = vec![ProviderRequirement {
            name: "null".into(),
            source: Some("hashicorp/null".into()),
            version: Some(format!(">= 3.{i}")),
        }];
        m.metadata.summary.root.dependencies = vec![ModuleCall {
            name: "net".into(),
            source: "reg.example.com/acme/net/aws".into(),
            version: Some("~> 1.0".into()),
        }];
        m.metadata.summary.submodules = vec![ModuleInterface {
            path: "modules/part".into(),
            ..Default::default()
        }];
        h.storage.store(&m).await.unwrap();
        versions.push(m);
    }
    assert_eq!(
        listed_in_document(h, &address, "published").await,
        ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]
    );
    let now = chrono::Utc::now();
    let deprecate = LifecycleChange::Deprecate {
        reason: "old".into(),
        successor: Some("2.0.0".into()),
    };
    h.storage
        .change_lifecycle(&versions[0].id(), &deprecate, now)
        .await
        .unwrap();
    assert_eq!(listed_in_document(h, &address, "deprecated").await.len(), 4);
    let doc = h
        .storage
        .versions_document(&address)
        .await
        .unwrap()
        .unwrap();
    assert!(
        doc.versions
            .contains(r#""deprecation":{"reason":"old; use 2.0.0"}"#),
        "{}",
        doc.versions
    );
    h.storage
        .change_lifecycle(
            &versions[1].id(),
            &LifecycleChange::Yank { reason: None },
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        listed_in_document(h, &address, "yanked").await,
        ["1.0.0", "1.2.0", "2.0.0"]
    );
    h.storage.delete(&versions[2].id()).await.unwrap();
    assert_eq!(
        listed_in_document(h, &address, "deleted").await,
        ["1.0.0", "2.0.0"]
    );
    h.storage.store(&versions[2]).await.unwrap();
    assert_eq!(
        listed_in_document(h, &address, "restored").await,
        ["1.0.0", "1.2.0", "2.0.0"]
    );
    h.storage
        .change_lifecycle(&versions[1].id(), &LifecycleChange::Unyank, now)
        .await
        .unwrap();
    assert_eq!(listed_in_document(h, &address, "unyanked").await.len(), 4);
    // Publishes racing on one module: none is lost from the document.
    let mut racing: Vec<Module> = Vec::new();
    for i in 0..8 {
        racing.push(module(&a, &format!("3.{i}.0"), &format!("doc-race-{i}")).await);
    }
    let stored = futures::future::join_all(racing.iter().map(|m| h.storage.store(m))).await;
    assert!(stored.iter().all(Result::is_ok), "{stored:?}");
    assert_eq!(listed_in_document(h, &address, "raced").await.len(), 12);
    // Totals: one module more, its 12 listed versions, and its downloads.
    for _ in 0..3 {
        h.storage.record_download(&versions[3].id()).await.unwrap();
    }
    h.storage.flush().await.unwrap();
    let after = h.storage.totals().await.unwrap();
    assert_eq!(after.modules - before.modules, 1, "{before:?} {after:?}");
    assert_eq!(after.versions - before.versions, 12, "{before:?} {after:?}");
    assert_eq!(
        after.downloads - before.downloads,
        3,
        "{before:?} {after:?}"
    );
    // A module whose every version is yanked lists none and is not counted.
    let lone = h.addr("doc", "lone");
    let only = module(&lone, "1.0.0", "doc-lone").await;
    h.storage.store(&only).await.unwrap();
    h.storage
        .change_lifecycle(&only.id(), &LifecycleChange::Yank { reason: None }, now)
        .await
        .unwrap();
    let doc = h
        .storage
        .versions_document(&only.address)
        .await
        .unwrap()
        .unwrap();
    assert!(doc.is_empty(), "{}", doc.versions);
    assert_eq!(h.storage.totals().await.unwrap().modules, after.modules);
}

/// Garbage collection removes unreferenced blobs past the grace period only.
pub async fn gc_removes_old_orphans_only(h: &StorageHarness) {
    let a = h.addr("gc", "mod");
    let keep = module(&a, "1.0.0", "gc-keep").await;
    let gone = module(&a, "2.0.0", "gc-gone").await;
    h.storage.store(&keep).await.unwrap();
    h.storage.store(&gone).await.unwrap();
    h.storage.delete(&gone.id()).await.unwrap();
    let report = h.storage.gc(Duration::from_secs(3600)).await.expect("gc");
    assert_eq!(report.removed, 0, "young orphans are kept: {report:?}");
    assert!(report.kept_in_grace >= 1, "{report:?}");
    assert!(h.blobs.exists(&gone.metadata.sha256).await.unwrap());
    // Let the blob age past a zero grace period (timestamps may have 1 s resolution).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = h.storage.gc(Duration::ZERO).await.expect("gc");
    assert!(report.removed >= 1, "{report:?}");
    assert!(!h.blobs.exists(&gone.metadata.sha256).await.unwrap());
    assert!(h.blobs.exists(&keep.metadata.sha256).await.unwrap());
    assert!(h.storage.get(&keep.id()).await.is_ok());
}

/// Everything stored is readable after reopening.
pub async fn reopen_keeps_everything(h: &StorageHarness) {
    let Some(reopen) = &h.reopen else {
        eprintln!("conformance: durability check not supported by this harness");
        return;
    };
    let a = h.addr("durable", "mod");
    let m = module(&a, "1.0.0", "durable").await;
    h.storage.store(&m).await.unwrap();
    h.storage
        .change_lifecycle(
            &m.id(),
            &LifecycleChange::Deprecate {
                reason: "r".into(),
                successor: None,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let again = reopen().await;
    let got = again.get(&m.id()).await.expect("readable after reopen");
    assert_eq!(got.metadata.sha256, m.metadata.sha256);
    assert_eq!(got.metadata.lifecycle.state(), LifecycleState::Deprecated);
    let e = again.store(&m).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
}

/// Pages of `list_latest` in one namespace (pages of two), as
/// `module@version` keys in address order.
async fn latest_in(h: &StorageHarness, ns: &str) -> Vec<String> {
    let mut filter = Filter {
        limit: 2,
        ..Filter::all().namespace(ns)
    };
    let mut seen = Vec::new();
    for _ in 0..10 {
        let page = h.storage.list_latest(&filter).await.unwrap();
        assert!(page.items.len() <= 2, "{:?}", page.items);
        seen.extend(page.items.iter().map(|id| id.to_string()));
        match page.next {
            Some(c) => filter.after = Some(c),
            None => return seen,
        }
    }
    panic!("list_latest paging does not terminate: {seen:?}");
}

/// Each module's latest listed version, as listings show it, follows
/// publishes in any order (a lower version after a higher one, a release
/// after prereleases), yanks, unyanks, deletes and restores; a module with
/// nothing listed drops out; pages follow the address order.
pub async fn latest_follows_every_change(h: &StorageHarness) {
    let ns = format!("{}latest", h.prefix);
    let store = |a: String, v: &'static str| async move {
        let m = module(&a, v, &format!("{a}-{v}")).await;
        h.storage.store(&m).await.unwrap();
        m
    };
    let a = format!("{ns}/a/null");
    let b = format!("{ns}/b/null");
    let c = format!("{ns}/c/null");
    assert!(latest_in(h, &ns).await.is_empty());
    store(a.clone(), "2.0.0-rc1").await;
    store(b.clone(), "1.0.0").await;
    store(c.clone(), "0.1.0").await;
    let a2 = store(a.clone(), "1.5.0").await;
    store(b.clone(), "0.9.0").await;
    let b11 = store(b.clone(), "1.1.0").await;
    let want = |a: &str, b: &str, c: &str| {
        vec![
            format!("{ns}/a/null/{a}"),
            format!("{ns}/b/null/{b}"),
            format!("{ns}/c/null/{c}"),
        ]
    };
    // A release beats a higher prerelease; an older publish does not win.
    assert_eq!(latest_in(h, &ns).await, want("1.5.0", "1.1.0", "0.1.0"));
    let now = chrono::Utc::now();
    let yank = LifecycleChange::Yank { reason: None };
    h.storage
        .change_lifecycle(&b11.id(), &yank, now)
        .await
        .unwrap();
    h.storage
        .change_lifecycle(&a2.id(), &yank, now)
        .await
        .unwrap();
    assert_eq!(latest_in(h, &ns).await, want("2.0.0-rc1", "1.0.0", "0.1.0"));
    h.storage
        .change_lifecycle(&b11.id(), &LifecycleChange::Unyank, now)
        .await
        .unwrap();
    h.storage.delete(&id(&format!("{c}/0.1.0"))).await.unwrap();
    let two = latest_in(h, &ns).await;
    assert_eq!(two, want("2.0.0-rc1", "1.1.0", "-")[..2].to_vec());
    // Restoring the deleted version (same bytes) lists it again.
    store(c.clone(), "0.1.0").await;
    assert_eq!(latest_in(h, &ns).await, want("2.0.0-rc1", "1.1.0", "0.1.0"));
    // The filter's name and system narrow it; the store agrees with the
    // version numbers it reports.
    let named = Filter {
        name: Some("B".into()),
        ..Filter::all().namespace(&ns)
    };
    let page = h.storage.list_latest(&named).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let numbers = h
        .storage
        .version_numbers(&page.items[0].address)
        .await
        .unwrap();
    assert_eq!(
        registry_core::VersionEntry::latest(numbers.iter()).map(|e| &e.version),
        Some(&page.items[0].version)
    );
    let other_system = Filter {
        system: Some("aws".into()),
        ..Filter::all().namespace(&ns)
    };
    assert!(
        h.storage
            .list_latest(&other_system)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// Run every check in order.
pub async fn run_all(h: &StorageHarness) {
    store_then_get_returns_identical_bytes(h).await;
    store_same_version_twice_is_rejected(h).await;
    concurrent_store_of_one_version_has_one_winner(h).await;
    concurrent_first_stores_of_a_new_module_all_succeed(h).await;
    first_publish_fixes_the_case(h).await;
    mirrored_modules_never_collide_with_local_ones(h).await;
    list_filters_and_pages(h).await;
    versions_are_fresh_and_in_publish_order(h).await;
    lifecycle_changes_apply_and_show(h).await;
    delete_hides_and_reserves_the_version(h).await;
    downloads_are_counted(h).await;
    dependents_are_found_by_source(h).await;
    recent_versions_and_totals(h).await;
    versions_document_follows_every_change(h).await;
    latest_follows_every_change(h).await;
    corrupted_archive_is_an_integrity_error(h).await;
    gc_removes_old_orphans_only(h).await;
    reopen_keeps_everything(h).await;
}
