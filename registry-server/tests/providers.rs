//! The provider registry over HTTP, in process: publishing refuses what
//! is wrong by name and keeps nothing of it; download answers carry the
//! key that signed and, when reads need a token, grants for the files
//! Terraform fetches without one; a revoked key's releases are refused
//! with the reason; every change is audited and counted.

mod common;

use std::io::Write as _;

use common::live;
use registry_core::{AuditQuery, Role};
use registry_providers::signing::{SigningKey, verify_detached};
use reqwest::StatusCode;
use serde_json::Value;

fn zip_of(version: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        format!("terraform-provider-null_v{version}"),
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(format!("binary {version}").as_bytes())
        .unwrap();
    zip.finish().unwrap().into_inner()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn form(files: &[(&str, Vec<u8>)]) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new();
    for (name, bytes) in files {
        f = f.part(
            name.to_string(),
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    f
}

async fn publish(
    live: &common::Live,
    token: Option<&str>,
    version: &str,
    files: &[(&str, Vec<u8>)],
) -> (StatusCode, Value) {
    let mut req = live
        .http
        .post(live.url(&format!("/v1/providers/acme/null/{version}")))
        .multipart(form(files));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn errors(body: &Value) -> String {
    body["errors"].to_string()
}

#[tokio::test]
async fn publishing_refuses_what_is_wrong_by_name_and_keeps_nothing_of_it() {
    let live = live(|_| {}).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let reader = live.token("acme", Role::Reader).await;
    let zip = zip_of("1.0.0");
    let zip_name = "terraform-provider-null_1.0.0_linux_amd64.zip";

    let (s, _) = publish(&live, None, "1.0.0", &[(zip_name, zip.clone())]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, b) = publish(&live, Some(&reader), "1.0.0", &[(zip_name, zip.clone())]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");

    let (s, b) = publish(
        &live,
        Some(&publisher),
        "1.0.0",
        &[("notes.txt", b"x".to_vec())],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(errors(&b).contains("notes.txt"), "{b}");
    assert!(
        errors(&b).contains("not one of this release's files"),
        "{b}"
    );

    let sums_name = "terraform-provider-null_1.0.0_SHA256SUMS";
    let (s, b) = publish(
        &live,
        Some(&publisher),
        "1.0.0",
        &[(zip_name, zip.clone()), (sums_name, b"x".to_vec())],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(errors(&b).contains("without its signature"), "{b}");

    let (s, b) = publish(&live, Some(&publisher), "1.0", &[(zip_name, zip.clone())]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(errors(&b).contains("semver"), "{b}");

    let (s, b) = publish(
        &live,
        Some(&publisher),
        "1.0.0",
        &[(zip_name, b"not a zip".to_vec())],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        errors(&b).contains(zip_name) && errors(&b).contains("zip"),
        "{b}"
    );

    // The publisher signs a SHA256SUMS that lists another digest.
    let key = SigningKey::generate("acme").unwrap();
    let wrong = format!("{}  {zip_name}\n", "ab".repeat(32));
    let sig_name = "terraform-provider-null_1.0.0_SHA256SUMS.sig";
    let (s, b) = publish(
        &live,
        Some(&publisher),
        "1.0.0",
        &[
            (zip_name, zip.clone()),
            (sums_name, wrong.clone().into_bytes()),
            (sig_name, key.sign(wrong.as_bytes()).unwrap()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        errors(&b).contains(&sha256_hex(&zip)),
        "names the zip's digest: {b}"
    );
    // Right sums, but no key registered for acme to check them with.
    let sums = format!("{}  {zip_name}\n", sha256_hex(&zip));
    let (s, b) = publish(
        &live,
        Some(&publisher),
        "1.0.0",
        &[
            (zip_name, zip.clone()),
            (sums_name, sums.clone().into_bytes()),
            (sig_name, key.sign(sums.as_bytes()).unwrap()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(errors(&b).contains("registry provider keys add"), "{b}");

    // Nothing was kept of any of that.
    let r = live
        .http
        .get(live.url("/v1/providers/acme/null/versions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let blobs = live.server.opened.storage.blob_store.list().await.unwrap();
    assert!(blobs.is_empty(), "no zip stored: {blobs:?}");

    // Without sums the registry signs; the same version again is a conflict.
    let (s, b) = publish(&live, Some(&publisher), "1.0.0", &[(zip_name, zip.clone())]).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["signed_by_registry"], true);
    assert!(b["platforms"][0]["h1"].as_str().unwrap().starts_with("h1:"));
    let (s, b) = publish(&live, Some(&publisher), "1.0.0", &[(zip_name, zip)]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");

    let audit = live
        .server
        .opened
        .audit
        .list(&AuditQuery::default())
        .await
        .unwrap();
    let publishes: Vec<_> = audit
        .iter()
        .filter(|e| e.event.action == "provider.publish")
        .collect();
    assert!(
        publishes
            .iter()
            .any(|e| e.event.outcome == registry_core::AuditOutcome::Success)
    );
    assert!(
        publishes
            .iter()
            .any(|e| e.event.outcome == registry_core::AuditOutcome::Denied)
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
        metrics
            .contains("registry_provider_events_total{provider=\"acme/null\",event=\"publish\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn downloads_carry_the_signing_key_and_grants_and_refuse_revoked_keys() {
    let live = live(|c| c.registry.require_auth = true).await;
    let admin = live.token("*", Role::Admin).await;
    let zip = zip_of("2.0.0");
    let zip_name = "terraform-provider-null_2.0.0_linux_amd64.zip";
    let key = SigningKey::generate("acme").unwrap();
    let public = key.public_key().unwrap();
    let r = live
        .http
        .post(live.url("/v1/provider-keys/acme"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "public_key": public.ascii_armor }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let sums = format!("{}  {zip_name}\n", sha256_hex(&zip));
    let (s, b) = publish(
        &live,
        Some(&admin),
        "2.0.0",
        &[
            (zip_name, zip.clone()),
            (
                "terraform-provider-null_2.0.0_SHA256SUMS",
                sums.clone().into_bytes(),
            ),
            (
                "terraform-provider-null_2.0.0_SHA256SUMS.sig",
                key.sign(sums.as_bytes()).unwrap(),
            ),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["key_id"], public.key_id.as_str());

    let download = "/v1/providers/acme/null/2.0.0/download/linux/amd64";
    let r = live.http.get(live.url(download)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "reads need a token");
    let answer: Value = live
        .http
        .get(live.url(download))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["shasum"], sha256_hex(&zip));
    assert_eq!(answer["protocols"][0], "5.0");
    let armored = answer["signing_keys"]["gpg_public_keys"][0]["ascii_armor"]
        .as_str()
        .unwrap()
        .to_string();
    // The files, fetched without the token as Terraform fetches them.
    let get = |url: &str| live.http.get(live.url(url)).send();
    let zip_url = answer["download_url"].as_str().unwrap();
    assert!(zip_url.contains("?grant="), "{zip_url}");
    let got = get(zip_url).await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), zip.as_slice());
    let got_sums = get(answer["shasums_url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let got_sig = get(answer["shasums_signature_url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        verify_detached(&[&armored], &got_sig, &got_sums).unwrap(),
        public.key_id
    );
    // A grant is for its own path only, and nothing is served without one.
    let bare = zip_url.split('?').next().unwrap();
    assert_eq!(get(bare).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let other = format!(
        "/v1/providers/acme/null/2.0.0/files/terraform-provider-null_2.0.0_SHA256SUMS?{}",
        zip_url.split('?').nth(1).unwrap()
    );
    assert_eq!(
        get(&other).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Revoking the key withdraws the release, saying why.
    let r: Value = live
        .http
        .post(live.url(&format!("/v1/provider-keys/acme/{}/revoke", public.key_id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["withdrawn"][0], "null 2.0.0");
    let r = live
        .http
        .get(live.url(download))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    assert!(
        errors(&body).contains(&public.key_id) && errors(&body).contains("revoked"),
        "{body}"
    );
    // A withdrawn release is not offered (Terraform would pick it and
    // fail); revoking again finishes what an interrupted revocation left;
    // publishing the version again brings it back.
    let versions = live
        .http
        .get(live.url("/v1/providers/acme/null/versions"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        versions.status(),
        StatusCode::NOT_FOUND,
        "nothing else to offer"
    );
    let again = live
        .http
        .post(live.url(&format!("/v1/provider-keys/acme/{}/revoke", public.key_id)))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "a revocation can be run again"
    );
    let (s, b) = publish(&live, Some(&admin), "2.0.0", &[(zip_name, zip.clone())]).await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "a withdrawn version is published again: {b}"
    );
    assert_ne!(b["key_id"], public.key_id.as_str());
    let r = live
        .http
        .get(live.url(download))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "offered again");
    let (s, _) = publish(&live, Some(&admin), "2.0.0", &[(zip_name, zip.clone())]).await;
    assert_eq!(s, StatusCode::CONFLICT, "a live release is never replaced");

    // Keys are an admin's business; none of them shows a private half.
    let publisher = live.token("acme", Role::Publisher).await;
    let r = live
        .http
        .get(live.url("/v1/provider-keys"))
        .bearer_auth(&publisher)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let listed = live
        .http
        .get(live.url("/v1/provider-keys"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains(&public.key_id) && !listed.contains("PRIVATE"),
        "{listed}"
    );
}

#[cfg(feature = "ui")]
#[tokio::test]
async fn the_web_ui_shows_providers_with_their_snippet_platforms_and_lock_entry() {
    let live = live(|_| {}).await;
    let publisher = live.token("acme", Role::Publisher).await;
    for v in ["1.0.0", "1.1.0"] {
        let (s, b) = publish(
            &live,
            Some(&publisher),
            v,
            &[(
                &format!("terraform-provider-null_{v}_linux_amd64.zip"),
                zip_of(v),
            )],
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let page = |path: &str| {
        let url = live.url(path);
        let http = live.http.clone();
        async move {
            let r = http.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap().replace("&quot;", "\""))
        }
    };
    let (s, list) = page("/providers").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains("href=\"/providers/acme/null\""), "{list}");

    let (s, newest) = page("/providers/acme/null").await;
    assert_eq!(s, StatusCode::OK);
    let host = live
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    assert!(
        newest.contains(&format!("source  = \"{host}/acme/null\"")),
        "{newest}"
    );
    assert!(newest.contains("version = \"1.1.0\""), "{newest}");
    assert!(
        newest.contains(&format!("zh:{}", sha256_hex(&zip_of("1.1.0")))),
        "{newest}"
    );
    assert!(newest.contains("h1:"), "{newest}");
    assert!(
        newest.contains("signed by this registry with key"),
        "{newest}"
    );
    assert!(
        newest.contains(&format!("provider \"{host}/acme/null\"")),
        "{newest}"
    );
    assert!(
        newest.contains("href=\"/providers/acme/null/1.0.0\""),
        "{newest}"
    );
    assert!(!newest.contains("not the newest"), "{newest}");

    let (s, older) = page("/providers/acme/null/1.0.0").await;
    assert_eq!(s, StatusCode::OK);
    assert!(older.contains("not the newest"), "{older}");
    assert!(older.contains("version = \"1.0.0\""), "{older}");
    let (s, _) = page("/providers/acme/nothing").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
