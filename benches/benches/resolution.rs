//! Unified resolution of a seeded random graph (1,000 modules × 30 versions ×
//! up to 5 dependencies, with backtracking traps), ours (Terraform semantics
//! over exact version sets) beside plain pubgrub (`Ranges<SemanticVersion>`)
//! on the same problem. Target: under 50 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use registry_benches::RandomGraph;

fn bench(c: &mut Criterion) {
    let graph = RandomGraph::generate(42, 1000, 30, 5);
    let (catalog, roots) = graph.to_catalog();
    let provider = graph.to_pubgrub();
    // Both must find a solution (or both fail) on the same problem.
    let ours = registry_resolve::resolve_unified(&roots, &catalog);
    let theirs = pubgrub::resolve(
        &provider,
        "root".to_string(),
        pubgrub::SemanticVersion::new(1, 0, 0),
    );
    assert_eq!(
        ours.is_ok(),
        theirs.is_ok(),
        "ours: {:?}",
        ours.as_ref().err()
    );
    if let (Ok(g), Ok(sol)) = (&ours, &theirs) {
        println!(
            "unified: {} modules selected (pubgrub: {})",
            g.selected().len(),
            sol.iter().count() - 1
        );
    }
    let mut g = c.benchmark_group("unified_resolution_1000x30x5");
    g.sample_size(20);
    g.bench_function("registry-resolve (Terraform semantics)", |b| {
        b.iter(|| registry_resolve::resolve_unified(&roots, &catalog))
    });
    g.bench_function("plain pubgrub (Ranges<SemanticVersion>)", |b| {
        b.iter(|| {
            pubgrub::resolve(
                &provider,
                "root".to_string(),
                pubgrub::SemanticVersion::new(1, 0, 0),
            )
            .is_ok()
        })
    });
    g.finish();
    // Terraform's per-call mode expands every call path; on this graph that is
    // exponential, so it is measured on a smaller tree.
    let small = RandomGraph::generate(7, 60, 30, 3);
    let (small_catalog, small_roots) = small.to_catalog();
    c.bench_function("compatible_resolution_60x30x3", |b| {
        b.iter(|| registry_resolve::resolve_compatible(&small_roots, &small_catalog))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
