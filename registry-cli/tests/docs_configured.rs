//! `registry docs DIR`: terraform-docs' configured run, everything from
//! `.terraform-docs.yml` (formatter, content with include, output inject and
//! replace, output checks, recursive submodules, version constraints).

use std::path::Path;
use std::process::{Command, Output};

fn registry_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(args)
        .current_dir(cwd)
        // No ~/.tfdocs.d of the machine's user.
        .env("HOME", cwd)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// terraform-docs' example module, with `config` as its `.terraform-docs.yml`.
fn module(config: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let src = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../registry-docs/tests/fixtures/terraform-docs-examples"
    );
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), d.path().join(e.file_name())).unwrap();
    }
    std::fs::write(d.path().join(".terraform-docs.yml"), config).unwrap();
    d
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../registry-docs/tests/fixtures/expected/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn the_formatter_comes_from_the_file() {
    let d = module("formatter: markdown table\nfooter-from: footer.md\n");
    let out = registry_in(d.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", expected("table-DEFAULTS-derived-v0.2x-padded.md"))
    );
    // The short names, and a file in .config/ (found after DIR itself).
    let d = module("");
    std::fs::remove_file(d.path().join(".terraform-docs.yml")).unwrap();
    std::fs::create_dir(d.path().join(".config")).unwrap();
    std::fs::write(
        d.path().join(".config/.terraform-docs.yml"),
        "formatter: md tbl\nfooter-from: footer.md\n",
    )
    .unwrap();
    let out = registry_in(d.path(), &["docs", "."]);
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", expected("table-DEFAULTS-derived-v0.2x-padded.md"))
    );
    let json = module("formatter: json\nfooter-from: footer.md\n");
    let out = registry_in(json.path(), &["docs", "run", "."]);
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", expected("json-DEFAULTS-derived.json"))
    );
}

#[test]
fn bad_configurations_say_what_is_wrong() {
    let d = module("formatter: nope\n");
    let out = registry_in(d.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("formatter 'nope' not found"),
        "{}",
        text(&out.stderr)
    );
    let d = module("header-from: main.tf\n");
    let out = registry_in(d.path(), &["docs", "."]);
    assert!(text(&out.stderr).contains("value of 'formatter' can't be empty"));
    let d = module("formatter: md\nversion: \">= 1.0.0\"\n");
    let out = registry_in(d.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("current version: 0.21.0, constraints: '>= 1.0.0'"),
        "{}",
        text(&out.stderr)
    );
    let out = registry_in(d.path(), &["docs", "-c", "missing.yml", "."]);
    assert!(text(&out.stderr).contains("config file missing.yml not found"));
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("main.tf"), "").unwrap();
    let out = registry_in(empty.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no .terraform-docs.yml"),
        "{}",
        text(&out.stderr)
    );
    let d = module(
        "formatter: md\noutput:\n  file: README.md\n  template: |\n    <!-- BEGIN_TF_DOCS -->\n    {{ .Content }}\n    <!-- END_TF_DOCS -->\n",
    );
    let out = registry_in(d.path(), &["docs", "."]);
    assert!(
        text(&out.stderr).contains("is missing end comment"),
        "a `|` block's final newline: {}",
        text(&out.stderr)
    );
}

