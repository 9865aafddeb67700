//! Every command that acts on a registry, run with the same flags against
//! a local data directory and through a server (HTTPS, trusted with
//! `--ca-cert` given a self-signed `CA:TRUE` certificate, as most how-tos
//! make one), must have the same effect on both: the same output, the same
//! stored state. A flag honoured on one side only fails here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::Served;

use serde_json::Value;

fn run(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(args)
        .env_remove("REGISTRY_SERVER")
        .env_remove("REGISTRY_TOKEN")
        .env_remove("REGISTRY_DATA_DIR")
        .env_remove("REGISTRY_CA_CERT")
        .env_remove("SSL_CERT_FILE")
        .output()
        .expect("run registry")
}

fn ok(args: &[String]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "registry {args:?}: exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Where a command acts: its target flags.
struct Side {
    name: &'static str,
    target: Vec<String>,
}

impl Side {
    fn args(&self, cmd: &[&str]) -> Vec<String> {
        let mut a = strings(cmd);
        a.extend(self.target.iter().cloned());
        a
    }

    fn ok(&self, cmd: &[&str]) -> String {
        ok(&self.args(cmd))
    }

    fn json(&self, cmd: &[&str]) -> Value {
        let out = self.ok(cmd);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{}: {cmd:?} printed no JSON ({e}): {out}", self.name))
    }

    fn fails(&self, cmd: &[&str]) -> String {
        let out = run(&self.args(cmd));
        assert!(!out.status.success(), "{}: {cmd:?} should fail", self.name);
        String::from_utf8_lossy(&out.stderr).to_string()
    }
}

/// A self-signed certificate the way `openssl req -x509 -addext
/// subjectAltName=IP:127.0.0.1,DNS:localhost` makes it: `CA:TRUE`.
fn ca_true_certificate(dir: &Path, names: &[&str]) -> (PathBuf, PathBuf) {
    let mut params =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    (c, k)
}

fn serve_tls(data_dir: &str, cert: &Path, key: &Path) -> (Served, String) {
    let server = Served::start(Command::new(env!("CARGO_BIN_EXE_registry")).args([
        "serve",
        "--data-dir",
        data_dir,
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]));
    let url = server.url.clone();
    (server, url)
}

fn example(version: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/modules/greeting")
        .join(format!("v{version}"))
        .display()
        .to_string()
}

/// The fields of a version view that must agree across sides (not the
/// publish time, owner token, download count, or the signature each side
/// made for itself).
fn comparable(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for k in ["published_at", "owner", "downloads", "signature"] {
            o.remove(k);
        }
        for k in ["deprecation", "yanked"] {
            if let Some(n) = o.get_mut(k).and_then(Value::as_object_mut) {
                n.remove("deprecated_at");
                n.remove("yanked_at");
            }
        }
    }
    v
}

