//! Plan and apply of the random resources through the `Provider` trait.

use super::*;

use crate::tftest::providers::builtin::common::test_config as config;

fn create(p: &Random, ty: &str, set: &[(&str, Value)]) -> (Planned, Value) {
    let c = config(p, Mode::Managed, ty, set);
    let planned = p
        .plan(&PlanRequest {
            ty,
            config: &c,
            prior: None,
        })
        .expect("plan");
    let state = p.apply(ty, &planned.value, None).expect("apply");
    (planned, state)
}

fn s(v: &Value, k: &str) -> String {
    get_str(v, k).unwrap_or_else(|| panic!("{k} is not a known string in {v:?}"))
}

#[test]
fn random_string_is_unknown_at_plan_and_follows_its_arguments() {
    let p = Random::new(1);
    let (planned, state) = create(
        &p,
        "random_string",
        &[
            ("length", Value::number(24)),
            ("special", Value::bool(false)),
            ("min_upper", Value::number(5)),
            ("min_numeric", Value::number(5)),
        ],
    );
    assert!(get(&planned.value, "result").is_unknown());
    assert_eq!(get(&planned.value, "upper"), Value::bool(true));
    assert_eq!(get(&planned.value, "numeric"), Value::bool(true));
    let r = s(&state, "result");
    assert_eq!(r.chars().count(), 24);
    assert_eq!(s(&state, "id"), r);
    assert!(r.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(r.chars().filter(char::is_ascii_uppercase).count() >= 5);
    assert!(r.chars().filter(char::is_ascii_digit).count() >= 5);
}

#[test]
fn the_same_seed_gives_the_same_values() {
    let a = create(
        &Random::new(9),
        "random_string",
        &[("length", Value::number(16))],
    )
    .1;
    let b = create(
        &Random::new(9),
        "random_string",
        &[("length", Value::number(16))],
    )
    .1;
    let c = create(
        &Random::new(10),
        "random_string",
        &[("length", Value::number(16))],
    )
    .1;
    assert_eq!(s(&a, "result"), s(&b, "result"));
    assert_ne!(s(&a, "result"), s(&c, "result"));
}

#[test]
fn override_special_and_classes() {
    let p = Random::new(2);
    let (_, st) = create(
        &p,
        "random_string",
        &[
            ("length", Value::number(40)),
            ("upper", Value::bool(false)),
            ("lower", Value::bool(false)),
            ("numeric", Value::bool(false)),
            ("override_special", Value::string("_%")),
        ],
    );
    assert!(s(&st, "result").chars().all(|c| c == '_' || c == '%'));
}

#[test]
fn password_is_sensitive_with_a_bcrypt_hash() {
    let p = Random::new(3);
    let (planned, st) = create(&p, "random_password", &[("length", Value::number(12))]);
    assert!(get(&planned.value, "result").marks().sensitive);
    let r = get(&st, "result");
    assert!(r.marks().sensitive);
    let r = r.as_str().unwrap().to_string();
    assert_eq!(r.len(), 12);
    assert_eq!(s(&st, "id"), "none");
    let h = s(&st, "bcrypt_hash");
    assert!(h.starts_with("$2a$10$"));
    assert!(bcrypt::verify(&r, &h).unwrap());
}

#[test]
fn length_below_the_minimums_is_refused() {
    let p = Random::new(3);
    let c = config(
        &p,
        Mode::Managed,
        "random_password",
        &[
            ("length", Value::number(3)),
            ("min_upper", Value::number(2)),
            ("min_lower", Value::number(2)),
        ],
    );
    let e = p
        .plan(&PlanRequest {
            ty: "random_password",
            config: &c,
            prior: None,
        })
        .unwrap_err();
    assert_eq!(e.summary, "Invalid Attribute Value");
    assert_eq!(
        e.detail,
        "Attribute length value must be at least sum of min_upper + min_lower + min_numeric + min_special, got: 3"
    );
    let c = config(
        &p,
        Mode::Managed,
        "random_string",
        &[("length", Value::number(0))],
    );
    let e = p
        .plan(&PlanRequest {
            ty: "random_string",
            config: &c,
            prior: None,
        })
        .unwrap_err();
    assert_eq!(
        e.detail,
        "Attribute length value must be at least 1, got: 0"
    );
}

#[test]
fn keepers_replace_and_unchanged_keepers_keep() {
    let p = Random::new(4);
    let k = |v: &str| Value::map(Type::String, [("k".to_string(), Value::string(v))].into());
    let set = [("byte_length", Value::number(8)), ("keepers", k("a"))];
    let (_, st) = create(&p, "random_id", &set);
    let same = config(&p, Mode::Managed, "random_id", &set);
    let again = p
        .plan(&PlanRequest {
            ty: "random_id",
            config: &same,
            prior: Some(&st),
        })
        .unwrap();
    assert!(!again.replace);
    assert_eq!(get(&again.value, "hex"), get(&st, "hex"));
    let changed = config(
        &p,
        Mode::Managed,
        "random_id",
        &[("byte_length", Value::number(8)), ("keepers", k("b"))],
    );
    let re = p
        .plan(&PlanRequest {
            ty: "random_id",
            config: &changed,
            prior: Some(&st),
        })
        .unwrap();
    assert!(re.replace);
    assert!(get(&re.value, "hex").is_unknown());
    let st2 = p.apply("random_id", &re.value, None).unwrap();
    assert_ne!(get(&st2, "hex"), get(&st, "hex"));
}

#[test]
fn random_id_encodings_agree() {
    let p = Random::new(5);
    let (_, st) = create(
        &p,
        "random_id",
        &[
            ("byte_length", Value::number(4)),
            ("prefix", Value::string("p-")),
        ],
    );
    let hex = s(&st, "hex");
    let bytes = hex::decode(hex.trim_start_matches("p-")).unwrap();
    assert_eq!(bytes.len(), 4);
    let n = u32::from_be_bytes(bytes.clone().try_into().unwrap());
    assert_eq!(s(&st, "dec"), format!("p-{n}"));
    assert_eq!(
        s(&st, "id"),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes)
    );
    assert_eq!(s(&st, "b64_url"), format!("p-{}", s(&st, "id")));
    assert_eq!(
        s(&st, "b64_std"),
        format!(
            "p-{}",
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        )
    );
    assert_eq!(decimal(&[1, 0]), "256");
    assert_eq!(decimal(&[0]), "0");
}

