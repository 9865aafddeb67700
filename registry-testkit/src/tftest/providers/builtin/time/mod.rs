//! `hashicorp/time` (0.x): `time_offset`, `time_rotating`, `time_sleep` and
//! `time_static`, with the provider's arithmetic (`offset_months` and
//! `offset_years` normalise as Go's `AddDate` does: January 31st plus a
//! month is March 2nd or 3rd).
//!
//! `time_sleep` does not sleep: a test engine has no use for waiting, and
//! suites must stay fast. Its durations are validated as the provider
//! validates them and kept in state; `create_duration` and
//! `destroy_duration` take no time at all.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, SecondsFormat, Timelike, Utc};

use super::common::{
    PlanRules, Set, Table, error, fill, get, get_i64, get_str, plan_resource, schema,
};
use crate::tftest::config::Mode;
use crate::tftest::diag::Diagnostic;
use crate::tftest::providers::schema::Schema;
use crate::tftest::providers::{PlanRequest, Planned, Provider};
use crate::tftest::value::{Type, Value};

const PARTS: [&str; 7] = ["year", "month", "day", "hour", "minute", "second", "unix"];
const OFFSETS: [&str; 6] = [
    "offset_seconds",
    "offset_minutes",
    "offset_hours",
    "offset_days",
    "offset_months",
    "offset_years",
];
const ROTATIONS: [&str; 6] = [
    "rotation_minutes",
    "rotation_hours",
    "rotation_days",
    "rotation_months",
    "rotation_years",
    "rotation_rfc3339",
];

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let triggers = ("triggers", Type::map(Type::String), Set::Optional, false);
        let id = ("id", Type::String, Set::Computed, false);
        let parts = || PARTS.map(|p| (p, Type::Number, Set::Computed, false));
        let mut stat = vec![
            triggers.clone(),
            id.clone(),
            ("rfc3339", Type::String, Set::OptionalComputed, false),
        ];
        stat.extend(parts());
        let mut offset = vec![
            triggers.clone(),
            id.clone(),
            ("base_rfc3339", Type::String, Set::OptionalComputed, false),
            ("rfc3339", Type::String, Set::Computed, false),
        ];
        offset.extend(OFFSETS.map(|o| (o, Type::Number, Set::Optional, false)));
        offset.extend(parts());
        let mut rotating = vec![
            triggers.clone(),
            id.clone(),
            ("rfc3339", Type::String, Set::OptionalComputed, false),
            (
                "rotation_rfc3339",
                Type::String,
                Set::OptionalComputed,
                false,
            ),
        ];
        rotating.extend(
            ROTATIONS[..5]
                .iter()
                .map(|o| (*o, Type::Number, Set::Optional, false)),
        );
        rotating.extend(parts());
        let sleep = vec![
            triggers,
            id,
            ("create_duration", Type::String, Set::Optional, false),
            ("destroy_duration", Type::String, Set::Optional, false),
        ];
        Table::from([
            ("time_static", Arc::new(schema(&stat))),
            ("time_offset", Arc::new(schema(&offset))),
            ("time_rotating", Arc::new(schema(&rotating))),
            ("time_sleep", Arc::new(schema(&sleep))),
        ])
    })
}

/// `hashicorp/time`.
#[derive(Debug)]
pub struct Time {
    /// Unused: time values come from the clock, not a generator.
    _seed: u64,
}

impl Time {
    /// The provider (`seed` is unused: its values come from the clock).
    pub fn new(seed: u64) -> Self {
        Time { _seed: seed }
    }
}

/// Now, to the second, as the provider's timestamps are.
fn now() -> DateTime<FixedOffset> {
    let n = Utc::now();
    n.with_nanosecond(0).unwrap_or(n).fixed_offset()
}

/// A timestamp as Go's `time.RFC3339` formats it.
pub fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse(attr: &str, s: &str) -> Result<DateTime<FixedOffset>, Diagnostic> {
    DateTime::parse_from_rfc3339(s).map_err(|e| {
        error(
            "Invalid Attribute Value",
            format!("Attribute {attr} value must be a string in RFC3339 format, got: {s} ({e})"),
        )
    })
}

/// Go's `t.AddDate(years, months, days)`: the date is normalised (the
/// 31st of a 30-day month is the 1st of the next).
pub fn add_date(
    t: &DateTime<FixedOffset>,
    years: i64,
    months: i64,
    days: i64,
) -> Option<DateTime<FixedOffset>> {
    let total = t.year() as i64 * 12 + t.month0() as i64 + years * 12 + months;
    let (y, m0) = (total.div_euclid(12), total.rem_euclid(12));
    let first = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m0 as u32 + 1, 1)?;
    let date = first.checked_add_signed(Duration::days(t.day() as i64 - 1 + days))?;
    let naive = date.and_time(t.time());
    naive.and_local_timezone(*t.offset()).single()
}

