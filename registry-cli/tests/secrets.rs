//! Secrets hygiene: a full run (token creation, serving with every kind of
//! secret configured, publishes with good and forged tokens, authenticated
//! reads and downloads through signed grants, the audit log, metrics, and
//! failures with secrets in the configuration) at debug log level, then a
//! search of everything it printed for every secret it used.
//!
//! Runs on PostgreSQL (a password in its URL) and S3 (a secret key in the
//! blob URL), so it needs `REGISTRY_TEST_POSTGRES_URL` and
//! `REGISTRY_TEST_S3_URL` (see scripts/services.sh, scripts/emulators.sh).
#![cfg(all(feature = "postgres", feature = "s3"))]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::Served;

use base64::Engine;

const DB_PASSWORD: &str = "DbPw_q8Zr2KxLm";
const S3_SECRET: &str = "S3Secret_Vb7nQ2wErT9yUi";
const S3_KEY_ID: &str = "AKIAHYGIENE7Q2W";
const GRANT_KEY: &str = "GrantKey_hygiene_0123456789abcdefghijkl";
const ENCRYPTION_KEY_BYTES: &[u8; 32] = b"hygiene-test-master-key-32bytes!";
const FORGED_TOKEN: &str = "rgt_forgedid_ForgedSecret9x8y7z6w";

/// `postgres://user@host/db` with a password added (the machine trusts
/// local connections, so any password is accepted, but it is sent).
fn with_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres URL");
    let (auth, host) = match rest.split_once('@') {
        Some((auth, host)) => (auth.split(':').next().unwrap_or("postgres"), host),
        None => ("postgres", rest),
    };
    format!("{scheme}://{auth}:{DB_PASSWORD}@{host}")
}

struct Run {
    /// Everything captured: (what, text).
    outputs: Vec<(String, String)>,
    env: Vec<(String, String)>,
}

