//! Modules that follow a git repository, against a real `git daemon` on
//! loopback: tags published as versions from a folder of a monorepo,
//! moved tags refused and reported, webhooks checked with each host's own
//! signature, the poll, and the API's roles.

mod common;

use std::time::Duration;

use common::{Live, live};
use hmac::{Hmac, Mac};
use registry_core::Role;
use registry_git::testing::{GitDaemon, git};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

fn loopback(c: &mut registry_server::ServeConfig) {
    c.upstream_private = vec!["127.0.0.0/8".parse().unwrap()];
    c.repo_poll_interval = Duration::ZERO;
}

fn write(dir: &std::path::Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A monorepo: `modules/vpc` (the module) and `modules/dns` beside it.
fn monorepo(d: &GitDaemon) -> std::path::PathBuf {
    let repo = d.repository("infra");
    write(
        &repo,
        "modules/vpc/main.tf",
        "variable \"cidr\" {\n  type        = string\n  description = \"The VPC's range.\"\n}\n\noutput \"cidr\" {\n  value = var.cidr\n}\n",
    );
    write(&repo, "modules/vpc/README.md", "# vpc\n\nA VPC.\n");
    write(&repo, "modules/dns/main.tf", "variable \"zone\" {}\n");
    repo
}

async fn call(
    live: &Live,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = live.http.request(method, live.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn versions(live: &Live, module: &str) -> Vec<String> {
    let v: Value = live
        .http
        .get(live.url(&format!("/v1/modules/{module}/versions")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out: Vec<String> = v["modules"][0]["versions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["version"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Wait until the module's repository has published `tag`.
async fn until_published(live: &Live, token: &str, module: &str, tag: &str) -> Value {
    let path = format!("/v1/repositories/{module}");
    for _ in 0..300 {
        let (_, r) = call(live, reqwest::Method::GET, &path, token, None).await;
        if r["releases"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["tag"] == tag))
        {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{tag} was never published from {module}'s repository");
}

#[tokio::test]
async fn tags_of_a_monorepo_folder_become_versions_and_moved_tags_are_refused() {
    let d = GitDaemon::start();
    let repo = monorepo(&d);
    let first = d.commit(&repo, "vpc 1.0.0", Some("vpc-v1.0.0"));
    d.commit(&repo, "not a version", Some("vpc-vnext"));
    d.commit(&repo, "another module's tag", Some("dns-v3.0.0"));
    let live = live(loopback).await;
    let admin = live.token("*", Role::Admin).await;
    let acme = live.token("acme", Role::Publisher).await;
    let reader = live.token("acme", Role::Reader).await;
    let other = live.token("other", Role::Publisher).await;
    let post = reqwest::Method::POST;
    let add = json!({
        "module": "acme/vpc/aws",
        "git": d.url("infra"),
        "path": "modules/vpc",
        "tag_pattern": "vpc-v{version}",
    });

    // Roles, and refusals by name.
    for (token, status) in [(&other, 403), (&reader, 403)] {
        let (s, _) = call(
            &live,
            post.clone(),
            "/v1/repositories",
            token,
            Some(add.clone()),
        )
        .await;
        assert_eq!(s.as_u16(), status);
    }
    for (field, value, named) in [
        ("git", json!("file:///etc/passwd"), "file"),
        ("git", json!("ext::sh%20-c%20evil"), "ext"),
        (
            "git",
            json!("https://user:secret@example.com/x.git"),
            "password",
        ),
        ("git", json!("http://example.com/x.git"), "plain http"),
        ("path", json!("../outside"), "inside the repository"),
        ("tag_pattern", json!("v{ver}"), "{version}"),
    ] {
        let mut body = add.clone();
        body[field] = value;
        let (s, e) = call(&live, post.clone(), "/v1/repositories", &acme, Some(body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{field}: {e}");
        assert!(e.to_string().contains(named), "{field}: {e}");
    }

    let (s, added) = call(
        &live,
        post.clone(),
        "/v1/repositories",
        &acme,
        Some(add.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{added}");
    let secret = added["hook_secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("rgh_"), "{secret}");
    assert!(
        added["hooks"]
            .as_array()
            .unwrap()
            .contains(&json!("/v1/hooks/github/acme/vpc/aws"))
    );
    let (s, _) = call(
        &live,
        post.clone(),
        "/v1/repositories",
        &admin,
        Some(add.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "one repository per module");

    // The first sync publishes the matching tag from the folder, names the
    // tag that is no version, and leaves the other module's tag alone.
    let (s, report) = call(
        &live,
        post.clone(),
        "/v1/repositories/acme/vpc/aws/sync",
        &acme,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let tags = report["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 2, "{report}");
    let published = tags.iter().find(|t| t["tag"] == "vpc-v1.0.0").unwrap();
    assert_eq!(published["outcome"], "published");
    assert_eq!(published["commit"], first);
    let odd = tags.iter().find(|t| t["tag"] == "vpc-vnext").unwrap();
    assert_eq!(odd["outcome"], "refused");
    assert!(odd["reason"].as_str().unwrap().contains("not a version"));
    assert_eq!(versions(&live, "acme/vpc/aws").await, ["1.0.0"]);

    // The version is the folder, packed: its files at the root, nothing
    // of the rest of the repository; its inputs read from it.
    let (_, detail) = call(
        &live,
        reqwest::Method::GET,
        "/v1/modules/acme/vpc/aws/1.0.0",
        &reader,
        None,
    )
    .await;
    assert_eq!(detail["root"]["inputs"][0]["name"], "cidr", "{detail}");
    assert_eq!(detail["description"], "A VPC.");
    let sha_before = detail["sha256"].clone();

    let (s, repo_view) = call(
        &live,
        reqwest::Method::GET,
        "/v1/repositories/acme/vpc/aws",
        &acme,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(repo_view["releases"][0]["commit"], first);
    assert_eq!(repo_view["status"]["last_tag"], "vpc-v1.0.0");
    assert_eq!(repo_view["status"]["failures"], 0);
    assert!(
        repo_view["status"]["last_error"]
            .as_str()
            .unwrap()
            .contains("vpc-vnext"),
        "the status names the refused tag: {repo_view}"
    );

    // A tag moved to other content is refused, reported, never republished.
    write(&repo, "modules/vpc/main.tf", "variable \"changed\" {}\n");
    let moved = d.commit(&repo, "rewrite", None);
    git(&repo, &["tag", "-f", "-a", "vpc-v1.0.0", "-m", "moved"]);
    let (s, report) = call(
        &live,
        post.clone(),
        "/v1/repositories/acme/vpc/aws/sync",
        &acme,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let refused = report["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tag"] == "vpc-v1.0.0")
        .unwrap_or_else(|| panic!("the moved tag is reported: {report}"));
    assert_eq!(refused["outcome"], "refused");
    let why = refused["reason"].as_str().unwrap();
    assert!(
        why.contains("moved") && why.contains(&first[..12]) && why.contains(&moved[..12]),
        "{why}"
    );
    let (_, detail) = call(
        &live,
        reqwest::Method::GET,
        "/v1/modules/acme/vpc/aws/1.0.0",
        &reader,
        None,
    )
    .await;
    assert_eq!(detail["sha256"], sha_before, "1.0.0 is what it was");

    // A push, by each host's webhook: signed right it syncs; signed wrong,
    // or not at all, it is refused and nothing happens.
    d.commit(&repo, "vpc 1.1.0", Some("vpc-v1.1.0"));
    let payload = br#"{"ref":"refs/tags/vpc-v1.1.0","repository":{"full_name":"acme/infra"}}"#;
    let hook = |host: &str| live.url(&format!("/v1/hooks/{host}/acme/vpc/aws"));
    let wrong = live
        .http
        .post(hook("github"))
        .header("x-github-event", "push")
        .header(
            "x-hub-signature-256",
            format!("sha256={}", hmac_hex("rgh_wrong", payload)),
        )
        .body(payload.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let unsigned = live
        .http
        .post(hook("gitea"))
        .body(payload.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let unknown = live
        .http
        .post(live.url("/v1/hooks/github/acme/none/aws"))
        .header(
            "x-hub-signature-256",
            format!("sha256={}", hmac_hex(&secret, payload)),
        )
        .body(payload.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(
        unknown.status(),
        StatusCode::UNAUTHORIZED,
        "a module without a repository answers as a bad signature"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(versions(&live, "acme/vpc/aws").await, ["1.0.0"]);

    let ping = live
        .http
        .post(hook("github"))
        .header("x-github-event", "ping")
        .header(
            "x-hub-signature-256",
            format!("sha256={}", hmac_hex(&secret, b"{}")),
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), StatusCode::OK);
    let good = live
        .http
        .post(hook("github"))
        .header("x-github-event", "push")
        .header(
            "x-hub-signature-256",
            format!("sha256={}", hmac_hex(&secret, payload)),
        )
        .body(payload.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), StatusCode::ACCEPTED);
    let r = until_published(&live, &acme, "acme/vpc/aws", "vpc-v1.1.0").await;
    assert_eq!(r["status"]["last_tag"], "vpc-v1.1.0", "{r}");
    assert_eq!(versions(&live, "acme/vpc/aws").await, ["1.0.0", "1.1.0"]);

    // GitLab's token and Gitea's and Bitbucket's signatures, as they send them.
    d.commit(&repo, "vpc 1.2.0", Some("vpc-v1.2.0"));
    let gitlab = live
        .http
        .post(hook("gitlab"))
        .header("x-gitlab-event", "Tag Push Hook")
        .header("x-gitlab-token", &secret)
        .body(r#"{"object_kind":"tag_push","ref":"refs/tags/vpc-v1.2.0"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(gitlab.status(), StatusCode::ACCEPTED);
    until_published(&live, &acme, "acme/vpc/aws", "vpc-v1.2.0").await;
    d.commit(&repo, "vpc 1.3.0", Some("vpc-v1.3.0"));
    let body = br#"{"ref":"refs/tags/vpc-v1.3.0"}"#;
    let gitea = live
        .http
        .post(hook("gitea"))
        .header("x-gitea-event", "push")
        .header("x-gitea-signature", hmac_hex(&secret, body))
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(gitea.status(), StatusCode::ACCEPTED);
    until_published(&live, &acme, "acme/vpc/aws", "vpc-v1.3.0").await;
    let bitbucket_ping = live
        .http
        .post(hook("bitbucket"))
        .header("x-event-key", "diagnostics:ping")
        .header(
            "x-hub-signature",
            format!("sha256={}", hmac_hex(&secret, b"{}")),
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(bitbucket_ping.status(), StatusCode::OK);

    // Listing shows each repository to those who may publish from it.
    let (_, mine) = call(&live, reqwest::Method::GET, "/v1/repositories", &acme, None).await;
    assert_eq!(mine["repositories"].as_array().unwrap().len(), 1);
    let (_, theirs) = call(
        &live,
        reqwest::Method::GET,
        "/v1/repositories",
        &other,
        None,
    )
    .await;
    assert!(theirs["repositories"].as_array().unwrap().is_empty());
    let (s, _) = call(
        &live,
        reqwest::Method::GET,
        "/v1/repositories/acme/vpc/aws",
        &other,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Syncs are audited as the repository itself.
    let (_, audit) = call(
        &live,
        reqwest::Method::GET,
        "/v1/audit?limit=1000",
        &admin,
        None,
    )
    .await;
    assert!(
        audit.to_string().contains("repo:acme/vpc/aws"),
        "publishes are recorded as the repository: {audit}"
    );

    // Removing the repository keeps its versions.
    let (s, _) = call(
        &live,
        reqwest::Method::DELETE,
        "/v1/repositories/acme/vpc/aws",
        &acme,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = call(
        &live,
        reqwest::Method::GET,
        "/v1/repositories/acme/vpc/aws",
        &acme,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        versions(&live, "acme/vpc/aws").await,
        ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
    );
}

#[tokio::test]
async fn the_poll_publishes_new_tags_and_reports_an_unreachable_remote() {
    let d = GitDaemon::start();
    let repo = d.repository("net");
    write(&repo, "main.tf", "variable \"name\" {}\n");
    d.commit(&repo, "first", Some("v0.1.0"));
    let live = live(|c| {
        loopback(c);
        c.repo_poll_interval = Duration::from_millis(500);
    })
    .await;
    let acme = live.token("acme", Role::Publisher).await;
    let (s, _) = call(
        &live,
        reqwest::Method::POST,
        "/v1/repositories",
        &acme,
        Some(json!({"module": "acme/net/null", "git": d.url("net")})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    until_published(&live, &acme, "acme/net/null", "v0.1.0").await;
    d.commit(&repo, "second", Some("v0.2.0"));
    until_published(&live, &acme, "acme/net/null", "v0.2.0").await;
    assert_eq!(versions(&live, "acme/net/null").await, ["0.1.0", "0.2.0"]);

    // A remote that went away: each poll fails, visibly, and counts.
    let (s, _) = call(
        &live,
        reqwest::Method::POST,
        "/v1/repositories",
        &acme,
        Some(json!({"module": "acme/gone/null", "git": d.url("nothing-here")})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    for _ in 0..300 {
        let (_, r) = call(
            &live,
            reqwest::Method::GET,
            "/v1/repositories/acme/gone/null",
            &acme,
            None,
        )
        .await;
        if r["status"]["failures"].as_u64().unwrap_or(0) >= 1 {
            assert!(r["status"]["last_error"].is_string(), "{r}");
            assert!(r["status"]["last_success_at"].is_null(), "{r}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the unreachable remote's failures were never recorded");
}

#[tokio::test]
async fn a_repository_outside_the_allowed_networks_is_never_reached() {
    let d = GitDaemon::start();
    let repo = d.repository("x");
    write(&repo, "main.tf", "variable \"a\" {}\n");
    d.commit(&repo, "first", Some("v1.0.0"));
    // No --upstream-private: loopback is a private address.
    let live = live(|c| c.repo_poll_interval = Duration::ZERO).await;
    let acme = live.token("acme", Role::Publisher).await;
    let (s, _) = call(
        &live,
        reqwest::Method::POST,
        "/v1/repositories",
        &acme,
        Some(json!({"module": "acme/x/null", "git": d.url("x")})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, e) = call(
        &live,
        reqwest::Method::POST,
        "/v1/repositories/acme/x/null/sync",
        &acme,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_GATEWAY, "{e}");
    assert!(e.to_string().contains("private"), "{e}");
    assert!(versions(&live, "acme/x/null").await.is_empty());
}

/// The web UI shows each followed repository's status to those who may
/// publish from it, and every tag published from one.
#[cfg(feature = "ui")]
#[tokio::test]
async fn the_web_ui_shows_each_repositorys_last_sync() {
    let d = GitDaemon::start();
    let repo = d.repository("ui");
    write(&repo, "main.tf", "variable \"a\" {}\n");
    let first = d.commit(&repo, "first", Some("v1.0.0"));
    d.commit(&repo, "odd", Some("vnext"));
    let live = live(loopback).await;
    let acme = live.token("acme", Role::Publisher).await;
    let other = live.token("other", Role::Publisher).await;
    let post = reqwest::Method::POST;
    let (s, _) = call(
        &live,
        post.clone(),
        "/v1/repositories",
        &acme,
        Some(json!({"module": "acme/ui/null", "git": d.url("ui")})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        &live,
        post,
        "/v1/repositories/acme/ui/null/sync",
        &acme,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // Signed out: off to sign in.
    let r = live
        .http
        .get(live.url("/repositories"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/sign-in?next=%2Frepositories")
    );
    let page = |token: String, path: &'static str| {
        let live = &live;
        async move {
            let signed = live
                .http
                .post(live.url("/sign-in"))
                .header("origin", live.server.url())
                .form(&[("token", token.as_str()), ("next", "/")])
                .send()
                .await
                .unwrap();
            let cookie = signed.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_string();
            live.http
                .get(live.url(path))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let mine = page(acme.clone(), "/repositories").await;
    assert!(mine.contains("acme/ui/null"), "{mine}");
    assert!(mine.contains(&d.url("ui")), "{mine}");
    assert!(
        mine.contains(&first[..12]),
        "the newest commit published: {mine}"
    );
    assert!(
        mine.contains("vnext"),
        "the last error names the tag: {mine}"
    );
    let theirs = page(other.clone(), "/repositories").await;
    assert!(!theirs.contains("acme/ui/null"), "{theirs}");
    let detail = page(acme, "/repositories/acme/ui/null").await;
    assert!(detail.contains("v1.0.0"), "{detail}");
    assert!(detail.contains("/modules/acme/ui/null/1.0.0"), "{detail}");
    let refused = page(other, "/repositories/acme/ui/null").await;
    assert!(!refused.contains("v1.0.0"), "{refused}");
}
