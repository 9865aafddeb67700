//! Mock providers, and the value generation Terraform's mocks and
//! overrides share: only computed attributes are filled (from `defaults`
//! or override `values`, else generated), unknown at plan unless asked to
//! be known then (`override_during = plan`), known after apply; data
//! sources are read, known, at plan.
//!
//! Which attributes are computed comes from the provider's schema. Without
//! one, every attribute the configuration or the tests refer to but do not
//! set counts as computed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::schema::{ProviderSchema, Schema};
use super::{Generator, PlanRequest, Planned, Provider};
use crate::tftest::config::Mode;
use crate::tftest::diag::{Diagnostic, SourceRange};
use crate::tftest::testfile::{MockDefaults, Phase, TestProvider};
use crate::tftest::value::{Kind, Type, Value, convert};

/// Attribute names referenced on each resource type (for schema-less mocks).
pub type Referenced = BTreeMap<String, BTreeSet<String>>;

/// Mock data for one instance: the values, where they were written, and
/// whether they are known at plan.
#[derive(Debug, Clone)]
pub struct MockData<'a> {
    /// `defaults` or `values`.
    pub with: Option<&'a Value>,
    /// Its source range (for "mocked data defined at").
    pub range: Option<&'a SourceRange>,
    /// Known already at plan.
    pub at_plan: bool,
}

fn attr_of<'a>(with: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    with.and_then(|w| w.get_attr(name))
}

fn fill_value(
    generator: &Generator,
    ty: &Type,
    with: Option<&Value>,
    name: &str,
    range: Option<&SourceRange>,
    diags: &mut Vec<Diagnostic>,
) -> Value {
    match with {
        Some(w) if !w.is_null() => match convert(w, ty) {
            Ok(v) => v,
            Err(e) => {
                let at = range
                    .map(|r| format!(" defined at {r}"))
                    .unwrap_or_default();
                diags.push(Diagnostic::error(
                    "Failed to compute attribute",
                    format!(
                        "Terraform could not compute a value for the target type {} with the mocked data{at} with the attribute {name:?}: {e}.",
                        ty.friendly()
                    ),
                ));
                generator.value(ty)
            }
        },
        _ => generator.value(ty),
    }
}

/// Fill the computed attributes of an object of `schema`: null ones (at
/// plan) or unknown ones (at apply) become the mock data or generated
/// values; at plan, when the data is not known yet, unknown.
pub fn fill_computed(
    schema: &Schema,
    v: &Value,
    data: &MockData<'_>,
    generator: &Generator,
    plan: bool,
    diags: &mut Vec<Diagnostic>,
) -> Value {
    let Some(entries) = v.as_entries() else {
        return v.clone();
    };
    let mut out = entries.clone();
    for (name, a) in &schema.attributes {
        let current = out
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::null(a.value_type()));
        let replace = a.computed
            && if plan {
                current.is_null()
            } else {
                current.is_unknown()
            };
        if !replace {
            continue;
        }
        let ty = a.value_type();
        let filled = if plan && !data.at_plan {
            Value::unknown_not_null(ty)
        } else {
            fill_value(
                generator,
                &ty,
                attr_of(data.with, name),
                name,
                data.range,
                diags,
            )
        };
        out.insert(
            name.clone(),
            if a.sensitive {
                filled.sensitive()
            } else {
                filled
            },
        );
    }
    for (name, b) in &schema.blocks {
        let Some(current) = out.get(name).cloned() else {
            continue;
        };
        let nested = MockData {
            with: attr_of(data.with, name),
            range: data.range,
            at_plan: data.at_plan,
        };
        let filled = map_elements(&current, |el| {
            fill_computed(&b.block, el, &nested, generator, plan, diags)
        });
        out.insert(name.clone(), filled);
    }
    Value::object(out).with_marks(v.marks())
}

fn map_elements(v: &Value, mut f: impl FnMut(&Value) -> Value) -> Value {
    match v.kind() {
        Kind::List(t, items) => Value::list(t.clone(), items.iter().map(&mut f).collect()),
        Kind::Set(t, items) => Value::set(t.clone(), items.iter().map(&mut f).collect()),
        Kind::Tuple(items) => Value::tuple(items.iter().map(&mut f).collect()),
        Kind::Map(t, m) => Value::map(
            t.clone(),
            m.iter().map(|(k, x)| (k.clone(), f(x))).collect(),
        ),
        Kind::Object(_) => f(v),
        _ => v.clone(),
    }
}

/// The same filling without a schema: the attributes `referenced` that the
/// configuration does not set are the computed ones (strings, unless the
/// mock data says otherwise).
pub fn fill_referenced(
    v: &Value,
    referenced: Option<&BTreeSet<String>>,
    data: &MockData<'_>,
    generator: &Generator,
    plan: bool,
    diags: &mut Vec<Diagnostic>,
) -> Value {
    let mut out = v.as_entries().cloned().unwrap_or_default();
    let mut names: BTreeSet<String> = referenced.cloned().unwrap_or_default();
    if let Some(w) = data.with.and_then(Value::as_entries) {
        names.extend(w.keys().cloned());
    }
    for name in names {
        let current = out.get(&name);
        let replace = match current {
            None => true,
            Some(c) if plan => c.is_null(),
            Some(c) => c.is_unknown(),
        };
        if !replace || (current.is_some_and(|c| !c.is_null() && !c.is_unknown())) {
            continue;
        }
        let with = attr_of(data.with, &name);
        let ty = with
            .map(Value::ty)
            .filter(|t| *t != Type::Dynamic)
            .unwrap_or(Type::String);
        let filled = if plan && !data.at_plan {
            Value::unknown_not_null(ty)
        } else {
            fill_value(generator, &ty, with, &name, data.range, diags)
        };
        out.insert(name, filled);
    }
    Value::object(out).with_marks(v.marks())
}

