//! Byte-for-byte compatibility with terraform-docs on its own example module
//! (`tests/fixtures/terraform-docs-examples`, terraform-docs' `examples/`).
//!
//! - `table-Base.golden`, `table-EscapeCharacters.golden`, `json-Base.golden`:
//!   terraform-docs' own test goldens (its test settings: sort off, anchors
//!   off, required column off, footer from footer.md).
//! - `*-DEFAULTS-derived*`: what the CLI writes with default settings plus
//!   `footer-from: footer.md` (as the example's `.terraform-docs.yml` has).

use registry_core::ModuleFiles;
use registry_docs::tfdocs::{Flavor, Format, Settings, render};

fn files() -> ModuleFiles {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/terraform-docs-examples"
    );
    let mut f = ModuleFiles::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        f.insert(
            e.file_name().to_string_lossy().to_string(),
            std::fs::read(e.path()).unwrap(),
        );
    }
    f
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/expected/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// terraform-docs' test base: every section on, sort off, escape/anchor/required off, html on.
fn golden_settings() -> Settings {
    let d = Settings::default();
    Settings {
        sort: None,
        escape: false,
        anchor: false,
        required: false,
        lockfile: false,
        footer_from: Some("footer.md".into()),
        sections: registry_docs::tfdocs::settings::Sections {
            footer: true,
            ..d.sections
        },
        ..d
    }
}

fn defaults_with_footer() -> Settings {
    let d = Settings::default();
    Settings {
        footer_from: Some("footer.md".into()),
        sections: registry_docs::tfdocs::settings::Sections {
            footer: true,
            ..d.sections
        },
        ..d
    }
}

fn assert_same(actual: &str, expected: &str) {
    if actual != expected {
        for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
            if a != e {
                panic!(
                    "first difference at line {}:\n  actual:   {a:?}\n  expected: {e:?}",
                    i + 1
                );
            }
        }
        panic!(
            "outputs differ in length: actual {} lines, expected {} lines",
            actual.lines().count(),
            expected.lines().count()
        );
    }
}

#[test]
fn markdown_table_matches_terraform_docs_golden() {
    let (out, problems) = render(
        &files(),
        "",
        &golden_settings(),
        Format::MarkdownTable,
        Flavor::Padded,
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert_same(&out, &expected("table-Base.golden"));
}

#[test]
fn markdown_table_with_escaping_matches_golden() {
    let mut s = golden_settings();
    s.escape = true;
    let (out, _) = render(&files(), "", &s, Format::MarkdownTable, Flavor::Padded);
    assert_same(&out, &expected("table-EscapeCharacters.golden"));
}

#[test]
fn markdown_table_with_cli_defaults() {
    let (out, _) = render(
        &files(),
        "",
        &defaults_with_footer(),
        Format::MarkdownTable,
        Flavor::Padded,
    );
    assert_same(&out, &expected("table-DEFAULTS-derived-v0.2x-padded.md"));
    let (out, _) = render(
        &files(),
        "",
        &defaults_with_footer(),
        Format::MarkdownTable,
        Flavor::Compact,
    );
    assert_same(
        &out,
        &expected("table-DEFAULTS-derived-v0.19-v0.20-compact.md"),
    );
}

#[test]
fn json_matches_terraform_docs() {
    let (out, _) = render(
        &files(),
        "",
        &golden_settings(),
        Format::Json,
        Flavor::Padded,
    );
    assert_same(&out, &expected("json-Base.golden"));
    let (out, _) = render(
        &files(),
        "",
        &defaults_with_footer(),
        Format::Json,
        Flavor::Padded,
    );
    assert_same(&out, &expected("json-DEFAULTS-derived.json"));
}

#[test]
fn a_changed_input_is_noticed() {
    // Guard: the comparison really compares.
    let mut f = files();
    f.insert("extra.tf", "variable \"zzz\" {}\n");
    let (out, _) = render(
        &f,
        "",
        &golden_settings(),
        Format::MarkdownTable,
        Flavor::Padded,
    );
    assert_ne!(out, expected("table-Base.golden"));
    assert!(out.contains("| zzz | n/a | `any` | n/a |"), "{out}");
}
