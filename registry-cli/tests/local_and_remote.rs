//! The CLI against a local data directory and against a running server.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::Served;

fn registry(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_registry"));
    c.args(args);
    c.env_remove("REGISTRY_SERVER")
        .env_remove("REGISTRY_TOKEN")
        .env_remove("REGISTRY_DATA_DIR");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run registry")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn example(version: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/modules/greeting")
        .join(format!("v{version}"))
        .display()
        .to_string()
}

#[test]
fn local_publish_list_resolve_download_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(&registry(&["migrate", "--data-dir", d], &[]));
    let out = ok(&registry(
        &[
            "publish",
            "--data-dir",
            d,
            "example/greeting/null",
            "1.0.0",
            &example("1.0.0"),
        ],
        &[],
    ));
    assert!(
        out.starts_with("published example/greeting/null/1.0.0 sha256:"),
        "{out}"
    );
    ok(&registry(
        &[
            "publish",
            "--data-dir",
            d,
            "example/greeting/null",
            "1.1.0",
            &example("1.1.0"),
        ],
        &[],
    ));
    let again = registry(
        &[
            "publish",
            "--data-dir",
            d,
            "example/greeting/null",
            "1.1.0",
            &example("1.1.0"),
        ],
        &[],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("immutable"));

    assert_eq!(
        ok(&registry(
            &["versions", "--data-dir", d, "example/greeting/null"],
            &[]
        )),
        "1.0.0\n1.1.0\n"
    );
    assert_eq!(
        ok(&registry(
            &[
                "resolve",
                "--data-dir",
                d,
                "example/greeting/null",
                "--constraint",
                "~> 1.0"
            ],
            &[]
        )),
        "1.1.0\n"
    );
    let file = dir.path().join("m.tar.gz");
    let out = ok(&registry(
        &[
            "download",
            "--data-dir",
            d,
            "example/greeting/null",
            "1.0.0",
            "-o",
            file.to_str().unwrap(),
        ],
        &[],
    ));
    assert!(out.contains("sha256:"), "{out}");
    assert!(file.exists());

    ok(&registry(
        &[
            "yank",
            "--data-dir",
            d,
            "example/greeting/null",
            "1.1.0",
            "--reason",
            "bad",
        ],
        &[],
    ));
    assert_eq!(
        ok(&registry(
            &["versions", "--data-dir", d, "example/greeting/null"],
            &[]
        )),
        "1.0.0\n"
    );
    ok(&registry(
        &["unyank", "--data-dir", d, "example/greeting/null", "1.1.0"],
        &[],
    ));
    // Flags can also come from the environment.
    assert_eq!(
        ok(&registry(
            &["versions", "example/greeting/null", "--json"],
            &[("REGISTRY_DATA_DIR", d)]
        )),
        "[\"1.0.0\",\"1.1.0\"]\n"
    );

    let pack1 = dir.path().join("a.tgz");
    let pack2 = dir.path().join("b.tgz");
    ok(&registry(
        &["pack", &example("1.0.0"), "-o", pack1.to_str().unwrap()],
        &[],
    ));
    ok(&registry(
        &["pack", &example("1.0.0"), "-o", pack2.to_str().unwrap()],
        &[],
    ));
    assert_eq!(
        std::fs::read(&pack1).unwrap(),
        std::fs::read(&pack2).unwrap(),
        "packing is deterministic"
    );

    let report = ok(&registry(&["gc", "--data-dir", d, "--grace", "0s"], &[]));
    assert!(report.contains("scanned 2 blobs, removed 0"), "{report}");
}

/// `registry serve` on a port the system picks.
fn serve(data_dir: &str, extra: &[&str]) -> Served {
    Served::start(
        Command::new(env!("CARGO_BIN_EXE_registry"))
            .args(["serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"])
            .args(extra),
    )
}