#[test]
fn every_command_has_the_same_effect_locally_and_through_a_server() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let (local_dir, server_dir) = (dir("local"), dir("server"));
    let (cert, key) = ca_true_certificate(tmp.path(), &["localhost", "127.0.0.1"]);

    // Keys trusted on both sides (key management is local to a data dir).
    let sk = dir("signing.key");
    ok(&strings(&["keygen", "-o", &sk]));
    for d in [&local_dir, &server_dir] {
        ok(&strings(&["migrate", "--data-dir", d]));
        ok(&strings(&[
            "keys",
            "add",
            "--data-dir",
            d,
            "--namespace",
            "example",
            "--public-key",
            &format!("{sk}.pub"),
        ]));
    }
    let admin = ok(&strings(&[
        "token",
        "create",
        "--data-dir",
        &server_dir,
        "--namespace",
        "*",
        "--role",
        "admin",
    ]))
    .trim()
    .to_string();
    let (_server, url) = serve_tls(&server_dir, &cert, &key);

    let local = Side {
        name: "local",
        target: strings(&["--data-dir", &local_dir]),
    };
    let remote = Side {
        name: "remote",
        target: strings(&[
            "--server",
            &url,
            "--token",
            &admin,
            "--ca-cert",
            cert.to_str().unwrap(),
        ]),
    };
    let sides = [&local, &remote];

    // keys require (the policy's require-signatures), then policy set/show.
    for s in sides {
        s.ok(&["keys", "require", "--namespace", "example"]);
        s.ok(&["policy", "set", "example", "validation=warn"]);
    }
    let policies: Vec<String> = sides
        .iter()
        .map(|s| s.ok(&["policy", "show", "example"]))
        .collect();
    assert_eq!(policies[0], policies[1]);
    assert_eq!(
        policies[0],
        "require-signatures=true\nvalidation=warn\ntests=off\nsemver-guard=off\n"
    );

    // An unsigned publish is refused on both sides; a signed one with a
    // description and a source goes through and reads back the same.
    for s in sides {
        let e = s.fails(&[
            "publish",
            "example/greeting/null",
            "1.0.0",
            &example("1.0.0"),
        ]);
        assert!(e.contains("requires signed modules"), "{}: {e}", s.name);
    }
    let mut published = Vec::new();
    for (v, s) in [
        ("1.0.0", &local),
        ("1.0.0", &remote),
        ("1.1.0", &local),
        ("1.1.0", &remote),
    ] {
        let sig = dir(&format!("{}-{v}.minisig", s.name));
        ok(&strings(&[
            "sign",
            "--key",
            &sk,
            "example/greeting/null",
            v,
            &example(v),
            "-o",
            &sig,
        ]));
        let doc = s.json(&[
            "publish",
            "--json",
            "--description",
            "Says hello.",
            "--source",
            "https://git.example.com/greeting",
            "--signature",
            &sig,
            "example/greeting/null",
            v,
            &example(v),
        ]);
        published.push(doc);
    }
    for pair in published.chunks(2) {
        for side in pair {
            let served = side["signature"].as_str().expect("the signature is served");
            assert!(served.contains("untrusted comment"), "{served}");
        }
        let (l, r) = (comparable(&pair[0]), comparable(&pair[1]));
        assert_eq!(l, r, "publish --json differs");
        assert_eq!(l["description"], "Says hello.");
        assert_eq!(l["source"], "https://git.example.com/greeting");
        assert_eq!(l["verified"], true, "the signature travelled and verified");
    }
    for doc in &published[2..] {
        assert_eq!(
            doc["versions"],
            serde_json::json!(["1.0.0", "1.1.0"]),
            "publish --json lists every version"
        );
    }

    // Warnings from validation (the policy says warn) are printed, with
    // their file, line and rule, on both sides.
    let spare = dir("spare");
    std::fs::create_dir_all(&spare).unwrap();
    std::fs::write(
        Path::new(&spare).join("spare.tf"),
        "variable \"spare\" {\n  type        = string\n  description = \"Unused.\"\n  default     = \"\"\n}\n\noutput \"x\" {\n  description = \"X.\"\n  value       = \"x\"\n}\n",
    )
    .unwrap();
    for s in sides {
        let sig = dir(&format!("{}-spare.minisig", s.name));
        ok(&strings(&[
            "sign",
            "--key",
            &sk,
            "example/spare/null",
            "1.0.0",
            &spare,
            "-o",
            &sig,
        ]));
        let out = run(&s.args(&[
            "publish",
            "--signature",
            &sig,
            "example/spare/null",
            "1.0.0",
            &spare,
        ]));
        assert!(out.status.success(), "{}: {out:?}", s.name);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(
                "warning: spare.tf:1: variable \"spare\" is declared but not used [unused-declaration]"
            ),
            "{}: {stderr}",
            s.name
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("published example/spare/null/1.0.0")
        );
    }

    // versions, resolve, show, download.
    let same = |cmd: &[&str]| {
        let outs: Vec<String> = sides.iter().map(|s| s.ok(cmd)).collect();
        assert_eq!(outs[0], outs[1], "{cmd:?} differs");
        outs[0].clone()
    };
    assert_eq!(
        same(&["versions", "--json", "example/greeting/null"]),
        "[\"1.0.0\",\"1.1.0\"]\n"
    );
    assert_eq!(
        same(&["resolve", "--constraint", "~> 1.0", "example/greeting/null"]),
        "1.1.0\n"
    );
    for s in sides {
        let out = dir(&format!("{}.tgz", s.name));
        s.ok(&["download", "example/greeting/null", "1.1.0", "-o", &out]);
    }
    assert_eq!(
        std::fs::read(dir("local.tgz")).unwrap(),
        std::fs::read(dir("remote.tgz")).unwrap()
    );

    // diff of two published versions, the same on both sides (and the
    // same as of the folders they came from).
    let diff = same(&[
        "diff",
        "example/greeting/null@1.0.0",
        "example/greeting/null@1.1.0",
    ]);
    assert_eq!(
        diff,
        ok(&strings(&["diff", &example("1.0.0"), &example("1.1.0")]))
            .replace(&example("1.0.0"), "example/greeting/null@1.0.0")
            .replace(&example("1.1.0"), "example/greeting/null@1.1.0")
    );
    assert!(
        diff.starts_with("+ input shout: new optional input\n"),
        "{diff}"
    );
    for s in sides {
        let out = run(&s.args(&[
            "diff",
            "example/greeting/null@1.1.0",
            "example/greeting/null@1.0.0",
        ]));
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}: a removed input breaks",
            s.name
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("- input shout: removed (breaking)"), "{text}");
    }

    // Lifecycle flags.
    for s in sides {
        s.ok(&[
            "deprecate",
            "example/greeting/null",
            "1.0.0",
            "--reason",
            "old",
            "--successor",
            "example/greeting/null 1.1.0",
        ]);
        s.ok(&[
            "yank",
            "example/greeting/null",
            "1.1.0",
            "--reason",
            "broken",
        ]);
    }
    let shows: Vec<Value> = sides
        .iter()
        .map(|s| comparable(&s.json(&["show", "--json", "example/greeting/null", "1.0.0"])))
        .collect();
    assert_eq!(shows[0], shows[1]);
    assert_eq!(
        shows[0]["deprecation"]["successor"],
        "example/greeting/null 1.1.0"
    );
    let yanked: Vec<Value> = sides
        .iter()
        .map(|s| comparable(&s.json(&["show", "--json", "example/greeting/null", "1.1.0"])))
        .collect();
    assert_eq!(yanked[0], yanked[1]);
    assert_eq!(yanked[0]["yanked"]["reason"], "broken");
    assert_eq!(
        same(&["versions", "--json", "example/greeting/null"]),
        "[\"1.0.0\"]\n"
    );
    for s in sides {
        s.ok(&["unyank", "example/greeting/null", "1.1.0"]);
        s.ok(&["undeprecate", "example/greeting/null", "1.0.0"]);
    }
    assert_eq!(
        same(&["versions", "--json", "example/greeting/null"]),
        "[\"1.0.0\",\"1.1.0\"]\n"
    );

    // Search with every flag, and reindex.
    same(&["reindex"]);
    let hits = same(&[
        "search",
        "--json",
        "--namespace",
        "example",
        "--provider",
        "null",
        "--limit",
        "5",
        "greeting",
    ]);
    assert!(hits.contains("example/greeting/null/1.1.0"), "{hits}");
    let none = same(&["search", "--json", "--provider", "aws", "greeting"]);
    assert_eq!(
        none.trim(),
        "[]",
        "--provider filters by system on both sides"
    );

    // lock and graph of a root module calling the example.
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    // The call names the server's host; locally, --host says this data
    // directory is what that host serves. A bare address (the public
    // registry) and another host are reported and left out.
    let host = url.trim_start_matches("https://").to_string();
    std::fs::write(
        root.join("main.tf"),
        format!(
            "module \"hello\" {{\n  source  = \"{host}/example/greeting/null\"\n  version = \"~> 1.0\"\n}}\n\nmodule \"public\" {{\n  source  = \"example/greeting/null\"\n  version = \"~> 1.0\"\n}}\n\nmodule \"elsewhere\" {{\n  source  = \"registry.example.com/example/greeting/null\"\n  version = \"~> 1.0\"\n}}\n"
        ),
    )
    .unwrap();
    let root_s = root.to_str().unwrap();
    let mut locks = Vec::new();
    for s in sides {
        let out = run(&s.args(&["lock", root_s, "--host", &host]));
        assert!(
            out.status.success(),
            "{}: {}",
            s.name,
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        for skipped in ["\"public\"", "\"elsewhere\""] {
            assert!(
                stderr.contains(&format!("skipped module {skipped}")),
                "{}: {stderr}",
                s.name
            );
        }
        let lock = std::fs::read_to_string(root.join(".registry.lock.hcl")).unwrap();
        assert!(lock.contains("module \"hello\""), "{lock}");
        assert!(
            !lock.contains("module \"public\"") && !lock.contains("elsewhere"),
            "{lock}"
        );
        locks.push(lock);
    }
    assert_eq!(locks[0], locks[1]);
    assert!(
        locks[0].contains("version     = \"1.1.0\"") || locks[0].contains("1.1.0"),
        "{}",
        locks[0]
    );
    same(&["graph", "--unified", root_s, "--host", &host]);

    // Delete, then the audit trail of both sides names the same actions.
    for s in sides {
        s.ok(&["delete", "example/greeting/null", "1.0.0"]);
    }
    assert_eq!(
        same(&["versions", "--json", "example/greeting/null"]),
        "[\"1.1.0\"]\n"
    );
    let actions: Vec<Vec<String>> = sides
        .iter()
        .map(|s| {
            s.ok(&["audit", "list", "--namespace", "example", "--json"])
                .lines()
                .map(|l| {
                    let r: Value = serde_json::from_str(l).unwrap();
                    format!(
                        "{} {} {}",
                        r["event"]["action"], r["event"]["target"], r["event"]["outcome"]
                    )
                })
                .filter(|a| !a.contains("authenticate"))
                .collect()
        })
        .collect();
    assert_eq!(actions[0], actions[1]);
    assert!(
        actions[0].iter().any(|a| a.contains("delete")),
        "{:?}",
        actions[0]
    );
    for s in sides {
        // The counts differ: the server also records its own refusals and admin reads.
        assert!(s.ok(&["audit", "verify"]).starts_with("audit log intact"));
    }
}

