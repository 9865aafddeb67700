//! Type conversion functions (`tostring`, `tolist`, …), the functions that
//! handle marks (`sensitive`, `nonsensitive`, `issensitive`,
//! `ephemeralasnull`), and the type unification and conversion helpers the
//! other function files share (cty's `convert.Unify` rules, which also
//! unify objects to maps and tuples to lists).

use super::{FnEnv, FnError, Function, Functions, Param};
use crate::tftest::value::{Kind, Marks, Number, Type, Value, convert, go_quote};

/// Whether a value of type `from` may convert to `to` (cty's
/// `GetConversionUnsafe`: string to number or bool is allowed, and may
/// still fail for the particular value).
pub(crate) fn can_convert(from: &Type, to: &Type) -> bool {
    match (from, to) {
        (_, Type::Dynamic) | (Type::Dynamic, _) => true,
        (a, b) if a == b => true,
        (Type::String, Type::Number | Type::Bool) | (Type::Number | Type::Bool, Type::String) => {
            true
        }
        (Type::List(a) | Type::Set(a), Type::List(b) | Type::Set(b)) => can_convert(a, b),
        (Type::Tuple(ts), Type::List(b) | Type::Set(b)) => {
            if b.has_dynamic() && ts.len() > 1 {
                unify_types(ts).is_some_and(|u| can_convert(&u, b))
            } else {
                ts.iter().all(|t| can_convert(t, b))
            }
        }
        (Type::List(a) | Type::Set(a), Type::Tuple(ts)) => ts.iter().all(|t| can_convert(a, t)),
        (Type::Map(a), Type::Map(b)) => can_convert(a, b),
        (Type::Object(attrs), Type::Map(b)) => {
            let ts: Vec<Type> = attrs.values().cloned().collect();
            if b.has_dynamic() && ts.len() > 1 {
                unify_types(&ts).is_some_and(|u| can_convert(&u, b))
            } else {
                ts.iter().all(|t| can_convert(t, b))
            }
        }
        (Type::Map(a), Type::Object(attrs)) => attrs.values().all(|t| can_convert(a, t)),
        (Type::Object(a), Type::Object(b)) => b
            .iter()
            .all(|(k, t)| a.get(k).is_some_and(|f| can_convert(f, t))),
        (Type::Tuple(a), Type::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| can_convert(x, y))
        }
        _ => false,
    }
}

/// Which of two types is more general (negative: `a`), as cty orders the
/// candidates for unification.
fn compare_types(a: &Type, b: &Type) -> i32 {
    match (a, b) {
        (Type::Dynamic, Type::Dynamic) => 0,
        (Type::Dynamic, _) => 1,
        (_, Type::Dynamic) => -1,
        (Type::String, x) if x.is_primitive() && *x != Type::String => -1,
        (x, Type::String) if x.is_primitive() && *x != Type::String => 1,
        (Type::List(x), Type::List(y))
        | (Type::Set(x), Type::Set(y))
        | (Type::Map(x), Type::Map(y)) => compare_types(x, y),
        (Type::List(_), Type::Set(_)) => -1,
        (Type::Set(_), Type::List(_)) => 1,
        (Type::List(e) | Type::Set(e), Type::Tuple(ts))
            if ts.iter().all(|t| compare_types(e, t) <= 0) =>
        {
            -1
        }
        (Type::Tuple(_), Type::List(_) | Type::Set(_)) => -compare_types(b, a),
        (Type::Map(e), Type::Object(attrs)) if attrs.values().all(|t| compare_types(e, t) <= 0) => {
            -1
        }
        (Type::Object(_), Type::Map(_)) => -compare_types(b, a),
        _ => 0,
    }
}

