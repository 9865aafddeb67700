//! Collection functions, with cty's result types (tuples stay tuples,
//! objects stay objects, lists of one element type come back as lists)
//! and its handling of partly unknown collections: a known collection
//! with unknown elements usually gives a known result with those elements
//! still unknown.

use std::collections::BTreeMap;

use super::strings::{go_int, graphemes};
use super::types::{can_convert, convert_to, unify_types};
use super::{FnEnv, FnError, Function, Functions, Param};
use crate::tftest::budget;
use crate::tftest::value::{Kind, Number, Type, Value, convert};

fn unk(ty: Type) -> Value {
    Value::unknown_not_null(ty)
}

fn items(v: &Value) -> &[Value] {
    v.as_elements().unwrap_or_default()
}

fn dynamic(name: &'static str) -> Param {
    Param::new(name, Type::Dynamic)
}

/// `v` as a list of the one type its elements unify to (a `list(any)`
/// parameter).
fn list_arg(v: &Value, i: usize) -> Result<Value, FnError> {
    convert_to(v, &Type::list(Type::Dynamic)).map_err(|e| FnError::arg(i, e))
}

fn set_arg(v: &Value, i: usize) -> Result<Value, FnError> {
    convert_to(v, &Type::set(Type::Dynamic)).map_err(|e| FnError::arg(i, e))
}

fn elem_type(ty: &Type) -> Type {
    ty.element().cloned().unwrap_or(Type::Dynamic)
}

fn is_seq(ty: &Type) -> bool {
    matches!(ty, Type::List(_) | Type::Set(_) | Type::Tuple(_))
}

// ---------------------------------------------------------------------

/// An argument of no particular type that is not known yet: cty gives an
/// unknown result of no particular type, before looking at anything else.
fn untyped_unknown(a: &[Value]) -> bool {
    a.iter().any(|v| v.is_unknown() && v.ty() == Type::Dynamic)
}

macro_rules! untyped_guard {
    ($a:expr) => {
        if untyped_unknown($a) {
            return Ok(Value::unknown(Type::Dynamic));
        }
    };
}

fn length(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let v = &a[0];
    let marks = v.marks();
    let n = match v.ty() {
        Type::Dynamic => return Ok(unk(Type::Number).with_marks(marks)),
        Type::Tuple(ts) => ts.len(),
        Type::Object(attrs) => attrs.len(),
        Type::String if v.is_unknown() => return Ok(unk(Type::Number).with_marks(marks)),
        Type::String => graphemes(v.as_str().unwrap_or_default()).len(),
        Type::List(_) | Type::Set(_) | Type::Map(_) => match v.length() {
            Some(n) => n,
            None => return Ok(unk(Type::Number).with_marks(marks)),
        },
        _ => {
            return Err(FnError::call(
                "argument must be a string, a collection type, or a structural type",
            ));
        }
    };
    Ok(Value::number(n).with_marks(marks))
}

/// `v` as a list of bools; a string that is not a bool fails without
/// naming the element, as cty's value conversions do.
fn bool_list(v: &Value) -> Result<Value, FnError> {
    if let Some(i) = items(v)
        .iter()
        .position(|x| !can_convert(&x.ty(), &Type::Bool))
    {
        return Err(FnError::arg(0, format!("element {i}: bool required")));
    }
    convert_to(v, &Type::list(Type::Bool)).map_err(|e| {
        let msg = match e.rsplit_once(": ") {
            Some((_, last)) if last == "a bool is required" => last.to_string(),
            _ => e,
        };
        FnError::arg(0, msg)
    })
}

fn alltrue(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let list = bool_list(&a[0])?;
    if list.is_unknown() {
        return Ok(unk(Type::Bool));
    }
    for v in items(&list) {
        if v.is_unknown() {
            return Ok(unk(Type::Bool));
        }
        if v.as_bool() != Some(true) {
            return Ok(Value::bool(false));
        }
    }
    Ok(Value::bool(true))
}

fn anytrue(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let list = bool_list(&a[0])?;
    if list.is_unknown() {
        return Ok(unk(Type::Bool));
    }
    let mut unknown = false;
    for v in items(&list) {
        if v.is_unknown() {
            unknown = true;
        } else if v.as_bool() == Some(true) {
            return Ok(Value::bool(true));
        }
    }
    Ok(if unknown {
        unk(Type::Bool)
    } else {
        Value::bool(false)
    })
}

fn chunklist(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let list = list_arg(&a[0], 0)?;
    let lty = list.ty();
    if list.is_unknown() || a[1].is_unknown() {
        return Ok(unk(Type::list(lty)));
    }
    let size = go_int(&a[1]).map_err(|e| FnError::call(format!("invalid size: {e}")))?;
    if size < 0 {
        return Err(FnError::call("the size argument must be positive"));
    }
    let elems = items(&list);
    if elems.is_empty() {
        return Ok(Value::list(lty, Vec::new()));
    }
    if size == 0 {
        return Ok(Value::list(lty, vec![list.clone()]));
    }
    let ety = elem_type(&lty);
    let chunks = elems
        .chunks(size as usize)
        .map(|c| Value::list(ety.clone(), c.to_vec()))
        .collect();
    Ok(Value::list(lty, chunks))
}

fn coalesce(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let types: Vec<Type> = a.iter().map(Value::ty).collect();
    let ret = unify_types(&types)
        .ok_or_else(|| FnError::call("all arguments must have the same type"))?;
    for v in a {
        let v = if v.ty() == ret {
            v.clone()
        } else {
            convert_to(v, &ret).map_err(FnError::call)?
        };
        if v.is_unknown() {
            return Ok(unk(ret));
        }
        if v.is_null() || (ret == Type::String && v.as_str() == Some("")) {
            continue;
        }
        return Ok(v);
    }
    Err(FnError::call("no non-null, non-empty-string arguments"))
}

fn coalescelist(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    if a.is_empty() {
        return Err(FnError::call("at least one argument is required"));
    }
    let mut ret: Option<Type> = None;
    for v in a {
        if v.is_unknown() {
            ret = Some(Type::Dynamic);
            break;
        }
        if !matches!(v.ty(), Type::List(_) | Type::Tuple(_)) {
            return Err(FnError::call(
                "coalescelist arguments must be lists or tuples",
            ));
        }
    }
    let ret = ret.unwrap_or_else(|| {
        let first = a[0].ty();
        if a.iter().all(|v| v.ty() == first) {
            first
        } else {
            Type::Dynamic
        }
    });
    for v in a {
        if v.is_unknown() {
            return Ok(Value::unknown(ret));
        }
        if v.is_null() {
            continue;
        }
        if v.length().unwrap_or(0) > 0 {
            return Ok(v.clone());
        }
    }
    Err(FnError::call("no non-null arguments"))
}

fn compact(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let kept = items(&a[0])
        .iter()
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        .cloned()
        .collect();
    Ok(Value::list(Type::String, kept))
}

