//! Hostile input against a live server (#12, "keep it fixed"): the request
//! corpus in `fixtures/hostile/requests.txt` sent verbatim, hostile
//! archives, and every authentication failure on every route of
//! `/openapi.json`. Each is refused with a clear 4xx in JSON (never a 5xx,
//! never a success it should not be), nothing is stored, and the server
//! keeps serving.

mod common;

use std::time::Duration;

use common::{Live, live};
use registry_core::testing::{TarBuilder, zip_archive};
use registry_core::{Role, TokenRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An answer read off the wire: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = raw.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = std::str::from_utf8(&raw[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap().trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || raw.len() < end + 2 + size {
            return out;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[(end + 4 + size).min(raw.len())..];
    }
}

/// Send a request with its target verbatim (no client normalises it).
async fn raw(live: &Live, method: &str, target: &str, token: Option<&str>, body: &[u8]) -> Answer {
    let mut s = TcpStream::connect(live.server.addr).await.unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nhost: registry.test\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        head.push_str(&format!("authorization: Bearer {t}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut got))
        .await
        .expect("the server answers")
        .unwrap();
    let split = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "{method} {target}: no answer head: {:?}",
                String::from_utf8_lossy(&got)
            )
        });
    let head = String::from_utf8_lossy(&got[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = got[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

/// A refusal must be a 4xx with the API's JSON error body.
fn assert_clear_refusal(what: &str, a: &Answer) {
    assert!(
        (400..500).contains(&a.status),
        "{what}: {} {}",
        a.status,
        String::from_utf8_lossy(&a.body)
    );
    let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap_or_else(|_| {
        panic!(
            "{what}: {} body is not JSON: {:?}",
            a.status,
            String::from_utf8_lossy(&a.body)
        )
    });
    assert!(v["errors"].is_array(), "{what}: {v}");
    assert!(
        a.header("content-type")
            .unwrap_or("")
            .starts_with("application/json"),
        "{what}"
    );
}

async fn still_serving(live: &Live) {
    let a = raw(live, "GET", "/healthz", None, b"").await;
    assert_eq!(a.status, 200, "the server stopped serving");
}

async fn nothing_stored(live: &Live) {
    let records = live
        .server
        .opened
        .registry
        .storage()
        .list(&registry_core::Filter::default())
        .await
        .unwrap();
    assert!(
        records.items.is_empty(),
        "stored: {:?}",
        records.items.len()
    );
}

fn corpus() -> Vec<(String, String)> {
    let text = include_str!("fixtures/hostile/requests.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (m, t) = l.split_once(' ').expect("METHOD TARGET");
            (m.to_string(), t.to_string())
        })
        .collect()
}

#[tokio::test]
async fn the_request_corpus_gets_clear_answers_and_stores_nothing() {
    let live = live(|c| c.rate_limits = registry_server::RateLimits::unlimited()).await;
    let reader = live.token("acme", Role::Reader).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let cases = corpus();
    assert!(cases.len() >= 50, "the corpus shrank to {}", cases.len());
    for (method, target) in &cases {
        for token in [None, Some(reader.as_str()), Some(publisher.as_str())] {
            let what = format!(
                "{method} {target} ({})",
                if token.is_some() {
                    "token"
                } else {
                    "anonymous"
                }
            );
            let a = raw(&live, method, target, token, b"{not json").await;
            assert!(
                a.status < 500,
                "{what}: {} {}",
                a.status,
                String::from_utf8_lossy(&a.body)
            );
            if a.status >= 400 {
                assert_clear_refusal(&what, &a);
            }
        }
    }
    nothing_stored(&live).await;
    still_serving(&live).await;
}

/// Archives a publish must refuse, each named.
fn hostile_archives() -> Vec<(&'static str, Vec<u8>)> {
    let main = "variable \"x\" {\n  type = string\n}\n";
    let mut deep_hcl = String::from("locals {\n  v = ");
    deep_hcl.push_str(&"[".repeat(5000));
    deep_hcl.push_str(&"]".repeat(5000));
    deep_hcl.push_str("\n}\n");
    let gz_bomb = {
        // 32 MiB of zeros in a small archive: past the test server's
        // 16 MiB unpacked limit (the default is 500 MiB).
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_path("zeros.bin").unwrap();
        h.set_size(32 << 20);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, std::io::Read::take(std::io::repeat(0), 32 << 20))
            .unwrap();
        let tar = b.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        gz.finish().unwrap()
    };
    let mut truncated = TarBuilder::new()
        .file("main.tf", main.repeat(2000))
        .finish();
    truncated.truncate(truncated.len() / 2);
    let many = (0..10_050).fold(TarBuilder::new(), |b, i| b.file(&format!("f{i}.txt"), "x"));
    vec![
        (
            "traversal",
            TarBuilder::new()
                .file("main.tf", main)
                .raw_file("../evil.tf", b"x")
                .finish(),
        ),
        (
            "absolute path",
            TarBuilder::new()
                .file("main.tf", main)
                .raw_file("/etc/evil.tf", b"x")
                .finish(),
        ),
        (
            "windows path",
            TarBuilder::new()
                .file("main.tf", main)
                .raw_file("C:\\evil.tf", b"x")
                .finish(),
        ),
        (
            "backslash traversal",
            TarBuilder::new()
                .file("main.tf", main)
                .raw_file("..\\evil.tf", b"x")
                .finish(),
        ),
        (
            "symlink out",
            TarBuilder::new()
                .file("main.tf", main)
                .symlink("link", "/etc/passwd")
                .finish(),
        ),
        (
            "hardlink out",
            TarBuilder::new()
                .file("main.tf", main)
                .hardlink("link", "../../etc/passwd")
                .finish(),
        ),
        (
            "device",
            TarBuilder::new()
                .file("main.tf", main)
                .fifo("pipe")
                .finish(),
        ),
        (
            "duplicate",
            TarBuilder::new()
                .file("main.tf", main)
                .file("main.tf", main)
                .finish(),
        ),
        ("bomb", gz_bomb),
        ("truncated", truncated),
        (
            "corrupt",
            b"\x1f\x8b\x08\x00garbage garbage garbage".to_vec(),
        ),
        ("empty", Vec::new()),
        (
            "no configuration",
            TarBuilder::new().file("README.md", "# hi\n").finish(),
        ),
        ("too many entries", many.finish()),
        (
            "deep path",
            TarBuilder::new()
                .file(&format!("{}main.tf", "d/".repeat(40)), main)
                .finish(),
        ),
        ("non-UTF-8 name", non_utf8_name(main)),
        (
            "HCL syntax error",
            TarBuilder::new()
                .file("main.tf", "variable \"x\" {\n")
                .finish(),
        ),
        (
            "deeply nested HCL",
            TarBuilder::new().file("main.tf", deep_hcl).finish(),
        ),
        (
            "invalid UTF-8 in HCL",
            TarBuilder::new()
                .raw_file("main.tf", b"variable \"\xff\xfe\" {}\n")
                .finish(),
        ),
        (
            "huge heredoc",
            TarBuilder::new()
                .file(
                    "main.tf",
                    format!("locals {{\n  v = <<EOT\n{}\nEOT\n}}\n", "x".repeat(5 << 20)),
                )
                .finish(),
        ),
        (
            "zip traversal",
            zip_archive(&[("main.tf", main.as_bytes()), ("../evil.tf", b"x")]),
        ),
        (
            "zip absolute",
            zip_archive(&[("main.tf", main.as_bytes()), ("/abs.tf", b"x")]),
        ),
    ]
}

/// An archive with an entry whose name is not UTF-8.
fn non_utf8_name(main: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, body) in [
        (&b"main.tf"[..], main.as_bytes()),
        (&b"bad\xff\xfe.tf"[..], &b"x"[..]),
    ] {
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append(&h, body).unwrap();
    }
    let tar = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    gz.finish().unwrap()
}

#[tokio::test]
async fn hostile_archives_are_refused_and_store_nothing() {
    let live = live(|c| {
        c.rate_limits = registry_server::RateLimits::unlimited();
        c.registry.limits.max_uncompressed_bytes = 16 << 20;
    })
    .await;
    let publisher = live.token("acme", Role::Publisher).await;
    for (i, (name, archive)) in hostile_archives().into_iter().enumerate() {
        let target = format!("/v1/modules/acme/hostile/null/1.0.{i}");
        let a = raw(&live, "PUT", &target, Some(&publisher), &archive).await;
        assert_clear_refusal(&format!("archive {name}"), &a);
    }
    nothing_stored(&live).await;
    still_serving(&live).await;
}

/// Every operation of the OpenAPI description, with its path filled in.
async fn operations(live: &Live) -> Vec<(String, String)> {
    let spec: serde_json::Value = live
        .http
        .get(live.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let filled = path
            .replace("{ns}", "acme")
            .replace("{namespace}", "acme")
            .replace("{name}", "m")
            .replace("{system}", "null")
            .replace("{version}", "1.0.0")
            .replace("{archive}", "archive.tar.gz")
            .replace("{host}", "registry.terraform.io")
            .replace("{id}", "0123456789ab");
        let filled = regex_free_params(&filled);
        for method in item.as_object().unwrap().keys() {
            if ["get", "put", "post", "delete", "patch", "head"].contains(&method.as_str()) {
                out.push((method.to_ascii_uppercase(), filled.clone()));
            }
        }
    }
    assert!(out.len() >= 30, "only {} operations described", out.len());
    out
}

/// Any `{param}` left becomes `x`.
fn regex_free_params(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push('x');
            }
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// Routes every client may call without a token, even under --require-auth.
fn open_route(path: &str) -> bool {
    [
        "/healthz",
        "/readyz",
        "/.well-known/terraform.json",
        "/openapi.json",
    ]
    .contains(&path)
}

#[tokio::test]
async fn every_auth_failure_on_every_route_is_refused() {
    let live = live(|c| {
        c.registry.require_auth = true;
        c.rate_limits = registry_server::RateLimits::unlimited();
    })
    .await;
    let store = live.server.opened.storage.metadata.as_token_store();
    let now = chrono::Utc::now();
    let mint = |ns: &str, role: Role, expires: Option<chrono::DateTime<chrono::Utc>>| {
        let store = store.clone();
        let req = TokenRequest {
            namespace: ns.into(),
            role,
            description: None,
            expires_at: expires,
            also: Vec::new(),
        };
        async move {
            store
                .create(&req, now - chrono::Duration::hours(2))
                .await
                .unwrap()
        }
    };
    let expired = mint("*", Role::Admin, Some(now - chrono::Duration::hours(1)))
        .await
        .secret;
    let revoked = mint("*", Role::Admin, None).await;
    store.revoke(&revoked.info.id, now).await.unwrap();
    let other = mint("other", Role::Admin, None).await.secret;
    let tampered = {
        let mut s = mint("*", Role::Admin, None).await.secret;
        let last = s.pop().unwrap();
        s.push(if last == 'A' { 'B' } else { 'A' });
        s
    };
    let malformed = "rgt_".to_string();
    let bad: Vec<(&str, Option<&str>)> = vec![
        ("missing", None),
        ("malformed", Some(malformed.as_str())),
        ("expired", Some(expired.as_str())),
        ("revoked", Some(revoked.secret.as_str())),
        ("tampered", Some(tampered.as_str())),
    ];
    for (method, path) in operations(&live).await {
        if open_route(&path) {
            continue;
        }
        for (kind, token) in &bad {
            let a = raw(&live, &method, &path, *token, b"").await;
            let what = format!("{method} {path} with a {kind} token");
            if method == "HEAD" {
                assert_eq!(a.status, 401, "{what}");
                continue;
            }
            // 401, or 400 where the empty request is malformed before
            // anyone's rights matter (a required query parameter missing).
            assert!(
                a.status == 401 || a.status == 400,
                "{what}: {} {}",
                a.status,
                String::from_utf8_lossy(&a.body)
            );
            assert_clear_refusal(&what, &a);
        }
        // A token of another namespace reads and changes nothing of acme's.
        if path.contains("/acme") && !path.ends_with("/acme") {
            let a = raw(&live, &method, &path, Some(&other), b"").await;
            let what = format!("{method} {path} with another namespace's token");
            assert!(
                matches!(a.status, 403 | 404) || (a.status == 400 && method != "GET"),
                "{what}: {} {}",
                a.status,
                String::from_utf8_lossy(&a.body)
            );
        }
    }
    // The tampered download grant.
    let a = raw(
        &live,
        "GET",
        "/v1/modules/acme/m/null/1.0.0/archive.tar.gz?grant=4102444800.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        None,
        b"",
    )
    .await;
    assert_eq!(a.status, 401);
    nothing_stored(&live).await;
    still_serving(&live).await;
}
