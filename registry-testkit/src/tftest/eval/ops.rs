//! Operators, attribute and index access, splats, conditionals, `for`
//! expressions and function calls, with Terraform's rules and messages.

use std::collections::BTreeMap;

use hcl_edit::expr::{
    BinaryOp, BinaryOperator, Conditional, Expression, ForExpr, FuncCall, TraversalOperator,
    UnaryOp, UnaryOperator,
};

use super::{EvalCtx, Locals, eval, unified};
use crate::tftest::budget::{self, Tally};
use crate::tftest::diag::Diagnostic;
use crate::tftest::value::{Kind, Number, Type, Value, convert, unify};

/// `v.name`.
pub fn get_attr(
    v: &Value,
    name: &str,
    cx: &EvalCtx<'_>,
    at: &impl hcl_edit::Span,
) -> Result<Value, Diagnostic> {
    let marks = v.marks();
    let out = match v.kind() {
        Kind::Null(_) => {
            return Err(cx.error(
                at,
                "Attempt to get attribute from null value",
                "This value is null, so it does not have any attributes.",
            ));
        }
        Kind::Unknown { ty, .. } => match ty {
            Type::Object(attrs) => match attrs.get(name) {
                Some(t) => Value::unknown(t.clone()),
                None => return Err(unsupported_attribute(cx, at, name)),
            },
            Type::Map(e) => Value::unknown((**e).clone()),
            Type::Dynamic => Value::unknown(Type::Dynamic),
            _ => return Err(unsupported_attribute(cx, at, name)),
        },
        Kind::Object(m) => m
            .get(name)
            .cloned()
            .ok_or_else(|| unsupported_attribute(cx, at, name))?,
        Kind::Map(_, m) => m.get(name).cloned().ok_or_else(|| {
            cx.error(
                at,
                "Missing map element",
                format!("This map does not have an element with the key {name:?}."),
            )
        })?,
        Kind::List(..) | Kind::Set(..) | Kind::Tuple(_) => {
            return Err(cx.error(
                at,
                "Unsupported attribute",
                format!(
                    "Can't access attributes on a {}. Did you mean to access an attribute for a specific element of the list, or across all elements of the list?",
                    list_of_what(v)
                ),
            ));
        }
        _ => {
            return Err(cx.error(
                at,
                "Unsupported attribute",
                format!(
                    "Can't access attributes on a primitive-typed value ({}).",
                    v.ty().friendly()
                ),
            ));
        }
    };
    Ok(out.with_marks(marks))
}

fn list_of_what(v: &Value) -> String {
    match v.ty() {
        Type::List(e) => format!("list of {}", plural(&e)),
        Type::Set(e) => format!("set of {}", plural(&e)),
        _ => "tuple".into(),
    }
}

fn plural(t: &Type) -> String {
    match t {
        Type::Object(_) => "objects".into(),
        t => t.friendly(),
    }
}

fn unsupported_attribute(cx: &EvalCtx<'_>, at: &impl hcl_edit::Span, name: &str) -> Diagnostic {
    cx.error(
        at,
        "Unsupported attribute",
        format!("This object does not have an attribute named {name:?}."),
    )
}