#[test]
fn integers_stay_in_range_and_min_above_max_fails_at_apply() {
    let p = Random::new(6);
    for _ in 0..20 {
        let (_, st) = create(
            &p,
            "random_integer",
            &[("min", Value::number(1)), ("max", Value::number(3))],
        );
        let n = get_i64(&st, "result").unwrap();
        assert!((1..=3).contains(&n));
        assert_eq!(s(&st, "id"), n.to_string());
    }
    let seeded = |p: &Random| {
        create(
            p,
            "random_integer",
            &[
                ("min", Value::number(1)),
                ("max", Value::number(1_000_000)),
                ("seed", Value::string("x")),
            ],
        )
        .1
    };
    assert_eq!(
        get(&seeded(&Random::new(1)), "result"),
        get(&seeded(&Random::new(2)), "result")
    );
    let c = config(
        &p,
        Mode::Managed,
        "random_integer",
        &[("min", Value::number(5)), ("max", Value::number(1))],
    );
    let planned = p
        .plan(&PlanRequest {
            ty: "random_integer",
            config: &c,
            prior: None,
        })
        .unwrap();
    let e = p.apply("random_integer", &planned.value, None).unwrap_err();
    assert_eq!(e.summary, "Create Random Integer Error");
}

#[test]
fn pets_shuffles_uuids_and_bytes() {
    let p = Random::new(7);
    let (planned, st) = create(&p, "random_pet", &[("prefix", Value::string("app"))]);
    assert_eq!(get(&planned.value, "separator"), Value::string("-"));
    let id = s(&st, "id");
    let parts: Vec<&str> = id.split('-').collect();
    assert_eq!(parts.len(), 3, "{id}");
    assert_eq!(parts[0], "app");
    assert!(words::ADJECTIVES.contains(&parts[1]) && words::NAMES.contains(&parts[2]));
    let (_, st) = create(
        &p,
        "random_pet",
        &[
            ("length", Value::number(4)),
            ("separator", Value::string("_")),
        ],
    );
    assert_eq!(s(&st, "id").split('_').count(), 4);

    let input = Value::list(
        Type::String,
        ["a", "b", "c", "d"].map(Value::string).to_vec(),
    );
    let (_, st) = create(&p, "random_shuffle", &[("input", input.clone())]);
    let mut r = get_strings(&st, "result");
    r.sort();
    assert_eq!(r, ["a", "b", "c", "d"]);
    let (_, st) = create(
        &p,
        "random_shuffle",
        &[("input", input), ("result_count", Value::number(6))],
    );
    assert_eq!(get_strings(&st, "result").len(), 6);
    assert_eq!(s(&st, "id"), "-");

    let (_, st) = create(&p, "random_uuid", &[]);
    let u = uuid::Uuid::parse_str(&s(&st, "result")).unwrap();
    assert_eq!(u.get_version_num(), 4);

    let (_, st) = create(&p, "random_bytes", &[("length", Value::number(32))]);
    assert_eq!(hex::decode(s(&st, "hex")).unwrap().len(), 32);
    assert!(get(&st, "base64").marks().sensitive);
}

#[test]
fn the_ephemeral_password_is_known_at_plan() {
    let p = Random::new(8);
    assert!(p.has(Mode::Ephemeral, "random_password"));
    assert!(
        !p.schema(Mode::Ephemeral, "random_password")
            .unwrap()
            .attributes
            .contains_key("keepers")
    );
    let c = config(
        &p,
        Mode::Ephemeral,
        "random_password",
        &[("length", Value::number(20))],
    );
    let planned = p
        .plan(&PlanRequest {
            ty: "random_password",
            config: &c,
            prior: None,
        })
        .unwrap();
    let r = get(&planned.value, "result");
    assert!(r.marks().sensitive && r.marks().ephemeral);
    assert_eq!(r.as_str().unwrap().len(), 20);
    let applied = p.apply("random_password", &planned.value, None).unwrap();
    assert_eq!(get(&applied, "result"), r);
}
