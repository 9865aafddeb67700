//! A bundled example's code as a caller would copy it: its `module` calls
//! with a relative `source` inside the module (`../..`, `../../modules/x`)
//! point at this registry's address instead, with a version constraint,
//! so the copy installs the published module and not a local folder.
//! Everything else is kept byte for byte (the edit replaces spans of the
//! original text).

use hcl::edit::structure::{Body, Structure};
use hcl::edit::{Span, expr::Expression};

/// Where a relative `source` written in `example_dir` lands inside the
/// module: `Some("")` for the root, `Some("modules/x")`, or `None` when it
/// is not relative or climbs out of the module.
fn resolve(example_dir: &str, source: &str) -> Option<String> {
    if !(source.starts_with("./") || source.starts_with("../")) {
        return None;
    }
    let mut parts: Vec<&str> = example_dir.split('/').filter(|p| !p.is_empty()).collect();
    for piece in source.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// `code` (a `.tf` file of `example_dir`) with its relative module sources
/// rewritten to `address` (`host/ns/name/system`) and `version` added to
/// calls that lack one. Code that does not parse is returned unchanged.
pub fn rewrite_relative_sources(
    code: &str,
    example_dir: &str,
    address: &str,
    version: &str,
) -> String {
    let Ok(body) = hcl::edit::parser::parse_body(code) else {
        return code.to_string();
    };
    // (byte range to replace, replacement), applied back to front.
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    collect_edits(&body, code, example_dir, address, version, &mut edits);
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = code.to_string();
    for (range, text) in edits {
        out.replace_range(range, &text);
    }
    out
}

fn collect_edits(
    body: &Body,
    code: &str,
    example_dir: &str,
    address: &str,
    version: &str,
    edits: &mut Vec<(std::ops::Range<usize>, String)>,
) {
    for structure in body.iter() {
        let Structure::Block(block) = structure else {
            continue;
        };
        if block.ident.as_str() != "module" {
            continue;
        }
        let attr = |name: &str| {
            block.body.iter().find_map(|s| match s {
                Structure::Attribute(a) if a.key.as_str() == name => Some(a),
                _ => None,
            })
        };
        let Some(source) = attr("source") else {
            continue;
        };
        let Expression::String(s) = &source.value else {
            continue;
        };
        let Some(target) = resolve(example_dir, s.value()) else {
            continue;
        };
        let Some(span) = source.value.span() else {
            continue;
        };
        let new_source = if target.is_empty() {
            address.to_string()
        } else {
            format!("{address}//{target}")
        };
        edits.push((span.clone(), format!("{new_source:?}")));
        if attr("version").is_none() {
            // After the source line, indented as the source attribute is.
            let Some(attr_span) = source.span() else {
                continue;
            };
            let line_start = code[..attr_span.start].rfind('\n').map_or(0, |i| i + 1);
            let indent: String = code[line_start..attr_span.start]
                .chars()
                .take_while(|c| c.is_whitespace())
                .collect();
            let line_end = code[span.end..]
                .find('\n')
                .map_or(code.len(), |i| span.end + i);
            edits.push((
                line_end..line_end,
                format!("\n{indent}version = {version:?}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_sources_inside_the_module_name_the_registry() {
        let code = "# Basic use.\nmodule \"vpc\" {\n  source = \"../..\"\n  cidr   = \"10.0.0.0/16\"\n}\n\nmodule \"net\" {\n  source  = \"../../modules/net\"\n  version = \"1.0.0\"\n}\n\nmodule \"other\" {\n  source = \"../../../elsewhere\"\n}\n\nmodule \"remote\" {\n  source = \"acme/x/aws\"\n}\n";
        let out = rewrite_relative_sources(
            code,
            "examples/basic",
            "reg.example.com/acme/vpc/aws",
            "~> 1.2",
        );
        assert_eq!(
            out,
            "# Basic use.\nmodule \"vpc\" {\n  source = \"reg.example.com/acme/vpc/aws\"\n  version = \"~> 1.2\"\n  cidr   = \"10.0.0.0/16\"\n}\n\nmodule \"net\" {\n  source  = \"reg.example.com/acme/vpc/aws//modules/net\"\n  version = \"1.0.0\"\n}\n\nmodule \"other\" {\n  source = \"../../../elsewhere\"\n}\n\nmodule \"remote\" {\n  source = \"acme/x/aws\"\n}\n"
        );
    }

    #[test]
    fn code_that_does_not_parse_is_kept() {
        let code = "module \"x\" {\n  source = \"../..\"\n";
        assert_eq!(
            rewrite_relative_sources(code, "examples/a", "h/a/b/c", "~> 1"),
            code
        );
    }
}
