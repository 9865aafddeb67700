//! terraform-docs' `json` formatter: the document ([`tree`](super::tree))
//! as Go's encoder writes it, two-space indentation, HTML escaped when
//! `escape` is on.

use super::docmodel::DocModule;
use super::gojson;
use super::settings::Settings;
use super::tree::{Node, document};

/// The `json` document (no trailing newline).
pub fn render(doc: &DocModule, settings: &Settings) -> String {
    let mut out = String::new();
    write(
        &Node::Map(document(doc, settings)),
        settings.escape,
        0,
        &mut out,
    );
    out
}

fn write(node: &Node, escape: bool, level: usize, out: &mut String) {
    let pad = |n: usize| "  ".repeat(n);
    match node {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Str(s) => out.push_str(&gojson::string(s, escape)),
        Node::Value(v) => gojson::write(v, escape, level, out),
        Node::OmitEmpty(inner) => write(inner, escape, level, out),
        Node::List(items) if items.is_empty() => out.push_str("[]"),
        Node::List(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(level + 1));
                write(item, escape, level + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(level));
            out.push(']');
        }
        Node::Map(fields) => {
            out.push_str("{\n");
            for (i, (k, v)) in fields.iter().enumerate() {
                out.push_str(&pad(level + 1));
                out.push_str(&gojson::string(k, escape));
                out.push_str(": ");
                write(v, escape, level + 1, out);
                out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(level));
            out.push('}');
        }
    }
}
