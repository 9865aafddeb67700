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

/// terraform-docs' OnlyInputs test settings: the golden ones, inputs only.
fn only_inputs() -> Settings {
    Settings {
        sections: registry_docs::tfdocs::settings::Sections {
            inputs: true,
            ..registry_docs::tfdocs::settings::Sections::NONE
        },
        ..golden_settings()
    }
}

/// terraform-docs' Empty test settings: default sections, no footer, no sort.
fn empty_module_settings() -> Settings {
    let mut s = Settings {
        sort: None,
        ..Settings::default()
    };
    s.sections.footer = false;
    s
}

/// A formatter's output on the example module against a golden.
fn golden(format: Format, settings: &Settings, name: &str) {
    let (out, problems) = render(&files(), "", settings, format, Flavor::Padded);
    assert!(problems.is_empty(), "{problems:?}");
    assert_same(&out, &expected(name));
    assert_eq!(
        out,
        expected(name),
        "{name}: the same lines, not the same bytes"
    );
}

#[test]
fn tfvars_hcl_and_json_match_terraform_docs_goldens() {
    golden(
        Format::TfvarsHcl,
        &golden_settings(),
        "tfvars-hcl-Base.golden",
    );
    golden(
        Format::TfvarsJson,
        &golden_settings(),
        "tfvars-json-Base.golden",
    );
    // Sections and escaping do not apply to them.
    let mut s = golden_settings();
    s.escape = true;
    s.sections.inputs = false;
    golden(
        Format::TfvarsJson,
        &s,
        "tfvars-json-EscapeCharacters.golden",
    );
    golden(Format::TfvarsHcl, &s, "tfvars-hcl-NoInputs-derived.golden");
}

#[test]
fn yaml_matches_terraform_docs_goldens() {
    golden(Format::Yaml, &golden_settings(), "yaml-Base.golden");
    let s = only_inputs();
    golden(Format::Yaml, &s, "yaml-OnlyInputs.golden");
}

#[test]
fn toml_matches_terraform_docs_goldens() {
    golden(Format::Toml, &golden_settings(), "toml-Base.golden");
    let s = only_inputs();
    golden(Format::Toml, &s, "toml-OnlyInputs.golden");
}

#[test]
fn an_empty_module_matches_terraform_docs_empty_goldens() {
    let s = empty_module_settings();
    let (out, _) = render(&ModuleFiles::new(), "", &s, Format::Toml, Flavor::Padded);
    assert_eq!(out, expected("toml-Empty.golden"));
}

#[test]
fn xml_matches_terraform_docs_goldens() {
    golden(Format::Xml, &golden_settings(), "xml-Base.golden");
    let s = only_inputs();
    golden(Format::Xml, &s, "xml-OnlyInputs.golden");
    let s = empty_module_settings();
    let (out, _) = render(&ModuleFiles::new(), "", &s, Format::Xml, Flavor::Padded);
    assert_eq!(out, expected("xml-Empty.golden"));
}

#[test]
fn pretty_matches_terraform_docs_goldens() {
    let mut s = golden_settings();
    s.color = false;
    golden(Format::Pretty, &s, "pretty-Base.golden");
    s.color = true;
    golden(Format::Pretty, &s, "pretty-WithColor-derived.golden");
}

#[test]
fn asciidoc_table_matches_terraform_docs_golden() {
    golden(
        Format::AsciidocTable,
        &golden_settings(),
        "asciidoc-table-Base.golden",
    );
}

#[test]
fn asciidoc_document_matches_terraform_docs_golden() {
    golden(
        Format::AsciidocDocument,
        &golden_settings(),
        "asciidoc-document-Base.golden",
    );
}

/// terraform-docs' OutputValues test settings: its zero configuration (sort,
/// anchors, escaping, colour and HTML off; HTML on for markdown), outputs
/// only, values from its `output_values.json`.
fn output_values(html: bool, sensitive: bool) -> Settings {
    let json = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/output_values.json"
    ))
    .unwrap();
    Settings {
        sort: None,
        anchor: false,
        escape: false,
        color: false,
        html,
        sensitive,
        output_values: Some(
            registry_docs::tfdocs::output_values::OutputValues::parse(&json, "output_values.json")
                .unwrap(),
        ),
        sections: registry_docs::tfdocs::settings::Sections {
            outputs: true,
            ..registry_docs::tfdocs::settings::Sections::NONE
        },
        ..Settings::default()
    }
}

#[test]
fn output_values_match_terraform_docs_goldens_in_every_formatter() {
    for (format, html, prefix) in [
        (Format::MarkdownTable, true, "table"),
        (Format::MarkdownDocument, true, "document"),
        (Format::AsciidocTable, false, "asciidoc-table"),
        (Format::AsciidocDocument, false, "asciidoc-document"),
    ] {
        golden(
            format,
            &output_values(html, true),
            &format!("{prefix}-OutputValues.golden"),
        );
        golden(
            format,
            &output_values(html, false),
            &format!("{prefix}-OutputValuesNoSensitivity.golden"),
        );
    }
    for (format, name) in [
        (Format::Pretty, "pretty-OutputValues.golden"),
        (Format::Json, "json-OutputValues.golden"),
        (Format::Yaml, "yaml-OutputValues.golden"),
        (Format::Toml, "toml-OutputValues.golden"),
        (Format::Xml, "xml-OutputValues.golden"),
    ] {
        golden(format, &output_values(false, true), name);
    }
    // The sensitive output's real value is never written.
    for format in [
        Format::MarkdownTable,
        Format::Json,
        Format::Pretty,
        Format::Xml,
    ] {
        let (out, _) = render(
            &files(),
            "",
            &output_values(true, true),
            format,
            Flavor::Padded,
        );
        assert!(
            !out.contains("sensitive-content-should-be-hidden"),
            "{format:?}"
        );
    }
}
