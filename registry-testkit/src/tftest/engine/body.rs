//! A resource block's body as the configuration value a provider sees:
//! every attribute of its schema (null when not set), nested blocks by
//! their nesting mode, `dynamic` blocks expanded; without a schema, the
//! attributes and blocks as written.

use std::collections::BTreeMap;

use crate::tftest::config::body::{Block, Body};
use crate::tftest::diag::Diagnostic;
use crate::tftest::eval::{EvalCtx, Locals, eval};
use crate::tftest::providers::{Nesting, Schema};
use crate::tftest::value::{Kind, Value, convert};

/// The blocks of a body of one type, `dynamic` ones expanded, each with
/// the iterator bindings its content sees.
/// One block as it appears after `dynamic` expansion: its body, the
/// iterator bindings its content sees, and its first label.
type BlockInstance<'b> = (&'b Body, Vec<(String, Value)>, Option<String>);

fn blocks_of<'b>(
    body: &'b Body,
    ty: &str,
    cx: &EvalCtx<'_>,
) -> Result<Vec<BlockInstance<'b>>, Diagnostic> {
    let mut out = Vec::new();
    for b in &body.blocks {
        if b.ty == ty {
            out.push((&b.body, Vec::new(), b.labels.first().cloned()));
        } else if b.ty == "dynamic" && b.label(0) == ty {
            out.extend(expand_dynamic(b, cx)?);
        }
    }
    Ok(out)
}

fn expand_dynamic<'b>(
    b: &'b Block,
    cx: &EvalCtx<'_>,
) -> Result<Vec<BlockInstance<'b>>, Diagnostic> {
    let iterator = b
        .body
        .attr("iterator")
        .and_then(|a| crate::tftest::eval::traversal_text(&a.expr.expr))
        .unwrap_or_else(|| b.label(0).to_string());
    let Some(content) = b.body.blocks_of("content").next() else {
        return Err(Diagnostic::error(
            "Missing content block",
            "A dynamic block must have a nested block of type \"content\" to describe the body of each generated block.",
        )
        .at(b.header.clone()));
    };
    let Some(fe) = b.body.attr("for_each") else {
        return Err(Diagnostic::error(
            "Missing required argument",
            "The argument \"for_each\" is required, but no definition was found.",
        )
        .at(b.header.clone()));
    };
    let coll = eval(&fe.expr.expr, cx)?;
    let pairs: Vec<(Value, Value)> = match coll.kind() {
        Kind::Null(_) => Vec::new(),
        Kind::Unknown { .. } => {
            return Err(Diagnostic::error(
                "Invalid dynamic for_each value",
                "The for_each value depends on values that cannot be determined until apply.",
            )
            .at(fe.expr.range()));
        }
        Kind::List(_, items) | Kind::Tuple(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Value::number(i), v.clone()))
            .collect(),
        Kind::Set(_, items) => items.iter().map(|v| (v.clone(), v.clone())).collect(),
        Kind::Map(_, m) | Kind::Object(m) => m
            .iter()
            .map(|(k, v)| (Value::string(k.clone()), v.clone()))
            .collect(),
        _ => {
            return Err(Diagnostic::error(
                "Invalid dynamic for_each value",
                format!(
                    "Cannot use a {} value in for_each. An iterable collection is required.",
                    coll.ty().friendly()
                ),
            )
            .at(fe.expr.range()));
        }
    };
    Ok(pairs
        .into_iter()
        .map(|(k, v)| {
            let it = Value::object_from([("key", k), ("value", v)]);
            (&content.body, vec![(iterator.clone(), it)], None)
        })
        .collect())
}

