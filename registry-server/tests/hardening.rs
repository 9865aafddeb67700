//! What probing a running server from outside found (#12), each fixed:
//! refusals grow the audit log only within bounds, one client's bad tokens
//! lock out no valid token behind its address, forwarded addresses are
//! believed only from trusted proxies, and slow or silent connections are
//! closed.

mod common;

use std::time::{Duration, Instant};

use common::{Live, live};
use registry_core::{AuditQuery, Role};
use registry_server::{RateLimit, RateLimits};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn audit_records(live: &Live) -> Vec<registry_core::ChainedAuditEvent> {
    live.server
        .opened
        .audit
        .list(&AuditQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn refused_reads_grow_the_audit_log_only_within_bounds() {
    // Rate limits off, so the bound is the audit log's own.
    let live = live(|c| {
        c.registry.require_auth = true;
        c.rate_limits = RateLimits::unlimited();
    })
    .await;
    let url = live.url("/v1/modules/acme/vpc/aws/versions");
    let before = audit_records(&live).await.len();
    for _ in 0..500 {
        let r = live.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let added = audit_records(&live).await.len() - before;
    assert!(
        (1..=3).contains(&added),
        "500 refusals from one client added {added} audit records"
    );
}

#[tokio::test]
async fn anonymous_refusals_count_as_failed_authentications_of_the_address() {
    let live = live(|c| {
        c.registry.require_auth = true;
        c.rate_limits.auth_failures = RateLimit::new(5, Duration::from_secs(60));
    })
    .await;
    let reader = live.token("acme", Role::Reader).await;
    let url = live.url("/v1/modules/acme/vpc/aws/versions");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(live.http.get(&url).send().await.unwrap().status());
    }
    assert!(statuses.contains(&StatusCode::UNAUTHORIZED));
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let r = live
        .http
        .get(&url)
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_ne!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn bad_token_from(live: &Live, forwarded_for: &str) -> StatusCode {
    live.http
        .get(live.url("/v1/modules/acme"))
        .bearer_auth("rgt_wrong_guess")
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    let limit = |c: &mut registry_server::ServeConfig| {
        c.rate_limits.auth_failures = RateLimit::new(2, Duration::from_secs(60));
    };
    let proxied = live(|c| {
        limit(c);
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    for _ in 0..3 {
        bad_token_from(&proxied, "203.0.113.7").await;
    }
    assert_eq!(
        bad_token_from(&proxied, "203.0.113.7").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not blocked; a client
    // cannot pose as another by prepending to the header.
    assert_eq!(
        bad_token_from(&proxied, "198.51.100.1").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        bad_token_from(&proxied, "198.51.100.2, 203.0.113.7").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let addrs: Vec<Option<String>> = audit_records(&proxied)
        .await
        .into_iter()
        .map(|r| r.event.client_addr)
        .collect();
    assert!(addrs.contains(&Some("203.0.113.7".into())), "{addrs:?}");

    // Without a trusted proxy the header is the client's word: ignored.
    let direct = live(limit).await;
    for i in 0..3 {
        bad_token_from(&direct, &format!("192.0.2.{i}")).await;
    }
    assert_eq!(
        bad_token_from(&direct, "192.0.2.200").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

fn quick(c: &mut registry_server::ServeConfig) {
    c.connections.header_timeout = Duration::from_millis(600);
    c.connections.idle_timeout = Duration::from_millis(600);
    c.connections.body_timeout = Duration::from_millis(1500);
}

/// Read until the server closes the connection (or 10 s pass); what it sent.
async fn until_closed(s: &mut TcpStream) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while started.elapsed() < Duration::from_secs(10) {
        match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
    (started.elapsed(), got)
}

#[tokio::test]
async fn silent_and_trickling_connections_are_closed() {
    let live = live(quick).await;
    let addr = live.server.addr;

    // Silent: connects and sends nothing.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let (took, _) = until_closed(&mut silent).await;
    assert!(
        took < Duration::from_secs(5),
        "a silent connection stayed {took:?}"
    );

    // Trickling: a header line every 200 ms, never finishing the head.
    let mut trickle = TcpStream::connect(addr).await.unwrap();
    trickle
        .write_all(b"GET /v1/modules/acme HTTP/1.1\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut closed = false;
    for i in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if trickle
            .write_all(format!("x-slow-{i}: a\r\n").as_bytes())
            .await
            .is_err()
        {
            closed = true;
            break;
        }
    }
    let (_, _) = until_closed(&mut trickle).await;
    assert!(
        closed || started.elapsed() < Duration::from_secs(12),
        "a trickled head kept the connection"
    );
    assert!(started.elapsed() < Duration::from_secs(12));

    // Kept alive: one request answered, then nothing; closed after the
    // idle and header timeouts.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /v1/modules/acme HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let (took, got) = until_closed(&mut idle).await;
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    assert!(
        took < Duration::from_secs(5),
        "an idle connection stayed {took:?}"
    );

    // The server still serves.
    let r = live
        .http
        .get(live.url("/v1/modules/acme"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// HTTP/2 with prior knowledge: the preface and an empty SETTINGS frame.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

#[tokio::test]
async fn an_idle_http2_connection_is_closed_after_the_idle_and_header_timeouts() {
    let live = live(quick).await;
    // hyper's HTTP/2 has no idle timeout of its own (it answers pings
    // forever): an idle connection would hold its place indefinitely.
    let mut s = TcpStream::connect(live.server.addr).await.unwrap();
    s.write_all(H2_PREFACE).await.unwrap();
    let (took, got) = until_closed(&mut s).await;
    // The server spoke HTTP/2 (its SETTINGS frame: type 4), then closed.
    assert!(got.len() >= 9 && got[3] == 4, "{got:?}");
    assert!(
        took < Duration::from_secs(5),
        "an idle HTTP/2 connection stayed {took:?}"
    );
}

#[tokio::test]
async fn an_http2_connection_idle_after_its_requests_gives_its_place_back() {
    // One place: a connection left idle after a request must be closed
    // (after the idle and header timeouts) for the next client to get in.
    let live = live(|c| {
        quick(c);
        c.connections.max_connections = 1;
    })
    .await;
    let h2 = || {
        reqwest::Client::builder()
            .http2_prior_knowledge()
            .build()
            .unwrap()
    };
    let url = live.url("/v1/modules/acme");
    let first = h2();
    let r = first.get(&url).send().await.unwrap();
    assert_eq!(
        (r.status(), r.version()),
        (StatusCode::OK, reqwest::Version::HTTP_2)
    );
    // `first` keeps its connection open in its pool, saying nothing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let r = h2().get(&url).send().await;
    assert!(
        matches!(&r, Ok(r) if r.status() == StatusCode::OK),
        "the idle HTTP/2 connection still holds the only place: {r:?}"
    );
    drop(first);
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_is_refused_at_the_body_timeout() {
    let live = live(quick).await;
    let token = live.token("acme", Role::Publisher).await;
    let mut s = TcpStream::connect(live.server.addr).await.unwrap();
    let head = format!(
        "PUT /v1/modules/acme/slow/null/1.0.0 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\ncontent-type: application/octet-stream\r\ncontent-length: 1000\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (mut rd, mut wr) = s.into_split();
    let writer = tokio::spawn(async move {
        for _ in 0..1000 {
            if wr.write_all(b"\x1f").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), rd.read_to_end(&mut got)).await;
    writer.abort();
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("body timeout"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // Nothing was stored.
    let r = live
        .http
        .get(live.url("/v1/modules/acme/slow/null/versions"))
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    assert!(!body.contains("1.0.0"), "{body}");
}

#[tokio::test]
async fn connections_past_the_limit_are_closed_on_arrival() {
    let live = live(|c| c.connections.max_connections = 2).await;
    let addr = live.server.addr;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /v1/modules/acme HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"HTTP/1.1 200");
        held.push(s);
    }
    let mut third = TcpStream::connect(addr).await.unwrap();
    let _ = third
        .write_all(b"GET /v1/modules/acme HTTP/1.1\r\nhost: x\r\n\r\n")
        .await;
    let (took, got) = until_closed(&mut third).await;
    assert!(got.is_empty(), "the third connection was served");
    assert!(took < Duration::from_secs(2));
    drop(held);
    // Places come back as the server sees the closes: retry for a while.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = live.http.get(live.url("/v1/modules/acme")).send().await;
        match r {
            Ok(r) if r.status() == StatusCode::OK => break,
            r => assert!(Instant::now() < deadline, "places are given back: {r:?}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_reader_token_searches_every_namespace_it_reads() {
    let live = live(|_| {}).await;
    let reader = live.token("acme", Role::Reader).await;
    let url = live.url("/v1/modules/search?q=vpc");
    let anonymous = live.http.get(&url).send().await.unwrap().status();
    let with_token = live
        .http
        .get(&url)
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(anonymous, StatusCode::OK);
    assert_eq!(
        with_token,
        StatusCode::OK,
        "a reader token is refused search"
    );
}

async fn json_errors(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = r.text().await.unwrap();
    assert!(ct.starts_with("application/json"), "{status}: {ct} {body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["errors"].is_array(), "{body}");
    (status, v["errors"].to_string())
}

#[tokio::test]
async fn every_error_is_json_and_every_answer_carries_security_headers() {
    let live = live(|_| {}).await;
    let reader = live.token("acme", Role::Reader).await;
    // The router's 405 has no body of its own.
    let r = live
        .http
        .delete(live.url("/.well-known/terraform.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(json_errors(r).await.0, StatusCode::METHOD_NOT_ALLOWED);
    // A target past 8 KiB.
    let long = format!("/v1/modules/search?q={}", "a".repeat(9 * 1024));
    let r = live.http.get(live.url(&long)).send().await.unwrap();
    let (status, text) = json_errors(r).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    assert!(text.contains("8192"), "{text}");
    // Too many headers, and too many header bytes.
    let mut many = live.http.get(live.url("/v1/modules/acme"));
    for i in 0..150 {
        many = many.header(format!("x-h{i}"), "v");
    }
    let (status, _) = json_errors(many.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let r = live
        .http
        .get(live.url("/v1/modules/acme"))
        .header("x-big", "b".repeat(70 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_errors(r).await.0,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
    // Headers on answers.
    let r = live
        .http
        .get(live.url("/v1/modules/acme"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let r = live
        .http
        .get(live.url("/v1/modules/acme"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "private");
}

#[tokio::test]
async fn stored_text_has_limits_and_source_urls_a_safe_scheme() {
    let live = live(|_| {}).await;
    let token = live.token("acme", Role::Publisher).await;
    let archive = registry_core::testing::simple_module(&[]);
    let put = |query: String| {
        live.http
            .put(live.url(&format!("/v1/modules/acme/m/null/1.0.0{query}")))
            .bearer_auth(&token)
            .body(archive.clone())
            .send()
    };
    for (query, expect) in [
        ("?source=javascript:alert(1)".to_string(), "source URL"),
        (
            format!("?description={}", "d".repeat(5000)),
            "5000 characters",
        ),
    ] {
        let r = put(query).await.unwrap();
        let (status, text) = json_errors(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        assert!(text.contains(expect), "{text}");
    }
    let r = put("?source=https://github.com/acme/m".into())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = live
        .http
        .post(live.url("/v1/modules/acme/m/null/1.0.0/deprecate"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "reason": "r".repeat(100_000) }))
        .send()
        .await
        .unwrap();
    let (status, text) = json_errors(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("deprecation reason"), "{text}");
}

#[tokio::test]
async fn grants_live_as_long_as_configured() {
    let live = live(|c| {
        c.registry.require_auth = true;
        c.grant_ttl = Duration::from_secs(10);
    })
    .await;
    let token = live.token("acme", Role::Publisher).await;
    let archive = registry_core::testing::simple_module(&[]);
    let r = live
        .put_archive(&token, "/v1/modules/acme/m/null/1.0.0", archive)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let before = chrono::Utc::now().timestamp();
    let r = live
        .http
        .get(live.url("/v1/modules/acme/m/null/1.0.0/download"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let after = chrono::Utc::now().timestamp();
    let location = r.headers()["x-terraform-get"].to_str().unwrap().to_string();
    let expiry: i64 = location
        .split("grant=")
        .nth(1)
        .and_then(|g| g.split('.').next())
        .unwrap()
        .parse()
        .unwrap();
    // Signed between `before` and `after`, for 10 s.
    assert!(
        expiry - before >= 10 && expiry - after <= 10,
        "the grant expires at {expiry}, signed between {before} and {after}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_data_directory_is_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    let dir = data.clone();
    let live = live(move |c| c.registry.storage.data_dir = dir).await;
    let token = live.token("acme", Role::Publisher).await;
    let r = live
        .put_archive(
            &token,
            "/v1/modules/acme/m/null/1.0.0",
            registry_core::testing::simple_module(&[]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    for d in [data.clone(), data.join("blobs")] {
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is {mode:o}", d.display());
    }
}

#[tokio::test]
async fn a_publish_past_the_parse_budget_is_refused_at_once_and_stores_nothing() {
    let live = live(|_| {}).await;
    let token = live.token("acme", Role::Publisher).await;
    // Three 4 MiB files of tiny blocks: within every per-file limit, and
    // a few hundred KB compressed, but past the 8 MiB parse budget.
    let line = "locals {\n  v = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n}\n";
    let file = line.repeat(4 * 1024 * 1024 / line.len());
    let archive = (0..3)
        .fold(registry_core::testing::TarBuilder::new(), |b, i| {
            b.file(&format!("f{i}.tf"), file.as_str())
        })
        .finish();
    assert!(archive.len() < 1024 * 1024);
    let started = Instant::now();
    let r = live
        .put_archive(&token, "/v1/modules/acme/big/null/1.0.0", archive)
        .await;
    let (status, text) = json_errors(r).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    assert!(
        text.contains("the most parsed for one module version"),
        "{text}"
    );
    // Refused after the first module's worth of parsing, not after all of it.
    assert!(started.elapsed() < Duration::from_secs(30));
    let r = live
        .http
        .get(live.url("/v1/modules/acme/big/null/versions"))
        .send()
        .await
        .unwrap();
    assert!(!r.text().await.unwrap().contains("1.0.0"));
}

#[tokio::test]
async fn an_archive_grant_ends_with_the_token_that_asked_for_it() {
    let live = live(|c| c.registry.require_auth = true).await;
    let token = live.token("acme", Role::Publisher).await;
    let r = live
        .put_archive(
            &token,
            "/v1/modules/acme/m/null/1.0.0",
            registry_core::testing::simple_module(&[]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = live
        .http
        .get(live.url("/v1/modules/acme/m/null/1.0.0/download"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let location = r.headers()["x-terraform-get"].to_str().unwrap().to_string();
    let archive = live.url(&format!(
        "/v1/modules/acme/m/null/1.0.0/{}",
        location.trim_start_matches("./")
    ));
    // Terraform fetches the archive without its token: the grant is enough.
    let r = live.http.get(&archive).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let id = token.split('_').nth(1).unwrap();
    live.server
        .opened
        .storage
        .metadata
        .as_token_store()
        .revoke(id, chrono::Utc::now())
        .await
        .unwrap();
    let r = live.http.get(&archive).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "a revoked token's grant still reads"
    );
}
