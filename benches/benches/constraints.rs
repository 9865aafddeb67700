//! Constraint checks: our go-version port against `semver::VersionReq` on
//! comparable constraints (target: within 1.5×).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let versions: Vec<String> = (0..200)
        .map(|i| format!("{}.{}.{}", i / 50, (i / 5) % 10, i % 5))
        .collect();
    let ours_v: Vec<registry_core::Version> = versions.iter().map(|v| v.parse().unwrap()).collect();
    let semver_v: Vec<semver::Version> = versions
        .iter()
        .map(|v| semver::Version::parse(v).unwrap())
        .collect();
    // Comparable: same sets under both grammars.
    let pairs = [
        (">= 1.2.0, < 3.0.0", ">=1.2.0, <3.0.0"),
        ("~> 1.2.0", "~1.2.0"),
        ("= 2.1.3", "=2.1.3"),
    ];
    let mut g = c.benchmark_group("constraint_check");
    for (ours, theirs) in pairs {
        let oc: registry_resolve::Constraints = ours.parse().unwrap();
        let sc = semver::VersionReq::parse(theirs).unwrap();
        let agree = ours_v
            .iter()
            .zip(&semver_v)
            .all(|(a, b)| oc.matches(a) == sc.matches(b));
        assert!(agree, "{ours} and {theirs} disagree");
        g.bench_function(format!("ours {ours}"), |b| {
            b.iter(|| ours_v.iter().filter(|v| oc.matches(black_box(v))).count())
        });
        g.bench_function(format!("semver {theirs}"), |b| {
            b.iter(|| semver_v.iter().filter(|v| sc.matches(black_box(v))).count())
        });
    }
    g.finish();
    c.bench_function("parse constraint", |b| {
        b.iter(|| registry_resolve::Constraints::parse(black_box(">= 1.2.0, < 3.0.0")).unwrap())
    });
    c.bench_function("parse version", |b| {
        b.iter(|| registry_core::Version::parse(black_box("1.2.3-beta.1+build")).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