#[test]
fn token_create_then_remote_publish_and_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let token = ok(&registry(
        &[
            "token",
            "create",
            "--data-dir",
            d,
            "--namespace",
            "example",
            "--role",
            "publisher",
            "--expires-in",
            "1h",
        ],
        &[],
    ));
    let token = token.trim_end().to_string();
    assert!(
        token.starts_with("rgt_") && !token.contains('\n'),
        "token alone on stdout: {token:?}"
    );
    let list = ok(&registry(&["token", "list", "--data-dir", d], &[]));
    assert!(list.contains("example\tpublisher\tactive"), "{list}");
    assert!(!list.contains(&token));

    let server = serve(d, &[]);
    let url = server.url.clone();
    let denied = registry(
        &[
            "publish",
            "--server",
            &url,
            "example/greeting/null",
            "1.0.0",
            &example("1.0.0"),
        ],
        &[],
    );
    assert_eq!(denied.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&denied.stderr).contains("token"),
        "{}",
        String::from_utf8_lossy(&denied.stderr)
    );
    ok(&registry(
        &[
            "publish",
            "--server",
            &url,
            "example/greeting/null",
            "1.0.0",
            &example("1.0.0"),
        ],
        &[("REGISTRY_TOKEN", &token)],
    ));
    ok(&registry(
        &[
            "publish",
            "--server",
            &url,
            "--token",
            &token,
            "example/greeting/null",
            "1.1.0",
            &example("1.1.0"),
        ],
        &[],
    ));
    assert_eq!(
        ok(&registry(
            &["versions", "--server", &url, "example/greeting/null"],
            &[]
        )),
        "1.0.0\n1.1.0\n"
    );
    assert_eq!(
        ok(&registry(
            &[
                "resolve",
                "--server",
                &url,
                "example/greeting/null",
                "--constraint",
                "< 1.1"
            ],
            &[]
        )),
        "1.0.0\n"
    );
    let file = dir.path().join("dl.tar.gz");
    ok(&registry(
        &[
            "download",
            "--server",
            &url,
            "example/greeting/null",
            "1.1.0",
            "-o",
            file.to_str().unwrap(),
        ],
        &[],
    ));
    let bad = registry(
        &[
            "publish",
            "--server",
            &url,
            "--token",
            &token,
            "other/x/null",
            "1.0.0",
            &example("1.0.0"),
        ],
        &[],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("lacks"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn signed_publishing_with_trusted_keys_and_a_required_policy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(&registry(&["migrate", "--data-dir", d], &[]));
    let key = dir.path().join("signing.key");
    let out = ok(&registry(&["keygen", "-o", key.to_str().unwrap()], &[]));
    let public = out.lines().last().unwrap().to_string();
    assert!(public.starts_with("RW"), "{out}");
    let pub_file = format!("{}.pub", key.display());
    ok(&registry(
        &[
            "keys",
            "add",
            "--data-dir",
            d,
            "--namespace",
            "example",
            "--public-key",
            &pub_file,
        ],
        &[],
    ));
    ok(&registry(
        &["keys", "require", "--data-dir", d, "--namespace", "example"],
        &[],
    ));
    assert!(ok(&registry(&["keys", "list", "--data-dir", d], &[])).contains(&public));

    let module = example("1.0.0");
    let unsigned = registry(
        &[
            "publish",
            "--data-dir",
            d,
            "example/greeting/null",
            "1.0.0",
            &module,
        ],
        &[],
    );
    assert_eq!(unsigned.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unsigned.stderr).contains("requires signed modules"));

    let sig = dir.path().join("m.minisig");
    ok(&registry(
        &[
            "sign",
            "--key",
            key.to_str().unwrap(),
            "example/greeting/null",
            "1.0.0",
            &module,
            "-o",
            sig.to_str().unwrap(),
        ],
        &[],
    ));
    let text = std::fs::read_to_string(&sig).unwrap();
    assert!(
        text.contains("trusted comment: timestamp:")
            && text.contains("module:example/greeting/null\tversion:1.0.0"),
        "{text}"
    );

    // The signature of 1.0.0 cannot be replayed onto 1.0.1.
    let replay = registry(
        &[
            "publish",
            "--data-dir",
            d,
            "--signature",
            sig.to_str().unwrap(),
            "example/greeting/null",
            "1.0.1",
            &module,
        ],
        &[],
    );
    assert_eq!(
        replay.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    ok(&registry(
        &[
            "publish",
            "--data-dir",
            d,
            "--signature",
            sig.to_str().unwrap(),
            "example/greeting/null",
            "1.0.0",
            &module,
        ],
        &[],
    ));

    // A key not trusted for the namespace is refused.
    let other = dir.path().join("other.key");
    ok(&registry(&["keygen", "-o", other.to_str().unwrap()], &[]));
    let sig2 = dir.path().join("o.minisig");
    ok(&registry(
        &[
            "sign",
            "--key",
            other.to_str().unwrap(),
            "example/greeting/null",
            "1.1.0",
            &example("1.1.0"),
            "-o",
            sig2.to_str().unwrap(),
        ],
        &[],
    ));
    let untrusted = registry(
        &[
            "publish",
            "--data-dir",
            d,
            "--signature",
            sig2.to_str().unwrap(),
            "example/greeting/null",
            "1.1.0",
            &example("1.1.0"),
        ],
        &[],
    );
    assert_eq!(untrusted.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&untrusted.stderr).contains("not trusted"));
}