/// `v[key]`.
pub fn index(
    v: &Value,
    key: &Value,
    cx: &EvalCtx<'_>,
    at: &impl hcl_edit::Span,
) -> Result<Value, Diagnostic> {
    let marks = v.marks().union(key.marks());
    if key.is_null() {
        return Err(cx.error(
            at,
            "Invalid index",
            "Can't use a null value as an indexing key.",
        ));
    }
    let invalid = |detail: &str| cx.error(at, "Invalid index", detail);
    let out = match v.kind() {
        Kind::Null(_) => {
            return Err(invalid(
                "This value is null, so it does not have any indices.",
            ));
        }
        Kind::Unknown { ty, .. } => Value::unknown(match ty {
            Type::List(e) | Type::Map(e) => (**e).clone(),
            _ => Type::Dynamic,
        }),
        _ if key.is_unknown() => Value::unknown(v.ty().element().cloned().unwrap_or(Type::Dynamic)),
        Kind::List(_, items) | Kind::Tuple(items) => {
            let n = convert(key, &Type::Number)
                .ok()
                .and_then(|n| n.as_number().cloned())
                .ok_or_else(|| invalid("The given key does not identify an element in this collection value: a number is required."))?;
            if n.is_negative() {
                return Err(invalid(
                    "The given key does not identify an element in this collection value: a negative number is not a valid index for a sequence.",
                ));
            }
            let i = n.to_i64().filter(|_| n.is_integer()).ok_or_else(|| {
                invalid("The given key does not identify an element in this collection value: indexing a sequence requires a whole number.")
            })?;
            items.get(i as usize).cloned().ok_or_else(|| {
                invalid("The given key does not identify an element in this collection value.")
            })?
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            let k = convert(key, &Type::String)
                .ok()
                .and_then(|s| s.as_str().map(str::to_string))
                .ok_or_else(|| invalid("The given key does not identify an element in this collection value: string required."))?;
            match m.get(&k) {
                Some(x) => x.clone(),
                None if matches!(v.kind(), Kind::Object(_)) => {
                    return Err(unsupported_attribute(cx, at, &k));
                }
                None => {
                    return Err(invalid(
                        "The given key does not identify an element in this collection value.",
                    ));
                }
            }
        }
        Kind::Set(..) => {
            return Err(invalid(
                "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.",
            ));
        }
        _ => {
            return Err(invalid(&format!(
                "This value does not have any indices (it is a {}).",
                v.ty().friendly()
            )));
        }
    };
    Ok(out.with_marks(marks))
}

/// `v[*].rest` and `v.*.rest`: `rest` applied to each element.
pub fn splat(
    v: &Value,
    rest: &[&TraversalOperator],
    cx: &EvalCtx<'_>,
    at: &impl hcl_edit::Span,
) -> Result<Value, Diagnostic> {
    let marks = v.marks();
    let (items, as_list) = match v.kind() {
        Kind::Null(_) => return Ok(Value::empty_tuple()),
        Kind::Unknown { .. } => return Ok(Value::unknown(Type::Dynamic).with_marks(marks)),
        Kind::List(_, items) | Kind::Set(_, items) => (items.clone(), true),
        Kind::Tuple(items) => (items.clone(), false),
        // A single value splats as a one-element tuple.
        _ => (vec![v.clone()], false),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let mut x = item;
        for op in rest {
            x = match op {
                TraversalOperator::GetAttr(id) => get_attr(&x, id.value().as_str(), cx, at)?,
                TraversalOperator::LegacyIndex(n) => index(&x, &Value::number(*n.value()), cx, at)?,
                TraversalOperator::Index(e) => {
                    let k = eval(e, cx)?;
                    index(&x, &k, cx, at)?
                }
                _ => x,
            };
        }
        out.push(x);
    }
    let result = if as_list {
        match unified(&out) {
            Some(t) => {
                let converted = out
                    .iter()
                    .map(|x| convert(x, &t).unwrap_or_else(|_| x.clone()))
                    .collect();
                Value::list(t, converted)
            }
            None => Value::tuple(out),
        }
    } else {
        Value::tuple(out)
    };
    Ok(result.with_marks(marks))
}

fn operand(
    v: &Value,
    ty: &Type,
    side: &str,
    cx: &EvalCtx<'_>,
    at: &impl hcl_edit::Span,
) -> Result<Value, Diagnostic> {
    if v.is_null() {
        return Err(cx.error(
            at,
            "Invalid operand",
            format!(
                "Unsuitable value for {side} operand: a {} is required.",
                ty.friendly()
            ),
        ));
    }
    convert(v, ty).map_err(|e| {
        cx.error(
            at,
            "Invalid operand",
            format!("Unsuitable value for {side} operand: {e}."),
        )
    })
}

