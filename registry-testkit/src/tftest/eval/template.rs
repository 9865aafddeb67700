//! String templates: literals, `${…}` interpolations, `%{if}` and `%{for}`
//! directives with `~` strip markers. A template that is one interpolation
//! and nothing else is that expression's value, as HCL has it.

use hcl_edit::expr::Expression;
use hcl_edit::template::{Directive, Element, Strip, Template};

use super::{EvalCtx, Locals, eval};
use crate::tftest::budget;
use crate::tftest::diag::Diagnostic;
use crate::tftest::value::{Kind, Marks, Type, Value, convert, safe_prefix};

/// One piece of the output: text, and whether neighbouring literals lose
/// their adjacent whitespace.
enum Piece {
    Text(String),
    Unknown,
}

struct Out {
    pieces: Vec<Piece>,
    marks: Marks,
    /// The text so far, against the string budget.
    size: usize,
}

impl Out {
    fn push_text(&mut self, s: String) -> Result<(), Diagnostic> {
        self.size = self.size.saturating_add(s.len());
        budget::check_string_len(self.size)
            .map_err(|e| Diagnostic::error("Value size budget exceeded", e))?;
        self.pieces.push(Piece::Text(s));
        Ok(())
    }
}

/// Evaluate a template. `quoted` for a `"…"` template, whose directive
/// bodies still hold their backslash escapes in hcl-edit's tree (heredocs
/// and template files have none).
pub fn eval_template(t: &Template, cx: &EvalCtx<'_>, quoted: bool) -> Result<Value, Diagnostic> {
    // `"${x}"` alone is `x` itself, whatever its type.
    if let Some(Element::Interpolation(i)) = t.as_single_element()
        && i.strip == Strip::None
    {
        return eval(&i.expr, cx);
    }
    let mut out = Out {
        pieces: Vec::new(),
        marks: Marks::NONE,
        size: 0,
    };
    render_body(
        t,
        cx,
        &mut out,
        Edges {
            quoted,
            ..Edges::default()
        },
    )?;
    if let Some(first) = out.pieces.iter().position(|p| matches!(p, Piece::Unknown)) {
        // The text before the first unknown part is a known prefix (safe
        // to rely on only where no combining character can follow).
        let known: String = out.pieces[..first]
            .iter()
            .map(|p| match p {
                Piece::Text(s) => s.as_str(),
                Piece::Unknown => "",
            })
            .collect();
        return Ok(Value::unknown_string_with_prefix(safe_prefix(&known)).with_marks(out.marks));
    }
    let s: String = out
        .pieces
        .into_iter()
        .map(|p| match p {
            Piece::Text(s) => s,
            Piece::Unknown => String::new(),
        })
        .collect();
    Ok(Value::string(s).with_marks(out.marks))
}

fn strip_start_of_next(elems: &[Element], i: usize) -> bool {
    match elems.get(i + 1) {
        Some(Element::Interpolation(x)) => x.strip.strip_start(),
        Some(Element::Directive(d)) => match d.as_ref() {
            Directive::If(d) => d.if_expr.strip.strip_start(),
            Directive::For(d) => d.for_expr.strip.strip_start(),
        },
        _ => false,
    }
}

fn strip_end_of_prev(elems: &[Element], i: usize) -> bool {
    if i == 0 {
        return false;
    }
    match &elems[i - 1] {
        Element::Interpolation(x) => x.strip.strip_end(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(d) => d.endif_expr.strip.strip_end(),
            Directive::For(d) => d.endfor_expr.strip.strip_end(),
        },
        _ => false,
    }
}

/// Strip markers on the tags around a directive's body: `~}` on the
/// opening tag trims the body's start, `{~` on the closing one its end.
#[derive(Clone, Copy, Default)]
struct Edges {
    start: bool,
    end: bool,
    /// In a quoted template.
    quoted: bool,
    /// A directive's body (whose literals are still escaped when quoted).
    nested: bool,
}

impl Edges {
    fn body(self, start: bool, end: bool) -> Edges {
        Edges {
            start,
            end,
            nested: true,
            ..self
        }
    }
}

