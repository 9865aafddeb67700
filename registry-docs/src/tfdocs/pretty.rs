//! terraform-docs' `pretty` formatter: its template's text, for a
//! terminal: `requirement.NAME (VERSION)`, `provider.NAME`, `module.NAME
//! (SOURCE,VERSION)`, `resource.SPEC (resource) (URL)`, `input.NAME
//! (DEFAULT)` and `output.NAME` lines with descriptions below, names in
//! cyan and header, descriptions and footer in grey when
//! `settings.color` is on. Unlike the markdown formats, nothing is
//! sanitised: only the trailing newlines go.

use super::docmodel::DocModule;
use super::gojson;
use super::settings::Settings;
use crate::model::ResourceMode;

const NAME: &str = "\x1b[36m";
const TEXT: &str = "\x1b[90m";

/// The `pretty` text (no trailing newline).
pub fn render(doc: &DocModule, settings: &Settings) -> String {
    let sec = &settings.sections;
    let c = |code: &str, s: &str| {
        if settings.color {
            format!("{code}{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    if sec.header {
        if !doc.header.is_empty() {
            out.push_str(&c(TEXT, &doc.header));
            out.push('\n');
        }
        out.push_str("\n\n");
    }
    let version = |v: &str| {
        if v.is_empty() {
            String::new()
        } else {
            format!(" ({v})")
        }
    };
    if sec.requirements {
        for r in &doc.requirements {
            out.push_str(&c(NAME, &format!("requirement.{}", r.name)));
            out.push_str(&version(&r.version));
            out.push('\n');
        }
        out.push_str("\n\n");
    }
    if sec.providers {
        for p in &doc.providers {
            out.push_str(&c(NAME, &format!("provider.{}", p.full_name())));
            out.push_str(&version(&p.version));
            out.push('\n');
        }
        out.push_str("\n\n");
    }
    if sec.modules {
        for m in &doc.modules {
            let full = if m.version.is_empty() {
                m.source.clone()
            } else {
                format!("{},{}", m.source, m.version)
            };
            out.push_str(&c(NAME, &format!("module.{}", m.name)));
            out.push_str(&format!(" ({full})\n"));
        }
        out.push_str("\n\n");
    }
    if sec.resources || sec.data_sources {
        for r in &doc.resources {
            let prefix = match r.mode {
                ResourceMode::Managed if sec.resources => "resource",
                ResourceMode::Data if sec.data_sources => "data",
                _ => continue,
            };
            let name = format!("{prefix}.{} ({})", r.spec(), r.mode_name());
            out.push_str(&c(NAME, &name));
            if let Some(url) = r.url() {
                out.push_str(&format!(" ({url})"));
            }
            out.push('\n');
        }
        out.push_str("\n\n");
    }
    let description = |d: &str| {
        let d = d.strip_suffix('\n').unwrap_or(d);
        if d.is_empty() {
            "n/a".to_string()
        } else {
            d.to_string()
        }
    };
    if sec.inputs {
        for i in &doc.inputs {
            let value = match &i.default {
                None => "required".to_string(),
                Some(v) => gojson::to_string(v, false),
            };
            out.push_str(&c(NAME, &format!("input.{}", i.name)));
            out.push_str(&format!(" ({value})\n"));
            out.push_str(&c(TEXT, &description(&i.description)));
            out.push_str("\n\n");
        }
        out.push('\n');
    }
    if sec.outputs {
        for o in &doc.outputs {
            out.push_str(&c(NAME, &format!("output.{}", o.name)));
            if settings.output_values.is_some() {
                out.push_str(&format!(" ({})", o.shown_value()));
            }
            out.push('\n');
            out.push_str(&c(TEXT, &description(&o.description)));
            out.push_str("\n\n");
        }
    }
    if sec.footer {
        if !doc.footer.is_empty() {
            out.push_str(&c(TEXT, &doc.footer));
            out.push('\n');
        }
        out.push_str("\n\n");
    }
    out.trim_end_matches(['\r', '\n']).to_string()
}