/// `!x`, `-x`.
pub fn unary(u: &UnaryOp, cx: &EvalCtx<'_>) -> Result<Value, Diagnostic> {
    let v = eval(&u.expr, cx)?;
    let marks = v.marks();
    let out = match u.operator.value() {
        UnaryOperator::Not => {
            let b = operand(&v, &Type::Bool, "the", cx, u)?;
            match b.as_bool() {
                Some(b) => Value::bool(!b),
                None => Value::unknown_not_null(Type::Bool),
            }
        }
        UnaryOperator::Neg => {
            let n = operand(&v, &Type::Number, "the", cx, u)?;
            match n.as_number() {
                Some(n) => Value::number(n.neg()),
                None => Value::unknown_not_null(Type::Number),
            }
        }
    };
    Ok(out.with_marks(marks))
}

/// Binary operators: arithmetic, comparison, equality and logic.
pub fn binary(b: &BinaryOp, cx: &EvalCtx<'_>) -> Result<Value, Diagnostic> {
    let l = eval(&b.lhs_expr, cx)?;
    let r = eval(&b.rhs_expr, cx)?;
    let op = *b.operator.value();
    let marks = l.deep_marks().union(r.deep_marks());
    let out = match op {
        BinaryOperator::Eq => return Ok(l.equals(&r)),
        BinaryOperator::NotEq => {
            let e = l.equals(&r);
            return Ok(match e.as_bool() {
                Some(x) => Value::bool(!x).with_marks(e.marks()),
                None => e,
            });
        }
        BinaryOperator::And | BinaryOperator::Or => {
            let lb = operand(&l, &Type::Bool, "left", cx, b)?;
            let rb = operand(&r, &Type::Bool, "right", cx, b)?;
            // Terraform evaluates both sides; an unknown side makes the result unknown.
            match (lb.as_bool(), rb.as_bool()) {
                (Some(x), Some(y)) => Value::bool(if op == BinaryOperator::And {
                    x && y
                } else {
                    x || y
                }),
                _ => Value::unknown_not_null(Type::Bool),
            }
        }
        _ => {
            let ln = operand(&l, &Type::Number, "left", cx, b)?;
            let rn = operand(&r, &Type::Number, "right", cx, b)?;
            let (Some(x), Some(y)) = (ln.as_number(), rn.as_number()) else {
                let ty = if matches!(
                    op,
                    BinaryOperator::Less
                        | BinaryOperator::LessEq
                        | BinaryOperator::Greater
                        | BinaryOperator::GreaterEq
                ) {
                    Type::Bool
                } else {
                    Type::Number
                };
                return Ok(Value::unknown_not_null(ty).with_marks(marks));
            };
            arithmetic(op, x, y).ok_or_else(|| {
                cx.error(b, "Arithmetic operation failed", "Can't divide by zero.")
            })?
        }
    };
    Ok(out.with_marks(marks))
}

fn arithmetic(op: BinaryOperator, x: &Number, y: &Number) -> Option<Value> {
    Some(match op {
        BinaryOperator::Plus => Value::number(x.add(y)),
        BinaryOperator::Minus => Value::number(x.sub(y)),
        BinaryOperator::Mul => Value::number(x.mul(y)),
        BinaryOperator::Div => Value::number(x.div(y)?),
        BinaryOperator::Mod => Value::number(x.rem(y)),
        BinaryOperator::Less => Value::bool(x < y),
        BinaryOperator::LessEq => Value::bool(x <= y),
        BinaryOperator::Greater => Value::bool(x > y),
        BinaryOperator::GreaterEq => Value::bool(x >= y),
        _ => return None,
    })
}

