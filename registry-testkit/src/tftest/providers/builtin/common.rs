//! What the in-process providers share: schema builders, reading a
//! configuration, planning replacement, and marking sensitive attributes.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::tftest::diag::Diagnostic;
use crate::tftest::providers::Planned;
use crate::tftest::providers::schema::{Attribute, BlockType, Nesting, Schema};
use crate::tftest::value::{Kind, Type, Value};

/// How an attribute may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Set {
    /// Must be set.
    Required,
    /// May be set.
    Optional,
    /// May be set; the provider fills it in otherwise.
    OptionalComputed,
    /// Only the provider sets it.
    Computed,
}

/// One attribute of a schema under construction.
pub(crate) fn attr(ty: Type, set: Set) -> Attribute {
    Attribute {
        ty,
        required: set == Set::Required,
        optional: matches!(set, Set::Optional | Set::OptionalComputed),
        computed: matches!(set, Set::OptionalComputed | Set::Computed),
        sensitive: false,
        write_only: false,
        nested: None,
    }
}

/// A schema from `(name, type, how set, sensitive)` rows.
pub(crate) fn schema(rows: &[(&str, Type, Set, bool)]) -> Schema {
    Schema {
        attributes: rows
            .iter()
            .map(|(n, t, s, sens)| {
                let mut a = attr(t.clone(), *s);
                a.sensitive = *sens;
                (n.to_string(), a)
            })
            .collect(),
        blocks: BTreeMap::new(),
    }
}

/// `s` with a nested block type added.
pub(crate) fn with_block(mut s: Schema, name: &str, nesting: Nesting, block: Schema) -> Schema {
    s.blocks
        .insert(name.to_string(), BlockType { nesting, block });
    s
}

/// A schema table: `(type, schema)` built once.
pub(crate) type Table = BTreeMap<&'static str, Arc<Schema>>;

/// Attribute `k` of an object (null when absent).
pub(crate) fn get(v: &Value, k: &str) -> Value {
    v.get_attr(k).cloned().unwrap_or_else(Value::null_dynamic)
}

/// Attribute `k` as a known string.
pub(crate) fn get_str(v: &Value, k: &str) -> Option<String> {
    get(v, k).as_str().map(str::to_string)
}

/// Attribute `k` as a known whole number.
pub(crate) fn get_i64(v: &Value, k: &str) -> Option<i64> {
    get(v, k).as_number().and_then(|n| n.to_i64())
}

/// Attribute `k` as a known bool.
pub(crate) fn get_bool(v: &Value, k: &str) -> Option<bool> {
    get(v, k).as_bool()
}

/// Attribute `k` as a list of known strings (empty when null).
pub(crate) fn get_strings(v: &Value, k: &str) -> Vec<String> {
    get(v, k)
        .as_elements()
        .map(|es| {
            es.iter()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// An error diagnostic.
pub(crate) fn error(summary: &str, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error(summary, detail)
}

/// The "Invalid Attribute Value" error of the plugin framework's validators.
pub(crate) fn invalid_value(
    attr: &str,
    description: &str,
    got: impl std::fmt::Display,
) -> Diagnostic {
    error(
        "Invalid Attribute Value",
        format!("Attribute {attr} {description}, got: {got}"),
    )
}

/// An unknown (not null) value of an attribute's type.
pub(crate) fn unknown_of(a: &Attribute) -> Value {
    Value::unknown_not_null(a.value_type())
}

/// Whether two values are the same for replacement purposes: null and
/// an empty collection are the same.
fn same_for_replace(a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| {
        v.is_null()
            || matches!(
                v.kind(),
                Kind::Map(..) | Kind::Object(_) | Kind::List(..) | Kind::Set(..) | Kind::Tuple(_)
            ) && v.length() == Some(0)
    };
    a.same(b) || empty(a) && empty(b)
}

/// How a resource type plans: defaults of its optional attributes, and
/// which configurable attributes change in place (every other change
/// replaces, as every argument of the random, tls and local resources
/// does).
pub(crate) struct PlanRules<'a> {
    /// Defaults of optional attributes.
    pub defaults: &'a [(&'a str, Value)],
    /// Attributes whose change updates in place.
    pub in_place: &'a [&'a str],
}

