//! Rules about variables' default values: each conforms to its type, and
//! each passes the variable's own validation conditions.

use std::collections::BTreeMap;

use registry_core::{Problem, ValidationContext, ValidationRule};

use super::model::{Modules, problem_at};
use crate::tftest::config::Variable;
use crate::tftest::config::types::constant;
use crate::tftest::engine::{Outcome, check};
use crate::tftest::eval::MapScope;
use crate::tftest::functions::Functions;
use crate::tftest::value::{Type, Value};

/// A variable's default, converted to its type (`None` when there is no
/// literal default; `Err` with the message when it does not conform).
fn converted_default(v: &Variable) -> Option<Result<Value, String>> {
    let expr = v.default.as_ref()?;
    let value = constant(&expr.expr)?;
    if value.is_null() {
        return Some(Ok(value));
    }
    Some(v.constraint.convert(&value).map_err(|e| {
        format!(
            "the default of variable {:?} is not valid for its type {}: {e}",
            v.name,
            v.constraint.ty().friendly()
        )
    }))
}

/// Every variable default conforms to the variable's type constraint
/// (Terraform refuses the module at plan otherwise).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultsMatchTypes;

impl ValidationRule for DefaultsMatchTypes {
    fn id(&self) -> &str {
        "variable-default-type"
    }
    fn hint(&self) -> Option<&str> {
        Some("change the default, or the type")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let modules = Modules::of(&ctx.archive.files);
        let mut out = Vec::new();
        for m in modules.by_dir.values() {
            for v in m.variables.values() {
                if let Some(Err(msg)) = converted_default(v) {
                    let range = v.default.as_ref().and_then(|d| d.range());
                    out.push(problem_at(self.problem(msg), range.as_ref()));
                }
            }
        }
        out
    }
}

/// Each variable's default passes its own `validation` conditions (those
/// that depend only on the variable; others are left to plan time).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultsPassValidation;

impl ValidationRule for DefaultsPassValidation {
    fn id(&self) -> &str {
        "variable-default-validation"
    }
    fn hint(&self) -> Option<&str> {
        Some("a default every caller gets must pass the variable's validation")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let modules = Modules::of(&ctx.archive.files);
        let functions = Functions::default();
        let mut out = Vec::new();
        for m in modules.by_dir.values() {
            for v in m.variables.values() {
                let Some(Ok(default)) = converted_default(v) else {
                    continue;
                };
                if default.is_null() {
                    continue;
                }
                // Other variables are not known here: conditions on them come out unknown.
                let vars: BTreeMap<String, Value> = m
                    .variables
                    .keys()
                    .map(|k| {
                        let value = if k == &v.name {
                            default.clone()
                        } else {
                            Value::unknown(Type::Dynamic)
                        };
                        (k.clone(), value)
                    })
                    .collect();
                let scope = MapScope(BTreeMap::from([("var".to_string(), Value::object(vars))]));
                for rule in &v.validations {
                    if let Outcome::Fail { message, .. } =
                        check(rule, &scope, &functions, None, None)
                    {
                        let msg = if message.is_empty() {
                            format!("the default of variable {:?} fails its validation", v.name)
                        } else {
                            format!(
                                "the default of variable {:?} fails its validation: {message}",
                                v.name
                            )
                        };
                        let range = v.default.as_ref().and_then(|d| d.range());
                        out.push(problem_at(self.problem(msg), range.as_ref()));
                    }
                }
            }
        }
        out
    }
}
