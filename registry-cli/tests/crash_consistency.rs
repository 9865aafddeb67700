//! Crash consistency (#12, faults): `registry serve` is killed with SIGKILL
//! at a random moment while publishes race each other, and restarted, a
//! few times over. Afterwards every version a publish was told was stored
//! is listed, every listed version downloads with exactly the bytes its
//! publisher sent, no half-published version is visible, and `registry gc`
//! collects what the crashes left behind without touching what is listed.
//! On the embedded default (SQLite + folder) always, and on PostgreSQL + S3
//! when their test services are configured.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

mod common;
use common::Served;

/// Where the registry keeps its data, as `registry` flags.
struct Backend {
    name: &'static str,
    args: Vec<String>,
}

fn registry(backend: &Backend, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(args)
        .args(&backend.args)
        .env_remove("REGISTRY_SERVER")
        .env_remove("REGISTRY_TOKEN")
        .output()
        .unwrap()
}

/// Start `registry serve` on a port the system picks, and its base URL.
fn serve(backend: &Backend) -> (Served, String) {
    let server = Served::start(
        Command::new(env!("CARGO_BIN_EXE_registry"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--rate-limit-writes", "off"])
            .args(&backend.args),
    );
    let base = server.url.clone();
    (server, base)
}

/// A distinct small module per version, so every archive's bytes differ.
fn archive(version: &str) -> Vec<u8> {
    registry_core::testing::TarBuilder::new()
        .file(
            "main.tf",
            format!("variable \"v\" {{\n  type    = string\n  default = \"{version}\"\n}}\n"),
        )
        .file(
            "README.md",
            format!("# crash {version}\n\nVersion {version}.\n"),
        )
        .file("blob.bin", version.repeat(20_000))
        .finish()
}

fn sha256(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

async fn listed(http: &reqwest::Client, base: &str) -> Vec<String> {
    let v: serde_json::Value = http
        .get(format!("{base}/v1/modules/acme/crash/null/versions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["modules"][0]["versions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["version"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

async fn download(http: &reqwest::Client, base: &str, version: &str) -> Vec<u8> {
    let url = format!("{base}/v1/modules/acme/crash/null/{version}");
    let r = http.get(format!("{url}/download")).send().await.unwrap();
    assert_eq!(r.status(), 204, "{version}: /download");
    let loc = r.headers()["x-terraform-get"].to_str().unwrap().to_string();
    let r = http
        .get(format!("{url}/{}", loc.trim_start_matches("./")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "{version}: the archive of a listed version"
    );
    r.bytes().await.unwrap().to_vec()
}

async fn crash_rounds(backend: Backend) {
    let out = registry(
        &backend,
        &[
            "token",
            "create",
            "--namespace",
            "acme",
            "--role",
            "publisher",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let http = reqwest::Client::new();
    let sent: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    for round in 0..4u32 {
        let (server, base) = serve(&backend);
        let acked_before = acknowledged.lock().unwrap().len();
        let mut publishers = Vec::new();
        for worker in 0..6u32 {
            let (http, base, token) = (http.clone(), base.clone(), token.clone());
            let (sent, acknowledged) = (sent.clone(), acknowledged.clone());
            publishers.push(tokio::spawn(async move {
                for i in 0.. {
                    let version = format!("{round}.{worker}.{i}");
                    let body = archive(&version);
                    sent.lock().unwrap().insert(version.clone(), sha256(&body));
                    let r = http
                        .put(format!("{base}/v1/modules/acme/crash/null/{version}"))
                        .bearer_auth(&token)
                        .body(body)
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status() == 201 => acknowledged.lock().unwrap().push(version),
                        // Overloaded: not acknowledged, so nothing is promised.
                        Ok(r) if r.status() == 503 => {}
                        Ok(r) => {
                            let status = r.status();
                            let body = r.text().await.unwrap_or_default();
                            panic!("{version}: {status} {body}")
                        }
                        Err(_) => return, // the server died
                    }
                }
            }));
        }
        // Kill somewhere in the middle of the publishes, once at least one
        // of this round's got through (a slow machine may take a while).
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while acknowledged.lock().unwrap().len() == acked_before {
            assert!(
                std::time::Instant::now() < deadline,
                "{}: no publish acknowledged in round {round}",
                backend.name
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let wait = (round as u64 * 97 + std::process::id() as u64) % 400;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        server.stop(); // SIGKILL
        for p in publishers {
            p.await.unwrap();
        }
    }
    // After the last crash: what is listed is whole, what was acknowledged is listed.
    let (server, base) = serve(&backend);
    let versions = listed(&http, &base).await;
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        acked.len() >= 4,
        "{}: too few publishes got through ({})",
        backend.name,
        acked.len()
    );
    for v in &acked {
        assert!(
            versions.contains(v),
            "{}: {v} was acknowledged, then lost",
            backend.name
        );
    }
    let sent = sent.lock().unwrap().clone();
    for v in &versions {
        let bytes = download(&http, &base, v).await;
        assert_eq!(
            sha256(&bytes),
            sent[v],
            "{}: {v} is listed but its archive is not what was published",
            backend.name
        );
    }
    server.stop();
    // Orphans (blobs of publishes cut short) are collected; listed ones stay.
    let out = registry(&backend, &["gc", "--grace", "0s"]);
    assert!(
        out.status.success(),
        "gc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (server, base) = serve(&backend);
    assert_eq!(listed(&http, &base).await, versions);
    for v in &versions {
        assert_eq!(
            sha256(&download(&http, &base, v).await),
            sent[v],
            "{v} after gc"
        );
    }
    server.stop();
    eprintln!(
        "{}: {} acknowledged, {} listed after 4 crashes; gc: {}",
        backend.name,
        acked.len(),
        versions.len(),
        String::from_utf8_lossy(&out.stdout).trim()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_publishes_on_sqlite_and_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    crash_rounds(Backend {
        name: "sqlite + folder",
        args: vec!["--data-dir".into(), dir.path().to_str().unwrap().into()],
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_publishes_on_postgres_and_s3() {
    let Some(pg) =
        registry_testkit::env::service_url("REGISTRY_TEST_POSTGRES_URL", "crash consistency")
    else {
        return;
    };
    let Some(s3) = registry_testkit::env::service_url("REGISTRY_TEST_S3_URL", "crash consistency")
    else {
        return;
    };
    let schema = registry_testkit::env::unique_name("crash");
    let (s3_base, s3_query) = s3.split_once('?').expect("S3 URL with options");
    let (bucket_url, _) = s3_base.rsplit_once('/').expect("s3://bucket/prefix");
    let dir = tempfile::tempdir().unwrap();
    crash_rounds(Backend {
        name: "postgres + s3",
        args: vec![
            "--data-dir".into(),
            dir.path().to_str().unwrap().into(),
            "--database-url".into(),
            pg,
            "--database-schema".into(),
            schema.clone(),
            "--blob-url".into(),
            format!("{bucket_url}/{schema}?{s3_query}"),
        ],
    })
    .await;
}
