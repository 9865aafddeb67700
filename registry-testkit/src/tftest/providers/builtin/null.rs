//! `hashicorp/null`: `null_resource` and `null_data_source`.

use std::sync::Arc;

use crate::tftest::config::Mode;
use crate::tftest::diag::Diagnostic;
use crate::tftest::providers::schema::{Schema, Schemas};
use crate::tftest::providers::{Generator, PlanRequest, Planned, Provider};
use crate::tftest::value::{Type, Value};

/// `hashicorp/null`.
#[derive(Debug)]
pub struct Null {
    generator: Generator,
}

impl Null {
    /// The provider, its ids drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Null {
            generator: Generator::new(seed),
        }
    }

    fn id(&self) -> String {
        // null_resource ids are random decimal numbers.
        format!(
            "{}",
            1_000_000_000_000_000_000u64 + self.generator.below(8_000_000_000_000_000_000)
        )
    }
}

fn get(v: &Value, k: &str) -> Value {
    v.get_attr(k).cloned().unwrap_or_else(Value::null_dynamic)
}

impl Provider for Null {
    fn source(&self) -> &str {
        "hashicorp/null"
    }

    fn schema(&self, mode: Mode, ty: &str) -> Option<Arc<Schema>> {
        Schemas::bundled().provider("hashicorp/null")?.get(mode, ty)
    }

    fn has(&self, mode: Mode, ty: &str) -> bool {
        self.schema(mode, ty).is_some()
    }

    fn plan(&self, req: &PlanRequest<'_>) -> Result<Planned, Diagnostic> {
        let triggers = get(req.config, "triggers");
        let (id, replace) = match req.prior {
            Some(p) if get(p, "triggers").same(&triggers) => (get(p, "id"), false),
            Some(_) => (Value::unknown_not_null(Type::String), true),
            None => (Value::unknown_not_null(Type::String), false),
        };
        Ok(Planned {
            value: Value::object_from([("id", id), ("triggers", triggers)]),
            replace,
        })
    }

    fn apply(
        &self,
        _ty: &str,
        planned: &Value,
        _prior: Option<&Value>,
    ) -> Result<Value, Diagnostic> {
        let id = match get(planned, "id") {
            v if v.is_unknown() => Value::string(self.id()),
            v => v,
        };
        Ok(Value::object_from([
            ("id", id),
            ("triggers", get(planned, "triggers")),
        ]))
    }

    fn read(&self, ty: &str, config: &Value) -> Result<Value, Diagnostic> {
        if ty != "null_data_source" {
            return Err(Diagnostic::error(
                "Unsupported data source",
                format!("The null provider has no data source {ty:?}."),
            ));
        }
        let inputs = get(config, "inputs");
        Ok(Value::object_from([
            ("has_computed_default", Value::string("default")),
            ("id", Value::string("static")),
            ("inputs", inputs.clone()),
            ("outputs", inputs),
            ("random", Value::string(self.generator.string(8))),
        ]))
    }
}
