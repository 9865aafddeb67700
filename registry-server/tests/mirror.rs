//! The pull-through module mirror against a real upstream: a second
//! registry server on loopback. Versions lists come through (stale, and
//! marked, once the upstream is gone), a version's first download fetches
//! and stores its archive with its provenance, later ones are served from
//! what is stored even with the upstream stopped; mirrored modules never
//! collide with local ones; allow and deny globs, unknown upstreams and
//! upstream failures answer clearly; hits, misses and stale answers are
//! counted and first fetches audited. Git sources (an upstream pointing
//! at a real git daemon) are checked out, packed whole and kept with
//! their commit; the forms refused are named.

mod common;

use common::live;
use registry_core::testing::TarBuilder;
use registry_core::{
    ArchiveBody, ArchiveLimits, Hash1, ModuleId, RequestContext, Role, Sha256Digest, TreeHasher,
    inspect_archive,
};
use registry_git::testing::{GitDaemon, PointingRegistry};
use registry_server::mirror::UpstreamConfig;
use reqwest::StatusCode;
use serde_json::Value;

fn greeting(version: &str) -> Vec<u8> {
    TarBuilder::new()
        .file(
            "main.tf",
            format!("variable \"name\" {{\n  type = string\n}}\n\noutput \"greeting\" {{\n  value = \"Hello ${{var.name}} from {version}\"\n}}\n"),
        )
        .file("README.md", format!("# Greeting\n\nSays hello ({version}).\n"))
        .finish()
}

const HOST: &str = "registry.terraform.io";

/// The version the server stored, read as the system.
async fn stored_copy(
    live: &common::Live,
    id: &ModuleId,
) -> registry_core::Result<registry_core::ModuleRecord> {
    live.server
        .opened
        .registry
        .get(&RequestContext::system(), id)
        .await
}

