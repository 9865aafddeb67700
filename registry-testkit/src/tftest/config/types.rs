//! Type constraints of input variables: `string`, `list(object({…}))`,
//! `optional(T, default)` attributes, `any`; and converting a given value
//! to one, defaults filled in, as Terraform does.

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey};

use crate::tftest::value::{ConvertError, Kind, Type, Value, convert};

/// A type constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    /// `any` (or no type given).
    Any,
    /// A primitive type.
    Primitive(Type),
    /// `list(T)`.
    List(Box<Constraint>),
    /// `set(T)`.
    Set(Box<Constraint>),
    /// `map(T)`.
    Map(Box<Constraint>),
    /// `tuple([…])`.
    Tuple(Vec<Constraint>),
    /// `object({…})`.
    Object(BTreeMap<String, ObjectAttr>),
}

/// An attribute of an object constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectAttr {
    /// Its constraint.
    pub constraint: Constraint,
    /// `optional(…)`.
    pub optional: bool,
    /// `optional(T, default)`'s default.
    pub default: Option<Value>,
}

impl Constraint {
    /// The cty type a value of this constraint has (`any` is dynamic).
    pub fn ty(&self) -> Type {
        match self {
            Constraint::Any => Type::Dynamic,
            Constraint::Primitive(t) => t.clone(),
            Constraint::List(c) => Type::list(c.ty()),
            Constraint::Set(c) => Type::set(c.ty()),
            Constraint::Map(c) => Type::map(c.ty()),
            Constraint::Tuple(cs) => Type::Tuple(cs.iter().map(Constraint::ty).collect()),
            Constraint::Object(attrs) => Type::Object(
                attrs
                    .iter()
                    .map(|(k, a)| (k.clone(), a.constraint.ty()))
                    .collect(),
            ),
        }
    }

    /// Parse a type expression; `Err` names what is wrong.
    pub fn parse(e: &Expression) -> Result<Constraint, String> {
        match e {
            Expression::Variable(v) => match v.value().as_str() {
                "string" => Ok(Constraint::Primitive(Type::String)),
                "number" => Ok(Constraint::Primitive(Type::Number)),
                "bool" => Ok(Constraint::Primitive(Type::Bool)),
                "any" => Ok(Constraint::Any),
                "list" => Ok(Constraint::List(Box::new(Constraint::Any))),
                "map" => Ok(Constraint::Map(Box::new(Constraint::Any))),
                "set" => Ok(Constraint::Set(Box::new(Constraint::Any))),
                other => Err(format!("The keyword {other:?} is not a valid type specification.")),
            },
            Expression::FuncCall(f) => {
                let name = f.name.name.value().as_str();
                let args: Vec<&Expression> = f.args.iter().collect();
                let one = || -> Result<Constraint, String> {
                    match args.as_slice() {
                        [a] => Constraint::parse(a),
                        _ => Err(format!("The {name} type constructor requires one argument specifying the element type.")),
                    }
                };
                match name {
                    "list" => Ok(Constraint::List(Box::new(one()?))),
                    "set" => Ok(Constraint::Set(Box::new(one()?))),
                    "map" => Ok(Constraint::Map(Box::new(one()?))),
                    "tuple" => match args.as_slice() {
                        [Expression::Array(items)] => Ok(Constraint::Tuple(
                            items.iter().map(Constraint::parse).collect::<Result<_, _>>()?,
                        )),
                        _ => Err("The tuple type constructor requires one argument specifying the element types as a list.".into()),
                    },
                    "object" => match args.as_slice() {
                        [Expression::Object(obj)] => {
                            let mut attrs = BTreeMap::new();
                            for (k, v) in obj.iter() {
                                let key = match k {
                                    ObjectKey::Ident(i) => i.value().as_str().to_string(),
                                    ObjectKey::Expression(Expression::Variable(i)) => i.value().as_str().to_string(),
                                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                                    _ => return Err("Object constructor map keys must be attribute names.".into()),
                                };
                                attrs.insert(key, ObjectAttr::parse(v.expr())?);
                            }
                            Ok(Constraint::Object(attrs))
                        }
                        _ => Err("The object type constructor requires one argument specifying the attribute types as a map.".into()),
                    },
                    "optional" => Err("Keyword \"optional\" is valid only as a modifier for object type attributes.".into()),
                    other => Err(format!("Keyword {other:?} is not a valid type constructor.")),
                }
            }
            Expression::Parenthesis(p) => Constraint::parse(p.inner()),
            _ => Err("A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).".into()),
        }
    }

    /// Convert `v` to this constraint, filling in optional attributes
    /// (their defaults, or null) first.
    pub fn convert(&self, v: &Value) -> Result<Value, ConvertError> {
        let filled = self.fill_defaults(v);
        convert(&filled, &self.ty())
    }

