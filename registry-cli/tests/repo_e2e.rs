//! `registry repo …`, `registry trusted-publisher …` and `registry publish
//! --oidc` as a user runs them: locally (`--data-dir`) and through a
//! server (`--server`), against a real `git daemon` and an https OpenID
//! issuer on loopback.

mod common;

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::Command;

use common::{loopback_certificate, ok, registry, serve};
use registry_git::testing::GitDaemon;
use registry_server::testing::OidcIssuer;

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_repository_is_followed_locally_and_through_a_server() {
    let d = GitDaemon::start();
    let repo = d.repository("net");
    write(&repo, "modules/net/main.tf", "variable \"cidr\" {}\n");
    let first = d.commit(&repo, "net 0.1.0", Some("net-v0.1.0"));
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let data = s(&data);
    ok(registry(&["migrate", "--data-dir", data]));

    // Locally.
    let added = ok(registry(&[
        "repo",
        "add",
        "acme/net/null",
        "--git",
        &d.url("net"),
        "--path",
        "modules/net",
        "--tag-pattern",
        "net-v{version}",
        "--data-dir",
        data,
    ]));
    assert!(
        added.contains("webhook secret (shown once): rgh_"),
        "{added}"
    );
    assert!(added.contains("/v1/hooks/github/acme/net/null"), "{added}");
    let refused = registry(&["repo", "sync", "acme/net/null", "--data-dir", data]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("--upstream-private"),
        "a loopback remote needs it named: {said}"
    );
    let synced = ok(registry(&[
        "repo",
        "sync",
        "acme/net/null",
        "--upstream-private",
        "127.0.0.0/8",
        "--data-dir",
        data,
    ]));
    assert!(synced.contains("net-v0.1.0 0.1.0"), "{synced}");
    assert!(synced.contains("published"), "{synced}");
    let versions = ok(registry(&["versions", "acme/net/null", "--data-dir", data]));
    assert!(versions.contains("0.1.0"), "{versions}");
    let again = ok(registry(&[
        "repo",
        "sync",
        "acme/net/null",
        "--upstream-private",
        "127.0.0.0/8",
        "--data-dir",
        data,
    ]));
    assert!(again.contains("nothing new"), "{again}");
    let shown = ok(registry(&[
        "repo",
        "show",
        "acme/net/null",
        "--data-dir",
        data,
    ]));
    assert!(
        shown.contains(&format!("net-v0.1.0 -> 0.1.0 from {}", &first[..12])),
        "{shown}"
    );
    let listed = ok(registry(&["repo", "list", "--data-dir", data]));
    assert!(listed.contains("last tag net-v0.1.0"), "{listed}");

    // Through a server, on the same data: the server's own
    // --upstream-private lets it reach the daemon.
    let (cert, key) = loopback_certificate(work.path());
    let token = ok(registry(&[
        "token",
        "create",
        "--namespace",
        "*",
        "--role",
        "admin",
        "--data-dir",
        data,
    ]));
    let token = token
        .split_whitespace()
        .find(|w| w.starts_with("rgt_"))
        .unwrap()
        .to_string();
    let server = serve(
        Path::new(data),
        &cert,
        &key,
        &[
            "--upstream-private",
            "127.0.0.0/8",
            "--repo-poll-interval",
            "0",
        ],
    );
    d.commit(&repo, "net 0.2.0", Some("net-v0.2.0"));
    let remote = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend([
            "--server",
            &server.url,
            "--token",
            &token,
            "--ca-cert",
            s(&cert),
        ]);
        registry(&all)
    };
    let synced = ok(remote(&["repo", "sync", "acme/net/null"]));
    assert!(synced.contains("net-v0.2.0 0.2.0"), "{synced}");
    let listed = ok(remote(&["repo", "list"]));
    assert!(listed.contains("last tag net-v0.2.0"), "{listed}");
    let flagged = remote(&[
        "repo",
        "sync",
        "acme/net/null",
        "--upstream-private",
        "10.0.0.0/8",
    ]);
    assert!(!flagged.status.success(), "a server's networks are its own");
    let json = ok(remote(&["repo", "list", "--json"]));
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed[0]["module"], "acme/net/null");
    ok(remote(&["repo", "remove", "acme/net/null"]));
    let listed = ok(remote(&["repo", "list"]));
    assert!(listed.trim().is_empty(), "{listed}");
    let versions = ok(remote(&["versions", "acme/net/null"]));
    assert!(versions.contains("0.2.0"), "the versions stay: {versions}");
}