#[test]
fn output_files_are_injected_replaced_and_checked() {
    let d = module(
        "formatter: markdown table\nfooter-from: footer.md\noutput:\n  file: README.md\n  mode: inject\n",
    );
    let docs = expected("table-DEFAULTS-derived-v0.2x-padded.md");
    std::fs::write(d.path().join("README.md"), "# Example\n\nHand-written.\n").unwrap();
    let out = registry_in(d.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "README.md updated successfully\n");
    let readme = std::fs::read_to_string(d.path().join("README.md")).unwrap();
    assert_eq!(
        readme,
        format!(
            "# Example\n\nHand-written.\n\n<!-- BEGIN_TF_DOCS -->\n{docs}\n<!-- END_TF_DOCS -->"
        )
    );
    let out = registry_in(d.path(), &["docs", ".", "--output-check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "README.md is up to date\n");
    // A hand edit inside the block is stale; outside it is not.
    std::fs::write(
        d.path().join("README.md"),
        readme.replace("| Name |", "| Nom |"),
    )
    .unwrap();
    let out = registry_in(d.path(), &["docs", ".", "--output-check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("README.md is out of date"));
    std::fs::write(d.path().join("README.md"), format!("{readme}\n\nMore.\n")).unwrap();
    let out = registry_in(d.path(), &["docs", ".", "--output-check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // --output-* win over the file: replace mode writes the template alone.
    let out = registry_in(
        d.path(),
        &[
            "docs",
            ".",
            "--output-file",
            "USAGE.md",
            "--output-mode",
            "replace",
            "--output-template",
            "# Usage\n\n{{ .Content }}\n",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(d.path().join("USAGE.md")).unwrap(),
        format!("# Usage\n\n{docs}\n")
    );
}

#[test]
fn content_templates_place_sections_and_include_files() {
    let config = r#"formatter: markdown table
sections:
  hide: [providers]
content: |-
  {{ .Header }}

  ## Usage

  ```hcl
  {{ include "examples/main.tf" }}
  ```

  {{ .Providers }}{{ .Inputs }}

  {{ range .Module.RequiredInputs }}- {{ .Name }}
  {{ end }}
"#;
    let d = module(config);
    std::fs::create_dir(d.path().join("examples")).unwrap();
    std::fs::write(
        d.path().join("examples/main.tf"),
        "module \"x\" {\n  source = \"../\"\n}\n",
    )
    .unwrap();
    let dir = d.path().to_str().unwrap();
    let out = registry_in(d.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = text(&out.stdout);
    let section = |name: &str| {
        let o = registry_in(d.path(), &["docs", "markdown", dir, "--show", name]);
        text(&o.stdout).trim_end_matches('\n').to_string()
    };
    let header = section("header");
    let inputs = section("inputs");
    assert!(inputs.starts_with("## Inputs\n\n| Name |"), "{inputs}");
    assert!(
        got.starts_with(&format!(
            "{header}\n\n## Usage\n\n```hcl\nmodule \"x\" {{\n  source = \"../\"\n}}\n```\n\n{inputs}\n\n- "
        )),
        "{got}"
    );
    assert!(!got.contains("## Providers"), "a hidden section is empty");
    let missing = module("formatter: md\ncontent: '{{ include \"nope.md\" }}'\n");
    let out = registry_in(missing.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("error calling include")
            && text(&out.stderr).contains("nope.md"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn recursive_runs_document_each_submodule_with_its_own_settings() {
    let d = module(
        "formatter: markdown table\nrecursive:\n  enabled: true\noutput:\n  file: README.md\n",
    );
    for sub in ["a", "b"] {
        let s = d.path().join("modules").join(sub);
        std::fs::create_dir_all(&s).unwrap();
        std::fs::write(
            s.join("main.tf"),
            format!("variable \"{sub}\" {{\n  type = string\n}}\n"),
        )
        .unwrap();
    }
    std::fs::write(
        d.path().join("modules/b/.terraform-docs.yml"),
        "settings:\n  indent: 3\n",
    )
    .unwrap();
    let out = registry_in(d.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "README.md updated successfully\nmodules/a/README.md updated successfully\nmodules/b/README.md updated successfully\n"
    );
    let a = std::fs::read_to_string(d.path().join("modules/a/README.md")).unwrap();
    let b = std::fs::read_to_string(d.path().join("modules/b/README.md")).unwrap();
    assert!(a.contains("\n## Inputs\n") && a.contains("input_a"), "{a}");
    assert!(
        b.contains("\n### Inputs\n") && b.contains("input_b"),
        "its own file merges over the root's: {b}"
    );
    // Without an output file a recursive run is refused.
    let d = module("formatter: md\nrecursive:\n  enabled: true\n");
    std::fs::create_dir_all(d.path().join("modules/a")).unwrap();
    let out = registry_in(d.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("value of '--output-file' cannot be empty with '--recursive'")
    );
}

#[test]
fn a_version_constraint_before_0_21_writes_that_versions_tables() {
    let d = module(
        "formatter: markdown table\nfooter-from: footer.md\nversion: \">= 0.16.0, < 0.21.0\"\n",
    );
    let out = registry_in(d.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "{}\n",
            expected("table-DEFAULTS-derived-v0.19-v0.20-compact.md")
        )
    );
}

#[test]
fn output_values_come_from_terraform_output_json() {
    let d = module("formatter: json\noutput-values:\n  enabled: true\n  from: values.json\n");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../registry-docs/tests/fixtures/output_values.json"
        ),
        d.path().join("values.json"),
    )
    .unwrap();
    let out = registry_in(d.path(), &["docs", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let outputs = json["outputs"].as_array().unwrap();
    let by_name = |n: &str| outputs.iter().find(|o| o["name"] == n).unwrap().clone();
    assert_eq!(by_name("output-1")["value"], serde_json::json!(1));
    assert_eq!(by_name("output-0.12")["value"], "<sensitive>");
    assert_eq!(by_name("output-0.12")["sensitive"], true);
    assert!(!text(&out.stdout).contains("sensitive-content-should-be-hidden"));
    // The formatter commands take the flags too.
    let out = registry_in(
        d.path(),
        &[
            "docs",
            "markdown",
            ".",
            "--output-values",
            "--output-values-from",
            "values.json",
        ],
    );
    assert!(
        text(&out.stdout).contains("| Name | Description | Value | Sensitive |"),
        "{}",
        text(&out.stdout)
    );
    let out = registry_in(
        d.path(),
        &["docs", ".", "--output-values-from", "nope.json"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("caught error while reading the terraform outputs file at nope.json"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_readme_terraform_docs_left_up_to_date_passes_the_output_check() {
    // Written by terraform-docs 0.16–0.20 (`|------|` tables) and by 0.21+.
    for golden in [
        "table-DEFAULTS-derived-v0.19-v0.20-compact.md",
        "table-DEFAULTS-derived-v0.2x-padded.md",
    ] {
        let d = module(
            "formatter: markdown table\nfooter-from: footer.md\noutput:\n  file: README.md\n",
        );
        let readme = format!(
            "# Example\n\n<!-- BEGIN_TF_DOCS -->\n{}\n<!-- END_TF_DOCS -->\n",
            expected(golden)
        );
        std::fs::write(d.path().join("README.md"), &readme).unwrap();
        let out = registry_in(d.path(), &["docs", ".", "--output-check"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{golden}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "README.md is up to date\n");
        assert_eq!(
            std::fs::read_to_string(d.path().join("README.md")).unwrap(),
            readme,
            "untouched"
        );
    }
}
