//! Values to and from JSON, as `jsonencode`/`jsondecode` and `.tf.json`
//! files see them: objects become objects (keys in order), lists, sets and
//! tuples arrays; JSON without a type decodes to objects and tuples.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::{Kind, Number, Value};

/// The JSON form of a known value (unknowns become `null`; callers check
/// knownness first where it matters).
pub fn to_json(v: &Value) -> Json {
    match v.kind() {
        Kind::Null(_) | Kind::Unknown { .. } => Json::Null,
        Kind::Bool(b) => Json::Bool(*b),
        Kind::Number(n) => number_json(n),
        Kind::String(s) => Json::String(s.clone()),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            Json::Array(items.iter().map(to_json).collect())
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            Json::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

fn number_json(n: &Number) -> Json {
    let text = n.to_string();
    match serde_json::from_str::<Json>(&text) {
        Ok(j @ Json::Number(_)) => j,
        _ => Json::String(text),
    }
}

/// A value from JSON without a type: objects become objects, arrays
/// tuples, as `jsondecode` gives them.
pub fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::null_dynamic(),
        Json::Bool(b) => Value::bool(*b),
        Json::Number(n) => Number::parse(&n.to_string())
            .map(Value::number)
            .unwrap_or_else(Value::null_dynamic),
        Json::String(s) => Value::string(s.clone()),
        Json::Array(items) => Value::tuple(items.iter().map(from_json).collect()),
        Json::Object(m) => Value::object(
            m.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_with_sorted_keys() {
        let j: Json = serde_json::from_str(r#"{"b":[1,"x",true,null],"a":{"n":2.5}}"#).unwrap();
        let v = from_json(&j);
        assert_eq!(
            to_json(&v).to_string(),
            r#"{"a":{"n":2.5},"b":[1,"x",true,null]}"#
        );
    }
}
