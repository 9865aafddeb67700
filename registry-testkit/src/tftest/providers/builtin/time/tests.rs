//! Time arithmetic, plans and replacement through the `Provider` trait.

use super::*;
use crate::tftest::providers::builtin::common::test_config as config;

fn create(ty: &str, set: &[(&str, Value)]) -> (Planned, Value) {
    let p = Time::new(0);
    let c = config(&p, Mode::Managed, ty, set);
    let planned = p
        .plan(&PlanRequest {
            ty,
            config: &c,
            prior: None,
        })
        .expect("plan");
    let st = p.apply(ty, &planned.value, None).expect("apply");
    (planned, st)
}

#[test]
fn time_static_is_unknown_at_plan_unless_set() {
    let (planned, st) = create("time_static", &[]);
    assert!(get(&planned.value, "rfc3339").is_unknown());
    let t = DateTime::parse_from_rfc3339(&get_str(&st, "rfc3339").unwrap()).unwrap();
    assert!((Utc::now().timestamp() - t.timestamp()).abs() < 5);
    assert_eq!(get(&st, "id"), get(&st, "rfc3339"));
    let (planned, st) = create(
        "time_static",
        &[("rfc3339", Value::string("2024-02-29T12:34:56Z"))],
    );
    assert_eq!(
        get(&planned.value, "rfc3339"),
        Value::string("2024-02-29T12:34:56Z")
    );
    assert_eq!(get_i64(&st, "year"), Some(2024));
    assert_eq!(get_i64(&st, "month"), Some(2));
    assert_eq!(get_i64(&st, "day"), Some(29));
    assert_eq!(get_i64(&st, "hour"), Some(12));
    assert_eq!(get_i64(&st, "minute"), Some(34));
    assert_eq!(get_i64(&st, "second"), Some(56));
    assert_eq!(get_i64(&st, "unix"), Some(1_709_210_096));
}

#[test]
fn triggers_replace_time_static() {
    let p = Time::new(0);
    let tr = |v: &str| Value::map(Type::String, [("k".to_string(), Value::string(v))].into());
    let c = config(&p, Mode::Managed, "time_static", &[("triggers", tr("a"))]);
    let pl = p
        .plan(&PlanRequest {
            ty: "time_static",
            config: &c,
            prior: None,
        })
        .unwrap();
    let st = p.apply("time_static", &pl.value, None).unwrap();
    let same = p
        .plan(&PlanRequest {
            ty: "time_static",
            config: &c,
            prior: Some(&st),
        })
        .unwrap();
    assert!(!same.replace);
    assert_eq!(get(&same.value, "rfc3339"), get(&st, "rfc3339"));
    let c2 = config(&p, Mode::Managed, "time_static", &[("triggers", tr("b"))]);
    let re = p
        .plan(&PlanRequest {
            ty: "time_static",
            config: &c2,
            prior: Some(&st),
        })
        .unwrap();
    assert!(re.replace && get(&re.value, "rfc3339").is_unknown());
}

#[test]
fn offsets_add_as_go_does() {
    let (_, st) = create(
        "time_offset",
        &[
            ("base_rfc3339", Value::string("2023-01-31T10:00:00Z")),
            ("offset_months", Value::number(1)),
            ("offset_hours", Value::number(15)),
            ("offset_seconds", Value::number(30)),
        ],
    );
    // January 31st + 1 month = February 31st = March 3rd (2023).
    assert_eq!(get_str(&st, "rfc3339").unwrap(), "2023-03-04T01:00:30Z");
    assert_eq!(
        get_str(&st, "base_rfc3339").unwrap(),
        "2023-01-31T10:00:00Z"
    );
    let (_, st) = create(
        "time_offset",
        &[
            ("base_rfc3339", Value::string("2020-02-29T00:00:00+02:00")),
            ("offset_years", Value::number(1)),
            ("offset_days", Value::number(-1)),
        ],
    );
    assert_eq!(
        get_str(&st, "rfc3339").unwrap(),
        "2021-02-28T00:00:00+02:00"
    );
}

#[test]
fn offset_updates_show_at_plan() {
    let p = Time::new(0);
    let c = config(
        &p,
        Mode::Managed,
        "time_offset",
        &[
            ("base_rfc3339", Value::string("2023-01-01T00:00:00Z")),
            ("offset_days", Value::number(1)),
        ],
    );
    let pl = p
        .plan(&PlanRequest {
            ty: "time_offset",
            config: &c,
            prior: None,
        })
        .unwrap();
    assert!(get(&pl.value, "rfc3339").is_unknown());
    let st = p.apply("time_offset", &pl.value, None).unwrap();
    let c2 = config(
        &p,
        Mode::Managed,
        "time_offset",
        &[
            ("base_rfc3339", Value::string("2023-01-01T00:00:00Z")),
            ("offset_days", Value::number(2)),
        ],
    );
    let up = p
        .plan(&PlanRequest {
            ty: "time_offset",
            config: &c2,
            prior: Some(&st),
        })
        .unwrap();
    assert!(!up.replace);
    assert_eq!(
        get_str(&up.value, "rfc3339").unwrap(),
        "2023-01-03T00:00:00Z"
    );
    assert_eq!(get_i64(&up.value, "day"), Some(3));
}

#[test]
fn offsets_and_rotations_are_required() {
    let p = Time::new(0);
    let c = config(&p, Mode::Managed, "time_offset", &[]);
    let e = p
        .plan(&PlanRequest {
            ty: "time_offset",
            config: &c,
            prior: None,
        })
        .unwrap_err();
    assert_eq!(e.summary, "Missing Attribute Configuration");
    let c = config(
        &p,
        Mode::Managed,
        "time_sleep",
        &[("create_duration", Value::string("30"))],
    );
    let e = p
        .plan(&PlanRequest {
            ty: "time_sleep",
            config: &c,
            prior: None,
        })
        .unwrap_err();
    assert_eq!(e.summary, "Invalid Attribute Value Match");
}

#[test]
fn rotation_is_computed_and_a_due_rotation_recreates() {
    let (_, st) = create(
        "time_rotating",
        &[
            ("rfc3339", Value::string("2020-01-01T00:00:00Z")),
            ("rotation_days", Value::number(30)),
        ],
    );
    assert_eq!(
        get_str(&st, "rotation_rfc3339").unwrap(),
        "2020-01-31T00:00:00Z"
    );
    let p = Time::new(0);
    let c = config(
        &p,
        Mode::Managed,
        "time_rotating",
        &[
            ("rfc3339", Value::string("2020-01-01T00:00:00Z")),
            ("rotation_days", Value::number(30)),
        ],
    );
    let again = p
        .plan(&PlanRequest {
            ty: "time_rotating",
            config: &c,
            prior: Some(&st),
        })
        .unwrap();
    assert!(again.replace, "the rotation is long past");
}

#[test]
fn time_sleep_does_not_sleep() {
    let start = std::time::Instant::now();
    let (_, st) = create("time_sleep", &[("create_duration", Value::string("1h"))]);
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    assert!(get_str(&st, "id").is_some());
    assert_eq!(get_str(&st, "create_duration").unwrap(), "1h");
}
