//! terraform-docs' `markdown table` and `markdown document` formatters.
//!
//! Tables use the newer padded separators (`| ---- | ------- |`, written by
//! terraform-docs since v0.21); `Flavor::Compact` gives the v0.16–v0.20 form
//! (`|------|---------|`).

use super::docmodel::{DocInput, DocModule};
use super::sanitize::{
    anchor_markdown, fenced_code_block, sanitize_doc, sanitize_document, sanitize_markdown_table,
    sanitize_section, value_or_na,
};
use super::settings::Settings;

/// Which terraform-docs table separators to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavor {
    /// `| ---- | ------- |` (terraform-docs 0.21 and later).
    #[default]
    Padded,
    /// `|------|---------|` (terraform-docs 0.16 to 0.20).
    Compact,
}

fn sep(flavor: Flavor, cols: &[&str]) -> String {
    match flavor {
        Flavor::Padded => format!("| {} |", cols.join(" | ")),
        Flavor::Compact => {
            let widened: Vec<String> = cols
                .iter()
                .map(|c| match *c {
                    ":------:" => ":--------:".to_string(),
                    ":-------:" => ":---------:".to_string(),
                    other => format!("-{other}-"),
                })
                .collect();
            format!("|{}|", widened.join("|"))
        }
    }
}

fn heading(settings: &Settings, title: &str) -> String {
    format!("{} {title}", "#".repeat(settings.indent))
}

fn empty_section(out: &mut String, settings: &Settings, title: &str, text: &str) {
    if !settings.hide_empty {
        out.push_str(&format!("{}\n\n{text}\n\n", heading(settings, title)));
    }
}

fn header_and_footer(text: &str, settings: &Settings) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(
            "{}\n\n",
            sanitize_section(text, settings.escape, settings.html)
        )
    }
}

fn type_cell(i: &DocInput, s: &Settings) -> String {
    sanitize_markdown_table(&fenced_code_block(&i.type_expr, ""), s.escape, s.html)
}

fn default_cell(i: &DocInput, s: &Settings) -> String {
    value_cell(&i.value(), s)
}

/// A value in a table cell: `n/a`, inline code, or a `<pre>` block.
fn value_cell(v: &str, s: &Settings) -> String {
    sanitize_markdown_table(&value_or_na(v), s.escape, s.html)
}

