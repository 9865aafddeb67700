//! terraform-docs' `asciidoc table` and `asciidoc document`: the markdown
//! forms' sections as AsciiDoc (`== Inputs`, `[cols=…]` and `|===` tables
//! with one cell per line for inputs, or `=== name` blocks; code as
//! `[source]` blocks). terraform-docs renders AsciiDoc with escaping off,
//! whatever the settings say.

use super::docmodel::{DocInput, DocModule};
use super::sanitize::{
    anchor_asciidoc, fenced_code_block, sanitize_asciidoc_document, sanitize_asciidoc_table,
    sanitize_doc, sanitize_document, sanitize_section, value_or_na,
};
use super::settings::Settings;

fn heading(s: &Settings, title: &str) -> String {
    format!("{} {title}", "=".repeat(s.indent))
}

/// `== Title` and its "No …." line, unless empty sections are hidden.
fn empty_section(out: &mut String, s: &Settings, title: &str, text: &str) {
    if !s.hide_empty {
        out.push_str(&format!("{}\n\n{text}\n\n", heading(s, title)));
    }
}

/// `== Title`, the `[cols]` line and the header row of a table.
fn table_head(out: &mut String, s: &Settings, title: &str, columns: &[&str]) {
    out.push_str(&format!(
        "{}\n\n[cols=\"{}\",options=\"header,autowidth\"]\n|===\n|{}\n",
        heading(s, title),
        vec!["a"; columns.len()].join(","),
        columns.join(" |")
    ));
}

fn or_na(v: &str) -> &str {
    if v.is_empty() { "n/a" } else { v }
}

fn default_cell(i: &DocInput) -> String {
    sanitize_asciidoc_table(&value_or_na(&i.value()), false)
}

/// The `asciidoc table` document (no trailing newline).
pub fn table(doc: &DocModule, settings: &Settings) -> String {
    let s = &Settings {
        escape: false,
        ..settings.clone()
    };
    let a = |prefix: &str, name: &str| anchor_asciidoc(prefix, name, s.anchor, false);
    let mut out = String::new();
    let section_text = |text: &str, out: &mut String| {
        if !text.is_empty() {
            out.push_str(&sanitize_section(text, false, s.html));
            out.push_str("\n\n");
        }
    };
    if s.sections.header {
        section_text(&doc.header, &mut out);
    }
    if s.sections.requirements {
        if doc.requirements.is_empty() {
            empty_section(&mut out, s, "Requirements", "No requirements.");
        } else {
            table_head(&mut out, s, "Requirements", &["Name", "Version"]);
            for r in &doc.requirements {
                out.push_str(&format!(
                    "|{} |{}\n",
                    a("requirement", &r.name),
                    or_na(&r.version)
                ));
            }
            out.push_str("|===\n\n");
        }
    }
    if s.sections.providers {
        if doc.providers.is_empty() {
            empty_section(&mut out, s, "Providers", "No providers.");
        } else {
            table_head(&mut out, s, "Providers", &["Name", "Version"]);
            for p in &doc.providers {
                out.push_str(&format!(
                    "|{} |{}\n",
                    a("provider", &p.full_name()),
                    or_na(&p.version)
                ));
            }
            out.push_str("|===\n\n");
        }
    }
    if s.sections.modules {
        if doc.modules.is_empty() {
            empty_section(&mut out, s, "Modules", "No modules.");
        } else {
            table_head(&mut out, s, "Modules", &["Name", "Source", "Version"]);
            for m in &doc.modules {
                out.push_str(&format!(
                    "|{} |{} |{}\n",
                    a("module", &m.name),
                    m.source,
                    m.version
                ));
            }
            out.push_str("|===\n\n");
        }
    }
    if s.sections.resources || s.sections.data_sources {
        if doc.resources.is_empty() {
            empty_section(&mut out, s, "Resources", "No resources.");
        } else {
            table_head(&mut out, s, "Resources", &["Name", "Type"]);
            for r in &doc.resources {
                let shown = match r.mode {
                    crate::model::ResourceMode::Managed => s.sections.resources,
                    crate::model::ResourceMode::Data => s.sections.data_sources,
                };
                if !shown {
                    continue;
                }
                let spec = match r.url() {
                    Some(u) => format!("{u}[{}]", r.spec()),
                    None => r.spec(),
                };
                out.push_str(&format!("|{spec} |{}\n", r.mode_name()));
            }
            out.push_str("|===\n\n");
        }
    }
    if s.sections.inputs {
        if doc.inputs.is_empty() {
            empty_section(&mut out, s, "Inputs", "No inputs.");
        } else {
            let mut columns = vec!["Name", "Description"];
            if s.type_column {
                columns.push("Type");
            }
            if s.default {
                columns.push("Default");
            }
            if s.required {
                columns.push("Required");
            }
            table_head(&mut out, s, "Inputs", &columns);
            for i in &doc.inputs {
                out.push_str(&format!(
                    "|{}\n|{}",
                    a("input", &i.name),
                    sanitize_asciidoc_table(&i.description, false)
                ));
                if s.type_column {
                    let ty = sanitize_asciidoc_table(&fenced_code_block(&i.type_expr, ""), false);
                    out.push_str(&format!("\n|{ty}"));
                }
                if s.default {
                    out.push_str(&format!("\n|{}", default_cell(i)));
                }
                if s.required {
                    out.push_str(if i.required { "\n|yes" } else { "\n|no" });
                }
                out.push_str("\n\n");
            }
            out.push_str("|===\n\n");
        }
    }
    if s.sections.outputs {
        if doc.outputs.is_empty() {
            empty_section(&mut out, s, "Outputs", "No outputs.");
        } else {
            let values = s.output_values.is_some();
            let mut columns = vec!["Name", "Description"];
            if values {
                columns.push("Value");
                if s.sensitive {
                    columns.push("Sensitive");
                }
            }
            table_head(&mut out, s, "Outputs", &columns);
            for o in &doc.outputs {
                out.push_str(&format!(
                    "|{} |{}",
                    a("output", &o.name),
                    sanitize_asciidoc_table(&o.description, false)
                ));
                if values {
                    // Markdown fences and no sanitizing, as terraform-docs writes it.
                    out.push_str(&format!(" |{}", value_or_na(&o.shown_value())));
                    if s.sensitive {
                        out.push_str(if o.sensitive { " |yes" } else { " |no" });
                    }
                }
                out.push('\n');
            }
            out.push_str("|===\n\n");
        }
    }
    if s.sections.footer {
        section_text(&doc.footer, &mut out);
    }
    sanitize_document(&out)
}

