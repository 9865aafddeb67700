//! The `registry docs` contract.

use std::process::Command;

fn registry(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let src = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../registry-docs/tests/fixtures/terraform-docs-examples"
    );
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), d.path().join(e.file_name())).unwrap();
    }
    std::fs::write(
        d.path().join(".terraform-docs.yml"),
        "formatter: markdown table\nfooter-from: footer.md\n",
    )
    .unwrap();
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
fn markdown_and_json_print_what_terraform_docs_prints() {
    let d = fixture();
    let dir = d.path().to_str().unwrap();
    let out = registry(&["docs", "markdown", dir]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", expected("table-DEFAULTS-derived-v0.2x-padded.md"))
    );
    let out = registry(&["docs", "json", dir]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", expected("json-DEFAULTS-derived.json"))
    );
    // Flags override the config file.
    let out = registry(&[
        "docs",
        "markdown",
        dir,
        "--no-sort",
        "--escape",
        "false",
        "--anchor",
        "false",
        "--required",
        "false",
        "--lockfile",
        "false",
    ]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", expected("table-Base.golden"))
    );
    let out = registry(&["docs", "markdown", dir, "--hide", "inputs,outputs,footer"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("## Inputs")
            && !text.contains("## Outputs")
            && text.contains("## Resources")
    );
    let out = registry(&["docs", "markdown-document", dir]);
    let text = String::from_utf8(out.stdout).unwrap();
    // terraform-docs' two-word names.
    for words in [&["markdown", "table"][..], &["markdown", "document"][..]] {
        let mut args = vec!["docs"];
        args.extend_from_slice(words);
        args.push(dir);
        let out = registry(&args);
        let expected = if words[1] == "table" {
            registry(&["docs", "markdown", dir]).stdout
        } else {
            registry(&["docs", "markdown-document", dir]).stdout
        };
        assert_eq!(out.stdout, expected, "{words:?}");
    }
    assert!(
        text.contains("## Required Inputs") && text.contains("The following outputs are exported:"),
        "{text}"
    );
    // The data formatters, with terraform-docs' test settings as flags.
    let golden_flags = [
        "--no-sort",
        "--escape",
        "false",
        "--lockfile",
        "false",
        "--anchor",
        "false",
        "--required",
        "false",
    ];
    for (words, golden) in [
        (&["yaml"][..], "yaml-Base.golden"),
        (&["toml"][..], "toml-Base.golden"),
        (&["xml"][..], "xml-Base.golden"),
        (&["pretty", "--color", "false"][..], "pretty-Base.golden"),
        (&["asciidoc"][..], "asciidoc-table-Base.golden"),
        (&["asciidoc", "table"][..], "asciidoc-table-Base.golden"),
        (
            &["asciidoc", "document"][..],
            "asciidoc-document-Base.golden",
        ),
        (&["tfvars", "hcl"][..], "tfvars-hcl-Base.golden"),
        (&["tfvars", "json"][..], "tfvars-json-Base.golden"),
    ] {
        let mut args = vec!["docs"];
        args.extend_from_slice(words);
        args.push(dir);
        args.extend_from_slice(&golden_flags);
        let out = registry(&args);
        assert_eq!(out.status.code(), Some(0), "{words:?}");
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("{}\n", expected(golden)),
            "{words:?}"
        );
    }
}

#[test]
fn a_broken_file_is_reported_and_the_rest_documented() {
    let d = fixture();
    std::fs::write(
        d.path().join("broken.tf"),
        "variable \"x\" {\n  type =\n}\n",
    )
    .unwrap();
    let out = registry(&["docs", "markdown", d.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.tf:"), "{err}");
    assert!(String::from_utf8(out.stdout).unwrap().contains("## Inputs"));
}

#[test]
fn inject_creates_updates_and_checks() {
    let d = fixture();
    let dir = d.path().to_str().unwrap();
    let readme = d.path().join("README.md");
    let check = registry(&["docs", "inject", dir, "--check"]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "missing README is out of date"
    );
    assert!(!readme.exists(), "--check changes nothing");
    assert_eq!(registry(&["docs", "inject", dir]).status.code(), Some(0));
    let text = std::fs::read_to_string(&readme).unwrap();
    assert!(
        text.starts_with("<!-- BEGIN_TF_DOCS -->\n") && text.ends_with("<!-- END_TF_DOCS -->\n")
    );
    assert_eq!(
        registry(&["docs", "inject", dir, "--check"]).status.code(),
        Some(0)
    );
    std::fs::write(&readme, text.replace("## Inputs", "## Stale")).unwrap();
    assert_eq!(
        registry(&["docs", "inject", dir, "--check"]).status.code(),
        Some(1)
    );
    registry(&["docs", "inject", dir]);
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), text);
    let other = d.path().join("DOCS.md");
    std::fs::write(&other, "# Title\n\nProse.\n").unwrap();
    registry(&["docs", "inject", dir, "--file", "DOCS.md"]);
    let t = std::fs::read_to_string(&other).unwrap();
    assert!(
        t.starts_with("# Title\n\nProse.\n\n<!-- BEGIN_TF_DOCS -->\n"),
        "{t}"
    );

    // A block terraform-docs 0.16-0.20 wrote (`|------|` separators) is
    // up to date without flags, and is kept in its style when updated.
    let compact = registry(&["docs", "markdown", dir, "--compact"]).stdout;
    let compact = String::from_utf8(compact).unwrap();
    std::fs::write(
        &readme,
        format!("<!-- BEGIN_TF_DOCS -->\n{}<!-- END_TF_DOCS -->\n", compact),
    )
    .unwrap();
    assert_eq!(
        registry(&["docs", "inject", dir, "--check"]).status.code(),
        Some(0),
        "an up-to-date 0.16-0.20 block"
    );
    let stale = std::fs::read_to_string(&readme)
        .unwrap()
        .replace("## Inputs", "## Stale");
    std::fs::write(&readme, &stale).unwrap();
    registry(&["docs", "inject", dir]);
    let updated = std::fs::read_to_string(&readme).unwrap();
    assert!(
        updated.contains("|------|") && !updated.contains("| ---- |"),
        "{updated}"
    );
}
