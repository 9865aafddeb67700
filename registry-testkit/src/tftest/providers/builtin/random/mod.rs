//! `hashicorp/random` (3.x): `random_bytes`, `random_id`, `random_integer`,
//! `random_password`, `random_pet`, `random_shuffle`, `random_string`,
//! `random_uuid`, and the ephemeral `random_password`. Every argument
//! forces a new value when it changes (`keepers` included); results are
//! unknown until apply, drawn from the engine's seed (`seed` arguments
//! give the same result whatever the engine's seed).

mod words;

use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;

use super::common::{
    PlanRules, Set, Table, decimal, error, fill, get, get_bool, get_i64, get_str, get_strings,
    invalid_value, mark_sensitive, plan_resource, schema,
};
use super::rng::SeededRng;
use crate::tftest::config::Mode;
use crate::tftest::diag::Diagnostic;
use crate::tftest::providers::schema::Schema;
use crate::tftest::providers::{PlanRequest, Planned, Provider};
use crate::tftest::value::{Marks, Number, Type, Value};

const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

/// The cost the provider hashes with (Go's `bcrypt.DefaultCost`).
const GO_BCRYPT_DEFAULT_COST: u32 = 10;

fn keepers() -> (&'static str, Type, Set, bool) {
    ("keepers", Type::map(Type::String), Set::Optional, false)
}

/// The string and password attributes (`password` adds `bcrypt_hash`;
/// the ephemeral password has neither `keepers`, `number` nor `id`).
fn string_rows(password: bool, ephemeral: bool) -> Vec<(&'static str, Type, Set, bool)> {
    let mut rows = vec![
        ("length", Type::Number, Set::Required, false),
        ("special", Type::Bool, Set::OptionalComputed, false),
        ("upper", Type::Bool, Set::OptionalComputed, false),
        ("lower", Type::Bool, Set::OptionalComputed, false),
        ("numeric", Type::Bool, Set::OptionalComputed, false),
        ("min_numeric", Type::Number, Set::OptionalComputed, false),
        ("min_upper", Type::Number, Set::OptionalComputed, false),
        ("min_lower", Type::Number, Set::OptionalComputed, false),
        ("min_special", Type::Number, Set::OptionalComputed, false),
        ("override_special", Type::String, Set::Optional, false),
        ("result", Type::String, Set::Computed, password),
    ];
    if password {
        rows.push(("bcrypt_hash", Type::String, Set::Computed, true));
    }
    if !ephemeral {
        rows.push(keepers());
        rows.push(("number", Type::Bool, Set::OptionalComputed, false));
        rows.push(("id", Type::String, Set::Computed, false));
    }
    rows
}

fn managed() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let s = |rows: Vec<(&'static str, Type, Set, bool)>| Arc::new(schema(&rows));
        Table::from([
            (
                "random_bytes",
                s(vec![
                    keepers(),
                    ("length", Type::Number, Set::Required, false),
                    ("base64", Type::String, Set::Computed, true),
                    ("hex", Type::String, Set::Computed, true),
                ]),
            ),
            (
                "random_id",
                s(vec![
                    keepers(),
                    ("byte_length", Type::Number, Set::Required, false),
                    ("prefix", Type::String, Set::Optional, false),
                    ("b64_url", Type::String, Set::Computed, false),
                    ("b64_std", Type::String, Set::Computed, false),
                    ("hex", Type::String, Set::Computed, false),
                    ("dec", Type::String, Set::Computed, false),
                    ("id", Type::String, Set::Computed, false),
                ]),
            ),
            (
                "random_integer",
                s(vec![
                    keepers(),
                    ("min", Type::Number, Set::Required, false),
                    ("max", Type::Number, Set::Required, false),
                    ("seed", Type::String, Set::Optional, false),
                    ("result", Type::Number, Set::Computed, false),
                    ("id", Type::String, Set::Computed, false),
                ]),
            ),
            ("random_password", s(string_rows(true, false))),
            (
                "random_pet",
                s(vec![
                    keepers(),
                    ("length", Type::Number, Set::OptionalComputed, false),
                    ("prefix", Type::String, Set::Optional, false),
                    ("separator", Type::String, Set::OptionalComputed, false),
                    ("id", Type::String, Set::Computed, false),
                ]),
            ),
            (
                "random_shuffle",
                s(vec![
                    keepers(),
                    ("input", Type::list(Type::String), Set::Required, false),
                    ("result_count", Type::Number, Set::Optional, false),
                    ("seed", Type::String, Set::Optional, false),
                    ("result", Type::list(Type::String), Set::Computed, false),
                    ("id", Type::String, Set::Computed, false),
                ]),
            ),
            ("random_string", s(string_rows(false, false))),
            (
                "random_uuid",
                s(vec![
                    keepers(),
                    ("result", Type::String, Set::Computed, false),
                    ("id", Type::String, Set::Computed, false),
                ]),
            ),
        ])
    })
}