/// `t` moved by the numbers of `keys` (seconds, minutes, hours, days,
/// months, years; an empty key is none).
fn offset(
    t: &DateTime<FixedOffset>,
    c: &Value,
    keys: [&str; 6],
) -> Result<DateTime<FixedOffset>, Diagnostic> {
    let n = |k: &str| {
        if k.is_empty() {
            0
        } else {
            get_i64(c, k).unwrap_or(0)
        }
    };
    let [sec, min, hour, day, month, year] = keys;
    add_date(t, n(year), n(month), n(day))
        .and_then(|d| d.checked_add_signed(Duration::hours(n(hour))))
        .and_then(|d| d.checked_add_signed(Duration::minutes(n(min))))
        .and_then(|d| d.checked_add_signed(Duration::seconds(n(sec))))
        .ok_or_else(|| {
            error(
                "Invalid time offset",
                "The offset timestamp is out of range.",
            )
        })
}

fn offset_of(base: &DateTime<FixedOffset>, c: &Value) -> Result<DateTime<FixedOffset>, Diagnostic> {
    offset(base, c, OFFSETS)
}

fn rotation_of(
    base: &DateTime<FixedOffset>,
    c: &Value,
) -> Result<DateTime<FixedOffset>, Diagnostic> {
    if let Some(r) = get_str(c, "rotation_rfc3339")
        && ROTATIONS[..5].iter().all(|k| get(c, k).is_null())
    {
        return parse("rotation_rfc3339", &r);
    }
    offset(
        base,
        c,
        [
            "",
            "rotation_minutes",
            "rotation_hours",
            "rotation_days",
            "rotation_months",
            "rotation_years",
        ],
    )
}

/// The parts of a timestamp as the provider's attributes.
fn parts(t: &DateTime<FixedOffset>) -> Vec<(&'static str, Value)> {
    vec![
        ("year", Value::number(t.year() as i64)),
        ("month", Value::number(t.month() as i64)),
        ("day", Value::number(t.day() as i64)),
        ("hour", Value::number(t.hour() as i64)),
        ("minute", Value::number(t.minute() as i64)),
        ("second", Value::number(t.second() as i64)),
        ("unix", Value::number(t.timestamp())),
    ]
}

fn at_least_one(c: &Value, keys: &[&str]) -> Result<(), Diagnostic> {
    if keys.iter().all(|k| get(c, k).is_null()) {
        return Err(error(
            "Missing Attribute Configuration",
            format!(
                "At least one attribute out of [{}] must be specified",
                keys.join(",")
            ),
        ));
    }
    Ok(())
}

fn validate_duration(c: &Value, k: &str) -> Result<(), Diagnostic> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"^[0-9]+(\.[0-9]+)?(ms|s|m|h)$").expect("regex"));
    match get_str(c, k) {
        Some(d) if !re.is_match(&d) => Err(error(
            "Invalid Attribute Value Match",
            format!(
                "Attribute {k} must be a number immediately followed by ms (milliseconds), s (seconds), m (minutes), or h (hours). For example, \"30s\" for 30 seconds., got: {d}"
            ),
        )),
        _ => Ok(()),
    }
}

fn validate(ty: &str, c: &Value) -> Result<(), Diagnostic> {
    match ty {
        "time_static" => get_str(c, "rfc3339")
            .map(|s| parse("rfc3339", &s).map(|_| ()))
            .unwrap_or(Ok(())),
        "time_offset" => {
            at_least_one(c, &OFFSETS)?;
            get_str(c, "base_rfc3339")
                .map(|s| parse("base_rfc3339", &s).map(|_| ()))
                .unwrap_or(Ok(()))
        }
        "time_rotating" => {
            at_least_one(c, &ROTATIONS)?;
            for k in ["rfc3339", "rotation_rfc3339"] {
                if let Some(s) = get_str(c, k) {
                    parse(k, &s)?;
                }
            }
            Ok(())
        }
        "time_sleep" => {
            validate_duration(c, "create_duration")?;
            validate_duration(c, "destroy_duration")
        }
        _ => Ok(()),
    }
}

fn unsupported(ty: &str) -> Diagnostic {
    error(
        "Invalid resource type",
        format!("The provider hashicorp/time does not support resource type {ty:?}."),
    )
}

