//! Defects found by following the README to the letter, each pinned by
//! the command a user ran.

use std::process::{Command, Output};

mod common;
use common::Served;

fn registry(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(args)
        .env_remove("REGISTRY_SERVER")
        .env_remove("REGISTRY_TOKEN")
        .env_remove("REGISTRY_DATA_DIR")
        .output()
        .expect("run registry")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn token_revoke_never_prints_a_secret_back() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    let created = registry(&[
        "token",
        "create",
        "--data-dir",
        d,
        "--namespace",
        "acme",
        "--role",
        "reader",
    ]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let secret = text(&created.stdout).trim().to_string();
    let (id, random) = secret
        .strip_prefix("rgt_")
        .and_then(|r| r.split_once('_'))
        .expect("rgt_<id>_<random>");
    // A wrong secret: the error names the id part only.
    let wrong = format!("rgt_{id}x_{random}");
    let out = registry(&["token", "revoke", "--data-dir", d, &wrong]);
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        !all.contains(random),
        "the secret's random part was printed: {all}"
    );
    assert!(all.contains(&format!("{id}x")), "{all}");
    // The whole secret revokes its token.
    let out = registry(&["token", "revoke", "--data-dir", d, &secret]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(random), "{all}");
    assert!(all.contains(&format!("revoked {id}")), "{all}");
}

