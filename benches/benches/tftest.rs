//! The `.tftest.hcl` engine on a suite of 20 runs over a 30-resource
//! module (target: under 50 ms single-threaded): `terraform_data` (the
//! same suite `terraform test` runs offline, for comparison) and a mocked
//! AWS module (the bundled schema's computed attributes).

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use registry_testkit::tftest::runner::{TestOptions, run_suite};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tftest")
        .join(name)
}

fn bench(c: &mut Criterion) {
    let opts = TestOptions::default();
    let mut g = c.benchmark_group("tftest suite, 20 runs x 30 resources");
    g.sample_size(20);
    for module in ["data-module", "aws-module"] {
        let dir = fixture(module);
        let result = run_suite(&dir, &opts);
        assert_eq!(result.runs(), 20, "{module}: the fixture has 20 runs");
        g.bench_function(module, |b| b.iter(|| run_suite(&dir, &opts)));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
