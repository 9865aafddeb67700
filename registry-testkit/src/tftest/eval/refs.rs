//! What an expression refers to, without evaluating it: the dependency
//! graph of a module, the "condition must refer to something" rule of
//! assertions, and static references such as `expect_failures` entries.

use std::collections::BTreeSet;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};

/// A reference: its first name and the attribute names that follow it
/// statically (`aws_instance.web.id` → `aws_instance`, `[web, id]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The first name (`var`, `local`, `aws_instance`, `module`).
    pub root: String,
    /// The static attribute names after it.
    pub attrs: Vec<String>,
    /// The first attribute name after an index or splat that ends `attrs`
    /// (`arn` in `aws_sqs_queue.q[0].arn`).
    pub after_index: Option<String>,
    /// Where it is (byte span in its file).
    pub span: Option<std::ops::Range<usize>>,
    /// Every static step after the root (attributes and literal indices,
    /// up to the first splat or computed index), as HCL's traversals have
    /// them: what a diagnostic's values box shows.
    pub steps: Vec<Step>,
}

/// A static step of a traversal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `.name`.
    Attr(String),
    /// `[0]`.
    Index(usize),
    /// `["key"]`.
    Key(String),
}

fn static_steps(ops: &[hcl_edit::Decorated<TraversalOperator>]) -> Vec<Step> {
    ops.iter()
        .map_while(|op| match op.value() {
            TraversalOperator::GetAttr(id) => Some(Step::Attr(id.value().as_str().to_string())),
            TraversalOperator::LegacyIndex(n) => Some(Step::Index(*n.value() as usize)),
            TraversalOperator::Index(Expression::Number(n)) => {
                n.value().as_u64().map(|n| Step::Index(n as usize))
            }
            TraversalOperator::Index(Expression::String(k)) => Some(Step::Key(k.value().clone())),
            _ => None,
        })
        .collect()
}

impl Reference {
    /// `root.attrs[0]…`, as written.
    pub fn text(&self) -> String {
        let mut s = self.root.clone();
        for a in &self.attrs {
            s.push('.');
            s.push_str(a);
        }
        s
    }
}

/// Every reference in an expression (names bound by `for` left out).
pub fn references(expr: &Expression) -> Vec<Reference> {
    let mut out = Vec::new();
    walk(expr, &mut BTreeSet::new(), &mut out);
    out
}

fn walk(e: &Expression, bound: &mut BTreeSet<String>, out: &mut Vec<Reference>) {
    match e {
        Expression::Variable(v) => {
            let name = v.value().as_str();
            if !bound.contains(name) {
                out.push(Reference {
                    root: name.to_string(),
                    attrs: Vec::new(),
                    after_index: None,
                    span: v.span(),
                    steps: Vec::new(),
                });
            }
        }
        Expression::Traversal(t) => {
            if let Expression::Variable(v) = &t.expr {
                let name = v.value().as_str();
                if !bound.contains(name) {
                    let attrs = t
                        .operators
                        .iter()
                        .map_while(|op| match op.value() {
                            TraversalOperator::GetAttr(id) => Some(id.value().as_str().to_string()),
                            _ => None,
                        })
                        .collect();
                    let after_index = t
                        .operators
                        .iter()
                        .skip_while(|op| matches!(op.value(), TraversalOperator::GetAttr(_)))
                        .find_map(|op| match op.value() {
                            TraversalOperator::GetAttr(id) => Some(id.value().as_str().to_string()),
                            _ => None,
                        });
                    out.push(Reference {
                        root: name.to_string(),
                        attrs,
                        after_index,
                        span: t.span(),
                        steps: static_steps(&t.operators),
                    });
                }
            } else {
                walk(&t.expr, bound, out);
            }
            for op in &t.operators {
                if let TraversalOperator::Index(ix) = op.value() {
                    walk(ix, bound, out);
                }
            }
        }
        Expression::Array(a) => a.iter().for_each(|x| walk(x, bound, out)),
        Expression::Object(o) => {
            for (k, v) in o.iter() {
                if let ObjectKey::Expression(ke) = k
                    && !matches!(ke, Expression::Variable(_))
                {
                    walk(ke, bound, out);
                }
                walk(v.expr(), bound, out);
            }
        }
        Expression::StringTemplate(t) => walk_template(t, bound, out),
        Expression::HeredocTemplate(h) => walk_template(&h.template, bound, out),
        Expression::Parenthesis(p) => walk(p.inner(), bound, out),
        Expression::Conditional(c) => {
            walk(&c.cond_expr, bound, out);
            walk(&c.true_expr, bound, out);
            walk(&c.false_expr, bound, out);
        }
        Expression::FuncCall(f) => f.args.iter().for_each(|a| walk(a, bound, out)),
        Expression::UnaryOp(u) => walk(&u.expr, bound, out),
        Expression::BinaryOp(b) => {
            walk(&b.lhs_expr, bound, out);
            walk(&b.rhs_expr, bound, out);
        }
        Expression::ForExpr(f) => {
            walk(&f.intro.collection_expr, bound, out);
            let mut inner = bound.clone();
            if let Some(k) = &f.intro.key_var {
                inner.insert(k.value().as_str().to_string());
            }
            inner.insert(f.intro.value_var.value().as_str().to_string());
            if let Some(k) = &f.key_expr {
                walk(k, &mut inner, out);
            }
            walk(&f.value_expr, &mut inner, out);
            if let Some(c) = &f.cond {
                walk(&c.expr, &mut inner, out);
            }
        }
        Expression::Null(_)
        | Expression::Bool(_)
        | Expression::Number(_)
        | Expression::String(_) => {}
    }
}