#[tokio::test]
async fn modules_come_through_the_mirror_and_stay_when_the_upstream_goes() {
    // The upstream: a registry of its own, with two versions.
    let upstream = live(|_| {}).await;
    let up_token = upstream.token("*", Role::Admin).await;
    for v in ["1.0.0", "1.1.0"] {
        let r = upstream
            .put_archive(
                &up_token,
                &format!("/v1/modules/acme/greeting/null/{v}"),
                greeting(v),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let up_url = upstream.server.url();
    let ours = live(|c| {
        c.upstreams = vec![UpstreamConfig {
            host: HOST.into(),
            url: Some(up_url.clone()),
            deny: vec!["acme/secret*/*".into()],
            ..UpstreamConfig::default()
        }];
        // Ask upstream every time, so a failure shows at once.
        c.upstream_ttl = std::time::Duration::ZERO;
    })
    .await;
    let admin = ours.token("*", Role::Admin).await;
    // A local module of the same name, which the mirror must not touch.
    let r = ours
        .put_archive(
            &admin,
            "/v1/modules/acme/greeting/null/9.0.0",
            greeting("local"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let base = format!("/v1/mirror/{HOST}/modules/acme/greeting/null");
    let get = |path: String| {
        let http = ours.http.clone();
        let url = ours.url(&path);
        async move { http.get(url).send().await.unwrap() }
    };

    // The versions list comes from upstream.
    let r = get(format!("{base}/versions")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("warning").is_none());
    let listed: Value = r.json().await.unwrap();
    let versions: Vec<&str> = listed["modules"][0]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.0.0", "1.1.0"], "{listed}");

    // The first download fetches and stores; the archive is upstream's, byte for byte.
    let r = get(format!("{base}/1.0.0/download")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let location = r.headers()["x-terraform-get"].to_str().unwrap().to_string();
    assert_eq!(location, "./archive.tar.gz");
    let ours_bytes = get(format!("{base}/1.0.0/archive.tar.gz"))
        .await
        .bytes()
        .await
        .unwrap();
    let theirs = upstream
        .http
        .get(upstream.url("/v1/modules/acme/greeting/null/1.0.0/archive.tar.gz"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(Sha256Digest::of(&ours_bytes), Sha256Digest::of(&theirs));
    let id = ModuleId::new(
        format!("{HOST}/acme/greeting/null").parse().unwrap(),
        "1.0.0".parse().unwrap(),
    );
    let stored = stored_copy(&ours, &id).await.unwrap();
    let from = stored.metadata.mirrored.expect("provenance is kept");
    assert_eq!(from.upstream, HOST);
    assert!(
        from.url.starts_with(&up_url)
            && from
                .url
                .ends_with("/acme/greeting/null/1.0.0/archive.tar.gz"),
        "{}",
        from.url
    );
    assert_eq!(
        stored.metadata.description.as_deref(),
        Some("Says hello (1.0.0).")
    );

    // The local module of the same name is untouched, and apart.
    let local: Value = get("/v1/modules/acme/greeting/null/versions".into())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        local["modules"][0]["versions"].as_array().unwrap().len(),
        1,
        "{local}"
    );
    assert_eq!(local["modules"][0]["versions"][0]["version"], "9.0.0");

    // Listings and search of this registry's own modules leave the copy out.
    let all: Value = get("/v1/modules".into()).await.json().await.unwrap();
    assert!(!all.to_string().contains(HOST), "{all}");
    assert_eq!(all["modules"].as_array().unwrap().len(), 1, "{all}");
    let found: Value = get("/v1/modules/search?q=greeting".into())
        .await
        .json()
        .await
        .unwrap();
    assert!(!found.to_string().contains(HOST), "{found}");
    // Asked for, the copies are found too, marked with their upstream.
    let found: Value = get("/v1/modules/search?q=greeting&mirrored=true".into())
        .await
        .json()
        .await
        .unwrap();
    let copy = found["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mirrored_from"] == HOST)
        .unwrap_or_else(|| panic!("no mirrored hit: {found}"));
    assert!(
        copy["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{HOST}/acme/greeting/null/"))
    );
    let home = get("/".into()).await.text().await.unwrap();
    assert!(
        !home.contains(HOST),
        "the home page lists only local modules"
    );

    // The web UI gives the copy the pages a module has, under /mirror/.
    let page = get(format!("/mirror/{HOST}/acme/greeting/null"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Mirrored from <strong>registry.terraform.io</strong>"),
        "{page}"
    );
    assert!(page.contains("Says hello (1.0.0)."), "the README: {page}");
    assert!(
        page.contains(&format!("source  = &quot;{HOST}/acme/greeting/null&quot;")),
        "the provision snippet names the upstream's address: {page}"
    );
    assert!(
        page.contains(&format!("/v1/mirror/{HOST}/modules/")),
        "the host block: {page}"
    );
    assert!(page.contains(&format!(
        "href=\"/mirror/{HOST}/acme/greeting/null/1.0.0?tab=inputs\""
    )));
    assert!(
        !page.contains("/lifecycle"),
        "no lifecycle actions on a copy"
    );
    let inputs = get(format!(
        "/mirror/{HOST}/acme/greeting/null/1.0.0?tab=inputs"
    ))
    .await
    .text()
    .await
    .unwrap();
    assert!(inputs.contains("<code>name</code>"), "{inputs}");
    let found = get("/search?q=greeting".into()).await.text().await.unwrap();
    assert!(
        found.contains(&format!("href=\"/mirror/{HOST}/acme/greeting/null\""))
            && found.contains("mirrored from registry.terraform.io")
            && found.contains("href=\"/modules/acme/greeting/null\""),
        "UI search finds the local module and the marked copy: {found}"
    );
    let r = get(format!("/mirror/{HOST}/acme/greeting/null/7.0.0")).await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "a version never fetched has no page"
    );

    // Docs and schema, as a published version's.
    let r = get(format!("{base}/1.0.0/docs")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let md = r.text().await.unwrap();
    assert!(md.contains("## Inputs") && md.contains("name"), "{md}");
    let schema: Value = get(format!("{base}/1.0.0/schema"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(schema["inputs_schema"]["required"][0], "name", "{schema}");

    // Globs keep modules out; an upstream not configured is named.
    let r = get(format!(
        "/v1/mirror/{HOST}/modules/acme/secret-stuff/null/versions"
    ))
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("--upstream-deny"));
    let r = get("/v1/mirror/example.com/modules/acme/greeting/null/versions".into()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("mirrors no upstream example.com")
    );
    let r = get(format!(
        "/v1/mirror/{HOST}/modules/acme/nothere/null/versions"
    ))
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The upstream goes away.
    upstream.server.shutdown().await.unwrap();

    // The list is served stale, and says so; the stored version still installs.
    let r = get(format!("{base}/versions")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let warning = r.headers()["warning"].to_str().unwrap().to_string();
    assert!(
        warning.starts_with("110 - \"Response is Stale"),
        "{warning}"
    );
    let again: Value = r.json().await.unwrap();
    assert_eq!(again, listed);
    let r = get(format!("{base}/1.0.0/download")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let cached = get(format!("{base}/1.0.0/archive.tar.gz")).await;
    assert_eq!(cached.status(), StatusCode::OK);
    assert_eq!(cached.bytes().await.unwrap(), ours_bytes);
    // A version never fetched cannot be: the answer names the upstream.
    let r = get(format!("{base}/1.1.0/download")).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let text = r.text().await.unwrap();
    assert!(text.contains(&format!("upstream {HOST}")), "{text}");

    // Counted and audited.
    let metrics = ours
        .http
        .get(ours.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for event in ["miss", "hit", "stale", "error"] {
        assert!(
            metrics.contains(&format!(
                "registry_mirror_events_total{{host=\"{HOST}\",event=\"{event}\"}}"
            )),
            "{event}: {metrics}"
        );
    }
    let audit = ours
        .http
        .get(ours.url("/v1/audit"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        audit.contains("\"mirror-fetch\"")
            && audit.contains(&format!("{HOST}/acme/greeting/null/1.0.0")),
        "{audit}"
    );
}

#[tokio::test]
async fn a_server_without_upstreams_mirrors_nothing_and_says_so() {
    let ours = live(|_| {}).await;
    let r = ours
        .http
        .get(ours.url(&format!("/v1/mirror/{HOST}/modules/a/b/c/versions")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("--upstream"));
}

/// A repository as a monorepo holds modules: the mirrored one calls a
/// sibling folder, which must come along (Terraform installs the package).
fn platform_repository(d: &GitDaemon) -> (String, String) {
    let repo = d.repository("platform");
    std::fs::create_dir_all(repo.join("modules/greeting")).unwrap();
    std::fs::create_dir_all(repo.join("shared")).unwrap();
    std::fs::write(
        repo.join("modules/greeting/main.tf"),
        "variable \"name\" {\n  type = string\n}\n\nmodule \"shared\" {\n  source = \"../../shared\"\n}\n\noutput \"greeting\" {\n  value = \"${module.shared.prefix} ${var.name}\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("modules/greeting/README.md"),
        "# Greeting\n\nGreets from a monorepo.\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("shared/main.tf"),
        "output \"prefix\" {\n  value = \"Hello\"\n}\n",
    )
    .unwrap();
    let commit = d.commit(&repo, "greeting", Some("v1.0.0"));
    (d.url("platform"), commit)
}

#[tokio::test]
async fn git_sources_are_checked_out_packed_whole_and_kept_with_their_commit() {
    let d = GitDaemon::start();
    let (remote, commit) = platform_repository(&d);
    let outer = d.repository("outer");
    std::fs::write(outer.join("main.tf"), "").unwrap();
    std::fs::create_dir_all(outer.join("vendor")).unwrap();
    std::fs::write(
        outer.join(".gitmodules"),
        "[submodule \"vendor\"]\n\tpath = vendor\n\turl = https://example.com/x.git\n",
    )
    .unwrap();
    d.commit(&outer, "claims a submodule", None);
    let linked = d.repository("linked");
    std::fs::write(linked.join("main.tf"), "").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", linked.join("passwd.tf")).unwrap();
    d.commit(&linked, "a link out", None);
    let address = "acme/greeting/null".to_string();
    let stub = PointingRegistry::start(vec![
        (
            address.clone(),
            "1.0.0".into(),
            format!("git::{remote}//modules/greeting?ref=v1.0.0&depth=1"),
        ),
        (
            address.clone(),
            "2.0.0".into(),
            format!("git::{remote}//modules/greeting?ref=v9.9.9"),
        ),
        (address.clone(), "3.0.0".into(), "git::file:///etc".into()),
        (
            address.clone(),
            "4.0.0".into(),
            format!("git::{remote}//modules/nothing?ref=v1.0.0"),
        ),
        (
            address.clone(),
            "5.0.0".into(),
            format!("git::{}", d.url("outer")),
        ),
        (
            address.clone(),
            "6.0.0".into(),
            "http://169.254.169.254/latest/meta-data".into(),
        ),
        (
            address.clone(),
            "7.0.0".into(),
            format!("git::{}", d.url("linked")),
        ),
    ]);
    let upstreams = vec![UpstreamConfig {
        host: HOST.into(),
        url: Some(stub.url()),
        ..UpstreamConfig::default()
    }];
    // Without leave, the git daemon's loopback address is out of reach.
    let strict = live(|c| c.upstreams = upstreams.clone()).await;
    let r = strict
        .http
        .get(strict.url(&format!(
            "/v1/mirror/{HOST}/modules/{address}/1.0.0/download"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let text = r.text().await.unwrap();
    assert!(text.contains("--upstream-private"), "{text}");
    let ours = live(|c| {
        c.upstreams = upstreams;
        c.upstream_private = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let base = format!("/v1/mirror/{HOST}/modules/{address}");
    let get = |path: String| {
        let http = ours.http.clone();
        let url = ours.url(&path);
        async move { http.get(url).send().await.unwrap() }
    };

    let r = get(format!("{base}/1.0.0/download")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{:?}", r.text().await);
    assert_eq!(
        r.headers()["x-terraform-get"],
        "./archive.tar.gz//modules/greeting",
        "the package comes whole, the module is its folder"
    );
    let bytes = get(format!("{base}/1.0.0/archive.tar.gz"))
        .await
        .bytes()
        .await
        .unwrap();
    let inspected = inspect_archive(
        &ArchiveBody::from(bytes.to_vec()),
        &ArchiveLimits::default(),
    )
    .await
    .unwrap();
    let paths: Vec<&str> = inspected.manifest.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "modules/greeting/README.md",
            "modules/greeting/main.tf",
            "shared/main.tf"
        ]
    );
    let id = ModuleId::new(
        format!("{HOST}/{address}").parse().unwrap(),
        "1.0.0".parse().unwrap(),
    );
    let stored = stored_copy(&ours, &id).await.unwrap();
    let meta = &stored.metadata;
    let from = meta.mirrored.as_ref().unwrap();
    assert_eq!(from.commit.as_deref(), Some(commit.as_str()));
    assert_eq!(from.subdir.as_deref(), Some("modules/greeting"));
    assert_eq!(from.url, format!("git::{remote}?ref=v1.0.0"));
    assert_eq!(meta.h1, Hash1.tree_hash(&inspected.manifest).unwrap());
    // The docs are the folder's.
    let inputs: Vec<&str> = meta
        .summary
        .root
        .inputs
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(inputs, ["name"]);
    assert_eq!(meta.description.as_deref(), Some("Greets from a monorepo."));
    let page = get(format!("/mirror/{HOST}/{address}/1.0.0"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("at commit <code>{commit}</code>"))
            && page.contains("folder <code>modules/greeting</code>")
            && page.contains("Greets from a monorepo."),
        "{page}"
    );

    for (version, says) in [
        ("2.0.0", "git fetch failed"),
        ("3.0.0", "file transport"),
        ("4.0.0", "holds no .tf files"),
        ("5.0.0", "submodules"),
        ("6.0.0", "private or special-purpose address"),
        ("7.0.0", "passwd.tf is a symbolic link"),
    ] {
        let r = get(format!("{base}/{version}/download")).await;
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY, "{version}");
        let text = r.text().await.unwrap();
        assert!(text.contains(says), "{version}: {text}");
        let nothing = stored_copy(
            &ours,
            &ModuleId::new(id.address.clone(), version.parse().unwrap()),
        )
        .await;
        assert!(nothing.is_err(), "{version}: nothing is stored");
    }
}
