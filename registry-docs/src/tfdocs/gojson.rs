//! JSON written the way Go's `encoding/json` encoder with `SetIndent("", "  ")`
//! writes it (terraform-docs is Go): sorted map keys, Go's string escaping
//! (optionally HTML-safe) and Go's float formatting.

use serde_json::Value;

/// A JSON string literal as Go writes it.
pub fn string(s: &str, escape_html: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if escape_html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number as Go's encoder writes a float64.
pub fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Go: 'e' format with the shortest mantissa; a positive exponent gets a
        // '+' (it has at least two digits here), a negative one no leading zero.
        let s = format!("{f:e}");
        return match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        };
    }
    format!("{f}")
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`, as go-yaml and
/// `encoding/xml` write a float64: the shortest digits, in exponent form
/// below 1e-4 and from 1e6.
pub fn format_g(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// A value, indented with `indent` at depth `level`, Go style.
pub fn write(v: &Value, escape_html: bool, level: usize, out: &mut String) {
    let pad = |n: usize| "  ".repeat(n);
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(&string(s, escape_html)),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        Value::Array(a) => {
            out.push_str("[\n");
            for (i, item) in a.iter().enumerate() {
                out.push_str(&pad(level + 1));
                write(item, escape_html, level + 1, out);
                if i + 1 < a.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&pad(level));
            out.push(']');
        }
        Value::Object(m) if m.is_empty() => out.push_str("{}"),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push_str("{\n");
            for (i, k) in keys.iter().enumerate() {
                out.push_str(&pad(level + 1));
                out.push_str(&string(k, escape_html));
                out.push_str(": ");
                write(&m[*k], escape_html, level + 1, out);
                if i + 1 < keys.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&pad(level));
            out.push('}');
        }
    }
}

/// A whole value as text.
pub fn to_string(v: &Value, escape_html: bool) -> String {
    let mut s = String::new();
    write(v, escape_html, 0, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_style_output() {
        assert_eq!(
            to_string(&json!({"c": 3, "a": 1, "b": [1, "x"]}), false),
            "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    \"x\"\n  ],\n  \"c\": 3\n}"
        );
        assert_eq!(to_string(&json!("\\.<>[]{}_-"), false), "\"\\\\.<>[]{}_-\"");
        assert_eq!(to_string(&json!(">= 2.15.0"), true), "\"\\u003e= 2.15.0\"");
        assert_eq!(to_string(&json!(15.75), false), "15.75");
        assert_eq!(to_string(&json!(1e21), false), "1e+21");
        assert_eq!(to_string(&json!({}), false), "{}");
    }

    #[test]
    fn g_format_as_go_writes_it() {
        assert_eq!(format_g(42.0), "42");
        assert_eq!(format_g(15.75), "15.75");
        assert_eq!(format_g(1e21), "1e+21");
        assert_eq!(format_g(1_000_000.0), "1e+06");
        assert_eq!(format_g(123_456.0), "123456");
        assert_eq!(format_g(0.00001), "1e-05");
    }
}
