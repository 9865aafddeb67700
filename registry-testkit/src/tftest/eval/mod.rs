//! The expression evaluator: hcl-edit's expression tree evaluated with
//! Terraform's semantics (unknowns that propagate, marks, type conversion,
//! splats, `for`, templates, Terraform's built-in functions), failing with
//! Terraform's diagnostics at the expression's source range.
//!
//! What names mean (`var.x`, `aws_instance.a`, `run.setup`) is the
//! [`Scope`]'s business; iteration variables of `for` expressions and
//! `dynamic` blocks are layered on top with [`Locals`].

mod ops;
mod refs;
mod template;
mod values;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};

pub use refs::{Reference, Step, references, traversal_text};
pub use values::values_box;

use super::budget::{self, Tally};
use super::diag::{Diagnostic, SourceFile, SourceRange};
use super::functions::Functions;
use super::value::{Kind, Number, Type, Value, convert, unify};

/// How deeply expressions may nest before evaluation stops (a budget
/// against hostile modules; Terraform's own parser has a similar limit).
pub const MAX_DEPTH: usize = 200;

/// What names in expressions refer to.
pub trait Scope: Sync {
    /// The value of a reference whose first name is `root`, given the
    /// attribute names that follow it statically (`var` + `["name"]`,
    /// `aws_instance` + `["web", "id"]`). Returns the value and how many of
    /// `attrs` it used; the evaluator applies the rest.
    fn reference(
        &self,
        root: &str,
        attrs: &[&str],
        range: &SourceRange,
    ) -> Result<(Value, usize), Diagnostic>;
}

/// Names bound by `for` expressions, `dynamic` blocks and the like, over
/// an outer set.
#[derive(Debug, Default)]
pub struct Locals<'a> {
    vars: BTreeMap<String, Value>,
    outer: Option<&'a Locals<'a>>,
    /// Bound by the expression itself (a `for`), not by its surroundings
    /// (`self`, `each`, `count`): a failed condition's values box leaves
    /// such names out.
    introduced: bool,
}

impl<'a> Locals<'a> {
    /// Bindings with no outer set.
    pub fn new() -> Self {
        Locals::default()
    }

    /// Bindings over `outer`.
    pub fn within(outer: &'a Locals<'a>) -> Self {
        Locals {
            vars: BTreeMap::new(),
            outer: Some(outer),
            introduced: false,
        }
    }

    /// The iteration variables of a `for` expression or directive, over
    /// `outer`.
    pub fn for_iteration(outer: Option<&'a Locals<'a>>) -> Self {
        Locals {
            vars: BTreeMap::new(),
            outer,
            introduced: true,
        }
    }

    /// Whether `name` is bound by the surroundings rather than by a `for`.
    fn ambient(&self, name: &str) -> bool {
        if self.vars.contains_key(name) {
            return !self.introduced;
        }
        self.outer.is_some_and(|o| o.ambient(name))
    }

    /// Bind `name`.
    pub fn set(&mut self, name: impl Into<String>, v: Value) {
        self.vars.insert(name.into(), v);
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.vars
            .get(name)
            .or_else(|| self.outer.and_then(|o| o.get(name)))
    }
}

/// Everything an evaluation needs.
pub struct EvalCtx<'a> {
    /// The file the expression is in.
    pub file: &'a Arc<SourceFile>,
    /// What names refer to.
    pub scope: &'a dyn Scope,
    /// The functions.
    pub functions: &'a Functions,
    /// Iteration variables.
    pub locals: Option<&'a Locals<'a>>,
    /// The enclosing block, for diagnostics (`run "x"`).
    pub context: Option<&'a str>,
    /// When set, each reference evaluated is recorded here with its value
    /// (the values box of a failed condition).
    pub trace: Option<&'a RefCell<BTreeMap<String, String>>>,
    depth: std::cell::Cell<usize>,
    /// Inside `can` / `try`, whose errors are swallowed: no values box
    /// is worked out for them.
    quiet: std::cell::Cell<usize>,
}