/// `v` with `attrs` set.
fn with(v: &Value, attrs: Vec<(&'static str, Value)>) -> Value {
    let mut m = v.as_entries().cloned().unwrap_or_default();
    for (k, x) in attrs {
        m.insert(k.to_string(), x);
    }
    Value::object(m)
}

impl Time {
    /// The computed attributes of a new instance.
    fn create(&self, ty: &str, p: &Value) -> Result<Vec<(&'static str, Value)>, Diagnostic> {
        let base = |k: &str| match get_str(p, k) {
            Some(s) => parse(k, &s),
            None => Ok(now()),
        };
        Ok(match ty {
            "time_static" => {
                let t = base("rfc3339")?;
                let mut out = vec![
                    ("rfc3339", Value::string(rfc3339(&t))),
                    ("id", Value::string(rfc3339(&t))),
                ];
                out.extend(parts(&t));
                out
            }
            "time_offset" => {
                let b = base("base_rfc3339")?;
                let t = offset_of(&b, p)?;
                let mut out = vec![
                    ("base_rfc3339", Value::string(rfc3339(&b))),
                    ("rfc3339", Value::string(rfc3339(&t))),
                    ("id", Value::string(rfc3339(&t))),
                ];
                out.extend(parts(&t));
                out
            }
            "time_rotating" => {
                let b = base("rfc3339")?;
                let r = rotation_of(&b, p)?;
                let mut out = vec![
                    ("rfc3339", Value::string(rfc3339(&b))),
                    ("rotation_rfc3339", Value::string(rfc3339(&r))),
                    ("id", Value::string(rfc3339(&b))),
                ];
                out.extend(parts(&b));
                out
            }
            "time_sleep" => vec![("id", Value::string(rfc3339(&now())))],
            _ => return Err(unsupported(ty)),
        })
    }
}

impl Provider for Time {
    fn source(&self) -> &str {
        "hashicorp/time"
    }

    fn schema(&self, mode: Mode, ty: &str) -> Option<Arc<Schema>> {
        (mode == Mode::Managed)
            .then(|| table().get(ty).cloned())
            .flatten()
    }

    fn has(&self, mode: Mode, ty: &str) -> bool {
        self.schema(mode, ty).is_some()
    }

    fn plan(&self, req: &PlanRequest<'_>) -> Result<Planned, Diagnostic> {
        let s = table().get(req.ty).ok_or_else(|| unsupported(req.ty))?;
        validate(req.ty, req.config)?;
        let (in_place, prior): (&[&str], Option<&Value>) = match req.ty {
            "time_offset" => (&OFFSETS, req.prior),
            "time_rotating" => {
                // A rotation that is due removes the instance (the
                // provider's read), so it is created anew.
                let due = req.prior.is_some_and(|p| {
                    get_str(p, "rotation_rfc3339")
                        .and_then(|r| DateTime::parse_from_rfc3339(&r).ok())
                        .is_some_and(|r| now() >= r)
                });
                (&ROTATIONS, if due { None } else { req.prior })
            }
            "time_sleep" => (&["create_duration", "destroy_duration"], req.prior),
            _ => (&[], req.prior),
        };
        let rules = PlanRules {
            defaults: &[],
            in_place,
        };
        let mut planned = plan_resource(s, req.config, prior, &rules);
        if req.prior.is_some() && prior.is_none() {
            planned.replace = true;
        }
        // An update of the offsets (or rotation) shows its new values at plan.
        if let (Some(p), false) = (prior, planned.replace) {
            let changed = in_place
                .iter()
                .any(|k| !get(req.config, k).same(&get(p, k)));
            match req.ty {
                "time_offset" if changed => {
                    let b = parse(
                        "base_rfc3339",
                        &get_str(&planned.value, "base_rfc3339").unwrap_or_default(),
                    )?;
                    let t = offset_of(&b, &planned.value)?;
                    let mut attrs = vec![
                        ("rfc3339", Value::string(rfc3339(&t))),
                        ("id", Value::string(rfc3339(&t))),
                    ];
                    attrs.extend(parts(&t));
                    planned.value = with(&planned.value, attrs);
                }
                "time_rotating" if changed => {
                    let b = parse(
                        "rfc3339",
                        &get_str(&planned.value, "rfc3339").unwrap_or_default(),
                    )?;
                    let mut c = planned.value.clone();
                    if get(req.config, "rotation_rfc3339").is_null() {
                        c = with(&c, vec![("rotation_rfc3339", Value::null(Type::String))]);
                    }
                    let r = rotation_of(&b, &c)?;
                    planned.value = with(
                        &planned.value,
                        vec![("rotation_rfc3339", Value::string(rfc3339(&r)))],
                    );
                }
                _ => {}
            }
        }
        Ok(planned)
    }

    fn apply(
        &self,
        ty: &str,
        planned: &Value,
        _prior: Option<&Value>,
    ) -> Result<Value, Diagnostic> {
        let s = table().get(ty).ok_or_else(|| unsupported(ty))?;
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
            format!("The time provider has no data source {ty:?}."),
        ))
    }
}

#[cfg(test)]
mod tests;