/// `cond ? a : b`: an unknown condition gives an unknown of the branches'
/// common type; both branches must have one.
pub fn conditional(c: &Conditional, cx: &EvalCtx<'_>) -> Result<Value, Diagnostic> {
    let cond = eval(&c.cond_expr, cx)?;
    if cond.is_null() {
        return Err(cx.error(
            &c.cond_expr,
            "Null condition",
            "The condition value is null. Conditions must either be true or false.",
        ));
    }
    let cond = convert(&cond, &Type::Bool).map_err(|e| {
        cx.error(
            &c.cond_expr,
            "Incorrect condition type",
            format!("The condition expression must be of type bool: {e}."),
        )
    })?;
    let marks = cond.marks();
    match cond.as_bool() {
        Some(which) => {
            let (chosen, other) = if which {
                (&c.true_expr, &c.false_expr)
            } else {
                (&c.false_expr, &c.true_expr)
            };
            let v = eval(chosen, cx)?;
            // The other branch only decides the result type; its errors do not count.
            let ty = match eval(other, cx) {
                Ok(o) => match unify(&[v.ty(), o.ty()]) {
                    Some(t) => t,
                    None if o.is_null() || v.is_null() => v.ty(),
                    None => {
                        return Err(inconsistent(cx, c, &v, &o));
                    }
                },
                Err(_) => v.ty(),
            };
            let out = if ty.has_dynamic() {
                v.clone()
            } else {
                convert(&v, &ty).unwrap_or(v)
            };
            Ok(out.with_marks(marks))
        }
        None => {
            let t = eval(&c.true_expr, cx)?;
            let f = eval(&c.false_expr, cx)?;
            let ty = unify(&[t.ty(), f.ty()]).ok_or_else(|| inconsistent(cx, c, &t, &f))?;
            Ok(Value::unknown(ty).with_marks(marks.union(t.marks()).union(f.marks())))
        }
    }
}

fn inconsistent(cx: &EvalCtx<'_>, c: &Conditional, t: &Value, f: &Value) -> Diagnostic {
    cx.error(
        c,
        "Inconsistent conditional result types",
        format!(
            "The true and false result expressions must have consistent types. The 'true' value is {}, but the 'false' value is {}.",
            t.ty().friendly(),
            f.ty().friendly()
        ),
    )
}

/// `[for …]` and `{for …}`.
pub fn for_expr(f: &ForExpr, cx: &EvalCtx<'_>) -> Result<Value, Diagnostic> {
    let coll = eval(&f.intro.collection_expr, cx)?;
    let marks = coll.marks();
    let pairs: Vec<(Value, Value)> = match coll.kind() {
        Kind::Null(_) => {
            return Err(cx.error(
                &f.intro.collection_expr,
                "Iteration over null value",
                "A null value cannot be used as the collection in a 'for' expression.",
            ));
        }
        Kind::Unknown { .. } => return Ok(Value::unknown(Type::Dynamic).with_marks(marks)),
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
            return Err(cx.error(
                &f.intro.collection_expr,
                "Iteration over non-iterable value",
                format!(
                    "A value of type {} cannot be used as the collection in a 'for' expression.",
                    coll.ty().friendly()
                ),
            ));
        }
    };
    let key_var = f
        .intro
        .key_var
        .as_ref()
        .map(|k| k.value().as_str().to_string());
    let value_var = f.intro.value_var.value().as_str().to_string();
    let outer = cx.locals;
    let mut tuple = Vec::new();
    let mut object: BTreeMap<String, Value> = BTreeMap::new();
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut unknown = false;
    let mut tally = Tally::default();
    for (k, v) in pairs {
        let mut locals = Locals::for_iteration(outer);
        match &key_var {
            Some(kv) => {
                locals.set(kv.clone(), k.clone().with_marks(marks));
                locals.set(value_var.clone(), v.with_marks(marks));
            }
            None => locals.set(value_var.clone(), v.with_marks(marks)),
        }
        let inner = cx.with_locals(&locals);
        if let Some(cond) = &f.cond {
            let c = eval(&cond.expr, &inner)?;
            let c = convert(&c, &Type::Bool).map_err(|e| {
                inner.error(
                    &cond.expr,
                    "Invalid 'for' condition",
                    format!("The 'if' clause value is invalid: {e}."),
                )
            })?;
            match c.as_bool() {
                Some(false) => continue,
                Some(true) => {}
                None => {
                    unknown = true;
                    continue;
                }
            }
        }
        let value = eval(&f.value_expr, &inner)?;
        tally
            .add(&value)
            .map_err(|d| d.at(inner.range_of(&f.value_expr)))?;
        match &f.key_expr {
            None => tuple.push(value),
            Some(ke) => {
                let key = eval(ke, &inner)?;
                if key.is_unknown() {
                    unknown = true;
                    continue;
                }
                let key = convert(&key, &Type::String)
                    .ok()
                    .and_then(|s| s.as_str().map(str::to_string))
                    .ok_or_else(|| {
                        inner.error(
                            ke,
                            "Invalid object key",
                            "Key expression in 'for' expression must be a string.",
                        )
                    })?;
                if f.grouping {
                    groups.entry(key).or_default().push(value);
                } else {
                    match object.entry(key) {
                        std::collections::btree_map::Entry::Occupied(o) => {
                            return Err(inner.error(
                                ke,
                                "Duplicate object key",
                                format!(
                                    "Two different items produced the key {:?} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.",
                                    o.key()
                                ),
                            ));
                        }
                        std::collections::btree_map::Entry::Vacant(v) => {
                            v.insert(value);
                        }
                    }
                }
            }
        }
    }
    if unknown {
        return Ok(Value::unknown(Type::Dynamic).with_marks(marks));
    }
    let out = match &f.key_expr {
        None => Value::tuple(tuple),
        Some(_) if f.grouping => Value::object(
            groups
                .into_iter()
                .map(|(k, v)| (k, Value::tuple(v)))
                .collect(),
        ),
        Some(_) => Value::object(object),
    };
    Ok(out.with_marks(marks))
}

