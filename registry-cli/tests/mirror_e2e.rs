//! Terraform v1.0.3 installs a module through the mirror: an upstream
//! registry (a second `registry serve` over HTTPS on loopback, standing in
//! for registry.terraform.io), our server with `--upstream
//! registry.terraform.io=URL`, and the CLI configuration's `host` block
//! pointing that host's `modules.v1` at our mirror. `terraform init`
//! installs `example/greeting/null` (a bare address: the public registry's
//! host) through us; then, with the upstream stopped and `.terraform`
//! removed, again from what we stored. A module whose upstream points at
//! a git repository (a real `git daemon`) with a `//subdir` installs
//! through us as the very tree Terraform installs from git itself.
//!
//! Runs when `REGISTRY_TEST_TERRAFORM` points at the binary
//! (`eval "$(scripts/install-terraform.sh)"`); required under `CI=true`.

use std::path::Path;

mod common;
use common::{ok, registry, serve, terraform};

use registry_testkit::env::service_url;

/// The module call `key`'s entry in `.terraform/modules/modules.json`
/// (`wrapper.inner` for a nested call).
fn installed_entry(work: &Path, key: &str) -> serde_json::Value {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.join(".terraform/modules/modules.json")).unwrap(),
    )
    .unwrap();
    manifest["Modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Key"] == key)
        .unwrap_or_else(|| panic!("{key} not installed: {manifest}"))
        .clone()
}

