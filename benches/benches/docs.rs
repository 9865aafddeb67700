//! terraform-docs markdown for a ~2,000-line module (target: under 20 ms),
//! and documentation of 1,000 modules in a batch on both cores.

use criterion::{Criterion, criterion_group, criterion_main};
use registry_core::ModuleFiles;
use registry_docs::tfdocs::{Flavor, Format, Settings, render};

fn bench(c: &mut Criterion) {
    let text = registry_benches::large_module(2000);
    let mut files = ModuleFiles::new();
    files.insert("main.tf", text);
    let settings = Settings::default();
    c.bench_function("docs markdown, 2000-line module", |b| {
        b.iter(|| render(&files, "", &settings, Format::MarkdownTable, Flavor::Padded))
    });
    let small: Vec<ModuleFiles> = (0..1000)
        .map(|i| {
            let mut f = ModuleFiles::new();
            f.insert(
                "main.tf",
                registry_benches::large_module(60).replace("input_", &format!("m{i}_")),
            );
            f
        })
        .collect();
    let mut g = c.benchmark_group("docs batch of 1000 modules");
    g.sample_size(10);
    g.bench_function("2 threads", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let (a, z) = small.split_at(small.len() / 2);
                for chunk in [a, z] {
                    s.spawn(|| {
                        chunk
                            .iter()
                            .map(|f| {
                                render(f, "", &settings, Format::MarkdownTable, Flavor::Padded)
                                    .0
                                    .len()
                            })
                            .sum::<usize>()
                    });
                }
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
