//! `output-values`: outputs' current values, from the JSON `terraform output
//! -json` writes, shown next to each output as terraform-docs shows them
//! (a sensitive output as `<sensitive>`, one missing from the file as the
//! string `"null"`, as terraform-docs 0.18 and later do).

use std::collections::BTreeMap;

use registry_core::{Error, Result};
use serde::Deserialize;
use serde_json::Value;

/// What terraform-docs shows for a sensitive output.
pub const SENSITIVE: &str = "<sensitive>";

/// The values of a module's outputs, by output name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputValues {
    values: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Entry {
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    value: Value,
}

impl OutputValues {
    /// Read `terraform output -json`'s text; `from` names it in errors.
    pub fn parse(json: &str, from: &str) -> Result<OutputValues> {
        let raw: Option<BTreeMap<String, Option<Entry>>> =
            serde_json::from_str(json).map_err(|e| {
                Error::invalid_input(format!(
                    "{from}: not the JSON of `terraform output -json`: {e}"
                ))
            })?;
        let mut values = BTreeMap::new();
        for (name, entry) in raw.unwrap_or_default() {
            let entry = entry.ok_or_else(|| {
                Error::invalid_input(format!(
                    "{from}: output {name:?} is null, not an object with a value"
                ))
            })?;
            values.insert(name, entry);
        }
        Ok(OutputValues { values })
    }

    /// The value shown for output `name` and whether it is sensitive.
    pub fn shown(&self, name: &str) -> (Value, bool) {
        match self.values.get(name) {
            Some(e) if e.sensitive => (Value::String(SENSITIVE.into()), true),
            Some(e) => (e.value.clone(), false),
            None => (Value::String("null".into()), false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_sensitivity_and_missing_outputs() {
        let v = OutputValues::parse(
            r#"{"a": {"sensitive": false, "type": "int", "value": 1},
                "s": {"sensitive": true, "type": "string", "value": "secret"}}"#,
            "values.json",
        )
        .unwrap();
        assert_eq!(v.shown("a"), (serde_json::json!(1), false));
        assert_eq!(v.shown("s"), (Value::String(SENSITIVE.into()), true));
        assert_eq!(v.shown("gone"), (Value::String("null".into()), false));
        assert_eq!(
            OutputValues::parse("null", "x").unwrap(),
            OutputValues::default()
        );
        let e = OutputValues::parse("[1]", "values.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("values.json") && e.contains("terraform output -json"),
            "{e}"
        );
        let e = OutputValues::parse(r#"{"x": null}"#, "v")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"x\" is null"), "{e}");
    }
}