/// A stand-in for GitHub Actions' token endpoint: answers one request with
/// `{"value": jwt}` when it carries the request token, and records the
/// request line.
fn github_token_endpoint(jwt: String) -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/token?api-version=2.0",
        listener.local_addr().unwrap().port()
    );
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 8192];
        let n = conn.read(&mut buf).unwrap();
        let request = String::from_utf8_lossy(&buf[..n]).to_string();
        let authorized = request
            .to_ascii_lowercase()
            .contains("authorization: bearer actions-request-token");
        let (status, body) = if authorized {
            ("200 OK", serde_json::json!({ "value": jwt }).to_string())
        } else {
            ("401 Unauthorized", "{}".to_string())
        };
        write!(
            conn,
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        request.lines().next().unwrap_or_default().to_string()
    });
    (url, handle)
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_oidc_exchanges_the_ci_identity_for_a_publish_token() {
    let issuer = OidcIssuer::start().await;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let data = s(&data).to_string();
    let module = work.path().join("module");
    write(&module, "main.tf", "variable \"x\" {}\n");
    let (cert, key) = loopback_certificate(work.path());
    let server = serve(
        Path::new(&data),
        &cert,
        &key,
        &["--ca-cert", s(issuer.cert_file())],
    );
    let token = ok(registry(&[
        "token",
        "create",
        "--namespace",
        "*",
        "--role",
        "admin",
        "--data-dir",
        &data,
    ]));
    let token = token
        .split_whitespace()
        .find(|w| w.starts_with("rgt_"))
        .unwrap()
        .to_string();
    let url = server.url.clone();
    let cert_path = s(&cert).to_string();
    let remote = move |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend([
            "--server".to_string(),
            url.clone(),
            "--ca-cert".into(),
            cert_path.clone(),
        ]);
        all
    };
    let with_token = |mut a: Vec<String>| -> Vec<String> {
        a.extend(["--token".to_string(), token.clone()]);
        a
    };
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        registry(&refs)
    };
    let added = ok(run(with_token(remote(&[
        "trusted-publisher",
        "add",
        "--namespace",
        "acme",
        "--issuer",
        issuer.url(),
        "--audience",
        "127.0.0.1",
        "--claim",
        "repository=acme/*",
    ]))));
    assert!(added.contains("trusted publisher"), "{added}");
    let listed = ok(run(with_token(remote(&["trusted-publisher", "list"]))));
    assert!(listed.contains("repository=acme/*"), "{listed}");

    // From REGISTRY_OIDC_TOKEN (the audience defaults to the server's host).
    let jwt = issuer.sign(&issuer.github_claims("127.0.0.1", "acme/net", "refs/tags/v1.0.0"));
    let published = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(remote(&[
            "publish",
            "acme/net/null",
            "1.0.0",
            s(&module),
            "--oidc",
        ]))
        .env_remove("REGISTRY_TOKEN")
        .env("REGISTRY_OIDC_TOKEN", &jwt)
        .output()
        .unwrap();
    let said = ok(published);
    assert!(said.contains("published acme/net/null/1.0.0"), "{said}");

    // From GitHub Actions' own variables.
    let jwt = issuer.sign(&issuer.github_claims("127.0.0.1", "acme/net", "refs/tags/v1.1.0"));
    let (url, endpoint) = github_token_endpoint(jwt);
    let published = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(remote(&[
            "publish",
            "acme/net/null",
            "1.1.0",
            s(&module),
            "--oidc",
        ]))
        .env_remove("REGISTRY_TOKEN")
        .env_remove("REGISTRY_OIDC_TOKEN")
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &url)
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "actions-request-token")
        .output()
        .unwrap();
    ok(published);
    let request_line = endpoint.join().unwrap();
    assert!(
        request_line.contains("audience=127.0.0.1"),
        "{request_line}"
    );

    // Another repository's job is refused, saying which claim differed.
    let jwt = issuer.sign(&issuer.github_claims("127.0.0.1", "evil/net", "refs/tags/v9"));
    let refused = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(remote(&[
            "publish",
            "acme/net/null",
            "9.0.0",
            s(&module),
            "--oidc",
        ]))
        .env_remove("REGISTRY_TOKEN")
        .env("REGISTRY_OIDC_TOKEN", &jwt)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("claim repository is \"evil/net\""), "{said}");
    let without = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args([
            "publish",
            "acme/net/null",
            "9.0.0",
            s(&module),
            "--oidc",
            "--data-dir",
            &data,
        ])
        .env_remove("REGISTRY_SERVER")
        .output()
        .unwrap();
    assert!(!without.status.success());
    assert!(String::from_utf8_lossy(&without.stderr).contains("--server"));
}