/// The candidates in order of preference (a topological sort on
/// "more general than", keeping the given order otherwise).
fn sort_types(types: &[Type]) -> Vec<usize> {
    let l = types.len();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); l];
    for i in 0..l {
        for j in i + 1..l {
            match compare_types(&types[i], &types[j]) {
                c if c < 0 => edges[i].push(j),
                c if c > 0 => edges[j].push(i),
                _ => {}
            }
        }
    }
    let mut in_degree = vec![0usize; l];
    for outs in &edges {
        for &j in outs {
            in_degree[j] += 1;
        }
    }
    let mut result: Vec<usize> = (0..l).filter(|&i| in_degree[i] == 0).collect();
    let mut at = 0;
    while at < result.len() {
        let i = result[at];
        at += 1;
        for &j in &edges[i] {
            in_degree[j] -= 1;
            if in_degree[j] == 0 {
                result.push(j);
            }
        }
    }
    // Cycles cannot happen with the order above, but keep every index.
    for i in 0..l {
        if !result.contains(&i) {
            result.push(i);
        }
    }
    result
}

/// The one type values of all of `types` can convert to, as cty's
/// `UnifyUnsafe` chooses it: objects with the same attributes unify
/// attribute by attribute and otherwise to a map, tuples likewise to a
/// list, primitives to string; `None` when there is none.
pub(crate) fn unify_types(types: &[Type]) -> Option<Type> {
    if types.is_empty() {
        return None;
    }
    if let Some(first) = types.first()
        && types.iter().all(|t| t == first)
    {
        return Some(first.clone());
    }
    let objects: Vec<&Type> = types
        .iter()
        .filter(|t| matches!(t, Type::Object(_)))
        .collect();
    let tuples: Vec<&Type> = types
        .iter()
        .filter(|t| matches!(t, Type::Tuple(_)))
        .collect();
    let dynamic = types.iter().filter(|t| **t == Type::Dynamic).count();
    if !objects.is_empty() && !tuples.is_empty() {
        return None;
    }
    if !objects.is_empty() && objects.len() + dynamic == types.len() {
        return unify_objects(&objects);
    }
    if !tuples.is_empty() && tuples.len() + dynamic == types.len() {
        return unify_tuples(&tuples);
    }
    // Collections mixed with structural types of their kind unify to a
    // collection of everything's element types.
    let count = |f: fn(&Type) -> bool| types.iter().filter(|t| f(t)).count();
    let maps = count(|t| matches!(t, Type::Map(_)));
    let lists = count(|t| matches!(t, Type::List(_)));
    let sets = count(|t| matches!(t, Type::Set(_)));
    let n = types.len() - dynamic;
    let collect = || -> Option<Type> {
        let elems: Vec<Type> = types
            .iter()
            .flat_map(|t| match t {
                Type::Map(e) | Type::List(e) | Type::Set(e) => vec![(**e).clone()],
                Type::Object(attrs) => attrs.values().cloned().collect(),
                Type::Tuple(ts) => ts.clone(),
                _ => Vec::new(),
            })
            .collect();
        if elems.is_empty() {
            Some(Type::Dynamic)
        } else {
            unify_types(&elems)
        }
    };
    if maps > 0 && maps + objects.len() == n {
        return collect().map(Type::map);
    }
    if lists > 0 && lists + sets + tuples.len() == n {
        return collect().map(Type::list);
    }
    if sets > 0 && sets + tuples.len() == n {
        return collect().map(Type::set);
    }
    for i in sort_types(types) {
        let want = &types[i];
        if types.iter().all(|t| t == want || can_convert(t, want)) {
            return Some(want.clone());
        }
    }
    None
}

fn unify_objects(types: &[&Type]) -> Option<Type> {
    let attrs = |t: &Type| match t {
        Type::Object(a) => a.clone(),
        _ => Default::default(),
    };
    let first = attrs(types[0]);
    let same_names = types.iter().all(|t| attrs(t).keys().eq(first.keys()));
    if same_names {
        let mut out = std::collections::BTreeMap::new();
        for name in first.keys() {
            let across: Vec<Type> = types.iter().map(|t| attrs(t)[name].clone()).collect();
            out.insert(name.clone(), unify_types(&across)?);
        }
        return Some(Type::Object(out));
    }
    let all: Vec<Type> = types.iter().flat_map(|t| attrs(t).into_values()).collect();
    if all.is_empty() {
        return Some(Type::map(Type::Dynamic));
    }
    let ety = unify_types(&all)?;
    let ty = Type::map(ety);
    types.iter().all(|t| can_convert(t, &ty)).then_some(ty)
}