fn concat(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    if a.is_empty() {
        return Err(FnError::call("at least one argument is required"));
    }
    let types: Vec<Type> = a.iter().map(Value::ty).collect();
    let mut ret: Option<Type> = None;
    if types.iter().all(|t| matches!(t, Type::List(_)))
        && let Some(t) = unify_types(&types)
    {
        ret = Some(t);
    }
    let ret = match ret {
        Some(t) => t,
        None => {
            let mut etys = Vec::new();
            let mut unknown_len = false;
            for (i, v) in a.iter().enumerate() {
                match v.ty() {
                    Type::Tuple(ts) => etys.extend(ts),
                    Type::List(e) => match v.length() {
                        Some(n) if !v.is_unknown() => {
                            etys.extend(std::iter::repeat_n((*e).clone(), n));
                        }
                        _ => unknown_len = true,
                    },
                    t => {
                        return Err(FnError::arg(
                            i,
                            format!(
                                "all arguments must be lists or tuples; got {}",
                                t.friendly()
                            ),
                        ));
                    }
                }
            }
            if unknown_len {
                return Ok(Value::unknown(Type::Dynamic));
            }
            Type::Tuple(etys)
        }
    };
    if a.iter().any(Value::is_unknown) {
        return Ok(unk(ret));
    }
    match &ret {
        Type::List(e) => {
            let mut out = Vec::new();
            for (i, v) in a.iter().enumerate() {
                let l = convert(v, &ret).map_err(|err| FnError::arg(i, err.to_string()))?;
                out.extend(items(&l).iter().cloned());
            }
            Ok(Value::list((**e).clone(), out))
        }
        _ => Ok(Value::tuple(
            a.iter().flat_map(|v| items(v).iter().cloned()).collect(),
        )),
    }
}

fn contains(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    if a[0].is_unknown() || a[1].is_unknown() {
        return Ok(unk(Type::Bool));
    }
    if !is_seq(&a[0].ty()) {
        return Err(FnError::call("argument must be list, tuple, or set"));
    }
    let mut unknown = false;
    for v in items(&a[0]) {
        let eq = a[1].equals(v);
        match eq.as_bool() {
            Some(true) => return Ok(Value::bool(true)),
            Some(false) => {}
            None => unknown = true,
        }
    }
    Ok(if unknown {
        unk(Type::Bool)
    } else {
        Value::bool(false)
    })
}

fn distinct(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let list = list_arg(&a[0], 0)?;
    let ty = list.ty();
    if !list.is_wholly_known() {
        return Ok(unk(ty));
    }
    let mut out: Vec<Value> = Vec::new();
    for v in items(&list) {
        // Quadratic: long lists are bounded by the run's time budget.
        budget::check_time_in_function().map_err(FnError::call)?;
        if !out.iter().any(|x| x.same(v)) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(elem_type(&ty), out))
}

fn element(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let (list, index) = (&a[0], &a[1]);
    let marks = list.marks().union(index.deep_marks());
    if let Some(n) = index.as_number()
        && n.is_negative()
    {
        return Err(FnError::call(
            "cannot use element function with a negative index",
        ));
    }
    let ty = list.ty();
    let (ret, len) = match &ty {
        Type::List(e) => ((**e).clone(), list.length()),
        Type::Tuple(ts) => {
            if index.is_unknown() {
                (Type::Dynamic, Some(ts.len()))
            } else {
                let i = go_int(index).map_err(|e| FnError::call(format!("invalid index: {e}")))?;
                if ts.is_empty() {
                    return Err(FnError::call(
                        "cannot use element function with an empty list",
                    ));
                }
                (ts[(i as usize) % ts.len()].clone(), Some(ts.len()))
            }
        }
        t => {
            return Err(FnError::call(format!(
                "cannot read elements from {}",
                t.friendly()
            )));
        }
    };
    if index.is_unknown() || list.is_unknown() {
        return Ok(unk(ret).with_marks(marks));
    }
    let i = go_int(index).map_err(|e| FnError::call(format!("invalid index: {e}")))?;
    let len = len.unwrap_or(0);
    if len == 0 {
        return Err(FnError::call(
            "cannot use element function with an empty list",
        ));
    }
    let v = items(list)[(i as usize) % len].clone();
    Ok(v.with_marks(marks))
}

/// cty's flattening: nested lists, sets and tuples spliced in; `false`
/// when some nested collection is unknown.
fn flattener(v: &Value, out: &mut Vec<Value>) -> bool {
    let mut known = true;
    for x in items(v) {
        let ty = x.ty();
        if ty == Type::Dynamic && !x.is_null() {
            known = false;
        }
        if is_seq(&ty) && !x.is_null() {
            if x.is_unknown() {
                known = false;
                continue;
            }
            let mut inner = Vec::new();
            if flattener(x, &mut inner) {
                out.extend(inner);
            } else {
                known = false;
            }
        } else {
            out.push(x.clone());
        }
    }
    known
}

fn flatten(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let v = &a[0];
    if !is_seq(&v.ty()) {
        if v.is_unknown() && v.ty() == Type::Dynamic {
            return Ok(Value::unknown(Type::Dynamic));
        }
        return Err(FnError::call("can only flatten lists, sets and tuples"));
    }
    if v.is_unknown() {
        return Ok(Value::unknown(Type::Dynamic));
    }
    let mut out = Vec::new();
    if !flattener(v, &mut out) {
        return Ok(Value::unknown(Type::Dynamic));
    }
    Ok(Value::tuple(out))
}

fn index(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    if !matches!(a[0].ty(), Type::List(_) | Type::Tuple(_)) {
        return Err(FnError::call("argument must be a list or tuple"));
    }
    if a[0].is_unknown() || a[1].is_unknown() {
        return Ok(unk(Type::Number));
    }
    let elems = items(&a[0]);
    if elems.is_empty() {
        return Err(FnError::call("cannot search an empty list"));
    }
    for (i, v) in elems.iter().enumerate() {
        match v.equals(&a[1]).as_bool() {
            None => return Ok(unk(Type::Number)),
            Some(true) => return Ok(Value::number(i)),
            Some(false) => {}
        }
    }
    Err(FnError::call("item not found"))
}

fn keys(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let v = &a[0];
    let marks = v.marks();
    let out = match v.ty() {
        Type::Object(attrs) => Value::tuple(attrs.into_keys().map(Value::string).collect()),
        Type::Map(_) => match v.as_entries() {
            Some(m) => Value::list(Type::String, m.keys().cloned().map(Value::string).collect()),
            None => unk(Type::list(Type::String)),
        },
        Type::Dynamic => Value::unknown(Type::Dynamic),
        _ => return Err(FnError::arg(0, "must have map or object type")),
    };
    Ok(out.with_marks(marks))
}

fn lookup(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    if a.len() > 3 {
        return Err(FnError::call(format!(
            "lookup() takes two or three arguments, got {}",
            a.len()
        )));
    }
    untyped_guard!(&a[..2]);
    let (map, key) = (&a[0], &a[1]);
    let default = a.get(2);
    let marks = map.marks().union(key.marks());
    let ty = map.ty();
    let ret = match &ty {
        Type::Object(attrs) => match key.as_str() {
            None => Type::Dynamic,
            Some(k) => match (attrs.get(k), default) {
                (Some(t), _) => t.clone(),
                (None, Some(d)) => d.ty(),
                (None, None) => {
                    return Err(FnError::arg(
                        0,
                        format!(
                            "the given object has no attribute {}",
                            crate::tftest::value::go_quote(k)
                        ),
                    ));
                }
            },
        },
        Type::Map(e) => {
            if let Some(d) = default
                && !(can_convert(&d.ty(), e) && convert(d, e).is_ok())
            {
                return Err(FnError::arg(
                    2,
                    "the default value must have the same type as the map elements",
                ));
            }
            (**e).clone()
        }
        _ => {
            return Err(FnError::arg(
                0,
                "lookup() requires a map as the first argument",
            ));
        }
    };
    if map.is_unknown() || key.is_unknown() {
        return Ok(Value::unknown(ret).with_marks(marks));
    }
    let k = key.as_str().unwrap_or_default();
    if let Some(v) = map.as_entries().and_then(|m| m.get(k)) {
        return Ok(v.clone().with_marks(marks));
    }
    match default {
        Some(d) => {
            let d = if d.ty() == ret {
                d.clone()
            } else {
                convert(d, &ret).map_err(|e| FnError::call(e.to_string()))?
            };
            Ok(d.with_marks(marks))
        }
        None => {
            let shown = if key.marks().sensitive {
                "(sensitive value)".to_string()
            } else {
                crate::tftest::value::go_quote(k)
            };
            Err(FnError::call(format!("lookup failed to find key {shown}")))
        }
    }
}

