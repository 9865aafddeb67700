//! The usage builder: the `module` block that calls a module with the
//! values a user typed for its inputs (the web UI's form). Each value is
//! written as its input's type needs: a string quoted and escaped for HCL
//! (`${` and `%{` included, so nothing typed becomes an interpolation), a
//! number or bool checked, anything else checked to be an HCL expression.
//! Required inputs left empty get a typed placeholder.

use std::collections::BTreeMap;

use registry_core::{Input, ModuleInterface};

/// How a typed value is written, by the input's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `string`: typed as text, written quoted.
    Text,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// Lists, maps, objects, `any`: typed as an HCL expression.
    Expression,
}

impl InputKind {
    /// The kind of an input's type constraint (no type: an expression).
    pub fn of(input: &Input) -> InputKind {
        let t = input.type_expr.as_deref().unwrap_or("any").trim();
        match t.trim_matches('"') {
            "string" => InputKind::Text,
            "number" => InputKind::Number,
            "bool" => InputKind::Bool,
            _ => InputKind::Expression,
        }
    }
}

/// A value a user gave that its input's type refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageProblem {
    /// The input.
    pub input: String,
    /// What is wrong.
    pub message: String,
}

/// `text` as an HCL quoted string: quotes, backslashes and control
/// characters escaped, `${` and `%{` doubled so they stay literal.
pub fn hcl_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `v` is written as HCL writes a number (`-1`, `2.5`, `1e3`; not
/// `+1`, `.5` or `5.`), which Rust's float parser is kinder about.
fn is_hcl_number(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    let (mantissa, exponent) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, frac)) => all_digits(whole) && all_digits(frac),
        None => all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// One typed value written for its input, or why it cannot be.
fn written(input: &Input, value: &str) -> Result<String, String> {
    let v = value.trim();
    match InputKind::of(input) {
        InputKind::Text => Ok(hcl_string(value)),
        InputKind::Number => v
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && is_hcl_number(v))
            .map(|_| v.to_string())
            .ok_or_else(|| format!("{v:?} is not a number")),
        InputKind::Bool => match v {
            "true" | "false" => Ok(v.to_string()),
            _ => Err(format!("{v:?} is not true or false")),
        },
        InputKind::Expression => {
            // One expression, nothing after it: a value that parses as more
            // (`1\ncount = 0`) would add arguments to the block.
            let body = hcl::parse(&format!("v = {v}\n"))
                .map_err(|e| format!("not an HCL expression: {e}"))?;
            if body.attributes().count() != 1 || body.blocks().count() != 0 {
                return Err("not one HCL expression (it goes on past the value)".into());
            }
            Ok(v.lines().collect::<Vec<_>>().join("\n  "))
        }
    }
}

/// The `module` block calling `source` (with `version` when given) with
/// the `values` typed for the interface's inputs (by name; empty ones are
/// left out), required inputs not given as typed placeholders. Values an
/// input's type refuses are listed, and the block is still written
/// without them (a required one keeps its placeholder).
pub fn usage_block(
    call: &str,
    source: &str,
    version: Option<&str>,
    iface: &ModuleInterface,
    values: &BTreeMap<String, String>,
) -> (String, Vec<UsageProblem>) {
    let mut s = format!(
        "module {} {{\n  source  = {}\n",
        hcl_string(call),
        hcl_string(source)
    );
    if let Some(v) = version {
        s.push_str(&format!("  version = {}\n", hcl_string(v)));
    }
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    let ordered = iface
        .inputs
        .iter()
        .filter(|i| i.required)
        .chain(iface.inputs.iter().filter(|i| !i.required));
    for input in ordered {
        // A name that is not an identifier (a module from elsewhere may
        // carry one) is never written: it could close the block.
        if !registry_core::is_identifier(&input.name) {
            problems.push(UsageProblem {
                input: input.name.clone(),
                message: "not an identifier; left out of the block".into(),
            });
            continue;
        }
        let given = values.get(&input.name).filter(|v| !v.trim().is_empty());
        match given.map(|v| written(input, v)) {
            Some(Ok(text)) => lines.push(format!("  {} = {text}", input.name)),
            Some(Err(message)) => {
                problems.push(UsageProblem {
                    input: input.name.clone(),
                    message,
                });
                if input.required {
                    lines.push(placeholder_line(input));
                }
            }
            None if input.required => lines.push(placeholder_line(input)),
            None => {}
        }
    }
    if !lines.is_empty() {
        s.push('\n');
        for l in lines {
            s.push_str(&l);
            s.push('\n');
        }
    }
    s.push_str("}\n");
    (s, problems)
}