#[test]
fn a_key_trusted_twice_says_so_and_its_expiry_can_change() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data");
    let d = d.to_str().unwrap();
    assert!(registry(&["migrate", "--data-dir", d]).status.success());
    let key = tmp.path().join("signing.key");
    let key = key.to_str().unwrap();
    let keygen = registry(&["keygen", "-o", key]);
    assert!(keygen.status.success());
    let public = format!("{key}.pub");
    let add = [
        "keys",
        "add",
        "--data-dir",
        d,
        "--namespace",
        "acme",
        "--public-key",
        &public,
    ];
    assert!(registry(&add).status.success());
    let again = registry(&add);
    assert_eq!(again.status.code(), Some(1));
    let err = text(&again.stderr);
    assert!(
        err.contains("already trusted") && err.contains("registry keys expire"),
        "{err}"
    );
    assert!(!err.to_lowercase().contains("unique constraint"), "{err}");
    let list = text(&registry(&["keys", "list", "--data-dir", d]).stdout);
    let key_id = list.split('\t').nth(1).expect("a listed key").to_string();
    assert!(list.contains("expires never"), "{list}");
    let out = registry(&[
        "keys",
        "expire",
        "--data-dir",
        d,
        "--namespace",
        "acme",
        &key_id,
        "--in",
        "30d",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = text(&registry(&["keys", "list", "--data-dir", d]).stdout);
    assert!(!list.contains("expires never"), "{list}");
    let out = registry(&[
        "keys",
        "expire",
        "--data-dir",
        d,
        "--namespace",
        "acme",
        &key_id,
        "--never",
    ]);
    assert!(out.status.success());
    assert!(text(&registry(&["keys", "list", "--data-dir", d]).stdout).contains("expires never"));
    let missing = registry(&[
        "keys",
        "expire",
        "--data-dir",
        d,
        "--namespace",
        "acme",
        "0000000000000000",
        "--never",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("not trusted"));
}

#[test]
fn a_data_dir_typo_is_named_instead_of_making_an_empty_registry() {
    let tmp = tempfile::tempdir().unwrap();
    let typo = tmp.path().join("dta");
    let t = typo.to_str().unwrap();
    let key = tmp.path().join("k.key");
    assert!(
        registry(&["keygen", "-o", key.to_str().unwrap()])
            .status
            .success()
    );
    let public = format!("{}.pub", key.display());
    let module = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/modules/greeting/v1.0.0"
    );
    for cmd in [
        vec!["publish", "acme/x/null", "1.0.0", module],
        vec![
            "keys",
            "add",
            "--namespace",
            "acme",
            "--public-key",
            public.as_str(),
        ],
        vec!["versions", "acme/x/null"],
        vec!["search", "x"],
        vec!["keys", "list"],
        vec!["token", "list"],
        vec!["show", "acme/x/null", "1.0.0"],
    ] {
        let mut args = cmd.clone();
        args.extend(["--data-dir", t]);
        let out = registry(&args);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        assert!(
            text(&out.stderr).contains("no registry in"),
            "{cmd:?}: {}",
            text(&out.stderr)
        );
        assert!(!typo.exists(), "{cmd:?} created {t}");
    }
    // Creating commands still create; a missing module is then not found.
    let out = registry(&[
        "token",
        "create",
        "--data-dir",
        t,
        "--namespace",
        "acme",
        "--role",
        "reader",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = registry(&["versions", "acme/nothere/null", "--data-dir", t]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not found"),
        "{}",
        text(&out.stderr)
    );
}

/// Start `registry serve` with `env` and `args`; the status of an anonymous
/// read of a missing module (401 when reads need a token, else 404).
fn anonymous_read_status(env: &[(&str, &str)], args: &[&str]) -> u16 {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_registry"));
    c.args([
        "serve",
        "--data-dir",
        tmp.path().to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ])
    .args(args)
    .env_remove("REGISTRY_REQUIRE_AUTH");
    for (k, v) in env {
        c.env(k, v);
    }
    let server = Served::start(&mut c);
    http_status(server.port(), "/v1/modules/acme/x/null/versions")
}

#[test]
fn booleans_take_flags_over_environment_over_file_both_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("registry.toml");
    std::fs::write(&file, "require_auth = true\n").unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(anonymous_read_status(&[], &["--config", f]), 401);
    assert_eq!(
        anonymous_read_status(&[("REGISTRY_REQUIRE_AUTH", "false")], &["--config", f]),
        404
    );
    assert_eq!(
        anonymous_read_status(&[("REGISTRY_REQUIRE_AUTH", "0")], &["--config", f]),
        404
    );
    assert_eq!(
        anonymous_read_status(&[("REGISTRY_REQUIRE_AUTH", "1")], &[]),
        401
    );
    assert_eq!(
        anonymous_read_status(&[("REGISTRY_REQUIRE_AUTH", "yes")], &[]),
        401
    );
    assert_eq!(
        anonymous_read_status(
            &[("REGISTRY_REQUIRE_AUTH", "true")],
            &["--require-auth=false"]
        ),
        404
    );
    assert_eq!(anonymous_read_status(&[], &["--require-auth"]), 401);
}

#[test]
fn file_errors_name_the_file_and_what_it_should_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let raw = tmp.path().join("raw.key");
    std::fs::write(&raw, [0xffu8, 0xfe, 0x00, 0x80].repeat(16)).unwrap();
    let serve = registry(&[
        "serve",
        "--data-dir",
        &format!("{dir}/d"),
        "--listen",
        "127.0.0.1:0",
        "--grant-key-file",
        raw.to_str().unwrap(),
    ]);
    assert_eq!(serve.status.code(), Some(2));
    let err = text(&serve.stderr);
    assert!(
        err.contains(raw.to_str().unwrap()) && err.contains("base64"),
        "{err}"
    );

    let key = format!("{dir}/signing.key");
    assert!(registry(&["keygen", "-o", &key]).status.success());
    let module = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/modules/greeting/v1.0.0"
    );
    let into_dir = registry(&[
        "sign",
        "--key",
        &key,
        "example/greeting/null",
        "1.0.0",
        module,
        "-o",
        dir,
    ]);
    assert_eq!(into_dir.status.code(), Some(2));
    assert!(
        text(&into_dir.stderr).contains(&format!("cannot write {dir}")),
        "{}",
        text(&into_dir.stderr)
    );
    let missing = registry(&[
        "sign",
        "--key",
        &key,
        "example/greeting/null",
        "1.0.0",
        &format!("{dir}/nothing.tgz"),
    ]);
    assert!(
        text(&missing.stderr).contains("nothing.tgz"),
        "{}",
        text(&missing.stderr)
    );

    // A truncated archive, signed and published, is named.
    let cut = format!("{dir}/cut.tgz");
    let bytes = registry_core::pack_dir(std::path::Path::new(module)).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let signed = registry(&[
        "sign",
        "--key",
        &key,
        "example/greeting/null",
        "1.0.0",
        &cut,
    ]);
    assert_eq!(signed.status.code(), Some(2));
    assert!(
        text(&signed.stderr).contains("cut.tgz"),
        "{}",
        text(&signed.stderr)
    );
    let data = format!("{dir}/data");
    assert!(registry(&["migrate", "--data-dir", &data]).status.success());
    let published = registry(&[
        "publish",
        "example/greeting/null",
        "1.0.0",
        &cut,
        "--data-dir",
        &data,
    ]);
    assert!(!published.status.success());
    assert!(
        text(&published.stderr).contains("cut.tgz"),
        "{}",
        text(&published.stderr)
    );

    // The public half given as the secret key says which it is.
    let public = registry(&[
        "sign",
        "--key",
        &format!("{key}.pub"),
        "example/greeting/null",
        "1.0.0",
        module,
    ]);
    assert_eq!(public.status.code(), Some(2));
    let err = text(&public.stderr);
    assert!(
        err.contains(&format!(
            "--key {key}.pub is not an unencrypted minisign secret key"
        )),
        "{err}"
    );

    // download -o into a directory names it.
    assert!(
        registry(&[
            "publish",
            "example/greeting/null",
            "1.0.0",
            module,
            "--data-dir",
            &data
        ])
        .status
        .success()
    );
    let into = registry(&[
        "download",
        "example/greeting/null",
        "1.0.0",
        "-o",
        dir,
        "--data-dir",
        &data,
    ]);
    assert!(!into.status.success());
    assert!(
        text(&into.stderr).contains(&format!("cannot write {dir}")),
        "{}",
        text(&into.stderr)
    );
}

