//! terraform-docs' `toml` formatter: the document ([`tree`](super::tree))
//! as BurntSushi/toml encodes it: in each table the plain keys first (in
//! order), then sub-tables and arrays of tables; a blank line before each
//! top-level table; two spaces of indentation per level; numbers as
//! float64 (`42.0`); an empty `types.String` as `""`; an input without a
//! default (or with a map) as a table. The `toml` crate orders and
//! indents differently, so this is its own small encoder.

use serde_json::Value;

use super::docmodel::DocModule;
use super::settings::Settings;
use super::tree::{Node, document};

/// The `toml` document (no trailing newline).
pub fn render(doc: &DocModule, settings: &Settings) -> String {
    let fields: Vec<(String, T)> = document(doc, settings)
        .into_iter()
        .map(|(k, v)| (k.to_string(), toml_of(&v)))
        .collect();
    let mut out = String::new();
    table_body(&[], &fields, &mut out);
    out.strip_suffix('\n').unwrap_or(&out).to_string()
}

/// A TOML value.
enum T {
    Bool(bool),
    Float(String),
    Str(String),
    Array(Vec<T>),
    Table(Vec<(String, T)>),
}

fn toml_of(n: &Node) -> T {
    match n {
        Node::Null => T::Str(String::new()),
        Node::Bool(b) => T::Bool(*b),
        Node::Str(s) => T::Str(s.clone()),
        Node::Value(v) => value(v),
        Node::OmitEmpty(inner) => toml_of(inner),
        Node::List(items) => T::Array(items.iter().map(toml_of).collect()),
        Node::Map(fields) => T::Table(
            fields
                .iter()
                .filter(|(_, v)| !matches!(v, Node::OmitEmpty(_)) || !v.is_go_empty())
                .map(|(k, v)| (k.to_string(), toml_of(v)))
                .collect(),
        ),
    }
}

/// A default: null as an empty table (as the encoder writes a nil map),
/// maps with sorted keys.
fn value(v: &Value) -> T {
    match v {
        Value::Null => T::Table(Vec::new()),
        Value::Bool(b) => T::Bool(*b),
        Value::Number(n) => T::Float(float(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => T::Str(s.clone()),
        Value::Array(a) => T::Array(a.iter().map(value).collect()),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            T::Table(
                keys.into_iter()
                    .map(|k| (k.clone(), value(&m[k])))
                    .collect(),
            )
        }
    }
}

/// A float64 as the encoder writes it: shortest digits, always a `.`.
fn float(f: f64) -> String {
    let s = format!("{f}");
    if s.contains(['.', 'e', 'n', 'i']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// Whether a value is written as a table (or an array of tables) rather
/// than `key = value`.
fn is_table(v: &T) -> bool {
    match v {
        T::Table(_) => true,
        T::Array(items) => !items.is_empty() && items.iter().all(|i| matches!(i, T::Table(_))),
        _ => false,
    }
}

/// A table's keys (`path` names it): plain keys, then tables.
fn table_body(path: &[&str], fields: &[(String, T)], out: &mut String) {
    let indent = "  ".repeat(path.len());
    for (k, v) in fields.iter().filter(|(_, v)| !is_table(v)) {
        out.push_str(&indent);
        out.push_str(&key(k));
        out.push_str(" = ");
        inline(v, out);
        out.push('\n');
    }
    for (k, v) in fields.iter().filter(|(_, v)| is_table(v)) {
        let mut sub: Vec<&str> = path.to_vec();
        sub.push(k);
        let name: Vec<String> = sub.iter().map(|p| key(p)).collect();
        let header_indent = "  ".repeat(path.len());
        match v {
            T::Table(inner) => {
                if path.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("{header_indent}[{}]\n", name.join(".")));
                table_body(&sub, inner, out);
            }
            T::Array(items) => {
                for item in items {
                    if let T::Table(inner) = item {
                        out.push('\n');
                        out.push_str(&format!("{header_indent}[[{}]]\n", name.join(".")));
                        table_body(&sub, inner, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A value after `key = `.
fn inline(v: &T, out: &mut String) {
    match v {
        T::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        T::Float(f) => out.push_str(f),
        T::Str(s) => out.push_str(&basic_string(s)),
        T::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inline(item, out);
            }
            out.push(']');
        }
        T::Table(fields) => {
            // A table inside an array: inline, as the encoder writes it there.
            out.push('{');
            for (i, (k, x)) in fields.iter().enumerate() {
                out.push_str(if i == 0 { " " } else { ", " });
                out.push_str(&key(k));
                out.push_str(" = ");
                inline(x, out);
            }
            out.push_str(if fields.is_empty() { "}" } else { " }" });
        }
    }
}

/// A bare key, or a quoted one when it has other characters.
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        basic_string(k)
    }
}

/// A TOML basic string.
fn basic_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_keys_and_strings() {
        assert_eq!(float(42.0), "42.0");
        assert_eq!(float(15.75), "15.75");
        assert_eq!(key("Created-By"), "Created-By");
        assert_eq!(key("a.b"), "\"a.b\"");
        assert_eq!(basic_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}