fn ephemeral_password() -> Arc<Schema> {
    static S: OnceLock<Arc<Schema>> = OnceLock::new();
    S.get_or_init(|| Arc::new(schema(&string_rows(true, true))))
        .clone()
}

/// `hashicorp/random`.
#[derive(Debug)]
pub struct Random {
    rng: Mutex<SeededRng>,
}

impl Random {
    /// The provider, its values drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Random {
            rng: Mutex::new(SeededRng::new(seed, "hashicorp/random")),
        }
    }

    fn rng(&self) -> std::sync::MutexGuard<'_, SeededRng> {
        self.rng.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A generator for a `seed` argument (the same seed, the same result)
    /// or, without one, the provider's.
    fn seeded(&self, seed: Option<String>) -> SeededRng {
        match seed {
            Some(s) if !s.is_empty() => SeededRng::new(0, &format!("seed:{s}")),
            _ => self.rng().fork("unseeded"),
        }
    }
}

fn bool_default(ty: &str) -> Vec<(&'static str, Value)> {
    match ty {
        "random_string" | "random_password" => vec![
            ("special", Value::bool(true)),
            ("upper", Value::bool(true)),
            ("lower", Value::bool(true)),
            ("min_numeric", Value::number(0)),
            ("min_upper", Value::number(0)),
            ("min_lower", Value::number(0)),
            ("min_special", Value::number(0)),
        ],
        "random_pet" => vec![
            ("length", Value::number(2)),
            ("separator", Value::string("-")),
        ],
        _ => Vec::new(),
    }
}

/// `number` and `numeric` follow each other (`number` is deprecated).
fn numeric_of(config: &Value) -> Result<bool, Diagnostic> {
    match (get_bool(config, "numeric"), get_bool(config, "number")) {
        (Some(a), Some(b)) if a != b => Err(error(
            "Number and numeric are both configured with different values",
            "Number is deprecated, use numeric instead",
        )),
        (Some(a), _) | (None, Some(a)) => Ok(a),
        (None, None) => Ok(true),
    }
}

fn at_least(config: &Value, name: &str, min: i64) -> Result<(), Diagnostic> {
    match get_i64(config, name) {
        Some(n) if n < min => Err(invalid_value(
            name,
            &format!("value must be at least {min}"),
            n,
        )),
        _ => Ok(()),
    }
}

/// The validation the provider's schema does at plan.
fn validate(ty: &str, config: &Value) -> Result<(), Diagnostic> {
    match ty {
        "random_string" | "random_password" => {
            at_least(config, "length", 1)?;
            let mins: Option<i64> = ["min_upper", "min_lower", "min_numeric", "min_special"]
                .iter()
                .map(|k| match get(config, k) {
                    v if v.is_null() => Some(0),
                    v => v.as_number().and_then(Number::to_i64),
                })
                .sum();
            if let (Some(len), Some(sum)) = (get_i64(config, "length"), mins)
                && len < sum
            {
                return Err(invalid_value(
                    "length",
                    "value must be at least sum of min_upper + min_lower + min_numeric + min_special",
                    len,
                ));
            }
            numeric_of(config).map(|_| ())
        }
        "random_bytes" => at_least(config, "length", 1),
        "random_id" => at_least(config, "byte_length", 1),
        "random_pet" => at_least(config, "length", 1),
        "random_shuffle" => at_least(config, "result_count", 0),
        _ => Ok(()),
    }
}

/// A random string as `random_string` makes one: the minimum counts of
/// each class first, the rest from every enabled class, shuffled.
fn random_string(rng: &mut SeededRng, config: &Value) -> Result<String, Diagnostic> {
    let length = get_i64(config, "length").unwrap_or(0).max(0) as usize;
    let n = |k: &str| get_i64(config, k).unwrap_or(0).max(0) as usize;
    let special = match get_str(config, "override_special") {
        Some(s) if !s.is_empty() => s,
        _ => SPECIAL.to_string(),
    };
    let classes: [(&str, bool, usize); 4] = [
        (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            get_bool(config, "upper").unwrap_or(true),
            n("min_upper"),
        ),
        (
            "abcdefghijklmnopqrstuvwxyz",
            get_bool(config, "lower").unwrap_or(true),
            n("min_lower"),
        ),
        ("0123456789", numeric_of(config)?, n("min_numeric")),
        (
            &special,
            get_bool(config, "special").unwrap_or(true),
            n("min_special"),
        ),
    ];
    let mut chars: Vec<char> = Vec::new();
    let mut out: Vec<char> = Vec::new();
    for (set, on, min) in classes {
        let set: Vec<char> = set.chars().collect();
        for _ in 0..min {
            out.push(set[rng.below(set.len() as u64) as usize]);
        }
        if on {
            chars.extend(set);
        }
    }
    let rest = length.saturating_sub(out.len());
    if rest > 0 && chars.is_empty() {
        return Err(error(
            "Random Read Error",
            "There was an error during random string generation.\n\nOriginal Error: no characters to choose from: upper, lower, numeric and special are all false",
        ));
    }
    for _ in 0..rest {
        out.push(chars[rng.below(chars.len() as u64) as usize]);
    }
    let order = rng.permutation(out.len());
    Ok(order.into_iter().map(|i| out[i]).collect())
}