fn placeholder_line(input: &Input) -> String {
    let ty = input
        .type_expr
        .as_deref()
        .unwrap_or("any")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let value = match InputKind::of(input) {
        InputKind::Text => "\"\"",
        InputKind::Number => "0",
        InputKind::Bool => "false",
        InputKind::Expression => "null",
    };
    format!("  {} = {value} # required, {ty}", input.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, ty: Option<&str>, required: bool) -> Input {
        Input {
            name: name.into(),
            type_expr: ty.map(str::to_string),
            required,
            ..Default::default()
        }
    }

    fn iface() -> ModuleInterface {
        ModuleInterface {
            inputs: vec![
                input("tags", Some("map(string)"), false),
                input("name", Some("string"), true),
                input("size", Some("number"), true),
                input("public", Some("bool"), false),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn typed_values_are_written_for_their_types_and_required_ones_filled() {
        let values: BTreeMap<String, String> = [
            ("name", "web \"prod\" ${var.x} %{if}\nnext"),
            ("tags", "{ team = \"a\" }"),
            ("public", "true"),
            ("unknown", "ignored"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (block, problems) = usage_block(
            "app",
            "r.example.com/acme/app/aws",
            Some("~> 1.2"),
            &iface(),
            &values,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            block,
            "module \"app\" {\n  source  = \"r.example.com/acme/app/aws\"\n  version = \"~> 1.2\"\n\n  name = \"web \\\"prod\\\" $${var.x} %%{if}\\nnext\"\n  size = 0 # required, number\n  tags = { team = \"a\" }\n  public = true\n}\n"
        );
        hcl::parse(&block).expect("the block is HCL");
    }

    #[test]
    fn nothing_typed_or_named_can_add_to_the_block() {
        let mut i = iface();
        i.inputs.push(input(
            "x = 1\n}\nresource \"null_resource\" \"p\" {",
            Some("string"),
            true,
        ));
        let values: BTreeMap<String, String> = [
            ("tags", "{}\nproviders = { aws = aws.evil }"),
            ("size", "1\ncount = 0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (block, problems) = usage_block("app", "x/y/z", None, &i, &values);
        assert!(
            !block.contains("providers") && !block.contains("count") && !block.contains("resource"),
            "{block}"
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        let parsed = hcl::parse(&block).unwrap();
        assert_eq!(parsed.blocks().count(), 1);
    }

    #[test]
    fn values_their_types_refuse_are_named() {
        let values: BTreeMap<String, String> =
            [("size", "big"), ("public", "yes"), ("tags", "{ unclosed")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let (block, problems) = usage_block("app", "x/y/z", None, &iface(), &values);
        for (n, ok) in [
            ("-1", true),
            ("2.5", true),
            ("1e3", true),
            ("+1", false),
            (".5", false),
            ("5.", false),
            ("NaN", false),
        ] {
            assert_eq!(
                is_hcl_number(n) && n.parse::<f64>().is_ok_and(f64::is_finite),
                ok,
                "{n}"
            );
        }
        let named: Vec<&str> = problems.iter().map(|p| p.input.as_str()).collect();
        assert_eq!(named, ["size", "tags", "public"]);
        assert!(block.contains("size = 0 # required, number"), "{block}");
        hcl::parse(&block).expect("still HCL");
    }
}