impl Run {
    fn registry(&mut self, what: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_registry"));
        c.args(args)
            .env_remove("REGISTRY_SERVER")
            .env_remove("REGISTRY_TOKEN")
            .env("REGISTRY_LOG", "debug");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        for (k, v) in extra_env {
            c.env(k, v);
        }
        let out = c.output().expect("run registry");
        self.outputs.push((
            format!("{what} (stderr)"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
        out
    }

    /// Keep stdout too (everything but the one place a token is shown by design).
    fn keep_stdout(&mut self, what: &str, out: &Output) -> String {
        let s = String::from_utf8_lossy(&out.stdout).into_owned();
        self.outputs.push((format!("{what} (stdout)"), s.clone()));
        s
    }
}

fn must(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: exit {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn secret_part(token: &str) -> String {
    let part = token.splitn(3, '_').nth(2).expect("rgt_<id>_<random>");
    assert!(part.len() >= 16, "{token}");
    part.to_string()
}

fn http_get(port: u16, path: &str, token: Option<&str>) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

#[test]
fn no_secret_reaches_logs_errors_metrics_or_debug_output() {
    let Some(pg) =
        registry_testkit::env::service_url("REGISTRY_TEST_POSTGRES_URL", "secrets hygiene")
    else {
        return;
    };
    let Some(s3) = registry_testkit::env::service_url("REGISTRY_TEST_S3_URL", "secrets hygiene")
    else {
        return;
    };
    let schema = registry_testkit::env::unique_name("hygiene");
    let db_url = with_password(&pg);
    let (s3_base, s3_query) = s3.split_once('?').expect("S3 URL with options");
    let (bucket_url, _) = s3_base.rsplit_once('/').expect("s3://bucket/prefix");
    let blob_url = format!(
        "{bucket_url}/{schema}?{s3_query}&access_key_id={S3_KEY_ID}&secret_access_key={S3_SECRET}"
    );
    let encryption_key = base64::engine::general_purpose::STANDARD.encode(ENCRYPTION_KEY_BYTES);
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap().to_string();
    let mut run = Run {
        outputs: Vec::new(),
        env: vec![
            ("REGISTRY_DATA_DIR".into(), data_dir.clone()),
            ("REGISTRY_DATABASE_URL".into(), db_url.clone()),
            ("REGISTRY_DATABASE_SCHEMA".into(), schema.clone()),
            ("REGISTRY_BLOB_URL".into(), blob_url.clone()),
            ("REGISTRY_ENCRYPTION_KEYS".into(), encryption_key.clone()),
            ("REGISTRY_GRANT_KEY".into(), GRANT_KEY.into()),
        ],
    };

    // Tokens, created locally (their one display on stdout is by design).
    let token = |run: &mut Run, ns: &str, role: &str| {
        let out = run.registry(
            "token create",
            &["token", "create", "--namespace", ns, "--role", role],
            &[],
        );
        must(&out, "token create").trim().to_string()
    };
    let publisher = token(&mut run, "hyg", "publisher");
    let admin = token(&mut run, "*", "admin");
    let out = run.registry("token list", &["token", "list"], &[]);
    must(&out, "token list");
    run.keep_stdout("token list", &out);

    // Serve with reads requiring a token, so downloads go through grants.
    let mut serve = Command::new(env!("CARGO_BIN_EXE_registry"));
    serve
        .args(["serve", "--listen", "127.0.0.1:0", "--require-auth"])
        .env("REGISTRY_LOG", "debug");
    for (k, v) in &run.env {
        serve.env(k, v);
    }
    let server = Served::start(&mut serve);
    let (url, port) = (server.url.clone(), server.port());
    let module = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/modules/greeting/v1.0.0")
        .display()
        .to_string();

    let out = run.registry(
        "publish",
        &[
            "publish",
            "--server",
            &url,
            "hyg/greeting/null",
            "1.0.0",
            &module,
        ],
        &[("REGISTRY_TOKEN", &publisher)],
    );
    must(&out, "publish");
    run.keep_stdout("publish", &out);
    let out = run.registry(
        "forged publish",
        &[
            "publish",
            "--server",
            &url,
            "hyg/greeting/null",
            "1.1.0",
            &module,
        ],
        &[("REGISTRY_TOKEN", FORGED_TOKEN)],
    );
    assert!(!out.status.success(), "a forged token is refused");
    run.keep_stdout("forged publish", &out);
    let out = run.registry(
        "versions",
        &["versions", "--server", &url, "hyg/greeting/null"],
        &[("REGISTRY_TOKEN", &publisher)],
    );
    assert!(must(&out, "versions").contains("1.0.0"));
    run.keep_stdout("versions", &out);
    let dest = dir.path().join("download");
    let out = run.registry(
        "download",
        &[
            "download",
            "--server",
            &url,
            "hyg/greeting/null",
            "1.0.0",
            "--output",
            dest.to_str().unwrap(),
        ],
        &[("REGISTRY_TOKEN", &publisher)],
    );
    must(&out, "download");
    run.keep_stdout("download", &out);
    let out = run.registry(
        "audit list",
        &["audit", "list", "--server", &url, "--json"],
        &[("REGISTRY_TOKEN", &admin)],
    );
    let audit = must(&out, "audit list");
    assert!(audit.contains("publish"), "{audit}");
    run.keep_stdout("audit list", &out);
    let metrics = http_get(port, "/metrics", Some(&admin));
    assert!(metrics.contains("registry_"), "{metrics}");
    run.outputs.push(("metrics".into(), metrics));
    for path in [
        "/v1/modules/hyg/greeting/null/versions",
        "/v1/modules/hyg/greeting/null/1.0.0/download",
    ] {
        let answer = http_get(port, path, Some(FORGED_TOKEN));
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
        run.outputs.push((format!("GET {path}"), answer));
    }

    // Failures with secrets in the configuration.
    let unreachable_db = with_password("postgres://postgres@127.0.0.1:1/test");
    let out = run.registry(
        "migrate, database down",
        &["migrate", "--database-url", &unreachable_db],
        &[],
    );
    assert!(!out.status.success());
    let bad_blob = format!("{bucket_url}/x?no_such_option=1&secret_access_key={S3_SECRET}");
    let out = run.registry(
        "serve, bad blob URL",
        &["serve", "--listen", "127.0.0.1:0", "--blob-url", &bad_blob],
        &[],
    );
    assert!(!out.status.success());
    let out = run.registry(
        "versions, bad encryption key",
        &["versions", "hyg/greeting/null"],
        &[("REGISTRY_ENCRYPTION_KEYS", "bm90LWEta2V5")],
    );
    assert!(!out.status.success());

    let server_log = server.stop();
    assert!(
        server_log.lines().count() > 3 && server_log.contains("DEBUG"),
        "the server logged at debug level: {server_log}"
    );
    run.outputs.push(("server log".into(), server_log));

    // Debug output of the configuration types.
    let mut config = registry_server::ServeConfig {
        grant_key: Some(GRANT_KEY.to_string().into()),
        ..Default::default()
    };
    config.registry.storage.database_url = Some(db_url.clone());
    config.registry.storage.blob_url = Some(blob_url.clone());
    config.registry.storage.encryption_keys = Some(encryption_key.clone());
    run.outputs.push((
        "ServeConfig Debug".into(),
        format!("{config:?} {config:#?}"),
    ));

    let secrets = [
        DB_PASSWORD.to_string(),
        S3_SECRET.to_string(),
        S3_KEY_ID.to_string(),
        GRANT_KEY.to_string(),
        encryption_key,
        // The secret part of each token (`rgt_<id>_<random>`; the id is
        // public, the random part may itself contain `_`).
        secret_part(&publisher),
        secret_part(&admin),
        secret_part(FORGED_TOKEN),
    ];
    let mut leaks = Vec::new();
    for (what, text) in &run.outputs {
        for s in &secrets {
            if text.contains(s.as_str()) {
                leaks.push(format!("{what} contains {s:?}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "secrets leaked:\n{}\n\n{}",
        leaks.join("\n"),
        run.outputs
            .iter()
            .map(|(w, t)| format!("== {w}\n{t}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // And the run did exercise what it claims: the failures said why.
    let all: String = run.outputs.iter().map(|(_, t)| t.as_str()).collect();
    for expected in ["unknown blob URL option", "401"] {
        assert!(all.contains(expected), "no {expected:?} in the outputs");
    }
}
