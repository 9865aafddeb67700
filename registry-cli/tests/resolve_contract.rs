//! The `registry resolve --constraint … --versions …` contract, exactly.

use std::process::Command;

fn resolve(constraint: &str, versions: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args([
            "resolve",
            "--constraint",
            constraint,
            "--versions",
            versions,
        ])
        .output()
        .expect("run registry");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn prints_the_pick_exactly_as_listed_and_nothing_else() {
    let cases = [
        ("~> 1.0", "1.0.0, 1.2.0 ,2.0.0", "1.2.0\n"),
        ("~> 1.2.0", "1.2.0,1.2.9,1.3.0", "1.2.9\n"),
        (">= 1.0", "v1.2,1.2.0,1.1.0", "v1.2\n"),
        ("1.2", "1.2.0+build,1.2.0", "1.2.0+build\n"),
        (
            "=0.0.3-alpha.1",
            "0.0.3-alpha.1,0.0.2,0.0.1",
            "0.0.3-alpha.1\n",
        ),
        ("<=0.0.3-alpha.1", "0.0.3-alpha.1,0.0.2,0.0.1", "0.0.2\n"),
        ("~> 1", "1.5.0,2.3.0", "2.3.0\n"),
        (">= 1.0, < 1.2", "1.0.0,1.1.5,1.2.0", "1.1.5\n"),
        ("!= 1.1.0", "1.0.0,1.1.0", "1.0.0\n"),
    ];
    for (c, v, want) in cases {
        let (code, out, err) = resolve(c, v);
        assert_eq!((code, out.as_str()), (0, want), "{c} / {v}: stderr {err}");
    }
}

#[test]
fn unparseable_items_are_skipped_with_a_warning() {
    let (code, out, err) = resolve("~> 1.0", "banana, 1.0.0, 1.x");
    assert_eq!(code, 0);
    assert_eq!(out, "1.0.0\n");
    assert!(err.contains("banana") && err.contains("1.x"), "{err}");
}

#[test]
fn no_match_exits_1_with_a_reason() {
    let (code, out, err) = resolve("~> 3.0", "1.0.0,2.0.0");
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.contains("2.0.0"), "names the newest version: {err}");
    let (code, out, _) = resolve(">= 0.0.3-alpha.1", "0.0.3-alpha.1,0.0.2");
    assert_eq!((code, out.as_str()), (1, ""));
}

#[test]
fn invalid_constraint_or_usage_exits_2() {
    let (code, out, err) = resolve(">= 1.x", "1.0.0");
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("1.x"), "{err}");
    let bad_usage = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(["resolve", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(bad_usage.status.code(), Some(2));
    let no_list = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(["resolve", "--constraint", "1.0"])
        .output()
        .unwrap();
    assert_eq!(no_list.status.code(), Some(2));
}