#[test]
fn a_wrong_host_or_an_untrusted_certificate_is_refused_with_its_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d").to_str().unwrap().to_string();
    let (cert, key) = ca_true_certificate(tmp.path(), &["localhost", "127.0.0.1"]);
    let (_server, url) = serve_tls(&data, &cert, &key);
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let (localhost_only, localhost_key) = ca_true_certificate(&other, &["localhost"]);
    let other_data = tmp.path().join("d2").to_str().unwrap().to_string();
    let (_other_server, other_url) = serve_tls(&other_data, &localhost_only, &localhost_key);
    // Without --ca-cert the certificate is not trusted, and the error says so.
    let out = run(&strings(&["versions", "--server", &url, "a/b/c"]));
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    // A given certificate that names another host (localhost, reached as
    // 127.0.0.1) is refused: given certificates are still checked for names.
    let out = run(&strings(&[
        "versions",
        "--server",
        &other_url,
        "--ca-cert",
        localhost_only.to_str().unwrap(),
        "a/b/c",
    ]));
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("NotValidForName") || e.contains("not valid for"),
        "{e}"
    );
    // SSL_CERT_FILE stands in for the platform roots, as Terraform reads it.
    let out = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(["versions", "--server", &url, "a/b/c"])
        .env_remove("REGISTRY_CA_CERT")
        .env("SSL_CERT_FILE", &cert)
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("not found"),
        "trusted through SSL_CERT_FILE, the server answered: {e}"
    );
}
