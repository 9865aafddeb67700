//! terraform-docs' `yaml` formatter: the document ([`tree`](super::tree))
//! as go-yaml v3 encodes it with an indent of 2: block mappings and
//! sequences (sequences indented under their key), empty collections
//! inline, multi-line strings as literal blocks, and go-yaml's choice of
//! plain, single- or double-quoted scalars (a string that would read as
//! another type is double-quoted; one plain style cannot hold, such as a
//! leading `>`, single-quoted; one with control characters or a space
//! before a line break, double-quoted). No serde YAML crate writes go-yaml's
//! layout (libyaml-based ones put sequences flush with their key and quote
//! differently), so this is its own small encoder.

use serde_json::Value;

use super::docmodel::DocModule;
use super::gojson;
use super::settings::Settings;
use super::tree::{Node, document};

/// The `yaml` document (no trailing newline).
pub fn render(doc: &DocModule, settings: &Settings) -> String {
    let mut out = String::new();
    for (k, v) in document(doc, settings) {
        entry(k, &yaml_of(&v), 0, &mut out);
    }
    out.trim_end_matches('\n').to_string()
}

/// A YAML value: the tree with defaults expanded, map keys in order.
enum Y {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Seq(Vec<Y>),
    Map(Vec<(String, Y)>),
}

fn yaml_of(n: &Node) -> Y {
    match n {
        Node::Null => Y::Null,
        Node::Bool(b) => Y::Bool(*b),
        Node::Str(s) => Y::Str(s.clone()),
        Node::Value(v) => value(v),
        Node::OmitEmpty(inner) => yaml_of(inner),
        Node::List(items) => Y::Seq(items.iter().map(yaml_of).collect()),
        Node::Map(fields) => Y::Map(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), yaml_of(v)))
                .collect(),
        ),
    }
}

/// A default value: maps with sorted keys (as go-yaml sorts Go maps),
/// numbers as go-yaml writes a float64.
fn value(v: &Value) -> Y {
    match v {
        Value::Null => Y::Null,
        Value::Bool(b) => Y::Bool(*b),
        Value::Number(n) => Y::Number(gojson::format_g(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => Y::Str(s.clone()),
        Value::Array(a) => Y::Seq(a.iter().map(value).collect()),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Y::Map(
                keys.into_iter()
                    .map(|k| (k.clone(), value(&m[k])))
                    .collect(),
            )
        }
    }
}

/// `key: value` at `indent`, and what the value needs below it.
fn entry(key: &str, v: &Y, indent: usize, out: &mut String) {
    out.push_str(&" ".repeat(indent));
    out.push_str(&scalar_text(key, indent));
    out.push(':');
    after_key(v, indent, out);
}

/// A value after `key:` (or after `- `): inline when it is a scalar or an
/// empty collection, else on the lines below.
fn after_key(v: &Y, indent: usize, out: &mut String) {
    match v {
        Y::Map(m) if !m.is_empty() => {
            out.push('\n');
            for (k, x) in m {
                entry(k, x, indent + 2, out);
            }
        }
        Y::Seq(s) if !s.is_empty() => {
            out.push('\n');
            items(s, indent + 2, out);
        }
        _ => {
            out.push(' ');
            inline(v, indent, out);
        }
    }
}

/// Sequence items at `indent`: `- ` then the item, a mapping's first key
/// on the dash's line.
fn items(s: &[Y], indent: usize, out: &mut String) {
    for item in s {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            Y::Map(m) if !m.is_empty() => {
                for (i, (k, x)) in m.iter().enumerate() {
                    if i == 0 {
                        out.push_str(&scalar_text(k, indent + 2));
                        out.push(':');
                        after_key(x, indent + 2, out);
                    } else {
                        entry(k, x, indent + 2, out);
                    }
                }
            }
            Y::Seq(inner) if !inner.is_empty() => {
                // The nested sequence's first dash on this line.
                let mut nested = String::new();
                items(inner, indent + 2, &mut nested);
                out.push_str(nested.trim_start());
            }
            _ => inline(item, indent, out),
        }
    }
}