fn bcrypt_hash(rng: &mut SeededRng, s: &str) -> Result<String, Diagnostic> {
    let mut salt = [0u8; 16];
    rng.fill(&mut salt);
    bcrypt::hash_with_salt(s, GO_BCRYPT_DEFAULT_COST, salt)
        .map(|h| h.format_for_version(bcrypt::Version::TwoA))
        .map_err(|e| {
            error(
                "Hash Generation Error",
                format!("There was an error generating the bcrypt hash of the result.\n\nOriginal Error: {e}"),
            )
        })
}

fn pet_name(rng: &mut SeededRng, words: usize, separator: &str) -> String {
    let mut pick = |list: &[&str]| list[rng.below(list.len() as u64) as usize].to_string();
    let mut parts = Vec::new();
    for _ in 2..words {
        parts.push(pick(words::ADVERBS));
    }
    if words >= 2 {
        parts.push(pick(words::ADJECTIVES));
    }
    parts.push(pick(words::NAMES));
    parts.join(separator)
}

fn uuid(rng: &mut SeededRng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

impl Random {
    /// The computed attributes of a new instance.
    fn create(&self, ty: &str, c: &Value) -> Result<Vec<(&'static str, Value)>, Diagnostic> {
        Ok(match ty {
            "random_string" | "random_password" => {
                let mut rng = self.rng().fork(ty);
                let s = random_string(&mut rng, c)?;
                let numeric = Value::bool(numeric_of(c)?);
                let mut out = vec![
                    ("numeric", numeric.clone()),
                    ("number", numeric),
                    ("result", Value::string(s.clone())),
                    (
                        "id",
                        Value::string(if ty == "random_string" {
                            s.clone()
                        } else {
                            "none".into()
                        }),
                    ),
                ];
                if ty == "random_password" {
                    out.push(("bcrypt_hash", Value::string(bcrypt_hash(&mut rng, &s)?)));
                }
                out
            }
            "random_bytes" => {
                let b = self
                    .rng()
                    .bytes(get_i64(c, "length").unwrap_or(1).max(1) as usize);
                vec![
                    (
                        "base64",
                        Value::string(base64::engine::general_purpose::STANDARD.encode(&b)),
                    ),
                    ("hex", Value::string(hex::encode(&b))),
                ]
            }
            "random_id" => {
                let b = self
                    .rng()
                    .bytes(get_i64(c, "byte_length").unwrap_or(1).max(1) as usize);
                let prefix = get_str(c, "prefix").unwrap_or_default();
                let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&b);
                vec![
                    ("id", Value::string(url.clone())),
                    ("b64_url", Value::string(format!("{prefix}{url}"))),
                    (
                        "b64_std",
                        Value::string(format!(
                            "{prefix}{}",
                            base64::engine::general_purpose::STANDARD.encode(&b)
                        )),
                    ),
                    ("hex", Value::string(format!("{prefix}{}", hex::encode(&b)))),
                    ("dec", Value::string(format!("{prefix}{}", decimal(&b)))),
                ]
            }
            "random_integer" => {
                let (min, max) = (
                    get_i64(c, "min").unwrap_or(0),
                    get_i64(c, "max").unwrap_or(0),
                );
                if max < min {
                    return Err(error(
                        "Create Random Integer Error",
                        "The minimum (min) value needs to be smaller than or equal to maximum (max) value.",
                    ));
                }
                let n = self.seeded(get_str(c, "seed")).between(min, max);
                vec![
                    ("result", Value::number(n)),
                    ("id", Value::string(n.to_string())),
                ]
            }
            "random_pet" => {
                let words = get_i64(c, "length").unwrap_or(2).max(1) as usize;
                let sep = get_str(c, "separator").unwrap_or_else(|| "-".into());
                let pet = pet_name(&mut self.rng(), words, &sep);
                let id = match get_str(c, "prefix") {
                    Some(p) => format!("{p}{sep}{pet}"),
                    None => pet,
                };
                vec![("id", Value::string(id))]
            }
            "random_shuffle" => {
                let input = get_strings(c, "input");
                let count = match get_i64(c, "result_count") {
                    Some(n) if n > 0 => n as usize,
                    _ => input.len(),
                };
                let mut rng = self.seeded(get_str(c, "seed"));
                let mut result = Vec::with_capacity(count);
                while !input.is_empty() && result.len() < count {
                    for i in rng.permutation(input.len()) {
                        if result.len() >= count {
                            break;
                        }
                        result.push(Value::string(input[i].clone()));
                    }
                }
                vec![
                    ("result", Value::list(Type::String, result)),
                    ("id", Value::string("-")),
                ]
            }
            "random_uuid" => {
                let u = uuid(&mut self.rng());
                vec![
                    ("result", Value::string(u.clone())),
                    ("id", Value::string(u)),
                ]
            }
            _ => return Err(unsupported(ty)),
        })
    }
}

