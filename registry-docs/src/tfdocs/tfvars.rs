//! terraform-docs' `tfvars hcl` and `tfvars json`: every input with its
//! default (sections and escaping do not apply), in input order.

use serde_json::Value;

use super::docmodel::{DocInput, DocModule};
use super::gojson;
use super::sanitize::sanitize_document;
use super::settings::Settings;

/// `tfvars json`: one object of `name: default` (`null` without one),
/// two-space indentation, HTML left unescaped (no trailing newline).
pub fn json(doc: &DocModule) -> String {
    if doc.inputs.is_empty() {
        return "{}".into();
    }
    let mut out = String::from("{\n");
    for (i, input) in doc.inputs.iter().enumerate() {
        out.push_str("  ");
        out.push_str(&gojson::string(&input.name, false));
        out.push_str(": ");
        gojson::write(
            input.default.as_ref().unwrap_or(&Value::Null),
            false,
            1,
            &mut out,
        );
        if i + 1 < doc.inputs.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push('}');
    out
}

/// `tfvars hcl`: `name = value` lines, names padded to the longest of each
/// run of one-line values; lists and maps with elements are written as
/// terraform-docs writes them (indented JSON) and end a run; `""` for no
/// default; with `settings.description`, each description as `#` comments
/// above its input (no trailing newline).
pub fn hcl(doc: &DocModule, settings: &Settings) -> String {
    let inputs = &doc.inputs;
    let padding = alignments(inputs, settings);
    let mut out = String::new();
    for (i, input) in inputs.iter().enumerate() {
        let line = format!(
            "{:<width$} = {}\n",
            input.name,
            value(input),
            width = padding[i]
        );
        if settings.description && !input.description.is_empty() {
            out.push_str("\n# ");
            out.push_str(&input.description.replace('\n', "\n# "));
            out.push('\n');
            out.push_str(&line);
            out.push('\n');
        } else {
            out.push_str(&line);
        }
    }
    sanitize_document(&out).trim_end_matches('\n').to_string()
}

/// terraform-docs' `value(GetValue)`: the default as indented JSON, `""`
/// for none (or null).
fn value(input: &DocInput) -> String {
    match &input.default {
        None | Some(Value::Null) => "\"\"".into(),
        Some(v) => gojson::to_string(v, false),
    }
}

/// A list or map default with elements: written on several lines.
fn multiline(input: &DocInput) -> bool {
    match &input.default {
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        _ => false,
    }
}

/// The width each name is padded to (terraform-docs' `alignments`).
fn alignments(inputs: &[DocInput], settings: &Settings) -> Vec<usize> {
    let mut padding = vec![0; inputs.len()];
    let (mut longest, mut run) = (0, 0);
    for (i, input) in inputs.iter().enumerate() {
        let described = settings.description && !input.description.is_empty();
        let len = input.name.len();
        if multiline(input) || described {
            padding[run..i].fill(longest);
            padding[i] = len;
            longest = 0;
            run = i + 1;
        } else if len > longest {
            longest = len;
        }
    }
    padding[run..].fill(longest);
    padding
}
