//! The CLI against a local data directory and against a running server.

use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::Duration;

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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(data_dir: &str, port: u16, extra: &[&str]) -> Server {
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["serve", "--data-dir", data_dir, "--listen", &listen];
    args.extend_from_slice(extra);
    let child = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("registry serve did not start");
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

    let port = free_port();
    let _server = serve(d, port, &[]);
    let url = format!("http://127.0.0.1:{port}");
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