impl<'a> EvalCtx<'a> {
    /// A context for expressions of `file`.
    pub fn new(file: &'a Arc<SourceFile>, scope: &'a dyn Scope, functions: &'a Functions) -> Self {
        EvalCtx {
            file,
            scope,
            functions,
            locals: None,
            context: None,
            trace: None,
            depth: std::cell::Cell::new(0),
            quiet: std::cell::Cell::new(0),
        }
    }

    /// The same context with `locals` in scope.
    pub fn with_locals<'b>(&'b self, locals: &'b Locals<'b>) -> EvalCtx<'b>
    where
        'a: 'b,
    {
        EvalCtx {
            file: self.file,
            scope: self.scope,
            functions: self.functions,
            locals: Some(locals),
            context: self.context,
            trace: self.trace,
            depth: std::cell::Cell::new(self.depth.get()),
            quiet: std::cell::Cell::new(self.quiet.get()),
        }
    }

    /// Within a block named `context`.
    pub fn in_block(mut self, context: Option<&'a str>) -> Self {
        self.context = context;
        self
    }

    /// Recording references into `trace`.
    pub fn tracing(mut self, trace: &'a RefCell<BTreeMap<String, String>>) -> Self {
        self.trace = Some(trace);
        self
    }

    /// The source range of a node.
    pub fn range_of(&self, node: &impl hcl_edit::Span) -> Option<SourceRange> {
        node.span().map(|s| self.file.range(s))
    }

    fn error(
        &self,
        node: &impl hcl_edit::Span,
        summary: &str,
        detail: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(summary, detail)
            .at(self.range_of(node))
            .in_context(self.context)
    }

    fn local(&self, name: &str) -> Option<&Value> {
        self.locals.and_then(|l| l.get(name))
    }
}

/// Evaluate an expression.
pub fn eval(expr: &Expression, cx: &EvalCtx<'_>) -> Result<Value, Diagnostic> {
    let depth = cx.depth.get() + 1;
    if depth > MAX_DEPTH {
        return Err(cx.error(
            expr,
            "Expression too deeply nested",
            format!("Expressions may nest at most {MAX_DEPTH} levels deep."),
        ));
    }
    budget::check_time().map_err(|d| d.at(cx.range_of(expr)))?;
    cx.depth.set(depth);
    let r = eval_inner(expr, cx);
    cx.depth.set(depth - 1);
    r.map_err(|mut d| {
        // The innermost expression that failed names the values shown
        // with the error, as HCL attaches it to its diagnostics.
        if !d.expression_settled && cx.quiet.get() == 0 {
            d = d.with_values(values_box(expr, cx));
        }
        d.in_context(cx.context)
    })
}

impl EvalCtx<'_> {
    /// Run `f` with errors' values boxes left out (their errors are
    /// swallowed by `can` / `try`).
    pub(crate) fn quietly<T>(&self, f: impl FnOnce() -> T) -> T {
        self.quiet.set(self.quiet.get() + 1);
        let r = f();
        self.quiet.set(self.quiet.get() - 1);
        r
    }
}

