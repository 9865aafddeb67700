//! Resources, data sources and ephemeral resources: expanded by `count` /
//! `for_each`, configured, planned (by their provider or an override),
//! applied, with pre- and postconditions; their instances kept in state.

use std::sync::Arc;

use super::body::config_value;
use super::conditions::self_locals;
use super::nodes::{Evaluation, Key, collect};
use super::{InstanceState, Overrides, Phase};
use crate::tftest::config::{Mode, Resource};
use crate::tftest::diag::{Diagnostic, Severity};
use crate::tftest::eval::EvalCtx;
use crate::tftest::providers::mock::{MockData, fill_computed, fill_referenced};
use crate::tftest::providers::{PlanRequest, Provider, Schema, fill_unknowns};
use crate::tftest::testfile::{Override, OverrideKind};
use crate::tftest::value::{Type, Value};

impl Evaluation<'_, '_> {
    pub(super) fn resource(&mut self, addr: &str) {
        let r = self.module.resources[addr].clone();
        let before = self.result.diagnostics.len();
        let address = format!("{}{addr}", self.path);
        let (keys, expanded) =
            match self.expand(r.count.as_ref(), r.for_each.as_ref(), "resource", &address) {
                Ok(k) => k,
                Err(d) => return self.error(d.in_context(Some(&r.block.context()))),
            };
        let mut instances = Vec::new();
        for key in keys {
            match self.instance(&r, &key) {
                Some(v) => instances.push((key, v)),
                None => instances.push((key, Value::unknown(Type::Dynamic))),
            }
        }
        // Errors of a data source scoped in a check block are the check's warnings.
        if let Some(check) = &r.in_check {
            let failed = self.result.diagnostics[before..]
                .iter()
                .any(|d| d.is_error());
            for d in &mut self.result.diagnostics[before..] {
                d.severity = Severity::Warning;
            }
            if failed {
                self.result.checks.insert(check.clone(), Some(false));
            }
        }
        self.result
            .resources
            .insert(addr.to_string(), collect(instances, expanded));
    }