fn unify_tuples(types: &[&Type]) -> Option<Type> {
    let elems = |t: &Type| match t {
        Type::Tuple(e) => e.clone(),
        _ => Vec::new(),
    };
    let first = elems(types[0]);
    if types.iter().all(|t| elems(t).len() == first.len()) {
        let mut out = Vec::with_capacity(first.len());
        for i in 0..first.len() {
            let across: Vec<Type> = types.iter().map(|t| elems(t)[i].clone()).collect();
            out.push(unify_types(&across)?);
        }
        return Some(Type::Tuple(out));
    }
    let all: Vec<Type> = types.iter().flat_map(|t| elems(t)).collect();
    if all.is_empty() {
        return Some(Type::list(Type::Dynamic));
    }
    let ety = unify_types(&all)?;
    let ty = Type::list(ety);
    types.iter().all(|t| can_convert(t, &ty)).then_some(ty)
}

/// The types of a sequence's elements or a map's/object's values.
fn element_types(v: &Value) -> Option<Vec<Type>> {
    match (v.kind(), v.ty()) {
        (Kind::Unknown { .. } | Kind::Null(_), Type::Tuple(ts)) => Some(ts),
        (Kind::Unknown { .. } | Kind::Null(_), Type::Object(attrs)) => {
            Some(attrs.into_values().collect())
        }
        (Kind::Unknown { .. } | Kind::Null(_), _) => None,
        (Kind::List(..) | Kind::Set(..) | Kind::Tuple(_), _) => {
            v.as_elements().map(|e| e.iter().map(Value::ty).collect())
        }
        (Kind::Map(..) | Kind::Object(_), _) => {
            v.as_entries().map(|e| e.values().map(Value::ty).collect())
        }
        _ => None,
    }
}

/// `ty` with a `dynamic` collection element type replaced by the one type
/// `v`'s elements unify to (the element type cty would choose for
/// `list(any)` and the like), when it can be decided.
pub(crate) fn concrete_target(v: &Value, ty: &Type) -> Option<Type> {
    let rebuild = |e: Type| match ty {
        Type::List(_) => Type::list(e),
        Type::Set(_) => Type::set(e),
        _ => Type::map(e),
    };
    match ty {
        Type::List(e) | Type::Set(e) | Type::Map(e) if **e == Type::Dynamic => {
            let from = v.ty();
            match (&from, ty) {
                (Type::List(x) | Type::Set(x), Type::List(_) | Type::Set(_)) => {
                    return Some(rebuild((**x).clone()));
                }
                (Type::Map(x), Type::Map(_)) => return Some(rebuild((**x).clone())),
                _ => {}
            }
            let types = element_types(v)?;
            if types.is_empty() {
                return Some(rebuild(Type::Dynamic));
            }
            unify_types(&types).map(rebuild)
        }
        _ => Some(ty.clone()),
    }
}

/// Convert `v` to `ty` (which may be `list(any)` and the like), with cty's
/// unification for the element type; the message is the converter's.
pub(crate) fn convert_to(v: &Value, ty: &Type) -> Result<Value, String> {
    let structural = matches!(
        (v.ty(), ty),
        (Type::Tuple(_), Type::List(_) | Type::Set(_)) | (Type::Object(_), Type::Map(_))
    );
    let target = concrete_target(v, ty).ok_or_else(|| match (ty, structural) {
        (Type::List(_), true) => "all list elements must have the same type".to_string(),
        (Type::Set(_), true) => "all set elements must have the same type".to_string(),
        (Type::Map(_), true) => "all map elements must have the same type".to_string(),
        _ => format!("{} required", constraint_name(ty)),
    })?;
    if !can_convert(&v.ty(), &target) {
        return Err(match ty {
            Type::List(e) | Type::Set(e) | Type::Map(e) if **e == Type::Dynamic => {
                format!("{} required", constraint_name(ty))
            }
            _ => convert(v, &target)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| format!("{} required", constraint_name(ty))),
        });
    }
    convert(v, &target).map_err(|e| e.to_string())
}

