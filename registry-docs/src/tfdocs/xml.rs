//! terraform-docs' `xml` formatter: the document ([`tree`](super::tree))
//! as Go's `encoding/xml` `MarshalIndent(…, "", "  ")` writes it: a
//! `<module>` root, list items named for their list (`<input>`, and
//! `<item>` in a default), map keys as element names (sorted), nulls as
//! `xsi:nil="true"`, Go's text escaping (`&#39;`, `&#xA;`, …).

use serde_json::Value;

use super::docmodel::DocModule;
use super::gojson;
use super::settings::Settings;
use super::tree::{Node, document};

/// The `xml` document (no trailing newline).
pub fn render(doc: &DocModule, settings: &Settings) -> String {
    let mut out = String::from("<module>\n");
    for (k, v) in document(doc, settings) {
        element(k, &xml_of(k, &v), 1, &mut out);
    }
    out.push_str("</module>");
    out
}

/// An XML element's content.
enum X {
    Nil,
    Text(String),
    Children(Vec<(String, X)>),
}

/// The element name of a list's items.
fn item_name(list: &str) -> &'static str {
    match list {
        "inputs" => "input",
        "modules" => "module",
        "outputs" => "output",
        "providers" => "provider",
        "requirements" => "requirement",
        "resources" => "resource",
        _ => "item",
    }
}

fn xml_of(name: &str, n: &Node) -> X {
    match n {
        Node::Null => X::Nil,
        Node::Bool(b) => X::Text(b.to_string()),
        Node::Str(s) => X::Text(s.clone()),
        Node::Value(v) => value(v),
        Node::OmitEmpty(inner) => xml_of(name, inner),
        Node::List(items) => X::Children(
            items
                .iter()
                .map(|i| (item_name(name).to_string(), xml_of("", i)))
                .collect(),
        ),
        Node::Map(fields) => X::Children(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), xml_of(k, v)))
                .collect(),
        ),
    }
}

fn value(v: &Value) -> X {
    match v {
        Value::Null => X::Nil,
        Value::Bool(b) => X::Text(b.to_string()),
        // A float64 to terraform-docs (1000000 is `1e+06`).
        Value::Number(n) => X::Text(gojson::format_g(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => X::Text(s.clone()),
        Value::Array(a) => X::Children(a.iter().map(|x| ("item".to_string(), value(x))).collect()),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            X::Children(
                keys.into_iter()
                    .map(|k| (k.clone(), value(&m[k])))
                    .collect(),
            )
        }
    }
}

fn element(name: &str, x: &X, level: usize, out: &mut String) {
    let pad = "  ".repeat(level);
    match x {
        X::Nil => out.push_str(&format!("{pad}<{name} xsi:nil=\"true\"></{name}>\n")),
        X::Text(t) => out.push_str(&format!("{pad}<{name}>{}</{name}>\n", escape(t))),
        X::Children(c) if c.is_empty() => out.push_str(&format!("{pad}<{name}></{name}>\n")),
        X::Children(c) => {
            out.push_str(&format!("{pad}<{name}>\n"));
            for (k, v) in c {
                element(k, v, level + 1, out);
            }
            out.push_str(&format!("{pad}</{name}>\n"));
        }
    }
}

/// Go's `xml.EscapeText`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c if valid_xml(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// XML's character range (Go's `isInCharacterRange`).
fn valid_xml(c: char) -> bool {
    matches!(c as u32, 0x09 | 0x0A | 0x0D | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}
