//! HCL's JSON syntax (`.tf.json`, `.tftest.json`) read into the generic
//! block tree: strings are templates, nested objects are blocks under
//! their labels. Read from [`syntax::json`](crate::tftest::syntax::json)'s
//! tree, so blocks (runs among them) keep their written order and every
//! attribute's expression knows its bytes in the file, for diagnostics.

use std::sync::Arc;

use hcl_edit::expr::{Expression, Object, ObjectKey, ObjectValue};

use super::body::{Attr, Block, Body, Expr};
use crate::tftest::diag::{Diagnostic, SourceFile};
use crate::tftest::syntax::json::{self, Node, NodeKind};

/// Parse a JSON file into a body.
pub fn parse_json(file: &Arc<SourceFile>) -> Result<Body, Diagnostic> {
    let root = json::parse(&file.text).map_err(|e| {
        let at = file.range(e.at..e.at);
        Diagnostic::error(
            "Invalid JSON",
            format!(
                "{}:{}:{}: {}",
                file.name, at.start.line, at.start.column, e.message
            ),
        )
        .at(Some(at))
    })?;
    let NodeKind::Object(top) = &root.kind else {
        return Err(Diagnostic::error(
            "Invalid JSON",
            format!("{}: the root of the file must be an object", file.name),
        ));
    };
    let mut body = Body::default();
    for p in top {
        let (k, v) = (p.key.as_str(), &p.value);
        if k == "//" {
            continue;
        }
        let depth = label_depth(k);
        if k == "locals" || k == "variables" && !file.name.ends_with(".tf.json") {
            blocks(k, v, 0, &mut Vec::new(), file, &mut body)?;
        } else if depth == 0 && !nested_block(k) && k != "terraform" {
            body.attrs.insert(k.to_string(), attr(k, v, file)?);
        } else {
            blocks(k, v, depth, &mut Vec::new(), file, &mut body)?;
        }
    }
    Ok(body)
}

/// The depth of block labels under each top-level JSON key of a
/// Terraform or test file.
fn label_depth(ty: &str) -> usize {
    match ty {
        "resource" | "data" | "ephemeral" => 2,
        "mock_resource" | "mock_data" | "variable" | "output" | "module" | "provider" | "check"
        | "run" | "mock_provider" | "removed" => 1,
        _ => 0,
    }
}

/// Keys that are blocks (not attributes) inside JSON bodies.
fn nested_block(key: &str) -> bool {
    matches!(
        key,
        "validation"
            | "precondition"
            | "postcondition"
            | "lifecycle"
            | "provisioner"
            | "connection"
            | "dynamic"
            | "assert"
            | "variables"
            | "module"
            | "plan_options"
            | "override_resource"
            | "override_data"
            | "override_module"
            | "mock_resource"
            | "mock_data"
            | "required_providers"
            | "backend"
            | "content"
    )
}

fn blocks(
    ty: &str,
    v: &Node,
    depth: usize,
    labels: &mut Vec<String>,
    file: &Arc<SourceFile>,
    out: &mut Body,
) -> Result<(), Diagnostic> {
    if depth > 0 {
        if let NodeKind::Object(props) = &v.kind {
            for p in props {
                labels.push(p.key.clone());
                blocks(ty, &p.value, depth - 1, labels, file, out)?;
                labels.pop();
            }
        }
        return Ok(());
    }
    let bodies: Vec<&Node> = match &v.kind {
        NodeKind::Array(items) => items.iter().collect(),
        _ => vec![v],
    };
    for b in bodies {
        let NodeKind::Object(props) = &b.kind else {
            return Err(Diagnostic::error(
                "Invalid JSON block",
                format!("{}: the {ty} block must be an object", file.name),
            ));
        };
        let mut body = Body::default();
        for p in props {
            let (k, v) = (p.key.as_str(), &p.value);
            if k == "//" {
                continue;
            }
            let is_container = matches!(v.kind, NodeKind::Object(_) | NodeKind::Array(_));
            if nested_block(k) && is_container {
                let depth = if k == "dynamic" || k == "provisioner" {
                    1
                } else {
                    label_depth(k)
                };
                blocks(k, v, depth, &mut Vec::new(), file, &mut body)?;
            } else {
                body.attrs.insert(k.to_string(), attr(k, v, file)?);
            }
        }
        out.blocks.push(Block {
            ty: ty.to_string(),
            labels: labels.clone(),
            body,
            range: Some(file.range(b.span.clone())),
            header: None,
            label_ranges: Vec::new(),
        });
    }
    Ok(())
}

fn attr(name: &str, v: &Node, file: &Arc<SourceFile>) -> Result<Attr, Diagnostic> {
    Ok(Attr {
        name: name.to_string(),
        expr: Expr {
            file: file.clone(),
            expr: Arc::new(expression(v, file)?),
            span: Some(v.span.clone()),
        },
        range: None,
    })
}

/// A JSON value as an expression: strings are templates (`"${var.x}"`).
fn expression(v: &Node, file: &Arc<SourceFile>) -> Result<Expression, Diagnostic> {
    Ok(match &v.kind {
        NodeKind::Null => Expression::null(),
        NodeKind::Bool(b) => Expression::from(*b),
        NodeKind::Number(n) => {
            hcl_edit::parser::parse_expr(&n.to_string()).unwrap_or_else(|_| Expression::null())
        }
        NodeKind::String(s) => {
            if s.contains("${") || s.contains("%{") {
                let t = crate::tftest::syntax::parse::parse_template(s).map_err(|e| {
                    Diagnostic::error(
                        "Invalid template",
                        format!("{}: {}: {}", file.name, s, e.message()),
                    )
                    .at(Some(file.range(v.span.clone())))
                })?;
                Expression::StringTemplate(hcl_edit::template::StringTemplate::from(
                    t.iter().cloned().collect::<Vec<_>>(),
                ))
            } else {
                Expression::String(hcl_edit::Decorated::new(s.clone()))
            }
        }
        NodeKind::Array(items) => {
            let mut arr = hcl_edit::expr::Array::new();
            for i in items {
                arr.push(expression(i, file)?);
            }
            Expression::Array(arr)
        }
        NodeKind::Object(props) => {
            let mut obj = Object::new();
            for p in props {
                obj.insert(
                    ObjectKey::Expression(Expression::String(hcl_edit::Decorated::new(
                        p.key.clone(),
                    ))),
                    ObjectValue::new(expression(&p.value, file)?),
                );
            }
            Expression::Object(obj)
        }
    })
}