/// How Terraform names a type constraint (`list of any single type`).
pub(crate) fn constraint_name(ty: &Type) -> String {
    match ty {
        Type::Dynamic => "any single type".into(),
        Type::List(e) => format!("list of {}", constraint_name(e)),
        Type::Set(e) => format!("set of {}", constraint_name(e)),
        Type::Map(e) => format!("map of {}", constraint_name(e)),
        t => t.friendly(),
    }
}

/// Whether `s` is a number as Terraform parses strings (decimal, with an
/// optional sign, fraction and exponent; no spaces).
pub(crate) fn number_text(s: &str) -> Option<Number> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - f;
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    Number::parse(s)
}

/// Why `v` does not convert to `want`: `typed` when its type never
/// could (those messages show the types only), otherwise the value did
/// not fit.
fn conversion_error(v: &Value, want: &Type, typed: bool) -> FnError {
    let got = v.ty();
    let what = constraint_name(want);
    if typed {
        return FnError::arg(0, format!("cannot convert {} to {what}", got.friendly()));
    }
    if v.deep_marks().sensitive {
        return FnError::arg(
            0,
            format!("cannot convert this sensitive {} to {what}", got.friendly()),
        );
    }
    match (&got, want, v.as_str()) {
        (Type::String, Type::Bool, s) => FnError::arg(
            0,
            format!(
                "cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed",
                s.map(go_quote).unwrap_or_else(|| "string".into())
            ),
        ),
        (Type::String, Type::Number, s) => FnError::arg(
            0,
            format!(
                "cannot convert {} to number; given string must be a decimal representation of a number",
                s.map(go_quote).unwrap_or_else(|| "string".into())
            ),
        ),
        _ => FnError::arg(0, format!("cannot convert {} to {what}", got.friendly())),
    }
}

/// `tostring`, `tonumber`, …: an explicit conversion, null staying null.
fn to_type(v: &Value, want: &Type) -> Result<Value, FnError> {
    let marks = v.marks();
    let got = v.ty();
    if got != *want && !can_convert(&got, want) {
        return Err(conversion_error(v, want, true));
    }
    if let Some(target) = concrete_target(v, want)
        && !can_convert(&got, &target)
    {
        return Err(conversion_error(v, want, true));
    }
    if v.is_unknown() {
        // The declared result type: `tolist` of an unknown list of strings
        // is an unknown `list(any)`, as Terraform has it.
        let ty = if got == *want { got } else { want.clone() };
        let u = if v.is_known_not_null() {
            Value::unknown_not_null(ty)
        } else {
            Value::unknown(ty)
        };
        return Ok(u.with_marks(marks));
    }
    if v.is_null() {
        return Ok(Value::null(want.clone()).with_marks(marks));
    }
    if *want == Type::String
        && let Some(n) = v.as_number()
    {
        // Every digit the number has, as Terraform writes numbers.
        return Ok(Value::string(super::strings::number_string(n)).with_marks(marks));
    }
    if *want == Type::Number
        && let Some(s) = v.as_str()
    {
        return match number_text(s) {
            Some(n) => Ok(Value::number(n).with_marks(marks)),
            None => Err(conversion_error(v, want, false)),
        };
    }
    convert_to(v, want).map_err(|_| conversion_error(v, want, false))
}

fn tostring(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    to_type(&a[0], &Type::String)
}

fn tonumber(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    to_type(&a[0], &Type::Number)
}

fn tobool(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    to_type(&a[0], &Type::Bool)
}

fn tolist(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    to_type(&a[0], &Type::list(Type::Dynamic))
}

fn toset(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    to_type(&a[0], &Type::set(Type::Dynamic))
}

fn tomap(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    to_type(&a[0], &Type::map(Type::Dynamic))
}

const SENSITIVE: Marks = Marks {
    sensitive: true,
    ephemeral: false,
};

fn sensitive(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(a[0].clone().with_marks(SENSITIVE))
}

fn nonsensitive(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let m = a[0].marks();
    Ok(a[0].clone().unmarked().with_marks(Marks {
        sensitive: false,
        ephemeral: m.ephemeral,
    }))
}

fn issensitive(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let v = &a[0];
    Ok(if v.marks().sensitive {
        Value::bool(true)
    } else if v.is_unknown() {
        Value::unknown_not_null(Type::Bool)
    } else {
        Value::bool(false)
    })
}

