//! Conversion between types as Terraform (cty's `convert`) does it:
//! strings to and from numbers and bools, tuples to lists and sets,
//! objects to maps and objects, and one type for several values
//! (`unify`), with Terraform's wording when a value does not fit.

use std::collections::BTreeMap;
use std::fmt;

use super::{Kind, Number, Type, Value};

/// Why a value does not convert, and where inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    /// Steps into the value (`attribute "name"`, `element 0`), outermost first.
    pub path: Vec<String>,
    /// What is required (`a number is required`).
    pub message: String,
}

impl ConvertError {
    fn new(message: impl Into<String>) -> Self {
        ConvertError {
            path: Vec::new(),
            message: message.into(),
        }
    }

    fn at(mut self, step: String) -> Self {
        self.path.insert(0, step);
        self
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.path {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A string that does not parse as the primitive `ty` (cty's wording
/// differs from a type mismatch's).
fn unparsable(ty: &Type) -> ConvertError {
    ConvertError::new(match ty {
        Type::Number => "a number is required",
        _ => "a bool is required",
    })
}

fn required(ty: &Type) -> ConvertError {
    ConvertError::new(match ty {
        Type::Number => "number required".to_string(),
        Type::Bool => "bool required".to_string(),
        Type::String => "string required".to_string(),
        Type::List(e) => format!("list of {} required", e.friendly()),
        Type::Set(e) => format!("set of {} required", e.friendly()),
        Type::Map(e) => format!("map of {} required", e.friendly()),
        Type::Tuple(_) => "tuple required".to_string(),
        Type::Object(_) => "object required".to_string(),
        Type::Dynamic => "a value is required".to_string(),
    })
}

/// Convert `v` to `ty`; marks are kept.
pub fn convert(v: &Value, ty: &Type) -> Result<Value, ConvertError> {
    let marks = v.marks();
    convert_unmarked(v, ty).map(|c| c.with_marks(marks))
}

fn convert_unmarked(v: &Value, ty: &Type) -> Result<Value, ConvertError> {
    if *ty == Type::Dynamic {
        return Ok(v.clone());
    }
    match v.kind() {
        Kind::Null(_) => return Ok(Value::null(ty.clone())),
        Kind::Unknown {
            ty: from, not_null, ..
        } => {
            if from == ty {
                // Refinements hold when the type does not change.
                return Ok(v.clone());
            }
            if !type_converts(from, ty) {
                return Err(required(ty));
            }
            return Ok(if *not_null {
                Value::unknown_not_null(ty.clone())
            } else {
                Value::unknown(ty.clone())
            });
        }
        _ => {}
    }
    match ty {
        Type::String => match v.kind() {
            Kind::String(_) => Ok(v.clone()),
            Kind::Number(n) => Ok(Value::string(n.to_string())),
            Kind::Bool(b) => Ok(Value::string(b.to_string())),
            _ => Err(required(ty)),
        },
        Type::Number => match v.kind() {
            Kind::Number(_) => Ok(v.clone()),
            Kind::String(s) => Number::parse(s)
                .map(Value::number)
                .ok_or_else(|| unparsable(ty)),
            _ => Err(required(ty)),
        },
        Type::Bool => match v.kind() {
            Kind::Bool(_) => Ok(v.clone()),
            Kind::String(s) if s == "true" => Ok(Value::bool(true)),
            Kind::String(s) if s == "false" => Ok(Value::bool(false)),
            Kind::String(_) => Err(unparsable(ty)),
            _ => Err(required(ty)),
        },
        Type::List(e) | Type::Set(e) => {
            let items = v
                .as_elements()
                .filter(|_| v.is_sequence_type())
                .ok_or_else(|| required(ty))?;
            let (elem, items) = convert_elements(items, e)?;
            Ok(if matches!(ty, Type::List(_)) {
                Value::list(elem, items)
            } else {
                Value::set(elem, items)
            })
        }
        Type::Map(e) => {
            let entries = match v.kind() {
                Kind::Map(_, m) | Kind::Object(m) => m,
                _ => return Err(required(ty)),
            };
            let keys: Vec<String> = entries.keys().cloned().collect();
            let values: Vec<Value> = entries.values().cloned().collect();
            let (elem, converted) = convert_elements(&values, e).map_err(|mut err| {
                if let Some(first) = err.path.first_mut()
                    && let Some(i) = first
                        .strip_prefix("element ")
                        .and_then(|i| i.parse::<usize>().ok())
                {
                    *first = format!("element {}", super::go_quote(&keys[i]));
                }
                err
            })?;
            Ok(Value::map(elem, keys.into_iter().zip(converted).collect()))
        }
        Type::Tuple(ts) => {
            let items = v
                .as_elements()
                .filter(|_| v.is_sequence_type())
                .ok_or_else(|| required(ty))?;
            if items.len() != ts.len() {
                return Err(ConvertError::new(format!(
                    "tuple required with {} elements",
                    ts.len()
                )));
            }
            let out = items
                .iter()
                .zip(ts)
                .enumerate()
                .map(|(i, (x, t))| convert(x, t).map_err(|e| e.at(format!("element {i}"))))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::tuple(out))
        }
        Type::Object(attrs) => {
            let entries = match v.kind() {
                Kind::Map(_, m) | Kind::Object(m) => m,
                _ => return Err(required(ty)),
            };
            let mut out = BTreeMap::new();
            for (name, t) in attrs {
                match entries.get(name) {
                    Some(x) => {
                        out.insert(
                            name.clone(),
                            convert(x, t).map_err(|e| {
                                e.at(format!("attribute {}", super::go_quote(name)))
                            })?,
                        );
                    }
                    None => {
                        return Err(ConvertError::new(format!(
                            "attribute {} is required",
                            super::go_quote(name)
                        )));
                    }
                }
            }
            Ok(Value::object(out))
        }
        Type::Dynamic => Ok(v.clone()),
    }
}

/// Convert every element to `elem`; with a `dynamic` element type, to the
/// one type they unify to.
fn convert_elements(items: &[Value], elem: &Type) -> Result<(Type, Vec<Value>), ConvertError> {
    let target = if elem.has_dynamic() {
        let types: Vec<Type> = items.iter().map(Value::ty).collect();
        match unify(&types) {
            Some(t) => t,
            None => {
                return Err(ConvertError::new("all elements must have the same type"));
            }
        }
    } else {
        elem.clone()
    };
    let out = items
        .iter()
        .enumerate()
        .map(|(i, x)| convert(x, &target).map_err(|e| e.at(format!("element {i}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((target, out))
}

/// Whether values of type `from` can convert to `to` at all.
fn type_converts(from: &Type, to: &Type) -> bool {
    match (from, to) {
        (_, Type::Dynamic) | (Type::Dynamic, _) => true,
        (a, b) if a == b => true,
        (Type::String, Type::Number | Type::Bool) => true,
        (Type::Number | Type::Bool, Type::String) => true,
        (Type::List(a) | Type::Set(a), Type::List(b) | Type::Set(b)) => type_converts(a, b),
        (Type::Tuple(ts), Type::List(b) | Type::Set(b)) => ts.iter().all(|t| type_converts(t, b)),
        (Type::Map(a), Type::Map(b)) => type_converts(a, b),
        (Type::Object(attrs), Type::Map(b)) => attrs.values().all(|t| type_converts(t, b)),
        (Type::Object(a), Type::Object(b)) => b
            .iter()
            .all(|(k, t)| a.get(k).is_some_and(|f| type_converts(f, t))),
        (Type::Map(a), Type::Object(b)) => b.values().all(|t| type_converts(a, t)),
        (Type::Tuple(a), Type::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| type_converts(x, y))
        }
        _ => false,
    }
}

/// The one type several values can all convert to, as Terraform chooses
/// it for list elements and conditional results: equal types stay; a mix
/// of primitives becomes `string`; lists, maps and objects unify element
/// by element; `None` when there is none.
pub fn unify(types: &[Type]) -> Option<Type> {
    let known: Vec<&Type> = types.iter().filter(|t| **t != Type::Dynamic).collect();
    let Some(first) = known.first() else {
        return Some(Type::Dynamic);
    };
    if known.iter().all(|t| *t == *first) {
        return Some((*first).clone());
    }
    if known.iter().all(|t| t.is_primitive()) {
        return Some(Type::String);
    }
    // Collections of one kind: unify the elements.
    let elems = |f: fn(&Type) -> Option<&Type>| -> Option<Type> {
        let inner: Vec<Type> = known
            .iter()
            .map(|t| f(t).cloned())
            .collect::<Option<Vec<_>>>()?;
        unify(&inner)
    };
    match first {
        Type::List(_) => {
            if let Some(e) = elems(|t| match t {
                Type::List(e) => Some(e),
                _ => None,
            }) {
                return Some(Type::list(e));
            }
        }
        Type::Set(_) => {
            if let Some(e) = elems(|t| match t {
                Type::Set(e) => Some(e),
                _ => None,
            }) {
                return Some(Type::set(e));
            }
        }
        Type::Map(_) => {
            if let Some(e) = elems(|t| match t {
                Type::Map(e) => Some(e),
                _ => None,
            }) {
                return Some(Type::map(e));
            }
        }
        Type::Object(a) => {
            let same_keys = known.iter().all(|t| match t {
                Type::Object(b) => b.keys().eq(a.keys()),
                _ => false,
            });
            if same_keys {
                let mut out = BTreeMap::new();
                for k in a.keys() {
                    let at: Vec<Type> = known
                        .iter()
                        .map(|t| match t {
                            Type::Object(b) => b[k].clone(),
                            _ => unreachable!(),
                        })
                        .collect();
                    out.insert(k.clone(), unify(&at)?);
                }
                return Some(Type::Object(out));
            }
        }
        Type::Tuple(a) => {
            let same_len = known
                .iter()
                .all(|t| matches!(t, Type::Tuple(b) if b.len() == a.len()));
            if same_len {
                let mut out = Vec::new();
                for i in 0..a.len() {
                    let at: Vec<Type> = known
                        .iter()
                        .map(|t| match t {
                            Type::Tuple(b) => b[i].clone(),
                            _ => unreachable!(),
                        })
                        .collect();
                    out.push(unify(&at)?);
                }
                return Some(Type::Tuple(out));
            }
        }
        _ => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_convert_as_terraform_does() {
        assert_eq!(
            convert(&Value::string("5"), &Type::Number).unwrap(),
            Value::number(5)
        );
        assert_eq!(
            convert(&Value::number(5), &Type::String).unwrap(),
            Value::string("5")
        );
        assert_eq!(
            convert(&Value::string("true"), &Type::Bool).unwrap(),
            Value::bool(true)
        );
        assert_eq!(
            convert(&Value::string("x"), &Type::Number)
                .unwrap_err()
                .to_string(),
            "a number is required"
        );
        assert_eq!(
            convert(&Value::bool(true), &Type::Number)
                .unwrap_err()
                .to_string(),
            "number required"
        );
    }

    #[test]
    fn structures_convert_element_by_element() {
        let t = Value::tuple(vec![Value::string("a"), Value::number(1)]);
        let l = convert(&t, &Type::list(Type::String)).unwrap();
        assert_eq!(l.ty(), Type::list(Type::String));
        let dynamic = convert(&t, &Type::list(Type::Dynamic)).unwrap();
        assert_eq!(dynamic.ty(), Type::list(Type::String), "unified to string");
        let obj = Value::object_from([("a", Value::string("x")), ("extra", Value::number(1))]);
        let want = Type::Object([("a".to_string(), Type::String)].into());
        assert_eq!(
            convert(&obj, &want).unwrap(),
            Value::object_from([("a", Value::string("x"))])
        );
        let missing = Type::Object([("b".to_string(), Type::String)].into());
        assert_eq!(
            convert(&obj, &missing).unwrap_err().to_string(),
            "attribute \"b\" is required"
        );
        let bad = Value::tuple(vec![Value::string("a"), Value::string("b")]);
        assert_eq!(
            convert(&bad, &Type::list(Type::Number))
                .unwrap_err()
                .to_string(),
            "element 0: a number is required"
        );
    }

    #[test]
    fn unknowns_and_nulls_take_the_target_type() {
        let u = convert(&Value::unknown(Type::String), &Type::Number).unwrap();
        assert!(u.is_unknown());
        assert_eq!(u.ty(), Type::Number);
        assert_eq!(
            convert(&Value::null_dynamic(), &Type::String).unwrap().ty(),
            Type::String
        );
    }

    #[test]
    fn unify_picks_terraforms_common_type() {
        assert_eq!(unify(&[Type::Number, Type::String]), Some(Type::String));
        assert_eq!(unify(&[Type::Number, Type::Number]), Some(Type::Number));
        assert_eq!(unify(&[Type::Number, Type::list(Type::String)]), None);
    }
}