/// The source and version installed for the module call `key`.
fn installed(work: &Path, key: &str) -> (String, String) {
    let m = installed_entry(work, key);
    (
        m["Source"].as_str().unwrap_or("").to_string(),
        m["Version"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn terraform_installs_through_the_mirror_and_from_it_with_the_upstream_gone() {
    let Some(bin) = service_url("REGISTRY_TEST_TERRAFORM", "terraform through the mirror") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = common::loopback_certificate(dir.path());

    // The upstream, with the example module published.
    let up_data = dir.path().join("upstream");
    let token = ok(registry(&[
        "token",
        "create",
        "--data-dir",
        up_data.to_str().unwrap(),
        "--namespace",
        "example",
        "--role",
        "publisher",
    ]))
    .trim()
    .to_string();
    let upstream = serve(&up_data, &cert, &key, &[]);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/modules/greeting");
    for v in ["1.0.0", "1.1.0"] {
        ok(registry(&[
            "publish",
            "--server",
            &upstream.url,
            "--token",
            &token,
            "--ca-cert",
            cert.to_str().unwrap(),
            "example/greeting/null",
            v,
            example.join(format!("v{v}")).to_str().unwrap(),
        ]));
    }
    // A module that itself calls the greeting by its public address: the
    // nested call goes through the host block to us as well.
    let wrapper = dir.path().join("wrapper");
    std::fs::create_dir_all(&wrapper).unwrap();
    std::fs::write(
        wrapper.join("main.tf"),
        "variable \"name\" {\n  type = string\n}\n\nmodule \"inner\" {\n  source  = \"example/greeting/null\"\n  version = \"1.0.0\"\n  name    = var.name\n}\n\noutput \"greeting\" {\n  value = module.inner.greeting\n}\n",
    )
    .unwrap();
    ok(registry(&[
        "publish",
        "--server",
        &upstream.url,
        "--token",
        &token,
        "--ca-cert",
        cert.to_str().unwrap(),
        "example/wrapper/null",
        "1.0.0",
        wrapper.to_str().unwrap(),
    ]));

    // Our server mirrors it as registry.terraform.io.
    let ours = serve(
        &dir.path().join("ours"),
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
    std::fs::write(
        &cli_config,
        format!(
            "host \"registry.terraform.io\" {{\n  services = {{\n    \"modules.v1\" = \"{}/v1/mirror/registry.terraform.io/modules/\"\n  }}\n}}\n",
            ours.url
        ),
    )
    .unwrap();
    let work = dir.path().join("root");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        work.join("main.tf"),
        "module \"greeting\" {\n  source  = \"example/greeting/null\"\n  version = \"~> 1.0\"\n  name    = \"mirror\"\n}\n\nmodule \"wrapper\" {\n  source  = \"example/wrapper/null\"\n  version = \"1.0.0\"\n  name    = \"nested\"\n}\n\noutput \"greeting\" {\n  value = module.greeting.greeting\n}\n\noutput \"nested\" {\n  value = module.wrapper.greeting\n}\n",
    )
    .unwrap();
    let tf = |args: &[&str]| terraform(&bin, dir.path(), &cert, &work, &cli_config, args);

    ok(tf(&["init", "-input=false", "-no-color"]));
    // Terraform records the source as written; the host it resolved is the
    // public registry's, which the host block sends to us (there is no
    // way out of this machine, so nothing else could have answered).
    assert_eq!(
        installed(&work, "greeting"),
        ("example/greeting/null".to_string(), "1.1.0".to_string())
    );
    ok(tf(&["apply", "-auto-approve", "-input=false", "-no-color"]));
    let out: serde_json::Value = serde_json::from_str(&ok(tf(&["output", "-json"]))).unwrap();
    assert_eq!(out["greeting"]["value"], "Hello, mirror!");
    assert_eq!(out["nested"]["value"], "Hello, nested!");
    assert_eq!(
        installed(&work, "wrapper.inner"),
        ("example/greeting/null".to_string(), "1.0.0".to_string()),
        "the nested registry call was installed through the mirror"
    );

    // The upstream goes; a fresh init still installs, from what we stored.
    drop(upstream);
    std::fs::remove_dir_all(work.join(".terraform")).unwrap();
    let again = tf(&["init", "-input=false", "-no-color"]);
    ok(again);
    assert_eq!(installed(&work, "greeting").1, "1.1.0");
    assert_eq!(installed(&work, "wrapper.inner").1, "1.0.0");
    drop(ours);
}

/// Every file under `dir` but `.git/`, by path, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            if rel == ".git" {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                walk(root, &path, out);
            } else {
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn module_dir(work: &Path) -> String {
    installed_entry(work, "greeting")["Dir"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_git_sourced_module_installs_through_the_mirror_as_terraform_installs_it_from_git() {
    let Some(bin) = service_url("REGISTRY_TEST_TERRAFORM", "terraform through the mirror") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = common::loopback_certificate(dir.path());

    // A monorepo on a git daemon: the module calls a sibling folder.
    let git = registry_git::testing::GitDaemon::start();
    let repo = git.repository("platform.git");
    std::fs::create_dir_all(repo.join("modules/greeting")).unwrap();
    std::fs::create_dir_all(repo.join("shared")).unwrap();
    std::fs::write(
        repo.join("modules/greeting/main.tf"),
        "variable \"name\" {\n  type = string\n}\n\nmodule \"shared\" {\n  source = \"../../shared\"\n}\n\noutput \"greeting\" {\n  value = \"${module.shared.prefix}, ${var.name}!\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("shared/main.tf"),
        "output \"prefix\" {\n  value = \"Hello\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("run.sh"),
        "#!/bin/sh\necho packed with its mode\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x", repo.join("run.sh").to_str().unwrap()])
        .status()
        .unwrap();
    git.commit(&repo, "greeting", Some("v1.0.0"));
    let source = format!(
        "git::{}//modules/greeting?ref=v1.0.0",
        git.url("platform.git")
    );
    // The upstream points its module at that source, as the public registry points at GitHub.
    let upstream = registry_git::testing::PointingRegistry::start(vec![(
        "acme/greeting/null".into(),
        "1.0.0".into(),
        source.clone(),
    )]);
    let ours = serve(
        &dir.path().join("ours"),
        &cert,
        &key,
        &[
            "--upstream",
            &format!("registry.terraform.io={}/", upstream.url()),
            // The git daemon is on loopback, which mirror fetches may not reach unless told.
            "--upstream-private",
            "127.0.0.0/8",
        ],
    );
    let cli_config = dir.path().join("mirror.tfrc");
    std::fs::write(
        &cli_config,
        format!(
            "host \"registry.terraform.io\" {{\n  services = {{\n    \"modules.v1\" = \"{}/v1/mirror/registry.terraform.io/modules/\"\n  }}\n}}\n",
            ours.url
        ),
    )
    .unwrap();
    let root = |name: &str, source: &str, version: Option<&str>| {
        let work = dir.path().join(name);
        std::fs::create_dir_all(&work).unwrap();
        let version = version
            .map(|v| format!("  version = \"{v}\"\n"))
            .unwrap_or_default();
        std::fs::write(
            work.join("main.tf"),
            format!("module \"greeting\" {{\n  source  = \"{source}\"\n{version}  name    = \"git\"\n}}\n\noutput \"greeting\" {{\n  value = module.greeting.greeting\n}}\n"),
        )
        .unwrap();
        work
    };
    let mirrored = root("through-mirror", "acme/greeting/null", Some("1.0.0"));
    let direct = root("from-git", &source, None);
    let tf =
        |work: &Path, args: &[&str]| terraform(&bin, dir.path(), &cert, work, &cli_config, args);

    ok(tf(&mirrored, &["init", "-input=false", "-no-color"]));
    ok(tf(
        &mirrored,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    ));
    let out: serde_json::Value =
        serde_json::from_str(&ok(tf(&mirrored, &["output", "-json"]))).unwrap();
    assert_eq!(out["greeting"]["value"], "Hello, git!");
    ok(tf(&direct, &["init", "-input=false", "-no-color"]));

    // The same tree, the same folder in it, the same file modes.
    let through = mirrored.join(".terraform/modules/greeting");
    let from_git = direct.join(".terraform/modules/greeting");
    assert!(
        from_git.join(".git").exists(),
        "terraform cloned from git itself"
    );
    assert_eq!(tree(&through), tree(&from_git));
    assert!(!tree(&through).is_empty());
    assert_eq!(module_dir(&mirrored), module_dir(&direct));
    assert!(
        module_dir(&mirrored).ends_with("modules/greeting"),
        "{}",
        module_dir(&mirrored)
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o111;
    assert_eq!(
        mode(&through.join("run.sh")),
        mode(&from_git.join("run.sh"))
    );
    assert_ne!(mode(&through.join("run.sh")), 0);

    // The git daemon and the upstream go; the mirror still installs it.
    drop(git);
    drop(upstream);
    std::fs::remove_dir_all(mirrored.join(".terraform")).unwrap();
    ok(tf(&mirrored, &["init", "-input=false", "-no-color"]));
    assert_eq!(
        tree(&mirrored.join(".terraform/modules/greeting")),
        tree(&from_git)
    );
    drop(ours);
}