fn matchkeys(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let values = list_arg(&a[0], 0)?;
    let keys = list_arg(&a[1], 1)?;
    let search = list_arg(&a[2], 2)?;
    let kty = unify_types(&[keys.ty(), search.ty()])
        .ok_or_else(|| FnError::call("keys and searchset must be of the same type"))?;
    let ret = values.ty();
    let ety = elem_type(&ret);
    if values.is_unknown() || keys.is_unknown() || search.is_unknown() {
        return Ok(unk(ret));
    }
    if values.length() != keys.length() {
        return Err(FnError::call("length of keys and values should be equal"));
    }
    let keys = convert(&keys, &kty).map_err(|e| FnError::call(e.to_string()))?;
    let search = convert(&search, &kty).map_err(|e| FnError::call(e.to_string()))?;
    if items(&search).is_empty() {
        return Ok(Value::list(ety, Vec::new()));
    }
    if !values.is_wholly_known() || !keys.is_wholly_known() {
        return Ok(unk(ret));
    }
    let mut out = Vec::new();
    for (i, k) in items(&keys).iter().enumerate() {
        for s in items(&search) {
            match k.equals(s).as_bool() {
                None => return Ok(Value::list(ety, Vec::new())),
                Some(true) => {
                    out.push(items(&values)[i].clone());
                    break;
                }
                Some(false) => {}
            }
        }
    }
    Ok(Value::list(ety, out))
}

fn merge(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let ret = merge_type(a)?;
    if a.iter().any(Value::is_unknown) {
        return Ok(unk(ret));
    }
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    for v in a {
        if let Some(m) = v.as_entries() {
            for (k, x) in m {
                out.insert(k.clone(), x.clone());
            }
        }
    }
    Ok(match &ret {
        Type::Map(e) => Value::map((**e).clone(), out),
        _ => Value::object(out),
    })
}

fn merge_type(a: &[Value]) -> Result<Type, FnError> {
    if a.is_empty() {
        return Ok(Type::empty_object());
    }
    let mut attrs: BTreeMap<String, Type> = BTreeMap::new();
    let mut first = Type::Dynamic;
    let mut matching = true;
    let mut attrs_known = true;
    for (i, v) in a.iter().enumerate() {
        let ty = v.ty();
        if ty == Type::Dynamic {
            return Ok(Type::Dynamic);
        }
        match &ty {
            Type::Object(at) => {
                if !v.is_null() {
                    attrs.extend(at.iter().map(|(k, t)| (k.clone(), t.clone())));
                }
            }
            Type::Map(e) => {
                if v.is_unknown() {
                    attrs_known = false;
                } else if let Some(m) = v.as_entries() {
                    for k in m.keys() {
                        attrs.insert(k.clone(), (**e).clone());
                    }
                }
            }
            t => {
                return Err(FnError::call(format!(
                    "arguments must be maps or objects, got {}",
                    crate::tftest::value::go_quote(&t.friendly())
                )));
            }
        }
        if i == 0 {
            first = ty;
        } else if ty != first {
            matching = false;
        }
    }
    if matching {
        return Ok(first);
    }
    if !attrs_known {
        return Ok(Type::Dynamic);
    }
    Ok(Type::Object(attrs))
}