/// A function call (`can` and `try` evaluate their arguments themselves).
pub fn func_call(f: &FuncCall, cx: &EvalCtx<'_>, at: &Expression) -> Result<Value, Diagnostic> {
    let mut name: String = f
        .name
        .namespace
        .iter()
        .map(|n| format!("{}::", n.value().as_str()))
        .collect();
    name.push_str(f.name.name.value().as_str());
    let args: Vec<&Expression> = f.args.iter().collect();
    match name.as_str() {
        "can" => {
            if args.len() != 1 {
                return Err(arity(cx, at, "can", 1, args.len()));
            }
            return Ok(match cx.quietly(|| eval(args[0], cx)) {
                Ok(v) if !v.is_wholly_known() => Value::unknown_not_null(Type::Bool),
                Ok(_) => Value::bool(true),
                Err(_) => Value::bool(false),
            });
        }
        "try" => {
            if args.is_empty() {
                return Err(cx.error(
                    at,
                    "Missing function argument",
                    "Function \"try\" requires at least one argument.",
                ));
            }
            let mut last = None;
            for a in &args {
                match cx.quietly(|| eval(a, cx)) {
                    Ok(v) if !v.is_wholly_known() => return Ok(Value::unknown(Type::Dynamic)),
                    Ok(v) => return Ok(v),
                    Err(e) => last = Some(e),
                }
            }
            let detail = last.map(|e| e.detail).unwrap_or_default();
            return Err(cx.error(
                at,
                "Error in function call",
                format!("Call to function \"try\" failed: no expression succeeded:\n- {detail}\n\nAt least one expression must produce a successful result."),
            ));
        }
        _ => {}
    }
    let mut values = Vec::with_capacity(args.len());
    let mut tally = Tally::default();
    for (i, a) in args.iter().enumerate() {
        let v = eval(a, cx)?;
        tally.add(&v).map_err(|d| d.at(cx.range_of(*a)))?;
        if i + 1 == args.len() && f.args.expand_final() {
            match v.as_elements() {
                Some(items) if v.is_sequence_type() => values.extend(items.iter().cloned()),
                _ if v.is_unknown() => return Ok(Value::unknown(Type::Dynamic)),
                _ => {
                    return Err(cx.error(
                        *a,
                        "Invalid expanding argument value",
                        "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                    ));
                }
            }
        } else {
            values.push(v);
        }
    }
    let range = cx.range_of(at);
    let v = cx
        .functions
        .call(&name, values, cx.file.name.as_str())
        .map_err(|e| e.into_diagnostic(&name, range.clone(), cx.context))?;
    budget::check_value(&v).map_err(|d| d.at(range))?;
    Ok(v)
}

fn arity(cx: &EvalCtx<'_>, at: &Expression, name: &str, want: usize, got: usize) -> Diagnostic {
    if got < want {
        cx.error(
            at,
            "Not enough function arguments",
            format!("Function {name:?} expects {want} argument(s)."),
        )
    } else {
        cx.error(
            at,
            "Too many function arguments",
            format!("Function {name:?} expects only {want} argument(s)."),
        )
    }
}