/// Plan a resource whose computed attributes are known only after it is
/// created: the configuration (defaults filled in), computed attributes
/// unknown when it is created or replaced, else kept from the prior state.
pub(crate) fn plan_resource(
    schema: &Schema,
    config: &Value,
    prior: Option<&Value>,
    rules: &PlanRules<'_>,
) -> Planned {
    let mut desired = BTreeMap::new();
    let mut configured = Vec::new();
    for (name, a) in &schema.attributes {
        let c = get(config, name);
        let v = if !c.is_null() {
            configured.push(name.clone());
            c
        } else if let Some((_, d)) = rules.defaults.iter().find(|(n, _)| n == name) {
            configured.push(name.clone());
            d.clone()
        } else if a.computed {
            unknown_of(a)
        } else {
            configured.push(name.clone());
            Value::null(a.value_type())
        };
        desired.insert(name.clone(), v);
    }
    for name in schema.blocks.keys() {
        configured.push(name.clone());
        desired.insert(name.clone(), get(config, name));
    }
    let replace = prior.is_some_and(|p| {
        configured.iter().any(|name| {
            let v = &desired[name];
            !rules.in_place.contains(&name.as_str())
                && (!v.is_wholly_known() || !same_for_replace(v, &get(p, name)))
        })
    });
    if let (Some(p), false) = (prior, replace) {
        for (name, v) in desired.iter_mut() {
            if v.is_unknown() {
                *v = get(p, name);
            }
        }
    }
    Planned {
        value: mark_sensitive(schema, &Value::object(desired)),
        replace,
    }
}

/// `v` with the attributes `schema` calls sensitive marked so.
pub(crate) fn mark_sensitive(schema: &Schema, v: &Value) -> Value {
    let Some(entries) = v.as_entries() else {
        return v.clone();
    };
    Value::object(
        entries
            .iter()
            .map(|(k, x)| {
                let sens = schema.attributes.get(k).is_some_and(|a| a.sensitive);
                (
                    k.clone(),
                    if sens {
                        x.clone().sensitive()
                    } else {
                        x.clone()
                    },
                )
            })
            .collect(),
    )
    .with_marks(v.marks())
}

/// `planned` with its unknown attributes replaced by `fill(name)` (the
/// values the provider computes on create).
pub(crate) fn fill(
    schema: &Schema,
    planned: &Value,
    mut fill: impl FnMut(&str) -> Option<Value>,
) -> Value {
    let mut out = planned.as_entries().cloned().unwrap_or_default();
    for (k, v) in out.iter_mut() {
        if v.is_unknown()
            && let Some(x) = fill(k)
        {
            *v = x;
        }
    }
    mark_sensitive(schema, &Value::object(out))
}

/// Big-endian bytes as a decimal string.
pub(crate) fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for &b in bytes {
        let mut carry = b as u32;
        for d in digits.iter_mut() {
            let x = *d as u32 * 256 + carry;
            *d = (x % 10) as u8;
            carry = x / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| (b'0' + d) as char).collect()
}

/// The configuration value the engine builds for a resource: every schema
/// attribute, null unless set (for the providers' tests).
#[cfg(test)]
pub(crate) fn test_config(
    p: &dyn crate::tftest::providers::Provider,
    mode: crate::tftest::config::Mode,
    ty: &str,
    set: &[(&str, Value)],
) -> Value {
    let s = p.schema(mode, ty).expect("schema");
    let mut out: BTreeMap<String, Value> = s
        .attributes
        .iter()
        .map(|(k, a)| (k.clone(), Value::null(a.value_type())))
        .collect();
    for (name, b) in &s.blocks {
        let obj = b.block.value_type();
        out.insert(
            name.clone(),
            match b.nesting {
                Nesting::List => Value::list(obj, Vec::new()),
                Nesting::Set => Value::set(obj, Vec::new()),
                Nesting::Map => Value::map(obj, BTreeMap::new()),
                _ => Value::null(obj),
            },
        );
    }
    for (k, v) in set {
        out.insert(k.to_string(), v.clone());
    }
    Value::object(out)
}