/// `PrintFencedAsciidocCodeBlock` as the document's `type` and `value`
/// use it: inline code and a line end, or a `[source,LANG]` block.
fn code(text: &str, language: &str) -> String {
    if text.contains('\n') {
        format!("\n[source,{language}]\n----\n{text}\n----\n")
    } else {
        format!("`{text}`\n")
    }
}

fn input_block(out: &mut String, i: &DocInput, s: &Settings) {
    let name = anchor_asciidoc("input", &i.name, s.anchor, false);
    out.push_str(&format!(
        "{} {name}\n\nDescription: {}\n\n",
        "=".repeat(s.indent + 1),
        sanitize_asciidoc_document(&i.description, false, s.html)
    ));
    if s.type_column {
        out.push_str(&format!("Type: {}\n", code(&i.type_expr, "hcl")));
    }
    if s.default && !(s.required && i.required) {
        let v = i.value();
        let shown = if v.is_empty() {
            "n/a".to_string()
        } else {
            code(&v, "json")
        };
        out.push_str(&format!("Default: {shown}\n"));
    }
    out.push('\n');
}

/// The `asciidoc document` form (no trailing newline).
pub fn document(doc: &DocModule, settings: &Settings) -> String {
    let s = &Settings {
        escape: false,
        ..settings.clone()
    };
    let a = |prefix: &str, name: &str| anchor_asciidoc(prefix, name, s.anchor, false);
    let version = |v: &str| {
        if v.is_empty() {
            String::new()
        } else {
            format!(" ({v})")
        }
    };
    let sub = "=".repeat(s.indent + 1);
    let mut out = String::new();
    if s.sections.header && !doc.header.is_empty() {
        out.push_str(&format!(
            "{}\n\n",
            sanitize_section(&doc.header, false, s.html)
        ));
    }
    if s.sections.requirements {
        if doc.requirements.is_empty() {
            empty_section(&mut out, s, "Requirements", "No requirements.");
        } else {
            out.push_str(&format!(
                "{}\n\nThe following requirements are needed by this module:\n\n",
                heading(s, "Requirements")
            ));
            for r in &doc.requirements {
                out.push_str(&format!(
                    "- {}{}\n\n",
                    a("requirement", &r.name),
                    version(&r.version)
                ));
            }
        }
    }
    if s.sections.providers {
        if doc.providers.is_empty() {
            empty_section(&mut out, s, "Providers", "No providers.");
        } else {
            out.push_str(&format!(
                "{}\n\nThe following providers are used by this module:\n\n",
                heading(s, "Providers")
            ));
            for p in &doc.providers {
                out.push_str(&format!(
                    "- {}{}\n\n",
                    a("provider", &p.full_name()),
                    version(&p.version)
                ));
            }
        }
    }
    if s.sections.modules {
        if doc.modules.is_empty() {
            empty_section(&mut out, s, "Modules", "No modules.");
        } else {
            out.push_str(&format!(
                "{}\n\nThe following Modules are called:\n\n",
                heading(s, "Modules")
            ));
            for m in &doc.modules {
                out.push_str(&format!(
                    "{sub} {}\n\nSource: {}\n\nVersion: {}\n\n",
                    a("module", &m.name),
                    m.source,
                    m.version
                ));
            }
        }
    }
    if s.sections.resources || s.sections.data_sources {
        if doc.resources.is_empty() {
            empty_section(&mut out, s, "Resources", "No resources.");
        } else {
            out.push_str(&format!(
                "{}\n\nThe following resources are used by this module:\n\n",
                heading(s, "Resources")
            ));
            for r in &doc.resources {
                let shown = match r.mode {
                    crate::model::ResourceMode::Managed => s.sections.resources,
                    crate::model::ResourceMode::Data => s.sections.data_sources,
                };
                if shown {
                    let spec = match r.url() {
                        Some(u) => format!("{u}[{}]", r.spec()),
                        None => r.spec(),
                    };
                    out.push_str(&format!("- {spec} ({})\n", r.mode_name()));
                }
            }
            out.push('\n');
        }
    }
    if s.sections.inputs {
        if s.required {
            let (required, optional): (Vec<&DocInput>, Vec<&DocInput>) =
                doc.inputs.iter().partition(|i| i.required);
            for (title, intro, none, list) in [
                (
                    "Required Inputs",
                    "The following input variables are required:",
                    "No required inputs.",
                    required,
                ),
                (
                    "Optional Inputs",
                    "The following input variables are optional (have default values):",
                    "No optional inputs.",
                    optional,
                ),
            ] {
                if list.is_empty() {
                    empty_section(&mut out, s, title, none);
                } else {
                    out.push_str(&format!("{}\n\n{intro}\n\n", heading(s, title)));
                    for i in list {
                        input_block(&mut out, i, s);
                    }
                }
            }
        } else if doc.inputs.is_empty() {
            empty_section(&mut out, s, "Inputs", "No inputs.");
        } else {
            out.push_str(&format!(
                "{}\n\nThe following input variables are supported:\n\n",
                heading(s, "Inputs")
            ));
            for i in &doc.inputs {
                input_block(&mut out, i, s);
            }
        }
    }
    if s.sections.outputs {
        if doc.outputs.is_empty() {
            empty_section(&mut out, s, "Outputs", "No outputs.");
        } else {
            out.push_str(&format!(
                "{}\n\nThe following outputs are exported:\n\n",
                heading(s, "Outputs")
            ));
            for o in &doc.outputs {
                out.push_str(&format!(
                    "{sub} {}\n\nDescription: {}\n\n",
                    a("output", &o.name),
                    sanitize_asciidoc_document(&o.description, false, s.html)
                ));
                if s.output_values.is_some() {
                    let value = sanitize_doc(&code(&o.shown_value(), "json"), false, s.html);
                    out.push_str(&format!("Value: {value}\n\n"));
                    if s.sensitive {
                        let yes = if o.sensitive { "yes" } else { "no" };
                        out.push_str(&format!("Sensitive: {yes}\n"));
                    }
                    out.push('\n');
                }
            }
        }
    }
    if s.sections.footer && !doc.footer.is_empty() {
        out.push_str(&format!(
            "{}\n\n",
            sanitize_section(&doc.footer, false, s.html)
        ));
    }
    sanitize_document(&out)
}