fn unsupported(ty: &str) -> Diagnostic {
    error(
        "Invalid resource type",
        format!("The provider hashicorp/random does not support resource type {ty:?}."),
    )
}

/// Whether a configuration or planned value is of the ephemeral
/// `random_password` (the engine's plan request does not carry the mode;
/// the ephemeral schema has no `keepers`).
fn is_ephemeral(ty: &str, v: &Value) -> bool {
    ty == "random_password" && v.as_entries().is_some_and(|m| !m.contains_key("keepers"))
}

fn ephemeral(v: Value) -> Value {
    let marks = Marks {
        sensitive: false,
        ephemeral: true,
    };
    match v.as_entries() {
        Some(m) => Value::object(
            m.iter()
                .map(|(k, x)| (k.clone(), x.clone().with_marks(marks)))
                .collect(),
        )
        .with_marks(marks),
        None => v.with_marks(marks),
    }
}

impl Provider for Random {
    fn source(&self) -> &str {
        "hashicorp/random"
    }

    fn schema(&self, mode: Mode, ty: &str) -> Option<Arc<Schema>> {
        match mode {
            Mode::Managed => managed().get(ty).cloned(),
            Mode::Ephemeral if ty == "random_password" => Some(ephemeral_password()),
            _ => None,
        }
    }

    fn has(&self, mode: Mode, ty: &str) -> bool {
        self.schema(mode, ty).is_some()
    }

    fn plan(&self, req: &PlanRequest<'_>) -> Result<Planned, Diagnostic> {
        validate(req.ty, req.config)?;
        let defaults = bool_default(req.ty);
        let rules = PlanRules {
            defaults: &defaults,
            in_place: &[],
        };
        if is_ephemeral(req.ty, req.config) {
            // Ephemeral resources are opened while planning: the value is
            // known at once, and never kept.
            let s = ephemeral_password();
            let planned = plan_resource(&s, req.config, None, &rules);
            let value = self.apply(req.ty, &planned.value, None)?;
            return Ok(Planned {
                value,
                replace: false,
            });
        }
        let s = managed().get(req.ty).ok_or_else(|| unsupported(req.ty))?;
        let mut planned = plan_resource(s, req.config, req.prior, &rules);
        // `number` and `numeric` are known at plan, following each other.
        if matches!(req.ty, "random_string" | "random_password")
            && let Some(m) = planned.value.as_entries()
        {
            let mut m = m.clone();
            let n = Value::bool(numeric_of(req.config)?);
            m.insert("numeric".into(), n.clone());
            m.insert("number".into(), n);
            planned.value = mark_sensitive(s, &Value::object(m));
        }
        Ok(planned)
    }

    fn apply(
        &self,
        ty: &str,
        planned: &Value,
        _prior: Option<&Value>,
    ) -> Result<Value, Diagnostic> {
        if is_ephemeral(ty, planned) {
            if planned.is_wholly_known() {
                return Ok(planned.clone());
            }
            let s = ephemeral_password();
            let computed = self.create(ty, planned)?;
            let v = fill(&s, planned, |k| {
                computed
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.clone())
            });
            return Ok(ephemeral(v));
        }
        let s = managed().get(ty).ok_or_else(|| unsupported(ty))?;
        if planned.is_wholly_known() {
            return Ok(planned.clone());
        }
        let computed = self.create(ty, planned)?;
        Ok(fill(s, planned, |k| {
            computed
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.clone())
        }))
    }

    fn read(&self, ty: &str, _config: &Value) -> Result<Value, Diagnostic> {
        Err(error(
            "Unsupported data source",
            format!("The random provider has no data source {ty:?}."),
        ))
    }
}

#[cfg(test)]
mod tests;