fn eval_inner(expr: &Expression, cx: &EvalCtx<'_>) -> Result<Value, Diagnostic> {
    match expr {
        Expression::Null(_) => Ok(Value::null_dynamic()),
        Expression::Bool(b) => Ok(Value::bool(*b.value())),
        Expression::Number(n) => {
            let text = n.value().to_string();
            Number::parse(&text).map(Value::number).ok_or_else(|| {
                cx.error(
                    expr,
                    "Invalid number literal",
                    format!("{text:?} is not a number."),
                )
            })
        }
        Expression::String(s) => Ok(Value::string(s.value().clone())),
        Expression::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut tally = Tally::default();
            for item in items.iter() {
                let v = eval(item, cx)?;
                tally.add(&v).map_err(|d| d.at(cx.range_of(item)))?;
                out.push(v);
            }
            Ok(Value::tuple(out))
        }
        Expression::Object(obj) => {
            let mut out = BTreeMap::new();
            let mut tally = Tally::default();
            let mut marks = super::value::Marks::NONE;
            for (key, value) in obj.iter() {
                let k = match key {
                    ObjectKey::Ident(id) => id.value().as_str().to_string(),
                    ObjectKey::Expression(e) => {
                        // A bare name as a key is the name itself.
                        if let Expression::Variable(v) = e {
                            v.value().as_str().to_string()
                        } else {
                            let kv = eval(e, cx)?;
                            if kv.is_unknown() {
                                return Ok(Value::unknown(Type::Dynamic));
                            }
                            marks = marks.union(kv.marks());
                            match convert(&kv, &Type::String) {
                                Ok(s) if !s.is_null() => s.as_str().unwrap_or_default().to_string(),
                                _ => {
                                    return Err(cx.error(
                                        e,
                                        "Incorrect key type",
                                        "Can't use this value as a key: string required.",
                                    ));
                                }
                            }
                        }
                    }
                };
                let v = eval(value.expr(), cx)?;
                tally.add_text(k.len())?;
                tally.add(&v).map_err(|d| d.at(cx.range_of(value.expr())))?;
                out.insert(k, v);
            }
            Ok(Value::object(out).with_marks(marks))
        }
        Expression::StringTemplate(t) => template::eval_template(t, cx, true),
        Expression::HeredocTemplate(h) => template::eval_template(&h.template, cx, false),
        Expression::Parenthesis(p) => eval(p.inner(), cx),
        Expression::Variable(v) => {
            let name = v.value().as_str();
            if let Some(val) = cx.local(name) {
                return Ok(val.clone());
            }
            let range = cx.range_of(v).unwrap_or_else(|| cx.file.range(0..0));
            let (val, _) = cx.scope.reference(name, &[], &range).map_err(unboxed)?;
            record(cx, name, &val);
            Ok(val)
        }
        Expression::Conditional(c) => ops::conditional(c, cx),
        Expression::FuncCall(f) => ops::func_call(f, cx, expr),
        Expression::Traversal(t) => traversal(t, cx),
        Expression::UnaryOp(u) => ops::unary(u, cx),
        Expression::BinaryOp(b) => ops::binary(b, cx),
        Expression::ForExpr(f) => ops::for_expr(f, cx),
    }
}

/// A reference the scope could not resolve: Terraform finds those before
/// evaluating, so their diagnostics have no values box.
fn unboxed(d: Diagnostic) -> Diagnostic {
    d.with_values(BTreeMap::new())
}

fn record(cx: &EvalCtx<'_>, text: &str, v: &Value) {
    if let Some(t) = cx.trace {
        // Terraform's values box leaves out values whose type is not yet
        // known and sensitive ones.
        if (v.is_unknown() && v.ty() == Type::Dynamic) || v.deep_marks().sensitive {
            return;
        }
        t.borrow_mut().insert(text.to_string(), v.describe());
    }
}

/// Evaluate a traversal: a reference (or another value) followed by
/// attribute, index and splat steps.
fn traversal(t: &hcl_edit::expr::Traversal, cx: &EvalCtx<'_>) -> Result<Value, Diagnostic> {
    let ops: Vec<&TraversalOperator> = t.operators.iter().map(|d| d.value()).collect();
    let (mut v, used, mut text) = match &t.expr {
        // `self.x`, `each.value`: shown like any reference.
        Expression::Variable(root)
            if cx.locals.is_some_and(|l| l.ambient(root.value().as_str())) =>
        {
            let name = root.value().as_str();
            let v = cx.local(name).cloned().unwrap_or_else(Value::null_dynamic);
            (v, 0, Some(name.to_string()))
        }
        Expression::Variable(root) if cx.local(root.value().as_str()).is_none() => {
            let name = root.value().as_str();
            let attrs: Vec<&str> = ops
                .iter()
                .map_while(|op| match op {
                    TraversalOperator::GetAttr(id) => Some(id.value().as_str()),
                    _ => None,
                })
                .collect();
            let range = cx.range_of(t).unwrap_or_else(|| cx.file.range(0..0));
            let (v, used) = cx.scope.reference(name, &attrs, &range).map_err(unboxed)?;
            let mut text = name.to_string();
            for a in &attrs[..used] {
                text.push('.');
                text.push_str(a);
            }
            (v, used, Some(text))
        }
        other => (eval(other, cx)?, 0, None),
    };
    let mut i = used;
    while i < ops.len() {
        match ops[i] {
            TraversalOperator::GetAttr(id) => {
                v = ops::get_attr(&v, id.value().as_str(), cx, t)?;
                if let Some(s) = &mut text {
                    s.push('.');
                    s.push_str(id.value().as_str());
                }
            }
            TraversalOperator::LegacyIndex(n) => {
                let key = Value::number(*n.value());
                v = ops::index(&v, &key, cx, t)?;
                if let Some(s) = &mut text {
                    s.push_str(&format!("[{}]", n.value()));
                }
            }
            TraversalOperator::Index(e) => {
                let key = eval(e, cx)?;
                if !is_literal(e)
                    && let Some(s) = text.take()
                {
                    // A dynamic index ends the part shown in the values box.
                    record(cx, &s, &v);
                }
                v = ops::index(&v, &key, cx, t)?;
                if let Some(s) = &mut text {
                    s.push_str(&format!("[{}]", key_text(&key)));
                }
            }
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                let full = matches!(ops[i], TraversalOperator::FullSplat(_));
                if let Some(s) = text.take() {
                    record(cx, &s, &v);
                }
                let rest: Vec<&TraversalOperator> = ops[i + 1..]
                    .iter()
                    .take_while(|op| full || matches!(op, TraversalOperator::GetAttr(_)))
                    .copied()
                    .collect();
                v = ops::splat(&v, &rest, cx, t)?;
                i += rest.len();
            }
        }
        i += 1;
    }
    if let Some(s) = text {
        record(cx, &s, &v);
    }
    Ok(v)
}

