//! A real Terraform client (v1.0.3) against `registry serve` over HTTPS:
//! `terraform init` of a registry module and of its `//modules/…` submodule
//! with `version = "~> 1.0"`, then `terraform apply`; and the same with
//! `--require-auth` through a `credentials` block, and a 401 without it.
//!
//! Runs when `REGISTRY_TEST_TERRAFORM` points at the binary
//! (`eval "$(scripts/install-terraform.sh)"`); required under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{Served, ok, registry};

use registry_testkit::env::service_url;

fn example(version: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/modules/greeting")
        .join(format!("v{version}"))
        .display()
        .to_string()
}

struct Setup {
    dir: tempfile::TempDir,
    cert: PathBuf,
    port: u16,
    token: String,
    _server: Served,
}

fn setup(require_auth: bool) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap().to_string();
    // A throwaway certificate for 127.0.0.1 (Terraform only speaks HTTPS to registries).
    let (cert, key) = common::loopback_certificate(dir.path());

    let token = ok(registry(&[
        "token",
        "create",
        "--data-dir",
        &data_s,
        "--namespace",
        "example",
        "--role",
        "publisher",
    ]))
    .trim()
    .to_string();

    let mut args = vec![
        "serve",
        "--data-dir",
        &data_s,
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ];
    if require_auth {
        args.push("--require-auth");
    }
    let server = Served::start(Command::new(env!("CARGO_BIN_EXE_registry")).args(&args));
    let (url, port) = (server.url.clone(), server.port());
    for (v, dir_v) in [("1.0.0", "1.0.0"), ("1.1.0", "1.1.0"), ("2.0.0", "1.1.0")] {
        ok(registry(&[
            "publish",
            "--server",
            &url,
            "--token",
            &token,
            "--ca-cert",
            cert.to_str().unwrap(),
            "example/greeting/null",
            v,
            &example(dir_v),
        ]));
    }
    Setup {
        dir,
        cert,
        port,
        token,
        _server: server,
    }
}

fn write_root(dir: &Path, port: u16) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"module "greeting" {{
  source  = "127.0.0.1:{port}/example/greeting/null"
  version = "~> 1.0"
  name    = "world"
}}

module "formatter" {{
  source  = "127.0.0.1:{port}/example/greeting/null//modules/formatter"
  version = "~> 1.0"
  text    = "direct"
  suffix  = "?"
}}

output "greeting" {{
  value = module.greeting.greeting
}}

output "formatted" {{
  value = module.formatter.result
}}
"#
        ),
    )
    .unwrap();
}

fn terraform(bin: &str, s: &Setup, dir: &Path, cli_config: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("CHECKPOINT_DISABLE", "1")
        .env("SSL_CERT_FILE", &s.cert)
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env("HOME", s.dir.path())
        .env_remove("TF_LOG")
        .output()
        .expect("run terraform")
}

fn init_apply_and_check(bin: &str, s: &Setup, work: &Path, cli_config: &Path) {
    ok(terraform(
        bin,
        s,
        work,
        cli_config,
        &["init", "-input=false", "-no-color"],
    ));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.join(".terraform/modules/modules.json")).unwrap(),
    )
    .unwrap();
    let mods = manifest["Modules"].as_array().unwrap();
    let version_of = |key: &str| {
        mods.iter()
            .find(|m| m["Key"] == key)
            .map(|m| m["Version"].as_str().unwrap_or("").to_string())
            .unwrap_or_else(|| panic!("{key} not installed: {manifest}"))
    };
    assert_eq!(
        version_of("greeting"),
        "1.1.0",
        "~> 1.0 picks the newest 1.x, not 2.0.0"
    );
    assert_eq!(version_of("formatter"), "1.1.0");
    ok(terraform(
        bin,
        s,
        work,
        cli_config,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    ));
    let out: serde_json::Value = serde_json::from_str(&ok(terraform(
        bin,
        s,
        work,
        cli_config,
        &["output", "-json"],
    )))
    .unwrap();
    assert_eq!(out["greeting"]["value"], "Hello, world!");
    assert_eq!(out["formatted"]["value"], "direct?");
}

#[test]
fn terraform_init_and_apply_against_the_registry() {
    let Some(bin) = service_url("REGISTRY_TEST_TERRAFORM", "terraform end-to-end") else {
        return;
    };
    let s = setup(false);
    let cli_config = s.dir.path().join("empty.tfrc");
    std::fs::write(&cli_config, "").unwrap();
    let work = s.dir.path().join("root");
    write_root(&work, s.port);
    init_apply_and_check(&bin, &s, &work, &cli_config);

    // Lock what Terraform installed and verify the installed trees against the lock.
    let url = format!("https://127.0.0.1:{}", s.port);
    let ca = s.cert.to_str().unwrap();
    let w = work.to_str().unwrap();
    ok(registry(&["lock", w, "--server", &url, "--ca-cert", ca]));
    let lock = std::fs::read_to_string(work.join(".registry.lock.hcl")).unwrap();
    assert!(
        lock.contains("module \"formatter\"") && lock.contains("module \"greeting\""),
        "{lock}"
    );
    assert!(lock.contains("version     = \"1.1.0\""), "{lock}");
    let verified = ok(registry(&["verify", w]));
    assert!(
        verified.contains("ok greeting 1.1.0 h1:") && verified.contains("ok formatter 1.1.0 h1:"),
        "{verified}"
    );
    let graph = ok(registry(&[
        "graph",
        w,
        "--server",
        &url,
        "--ca-cert",
        ca,
        "--unified",
    ]));
    assert!(
        graph.contains("greeting = example/greeting/null 1.1.0"),
        "{graph}"
    );

    std::fs::write(
        work.join(".terraform/modules/greeting/main.tf"),
        "# tampered\n",
    )
    .unwrap();
    let bad = registry(&["verify", w]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("greeting"), "{err}");
}

#[test]
fn terraform_with_required_auth_uses_its_credentials_block() {
    let Some(bin) = service_url("REGISTRY_TEST_TERRAFORM", "terraform end-to-end (auth)") else {
        return;
    };
    let s = setup(true);

    let anon_config = s.dir.path().join("anon.tfrc");
    std::fs::write(&anon_config, "").unwrap();
    let denied = s.dir.path().join("denied");
    write_root(&denied, s.port);
    let out = terraform(
        &bin,
        &s,
        &denied,
        &anon_config,
        &["init", "-input=false", "-no-color"],
    );
    assert!(!out.status.success(), "init must fail without credentials");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("401"), "{text}");

    let creds = s.dir.path().join("creds.tfrc");
    std::fs::write(
        &creds,
        format!(
            "credentials \"127.0.0.1:{}\" {{\n  token = \"{}\"\n}}\n",
            s.port, s.token
        ),
    )
    .unwrap();
    let work = s.dir.path().join("authed");
    write_root(&work, s.port);
    init_apply_and_check(&bin, &s, &work, &creds);
}
