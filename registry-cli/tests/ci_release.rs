//! The CI integration shipped with the project, run here as CI systems
//! would run it: `ci/module-release.sh` (the steps of the GitHub Action
//! and the GitLab template) against a local `registry serve`, with an
//! https OpenID issuer standing in for the CI system's: checks on every
//! run, a publish with the job's identity on a release tag only, nothing
//! published when a check fails. The Action's and the template's files
//! are read to hold that they run this script with these variables.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{copy_dir, loopback_certificate, ok, registry, serve};
use registry_server::testing::OidcIssuer;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `bash ci/module-release.sh` in `dir` with the built `registry` first on PATH.
fn release(dir: &Path, env: &[(&str, &str)]) -> Output {
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_registry"))
        .parent()
        .unwrap()
        .to_path_buf();
    let mut c = Command::new("bash");
    c.arg(root().join("ci/module-release.sh"))
        .current_dir(dir)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env_remove("REGISTRY_SERVER")
        .env_remove("REGISTRY_TOKEN")
        .env_remove("RELEASE_TAG")
        .env_remove("REGISTRY_OIDC_TOKEN")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_release_script_checks_every_run_and_publishes_tags_with_the_ci_identity() {
    let issuer = OidcIssuer::start().await;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let (cert, key) = loopback_certificate(work.path());
    let admin = ok(registry(&[
        "token",
        "create",
        "--data-dir",
        data.to_str().unwrap(),
        "--namespace",
        "*",
        "--role",
        "admin",
    ]))
    .trim()
    .to_string();
    let server = serve(
        &data,
        &cert,
        &key,
        &["--ca-cert", issuer.cert_file().to_str().unwrap()],
    );
    ok(registry(&[
        "trusted-publisher",
        "add",
        "--namespace",
        "acme",
        "--issuer",
        issuer.url(),
        "--audience",
        "127.0.0.1",
        "--claim",
        "repository=acme/greeting",
        "--claim",
        "ref=refs/tags/v*",
        "--server",
        &server.url,
        "--token",
        &admin,
        "--ca-cert",
        cert.to_str().unwrap(),
    ]));
    let module = work.path().join("greeting");
    copy_dir(&root().join("examples/modules/greeting/v1.1.0"), &module);
    // The module's versions ("" while it has none).
    let versions = || {
        let out = registry(&[
            "versions",
            "acme/greeting/null",
            "--server",
            &server.url,
            "--token",
            &admin,
            "--ca-cert",
            cert.to_str().unwrap(),
        ]);
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let jwt = issuer.sign(&issuer.github_claims("127.0.0.1", "acme/greeting", "refs/tags/v1.1.0"));
    let cert_text = cert.to_str().unwrap();
    let publish_env = [
        ("REGISTRY_SERVER", server.url.as_str()),
        ("REGISTRY_MODULE", "acme/greeting/null"),
        ("REGISTRY_CA_CERT", cert_text),
        ("REGISTRY_OIDC_TOKEN", jwt.as_str()),
    ];

    // A branch build: every check, a JUnit report, nothing published.
    let out = release(&module, &publish_env);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("nothing published"), "{}", said(&out));
    let junit = std::fs::read_to_string(module.join("registry-test.xml")).unwrap();
    assert!(junit.contains("<testsuites"), "{junit}");
    assert!(!versions().contains("1.1.0"));

    // A tag that is no version of this pattern publishes nothing.
    let mut env = publish_env.to_vec();
    env.push(("RELEASE_TAG", "docs-refresh"));
    let out = release(&module, &env);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("does not match"), "{}", said(&out));

    // A release tag: published with the job's identity, no stored token.
    let mut env = publish_env.to_vec();
    env.push(("RELEASE_TAG", "v1.1.0"));
    let out = release(&module, &env);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("published acme/greeting/null/1.1.0"),
        "{}",
        said(&out)
    );
    assert!(versions().contains("1.1.0"));

    // A failing test stops the run before anything is published.
    std::fs::write(
        module.join("tests/broken.tftest.hcl"),
        "variables {\n  name = \"world\"\n}\n\nrun \"fails\" {\n  command = plan\n  assert {\n    condition     = output.greeting == \"nope\"\n    error_message = \"broken on purpose\"\n  }\n}\n",
    )
    .unwrap();
    let mut env = publish_env.to_vec();
    env.push(("RELEASE_TAG", "v1.2.0"));
    let out = release(&module, &env);
    assert!(!out.status.success(), "{}", said(&out));
    let report = std::fs::read_to_string(module.join("registry-test.xml")).unwrap();
    assert!(report.contains("broken on purpose"), "{report}");
    assert!(!versions().contains("1.2.0"));
}

#[test]
fn the_github_action_and_the_gitlab_template_run_the_release_script() {
    let action: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(root().join("ci/github/action.yml")).unwrap(),
    )
    .unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let run = steps
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("module-release.sh"))
        })
        .expect("a step runs ci/module-release.sh");
    for var in [
        "MODULE_DIR",
        "RELEASE_TAG",
        "REGISTRY_SERVER",
        "REGISTRY_MODULE",
        "TAG_PATTERN",
    ] {
        assert!(!run["env"][var].is_null(), "the Action sets {var}");
    }
    for input in ["server", "module"] {
        assert_eq!(action["inputs"][input]["required"], true, "{input}");
    }

    let gitlab: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(root().join("ci/gitlab/registry-module.gitlab-ci.yml")).unwrap(),
    )
    .unwrap();
    let job = &gitlab["registry-module"];
    let script = job["script"].as_sequence().unwrap();
    assert!(
        script
            .iter()
            .any(|l| l.as_str().unwrap().contains("module-release.sh"))
    );
    let token_env = job["variables"]["OIDC_TOKEN_ENV"].as_str().unwrap();
    assert!(
        !job["id_tokens"][token_env].is_null(),
        "OIDC_TOKEN_ENV names the job's ID token"
    );
    assert_eq!(job["variables"]["RELEASE_TAG"], "$CI_COMMIT_TAG");
    assert_eq!(
        job["artifacts"]["reports"]["junit"],
        job["variables"]["JUNIT_XML"]
    );

    // Every variable the two set is one the script reads.
    let script_text = std::fs::read_to_string(root().join("ci/module-release.sh")).unwrap();
    for var in run["env"].as_mapping().unwrap().keys() {
        let var = var.as_str().unwrap();
        assert!(script_text.contains(var), "the script reads {var}");
    }
}