fn is_literal(e: &Expression) -> bool {
    matches!(e, Expression::Number(_) | Expression::String(_))
}

fn key_text(k: &Value) -> String {
    match k.kind() {
        Kind::String(s) => super::value::go_quote(s),
        _ => k.to_string(),
    }
}

/// Evaluate a template read from a file (`templatefile`): no escapes.
pub fn eval_template_file(
    t: &hcl_edit::template::Template,
    cx: &EvalCtx<'_>,
) -> Result<Value, Diagnostic> {
    template::eval_template(t, cx, false)
}

/// Evaluate and convert to a type, naming the expression when it does not fit.
pub fn eval_as(
    expr: &Expression,
    ty: &Type,
    cx: &EvalCtx<'_>,
    what: &str,
) -> Result<Value, Diagnostic> {
    let v = eval(expr, cx)?;
    convert(&v, ty).map_err(|e| {
        cx.error(
            expr,
            &format!("Incorrect {what} type"),
            format!("Invalid expression value: {e}."),
        )
    })
}

/// The one type a set of values unify to, for collection results.
pub(crate) fn unified(values: &[Value]) -> Option<Type> {
    unify(&values.iter().map(Value::ty).collect::<Vec<_>>())
}

/// A scope of plain named values (`var` → an object of variables, …),
/// for evaluating standalone expressions.
#[derive(Debug, Default, Clone)]
pub struct MapScope(pub BTreeMap<String, Value>);

impl Scope for MapScope {
    fn reference(
        &self,
        root: &str,
        _attrs: &[&str],
        range: &SourceRange,
    ) -> Result<(Value, usize), Diagnostic> {
        self.0.get(root).map(|v| (v.clone(), 0)).ok_or_else(|| {
            Diagnostic::error(
                "Unknown variable",
                format!("There is no variable named {root:?}."),
            )
            .at(Some(range.clone()))
        })
    }
}

