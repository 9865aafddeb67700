//! Values as Terraform (cty) has them: typed, possibly null, possibly
//! unknown (known only after apply), and marked sensitive or ephemeral.
//! Objects and maps keep their attributes in key order, as Terraform
//! iterates them; numbers are exact decimals.

mod convert;
mod json;
mod number;
mod types;

use std::collections::BTreeMap;
use std::fmt;

pub use convert::{ConvertError, convert, unify};
pub use json::{from_json, to_json};
pub use number::Number;
pub use types::Type;

/// Marks a value carries through every operation that uses it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Marks {
    /// `sensitive = true` values and what is computed from them.
    pub sensitive: bool,
    /// Ephemeral values (never stored in state).
    pub ephemeral: bool,
}

impl Marks {
    /// No marks.
    pub const NONE: Marks = Marks {
        sensitive: false,
        ephemeral: false,
    };

    /// Both sets of marks.
    pub fn union(self, other: Marks) -> Marks {
        Marks {
            sensitive: self.sensitive || other.sensitive,
            ephemeral: self.ephemeral || other.ephemeral,
        }
    }

    /// Whether there are none.
    pub fn is_empty(self) -> bool {
        !self.sensitive && !self.ephemeral
    }
}

/// What a value is.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A null of a type.
    Null(Type),
    /// Known only after apply. `not_null` when Terraform knows it will not
    /// be null (every attribute a provider computes).
    Unknown {
        /// Its type.
        ty: Type,
        /// Refined: it will not be null.
        not_null: bool,
        /// Refined: a string known to start with this (cty's string
        /// prefix refinement; `jsonencode` of an object starts with `{`).
        prefix: Option<String>,
    },
    /// A bool.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// `list(elem)`.
    List(Type, Vec<Value>),
    /// `set(elem)`: distinct elements, kept sorted.
    Set(Type, Vec<Value>),
    /// `map(elem)`.
    Map(Type, BTreeMap<String, Value>),
    /// A tuple.
    Tuple(Vec<Value>),
    /// An object.
    Object(BTreeMap<String, Value>),
}

/// A value.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    kind: Kind,
    marks: Marks,
}

impl Value {
    fn of(kind: Kind) -> Value {
        Value {
            kind,
            marks: Marks::NONE,
        }
    }

    /// `null` of a type.
    pub fn null(ty: Type) -> Value {
        Value::of(Kind::Null(ty))
    }

    /// `null` of no particular type (the literal `null`).
    pub fn null_dynamic() -> Value {
        Value::null(Type::Dynamic)
    }

    /// An unknown value of a type (may turn out null).
    pub fn unknown(ty: Type) -> Value {
        Value::of(Kind::Unknown {
            ty,
            not_null: false,
            prefix: None,
        })
    }

    /// An unknown value that will not be null (a provider-computed attribute).
    pub fn unknown_not_null(ty: Type) -> Value {
        Value::of(Kind::Unknown {
            ty,
            not_null: true,
            prefix: None,
        })
    }

    /// An unknown string that will not be null and starts with `prefix`
    /// (taken as it is: see [`safe_prefix`] for text that may continue
    /// with combining characters).
    pub fn unknown_string_with_prefix(prefix: impl Into<String>) -> Value {
        let prefix: String = prefix.into();
        Value::of(Kind::Unknown {
            ty: Type::String,
            not_null: true,
            prefix: (!prefix.is_empty()).then_some(prefix),
        })
    }

    /// The known prefix of an unknown string.
    pub fn string_prefix(&self) -> Option<&str> {
        match &self.kind {
            Kind::Unknown { prefix, .. } => prefix.as_deref(),
            _ => None,
        }
    }

    /// A bool.
    pub fn bool(b: bool) -> Value {
        Value::of(Kind::Bool(b))
    }

    /// A number.
    pub fn number(n: impl Into<Number>) -> Value {
        Value::of(Kind::Number(n.into()))
    }