fn walk_template(t: &Template, bound: &mut BTreeSet<String>, out: &mut Vec<Reference>) {
    for e in t.iter() {
        match e {
            Element::Literal(_) => {}
            Element::Interpolation(i) => walk(&i.expr, bound, out),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    walk(&d.if_expr.cond_expr, bound, out);
                    walk_template(&d.if_expr.template, bound, out);
                    if let Some(e) = &d.else_expr {
                        walk_template(&e.template, bound, out);
                    }
                }
                Directive::For(d) => {
                    walk(&d.for_expr.collection_expr, bound, out);
                    let mut inner = bound.clone();
                    if let Some(k) = &d.for_expr.key_var {
                        inner.insert(k.value().as_str().to_string());
                    }
                    inner.insert(d.for_expr.value_var.value().as_str().to_string());
                    walk_template(&d.for_expr.template, &mut inner, out);
                }
            },
        }
    }
}

/// A static traversal written as text (`var.n`, `aws_instance.a[0]`,
/// `module.m`); `None` for anything that is not one.
pub fn traversal_text(e: &Expression) -> Option<String> {
    match e {
        Expression::Variable(v) => Some(v.value().as_str().to_string()),
        Expression::Traversal(t) => {
            let mut s = traversal_text(&t.expr)?;
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(id) => {
                        s.push('.');
                        s.push_str(id.value().as_str());
                    }
                    TraversalOperator::LegacyIndex(n) => s.push_str(&format!("[{}]", n.value())),
                    TraversalOperator::Index(Expression::Number(n)) => {
                        s.push_str(&format!("[{}]", n.value()));
                    }
                    TraversalOperator::Index(Expression::String(k)) => {
                        s.push_str(&format!("[{:?}]", k.value()));
                    }
                    _ => return None,
                }
            }
            Some(s)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Expression {
        hcl_edit::parser::parse_expr(s).unwrap()
    }

    #[test]
    fn references_skip_for_variables_and_keep_static_attributes() {
        let e = parse(
            "concat([for k, v in var.m : \"${k}-${v.id}\" if local.on], [aws_instance.web[0].id])",
        );
        let texts: Vec<String> = references(&e).iter().map(Reference::text).collect();
        assert_eq!(texts, ["var.m", "local.on", "aws_instance.web"]);
    }

    #[test]
    fn static_traversals_are_written_back() {
        assert_eq!(traversal_text(&parse("var.n")).as_deref(), Some("var.n"));
        assert_eq!(
            traversal_text(&parse("aws_instance.a[0]")).as_deref(),
            Some("aws_instance.a[0]")
        );
        assert_eq!(traversal_text(&parse("foo(1)")), None);
    }
}