/// A quoted literal's escapes decoded (`\n`, `\"`, `\u00e9`, …).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(q @ ('"' | '\\')) => out.push(q),
            Some(u @ ('u' | 'U')) => {
                let n = if u == 'u' { 4 } else { 8 };
                let hex: String = (0..n).filter_map(|_| it.next()).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push('\\');
                        out.push(u);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn render_body(
    t: &Template,
    cx: &EvalCtx<'_>,
    out: &mut Out,
    edges: Edges,
) -> Result<(), Diagnostic> {
    let elems: Vec<Element> = t.iter().cloned().collect();
    for (i, e) in elems.iter().enumerate() {
        match e {
            Element::Literal(s) => {
                let mut text: &str = s.value();
                if strip_end_of_prev(&elems, i) || i == 0 && edges.start {
                    text = text.trim_start();
                }
                if strip_start_of_next(&elems, i) || i + 1 == elems.len() && edges.end {
                    text = text.trim_end();
                }
                out.push_text(if edges.quoted && edges.nested {
                    unescape(text)
                } else {
                    text.to_string()
                })?;
            }
            Element::Interpolation(x) => {
                let v = eval(&x.expr, cx)?;
                push_value(&v, cx, out, &x.expr)?;
            }
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    let c = eval(&d.if_expr.cond_expr, cx)?;
                    out.marks = out.marks.union(c.marks());
                    let c = convert(&c, &Type::Bool).map_err(|e| {
                        cx.error(
                            &d.if_expr.cond_expr,
                            "Invalid template if directive",
                            format!("The condition must be a bool: {e}."),
                        )
                    })?;
                    // The tag after the if-branch: `%{ else }` or `%{ endif }`.
                    let after_if = d.else_expr.as_ref().map_or(d.endif_expr.strip, |e| e.strip);
                    match c.as_bool() {
                        None => out.pieces.push(Piece::Unknown),
                        Some(true) => render_body(
                            &d.if_expr.template,
                            cx,
                            out,
                            edges.body(d.if_expr.strip.strip_end(), after_if.strip_start()),
                        )?,
                        Some(false) => {
                            if let Some(e) = &d.else_expr {
                                render_body(
                                    &e.template,
                                    cx,
                                    out,
                                    edges.body(
                                        e.strip.strip_end(),
                                        d.endif_expr.strip.strip_start(),
                                    ),
                                )?;
                            }
                        }
                    }
                }
                Directive::For(d) => {
                    let coll = eval(&d.for_expr.collection_expr, cx)?;
                    out.marks = out.marks.union(coll.marks());
                    let pairs: Vec<(Value, Value)> = match coll.kind() {
                        Kind::Unknown { .. } => {
                            out.pieces.push(Piece::Unknown);
                            continue;
                        }
                        Kind::List(_, items) | Kind::Tuple(items) => items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (Value::number(i), v.clone()))
                            .collect(),
                        Kind::Set(_, items) => {
                            items.iter().map(|v| (v.clone(), v.clone())).collect()
                        }
                        Kind::Map(_, m) | Kind::Object(m) => m
                            .iter()
                            .map(|(k, v)| (Value::string(k.clone()), v.clone()))
                            .collect(),
                        _ => {
                            return Err(cx.error(
                                &d.for_expr.collection_expr,
                                "Invalid template for directive",
                                "The collection must be a list, set, map or object.",
                            ));
                        }
                    };
                    for (k, v) in pairs {
                        let mut locals = Locals::for_iteration(cx.locals);
                        if let Some(kv) = &d.for_expr.key_var {
                            locals.set(kv.value().as_str(), k);
                        }
                        locals.set(d.for_expr.value_var.value().as_str(), v);
                        render_body(
                            &d.for_expr.template,
                            &cx.with_locals(&locals),
                            out,
                            edges.body(
                                d.for_expr.strip.strip_end(),
                                d.endfor_expr.strip.strip_start(),
                            ),
                        )?;
                    }
                }
            },
        }
    }
    Ok(())
}

fn push_value(
    v: &Value,
    cx: &EvalCtx<'_>,
    out: &mut Out,
    at: &Expression,
) -> Result<(), Diagnostic> {
    out.marks = out.marks.union(v.marks());
    if v.is_unknown() {
        out.pieces.push(Piece::Unknown);
        return Ok(());
    }
    if v.is_null() {
        return Err(cx.error(
            at,
            "Invalid template interpolation value",
            "The expression result is null. Cannot include a null value in a string template.",
        ));
    }
    match convert(v, &Type::String) {
        Ok(s) => out.push_text(s.as_str().unwrap_or_default().to_string()),
        Err(_) => Err(cx.error(
            at,
            "Invalid template interpolation value",
            format!(
                "Cannot include the given value in a string template: string required, but have {}.",
                v.ty().friendly()
            ),
        )),
    }
}