#[test]
fn search_and_reindex_locally() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(&registry(&["migrate", "--data-dir", d], &[]));
    ok(&registry(
        &[
            "publish",
            "--data-dir",
            d,
            "example/greeting/null",
            "1.0.0",
            &example("1.0.0"),
        ],
        &[],
    ));
    let out = ok(&registry(&["search", "--data-dir", d, "greting"], &[]));
    assert!(out.starts_with("example/greeting/null/1.0.0\t"), "{out}");
    let out = ok(&registry(&["reindex", "--data-dir", d], &[]));
    assert_eq!(out, "indexed 1 module versions\n");
}

#[test]
fn audit_log_records_who_did_what_and_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let token = |ns: &str, role: &str| {
        ok(&registry(
            &[
                "token",
                "create",
                "--data-dir",
                d,
                "--namespace",
                ns,
                "--role",
                role,
            ],
            &[],
        ))
        .trim_end()
        .to_string()
    };
    let publisher = token("example", "publisher");
    let admin = token("*", "admin");
    ok(&registry(
        &[
            "publish",
            "--data-dir",
            d,
            "example/greeting/null",
            "1.0.0",
            &example("1.0.0"),
        ],
        &[],
    ));

    let server = serve(d, &[]);
    let url = server.url.clone();
    let publish = |tok: &str, v: &str| {
        registry(
            &[
                "publish",
                "--server",
                &url,
                "--token",
                tok,
                "example/greeting/null",
                v,
                &example(v),
            ],
            &[],
        )
    };
    ok(&publish(&publisher, "1.1.0"));
    assert_eq!(publish("rgt_forged_secret", "1.1.0").status.code(), Some(1));
    ok(&registry(
        &[
            "yank",
            "--server",
            &url,
            "--token",
            &publisher,
            "example/greeting/null",
            "1.0.0",
        ],
        &[],
    ));

    // Only admins read the log.
    let refused = registry(
        &["audit", "list", "--server", &url, "--token", &publisher],
        &[],
    );
    assert_eq!(refused.status.code(), Some(1));
    let listed = ok(&registry(
        &[
            "audit",
            "list",
            "--server",
            &url,
            "--token",
            &admin,
            "--json",
            "--namespace",
            "example",
        ],
        &[],
    ));
    let records: Vec<serde_json::Value> = listed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(String, String, String)> = records
        .iter()
        .map(|r| {
            let e = &r["event"];
            (
                e["action"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |action: &str, target: &str, outcome: &str| {
        summary
            .iter()
            .any(|(a, t, o)| a == action && t == target && o == outcome)
    };
    assert!(
        has("publish", "example/greeting/null/1.0.0", "success"),
        "{summary:?}"
    );
    assert!(
        has("publish", "example/greeting/null/1.1.0", "success"),
        "{summary:?}"
    );
    assert!(
        has("yank", "example/greeting/null/1.0.0", "success"),
        "{summary:?}"
    );
    let publisher_id = publisher.split('_').nth(1).unwrap();
    assert!(
        records
            .iter()
            .any(|r| r["event"]["actor"].as_str().unwrap().contains(publisher_id)),
        "records name the token that acted: {listed}"
    );
    assert!(!listed.contains(&publisher), "no secret in the log");
    let verified = ok(&registry(
        &["audit", "verify", "--server", &url, "--token", &admin],
        &[],
    ));
    assert!(verified.contains("intact"), "{verified}");
    drop(server);

    // Edit a record behind the registry's back: verify names it and fails.
    let db = dir.path().join("registry.db");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
                .await
                .unwrap();
            let n = sqlx::query("UPDATE audit_events SET outcome = 'failed' WHERE action = 'yank'")
                .execute(&pool)
                .await
                .unwrap()
                .rows_affected();
            assert_eq!(n, 1);
        });
    let broken = registry(&["audit", "verify", "--data-dir", d], &[]);
    assert_eq!(broken.status.code(), Some(1));
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(
        err.contains("broken at record") && err.contains("changed"),
        "{err}"
    );
}