    /// `v` with the optional attributes of every object it holds filled
    /// in: the default when there is one, else null.
    fn fill_defaults(&self, v: &Value) -> Value {
        let marks = v.marks();
        let out = match (self, v.kind()) {
            (Constraint::Object(attrs), Kind::Object(m) | Kind::Map(_, m)) => {
                let mut out: BTreeMap<String, Value> = BTreeMap::new();
                for (k, a) in attrs {
                    let given = m.get(k).filter(|x| !(x.is_null() && a.default.is_some()));
                    let val = match (given, a.optional) {
                        (Some(x), _) => a.constraint.fill_defaults(x),
                        (None, true) => match &a.default {
                            Some(d) => a.constraint.fill_defaults(d),
                            None => Value::null(a.constraint.ty()),
                        },
                        (None, false) => continue,
                    };
                    out.insert(k.clone(), val);
                }
                // Extra attributes stay, so conversion can drop them.
                for (k, x) in m {
                    out.entry(k.clone()).or_insert_with(|| x.clone());
                }
                Value::object(out)
            }
            (
                Constraint::List(c) | Constraint::Set(c),
                Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items),
            ) => {
                let items: Vec<Value> = items.iter().map(|x| c.fill_defaults(x)).collect();
                Value::tuple(items)
            }
            (Constraint::Map(c), Kind::Map(_, m) | Kind::Object(m)) => Value::object(
                m.iter()
                    .map(|(k, x)| (k.clone(), c.fill_defaults(x)))
                    .collect(),
            ),
            (Constraint::Tuple(cs), Kind::Tuple(items) | Kind::List(_, items))
                if cs.len() == items.len() =>
            {
                Value::tuple(
                    cs.iter()
                        .zip(items)
                        .map(|(c, x)| c.fill_defaults(x))
                        .collect(),
                )
            }
            _ => return v.clone(),
        };
        out.with_marks(marks)
    }
}

impl ObjectAttr {
    fn parse(e: &Expression) -> Result<ObjectAttr, String> {
        if let Expression::FuncCall(f) = e
            && f.name.name.value().as_str() == "optional"
        {
            let args: Vec<&Expression> = f.args.iter().collect();
            let constraint =
                match args.first() {
                    Some(a) => Constraint::parse(a)?,
                    None => return Err(
                        "The optional modifier requires the attribute type as its first argument."
                            .into(),
                    ),
                };
            let default = match args.get(1) {
                Some(d) => Some(
                    constant(d)
                        .ok_or("The default value of an optional attribute must be a constant.")?,
                ),
                None => None,
            };
            return Ok(ObjectAttr {
                constraint,
                optional: true,
                default,
            });
        }
        Ok(ObjectAttr {
            constraint: Constraint::parse(e)?,
            optional: false,
            default: None,
        })
    }
}

/// The value of a constant expression (literals only), as defaults in
/// type constraints and mock data are written.
pub fn constant(e: &Expression) -> Option<Value> {
    let file = crate::tftest::diag::SourceFile::new("<constant>", "");
    let functions = crate::tftest::functions::Functions::default();
    let scope = crate::tftest::eval::MapScope::default();
    let cx = crate::tftest::eval::EvalCtx::new(&file, &scope, &functions);
    crate::tftest::eval::eval(e, &cx).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Constraint {
        Constraint::parse(&hcl_edit::parser::parse_expr(s).unwrap()).unwrap()
    }

    fn v(s: &str) -> Value {
        constant(&hcl_edit::parser::parse_expr(s).unwrap()).unwrap()
    }

    #[test]
    fn optional_attributes_take_their_defaults() {
        let t =
            c("object({name = string, size = optional(number, 10), tags = optional(map(string))})");
        let got = t.convert(&v("{name = \"a\"}")).unwrap();
        assert_eq!(got.get_attr("size"), Some(&Value::number(10)));
        assert!(got.get_attr("tags").unwrap().is_null());
        let list = c("list(object({n = optional(number, 1)}))");
        let got = list.convert(&v("[{}, {n = 5}]")).unwrap();
        assert_eq!(got.to_string(), "[{n = 1}, {n = 5}]");
        assert_eq!(
            t.convert(&v("{size = 1}")).unwrap_err().to_string(),
            "attribute \"name\" is required"
        );
    }

    #[test]
    fn type_expressions_parse_and_name_their_mistakes() {
        assert_eq!(c("list(string)").ty(), Type::list(Type::String));
        assert_eq!(c("any").ty(), Type::Dynamic);
        let e = Constraint::parse(&hcl_edit::parser::parse_expr("strng").unwrap()).unwrap_err();
        assert!(e.contains("strng"), "{e}");
    }
}