/// The `markdown table` document (without the BEGIN/END markers, without a trailing newline).
pub fn table(doc: &DocModule, s: &Settings, flavor: Flavor) -> String {
    let mut out = String::new();
    if s.sections.header {
        out.push_str(&header_and_footer(&doc.header, s));
    }
    let a = |prefix: &str, name: &str| anchor_markdown(prefix, name, s.anchor, s.escape);
    let or_na = |v: &str| {
        if v.is_empty() {
            "n/a".to_string()
        } else {
            v.to_string()
        }
    };

    if s.sections.requirements {
        if doc.requirements.is_empty() {
            empty_section(&mut out, s, "Requirements", "No requirements.");
        } else {
            out.push_str(&format!(
                "{}\n\n| Name | Version |\n{}\n",
                heading(s, "Requirements"),
                sep(flavor, &["----", "-------"])
            ));
            for r in &doc.requirements {
                out.push_str(&format!(
                    "| {} | {} |\n",
                    a("requirement", &r.name),
                    or_na(&r.version)
                ));
            }
            out.push('\n');
        }
    }
    if s.sections.providers {
        if doc.providers.is_empty() {
            empty_section(&mut out, s, "Providers", "No providers.");
        } else {
            out.push_str(&format!(
                "{}\n\n| Name | Version |\n{}\n",
                heading(s, "Providers"),
                sep(flavor, &["----", "-------"])
            ));
            for p in &doc.providers {
                out.push_str(&format!(
                    "| {} | {} |\n",
                    a("provider", &p.full_name()),
                    or_na(&p.version)
                ));
            }
            out.push('\n');
        }
    }
    if s.sections.modules {
        if doc.modules.is_empty() {
            empty_section(&mut out, s, "Modules", "No modules.");
        } else {
            out.push_str(&format!(
                "{}\n\n| Name | Source | Version |\n{}\n",
                heading(s, "Modules"),
                sep(flavor, &["----", "------", "-------"])
            ));
            for m in &doc.modules {
                out.push_str(&format!(
                    "| {} | {} | {} |\n",
                    a("module", &m.name),
                    m.source,
                    or_na(&m.version)
                ));
            }
            out.push('\n');
        }
    }
    if s.sections.resources || s.sections.data_sources {
        let shown: Vec<_> = doc
            .resources
            .iter()
            .filter(|r| match r.mode {
                crate::model::ResourceMode::Managed => s.sections.resources,
                crate::model::ResourceMode::Data => s.sections.data_sources,
            })
            .collect();
        if doc.resources.is_empty() {
            empty_section(&mut out, s, "Resources", "No resources.");
        } else {
            out.push_str(&format!(
                "{}\n\n| Name | Type |\n{}\n",
                heading(s, "Resources"),
                sep(flavor, &["----", "----"])
            ));
            for r in shown {
                let spec = match r.url() {
                    Some(u) => format!("[{}]({u})", r.spec()),
                    None => r.spec(),
                };
                out.push_str(&format!("| {spec} | {} |\n", r.mode_name()));
            }
            out.push('\n');
        }
    }
    if s.sections.inputs {
        if doc.inputs.is_empty() {
            if !s.hide_empty {
                out.push_str(&format!("{}\n\nNo inputs.", heading(s, "Inputs")));
                out.push_str("\n\n");
            }
        } else {
            let mut head = String::from("| Name | Description |");
            let mut cols = vec!["----", "-----------"];
            if s.type_column {
                head.push_str(" Type |");
                cols.push("----");
            }
            if s.default {
                head.push_str(" Default |");
                cols.push("-------");
            }
            if s.required {
                head.push_str(" Required |");
                cols.push(":------:");
            }
            out.push_str(&format!(
                "{}\n\n{head}\n{}\n",
                heading(s, "Inputs"),
                sep(flavor, &cols)
            ));
            for i in &doc.inputs {
                out.push_str(&format!(
                    "| {} | {} |",
                    a("input", &i.name),
                    sanitize_markdown_table(&i.description, s.escape, s.html)
                ));
                if s.type_column {
                    out.push_str(&format!(" {} |", type_cell(i, s)));
                }
                if s.default {
                    out.push_str(&format!(" {} |", default_cell(i, s)));
                }
                if s.required {
                    out.push_str(&format!(" {} |", if i.required { "yes" } else { "no" }));
                }
                out.push('\n');
            }
            out.push('\n');
        }
    }
    if s.sections.outputs {
        if doc.outputs.is_empty() {
            empty_section(&mut out, s, "Outputs", "No outputs.");
        } else {
            let values = s.output_values.is_some();
            let mut head = String::from("| Name | Description |");
            let mut cols = vec!["----", "-----------"];
            if values {
                head.push_str(" Value |");
                cols.push("-----");
                if s.sensitive {
                    head.push_str(" Sensitive |");
                    cols.push(":-------:");
                }
            }
            out.push_str(&format!(
                "{}\n\n{head}\n{}\n",
                heading(s, "Outputs"),
                sep(flavor, &cols)
            ));
            for o in &doc.outputs {
                out.push_str(&format!(
                    "| {} | {} |",
                    a("output", &o.name),
                    sanitize_markdown_table(&o.description, s.escape, s.html)
                ));
                if values {
                    out.push_str(&format!(" {} |", value_cell(&o.shown_value(), s)));
                    if s.sensitive {
                        out.push_str(if o.sensitive { " yes |" } else { " no |" });
                    }
                }
                out.push('\n');
            }
            out.push('\n');
        }
    }
    if s.sections.footer {
        out.push_str(&header_and_footer(&doc.footer, s));
    }
    sanitize_document(&out)
}

fn doc_text(text: &str, s: &Settings) -> String {
    // `SanitizeDocument`: escaping and multi-line conventions, no <br/>.
    if text.is_empty() {
        return "n/a".into();
    }
    let t = super::sanitize::escape_characters(text, s.escape, false);
    let t = super::sanitize::convert_multi_line_text(&t, false, false, s.html);
    super::sanitize::normalize_urls(&t, s.escape)
}

fn doc_type(t: &str) -> String {
    if t.contains('\n') {
        fenced_code_block(t, "hcl")
    } else {
        format!("{}\n", fenced_code_block(t, "hcl"))
    }
}

fn doc_value(v: &str) -> String {
    if v.contains('\n') {
        fenced_code_block(v, "json")
    } else {
        format!("{}\n", fenced_code_block(v, "json"))
    }
}