/// A scalar or an empty collection, then the line's end.
fn inline(v: &Y, indent: usize, out: &mut String) {
    match v {
        Y::Null => out.push_str("null"),
        Y::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Y::Number(n) => out.push_str(n),
        Y::Str(s) => out.push_str(&scalar_text(s, indent)),
        Y::Seq(_) => out.push_str("[]"),
        Y::Map(_) => out.push_str("{}"),
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
}

/// A string scalar in go-yaml's style, for a value whose key is at `indent`
/// (a literal block's lines go 2 deeper).
fn scalar_text(s: &str, indent: usize) -> String {
    let a = analyze(s);
    if s.contains('\n') {
        if a.block_allowed {
            return literal(s, indent + 2);
        }
        return double_quoted(s);
    }
    if s.is_empty() || !resolves_to_string(s) {
        return double_quoted(s);
    }
    if a.block_plain_allowed {
        return s.to_string();
    }
    if a.single_quoted_allowed {
        return format!("'{}'", s.replace('\'', "''"));
    }
    double_quoted(s)
}

/// A literal block (`|-`, `|` or `|+` by its trailing newlines), lines
/// indented to `indent`, empty lines left empty.
fn literal(s: &str, indent: usize) -> String {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let hint = if s.starts_with(' ') { "2" } else { "" };
    let mut out = format!("|{hint}{chomp}\n");
    let body = s.strip_suffix('\n').unwrap_or(s);
    let pad = " ".repeat(indent);
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out.push('\n');
    out
}

/// A double-quoted scalar with YAML's escapes.
fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if !printable(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02X}"));
                } else if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04X}"));
                } else {
                    out.push_str(&format!("\\U{n:08X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// libyaml's printable set (go-yaml's `is_printable`).
fn printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
        && c != '\u{FEFF}'
}

/// Whether a plain scalar would read back as a string in go-yaml v3 (not
/// null, a bool, an old YAML 1.1 bool, a number, a base-60 float or a
/// timestamp).
fn resolves_to_string(s: &str) -> bool {
    const NULLS: &[&str] = &["~", "null", "Null", "NULL"];
    const BOOLS: &[&str] = &[
        "true", "True", "TRUE", "false", "False", "FALSE", "y", "Y", "yes", "Yes", "YES", "n", "N",
        "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    ];
    const FLOATS: &[&str] = &[
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN",
    ];
    if NULLS.contains(&s) || BOOLS.contains(&s) || FLOATS.contains(&s) {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    if !(first.is_ascii_digit() || matches!(first, '+' | '-' | '.')) {
        return true;
    }
    let plain = s.replace('_', "");
    !(go_int(&plain) || go_float_syntax(&plain) || base60(s) || timestamp(s))
}

/// Go's `strconv.ParseInt(s, 0, 64)` syntax (sign, then decimal, `0x`,
/// `0o`, `0b` or a leading-zero octal).
fn go_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (digits, radix) = if let Some(r) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (r, 8)
    } else if let Some(r) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (r, 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    !digits.is_empty() && i64::from_str_radix(digits, radix).is_ok()
}

/// Go's `strconv.ParseFloat` syntax for decimal floats (`1.5`, `.5`, `1e3`).
fn go_float_syntax(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac);
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok
}

/// A YAML 1.1 base-60 float (`1:20`, `-190:20:30.15`), which go-yaml quotes.
fn base60(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let Some((head, rest)) = body.split_once(':') else {
        return false;
    };
    let head_ok = !head.is_empty()
        && head.chars().all(|c| c.is_ascii_digit() || c == '_')
        && !head.starts_with('0');
    let (parts, frac) = rest.split_once('.').unwrap_or((rest, ""));
    head_ok
        && parts.split(':').all(|p| {
            p.len() <= 2
                && !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| n < 60)
        })
        && frac.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// A timestamp go-yaml would decode (`2001-12-14`, with or without a time).
fn timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// What libyaml's `yaml_emitter_analyze_scalar` allows a scalar.
struct Analysis {
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let blankz = |c: Option<&char>| {
        matches!(
            c,
            None | Some(' ' | '\t' | '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
        )
    };
    let is_break = |c: char| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut special, mut line_breaks) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = blankz(chars.get(i + 1));
        let (first, last) = (i == 0, i + 1 == chars.len());
        if first {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                block_indicators = true;
            }
            if (c == '?' || c == ':' || c == '-') && followed_by_whitespace {
                block_indicators = true;
            }
        } else if (c == ':' && followed_by_whitespace) || (c == '#' && preceded_by_whitespace) {
            block_indicators = true;
        }
        if !printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= first;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= first;
            trailing_break |= last;
            space_break |= previous_space;
            previous_break = true;
            previous_space = false;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = blankz(Some(&c));
    }
    let mut a = Analysis {
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_as_go_yaml_quotes_them() {
        for (s, want) in [
            ("bar", "bar"),
            ("19", "\"19\""),
            ("", "\"\""),
            ("null", "\"null\""),
            ("yes", "\"yes\""),
            ("1.5", "\"1.5\""),
            ("4.5.6", "4.5.6"),
            ("1:20", "\"1:20\""),
            ("2001-12-14", "\"2001-12-14\""),
            (">= 1.0", "'>= 1.0'"),
            ("It's", "It's"),
            ("a: b", "'a: b'"),
            ("- x", "'- x'"),
            ("x #y", "'x #y'"),
            ("git@github.com:module/path", "git@github.com:module/path"),
            ("\\.<>[]{}_-", "\\.<>[]{}_-"),
            ("tab\there", "\"tab\\there\""),
            (" lead", "' lead'"),
        ] {
            assert_eq!(scalar_text(s, 0), want, "{s:?}");
        }
        assert_eq!(scalar_text("a\nb", 0), "|-\n  a\n  b\n");
        assert_eq!(scalar_text("a\n\nb\n", 2), "|\n    a\n\n    b\n");
        assert_eq!(
            scalar_text("a  \nb", 0),
            "\"a  \\nb\"",
            "space before a break"
        );
    }
}