/// A `mock_provider`.
#[derive(Debug)]
pub struct MockProvider {
    source: String,
    schema: Option<Arc<ProviderSchema>>,
    config: TestProvider,
    referenced: Arc<Referenced>,
    generator: Generator,
    diags: std::sync::Mutex<Vec<Diagnostic>>,
}

impl MockProvider {
    /// A mock of `source` as the test file configures it.
    pub fn new(
        source: &str,
        schema: Option<Arc<ProviderSchema>>,
        config: TestProvider,
        referenced: Arc<Referenced>,
        seed: u64,
    ) -> Self {
        MockProvider {
            source: source.to_string(),
            schema,
            config,
            referenced,
            generator: Generator::new(seed),
            diags: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Whether the mock runs without the provider's schema.
    pub fn schemaless(&self) -> bool {
        self.schema.is_none()
    }

    /// Warnings and errors collected while generating values.
    pub fn take_diagnostics(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut *self.diags.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn defaults(&self, mode: Mode, ty: &str) -> Option<&MockDefaults> {
        match mode {
            Mode::Data => self.config.mock_data.get(ty),
            _ => self.config.mock_resources.get(ty),
        }
    }

    fn data(&self, mode: Mode, ty: &str) -> MockData<'_> {
        let d = self.defaults(mode, ty);
        let during = d.and_then(|d| d.during).or(self.config.during);
        MockData {
            with: d.map(|d| &d.defaults),
            range: d.and_then(|d| d.range.as_ref()),
            at_plan: mode == Mode::Data || during == Some(Phase::Plan),
        }
    }

    /// Fill computed values of a `ty` object (with the schema when known);
    /// mock data that does not fit is the call's error.
    fn fill_checked(
        &self,
        mode: Mode,
        ty: &str,
        v: &Value,
        data: &MockData<'_>,
        plan: bool,
    ) -> Result<Value, Diagnostic> {
        let before = self.diags.lock().unwrap_or_else(|p| p.into_inner()).len();
        let out = self.fill(mode, ty, v, data, plan);
        let mut diags = self.diags.lock().unwrap_or_else(|p| p.into_inner());
        match diags[before..].iter().position(Diagnostic::is_error) {
            Some(i) => {
                let d = diags.remove(before + i);
                diags.retain(|x| !x.is_error());
                Err(d)
            }
            None => Ok(out),
        }
    }

    /// Fill computed values of a `ty` object (with the schema when known).
    pub fn fill(&self, mode: Mode, ty: &str, v: &Value, data: &MockData<'_>, plan: bool) -> Value {
        let mut diags = Vec::new();
        let out = match self.schema.as_ref().and_then(|s| s.get(mode, ty)) {
            Some(schema) => fill_computed(&schema, v, data, &self.generator, plan, &mut diags),
            None => fill_referenced(
                v,
                self.referenced.get(ty),
                data,
                &self.generator,
                plan,
                &mut diags,
            ),
        };
        self.diags
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(diags);
        out
    }

    /// The generator (overrides use the same one, for one seed per run).
    pub fn generator(&self) -> &Generator {
        &self.generator
    }

    /// The configuration from the test file.
    pub fn config(&self) -> &TestProvider {
        &self.config
    }
}

impl Provider for MockProvider {
    fn source(&self) -> &str {
        &self.source
    }

    fn schema(&self, mode: Mode, ty: &str) -> Option<Arc<Schema>> {
        self.schema.as_ref()?.get(mode, ty)
    }

    fn has(&self, _mode: Mode, _ty: &str) -> bool {
        true
    }

    fn plan(&self, req: &PlanRequest<'_>) -> Result<Planned, Diagnostic> {
        if let Some(prior) = req.prior {
            // An update keeps what the provider computed before.
            let mut out = req.config.as_entries().cloned().unwrap_or_default();
            if let Some(p) = prior.as_entries() {
                for (k, v) in p {
                    let keep = out.get(k).is_none_or(Value::is_null);
                    if keep {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            return Ok(Planned {
                value: Value::object(out),
                replace: false,
            });
        }
        let data = self.data(Mode::Managed, req.ty);
        Ok(Planned {
            value: self.fill_checked(Mode::Managed, req.ty, req.config, &data, true)?,
            replace: false,
        })
    }

    fn apply(
        &self,
        ty: &str,
        planned: &Value,
        _prior: Option<&Value>,
    ) -> Result<Value, Diagnostic> {
        let data = self.data(Mode::Managed, ty);
        self.fill_checked(Mode::Managed, ty, planned, &data, false)
    }

    fn read(&self, ty: &str, config: &Value) -> Result<Value, Diagnostic> {
        let data = self.data(Mode::Data, ty);
        self.fill_checked(Mode::Data, ty, config, &data, true)
    }

    fn is_mock(&self) -> bool {
        true
    }
}