fn input_block(out: &mut String, i: &DocInput, s: &Settings) {
    let h = "#".repeat(s.indent + 1);
    let name = anchor_markdown("input", &i.name, s.anchor, s.escape);
    out.push_str(&format!(
        "{h} {name}\n\nDescription: {}\n\n",
        doc_text(&i.description, s)
    ));
    if s.type_column {
        out.push_str(&format!("Type: {}\n", doc_type(&i.type_expr)));
    }
    if s.default && !(s.required && i.required) {
        let v = i.value();
        let shown = if v.is_empty() {
            "n/a".to_string()
        } else {
            doc_value(&v)
        };
        out.push_str(&format!("Default: {shown}\n"));
    }
}

/// The `markdown document` form.
pub fn document(doc: &DocModule, s: &Settings) -> String {
    let mut out = String::new();
    if s.sections.header {
        out.push_str(&header_and_footer(&doc.header, s));
    }
    let h = |t: &str| heading(s, t);
    let a = |prefix: &str, name: &str| anchor_markdown(prefix, name, s.anchor, s.escape);
    if s.sections.requirements {
        if doc.requirements.is_empty() {
            empty_section(&mut out, s, "Requirements", "No requirements.");
        } else {
            out.push_str(&format!(
                "{}\n\nThe following requirements are needed by this module:\n\n",
                h("Requirements")
            ));
            for r in &doc.requirements {
                out.push_str(&format!(
                    "- {} ({})\n\n",
                    a("requirement", &r.name),
                    if r.version.is_empty() {
                        "n/a"
                    } else {
                        &r.version
                    }
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
                h("Providers")
            ));
            for p in &doc.providers {
                let v = if p.version.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", p.version)
                };
                out.push_str(&format!("- {}{v}\n\n", a("provider", &p.full_name())));
            }
        }
    }
    if s.sections.modules {
        if doc.modules.is_empty() {
            empty_section(&mut out, s, "Modules", "No modules.");
        } else {
            out.push_str(&format!(
                "{}\n\nThe following Modules are called:\n\n",
                h("Modules")
            ));
            for m in &doc.modules {
                out.push_str(&format!(
                    "{} {}\n\nSource: {}\n\nVersion: {}\n\n",
                    "#".repeat(s.indent + 1),
                    a("module", &m.name),
                    m.source,
                    if m.version.is_empty() {
                        "n/a"
                    } else {
                        &m.version
                    }
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
                h("Resources")
            ));
            for r in &doc.resources {
                let spec = match r.url() {
                    Some(u) => format!("[{}]({u})", r.spec()),
                    None => r.spec(),
                };
                out.push_str(&format!("- {spec} ({})\n", r.mode_name()));
            }
            out.push('\n');
        }
    }
    if s.sections.inputs {
        if s.required {
            let (req, opt): (Vec<&DocInput>, Vec<&DocInput>) =
                doc.inputs.iter().partition(|i| i.required);
            for (title, intro, none, list) in [
                (
                    "Required Inputs",
                    "The following input variables are required:",
                    "No required inputs.",
                    req,
                ),
                (
                    "Optional Inputs",
                    "The following input variables are optional (have default values):",
                    "No optional inputs.",
                    opt,
                ),
            ] {
                if list.is_empty() {
                    empty_section(&mut out, s, title, none);
                } else {
                    out.push_str(&format!("{}\n\n{intro}\n\n", h(title)));
                    for i in list {
                        input_block(&mut out, i, s);
                        out.push('\n');
                    }
                }
            }
        } else if doc.inputs.is_empty() {
            empty_section(&mut out, s, "Inputs", "No inputs.");
        } else {
            out.push_str(&format!(
                "{}\n\nThe following input variables are supported:\n\n",
                h("Inputs")
            ));
            for i in &doc.inputs {
                input_block(&mut out, i, s);
                out.push('\n');
            }
        }
    }
    if s.sections.outputs {
        if doc.outputs.is_empty() {
            empty_section(&mut out, s, "Outputs", "No outputs.");
        } else {
            out.push_str(&format!(
                "{}\n\nThe following outputs are exported:\n\n",
                h("Outputs")
            ));
            for o in &doc.outputs {
                out.push_str(&format!(
                    "{} {}\n\nDescription: {}\n\n",
                    "#".repeat(s.indent + 1),
                    a("output", &o.name),
                    doc_text(&o.description, s)
                ));
                if s.output_values.is_some() {
                    let value = sanitize_doc(&doc_value(&o.shown_value()), s.escape, s.html);
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
    if s.sections.footer {
        out.push_str(&header_and_footer(&doc.footer, s));
    }
    sanitize_document(&out)
}
