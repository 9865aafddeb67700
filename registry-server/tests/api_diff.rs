//! The module API diff over HTTP (`…/diff/FROM...TO`) and the semver guard
//! on publish (`semver-guard = off|warn|refuse`).

mod common;

use common::live;
use registry_core::Role;
use registry_core::testing::TarBuilder;
use reqwest::StatusCode;

/// A module whose `main.tf` declares these variables (and one output).
fn module(variables: &str) -> Vec<u8> {
    TarBuilder::new()
        .file(
            "main.tf",
            format!("{variables}\noutput \"id\" {{\n  value = \"x\"\n}}\n"),
        )
        .file("README.md", "# M\n\nA module.\n")
        .finish()
}

const V1: &str = "variable \"region\" {\n  type    = string\n  default = \"eu\"\n}\n";
/// `region` lost its default: a breaking change.
const V_BREAKING: &str = "variable \"region\" {\n  type = string\n}\n";
/// A new optional input: not breaking.
const V_COMPATIBLE: &str = "variable \"region\" {\n  type    = string\n  default = \"eu\"\n}\nvariable \"zone\" {\n  type    = string\n  default = \"a\"\n}\n";

#[tokio::test]
async fn the_semver_guard_refuses_or_warns_and_the_diff_is_served() {
    let live = live(|_| {}).await;
    let admin = live.token("acme", Role::Admin).await;
    let publish = |version: &str, variables: &str| {
        let path = format!("/v1/modules/acme/m/null/{version}");
        let (live, admin, archive) = (&live, admin.clone(), module(variables));
        async move { live.put_archive(&admin, &path, archive).await }
    };
    assert_eq!(publish("1.0.0", V1).await.status(), StatusCode::CREATED);

    // Off (the default): a breaking minor goes through.
    assert_eq!(
        publish("1.1.0", V_BREAKING).await.status(),
        StatusCode::CREATED
    );

    let set = |value: &str| {
        live.http
            .put(live.url("/v1/namespaces/acme/policy"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({ "semver-guard": value }))
            .send()
    };
    let r = set("refuse").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let policy: serde_json::Value = r.json().await.unwrap();
    assert_eq!(policy["semver-guard"], "refuse");

    // Refuse: compared with the highest lower release (1.2.0, where
    // region has a default), a minor that drops the default is refused.
    assert_eq!(publish("1.2.0", V1).await.status(), StatusCode::CREATED);
    let r = publish("1.3.0", V_BREAKING).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    let text = body.to_string();
    assert!(
        text.contains("input region: its default was removed: now required")
            && text.contains("a breaking change from 1.2.0")
            && text.contains("2.0.0"),
        "{text}"
    );
    let r = live
        .http
        .get(live.url("/v1/modules/acme/m/null/versions"))
        .send()
        .await
        .unwrap();
    assert!(!r.text().await.unwrap().contains("1.3.0"), "nothing stored");

    // A compatible minor, and a breaking major, go through.
    assert_eq!(
        publish("1.3.0", V_COMPATIBLE).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        publish("2.0.0", V_BREAKING).await.status(),
        StatusCode::CREATED
    );

    // Warn: stored, with the breaking change as a warning.
    assert_eq!(set("warn").await.unwrap().status(), StatusCode::OK);
    let r = publish("2.1.0", V_COMPATIBLE).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = publish("2.1.1", V_BREAKING).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: serde_json::Value = r.json().await.unwrap();
    let warnings = body["warnings"].to_string();
    assert!(warnings.contains("semver-guard"), "{body}");

    // The diff, as JSON.
    let r = live
        .http
        .get(live.url("/v1/modules/acme/m/null/diff/1.2.0...1.3.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let d: serde_json::Value = r.json().await.unwrap();
    assert_eq!(d["from"], "1.2.0");
    assert_eq!(d["breaking"], false);
    assert_eq!(d["changes"][0]["item"], "input");
    assert_eq!(d["changes"][0]["name"], "zone");
    assert_eq!(d["changes"][0]["kind"], "added");
    let r = live
        .http
        .get(live.url("/v1/modules/acme/m/null/diff/1.3.0...2.0.0"))
        .send()
        .await
        .unwrap();
    let d: serde_json::Value = r.json().await.unwrap();
    assert_eq!(d["breaking"], true, "{d}");

    // Bad ranges and missing versions are clear errors.
    for (path, status) in [
        ("diff/1.0.0..2.0.0", StatusCode::BAD_REQUEST),
        ("diff/1.0.0...9.9.9", StatusCode::NOT_FOUND),
    ] {
        let r = live
            .http
            .get(live.url(&format!("/v1/modules/acme/m/null/{path}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["errors"][0].is_string(), "{body}");
    }
}
