//! Providers the engine runs in-process: mock providers generating what
//! Terraform's mocks generate (from a provider schema when one is known),
//! and the utility providers real suites use unmocked (`terraform`,
//! `null`, `random`, `time`, `tls`, `local`).

pub mod builtin;
pub mod mock;
pub mod schema;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::tftest::config::Mode;
use crate::tftest::diag::Diagnostic;
use crate::tftest::value::{Kind, Type, Value};

pub use schema::{Attribute, Nesting, Schema, Schemas};

/// A plan for one resource instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The planned state (computed attributes unknown until apply).
    pub value: Value,
    /// The change replaces the instance.
    pub replace: bool,
}

/// What a planning call knows.
#[derive(Debug, Clone)]
pub struct PlanRequest<'a> {
    /// The resource type.
    pub ty: &'a str,
    /// The configuration (every attribute; null where not set).
    pub config: &'a Value,
    /// The prior state, when the instance exists.
    pub prior: Option<&'a Value>,
}

/// A provider.
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// Its source (`hashicorp/aws`).
    fn source(&self) -> &str;
    /// The schema of a type, when known.
    fn schema(&self, mode: Mode, ty: &str) -> Option<Arc<Schema>>;
    /// Whether it offers a type at all (a mock offers every type).
    fn has(&self, mode: Mode, ty: &str) -> bool;
    /// Plan a managed (or ephemeral) resource instance.
    fn plan(&self, req: &PlanRequest<'_>) -> Result<Planned, Diagnostic>;
    /// Apply a plan; the new state.
    fn apply(&self, ty: &str, planned: &Value, prior: Option<&Value>) -> Result<Value, Diagnostic>;
    /// Read a data source.
    fn read(&self, ty: &str, config: &Value) -> Result<Value, Diagnostic>;
    /// The object with this id, for an `import` block.
    fn import(&self, ty: &str, id: &str) -> Result<Value, Diagnostic> {
        Err(Diagnostic::error(
            "Resource type does not support import",
            format!(
                "The test engine cannot import {ty} (id {id:?}): {} does not support import here.",
                self.source()
            ),
        ))
    }
    /// Destroy an instance (side effects only; state is dropped by the caller).
    fn destroy(&self, _ty: &str, _state: &Value) -> Result<(), Diagnostic> {
        Ok(())
    }
    /// Whether this is a mock.
    fn is_mock(&self) -> bool {
        false
    }
}

/// A seeded generator of the values Terraform's mocks generate:
/// strings of 8 characters from `[a-z0-9]`.
#[derive(Debug)]
pub struct Generator {
    state: std::sync::Mutex<u64>,
}

impl Generator {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Generator {
            state: std::sync::Mutex::new(seed ^ 0x9e37_79b9_7f4a_7c15),
        }
    }

    fn next(&self) -> u64 {
        // splitmix64: small, fast, deterministic.
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        *s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A string of `n` characters from `[a-z0-9]`.
    pub fn string(&self, n: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| CHARS[(self.next() % CHARS.len() as u64) as usize] as char)
            .collect()
    }

    /// A number below `n`.
    pub fn below(&self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// Raw random bytes.
    pub fn bytes(&self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// A generated value of a type, as Terraform's mocks generate one:
    /// 8-character strings, 0, false, empty collections, objects of
    /// generated attributes, null for `dynamic`.
    pub fn value(&self, ty: &Type) -> Value {
        match ty {
            Type::String => Value::string(self.string(8)),
            Type::Number => Value::number(0),
            Type::Bool => Value::bool(false),
            Type::List(e) => Value::list((**e).clone(), Vec::new()),
            Type::Set(e) => Value::set((**e).clone(), Vec::new()),
            Type::Map(e) => Value::map((**e).clone(), BTreeMap::new()),
            Type::Tuple(ts) => Value::tuple(ts.iter().map(|t| self.value(t)).collect()),
            Type::Object(attrs) => Value::object(
                attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), self.value(t)))
                    .collect(),
            ),
            Type::Dynamic => Value::null_dynamic(),
        }
    }
}

/// `v` with every unknown inside replaced by `f(type)`.
pub fn fill_unknowns(v: &Value, f: &dyn Fn(&Type) -> Value) -> Value {
    let marks = v.marks();
    let out = match v.kind() {
        Kind::Unknown { ty, .. } => f(ty),
        Kind::List(t, items) => Value::list(
            t.clone(),
            items.iter().map(|x| fill_unknowns(x, f)).collect(),
        ),
        Kind::Set(t, items) => Value::set(
            t.clone(),
            items.iter().map(|x| fill_unknowns(x, f)).collect(),
        ),
        Kind::Tuple(items) => Value::tuple(items.iter().map(|x| fill_unknowns(x, f)).collect()),
        Kind::Map(t, m) => Value::map(
            t.clone(),
            m.iter()
                .map(|(k, x)| (k.clone(), fill_unknowns(x, f)))
                .collect(),
        ),
        Kind::Object(m) => Value::object(
            m.iter()
                .map(|(k, x)| (k.clone(), fill_unknowns(x, f)))
                .collect(),
        ),
        _ => return v.clone(),
    };
    out.with_marks(marks)
}