    fn instance(&mut self, r: &Resource, key: &Key) -> Option<Value> {
        let context = r.block.context();
        let resource_addr = format!("{}{}", self.path, r.address());
        let instance_addr = format!("{resource_addr}{}", key.suffix());
        self.instance = instance_addr.clone();
        if self.untargeted.contains(&r.address()) {
            // Not planned: it stays as the state has it.
            return Some(match self.env.prior.get(&instance_addr) {
                Some(s) => {
                    self.result.state.insert(instance_addr, s.clone());
                    s.value.clone()
                }
                None => Value::unknown(Type::Dynamic),
            });
        }
        let kind = match r.mode {
            Mode::Data => OverrideKind::Data,
            _ => OverrideKind::Resource,
        };
        let over = self
            .env
            .overrides
            .find(kind, &instance_addr, &resource_addr)
            .cloned();
        let provider = match self.env.providers.resolve(
            self.module,
            self.path,
            &r.provider_name(),
            r.provider.as_ref().and_then(|(_, a)| a.as_deref()),
        ) {
            Ok(p) => Some(p),
            // An override needs no provider.
            Err(_) if over.is_some() => None,
            Err(d) => {
                self.error(d.at(r.block.header.clone()).in_context(Some(&context)));
                return None;
            }
        };
        let schema = provider.as_ref().and_then(|p| p.schema(r.mode, &r.ty));
        // An overridden object never reaches its provider.
        if let (Some(p), None) = (&provider, &schema)
            && over.is_none()
            && !p.is_mock()
            && !p.has(r.mode, &r.ty)
        {
            self.error(
                Diagnostic::error(
                    "Invalid resource type",
                    format!(
                        "The provider {} does not support resource type {:?}.",
                        p.source(),
                        r.ty
                    ),
                )
                .at(r.block.header.clone()),
            );
            return None;
        }
        let key_locals = key.locals();
        let file = block_file(&r.block);
        let config = {
            let scope = self.scope();
            let cx = EvalCtx::new(&file, &scope, self.env.functions).in_block(Some(&context));
            let cx = cx.with_locals(&key_locals);
            config_value(&r.body, schema.as_deref(), &cx)
        };
        let config = match config {
            Ok(c) => c,
            Err(d) => {
                self.error(d);
                return None;
            }
        };
        if !self.conditions(
            &r.preconditions,
            &r.address(),
            &context,
            Some(&key_locals),
            "Resource precondition failed",
        ) {
            return None;
        }
        let value = match r.mode {
            Mode::Data => self.read_data(
                r,
                &config,
                over.as_ref(),
                provider.as_ref(),
                schema.as_deref(),
            )?,
            Mode::Managed | Mode::Ephemeral => {
                let prior = if self
                    .env
                    .replace
                    .iter()
                    .any(|x| x == &instance_addr || x == &resource_addr)
                {
                    None
                } else {
                    match self.env.prior.get(&instance_addr) {
                        Some(s) => Some(s.value.clone()),
                        None => self.imported(r, &instance_addr, provider.as_ref())?,
                    }
                };
                if self.env.refresh_only {
                    prior
                        .clone()
                        .unwrap_or_else(|| Value::unknown(Type::Dynamic))
                } else {
                    self.plan_and_apply(
                        r,
                        &config,
                        prior.as_ref(),
                        over.as_ref(),
                        provider.as_ref(),
                        schema.as_deref(),
                    )?
                }
            }
        };
        let mut post_locals = self_locals(&value);
        key.bind(&mut post_locals);
        self.conditions(
            &r.postconditions,
            &r.address(),
            &context,
            Some(&post_locals),
            "Resource postcondition failed",
        );
        if r.mode == Mode::Managed && self.env.phase == Phase::Apply && value.is_wholly_known() {
            self.result.state.insert(
                instance_addr,
                InstanceState {
                    mode: r.mode,
                    ty: r.ty.clone(),
                    provider: provider
                        .as_ref()
                        .map(|p| p.source().to_string())
                        .unwrap_or_default(),
                    value: value.clone(),
                },
            );
        } else if r.mode == Mode::Managed
            && let Some(prior) = self.env.prior.get(&instance_addr)
        {
            // A plan keeps the state as it was.
            self.result.state.insert(instance_addr, prior.clone());
        }
        Some(value)
    }

    /// The object an `import` block brings into `instance_addr` (root
    /// module only, as Terraform allows), read through its provider;
    /// `Some(None)` when nothing imports into it, `None` on an error.
    fn imported(
        &mut self,
        r: &Resource,
        instance_addr: &str,
        provider: Option<&Arc<dyn Provider>>,
    ) -> Option<Option<Value>> {
        if !self.path.is_empty() {
            return Some(None);
        }
        let Some(import) = self.module.imports.iter().find(|i| i.to == instance_addr) else {
            return Some(None);
        };
        let id = {
            let scope = self.scope();
            let cx = EvalCtx::new(&import.id.file, &scope, self.env.functions);
            crate::tftest::eval::eval(&import.id.expr, &cx)
        };
        let id = match id {
            Ok(v) => match v.as_str() {
                Some(s) => s.to_string(),
                None => {
                    self.error(
                        Diagnostic::error(
                            "Invalid import id argument",
                            "The import ID must be a known string.",
                        )
                        .at(import.id.range()),
                    );
                    return None;
                }
            },
            Err(d) => {
                self.error(d);
                return None;
            }
        };
        let Some(p) = provider else {
            return Some(None);
        };
        match p.import(&r.ty, &id) {
            Ok(v) => Some(Some(v)),
            Err(d) => {
                self.provider_error(r, d);
                None
            }
        }
    }

    /// A provider's (or mock's) error about an instance, placed as
    /// Terraform places them: the instance's address, and the start of
    /// its block's body.
    fn provider_error(&mut self, r: &Resource, d: Diagnostic) {
        let d = d
            .at(body_start(&r.block).or(r.block.header.clone()))
            .in_context(Some(&r.block.context()))
            .with_address(self.instance.clone());
        self.error(d);
    }