#[test]
fn migrate_reports_its_schema_and_refuses_no_migrate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let dir = dir.to_str().unwrap();
    let out = registry(&["migrate", "--data-dir", dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("schema at migration 2026"), "{said}");
    assert!(!said.contains("Some("), "{said}");
    let refused = registry(&["migrate", "--no-migrate", "--data-dir", dir]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
}

#[test]
fn resolve_versions_refuses_an_address_or_a_server_but_not_an_exported_one() {
    let with_address = registry(&[
        "resolve",
        "--constraint",
        "~> 1.0",
        "--versions",
        "1.0.0,1.1.0",
        "acme/x/null",
    ]);
    assert_eq!(with_address.status.code(), Some(2));
    assert!(with_address.stdout.is_empty());
    assert!(text(&with_address.stderr).contains("takes no module address or --server"));
    let with_server = registry(&[
        "resolve",
        "--constraint",
        "~> 1.0",
        "--versions",
        "1.0.0,1.1.0",
        "--server",
        "https://127.0.0.1:9",
    ]);
    assert_eq!(with_server.status.code(), Some(2));
    assert!(with_server.stdout.is_empty());
    let exported = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args([
            "resolve",
            "--constraint",
            "~> 1.0",
            "--versions",
            "1.0.0,1.1.0",
        ])
        .env("REGISTRY_SERVER", "https://127.0.0.1:9")
        .output()
        .unwrap();
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    assert_eq!(text(&exported.stdout), "1.1.0\n");
}

#[test]
fn serve_help_says_grpc_answers_on_the_serving_port() {
    let help = text(&registry(&["serve", "--help"]).stdout);
    assert!(help.contains("gRPC"), "{help}");
    assert!(
        help.contains("all on one\nport") || help.contains("all on one port"),
        "{help}"
    );
}

#[test]
fn deprecations_are_flagged_in_versions_and_resolve_and_keep_their_successor() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    assert!(registry(&["migrate", "--data-dir", d]).status.success());
    let module = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/modules/greeting/v1.0.0"
    );
    for v in ["1.0.0", "1.1.0"] {
        let out = registry(&[
            "publish",
            "example/greeting/null",
            v,
            module,
            "--data-dir",
            d,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let dep = |extra: &[&str]| {
        let mut args = vec![
            "deprecate",
            "example/greeting/null",
            "1.1.0",
            "--data-dir",
            d,
        ];
        args.extend(extra);
        let out = registry(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    dep(&["--reason", "broken outputs", "--successor", "2.0.0"]);
    dep(&["--reason", "broken outputs; see the changelog"]);
    let show = text(&registry(&["show", "example/greeting/null", "1.1.0", "--data-dir", d]).stdout);
    assert!(
        show.contains("see the changelog") && show.contains("use 2.0.0"),
        "{show}"
    );
    let versions = text(&registry(&["versions", "example/greeting/null", "--data-dir", d]).stdout);
    assert!(versions.contains("1.0.0\n"), "{versions}");
    assert!(
        versions.contains("1.1.0  (deprecated: broken outputs; see the changelog; use 2.0.0)"),
        "{versions}"
    );
    let resolve = registry(&[
        "resolve",
        "example/greeting/null",
        "--constraint",
        "~> 1.0",
        "--data-dir",
        d,
    ]);
    assert_eq!(
        text(&resolve.stdout),
        "1.1.0\n",
        "stdout keeps its contract"
    );
    assert!(
        text(&resolve.stderr).contains("warning: 1.1.0 is deprecated: broken outputs"),
        "{}",
        text(&resolve.stderr)
    );
}

fn http_status(port: u16, path: &str) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .unwrap();
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_token_holders_commands_are_not_limited_by_anonymous_traffic() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data");
    let d = d.to_str().unwrap();
    let token = registry(&[
        "token",
        "create",
        "--data-dir",
        d,
        "--namespace",
        "acme",
        "--role",
        "publisher",
    ]);
    let token = text(&token.stdout).trim().to_string();
    let server = Served::start(Command::new(env!("CARGO_BIN_EXE_registry")).args([
        "serve",
        "--data-dir",
        d,
        "--listen",
        "127.0.0.1:0",
        "--rate-limit-reads",
        "3/min",
    ]));
    let port = server.port();
    // Anonymous reads from this address use up its budget...
    let statuses: Vec<u16> = (0..6)
        .map(|_| http_status(port, "/.well-known/terraform.json"))
        .collect();
    assert!(
        statuses.contains(&429),
        "the address is limited: {statuses:?}"
    );
    // ...but a token holder's commands (discovery included) count against the token.
    let url = server.url.clone();
    let module = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/modules/greeting/v1.0.0"
    );
    let out = registry(&[
        "publish",
        "acme/greeting/null",
        "1.0.0",
        module,
        "--server",
        &url,
        "--token",
        &token,
    ]);
    drop(server);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
