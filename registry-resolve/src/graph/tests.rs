use super::*;
use pubgrub::VersionSet as _;
use registry_core::Version;

fn call(name: &str, addr: &str, c: Option<&str>) -> DependencyCall {
    DependencyCall {
        name: name.into(),
        source: format!("reg.example.com/{addr}"),
        address: addr.parse().unwrap(),
        constraint: c.map(str::to_string),
    }
}

fn module(addr: &str, versions: &[(&str, Vec<DependencyCall>)]) -> CatalogModule {
    CatalogModule {
        address: addr.parse().unwrap(),
        versions: versions
            .iter()
            .map(|(v, deps)| CatalogVersion {
                version: Version::parse(v).unwrap(),
                dependencies: deps.clone(),
            })
            .collect(),
    }
}

fn root(name: &str, addr: &str, c: Option<&str>) -> RootCall {
    RootCall {
        name: name.into(),
        source: format!("reg.example.com/{addr}"),
        constraint: c.map(str::to_string),
    }
}

fn catalog() -> Catalog {
    let mut c = Catalog::new();
    c.insert(module(
        "acme/a/null",
        &[
            ("1.0.0", vec![call("b", "acme/b/null", Some("~> 2.0"))]),
            (
                "1.1.0",
                vec![call("b", "acme/b/null", Some(">= 2.1, < 2.2"))],
            ),
            ("2.0.0", vec![call("b", "acme/b/null", Some(">= 3"))]),
        ],
    ));
    c.insert(module(
        "acme/b/null",
        &[
            ("2.0.0", vec![]),
            ("2.1.0", vec![]),
            ("2.2.0", vec![]),
            ("2.3.0-rc1", vec![]),
            ("3.0.0", vec![]),
        ],
    ));
    c
}

#[test]
fn compatible_mode_applies_terraforms_rule_per_call() {
    let g = resolve_compatible(
        &[
            root("a", "acme/a/null", Some("~> 1.0")),
            root("b", "acme/b/null", Some("~> 2.0")),
        ],
        &catalog(),
    )
    .unwrap();
    assert_eq!(g.call("a").unwrap().version.as_str(), "1.1.0");
    assert_eq!(g.call("a.b").unwrap().version.as_str(), "2.1.0");
    assert_eq!(
        g.call("b").unwrap().version.as_str(),
        "2.2.0",
        "per call: the newest 2.x, prerelease skipped"
    );
    let order: Vec<&str> = g
        .topological_order()
        .unwrap()
        .iter()
        .map(|c| c.path.as_str())
        .collect();
    assert!(order.iter().position(|p| *p == "a.b") < order.iter().position(|p| *p == "a"));
    let users = g.dependents(&"acme/b/null".parse().unwrap());
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].path, "a");
    let dot = g.to_dot();
    assert!(
        dot.starts_with("digraph modules {") && dot.contains("a.b\\nacme/b/null 2.1.0"),
        "{dot}"
    );
}

#[test]
fn unified_mode_picks_one_version_per_module() {
    let g = resolve_unified(
        &[
            root("a", "acme/a/null", Some("~> 1.0")),
            root("b", "acme/b/null", Some("~> 2.0")),
        ],
        &catalog(),
    )
    .unwrap();
    let selected: Vec<String> = g
        .selected()
        .iter()
        .map(|(a, v)| format!("{a} {v}"))
        .collect();
    assert_eq!(
        selected,
        ["acme/a/null 1.1.0", "acme/b/null 2.1.0"],
        "b unified to what a 1.1.0 allows"
    );
    // One node per module, but every call path Terraform installs is listed.
    assert_eq!(g.graph().node_count(), 2);
    let paths: Vec<String> = g
        .call_paths(100)
        .unwrap()
        .iter()
        .map(|c| format!("{} {} {}", c.path, c.address, c.version))
        .collect();
    assert_eq!(
        paths,
        [
            "a acme/a/null 1.1.0",
            "a.b acme/b/null 2.1.0",
            "b acme/b/null 2.1.0"
        ]
    );
    let b = g
        .call_paths(100)
        .unwrap()
        .into_iter()
        .find(|c| c.path == "b")
        .unwrap();
    assert_eq!(
        b.constraint.as_deref(),
        Some("~> 2.0"),
        "each path keeps its own constraint"
    );
    assert!(
        g.call_paths(2)
            .unwrap_err()
            .contains("more than 2 call paths")
    );
    // DOT keeps every named call as a labelled edge (a.b and b reach one node).
    let dot = g.to_dot();
    assert!(dot.contains("root [label=\"root module\""), "{dot}");
    for label in ["[label=\"a\"]", "[label=\"b\"]"] {
        assert!(dot.contains(label), "{label} in {dot}");
    }
    assert_eq!(dot.matches(" -> ").count(), 3, "{dot}");
    assert!(dot.contains("acme/b/null 2.1.0"), "{dot}");
}

