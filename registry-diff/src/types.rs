//! Terraform type constraints, parsed from their source text, and whether a
//! new constraint still accepts every value an old one did (what makes a
//! changed input type breaking or not). Conversions follow Terraform's:
//! numbers and bools convert to strings, lists, sets and tuples convert
//! into one another element by element, objects into maps, and an object
//! type ignores attributes it does not declare.

use std::collections::BTreeMap;

use hcl::edit::expr::{Expression, FuncArgs};

/// A type constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `any` (or no type at all).
    Any,
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `list(T)`.
    List(Box<Ty>),
    /// `set(T)`.
    Set(Box<Ty>),
    /// `map(T)`.
    Map(Box<Ty>),
    /// `tuple([…])`.
    Tuple(Vec<Ty>),
    /// `object({…})`: each attribute's type and whether it is optional.
    Object(BTreeMap<String, (Ty, bool)>),
}

impl Ty {
    /// Parse a type constraint as written (`None`: no `type`, so any).
    pub fn parse(text: Option<&str>) -> Result<Ty, String> {
        let Some(text) = text else {
            return Ok(Ty::Any);
        };
        registry_core::hcl_brackets::check_hcl_brackets(text).map_err(|e| e.to_string())?;
        let expr = hcl::edit::parser::parse_expr(text).map_err(|e| e.message().to_string())?;
        from_expr(&expr)
    }

    /// Why `self` (the new constraint) refuses some value `old` accepted,
    /// or `None` when it accepts all of them.
    pub fn refuses(&self, old: &Ty) -> Option<String> {
        use Ty::*;
        match (self, old) {
            (Any, _) => None,
            (_, Any) => Some("it accepted any value".into()),
            (String, String | Number | Bool) | (Number, Number) | (Bool, Bool) => None,
            (List(n) | Set(n), List(o) | Set(o)) | (Map(n), Map(o)) => n.refuses(o),
            (List(n) | Set(n), Tuple(os)) => os.iter().find_map(|o| n.refuses(o)),
            (Tuple(ns), Tuple(os)) if ns.len() == os.len() => {
                ns.iter().zip(os).find_map(|(n, o)| n.refuses(o))
            }
            (Map(n), Object(oa)) => oa.values().find_map(|(o, _)| n.refuses(o)),
            (Object(na), Object(oa)) => na.iter().find_map(|(k, (n, optional))| match oa.get(k) {
                None if !*optional => Some(format!("attribute {k:?} is new and required")),
                Some((_, true)) if !*optional => {
                    Some(format!("attribute {k:?} was optional and is now required"))
                }
                Some((o, _)) => n.refuses(o).map(|why| format!("attribute {k:?}: {why}")),
                None => None,
            }),
            (n, o) => Some(format!("{} values are not {}", o.kind(), n.kind())),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Ty::Any => "any",
            Ty::String => "string",
            Ty::Number => "number",
            Ty::Bool => "bool",
            Ty::List(_) => "list",
            Ty::Set(_) => "set",
            Ty::Map(_) => "map",
            Ty::Tuple(_) => "tuple",
            Ty::Object(_) => "object",
        }
    }
}

fn from_expr(e: &Expression) -> Result<Ty, String> {
    match e {
        Expression::Variable(v) => match v.as_str() {
            "any" => Ok(Ty::Any),
            "string" => Ok(Ty::String),
            "number" => Ok(Ty::Number),
            "bool" => Ok(Ty::Bool),
            other => Err(format!("{other:?} is not a type")),
        },
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            fn arg<'e>(name: &str, args: &'e FuncArgs) -> Result<&'e Expression, String> {
                args.iter()
                    .next()
                    .ok_or_else(|| format!("{name}() needs an argument"))
            }
            let arg = |args| arg(name, args);
            match name {
                "list" => Ok(Ty::List(Box::new(from_expr(arg(&call.args)?)?))),
                "set" => Ok(Ty::Set(Box::new(from_expr(arg(&call.args)?)?))),
                "map" => Ok(Ty::Map(Box::new(from_expr(arg(&call.args)?)?))),
                "tuple" => match arg(&call.args)? {
                    Expression::Array(items) => Ok(Ty::Tuple(
                        items.iter().map(from_expr).collect::<Result<_, _>>()?,
                    )),
                    _ => Err("tuple() takes a list of types".into()),
                },
                "object" => match arg(&call.args)? {
                    Expression::Object(attrs) => {
                        let mut out = BTreeMap::new();
                        for (key, value) in attrs.iter() {
                            let key = match key {
                                hcl::edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                                hcl::edit::expr::ObjectKey::Expression(Expression::String(s)) => {
                                    s.value().clone()
                                }
                                _ => return Err("object() attribute names are names".into()),
                            };
                            out.insert(key, attribute(value.expr())?);
                        }
                        Ok(Ty::Object(out))
                    }
                    _ => Err("object() takes an object of types".into()),
                },
                other => Err(format!("{other}() is not a type")),
            }
        }
        _ => Err("not a type constraint".into()),
    }
}

/// An object attribute's type: `T` or `optional(T[, default])`.
fn attribute(e: &Expression) -> Result<(Ty, bool), String> {
    if let Expression::FuncCall(call) = e
        && call.name.name.as_str() == "optional"
    {
        let inner = call.args.iter().next().ok_or("optional() needs a type")?;
        return Ok((from_expr(inner)?, true));
    }
    Ok((from_expr(e)?, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refuses(new: &str, old: &str) -> Option<String> {
        Ty::parse(Some(new))
            .unwrap()
            .refuses(&Ty::parse(Some(old)).unwrap())
    }

    #[test]
    fn widening_is_accepted_and_narrowing_is_named() {
        assert_eq!(
            refuses("string", "number"),
            None,
            "numbers convert to strings"
        );
        assert_eq!(refuses("any", "list(string)"), None);
        assert_eq!(refuses("list(any)", "list(string)"), None);
        assert_eq!(refuses("set(string)", "list(string)"), None);
        assert_eq!(refuses("list(string)", "tuple([string, number])"), None);
        assert_eq!(
            refuses("map(string)", "object({a = string, b = number})"),
            None
        );
        assert_eq!(
            refuses("number", "string").as_deref(),
            Some("string values are not number")
        );
        assert_eq!(
            refuses("list(number)", "list(string)").as_deref(),
            Some("string values are not number")
        );
        assert_eq!(
            refuses("string", "any").as_deref(),
            Some("it accepted any value")
        );
    }

    #[test]
    fn object_attributes_optional_required_and_dropped() {
        let old = "object({a = string, b = optional(number, 1)})";
        assert_eq!(refuses("object({a = string})", old), None, "b is dropped");
        assert_eq!(
            refuses("object({a = string, c = optional(bool)})", old),
            None
        );
        assert_eq!(
            refuses("object({a = string, c = bool})", old).as_deref(),
            Some("attribute \"c\" is new and required")
        );
        assert_eq!(
            refuses("object({a = string, b = number})", old).as_deref(),
            Some("attribute \"b\" was optional and is now required")
        );
        assert_eq!(
            refuses("object({a = number})", old).as_deref(),
            Some("attribute \"a\": string values are not number")
        );
    }

    #[test]
    fn bad_types_are_errors() {
        assert!(Ty::parse(Some("strin")).is_err());
        assert!(Ty::parse(Some("list(")).is_err());
        assert_eq!(Ty::parse(None), Ok(Ty::Any));
    }
}