/// Evaluate one expression written as text, with `names` in scope and
/// the built-in functions.
pub fn eval_text(text: &str, names: &MapScope, functions: &Functions) -> Result<Value, Diagnostic> {
    let file = SourceFile::new("<expression>", text);
    let expr = crate::tftest::syntax::parse::parse_expr(text)
        .map_err(|e| Diagnostic::error("Invalid expression", e.message().to_string()))?;
    let cx = EvalCtx::new(&file, names, functions);
    eval(&expr, &cx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(text: &str) -> Value {
        let mut names = MapScope::default();
        names.0.insert(
            "var".into(),
            Value::object_from([
                ("name", Value::string("world")),
                ("n", Value::number(3)),
                (
                    "list",
                    Value::list(Type::String, vec![Value::string("a"), Value::string("b")]),
                ),
                ("id", Value::unknown_not_null(Type::String)),
                ("secret", Value::string("s3").sensitive()),
            ]),
        );
        eval_text(text, &names, &Functions::default()).unwrap_or_else(|d| panic!("{text}: {d}"))
    }

    fn err(text: &str) -> Diagnostic {
        eval_text(text, &MapScope::default(), &Functions::default()).unwrap_err()
    }

    #[test]
    fn literals_operators_and_templates() {
        assert_eq!(ev("1 + 2 * 3"), Value::number(7));
        assert_eq!(ev("\"1\" + 1"), Value::number(2));
        assert_eq!(ev("0.1 + 0.2 == 0.3"), Value::bool(true));
        assert_eq!(ev("\"hello ${var.name}\""), Value::string("hello world"));
        assert_eq!(
            ev("\"${var.n}\""),
            Value::number(3),
            "a lone interpolation keeps its type"
        );
        assert_eq!(
            ev("\"a %{ if var.n > 2 }big%{ else }small%{ endif }\""),
            Value::string("a big")
        );
        assert_eq!(
            ev("\"%{ for x in var.list }${x},%{ endfor }\""),
            Value::string("a,b,")
        );
        assert_eq!(ev("\"x ${~ \" y \" ~} z\""), Value::string("x y z"));
        assert_eq!(
            ev("true ? 1 : \"a\""),
            Value::string("1"),
            "branches unify to string"
        );
        assert_eq!(ev("1 == \"1\""), Value::bool(false));
        assert_eq!(ev("5 % 3"), Value::number(2));
    }

    #[test]
    fn collections_splats_and_for() {
        assert_eq!(ev("var.list[1]"), Value::string("b"));
        assert_eq!(
            ev("[for s in var.list : upper(s)]"),
            Value::tuple(vec![Value::string("A"), Value::string("B")])
        );
        assert_eq!(
            ev("{for i, s in var.list : s => i}"),
            Value::object_from([("a", Value::number(0)), ("b", Value::number(1))])
        );
        assert_eq!(
            ev("[{a = 1}, {a = 2}][*].a"),
            Value::tuple(vec![Value::number(1), Value::number(2)])
        );
        assert_eq!(
            ev("{for s in [\"a\", \"a\"] : s => 1...}")
                .get_attr("a")
                .and_then(Value::length),
            Some(2)
        );
    }

    #[test]
    fn unknowns_propagate_and_marks_follow() {
        assert!(ev("var.id == \"x\"").is_unknown());
        assert_eq!(
            ev("var.id != null"),
            Value::bool(true),
            "computed values are known not null"
        );
        assert!(
            ev("var.id == \"x\" || true").is_unknown(),
            "no short-circuit"
        );
        assert!(ev("\"a${var.id}\"").is_unknown());
        assert!(ev("upper(var.id)").is_unknown());
        assert!(ev("upper(var.secret)").marks().sensitive);
        assert!(ev("var.secret == \"s3\"").marks().sensitive);
    }

    #[test]
    fn errors_say_what_terraform_says() {
        let d = err("[1, 2][5]");
        assert_eq!(d.summary, "Invalid index");
        let d = err("{a = 1}.b");
        assert_eq!(d.summary, "Unsupported attribute");
        assert_eq!(
            d.detail,
            "This object does not have an attribute named \"b\"."
        );
        let d = err("\"x${null}\"");
        assert_eq!(d.summary, "Invalid template interpolation value");
        let d = err("nosuchfn(1)");
        assert_eq!(d.summary, "Call to unknown function");
        let d = err("upper()");
        assert_eq!(d.summary, "Not enough function arguments");
        let d = err("1 / 0");
        assert_eq!(d.summary, "Arithmetic operation failed");
        assert_eq!(d.range.as_ref().map(|r| r.start.column), Some(1));
    }

    #[test]
    fn can_and_try_catch_errors() {
        assert_eq!(ev("can([1][3])"), Value::bool(false));
        assert_eq!(ev("can([1][0])"), Value::bool(true));
        assert_eq!(ev("try([1][3], \"fallback\")"), Value::string("fallback"));
        assert!(ev("can(var.id)").is_unknown());
    }
}