fn one(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let v = &a[0];
    let bad = || {
        FnError::arg(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )
    };
    match v.ty() {
        Type::List(e) | Type::Set(e) => match v.length() {
            _ if v.is_unknown() => Ok(Value::unknown(*e)),
            Some(0) => Ok(Value::null(*e)),
            Some(1) => Ok(items(v)[0].clone()),
            _ => Err(bad()),
        },
        Type::Tuple(ts) => match ts.len() {
            0 => Ok(Value::null(Type::Dynamic)),
            1 if v.is_unknown() => Ok(Value::unknown(ts[0].clone())),
            1 => Ok(items(v)[0].clone()),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

fn range(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let n = |i: usize| a[i].as_number().cloned().unwrap_or_else(Number::zero);
    let (start, end, step) = match a.len() {
        1 => {
            let end = n(0);
            let step = if end.is_negative() { -1 } else { 1 };
            (Number::zero(), end, Number::from(step))
        }
        2 => {
            let (s, e) = (n(0), n(1));
            let step = if e < s { -1 } else { 1 };
            (s, e, Number::from(step))
        }
        3 => (n(0), n(1), n(2)),
        _ => return Err(FnError::call("must have one, two, or three arguments")),
    };
    // Terraform 1.11 never recognizes a zero step (it compares values by
    // identity), so a zero step counts as positive.
    let down = step.is_negative();
    if down && end > start {
        return Err(FnError::arg(
            1,
            "end must be less than start when step is negative",
        ));
    }
    if !down && end < start {
        return Err(FnError::arg(
            1,
            "end must be greater than start when step is positive",
        ));
    }
    let mut out = Vec::new();
    let mut num = start;
    loop {
        if (down && num <= end) || (!down && num >= end) {
            break;
        }
        if out.len() >= 1024 {
            return Err(FnError::call(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step",
            ));
        }
        out.push(Value::number(num.clone()));
        num = num.add(&step);
    }
    Ok(Value::list(Type::Number, out))
}

fn reverse(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let v = &a[0];
    let ret = match v.ty() {
        Type::Tuple(ts) => Type::Tuple(ts.into_iter().rev().collect()),
        Type::List(e) | Type::Set(e) => Type::list(*e),
        t => {
            return Err(FnError::arg(
                0,
                format!(
                    "can only reverse list or tuple values, not {}",
                    t.friendly()
                ),
            ));
        }
    };
    if v.is_unknown() {
        return Ok(unk(ret));
    }
    let out: Vec<Value> = items(v).iter().rev().cloned().collect();
    Ok(match ret {
        Type::List(e) => Value::list(*e, out),
        _ => Value::tuple(out),
    })
}

#[derive(Clone, Copy, PartialEq)]
enum SetOp {
    Union,
    Intersection,
    Subtract,
}

fn set_operation(a: &[Value], op: SetOp) -> Result<Value, FnError> {
    untyped_guard!(a);
    let mut sets = Vec::with_capacity(a.len());
    for (i, v) in a.iter().enumerate() {
        sets.push(set_arg(v, i)?);
    }
    let etys: Vec<Type> = sets
        .iter()
        .filter(|s| {
            !(s.length() == Some(0) && !s.is_unknown() && elem_type(&s.ty()) == Type::Dynamic)
        })
        .map(|s| elem_type(&s.ty()))
        .collect();
    let ret =
        if etys.is_empty() {
            Type::set(Type::Dynamic)
        } else {
            Type::set(unify_types(&etys).ok_or_else(|| {
                FnError::call("given sets must all have compatible element types")
            })?)
        };
    if sets.iter().any(Value::is_unknown) {
        return Ok(unk(ret));
    }
    let ety = elem_type(&ret);
    let mut converted = Vec::with_capacity(sets.len());
    for (i, s) in sets.iter().enumerate() {
        let c = convert(s, &ret).map_err(|e| FnError::arg(i, e.to_string()))?;
        if op != SetOp::Union && !c.is_wholly_known() {
            return Ok(unk(ret));
        }
        converted.push(c);
    }
    let mut acc: Vec<Value> = items(&converted[0]).to_vec();
    for other in &converted[1..] {
        let o = items(other);
        let keep_found = match op {
            SetOp::Union => {
                acc.extend(o.iter().cloned());
                continue;
            }
            SetOp::Intersection => true,
            SetOp::Subtract => false,
        };
        let mut kept = Vec::with_capacity(acc.len());
        for x in acc {
            // Quadratic: large sets are bounded by the run's time budget.
            budget::check_time_in_function().map_err(FnError::call)?;
            if o.iter().any(|y| y.same(&x)) == keep_found {
                kept.push(x);
            }
        }
        acc = kept;
    }
    Ok(Value::set(ety, acc))
}

fn setunion(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    set_operation(a, SetOp::Union)
}

fn setintersection(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    set_operation(a, SetOp::Intersection)
}

fn setsubtract(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    set_operation(a, SetOp::Subtract)
}

fn setproduct(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    if a.len() < 2 {
        return Err(FnError::call("at least two arguments are required"));
    }
    let mut lists = 0;
    let mut etys = Vec::with_capacity(a.len());
    for (i, v) in a.iter().enumerate() {
        match v.ty() {
            Type::Set(e) => etys.push(*e),
            Type::List(e) => {
                etys.push(*e);
                lists += 1;
            }
            Type::Tuple(ts) => {
                lists += 1;
                if ts.is_empty() {
                    etys.push(Type::Dynamic);
                } else {
                    etys.push(
                        unify_types(&ts).ok_or_else(|| {
                            FnError::arg(i, "all elements must be of the same type")
                        })?,
                    );
                }
            }
            _ => return Err(FnError::arg(i, "a set or a list is required")),
        }
    }
    let ety = Type::Tuple(etys.clone());
    let is_list = lists == a.len();
    let ret = if is_list {
        Type::list(ety.clone())
    } else {
        Type::set(ety.clone())
    };
    if a.iter().any(Value::is_unknown) {
        return Ok(unk(ret));
    }
    // Checked before building: ten lists of a thousand make 10^30 tuples.
    let total = a
        .iter()
        .try_fold(1usize, |acc, v| acc.checked_mul(items(v).len()))
        .unwrap_or(usize::MAX);
    if a.iter().all(|v| !items(v).is_empty()) {
        budget::check_elements(total).map_err(FnError::call)?;
    }
    let make = |vals: Vec<Value>| {
        if is_list {
            Value::list(ety.clone(), vals)
        } else {
            Value::set(ety.clone(), vals)
        }
    };
    if total == 0 {
        return Ok(make(Vec::new()));
    }
    let mut idx = vec![0usize; a.len()];
    let mut out = Vec::with_capacity(total);
    for _ in 0..total {
        let mut tuple = Vec::with_capacity(a.len());
        for (j, &n) in idx.iter().enumerate() {
            let v = &items(&a[j])[n];
            let v = if v.ty() == etys[j] {
                v.clone()
            } else {
                convert(v, &etys[j]).map_err(|e| FnError::arg(j, e.to_string()))?
            };
            tuple.push(v);
        }
        out.push(Value::tuple(tuple));
        for j in (0..idx.len()).rev() {
            idx[j] += 1;
            if idx[j] < items(&a[j]).len() {
                break;
            }
            idx[j] = 0;
        }
    }
    Ok(make(out))
}

fn slice(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let list = &a[0];
    let ty = list.ty();
    match ty {
        Type::Set(_) => {
            return Err(FnError::arg(
                0,
                "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important",
            ));
        }
        Type::List(_) | Type::Tuple(_) => {}
        _ => return Err(FnError::arg(0, "must be a list or tuple value")),
    }
    let length = match &ty {
        Type::Tuple(ts) => Some(ts.len() as i64),
        _ if list.is_unknown() => None,
        _ => list.length().map(|n| n as i64),
    };
    let index = |i: usize, what: &str| -> Result<Option<i64>, FnError> {
        if a[i].is_unknown() {
            return Ok(None);
        }
        let n = go_int(&a[i]).map_err(|e| FnError::arg(i, format!("invalid {what} index: {e}")))?;
        if n < 0 {
            return Err(FnError::arg(
                i,
                format!("{what} index must not be less than zero"),
            ));
        }
        if length.is_some_and(|l| n > l) {
            return Err(FnError::arg(
                i,
                format!("{what} index must not be greater than the length of the list"),
            ));
        }
        Ok(Some(n))
    };
    let start = index(1, "start")?;
    let end = index(2, "end")?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(FnError::arg(
            1,
            "start index must not be greater than end index",
        ));
    }
    let ret = match (&ty, start, end) {
        (Type::List(_), _, _) => ty.clone(),
        (Type::Tuple(ts), Some(s), Some(e)) => Type::Tuple(ts[s as usize..e as usize].to_vec()),
        _ => return Ok(Value::unknown(Type::Dynamic)),
    };
    let (Some(s), Some(e)) = (start, end) else {
        return Ok(unk(ret));
    };
    if list.is_unknown() {
        return Ok(unk(ret));
    }
    let out = items(list)[s as usize..e as usize].to_vec();
    Ok(match ret {
        Type::List(e) => Value::list(*e, out),
        _ => Value::tuple(out),
    })
}

fn sort(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let list = &a[0];
    if list.is_unknown() {
        return Ok(unk(Type::list(Type::String)));
    }
    if !list.is_wholly_known() {
        // The result's length is known even though its order is not.
        let n = items(list).len();
        return Ok(Value::list(
            Type::String,
            (0..n).map(|_| unk(Type::String)).collect(),
        ));
    }
    let mut strs = Vec::with_capacity(items(list).len());
    for (i, v) in items(list).iter().enumerate() {
        match v.as_str() {
            Some(s) => strs.push(s.to_string()),
            None => {
                return Err(FnError::call(format!(
                    "given list element {i} is null; a null string cannot be sorted"
                )));
            }
        }
    }
    strs.sort();
    Ok(Value::list(
        Type::String,
        strs.into_iter().map(Value::string).collect(),
    ))
}

fn sum(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let v = &a[0];
    let ty = v.ty();
    let n = match v.kind() {
        Kind::List(..) | Kind::Set(..) | Kind::Tuple(_) | Kind::Map(..) | Kind::Object(_) => {
            v.length().unwrap_or(0)
        }
        _ => return Err(FnError::arg(0, "cannot sum noniterable")),
    };
    if n == 0 {
        return Err(FnError::arg(0, "cannot sum an empty list"));
    }
    if !is_seq(&ty) {
        return Err(FnError::arg(
            0,
            format!(
                "argument must be list, set, or tuple. Received {}",
                ty.friendly()
            ),
        ));
    }
    let bad = || FnError::arg(0, "argument must be list, set, or tuple of number values");
    let mut total: Option<Number> = None;
    for x in items(v) {
        if x.is_null() {
            return Err(bad());
        }
        let c = convert(x, &Type::Number).map_err(|_| bad())?;
        let n = c.as_number().cloned().ok_or_else(bad)?;
        total = Some(match total {
            None => n,
            Some(t) => t.add(&n),
        });
    }
    Ok(Value::number(total.unwrap_or_else(Number::zero)))
}

fn transpose(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, list) in a[0].as_entries().into_iter().flatten() {
        for v in items(list) {
            let s = v
                .as_str()
                .ok_or_else(|| FnError::call("input must be a map of lists of strings"))?;
            let e = out.entry(s.to_string()).or_default();
            e.push(k.clone());
            e.sort();
        }
    }
    Ok(Value::map(
        Type::list(Type::String),
        out.into_iter()
            .map(|(k, vs)| {
                (
                    k,
                    Value::list(Type::String, vs.into_iter().map(Value::string).collect()),
                )
            })
            .collect(),
    ))
}

fn values(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let v = &a[0];
    let ret = match v.ty() {
        Type::Map(e) => Type::list(*e),
        Type::Object(attrs) => Type::Tuple(attrs.into_values().collect()),
        _ => {
            return Err(FnError::call(
                "values() requires a map as the first argument",
            ));
        }
    };
    if v.is_unknown() {
        return Ok(unk(ret));
    }
    let out: Vec<Value> = v
        .as_entries()
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default();
    Ok(match ret {
        Type::List(e) => Value::list(*e, out),
        _ => Value::tuple(out),
    })
}

fn zipmap(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    untyped_guard!(a);
    let (keys, vals) = (&a[0], &a[1]);
    let ret = match vals.ty() {
        Type::List(e) => Type::map(*e),
        Type::Tuple(ts) => {
            if !keys.is_wholly_known() {
                Type::Dynamic
            } else {
                let ks = items(keys);
                if ks.len() != ts.len() {
                    return Err(FnError::call(format!(
                        "number of keys ({}) does not match number of values ({})",
                        ks.len(),
                        ts.len()
                    )));
                }
                let mut attrs = BTreeMap::new();
                for (i, (k, t)) in ks.iter().zip(ts).enumerate() {
                    let Some(k) = k.as_str() else {
                        return Err(FnError::call(format!(
                            "keys list has null value at index {i}"
                        )));
                    };
                    attrs.insert(k.to_string(), t);
                }
                Type::Object(attrs)
            }
        }
        _ => {
            return Err(FnError::call(
                "values argument must be a list or tuple value",
            ));
        }
    };
    if !keys.is_wholly_known() || vals.is_unknown() {
        return Ok(unk(ret));
    }
    let (ks, vs) = (items(keys), items(vals));
    if ks.len() != vs.len() {
        return Err(FnError::call(format!(
            "number of keys ({}) does not match number of values ({})",
            ks.len(),
            vs.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (i, (k, v)) in ks.iter().zip(vs).enumerate() {
        let Some(k) = k.as_str() else {
            return Err(FnError::call(format!(
                "keys list has null value at index {i}"
            )));
        };
        out.insert(k.to_string(), v.clone());
    }
    Ok(match ret {
        Type::Map(e) => Value::map(*e, out),
        _ => Value::object(out),
    })
}

/// Register the collections functions.
pub fn register(f: &mut Functions) {
    let dyn_u = |n| dynamic(n).unknowns();
    f.add(
        "length",
        Function::new(vec![dyn_u("value")], Type::Number, length).marked(),
    );
    let bools = || dyn_u("list");
    f.add("alltrue", Function::new(vec![bools()], Type::Bool, alltrue));
    f.add("anytrue", Function::new(vec![bools()], Type::Bool, anytrue));
    f.add(
        "chunklist",
        Function::new(
            vec![dyn_u("list"), Param::new("size", Type::Number).unknowns()],
            Type::list(Type::list(Type::Dynamic)),
            chunklist,
        ),
    );
    f.add(
        "coalesce",
        Function::new(vec![], Type::Dynamic, coalesce)
            .variadic(dynamic("vals").nullable().unknowns()),
    );
    f.add(
        "coalescelist",
        Function::new(vec![], Type::Dynamic, coalescelist)
            .variadic(dynamic("vals").nullable().unknowns()),
    );
    f.add(
        "compact",
        Function::new(
            vec![Param::new("list", Type::list(Type::String))],
            Type::list(Type::String),
            compact,
        ),
    );
    f.add(
        "concat",
        Function::new(vec![], Type::Dynamic, concat).variadic(dyn_u("seqs")),
    );
    f.add(
        "contains",
        Function::new(vec![dyn_u("list"), dyn_u("value")], Type::Bool, contains),
    );
    f.add(
        "distinct",
        Function::new(vec![dyn_u("list")], Type::list(Type::Dynamic), distinct),
    );
    f.add(
        "element",
        Function::new(
            vec![dyn_u("list"), Param::new("index", Type::Number).unknowns()],
            Type::Dynamic,
            element,
        )
        .marked(),
    );
    f.add(
        "flatten",
        Function::new(vec![dyn_u("list")], Type::Dynamic, flatten),
    );
    f.add(
        "index",
        Function::new(vec![dyn_u("list"), dyn_u("value")], Type::Number, index),
    );
    f.add(
        "keys",
        Function::new(vec![dyn_u("inputMap")], Type::Dynamic, keys).marked(),
    );
    f.add(
        "lookup",
        Function::new(
            vec![
                dyn_u("inputMap"),
                Param::new("key", Type::String).unknowns(),
            ],
            Type::Dynamic,
            lookup,
        )
        .variadic(dyn_u("default").nullable())
        .marked(),
    );
    f.add(
        "matchkeys",
        Function::new(
            vec![dyn_u("values"), dyn_u("keys"), dyn_u("searchset")],
            Type::list(Type::Dynamic),
            matchkeys,
        ),
    );
    f.add(
        "merge",
        Function::new(vec![], Type::Dynamic, merge).variadic(dyn_u("maps").nullable()),
    );
    f.add(
        "one",
        Function::new(vec![dyn_u("list")], Type::Dynamic, one),
    );
    f.add(
        "range",
        Function::new(vec![], Type::list(Type::Number), range)
            .variadic(Param::new("params", Type::Number)),
    );
    f.add(
        "reverse",
        Function::new(vec![dyn_u("list")], Type::Dynamic, reverse),
    );
    f.add(
        "setunion",
        Function::new(vec![dyn_u("first_set")], Type::set(Type::Dynamic), setunion)
            .variadic(dyn_u("other_sets")),
    );
    f.add(
        "setintersection",
        Function::new(
            vec![dyn_u("first_set")],
            Type::set(Type::Dynamic),
            setintersection,
        )
        .variadic(dyn_u("other_sets")),
    );
    f.add(
        "setsubtract",
        Function::new(
            vec![dyn_u("a"), dyn_u("b")],
            Type::set(Type::Dynamic),
            setsubtract,
        ),
    );
    f.add(
        "setproduct",
        Function::new(vec![], Type::Dynamic, setproduct).variadic(dyn_u("sets")),
    );
    f.add(
        "slice",
        Function::new(
            vec![
                dyn_u("list"),
                Param::new("start_index", Type::Number).unknowns(),
                Param::new("end_index", Type::Number).unknowns(),
            ],
            Type::Dynamic,
            slice,
        ),
    );
    f.add(
        "sort",
        Function::new(
            vec![Param::new("list", Type::list(Type::String)).unknowns()],
            Type::list(Type::String),
            sort,
        ),
    );
    f.add(
        "sum",
        Function::new(vec![dynamic("list")], Type::Number, sum),
    );
    f.add(
        "transpose",
        Function::new(
            vec![Param::new("values", Type::map(Type::list(Type::String)))],
            Type::map(Type::list(Type::String)),
            transpose,
        ),
    );
    f.add(
        "values",
        Function::new(vec![dyn_u("mapping")], Type::Dynamic, values),
    );
    f.add(
        "zipmap",
        Function::new(
            vec![
                Param::new("keys", Type::list(Type::String)).unknowns(),
                dyn_u("values"),
            ],
            Type::Dynamic,
            zipmap,
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::tftest::eval::{MapScope, eval_text};
    use crate::tftest::functions::Functions;
    use crate::tftest::value::{Type, Value};

    fn scope() -> MapScope {
        let mut names = MapScope::default();
        names
            .0
            .insert("u".into(), Value::unknown_not_null(Type::String));
        names.0.insert(
            "ul".into(),
            Value::unknown_not_null(Type::list(Type::String)),
        );
        names.0.insert("d".into(), Value::unknown(Type::Dynamic));
        names
    }

    fn ev(text: &str) -> Value {
        eval_text(text, &scope(), &Functions::default()).unwrap_or_else(|d| panic!("{text}: {d:?}"))
    }

    /// The value as text and its type.
    fn show(text: &str) -> (String, String) {
        let v = ev(text);
        (v.to_string(), v.ty().to_string())
    }

    fn err(text: &str) -> (String, String) {
        let d = eval_text(text, &scope(), &Functions::default()).expect_err(text);
        (d.summary, d.detail)
    }

    fn call_err(text: &str, name: &str, msg: &str) {
        assert_eq!(
            err(text),
            (
                "Error in function call".to_string(),
                format!("Call to function \"{name}\" failed: {msg}.")
            ),
            "{text}"
        );
    }

    fn arg_err(text: &str, param: &str, msg: &str) {
        assert_eq!(
            err(text),
            (
                "Invalid function argument".to_string(),
                format!("Invalid value for \"{param}\" parameter: {msg}.")
            ),
            "{text}"
        );
    }

    fn s(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn length_counts_what_terraform_counts() {
        assert_eq!(ev("length({a = 1, b = 2})"), Value::number(2));
        assert_eq!(ev("length(toset([1, 1, 2]))"), Value::number(2));
        assert_eq!(ev("length(\"héllo\")"), Value::number(5));
        assert_eq!(ev("length(\"e\\u0301\")"), Value::number(1));
        assert_eq!(ev("length([\"a\", u])"), Value::number(2));
        assert_eq!(ev("length({a = u})"), Value::number(1));
        assert!(ev("length(ul)").is_unknown());
        assert!(ev("length(u)").is_unknown());
        assert!(!ev("length([sensitive(\"a\")])").marks().sensitive);
        assert!(ev("length(sensitive([\"a\"]))").marks().sensitive);
        call_err(
            "length(1)",
            "length",
            "argument must be a string, a collection type, or a structural type",
        );
        arg_err("length(null)", "value", "argument must not be null");
    }

    #[test]
    fn sequences() {
        assert_eq!(
            show("concat([1], [\"a\"])"),
            s("[1, \"a\"]", "tuple([number, string])")
        );
        assert_eq!(
            show("concat(tolist([1]), tolist([\"a\"]))"),
            s("[\"1\", \"a\"]", "list(string)")
        );
        assert_eq!(
            show("concat(tolist([1]), [2])"),
            s("[1, 2]", "tuple([number, number])")
        );
        assert_eq!(
            ev("concat([\"a\", u], [\"b\"])")
                .as_elements()
                .map(|e| e.len()),
            Some(3)
        );
        assert!(ev("concat(ul, [\"b\"])").is_unknown());
        assert_eq!(
            show("chunklist([\"a\", \"b\", \"c\"], 2)"),
            s("[[\"a\", \"b\"], [\"c\"]]", "list(list(string))")
        );
        assert_eq!(
            show("chunklist([\"a\"], 0)"),
            s("[[\"a\"]]", "list(list(string))")
        );
        assert_eq!(
            show("compact([\"a\", \"\", null, \"b\"])"),
            s("[\"a\", \"b\"]", "list(string)")
        );
        assert_eq!(
            show("distinct([\"a\", \"b\", \"a\"])"),
            s("[\"a\", \"b\"]", "list(string)")
        );
        assert_eq!(show("distinct([])"), s("[]", "list(any)"));
        assert_eq!(ev("distinct([\"a\", u])").ty(), Type::list(Type::String));
        assert_eq!(ev("element([\"a\", \"b\", \"c\"], 4)"), Value::string("b"));
        assert_eq!(ev("element([\"a\", u], 0)"), Value::string("a"));
        assert_eq!(ev("element(ul, 0)").ty(), Type::String);
        assert_eq!(
            show("flatten([[1, [2, [3]]], 4, []])"),
            s("[1, 2, 3, 4]", "tuple([number, number, number, number])")
        );
        assert_eq!(
            show("flatten([toset([1, 2]), tolist([3])])"),
            s("[1, 2, 3]", "tuple([number, number, number])")
        );
        assert!(ev("flatten([[\"a\"], ul])").is_unknown());
        assert_eq!(ev("index([\"a\", \"b\"], \"b\")"), Value::number(1));
        assert_eq!(ev("index([\"a\", u], \"a\")"), Value::number(0));
        assert!(ev("index([u, \"a\"], \"a\")").is_unknown());
        assert_eq!(ev("contains([\"a\", u], \"a\")"), Value::bool(true));
        assert!(ev("contains([\"a\", u], \"b\")").is_unknown());
        assert_eq!(ev("contains([1], \"1\")"), Value::bool(false));
        assert_eq!(ev("contains(toset([1]), 1)"), Value::bool(true));
        assert_eq!(
            show("reverse([1, \"a\"])"),
            s("[\"a\", 1]", "tuple([string, number])")
        );
        assert_eq!(
            show("reverse(toset([\"b\", \"a\"]))"),
            s("[\"b\", \"a\"]", "list(string)")
        );
        assert_eq!(
            show("slice([1, \"a\", true], 1, 3)"),
            s("[\"a\", true]", "tuple([string, bool])")
        );
        assert_eq!(
            show("slice(tolist([\"a\"]), 0, 0)"),
            s("[]", "list(string)")
        );
        assert_eq!(
            show("sort([3, 20, 1])"),
            s("[\"1\", \"20\", \"3\"]", "list(string)")
        );
        assert_eq!(
            ev("sort([\"a\", u])").as_elements().map(|e| e.len()),
            Some(2)
        );
        assert_eq!(
            ev("sum([1, 2.5, \"3\"])"),
            Value::number(Number::parse("6.5").unwrap())
        );
        assert_eq!(ev("sum(toset([1, 2]))"), Value::number(3));
        assert_eq!(ev("one([])"), Value::null(Type::Dynamic));
        assert_eq!(ev("one([\"a\"])"), Value::string("a"));
        assert_eq!(ev("one(toset([]))").ty(), Type::Dynamic);
        assert_eq!(show("range(3)"), s("[0, 1, 2]", "list(number)"));
        assert_eq!(show("range(5, 1)"), s("[5, 4, 3, 2]", "list(number)"));
        assert_eq!(show("range(-3)"), s("[0, -1, -2]", "list(number)"));
        assert_eq!(show("range(1, 10, 3)"), s("[1, 4, 7]", "list(number)"));
        assert_eq!(
            show("range(0, 1, 0.25)"),
            s("[0, 0.25, 0.5, 0.75]", "list(number)")
        );
        assert_eq!(ev("alltrue([true, \"true\"])"), Value::bool(true));
        assert_eq!(ev("alltrue([])"), Value::bool(true));
        assert_eq!(ev("alltrue([false, u == \"x\"])"), Value::bool(false));
        assert!(ev("alltrue([true, u == \"x\"])").is_unknown());
        assert_eq!(ev("anytrue([true, u == \"x\"])"), Value::bool(true));
        assert_eq!(ev("anytrue([])"), Value::bool(false));
    }

    use crate::tftest::value::Number;

    #[test]
    fn maps_and_objects() {
        assert_eq!(
            show("keys({b = 1, a = 2})"),
            s("[\"a\", \"b\"]", "tuple([string, string])")
        );
        assert_eq!(
            show("keys(tomap({b = 1, a = 2}))"),
            s("[\"a\", \"b\"]", "list(string)")
        );
        assert_eq!(show("keys({a = u})"), s("[\"a\"]", "tuple([string])"));
        assert!(!ev("keys({a = sensitive(1)})").marks().sensitive);
        assert_eq!(
            show("values({b = 1, a = \"x\"})"),
            s("[\"x\", 1]", "tuple([string, number])")
        );
        assert_eq!(
            show("values(tomap({b = 1, a = 2}))"),
            s("[2, 1]", "list(number)")
        );
        assert_eq!(ev("lookup({a = 1}, \"b\", \"x\")"), Value::string("x"));
        assert_eq!(ev("lookup({a = 1, b = \"x\"}, \"b\")"), Value::string("x"));
        assert_eq!(
            ev("lookup(tomap({a = \"x\"}), \"b\", 1)"),
            Value::string("1")
        );
        assert_eq!(ev("lookup({a = u, b = \"x\"}, \"b\")"), Value::string("x"));
        assert!(ev("lookup({a = \"y\"}, u, \"z\")").is_unknown());
        assert!(ev("lookup({a = 1}, \"b\", null)").is_null());
        assert_eq!(
            show("merge({a = 1}, tomap({b = \"x\"}))"),
            s("{a = 1, b = \"x\"}", "object({a=number, b=string})")
        );
        assert_eq!(
            show("merge(tomap({a = 1}), tomap({b = 2}))"),
            s("{a = 1, b = 2}", "map(number)")
        );
        assert_eq!(
            show("merge({a = 1}, {a = \"x\"})"),
            s("{a = \"x\"}", "object({a=string})")
        );
        assert_eq!(
            show("merge(null, {a = 1})"),
            s("{a = 1}", "object({a=number})")
        );
        assert_eq!(show("merge()"), s("{}", "object({})"));
        assert_eq!(show("merge(null)"), s("{}", "object({})"));
        assert_eq!(
            show("merge(tomap({}), tomap({a = 1}))"),
            s("{a = 1}", "object({a=number})")
        );
        assert_eq!(
            show("zipmap([\"a\", \"b\"], [1, \"x\"])"),
            s("{a = 1, b = \"x\"}", "object({a=number, b=string})")
        );
        assert_eq!(
            show("zipmap([\"a\", \"b\"], tolist([1, 2]))"),
            s("{a = 1, b = 2}", "map(number)")
        );
        assert_eq!(
            show("zipmap([\"a\", \"a\"], [1, 2])"),
            s("{a = 2}", "object({a=number})")
        );
        assert!(ev("zipmap([\"a\", u], [\"x\", \"y\"])").is_unknown());
        assert_eq!(
            show("transpose({a = [\"1\", \"2\"], b = [\"2\", \"3\"]})"),
            s(
                "{1 = [\"a\"], 2 = [\"a\", \"b\"], 3 = [\"b\"]}",
                "map(list(string))"
            )
        );
        assert_eq!(
            show("matchkeys([\"a\", \"b\", \"c\"], [\"x\", \"y\", \"z\"], [\"y\", \"z\"])"),
            s("[\"b\", \"c\"]", "list(string)")
        );
        assert_eq!(
            show("matchkeys([\"a\"], [1], [\"1\"])"),
            s("[\"a\"]", "list(string)")
        );
        assert_eq!(
            show("matchkeys([1, 2], [3, 4], [])"),
            s("[]", "list(number)")
        );
    }

    #[test]
    fn coalescing() {
        assert_eq!(ev("coalesce(null, \"a\")"), Value::string("a"));
        assert_eq!(ev("coalesce(null, 1, \"a\")"), Value::string("1"));
        assert_eq!(show("coalesce([], [\"a\"])"), s("[]", "list(string)"));
        assert_eq!(ev("coalesce(\"b\", u)"), Value::string("b"));
        assert!(ev("coalesce(u, \"b\")").is_unknown());
        assert_eq!(
            show("coalescelist([], [\"a\"])"),
            s("[\"a\"]", "tuple([string])")
        );
        assert!(ev("coalescelist(ul, [\"b\"])").is_unknown());
        call_err(
            "coalesce(\"\", null)",
            "coalesce",
            "no non-null, non-empty-string arguments",
        );
        call_err(
            "coalesce(1, [1])",
            "coalesce",
            "all arguments must have the same type",
        );
        call_err(
            "coalescelist([], [])",
            "coalescelist",
            "no non-null arguments",
        );
        call_err(
            "coalescelist(null, [\"a\"])",
            "coalescelist",
            "coalescelist arguments must be lists or tuples",
        );
        call_err(
            "coalescelist()",
            "coalescelist",
            "at least one argument is required",
        );
    }

    #[test]
    fn untyped_unknowns_give_untyped_unknowns() {
        for expr in [
            "concat(d, [1])",
            "keys(d)",
            "lookup(d, \"a\")",
            "lookup(d, \"a\", \"b\")",
            "element(d, 0)",
            "flatten(d)",
            "merge(d, {a = 1})",
            "setunion(d, [\"a\"])",
            "values(d)",
            "slice(d, 0, 1)",
            "contains(d, 1)",
        ] {
            let v = ev(expr);
            assert!(v.is_unknown(), "{expr}");
            assert_eq!(v.ty(), Type::Dynamic, "{expr}");
        }
        let n = ev("length(d)");
        assert!(n.is_unknown());
        assert_eq!(n.ty(), Type::Number);
        assert!(ev("coalesce(d, \"a\")").is_unknown());
        assert_eq!(ev("coalesce(\"a\", d)"), Value::string("a"));
    }

    #[test]
    fn marks_follow_terraform() {
        assert!(
            !ev("element([\"a\", sensitive(\"b\")], 0)")
                .marks()
                .sensitive
        );
        assert!(
            ev("element([\"a\", sensitive(\"b\")], 1)")
                .marks()
                .sensitive
        );
        assert!(ev("element(sensitive([\"a\"]), 0)").marks().sensitive);
        assert!(
            !ev("lookup({a = 1, b = sensitive(2)}, \"a\")")
                .marks()
                .sensitive
        );
        assert!(ev("lookup({a = 1}, sensitive(\"a\"))").marks().sensitive);
        assert_eq!(
            err("lookup(tomap({a = 1}), sensitive(\"b\"))").1,
            "Call to function \"lookup\" failed: lookup failed to find key (sensitive value)."
        );
    }

    #[test]
    fn sets() {
        assert_eq!(
            show("setintersection([\"a\", \"b\"], [\"b\", \"c\"])"),
            s("[\"b\"]", "set(string)")
        );
        assert_eq!(
            show("setintersection([1, 2], [\"1\"])"),
            s("[\"1\"]", "set(string)")
        );
        assert_eq!(
            show("setunion([\"a\"], [1])"),
            s("[\"1\", \"a\"]", "set(string)")
        );
        assert_eq!(show("setunion([], [])"), s("[]", "set(any)"));
        assert_eq!(
            show("setsubtract([\"a\", \"b\"], [\"a\"])"),
            s("[\"b\"]", "set(string)")
        );
        assert_eq!(ev("setunion([\"a\", u], [\"b\"])").length(), Some(3));
        assert!(ev("setintersection([\"a\", u], [\"b\"])").is_unknown());
        assert_eq!(
            show("setproduct([\"a\", \"b\"], [1, 2])"),
            s(
                "[[\"a\", 1], [\"a\", 2], [\"b\", 1], [\"b\", 2]]",
                "list(tuple([string, number]))"
            )
        );
        assert_eq!(
            show("setproduct(toset([\"a\"]), [1])"),
            s("[[\"a\", 1]]", "set(tuple([string, number]))")
        );
        assert_eq!(
            show("setproduct([], [1])"),
            s("[]", "list(tuple([any, number]))")
        );
        assert_eq!(
            show("setproduct([\"a\", 1], [1])"),
            s("[[\"a\", 1], [\"1\", 1]]", "list(tuple([string, number]))")
        );
        call_err(
            "setunion([\"a\"], [[1]])",
            "setunion",
            "given sets must all have compatible element types",
        );
        arg_err(
            "setunion(\"a\")",
            "first_set",
            "set of any single type required",
        );
        arg_err(
            "setunion([\"a\"], \"b\")",
            "other_sets",
            "set of any single type required",
        );
        call_err(
            "setproduct([\"a\"])",
            "setproduct",
            "at least two arguments are required",
        );
        arg_err(
            "setproduct([[\"a\"], \"b\"], [1])",
            "sets",
            "all elements must be of the same type",
        );
        arg_err(
            "setproduct([\"a\"], \"b\")",
            "sets",
            "a set or a list is required",
        );
    }

    #[test]
    fn collection_errors() {
        arg_err("alltrue([\"x\"])", "list", "a bool is required");
        call_err(
            "chunklist([\"a\"], -1)",
            "chunklist",
            "the size argument must be positive",
        );
        arg_err(
            "chunklist(\"a\", 1)",
            "list",
            "list of any single type required",
        );
        arg_err(
            "chunklist([1, [1]], 1)",
            "list",
            "all list elements must have the same type",
        );
        call_err("concat()", "concat", "at least one argument is required");
        arg_err(
            "concat([1], \"a\")",
            "seqs",
            "all arguments must be lists or tuples; got string",
        );
        arg_err(
            "concat(toset([1]))",
            "seqs",
            "all arguments must be lists or tuples; got set of number",
        );
        call_err(
            "contains({a = 1}, 1)",
            "contains",
            "argument must be list, tuple, or set",
        );
        arg_err("contains(null, 1)", "list", "argument must not be null");
        call_err(
            "element([], 0)",
            "element",
            "cannot use element function with an empty list",
        );
        call_err(
            "element({a = 1}, 0)",
            "element",
            "cannot read elements from object",
        );
        call_err(
            "element(toset([\"a\"]), 0)",
            "element",
            "cannot read elements from set of string",
        );
        call_err(
            "element([\"a\"], 1.5)",
            "element",
            "invalid index: value must be a whole number, between -9223372036854775808 and 9223372036854775807",
        );
        call_err(
            "flatten(\"a\")",
            "flatten",
            "can only flatten lists, sets and tuples",
        );
        call_err("index([\"a\"], \"c\")", "index", "item not found");
        call_err("index([], \"c\")", "index", "cannot search an empty list");
        call_err(
            "index(toset([1]), 1)",
            "index",
            "argument must be a list or tuple",
        );
        arg_err("keys([1])", "inputMap", "must have map or object type");
        arg_err(
            "lookup({a = 1}, \"b\")",
            "inputMap",
            "the given object has no attribute \"b\"",
        );
        arg_err(
            "lookup(tomap({a = 1}), \"b\", \"x\")",
            "default",
            "the default value must have the same type as the map elements",
        );
        call_err(
            "lookup(tomap({a = 1}), \"b\")",
            "lookup",
            "lookup failed to find key \"b\"",
        );
        arg_err(
            "lookup([1], \"a\")",
            "inputMap",
            "lookup() requires a map as the first argument",
        );
        call_err(
            "lookup({a = 1}, \"a\", \"b\", \"c\")",
            "lookup",
            "lookup() takes two or three arguments, got 4",
        );
        call_err(
            "matchkeys([\"a\", \"b\"], [\"x\"], [\"y\"])",
            "matchkeys",
            "length of keys and values should be equal",
        );
        call_err(
            "matchkeys([\"a\"], [1], [[1]])",
            "matchkeys",
            "keys and searchset must be of the same type",
        );
        call_err(
            "merge(1)",
            "merge",
            "arguments must be maps or objects, got \"number\"",
        );
        arg_err(
            "one([\"a\", \"b\"])",
            "list",
            "must be a list, set, or tuple value with either zero or one elements",
        );
        call_err(
            "range(1, 2, 0)",
            "range",
            "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step",
        );
        arg_err(
            "range(1, 0, 1)",
            "params",
            "end must be greater than start when step is positive",
        );
        arg_err(
            "range(0, 1, -1)",
            "params",
            "end must be less than start when step is negative",
        );
        call_err("range()", "range", "must have one, two, or three arguments");
        arg_err(
            "reverse(\"ab\")",
            "list",
            "can only reverse list or tuple values, not string",
        );
        arg_err(
            "slice([\"a\"], 2, 2)",
            "start_index",
            "start index must not be greater than the length of the list",
        );
        arg_err(
            "slice([\"a\"], 0, 2)",
            "end_index",
            "end index must not be greater than the length of the list",
        );
        arg_err(
            "slice([\"a\", \"b\"], 2, 1)",
            "start_index",
            "start index must not be greater than end index",
        );
        arg_err(
            "slice([\"a\"], -1, 1)",
            "start_index",
            "start index must not be less than zero",
        );
        arg_err(
            "slice(toset([\"a\"]), 0, 1)",
            "list",
            "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important",
        );
        call_err(
            "sort([\"b\", null])",
            "sort",
            "given list element 1 is null; a null string cannot be sorted",
        );
        arg_err("sum([])", "list", "cannot sum an empty list");
        arg_err(
            "sum([\"a\"])",
            "list",
            "argument must be list, set, or tuple of number values",
        );
        arg_err(
            "sum({a = 1})",
            "list",
            "argument must be list, set, or tuple. Received object",
        );
        arg_err("sum(1)", "list", "cannot sum noniterable");
        call_err(
            "values([1])",
            "values",
            "values() requires a map as the first argument",
        );
        call_err(
            "zipmap([\"a\"], [1, 2])",
            "zipmap",
            "number of keys (1) does not match number of values (2)",
        );
        call_err(
            "zipmap([\"a\"], \"x\")",
            "zipmap",
            "values argument must be a list or tuple value",
        );
        call_err(
            "zipmap([null], [1])",
            "zipmap",
            "keys list has null value at index 0",
        );
    }
}