#[test]
fn unified_conflicts_are_explained() {
    let e = resolve_unified(
        &[
            root("a", "acme/a/null", Some("2.0.0")),
            root("b", "acme/b/null", Some("~> 2.1")),
        ],
        &catalog(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), registry_core::ErrorKind::Conflict);
    let text = e.to_string();
    assert!(
        text.contains("acme/a/null") && text.contains("acme/b/null"),
        "{text}"
    );
    assert!(
        text.contains(">= 3") && text.contains("~> 2.1"),
        "the constraints are quoted: {text}"
    );
    assert!(!text.contains(" , "), "no stray separator: {text}");
}

#[test]
fn cycles_are_named() {
    let mut c = Catalog::new();
    c.insert(module(
        "acme/x/null",
        &[("1.0.0", vec![call("y", "acme/y/null", None)])],
    ));
    c.insert(module(
        "acme/y/null",
        &[("1.0.0", vec![call("x", "acme/x/null", None)])],
    ));
    let e = resolve_compatible(&[root("x", "acme/x/null", None)], &c).unwrap_err();
    assert!(
        e.to_string()
            .contains("acme/x/null -> acme/y/null -> acme/x/null"),
        "{e}"
    );
    let g = resolve_unified(&[root("x", "acme/x/null", None)], &c).unwrap();
    let cycle = g.find_cycle().expect("the unified graph shows the cycle");
    assert_eq!(cycle.len(), 3, "{cycle:?}");
    assert!(g.topological_order().is_err());
    assert!(g.call_paths(1000).unwrap_err().contains("cycle"));
}

#[test]
fn missing_modules_and_bad_constraints_are_reported() {
    let e = resolve_compatible(&[root("z", "acme/zzz/null", None)], &catalog()).unwrap_err();
    assert_eq!(e.kind(), registry_core::ErrorKind::NotFound);
    let e =
        resolve_compatible(&[root("a", "acme/a/null", Some(">= 1.x"))], &catalog()).unwrap_err();
    assert_eq!(e.kind(), registry_core::ErrorKind::InvalidInput);
    let e =
        resolve_compatible(&[root("a", "acme/a/null", Some("~> 9.0"))], &catalog()).unwrap_err();
    assert!(
        e.to_string().contains("2.0.0"),
        "names the newest version: {e}"
    );
}

#[test]
fn choice_sets_obey_set_algebra() {
    use std::sync::Arc;
    let all: Vec<Version> = ["1.0.0", "1.1.0", "2.0.0"]
        .iter()
        .map(|v| Version::parse(v).unwrap())
        .collect();
    let texts: Arc<[Arc<str>]> = all.iter().map(|v| Arc::from(v.as_str())).collect();
    let v = |r: u32| unify::RankedVersion::for_tests(r, texts[r as usize].clone());
    let a = ChoiceSet::from_constraint(Some("~> 1.0"), &all, texts.clone()).unwrap();
    let b = ChoiceSet::from_constraint(Some(">= 1.1"), &all, texts.clone()).unwrap();
    let i = a.intersection(&b);
    assert!(i.contains(&v(1)) && !i.contains(&v(0)) && !i.contains(&v(2)));
    let u = a.union(&b);
    assert!((0..3).all(|r| u.contains(&v(r))));
    assert_eq!(a.complement().complement(), a);
    assert!(a.intersection(&a.complement()) == ChoiceSet::empty());
    assert_eq!(a.to_string(), "~> 1.0");
    assert_eq!(i.to_string(), "1.1.0");
    assert_eq!(
        a.complement().to_string(),
        "any version except 1.0.0 or 1.1.0"
    );
}

#[test]
#[ignore = "prints an explanation for the docs"]
fn print_conflict_explanation() {
    let e = resolve_unified(
        &[
            root("a", "acme/a/null", Some("2.0.0")),
            root("b", "acme/b/null", Some("~> 2.1")),
        ],
        &catalog(),
    )
    .unwrap_err();
    println!("{e}");
}

#[test]
fn conflicts_through_a_wrapper_read_without_a_stray_separator() {
    let mut c = Catalog::new();
    c.insert(module(
        "acme/wrapper/null",
        &[("1.0.0", vec![call("x", "acme/x/null", Some(">= 2"))])],
    ));
    c.insert(module(
        "acme/x/null",
        &[("1.0.0", vec![]), ("2.0.0", vec![])],
    ));
    let e = resolve_unified(
        &[
            root("x", "acme/x/null", Some("~> 1.0")),
            root("wrapper", "acme/wrapper/null", Some("1.0.0")),
        ],
        &c,
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("acme/wrapper/null"), "{text}");
    assert!(!text.contains(" , ") && !text.contains("  "), "{text}");
}
