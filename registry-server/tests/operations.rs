//! Operating a live server: rate limits hit and recovered (per process and
//! shared through Redis), quotas refused, the audit chain over HTTP.

use std::time::Duration;

use registry_core::Role;
use registry_core::testing::simple_module;
use registry_server::{RateLimit, RateLimits, ServeConfig};
use reqwest::StatusCode;
use serde_json::Value;

mod common;

use common::{Live, live};

impl Live {
    async fn publish(&self, token: &str, module: &str, version: &str) -> reqwest::Response {
        self.http
            .put(self.url(&format!("/v1/modules/{module}/{version}")))
            .bearer_auth(token)
            .body(simple_module(&[(
                "v.tf",
                &format!("locals {{ v = \"{version}\" }}\n"),
            )]))
            .send()
            .await
            .unwrap()
    }
}

fn retry_after(r: &reqwest::Response) -> u64 {
    r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn errors(r: reqwest::Response) -> String {
    let v: Value = r.json().await.unwrap();
    v["errors"].to_string()
}

#[tokio::test]
async fn write_limits_refuse_with_retry_after_and_recover() {
    let live = live(|c| {
        c.rate_limits = RateLimits {
            reads: None,
            // A write back every 2 s: room for a slow machine's three publishes.
            writes: RateLimit::new(3, Duration::from_secs(6)),
            auth_failures: None,
        };
    })
    .await;
    let a = live.token("acme", Role::Publisher).await;
    let b = live.token("acme", Role::Publisher).await;
    for v in ["1.0.0", "1.0.1", "1.0.2"] {
        assert_eq!(
            live.publish(&a, "acme/m/null", v).await.status(),
            StatusCode::CREATED,
            "{v}"
        );
    }
    let r = live.publish(&a, "acme/m/null", "1.0.3").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&r);
    assert!((1..=2).contains(&wait), "one more write within 2 s: {wait}");
    assert!(errors(r).await.contains("rate limit exceeded for writes"));
    // Another token has its own budget; anonymous reads are unlimited by default.
    assert_eq!(
        live.publish(&b, "acme/m/null", "1.0.3").await.status(),
        StatusCode::CREATED
    );
    for _ in 0..50 {
        let r = live
            .http
            .get(live.url("/v1/modules/acme/m/null/versions"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    tokio::time::sleep(Duration::from_millis(2050)).await;
    assert_eq!(
        live.publish(&a, "acme/m/null", "1.0.4").await.status(),
        StatusCode::CREATED,
        "recovered"
    );
    let metrics = live
        .http
        .get(live.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("registry_rate_limited_total{class=\"write\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn read_limits_apply_per_client_when_configured() {
    let live = live(|c| c.rate_limits.reads = RateLimit::new(5, Duration::from_secs(60))).await;
    let url = live.url("/v1/modules");
    for _ in 0..5 {
        assert_eq!(
            live.http.get(&url).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
    let r = live.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&r) >= 11, "12 s per request at 5/min");
    // Health and metrics stay reachable for probes.
    assert_eq!(
        live.http
            .get(live.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn repeated_bad_tokens_block_the_address_for_a_while() {
    let live =
        live(|c| c.rate_limits.auth_failures = RateLimit::new(3, Duration::from_secs(6))).await;
    let good = live.token("acme", Role::Publisher).await;
    let url = live.url("/v1/modules/acme");
    for i in 0..4 {
        let r = live
            .http
            .get(&url)
            .bearer_auth(format!("rgt_guess{i}_nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // Over the limit: another bad token waits...
    let r = live
        .http
        .get(&url)
        .bearer_auth("rgt_guess9_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(errors(r).await.contains("failed authentications"));
    // ...while a valid token from the same address keeps working (#12, 4),
    let r = live.http.get(&url).bearer_auth(&good).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "a valid token is not locked out"
    );
    // and anonymous reads are not blocked.
    assert_eq!(
        live.http.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = live
        .http
        .get(&url)
        .bearer_auth("rgt_guess10_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "recovered");
    // The first refusals of a caller are in the audit log one by one (the
    // rest of the window's are counted), never with the secret.
    let records = live
        .server
        .opened
        .audit
        .list(&registry_core::AuditQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let refusals = records
        .iter()
        .filter(|r| r.event.action == "authenticate")
        .count();
    assert_eq!(refusals, 3);
    assert!(
        records
            .iter()
            .all(|r| !r.event.canonical().contains("nope"))
    );
}

#[tokio::test]
async fn limits_are_shared_through_redis_by_every_process() {
    let Some(redis) =
        registry_testkit::env::service_url("REGISTRY_TEST_REDIS_URL", "shared rate limits")
    else {
        return;
    };
    let prefix = registry_testkit::env::unique_name("rl");
    let config = |c: &mut ServeConfig| {
        c.registry.storage.cache_url = Some(redis.clone());
        c.registry.storage.cache_prefix = Some(prefix.clone());
        c.rate_limits.writes = RateLimit::new(4, Duration::from_secs(60));
    };
    // Two servers with their own limiters, one Redis. Anonymous writes are
    // keyed by client address, the same for both, so they share one budget.
    let one = live(config).await;
    let two = live(config).await;
    let anon = |l: &Live, v: &str| {
        let url = l.url(&format!("/v1/modules/acme/m/null/{v}"));
        let http = l.http.clone();
        async move {
            http.put(url)
                .body(simple_module(&[]))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Anonymous publishes are refused (401) but still count as writes of this address.
    assert_eq!(anon(&one, "1.0.0").await, StatusCode::UNAUTHORIZED);
    assert_eq!(anon(&two, "1.0.0").await, StatusCode::UNAUTHORIZED);
    assert_eq!(anon(&one, "1.0.0").await, StatusCode::UNAUTHORIZED);
    assert_eq!(anon(&two, "1.0.0").await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        anon(&one, "1.0.0").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the fifth write across both processes"
    );
    assert_eq!(anon(&two, "1.0.0").await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn quotas_refuse_publishes_over_http_naming_the_quota() {
    let live = live(|c| {
        c.registry.policy.max_versions_per_module = Some(2);
        c.registry.limits.max_compressed_bytes = 2048;
    })
    .await;
    let t = live.token("acme", Role::Publisher).await;
    assert_eq!(
        live.publish(&t, "acme/q/null", "1.0.0").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        live.publish(&t, "acme/q/null", "1.1.0").await.status(),
        StatusCode::CREATED
    );
    let r = live.publish(&t, "acme/q/null", "1.2.0").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let msg = errors(r).await;
    assert!(
        msg.contains("quota exceeded") && msg.contains("2 versions per module"),
        "{msg}"
    );
    let big: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let r = live
        .http
        .put(live.url("/v1/modules/acme/big/null/1.0.0"))
        .bearer_auth(&t)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(errors(r).await.contains("2048 bytes"));
    let r = live
        .http
        .get(live.url("/v1/modules/acme/q/null/versions"))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["modules"][0]["versions"].as_array().unwrap().len(),
        2,
        "nothing of the refused publishes stored"
    );
}

#[tokio::test]
async fn audit_log_over_http_for_admins_with_tamper_detection() {
    let live = live(|_| {}).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let admin = live.token("*", Role::Admin).await;
    assert_eq!(
        live.publish(&publisher, "acme/a/null", "1.0.0")
            .await
            .status(),
        StatusCode::CREATED
    );
    let r = live
        .http
        .get(live.url("/v1/audit"))
        .bearer_auth(&publisher)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = live
        .http
        .get(live.url("/v1/audit?namespace=acme&limit=10"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    let records = doc["records"].as_array().unwrap();
    assert!(
        records
            .iter()
            .any(|r| r["event"]["action"] == "publish"
                && r["event"]["target"] == "acme/a/null/1.0.0"),
        "{doc}"
    );
    let r = live
        .http
        .get(live.url("/v1/audit/verify"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["intact"], true);

    // Change a record in the database behind the registry's back.
    let db = live.server.opened.storage.metadata.sqlite_pool();
    let db = db.expect("the embedded default is SQLite");
    sqlx::query("UPDATE audit_events SET target = 'acme/a/null/9.9.9' WHERE action = 'publish'")
        .execute(db)
        .await
        .unwrap();
    let r = live
        .http
        .get(live.url("/v1/audit/verify"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["intact"], false);
    assert!(v["reason"].as_str().unwrap().contains("changed"), "{v}");
}

/// Every route the server has, as (method, path) in OpenAPI form.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/.well-known/terraform.json"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    (
        "get",
        "/v1/mirror/{host}/modules/{ns}/{name}/{system}/versions",
    ),
    (
        "get",
        "/v1/mirror/{host}/modules/{ns}/{name}/{system}/{version}/docs",
    ),
    (
        "get",
        "/v1/mirror/{host}/modules/{ns}/{name}/{system}/{version}/download",
    ),
    (
        "get",
        "/v1/mirror/{host}/modules/{ns}/{name}/{system}/{version}/schema",
    ),
    (
        "get",
        "/v1/mirror/{host}/modules/{ns}/{name}/{system}/{version}/{archive}",
    ),
    ("get", "/v1/modules"),
    ("get", "/v1/modules/search"),
    ("get", "/v1/modules/{ns}"),
    ("get", "/v1/modules/{ns}/{name}"),
    ("get", "/v1/modules/{ns}/{name}/{system}"),
    ("get", "/v1/modules/{ns}/{name}/{system}/versions"),
    ("get", "/v1/modules/{ns}/{name}/{system}/diff/{range}"),
    ("get", "/v1/modules/{ns}/{name}/{system}/download"),
    ("get", "/v1/modules/{ns}/{name}/{system}/{version}"),
    ("put", "/v1/modules/{ns}/{name}/{system}/{version}"),
    ("delete", "/v1/modules/{ns}/{name}/{system}/{version}"),
    ("get", "/v1/modules/{ns}/{name}/{system}/{version}/download"),
    ("get", "/v1/modules/{ns}/{name}/{system}/{version}/docs"),
    ("get", "/v1/modules/{ns}/{name}/{system}/{version}/schema"),
    ("get", "/v1/modules/{ns}/{name}/{system}/{version}/examples"),
    ("get", "/v1/modules/{ns}/{name}/{system}/{version}/tests"),
    (
        "get",
        "/v1/modules/{ns}/{name}/{system}/{version}/{archive}",
    ),
    (
        "head",
        "/v1/modules/{ns}/{name}/{system}/{version}/{archive}",
    ),
    (
        "post",
        "/v1/modules/{ns}/{name}/{system}/{version}/deprecate",
    ),
    (
        "post",
        "/v1/modules/{ns}/{name}/{system}/{version}/undeprecate",
    ),
    ("post", "/v1/modules/{ns}/{name}/{system}/{version}/yank"),
    ("post", "/v1/modules/{ns}/{name}/{system}/{version}/unyank"),
    ("get", "/v1/namespaces/{ns}/policy"),
    ("put", "/v1/namespaces/{ns}/policy"),
    ("post", "/v1/admin/reindex"),
    ("get", "/v1/audit"),
    ("get", "/v1/audit/verify"),
    ("get", "/v1/mirror/providers/{host}/{ns}/{type}/{file}"),
    ("post", "/v1/mirror/providers/{host}/{ns}/{type}/{file}"),
    ("get", "/v1/providers"),
    ("get", "/v1/providers/{ns}/{type}/versions"),
    ("get", "/v1/providers/{ns}/{type}/{version}"),
    ("post", "/v1/providers/{ns}/{type}/{version}"),
    (
        "get",
        "/v1/providers/{ns}/{type}/{version}/download/{os}/{arch}",
    ),
    ("get", "/v1/providers/{ns}/{type}/{version}/files/{file}"),
    ("get", "/v1/provider-keys"),
    ("post", "/v1/provider-keys/{ns}"),
    ("post", "/v1/provider-keys/{ns}/rotate"),
    ("post", "/v1/provider-keys/{ns}/{key_id}/revoke"),
    ("get", "/v1/repositories"),
    ("post", "/v1/repositories"),
    ("get", "/v1/repositories/{ns}/{name}/{system}"),
    ("delete", "/v1/repositories/{ns}/{name}/{system}"),
    ("post", "/v1/repositories/{ns}/{name}/{system}/sync"),
    ("post", "/v1/hooks/{git_host}/{ns}/{name}/{system}"),
    ("get", "/v1/trusted-publishers"),
    ("post", "/v1/trusted-publishers"),
    ("delete", "/v1/trusted-publishers/{id}"),
    ("post", "/v1/oidc/exchange"),
    ("post", "/oauth/token"),
];

#[tokio::test]
async fn openapi_describes_every_route_and_every_described_route_is_served() {
    let live = live(|c| c.rate_limits = RateLimits::unlimited()).await;
    let admin = live.token("*", Role::Admin).await;
    assert_eq!(
        live.publish(&admin, "acme/m/null", "1.0.0").await.status(),
        StatusCode::CREATED
    );
    let r = live
        .http
        .get(live.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let doc: Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "head", "patch"] {
            let Some(op) = item.get(method) else { continue };
            documented.push((method.to_string(), path.clone()));
            // Every `{param}` in the path is declared as a path parameter, and no other.
            let mut in_path: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            let mut declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            in_path.sort();
            declared.sort();
            assert_eq!(in_path, declared, "{method} {path}");
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has responses"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has a summary"
            );
        }
    }
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(
        documented, expected,
        "the document lists exactly the server's routes"
    );

    // Each documented operation is routed: called with sample values it
    // reaches a handler (not the 404 fallback, not 405).
    for (method, path) in &documented {
        let url = live.url(
            &path
                .replace("{ns}", "acme")
                .replace("{name}", "m")
                .replace("{system}", "null")
                .replace("{version}", "1.0.0")
                .replace("{archive}", "archive.tar.gz"),
        ) + "?q=m";
        let req = match method.as_str() {
            "get" => live.http.get(&url),
            "head" => live.http.head(&url),
            "put" => live.http.put(&url).body(Vec::new()),
            "post" => live
                .http
                .post(&url)
                .json(&serde_json::json!({"reason": "test"})),
            "delete" => live.http.delete(&url),
            other => panic!("unexpected method {other}"),
        };
        let r = req.bearer_auth(&admin).send().await.unwrap();
        let status = r.status();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let body = r.text().await.unwrap_or_default();
        assert!(
            !body.contains("no such route"),
            "{method} {path} is documented but not routed"
        );
    }
    // The fallback check above can fail: an undocumented path does hit it.
    let r = live
        .http
        .get(live.url("/v1/nothing/here"))
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("no such route"));

    // And nothing is routed around the document: the router registers routes
    // only through `routes!`, from the handlers' own attributes.
    let source = include_str!("../src/http/mod.rs");
    assert!(
        !source.contains(".route("),
        "a route added with .route() would be missing from the OpenAPI document"
    );
}

/// Resolve a schema to the component it names, if it is a `$ref`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Whether a schema describes its fields: an object schema with
/// properties, a composition of such (`allOf`, from `#[serde(flatten)]`),
/// or an array of them.
fn is_typed(doc: &Value, schema: &Value) -> bool {
    let s = resolve(doc, schema);
    if let Some(items) = s.get("items") {
        return is_typed(doc, items);
    }
    if let Some(all) = s["allOf"].as_array() {
        return !all.is_empty() && all.iter().all(|p| is_typed(doc, p));
    }
    s["properties"].as_object().is_some_and(|p| !p.is_empty())
}

#[tokio::test]
async fn openapi_types_every_json_response_body_and_declares_error_responses() {
    let doc: Value = serde_json::to_value(registry_server::http::openapi()).unwrap();
    let mut json_bodies = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "head"] {
            let Some(op) = item.get(method) else { continue };
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                let Some(content) = response["content"].as_object() else {
                    continue;
                };
                for (media, body) in content {
                    if media != "application/json" {
                        continue;
                    }
                    json_bodies += 1;
                    assert!(
                        is_typed(&doc, &body["schema"]),
                        "{method} {path} {status}: untyped JSON body {}",
                        body["schema"]
                    );
                }
            }
            if !["/healthz", "/readyz", "/metrics"].contains(&path.as_str()) {
                for status in ["401", "429"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} declares the guard's {status}"
                    );
                }
            }
        }
    }
    assert!(
        json_bodies > 40,
        "only {json_bodies} JSON bodies documented"
    );
    // A publish declares what the handler refuses with.
    let publish = &doc["paths"]["/v1/modules/{ns}/{name}/{system}/{version}"]["put"]["responses"];
    for status in ["201", "400", "401", "403", "409", "413", "422", "429"] {
        assert!(publish.get(status).is_some(), "publish declares {status}");
    }
}