    /// A string.
    pub fn string(s: impl Into<String>) -> Value {
        Value::of(Kind::String(s.into()))
    }

    /// A list of `elem`.
    pub fn list(elem: Type, items: Vec<Value>) -> Value {
        Value::of(Kind::List(elem, items))
    }

    /// A set of `elem` (duplicates removed, sorted).
    pub fn set(elem: Type, mut items: Vec<Value>) -> Value {
        items.sort_by(set_order);
        items.dedup_by(|a, b| a.same(b));
        Value::of(Kind::Set(elem, items))
    }

    /// A map of `elem`.
    pub fn map(elem: Type, items: BTreeMap<String, Value>) -> Value {
        Value::of(Kind::Map(elem, items))
    }

    /// A tuple.
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::of(Kind::Tuple(items))
    }

    /// An object.
    pub fn object(attrs: BTreeMap<String, Value>) -> Value {
        Value::of(Kind::Object(attrs))
    }

    /// An object from pairs.
    pub fn object_from<I, K>(attrs: I) -> Value
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Value::object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The empty object `{}`.
    pub fn empty_object() -> Value {
        Value::object(BTreeMap::new())
    }

    /// The empty tuple `[]`.
    pub fn empty_tuple() -> Value {
        Value::tuple(Vec::new())
    }

    /// What the value is.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// Its marks.
    pub fn marks(&self) -> Marks {
        self.marks
    }

    /// The same value with `marks` added.
    pub fn with_marks(mut self, marks: Marks) -> Value {
        self.marks = self.marks.union(marks);
        self
    }

    /// The same value marked sensitive.
    pub fn sensitive(self) -> Value {
        self.with_marks(Marks {
            sensitive: true,
            ephemeral: false,
        })
    }

    /// The same value without its own marks (nested values keep theirs).
    pub fn unmarked(mut self) -> Value {
        self.marks = Marks::NONE;
        self
    }

    /// The marks of this value and of everything inside it.
    pub fn deep_marks(&self) -> Marks {
        let mut m = self.marks;
        self.for_each_child(|c| m = m.union(c.deep_marks()));
        m
    }

    /// The same value with every mark, nested ones too, removed.
    pub fn deep_unmarked(&self) -> Value {
        self.map_children(|c| c.deep_unmarked()).unmarked()
    }

    fn for_each_child(&self, mut f: impl FnMut(&Value)) {
        match &self.kind {
            Kind::List(_, v) | Kind::Set(_, v) | Kind::Tuple(v) => v.iter().for_each(&mut f),
            Kind::Map(_, m) | Kind::Object(m) => m.values().for_each(&mut f),
            _ => {}
        }
    }

    fn map_children(&self, f: impl Fn(&Value) -> Value) -> Value {
        let kind = match &self.kind {
            Kind::List(t, v) => Kind::List(t.clone(), v.iter().map(&f).collect()),
            Kind::Set(t, v) => Kind::Set(t.clone(), v.iter().map(&f).collect()),
            Kind::Tuple(v) => Kind::Tuple(v.iter().map(&f).collect()),
            Kind::Map(t, m) => Kind::Map(
                t.clone(),
                m.iter().map(|(k, v)| (k.clone(), f(v))).collect(),
            ),
            Kind::Object(m) => Kind::Object(m.iter().map(|(k, v)| (k.clone(), f(v))).collect()),
            k => k.clone(),
        };
        Value {
            kind,
            marks: self.marks,
        }
    }

    /// The value's type.
    pub fn ty(&self) -> Type {
        match &self.kind {
            Kind::Null(t) | Kind::Unknown { ty: t, .. } => t.clone(),
            Kind::Bool(_) => Type::Bool,
            Kind::Number(_) => Type::Number,
            Kind::String(_) => Type::String,
            Kind::List(e, _) => Type::list(e.clone()),
            Kind::Set(e, _) => Type::set(e.clone()),
            Kind::Map(e, _) => Type::map(e.clone()),
            Kind::Tuple(v) => Type::Tuple(v.iter().map(Value::ty).collect()),
            Kind::Object(m) => Type::Object(m.iter().map(|(k, v)| (k.clone(), v.ty())).collect()),
        }
    }

    /// Whether it is null.
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null(_))
    }

    /// Whether this value itself is unknown (not its contents).
    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown { .. })
    }

    /// Whether it, and everything in it, is known.
    pub fn is_wholly_known(&self) -> bool {
        if self.is_unknown() {
            return false;
        }
        let mut known = true;
        self.for_each_child(|c| known &= c.is_wholly_known());
        known
    }

    /// Whether it is known not to be null (known non-null values, and
    /// unknowns refined as not null).
    pub fn is_known_not_null(&self) -> bool {
        match &self.kind {
            Kind::Null(_) => false,
            Kind::Unknown { not_null, .. } => *not_null,
            _ => true,
        }
    }

    /// The bool, when it is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The string, when it is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, when it is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match &self.kind {
            Kind::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The elements of a known list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(_, v) | Kind::Set(_, v) | Kind::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The attributes or entries of a known object or map.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match &self.kind {
            Kind::Map(_, m) | Kind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Whether it is a list, set or tuple (known or not).
    pub fn is_sequence_type(&self) -> bool {
        matches!(self.ty(), Type::List(_) | Type::Set(_) | Type::Tuple(_))
    }

    /// Whether two values are the same value (types, contents and
    /// knownness; marks ignored). Used for sets and `==` on known values.
    pub fn same(&self, other: &Value) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Null(a), Kind::Null(b)) => a == b || *a == Type::Dynamic || *b == Type::Dynamic,
            (Kind::Bool(a), Kind::Bool(b)) => a == b,
            (Kind::Number(a), Kind::Number(b)) => a == b,
            (Kind::String(a), Kind::String(b)) => a == b,
            (Kind::List(ta, a), Kind::List(tb, b)) | (Kind::Set(ta, a), Kind::Set(tb, b)) => {
                (ta == tb || a.is_empty() && b.is_empty())
                    && a.len() == b.len()
                    && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Kind::Tuple(a), Kind::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Kind::Map(_, a), Kind::Map(_, b)) | (Kind::Object(a), Kind::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && va.same(vb))
            }
            _ => false,
        }
    }

    /// Terraform's `==`: unknown when either side is unknown (unless one
    /// side is null and the other known not to be), false across types.
    pub fn equals(&self, other: &Value) -> Value {
        let marks = self.deep_marks().union(other.deep_marks());
        let result = match (&self.kind, &other.kind) {
            (Kind::Unknown { not_null: true, .. }, Kind::Null(_))
            | (Kind::Null(_), Kind::Unknown { not_null: true, .. }) => Value::bool(false),
            (Kind::Unknown { .. }, _) | (_, Kind::Unknown { .. })
                if prefixes_conflict(self, other) =>
            {
                Value::bool(false)
            }
            (Kind::Unknown { .. }, _) | (_, Kind::Unknown { .. }) => {
                Value::unknown_not_null(Type::Bool)
            }
            (Kind::Null(_), Kind::Null(_)) => Value::bool(true),
            (Kind::Null(_), _) | (_, Kind::Null(_)) => Value::bool(false),
            // A nested unknown of a type still to be decided may yet match.
            _ if !self.has_wholly_known_type() || !other.has_wholly_known_type() => {
                if types_comparable(&self.ty(), &other.ty()) {
                    Value::unknown_not_null(Type::Bool)
                } else {
                    Value::bool(false)
                }
            }
            // Otherwise the types must be the same (cty's `Equals`):
            // `tomap({})` is a map of dynamic, never a `map(string)`.
            _ if self.ty() != other.ty() => Value::bool(false),
            _ if !self.is_wholly_known() || !other.is_wholly_known() => {
                Value::unknown_not_null(Type::Bool)
            }
            _ => Value::bool(self.same(other)),
        };
        result.with_marks(marks)
    }

    /// Whether no unknown inside it has a type still to be decided
    /// (cty's `HasWhollyKnownType`).
    pub fn has_wholly_known_type(&self) -> bool {
        match &self.kind {
            Kind::Unknown { ty, .. } => !ty.has_dynamic(),
            _ => {
                let mut known = true;
                self.for_each_child(|c| known &= c.has_wholly_known_type());
                known
            }
        }
    }

    /// The number of elements of a collection (known when the collection
    /// itself is known, even with unknown elements).
    pub fn length(&self) -> Option<usize> {
        match &self.kind {
            Kind::List(_, v) | Kind::Set(_, v) | Kind::Tuple(v) => Some(v.len()),
            Kind::Map(_, m) | Kind::Object(m) => Some(m.len()),
            Kind::String(s) => Some(s.chars().count()),
            _ => None,
        }
    }

    /// Attribute `name` of an object (or key of a map).
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        match &self.kind {
            Kind::Object(m) | Kind::Map(_, m) => m.get(name),
            _ => None,
        }
    }

    /// How Terraform shows the value in a diagnostic's values box
    /// (`"x"`, `5`, `list of string with 2 elements`, `a string`).
    pub fn describe(&self) -> String {
        if self.marks.sensitive {
            return "(sensitive value)".into();
        }
        match &self.kind {
            Kind::Null(_) => "null".into(),
            Kind::Unknown { ty, .. } => match ty {
                Type::Dynamic => "a value".into(),
                t => format!("a {}", t.friendly()),
            },
            Kind::Bool(b) => b.to_string(),
            Kind::Number(n) => n.to_string(),
            Kind::String(s) => go_quote(s),
            Kind::List(e, v) => collection_str("list", &e.friendly(), v.len()),
            Kind::Set(e, v) => collection_str("set", &e.friendly(), v.len()),
            Kind::Map(e, m) => collection_str("map", &e.friendly(), m.len()),
            Kind::Tuple(v) => match v.len() {
                0 => "empty tuple".into(),
                1 => "tuple with 1 element".into(),
                n => format!("tuple with {n} elements"),
            },
            Kind::Object(m) => match m.len() {
                0 => "object with no attributes".into(),
                1 => format!(
                    "object with 1 attribute {}",
                    go_quote(m.keys().next().unwrap())
                ),
                n => format!("object with {n} attributes"),
            },
        }
    }
}