/// Replace every ephemeral part of `v` with a null (unknowns stay unknown)
/// that keeps the other marks.
fn strip_ephemeral(v: &Value) -> Value {
    let marks = v.marks();
    if marks.ephemeral {
        let rest = Marks {
            sensitive: marks.sensitive,
            ephemeral: false,
        };
        let ty = v.ty();
        return if v.is_unknown() {
            Value::unknown(ty)
        } else {
            Value::null(ty)
        }
        .with_marks(rest);
    }
    let out = match v.kind() {
        Kind::List(t, items) => Value::list(t.clone(), items.iter().map(strip_ephemeral).collect()),
        Kind::Set(t, items) => Value::set(t.clone(), items.iter().map(strip_ephemeral).collect()),
        Kind::Tuple(items) => Value::tuple(items.iter().map(strip_ephemeral).collect()),
        Kind::Map(t, m) => Value::map(
            t.clone(),
            m.iter()
                .map(|(k, x)| (k.clone(), strip_ephemeral(x)))
                .collect(),
        ),
        Kind::Object(m) => Value::object(
            m.iter()
                .map(|(k, x)| (k.clone(), strip_ephemeral(x)))
                .collect(),
        ),
        _ => return v.clone(),
    };
    out.with_marks(marks)
}

fn ephemeralasnull(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(strip_ephemeral(&a[0]))
}

fn any_value() -> Param {
    Param::new("v", Type::Dynamic).nullable().unknowns()
}

fn value_param() -> Param {
    Param::new("value", Type::Dynamic).nullable().unknowns()
}

/// Register the types functions.
pub fn register(f: &mut Functions) {
    let to = |imp, ret| Function::new(vec![any_value()], ret, imp).marked();
    f.add("tostring", to(tostring, Type::String));
    f.add("tonumber", to(tonumber, Type::Number));
    f.add("tobool", to(tobool, Type::Bool));
    f.add("tolist", to(tolist, Type::list(Type::Dynamic)));
    f.add("toset", to(toset, Type::set(Type::Dynamic)));
    f.add("tomap", to(tomap, Type::map(Type::Dynamic)));
    let marking = |imp, ret| Function::new(vec![value_param()], ret, imp).marked();
    f.add("sensitive", marking(sensitive, Type::Dynamic));
    f.add("nonsensitive", marking(nonsensitive, Type::Dynamic));
    f.add("issensitive", marking(issensitive, Type::Bool));
    f.add("ephemeralasnull", marking(ephemeralasnull, Type::Dynamic));
}

#[cfg(test)]
mod tests {
    use crate::tftest::eval::{MapScope, eval_text};
    use crate::tftest::functions::Functions;
    use crate::tftest::value::{Type, Value};

    fn ev(text: &str) -> Value {
        eval_text(text, &MapScope::default(), &Functions::default())
            .unwrap_or_else(|d| panic!("{text}: {d:?}"))
    }

    fn err(text: &str) -> (String, String) {
        let d = eval_text(text, &MapScope::default(), &Functions::default()).expect_err("an error");
        (d.summary, d.detail)
    }

    #[test]
    fn primitive_conversions() {
        assert_eq!(ev("tostring(1.5)"), Value::string("1.5"));
        assert_eq!(ev("tostring(true)"), Value::string("true"));
        assert_eq!(ev("tostring(-1.5)"), Value::string("-1.5"));
        assert_eq!(
            ev("tostring(pow(1.1, 2))"),
            Value::string("1.2100000000000002"),
            "every digit, as Terraform writes numbers"
        );
        assert_eq!(
            ev("tostring(12345678901234567890)"),
            Value::string("12345678901234567890")
        );
        assert_eq!(ev("tonumber(\"1e3\")"), Value::number(1000));
        assert_eq!(ev("tonumber(\"+1\")"), Value::number(1));
        assert_eq!(ev("tobool(\"false\")"), Value::bool(false));
        let n = ev("tostring(null)");
        assert!(n.is_null());
        assert_eq!(n.ty(), Type::String);
        assert_eq!(ev("tobool(null)").ty(), Type::Bool);
    }

