//! The HTTP API against a live server on the embedded default.

use registry_core::testing::{TarBuilder, simple_module};
use registry_core::{Role, Sha256Digest};
use registry_server::ServeConfig;
use reqwest::StatusCode;
use serde_json::Value;

mod common;

use common::Live;

impl Live {
    async fn start(require_auth: bool, tweak: impl FnOnce(&mut ServeConfig)) -> Live {
        common::live(|c| {
            c.registry.require_auth = require_auth;
            tweak(c);
        })
        .await
    }
}

async fn json(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

#[tokio::test]
async fn discovery_is_served_as_application_json() {
    let live = Live::start(false, |_| {}).await;
    let r = live
        .http
        .get(live.url("/.well-known/terraform.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let mut expected = serde_json::json!({
        "modules.v1": "/v1/modules/",
        "providers.v1": "/v1/providers/",
    });
    // `terraform login` needs the web UI's authorization page.
    if cfg!(feature = "ui") {
        expected["login.v1"] = serde_json::json!({
            "client": "terraform-cli",
            "grant_types": ["authz_code"],
            "authz": "/oauth/authorization",
            "token": "/oauth/token",
            "ports": [10000, 10010],
        });
    }
    assert_eq!(json(r).await, expected);
    for p in ["/healthz", "/readyz"] {
        assert_eq!(
            live.http.get(live.url(p)).send().await.unwrap().status(),
            StatusCode::OK,
            "{p}"
        );
    }
}

#[tokio::test]
async fn publish_then_terraform_protocol_round_trip() {
    let live = Live::start(false, |_| {}).await;
    let token = live.token("acme", Role::Publisher).await;
    let archive = simple_module(&[("modules/sub/main.tf", "variable \"x\" {}\n")]);
    let r = live
        .put_archive(&token, "/v1/modules/acme/hello/null/1.0.0", archive.clone())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc = json(r).await;
    assert_eq!(doc["id"], "acme/hello/null/1.0.0");
    assert_eq!(doc["root"]["inputs"][0]["name"], "name");
    assert_eq!(doc["submodules"][0]["path"], "modules/sub");
    live.put_archive(
        &token,
        "/v1/modules/acme/hello/null/1.1.0",
        simple_module(&[("x.tf", "locals {}")]),
    )
    .await;

    let v = json(
        live.http
            .get(live.url("/v1/modules/acme/hello/null/versions"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let listed: Vec<&str> = v["modules"][0]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["version"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["1.0.0", "1.1.0"]);
    assert_eq!(v["modules"][0]["source"], "acme/hello/null");

    let r = live
        .http
        .get(live.url("/v1/modules/acme/hello/null/1.0.0/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let loc = r.headers()["x-terraform-get"].to_str().unwrap().to_string();
    assert_eq!(loc, "./archive.tar.gz");
    let archive_url = reqwest::Url::parse(&live.url("/v1/modules/acme/hello/null/1.0.0/download"))
        .unwrap()
        .join(&loc)
        .unwrap();
    let head = live.http.head(archive_url.clone()).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        archive.len().to_string()
    );
    let got = live.http.get(archive_url).send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    let bytes = got.bytes().await.unwrap();
    assert_eq!(Sha256Digest::of(&bytes), Sha256Digest::of(&archive));

    let r = live
        .http
        .get(live.url("/v1/modules/acme/hello/null/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(
        r.headers()["location"],
        "/v1/modules/acme/hello/null/1.1.0/download"
    );

    let unknown = live
        .http
        .get(live.url("/v1/modules/acme/nothing/null/versions"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        json(unknown).await["errors"][0]
            .as_str()
            .unwrap()
            .contains("not found")
    );
}

#[tokio::test]
async fn publish_failures_have_distinct_statuses_and_store_nothing() {
    let live = Live::start(false, |c| c.registry.limits.max_compressed_bytes = 20_000).await;
    let token = live.token("acme", Role::Publisher).await;
    let path = "/v1/modules/acme/bad/null/1.0.0";

    let anon = live
        .http
        .put(live.url(path))
        .body(simple_module(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
    let other = live.token("other", Role::Publisher).await;
    assert_eq!(
        live.put_archive(&other, path, simple_module(&[]))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        live.put_archive("rgt_forged_token", path, simple_module(&[]))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(
        live.put_archive(&token, path, b"garbage".to_vec())
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );

    let broken = TarBuilder::new()
        .file("main.tf", "variable {")
        .file("README.md", "x")
        .finish();
    let r = live
        .put_archive(&token, "/v1/modules/acme/bad/null/v1.0", broken)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = json(r).await["errors"].as_array().unwrap().clone();
    let text = serde_json::to_string(&errors).unwrap();
    assert!(text.contains("SemVer"), "{text}");
    assert!(text.contains("main.tf:1"), "{text}");

    let mut noise = vec![0u8; 50_000];
    let mut x: u32 = 7;
    for b in noise.iter_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *b = (x >> 16) as u8;
    }
    let big = TarBuilder::new()
        .file("main.tf", "locals {}")
        .file("blob.bin", noise)
        .finish();
    assert_eq!(
        live.put_archive(&token, path, big).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );

    let nothing = live
        .http
        .get(live.url("/v1/modules/acme/bad/null/versions"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        nothing.status(),
        StatusCode::NOT_FOUND,
        "no failed publish left a version"
    );
    assert_eq!(
        live.put_archive(&token, path, simple_module(&[]))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        live.put_archive(&token, path, simple_module(&[]))
            .await
            .status(),
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn lifecycle_over_http() {
    let live = Live::start(false, |_| {}).await;
    let token = live.token("acme", Role::Publisher).await;
    let admin = live.token("*", Role::Admin).await;
    live.put_archive(
        &token,
        "/v1/modules/acme/life/null/1.0.0",
        simple_module(&[]),
    )
    .await;
    live.put_archive(
        &token,
        "/v1/modules/acme/life/null/1.1.0",
        simple_module(&[("x.tf", "locals {}")]),
    )
    .await;
    let base = "/v1/modules/acme/life/null";

    let r = live
        .http
        .post(live.url(&format!("{base}/1.0.0/deprecate")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"reason": "use 1.1", "successor": "1.1.0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let d = json(
        live.http
            .get(live.url(&format!("{base}/1.0.0")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(d["deprecation"]["reason"], "use 1.1");
    assert_eq!(d["state"], "deprecated");

    let r = live
        .http
        .post(live.url(&format!("{base}/1.1.0/yank")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v = json(
        live.http
            .get(live.url(&format!("{base}/versions")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        v["modules"][0]["versions"].as_array().unwrap().len(),
        1,
        "yanked version is not listed"
    );
    let r = live
        .http
        .get(live.url(&format!("{base}/1.1.0/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NO_CONTENT,
        "yanked versions stay downloadable by exact version"
    );
    let again = live
        .http
        .post(live.url(&format!("{base}/1.1.0/yank")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let r = live
        .http
        .delete(live.url(&format!("{base}/1.0.0")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "publishers cannot delete"
    );
    let r = live
        .http
        .delete(live.url(&format!("{base}/1.0.0")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = live
        .http
        .get(live.url(&format!("{base}/1.0.0")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reads_need_a_token_when_required_and_archives_take_a_grant() {
    let live = Live::start(true, |_| {}).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let reader = live.token("acme", Role::Reader).await;
    live.put_archive(
        &publisher,
        "/v1/modules/acme/private/null/1.0.0",
        simple_module(&[]),
    )
    .await;
    let versions = live.url("/v1/modules/acme/private/null/versions");
    let anon = live.http.get(&versions).send().await.unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
    assert!(anon.headers().contains_key("www-authenticate"));
    assert_eq!(
        live.http
            .get(&versions)
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let dl = live.url("/v1/modules/acme/private/null/1.0.0/download");
    let r = live
        .http
        .get(&dl)
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let loc = r.headers()["x-terraform-get"].to_str().unwrap().to_string();
    assert!(loc.starts_with("./archive.tar.gz?grant="), "{loc}");
    let with_grant = reqwest::Url::parse(&dl).unwrap().join(&loc).unwrap();
    // Terraform fetches the archive without its token: the grant alone suffices.
    assert_eq!(
        live.http
            .get(with_grant.clone())
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        live.http
            .head(with_grant.clone())
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let bare = reqwest::Url::parse(&dl)
        .unwrap()
        .join("./archive.tar.gz")
        .unwrap();
    assert_eq!(
        live.http.get(bare).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let mut tampered = with_grant.clone();
    tampered.set_query(Some(&format!("{}x", with_grant.query().unwrap())));
    assert_eq!(
        live.http.get(tampered).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let other_version = with_grant.as_str().replace("/1.0.0/", "/1.0.1/");
    assert_eq!(
        live.http.get(other_version).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn read_api_lists_with_public_registry_paging() {
    let live = Live::start(false, |_| {}).await;
    let token = live.token("*", Role::Publisher).await;
    for (i, ns) in ["alpha", "beta", "gamma"].iter().enumerate() {
        for sys in ["aws", "null"] {
            let path = format!("/v1/modules/{ns}/net/{sys}/1.{i}.0");
            assert_eq!(
                live.put_archive(&token, &path, simple_module(&[]))
                    .await
                    .status(),
                StatusCode::CREATED
            );
        }
    }
    let page1 = json(
        live.http
            .get(live.url("/v1/modules?limit=4"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page1["modules"].as_array().unwrap().len(), 4);
    assert_eq!(page1["meta"]["limit"], 4);
    assert_eq!(page1["meta"]["current_offset"], 0);
    assert_eq!(page1["meta"]["next_offset"], 4);
    assert_eq!(page1["meta"]["next_url"], "/v1/modules?limit=4&offset=4");
    let page2 = json(
        live.http
            .get(live.url("/v1/modules?limit=4&offset=4"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page2["modules"].as_array().unwrap().len(), 2);
    assert!(page2["meta"].get("next_offset").is_none());
    assert_eq!(page2["meta"]["prev_offset"], 0);
    assert!(page2["meta"].get("next_cursor").is_none());

    // The same listing by cursor: the same modules in the same order, the
    // next page linked by cursor, offsets still reported.
    let ids = |page: &serde_json::Value| -> Vec<String> {
        page["modules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    let cursor = page1["meta"]["next_cursor"].as_str().unwrap();
    let by_cursor = json(
        live.http
            .get(live.url(&format!("/v1/modules?limit=4&cursor={cursor}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ids(&by_cursor), ids(&page2));
    assert_eq!(by_cursor["meta"]["current_offset"], 4);
    assert!(by_cursor["meta"].get("next_cursor").is_none());
    let first3 = json(
        live.http
            .get(live.url("/v1/modules?limit=3"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let next_url = first3["meta"]["next_url"].as_str().unwrap();
    assert_eq!(next_url, "/v1/modules?limit=3&offset=3");
    let cursor = first3["meta"]["next_cursor"].as_str().unwrap();
    let second3 = json(
        live.http
            .get(live.url(&format!("/v1/modules?limit=3&cursor={cursor}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mut all = ids(&first3);
    all.extend(ids(&second3));
    let mut want = ids(&page1);
    want.extend(ids(&page2));
    assert_eq!(all, want);
    assert_eq!(second3["meta"]["current_offset"], 3);
    assert_eq!(second3["meta"]["prev_offset"], 0);
    // The last page of three has no next; one of two does, by cursor.
    assert!(second3["meta"].get("next_cursor").is_none());
    let c2 = json(
        live.http
            .get(live.url(&format!("/v1/modules?limit=2&cursor={cursor}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let c2_next = c2["meta"]["next_url"].as_str().unwrap();
    assert!(
        c2_next.starts_with("/v1/modules?limit=2&cursor="),
        "{c2_next}"
    );
    // Past the end by offset: an empty page.
    let past = json(
        live.http
            .get(live.url("/v1/modules?offset=60"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(past["modules"], serde_json::json!([]));
    for (query, names) in [
        ("/v1/modules?cursor=%25%25", "invalid page cursor"),
        ("/v1/modules?offset=1&cursor=MAo", "not both"),
        (
            "/v1/modules/search?q=net&cursor=MAo",
            "search pages by offset",
        ),
    ] {
        let r = live.http.get(live.url(query)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        let body = r.text().await.unwrap();
        assert!(body.contains(names), "{query}: {body}");
    }
    let aws = json(
        live.http
            .get(live.url("/v1/modules?provider=aws"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(aws["modules"].as_array().unwrap().len(), 3);
    let ns = json(
        live.http
            .get(live.url("/v1/modules/beta"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ns["modules"].as_array().unwrap().len(), 2);
    let by_name = json(
        live.http
            .get(live.url("/v1/modules/beta/net"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(by_name["modules"].as_array().unwrap().len(), 2);
    let latest = json(
        live.http
            .get(live.url("/v1/modules/gamma/net/aws"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(latest["version"], "1.2.0");
    assert_eq!(latest["versions"], serde_json::json!(["1.2.0"]));
    assert_eq!(latest["root"]["inputs"][0]["required"], true);
    let capped = json(
        live.http
            .get(live.url("/v1/modules?limit=1000"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(capped["meta"]["limit"], 100);
    let reserved = live
        .http
        .get(live.url("/v1/modules/search/net/aws"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        reserved.status(),
        StatusCode::BAD_REQUEST,
        "search is a reserved word, not a namespace"
    );
}

#[tokio::test]
async fn metrics_count_requests_downloads_and_uploads() {
    let live = Live::start(false, |_| {}).await;
    let token = live.token("acme", Role::Publisher).await;
    live.put_archive(&token, "/v1/modules/acme/m/null/1.0.0", simple_module(&[]))
        .await;
    for _ in 0..2 {
        live.http
            .get(live.url("/v1/modules/acme/m/null/versions"))
            .send()
            .await
            .unwrap();
        live.http
            .get(live.url("/v1/modules/acme/m/null/1.0.0/download"))
            .send()
            .await
            .unwrap();
    }
    let text = live
        .http
        .get(live.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "registry_module_uploads_total{module=\"acme/m/null\"} 1",
        "registry_module_downloads_total{module=\"acme/m/null\"} 2",
        "registry_http_requests_total{route=\"/v1/modules/{ns}/{name}/{system}/versions\",method=\"GET\",status=\"200\"} 2",
        "registry_cache_hits_total{tier=\"memory\"}",
        "registry_http_request_seconds_bucket",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
    assert!(!text.contains(&token), "metrics never carry secrets");
}

#[tokio::test]
async fn search_docs_schema_and_examples_over_http() {
    let live = Live::start(false, |_| {}).await;
    let token = live.token("*", Role::Admin).await;
    let net = TarBuilder::new()
        .file("main.tf", "/**\n * # Network\n */\nvariable \"cidr\" {\n  type        = string\n  description = \"The CIDR block.\"\n}\noutput \"id\" {\n  value = var.cidr\n}\n")
        .file("README.md", "# Network\n\nBuilds a network.\n")
        .finish();
    assert_eq!(
        live.put_archive(&token, "/v1/modules/acme/network/aws/1.0.0", net)
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        live.put_archive(
            &token,
            "/v1/modules/acme/storage/aws/1.0.0",
            simple_module(&[])
        )
        .await
        .status(),
        StatusCode::CREATED
    );

    let r = json(
        live.http
            .get(live.url("/v1/modules/search?q=netwrk"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r["modules"][0]["id"], "acme/network/aws/1.0.0", "{r}");
    let empty = live
        .http
        .get(live.url("/v1/modules/search"))
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);

    let base = "/v1/modules/acme/network/aws/1.0.0";
    let md = live
        .http
        .get(live.url(&format!("{base}/docs")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        md.starts_with("# Network\n\n## Requirements")
            && md.contains("[cidr](#input\\_cidr) | The CIDR block. | `string` | n/a | yes |"),
        "{md}"
    );
    let js = json(
        live.http
            .get(live.url(&format!("{base}/docs?format=json")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(js["inputs"][0]["name"], "cidr");
    let schema = json(
        live.http
            .get(live.url(&format!("{base}/schema")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        schema["inputs_schema"]["properties"]["cidr"]["type"],
        "string"
    );
    assert_eq!(schema["inputs_schema"]["required"][0], "cidr");
    let ex = json(
        live.http
            .get(live.url(&format!("{base}/examples")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ex["examples"][0]["name"], "generated");
    let code = ex["examples"][0]["code"].as_str().unwrap();
    assert!(code.contains("cidr = \"\" # string"), "{code}");
    // The call names this registry (as the client reached it), not the public one.
    let host = live.server.url().trim_start_matches("http://").to_string();
    assert!(
        code.contains(&format!("source  = \"{host}/")),
        "{host} in {code}"
    );

    let denied = live
        .http
        .post(live.url("/v1/admin/reindex"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    let r = json(
        live.http
            .post(live.url("/v1/admin/reindex"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r["indexed"], 2);
}

/// Hardening finding 1: an offset far past the end reached tantivy, which
/// sized its heap by it and aborted the process.
#[tokio::test]
async fn search_pages_far_past_the_end_are_empty_and_the_server_lives() {
    let live = Live::start(false, |_| {}).await;
    let token = live.token("acme", Role::Publisher).await;
    let net = TarBuilder::new()
        .file("main.tf", "variable \"vpc_id\" {\n  type = string\n}\n")
        .finish();
    assert_eq!(
        live.put_archive(&token, "/v1/modules/acme/vpc/aws/1.0.0", net)
            .await
            .status(),
        StatusCode::CREATED
    );
    for query in [
        "q=vpc&offset=10000000000",
        "q=nothingmatchesthis&offset=10000000000",
        "q=vpc&offset=18446744073709551615&limit=100",
        "q=vpc&offset=1",
    ] {
        let r = live
            .http
            .get(live.url(&format!("/v1/modules/search?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{query}");
        let body = json(r).await;
        assert_eq!(body["modules"], serde_json::json!([]), "{query}: {body}");
        assert!(body["meta"].get("next_offset").is_none(), "{query}: {body}");
    }
    for path in [
        "/v1/modules?offset=10000000000",
        "/v1/modules/acme?offset=18446744073709551615",
    ] {
        let r = live.http.get(live.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(json(r).await["modules"], serde_json::json!([]), "{path}");
    }
    // Still serving, and the first page still finds the module.
    let r = json(
        live.http
            .get(live.url("/v1/modules/search?q=vpc"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r["modules"][0]["id"], "acme/vpc/aws/1.0.0", "{r}");
}

/// The next page of a search keeps its text intact, whatever characters
/// it holds (`&`, `#`, `+`, spaces).
#[tokio::test]
async fn search_next_page_urls_keep_the_query_text() {
    let live = Live::start(false, |_| {}).await;
    let token = live.token("acme", Role::Publisher).await;
    for name in ["alpha", "beta", "gamma"] {
        let tf = "variable \"c_sharp_and_b\" {\n  description = \"c# a&b\"\n}\n";
        let archive = TarBuilder::new().file("main.tf", tf).finish();
        let path = format!("/v1/modules/acme/{name}/aws/1.0.0");
        assert_eq!(
            live.put_archive(&token, &path, archive).await.status(),
            StatusCode::CREATED
        );
    }
    for text in ["a&b", "c#", "c# a&b+x"] {
        let mut url = url::Url::parse(&live.url("/v1/modules/search")).unwrap();
        url.query_pairs_mut()
            .extend_pairs([("q", text), ("limit", "1"), ("provider", "aws")]);
        let first = live.http.get(url).send().await.unwrap();
        let first = json(first).await;
        let next = first["meta"]["next_url"]
            .as_str()
            .unwrap_or_else(|| panic!("{text}: no next page in {first}"));
        let parsed = url::Url::parse(&live.url(next)).unwrap();
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("q".into(), text.into())), "{text}: {next}");
        assert!(pairs.contains(&("provider".into(), "aws".into())), "{next}");
        assert!(pairs.contains(&("offset".into(), "1".into())), "{next}");
        let second = json(live.http.get(live.url(next)).send().await.unwrap()).await;
        assert_eq!(second["meta"]["current_offset"], 1, "{text}: {second}");
        assert_eq!(
            second["modules"].as_array().map(Vec::len),
            Some(1),
            "{second}"
        );
        assert_ne!(second["modules"][0]["id"], first["modules"][0]["id"]);
    }
}

async fn put_policy(
    live: &Live,
    token: &str,
    ns: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    live.http
        .put(live.url(&format!("/v1/namespaces/{ns}/policy")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn namespace_policies_are_for_admins_and_govern_publishes() {
    let live = Live::start(false, |_| {}).await;
    let admin = live.token("acme", Role::Admin).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let other_admin = live.token("other", Role::Admin).await;

    // Only admins of the namespace read or change its policy.
    for (token, status) in [
        (&publisher, StatusCode::FORBIDDEN),
        (&other_admin, StatusCode::FORBIDDEN),
        (&admin, StatusCode::OK),
    ] {
        let r = live
            .http
            .get(live.url("/v1/namespaces/acme/policy"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status);
    }
    let anonymous = live
        .http
        .get(live.url("/v1/namespaces/acme/policy"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let r = put_policy(
        &live,
        &publisher,
        "acme",
        serde_json::json!({"validation": "off"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let default = json(
        live.http
            .get(live.url("/v1/namespaces/acme/policy"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        default,
        serde_json::json!({"namespace": "acme", "require-signatures": false, "validation": "error", "tests": "off", "semver-guard": "off"})
    );

    // A module that fails validation is refused under the default policy...
    let broken = TarBuilder::new()
        .file("main.tf", "variable \"ok\" {}\n")
        .file("broken.tf", "resource \"x\" {\n")
        .finish();
    let r = live
        .put_archive(
            &publisher,
            "/v1/modules/acme/broken/null/1.0.0",
            broken.clone(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // ...and published with its findings as warnings under validation=warn.
    let r = put_policy(
        &live,
        &admin,
        "acme",
        serde_json::json!({"validation": "warn"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json(r).await["validation"], "warn");
    let r = live
        .put_archive(&publisher, "/v1/modules/acme/broken/null/1.0.0", broken)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc = json(r).await;
    let warnings = doc["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["id"] == "hcl-parse" && w["file"] == "broken.tf"),
        "{doc}"
    );
    // The warnings stay with the version.
    let detail = json(
        live.http
            .get(live.url("/v1/modules/acme/broken/null/1.0.0"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(detail["warnings"], doc["warnings"]);

    // Bad keys and values are named.
    let r = put_policy(
        &live,
        &admin,
        "acme",
        serde_json::json!({"validation": "loud"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        json(r).await["errors"][0]
            .as_str()
            .unwrap()
            .contains("\"loud\"")
    );
    let r = put_policy(
        &live,
        &admin,
        "acme",
        serde_json::json!({"semver": "refuse"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        json(r).await["errors"][0]
            .as_str()
            .unwrap()
            .contains("semver")
    );

    // Signatures required: an unsigned publish is refused, nothing stored.
    let r = put_policy(
        &live,
        &admin,
        "acme",
        serde_json::json!({"require-signatures": true}),
    )
    .await;
    assert_eq!(json(r).await["require-signatures"], true);
    let r = live
        .put_archive(
            &publisher,
            "/v1/modules/acme/unsigned/null/1.0.0",
            simple_module(&[]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json(r)
            .await
            .to_string()
            .contains("requires signed modules")
    );
    let r = live
        .http
        .get(live.url("/v1/modules/acme/unsigned/null/versions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Tests required: refused, saying why (this build runs no tests, or
    // the module has none).
    put_policy(
        &live,
        &admin,
        "acme",
        serde_json::json!({"require-signatures": false, "tests": "require"}),
    )
    .await;
    let r = live
        .put_archive(
            &publisher,
            "/v1/modules/acme/tested/null/1.0.0",
            simple_module(&[]),
        )
        .await;
    if cfg!(feature = "tests") {
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(json(r).await.to_string().contains("has no run blocks"));
    } else {
        assert_eq!(r.status(), StatusCode::NOT_IMPLEMENTED);
        assert!(json(r).await.to_string().contains("requires passing tests"));
    }
    // Other namespaces keep the default.
    let r = json(
        live.http
            .get(live.url("/v1/namespaces/other/policy"))
            .bearer_auth(&other_admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r["tests"], "off");
}

#[tokio::test]
async fn malformed_bodies_and_queries_are_json_errors() {
    let live = Live::start(false, |_| {}).await;
    let token = live.token("acme", Role::Publisher).await;
    assert_eq!(
        live.put_archive(&token, "/v1/modules/acme/m/null/1.0.0", simple_module(&[]))
            .await
            .status(),
        StatusCode::CREATED
    );
    let base = live.url("/v1/modules/acme/m/null/1.0.0");
    for (what, req) in [
        (
            "deprecate with bad JSON",
            live.http
                .post(format!("{base}/deprecate"))
                .body("{not json")
                .header("content-type", "application/json"),
        ),
        (
            "yank with bad JSON",
            live.http
                .post(format!("{base}/yank"))
                .body("{\"reason\": 5}"),
        ),
        (
            "bad offset",
            live.http.get(live.url("/v1/modules?offset=-1")),
        ),
        (
            "bad docs format",
            live.http.get(format!("{base}/docs?format=yaml")),
        ),
    ] {
        let r = req.bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{what}");
        let body: Value = r
            .json()
            .await
            .unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
        assert!(body["errors"][0].is_string(), "{what}: {body}");
    }
    // The version was not yanked by the malformed request.
    let r = json(live.http.get(base.clone()).send().await.unwrap()).await;
    assert_eq!(r["state"], "active");
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn head_refuses_a_corrupted_archive_as_get_does() {
    let live = Live::start(false, |_| {}).await;
    let token = live.token("acme", Role::Publisher).await;
    let archive = simple_module(&[]);
    let r = live
        .put_archive(&token, "/v1/modules/acme/m/null/1.0.0", archive.clone())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let url = live.url("/v1/modules/acme/m/null/1.0.0/archive.tar.gz");
    // Flip one byte of the stored blob (the embedded default's blob folder).
    let blob = files_under(&live.data_dir().join("blobs"))
        .into_iter()
        .find(|p| std::fs::read(p).map(|b| b == archive).unwrap_or(false))
        .expect("the stored archive blob");
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let head = live.http.head(&url).send().await.unwrap().status();
    let get = live.http.get(&url).send().await.unwrap().status();
    assert!(get.is_server_error(), "GET of a corrupted blob: {get}");
    assert_eq!(head, get, "HEAD answers as GET does");
}

#[tokio::test]
async fn metrics_need_the_scrape_token_or_an_admin_when_reads_need_auth() {
    let dir = tempfile::tempdir().unwrap();
    let scrape = dir.path().join("metrics.token");
    std::fs::write(&scrape, "prometheus-scrape-token-0123456789\n").unwrap();
    let file = scrape.clone();
    let live = Live::start(true, move |c| c.metrics_token_file = Some(file)).await;
    let get = |token: Option<String>| {
        let req = live.http.get(live.url("/metrics"));
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(get(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(Some("rgt_bad_token".into())).await,
        StatusCode::UNAUTHORIZED
    );
    let reader = live.token("acme", Role::Reader).await;
    assert_eq!(get(Some(reader)).await, StatusCode::FORBIDDEN);
    let ns_admin = live.token("acme", Role::Admin).await;
    assert_eq!(
        get(Some(ns_admin)).await,
        StatusCode::FORBIDDEN,
        "one namespace's admin sees only its own"
    );
    let admin = live.token("*", Role::Admin).await;
    assert_eq!(get(Some(admin)).await, StatusCode::OK);
    assert_eq!(
        get(Some("prometheus-scrape-token-0123456789".into())).await,
        StatusCode::OK
    );
    // Without --require-auth metrics stay open, as every read is.
    let open = Live::start(false, |_| {}).await;
    let r = open.http.get(open.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_cached_versions_list_shows_a_deprecation_made_after_it() {
    let live = Live::start(false, |_| {}).await;
    let token = live.token("acme", Role::Publisher).await;
    let base = "/v1/modules/acme/cached/null";
    live.put_archive(&token, &format!("{base}/1.0.0"), simple_module(&[]))
        .await;
    let listed = |live: &Live| {
        let url = live.url(&format!("{base}/versions"));
        let http = live.http.clone();
        async move { json(http.get(url).send().await.unwrap()).await }
    };
    let before = listed(&live).await;
    assert!(
        before["modules"][0]["versions"][0]
            .get("deprecation")
            .is_none()
    );
    let change = |verb: &str, body: Value| {
        live.http
            .post(live.url(&format!("{base}/1.0.0/{verb}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let r = change("deprecate", serde_json::json!({"reason": "old"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let after = listed(&live).await;
    assert_eq!(
        after["modules"][0]["versions"][0]["deprecation"]["reason"], "old",
        "{after}"
    );
    let r = change("deprecate", serde_json::json!({"reason": "older"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let again = listed(&live).await;
    assert_eq!(
        again["modules"][0]["versions"][0]["deprecation"]["reason"],
        "older"
    );
    let r = change("undeprecate", serde_json::json!({})).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        listed(&live).await["modules"][0]["versions"][0]
            .get("deprecation")
            .is_none()
    );
}

#[tokio::test]
async fn generated_examples_name_the_public_url_when_one_is_set() {
    let live = Live::start(false, |c| {
        c.public_url = Some("https://registry.example.com".into())
    })
    .await;
    let token = live.token("acme", Role::Publisher).await;
    let r = live
        .put_archive(
            &token,
            "/v1/modules/acme/named/null/1.0.0",
            simple_module(&[]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let ex = json(
        live.http
            .get(live.url("/v1/modules/acme/named/null/1.0.0/examples"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let code = ex["examples"][0]["code"].as_str().unwrap();
    assert!(
        code.contains("source  = \"registry.example.com/acme/named/null\""),
        "{code}"
    );
}
