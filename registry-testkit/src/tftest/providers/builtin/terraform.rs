//! The built-in `terraform` provider: `terraform_data`.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::tftest::config::Mode;
use crate::tftest::diag::Diagnostic;
use crate::tftest::providers::schema::{Attribute, Schema};
use crate::tftest::providers::{Generator, PlanRequest, Planned, Provider};
use crate::tftest::value::{Type, Value};

fn attr(ty: Type, optional: bool, computed: bool) -> Attribute {
    Attribute {
        ty,
        required: false,
        optional,
        computed,
        sensitive: false,
        write_only: false,
        nested: None,
    }
}

fn data_schema() -> Arc<Schema> {
    static S: OnceLock<Arc<Schema>> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema {
            attributes: BTreeMap::from([
                ("id".to_string(), attr(Type::String, false, true)),
                ("input".to_string(), attr(Type::Dynamic, true, false)),
                ("output".to_string(), attr(Type::Dynamic, false, true)),
                (
                    "triggers_replace".to_string(),
                    attr(Type::Dynamic, true, false),
                ),
            ]),
            blocks: BTreeMap::new(),
        })
    })
    .clone()
}

/// `terraform.io/builtin/terraform`.
#[derive(Debug)]
pub struct Terraform {
    generator: Generator,
}

impl Terraform {
    /// The provider, its ids drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Terraform {
            generator: Generator::new(seed),
        }
    }

    fn uuid(&self) -> String {
        let b = self.generator.bytes(16);
        let h = hex::encode(b);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
}

fn get(v: &Value, k: &str) -> Value {
    v.get_attr(k).cloned().unwrap_or_else(Value::null_dynamic)
}

impl Provider for Terraform {
    fn source(&self) -> &str {
        "terraform.io/builtin/terraform"
    }

    fn schema(&self, mode: Mode, ty: &str) -> Option<Arc<Schema>> {
        (mode == Mode::Managed && ty == "terraform_data").then(data_schema)
    }

    fn has(&self, mode: Mode, ty: &str) -> bool {
        self.schema(mode, ty).is_some()
    }

    fn plan(&self, req: &PlanRequest<'_>) -> Result<Planned, Diagnostic> {
        let input = get(req.config, "input");
        let triggers = get(req.config, "triggers_replace");
        let replace = req
            .prior
            .is_some_and(|p| !get(p, "triggers_replace").same(&triggers));
        let (id, output) = match req.prior {
            Some(p) if !replace && get(p, "input").same(&input) => (get(p, "id"), get(p, "output")),
            Some(p) if !replace => (get(p, "id"), Value::unknown(input.ty())),
            _ => (
                Value::unknown_not_null(Type::String),
                Value::unknown(input.ty()),
            ),
        };
        Ok(Planned {
            value: Value::object_from([
                ("id", id),
                ("input", input),
                ("output", output),
                ("triggers_replace", triggers),
            ]),
            replace,
        })
    }

    fn import(&self, _ty: &str, id: &str) -> Result<Value, Diagnostic> {
        // As terraform_data imports: the id, and nothing else.
        Ok(Value::object_from([
            ("id", Value::string(id.to_string())),
            ("input", Value::null_dynamic()),
            ("output", Value::null_dynamic()),
            ("triggers_replace", Value::null_dynamic()),
        ]))
    }

    fn apply(
        &self,
        _ty: &str,
        planned: &Value,
        _prior: Option<&Value>,
    ) -> Result<Value, Diagnostic> {
        let id = match get(planned, "id") {
            v if v.is_unknown() => Value::string(self.uuid()),
            v => v,
        };
        let input = get(planned, "input");
        Ok(Value::object_from([
            ("id", id),
            ("output", input.clone()),
            ("input", input),
            ("triggers_replace", get(planned, "triggers_replace")),
        ]))
    }

    fn read(&self, ty: &str, _config: &Value) -> Result<Value, Diagnostic> {
        Err(Diagnostic::error(
            "Unsupported data source",
            format!(
                "The in-process terraform provider has no data source {ty:?}; mock it with override_data."
            ),
        ))
    }
}