fn collection_str(kind: &str, elem: &str, n: usize) -> String {
    match n {
        0 => format!("empty {kind} of {elem}"),
        1 => format!("{kind} of {elem} with 1 element"),
        n => format!("{kind} of {elem} with {n} elements"),
    }
}

/// A string quoted the way Go's `%q` quotes it.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether a string's known prefix rules out it equalling the other
/// value (cty's `Equals` consults refinements).
fn prefixes_conflict(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (
            Kind::String(s),
            Kind::Unknown {
                prefix: Some(p), ..
            },
        )
        | (
            Kind::Unknown {
                prefix: Some(p), ..
            },
            Kind::String(s),
        ) => !s.starts_with(p.as_str()),
        (
            Kind::Unknown {
                prefix: Some(x), ..
            },
            Kind::Unknown {
                prefix: Some(y), ..
            },
        ) => !(x.starts_with(y.as_str()) || y.starts_with(x.as_str())),
        _ => false,
    }
}

/// The part of a known prefix that later text cannot change (cty's
/// `SafeKnownPrefix`): the last character is dropped unless it is a
/// delimiter that never combines with what follows.
pub fn safe_prefix(prefix: &str) -> &str {
    match prefix.chars().last() {
        None => prefix,
        Some(c) if "-_:;/\\,.(){}[]|?!~ \t@#$%^&*+\"'".contains(c) => prefix,
        Some(c) => &prefix[..prefix.len() - c.len_utf8()],
    }
}