fn with_bindings<T>(
    cx: &EvalCtx<'_>,
    bindings: &[(String, Value)],
    f: impl FnOnce(&EvalCtx<'_>) -> T,
) -> T {
    if bindings.is_empty() {
        return f(cx);
    }
    let mut locals = match cx.locals {
        Some(o) => Locals::within(o),
        None => Locals::new(),
    };
    for (k, v) in bindings {
        locals.set(k.clone(), v.clone());
    }
    f(&cx.with_locals(&locals))
}

/// The configuration value of a body.
pub fn config_value(
    body: &Body,
    schema: Option<&Schema>,
    cx: &EvalCtx<'_>,
) -> Result<Value, Diagnostic> {
    match schema {
        Some(s) => with_schema(body, s, cx),
        None => without_schema(body, cx),
    }
}

fn with_schema(body: &Body, schema: &Schema, cx: &EvalCtx<'_>) -> Result<Value, Diagnostic> {
    let mut out = BTreeMap::new();
    for a in body.attrs.values() {
        if !schema.attributes.contains_key(&a.name) {
            return Err(Diagnostic::error(
                "Unsupported argument",
                format!("An argument named {:?} is not expected here.", a.name),
            )
            .at(a.range.clone())
            .in_context(cx.context));
        }
    }
    for b in &body.blocks {
        let ty = if b.ty == "dynamic" {
            b.label(0)
        } else {
            b.ty.as_str()
        };
        if !schema.blocks.contains_key(ty) {
            return Err(Diagnostic::error(
                "Unsupported block type",
                format!("Blocks of type {ty:?} are not expected here."),
            )
            .at(b.header.clone())
            .in_context(cx.context));
        }
    }
    for (name, attr) in &schema.attributes {
        let ty = attr.value_type();
        let v = match body.attr(name) {
            Some(a) => {
                let v = eval(&a.expr.expr, cx)?;
                convert(&v, &ty).map_err(|e| {
                    Diagnostic::error(
                        "Incorrect attribute value type",
                        format!("Inappropriate value for attribute {name:?}: {e}."),
                    )
                    .at(a.expr.range())
                    .in_context(cx.context)
                })?
            }
            None if attr.required => {
                return Err(Diagnostic::error(
                    "Missing required argument",
                    format!("The argument {name:?} is required, but no definition was found."),
                )
                .at(body.range.clone())
                .in_context(cx.context));
            }
            None => Value::null(ty),
        };
        out.insert(name.clone(), if attr.sensitive { v.sensitive() } else { v });
    }
    for (name, bt) in &schema.blocks {
        let found = blocks_of(body, name, cx)?;
        let mut items = Vec::new();
        let mut keyed = BTreeMap::new();
        for (b, bindings, label) in &found {
            let v = with_bindings(cx, bindings, |cx| with_schema(b, &bt.block, cx))?;
            match label {
                Some(l) if bt.nesting == Nesting::Map => {
                    keyed.insert(l.clone(), v);
                }
                _ => items.push(v),
            }
        }
        let obj = bt.block.value_type();
        let v = match bt.nesting {
            Nesting::List => Value::list(obj, items),
            Nesting::Set => Value::set(obj, items),
            Nesting::Map => Value::map(obj, keyed),
            Nesting::Single => items.into_iter().next().unwrap_or_else(|| Value::null(obj)),
            Nesting::Group => match items.into_iter().next() {
                Some(v) => v,
                None => with_schema(&Body::default(), &bt.block, cx)?,
            },
        };
        out.insert(name.clone(), v);
    }
    Ok(Value::object(out))
}

fn without_schema(body: &Body, cx: &EvalCtx<'_>) -> Result<Value, Diagnostic> {
    let mut out = BTreeMap::new();
    for a in body.attrs.values() {
        out.insert(a.name.clone(), eval(&a.expr.expr, cx)?);
    }
    let mut types: Vec<String> = body
        .blocks
        .iter()
        .map(|b| {
            if b.ty == "dynamic" {
                b.label(0).to_string()
            } else {
                b.ty.clone()
            }
        })
        .collect();
    types.dedup();
    for ty in types {
        if out.contains_key(&ty) {
            continue;
        }
        let mut items = Vec::new();
        for (b, bindings, _) in blocks_of(body, &ty, cx)? {
            items.push(with_bindings(cx, &bindings, |cx| without_schema(b, cx))?);
        }
        out.insert(ty, Value::tuple(items));
    }
    Ok(Value::object(out))
}