    fn override_data<'o>(&self, o: &'o Override, at_plan: bool) -> MockData<'o> {
        MockData {
            with: Some(&o.values),
            range: o.values_range.as_ref(),
            at_plan,
        }
    }

    fn fill(
        &mut self,
        r: &Resource,
        schema: Option<&Schema>,
        v: &Value,
        data: &MockData<'_>,
        plan: bool,
    ) -> Value {
        let mut diags = Vec::new();
        let out = match schema {
            Some(s) => fill_computed(s, v, data, self.env.generator, plan, &mut diags),
            None => fill_referenced(
                v,
                self.env.referenced.get(&r.ty),
                data,
                self.env.generator,
                plan,
                &mut diags,
            ),
        };
        for d in diags {
            self.provider_error(r, d);
        }
        out
    }

    fn read_data(
        &mut self,
        r: &Resource,
        config: &Value,
        over: Option<&Override>,
        provider: Option<&Arc<dyn Provider>>,
        schema: Option<&Schema>,
    ) -> Option<Value> {
        if self.env.phase == Phase::Plan && !config.is_wholly_known() {
            // Read during apply, once the configuration is known.
            let data = MockData {
                with: None,
                range: None,
                at_plan: false,
            };
            return Some(self.fill(r, schema, config, &data, true));
        }
        if let Some(o) = over {
            let data = self.override_data(o, true);
            return Some(self.fill(r, schema, config, &data, true));
        }
        match provider?.read(&r.ty, config) {
            Ok(v) => Some(v),
            Err(d) => {
                self.provider_error(r, d);
                None
            }
        }
    }

    fn plan_and_apply(
        &mut self,
        r: &Resource,
        config: &Value,
        prior: Option<&Value>,
        over: Option<&Override>,
        provider: Option<&Arc<dyn Provider>>,
        schema: Option<&Schema>,
    ) -> Option<Value> {
        if let Some(o) = over {
            let at_plan = Overrides::at_plan(o, None);
            let planned = match prior {
                Some(p) => keep_computed(config, p),
                None => {
                    let data = self.override_data(o, at_plan);
                    self.fill(r, schema, config, &data, true)
                }
            };
            if self.env.phase == Phase::Plan {
                return Some(planned);
            }
            let data = self.override_data(o, true);
            return Some(self.fill(r, schema, &planned, &data, false));
        }
        let p = provider?;
        let planned = match p.plan(&PlanRequest {
            ty: &r.ty,
            config,
            prior,
        }) {
            Ok(pl) => pl,
            Err(d) => {
                self.provider_error(r, d);
                return None;
            }
        };
        if self.env.phase == Phase::Plan {
            return Some(planned.value);
        }
        let prior = if planned.replace { None } else { prior };
        match p.apply(&r.ty, &planned.value, prior) {
            Ok(v) => Some(fill_unknowns(&v, &|t| Value::null(t.clone()))),
            Err(d) => {
                self.provider_error(r, d);
                None
            }
        }
    }
}

/// The file a block is in.
pub(super) fn block_file(
    b: &crate::tftest::config::body::Block,
) -> Arc<crate::tftest::diag::SourceFile> {
    b.header
        .as_ref()
        .or(b.range.as_ref())
        .map(|r| r.file.clone())
        .or_else(|| b.body.attrs.values().next().map(|a| a.expr.file.clone()))
        .unwrap_or_else(|| crate::tftest::diag::SourceFile::new("<config>", ""))
}

/// The (empty) range at a block's opening brace, where Terraform points
/// diagnostics about attributes the configuration does not set.
fn body_start(b: &crate::tftest::config::body::Block) -> Option<crate::tftest::diag::SourceRange> {
    let h = b.header.as_ref()?;
    let brace = h.end.byte + h.file.text.get(h.end.byte..)?.find('{')?;
    Some(h.file.range(brace..brace))
}

/// An update's plan: the configuration, with what was computed before for
/// attributes it does not set.
fn keep_computed(config: &Value, prior: &Value) -> Value {
    let mut out = config.as_entries().cloned().unwrap_or_default();
    if let Some(p) = prior.as_entries() {
        for (k, v) in p {
            if out.get(k).is_none_or(Value::is_null) {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::object(out)
}