/// Whether values of two types can ever be equal (Terraform compares
/// lists with lists, tuples with tuples, and so on; `dynamic` with anything).
fn types_comparable(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Dynamic, _) | (_, Type::Dynamic) => true,
        (Type::List(x), Type::List(y))
        | (Type::Set(x), Type::Set(y))
        | (Type::Map(x), Type::Map(y)) => types_comparable(x, y),
        (Type::Tuple(x), Type::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| types_comparable(p, q))
        }
        (Type::Object(x), Type::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, ta), (kb, tb))| ka == kb && types_comparable(ta, tb))
        }
        _ => a == b,
    }
}

/// The order Terraform iterates a set in: strings and numbers in their
/// own order, anything else by its JSON text.
fn set_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (&a.kind, &b.kind) {
        (Kind::String(x), Kind::String(y)) => x.cmp(y),
        (Kind::Number(x), Kind::Number(y)) => x.cmp(y),
        (Kind::Bool(x), Kind::Bool(y)) => x.cmp(y),
        _ => to_json(a).to_string().cmp(&to_json(b).to_string()),
    }
}

impl fmt::Display for Value {
    /// The value in HCL-like syntax, for messages and `terraform console`-like output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.marks.sensitive {
            return f.write_str("(sensitive value)");
        }
        match &self.kind {
            Kind::Null(_) => f.write_str("null"),
            Kind::Unknown { .. } => f.write_str("(known after apply)"),
            Kind::Bool(b) => write!(f, "{b}"),
            Kind::Number(n) => write!(f, "{n}"),
            Kind::String(s) => f.write_str(&serde_json::Value::String(s.clone()).to_string()),
            Kind::List(_, v) | Kind::Set(_, v) | Kind::Tuple(v) => {
                f.write_str("[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            Kind::Map(_, m) | Kind::Object(m) => {
                f.write_str("{")?;
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} = {x}")?;
                }
                f.write_str("}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_follows_terraform() {
        let s = Value::string("a");
        assert_eq!(s.equals(&Value::string("a")).as_bool(), Some(true));
        assert_eq!(
            Value::number(1).equals(&Value::string("1")).as_bool(),
            Some(false)
        );
        let list = Value::list(Type::String, vec![Value::string("a")]);
        let tuple = Value::tuple(vec![Value::string("a")]);
        assert_eq!(
            list.equals(&tuple).as_bool(),
            Some(false),
            "tolist([\"a\"]) == [\"a\"] is false"
        );
        let u = Value::unknown_not_null(Type::String);
        assert!(u.equals(&s).is_unknown());
        assert_eq!(u.equals(&Value::null_dynamic()).as_bool(), Some(false));
        assert!(
            Value::unknown(Type::String)
                .equals(&Value::null_dynamic())
                .is_unknown()
        );
        assert_eq!(
            Value::null_dynamic()
                .equals(&Value::null(Type::String))
                .as_bool(),
            Some(true)
        );
        assert!(s.clone().sensitive().equals(&s).marks().sensitive);
    }

    #[test]
    fn sets_are_distinct_and_sorted() {
        let s = Value::set(
            Type::String,
            vec![Value::string("b"), Value::string("a"), Value::string("b")],
        );
        assert_eq!(s.to_string(), "[\"a\", \"b\"]");
    }

    #[test]
    fn values_are_described_as_terraform_does() {
        assert_eq!(Value::string("x").describe(), "\"x\"");
        assert_eq!(Value::unknown(Type::String).describe(), "a string");
        assert_eq!(
            Value::list(Type::String, vec![Value::string("a"), Value::string("b")]).describe(),
            "list of string with 2 elements"
        );
        assert_eq!(
            Value::object_from([("o", Value::number(1))]).describe(),
            "object with 1 attribute \"o\""
        );
        assert_eq!(Value::number(1).sensitive().describe(), "(sensitive value)");
    }
}