    #[test]
    fn collection_conversions_unify() {
        let l = ev("tolist([\"a\", 1, true])");
        assert_eq!(l.ty(), Type::list(Type::String));
        assert_eq!(l.to_string(), "[\"a\", \"1\", \"true\"]");
        assert_eq!(
            ev("toset([\"b\", \"a\", \"b\"])").to_string(),
            "[\"a\", \"b\"]"
        );
        let m = ev("tomap({a = 1, b = \"x\"})");
        assert_eq!(m.ty(), Type::map(Type::String));
        assert_eq!(
            ev("tolist([{a = 1}, {b = 2}])").ty(),
            Type::list(Type::map(Type::Number)),
            "objects with different attributes unify to a map"
        );
        assert_eq!(
            ev("tolist([[1], [\"a\", 2]])").ty(),
            Type::list(Type::list(Type::String))
        );
        assert_eq!(
            ev("tolist([toset([\"a\"]), tolist([\"b\"])])").ty(),
            Type::list(Type::list(Type::String))
        );
        assert_eq!(ev("tolist(null)").ty(), Type::list(Type::Dynamic));
        assert_eq!(ev("tolist([])").ty(), Type::list(Type::Dynamic));
    }

    #[test]
    fn conversion_errors_say_what_terraform_says() {
        let inv = "Invalid function argument".to_string();
        assert_eq!(
            err("tobool(\"x\")"),
            (
                inv.clone(),
                "Invalid value for \"v\" parameter: cannot convert \"x\" to bool; only the strings \"true\" or \"false\" are allowed.".into()
            )
        );
        assert_eq!(
            err("tonumber(\" 1\")").1,
            "Invalid value for \"v\" parameter: cannot convert \" 1\" to number; given string must be a decimal representation of a number."
        );
        assert_eq!(
            err("tostring([1])").1,
            "Invalid value for \"v\" parameter: cannot convert tuple to string."
        );
        assert_eq!(
            err("tolist(\"a\")").1,
            "Invalid value for \"v\" parameter: cannot convert string to list of any single type."
        );
        assert_eq!(
            err("tomap([1])").1,
            "Invalid value for \"v\" parameter: cannot convert tuple to map of any single type."
        );
        assert_eq!(
            err("tolist([1, {}])").1,
            "Invalid value for \"v\" parameter: cannot convert tuple to list of any single type."
        );
        assert_eq!(
            err("tonumber(true)").1,
            "Invalid value for \"v\" parameter: cannot convert bool to number."
        );
        assert_eq!(
            err("tonumber(sensitive(\"x\"))").1,
            "Invalid value for \"v\" parameter: cannot convert this sensitive string to number."
        );
    }

    #[test]
    fn marks() {
        assert!(ev("sensitive(\"a\")").marks().sensitive);
        assert!(!ev("nonsensitive(sensitive(\"a\"))").marks().sensitive);
        assert_eq!(ev("nonsensitive(\"a\")"), Value::string("a"));
        assert_eq!(ev("issensitive(sensitive(\"a\"))"), Value::bool(true));
        assert_eq!(ev("issensitive(\"a\")"), Value::bool(false));
        assert_eq!(ev("issensitive([sensitive(\"a\")])"), Value::bool(false));
        assert!(ev("tostring(sensitive(true))").marks().sensitive);
        assert_eq!(ev("ephemeralasnull(\"a\")"), Value::string("a"));
    }

    #[test]
    fn unknowns_convert_to_unknowns() {
        let mut names = MapScope::default();
        names
            .0
            .insert("u".into(), Value::unknown_not_null(Type::String));
        let f = Functions::default();
        let v = eval_text("tonumber(u)", &names, &f).unwrap();
        assert!(v.is_unknown());
        assert_eq!(v.ty(), Type::Number);
        let l = eval_text("tolist([\"a\", u])", &names, &f).unwrap();
        assert_eq!(l.ty(), Type::list(Type::String));
        assert!(l.as_elements().unwrap()[1].is_unknown());
        assert!(
            eval_text("issensitive(u)", &names, &f)
                .unwrap()
                .is_unknown()
        );
    }
}
