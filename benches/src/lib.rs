//! Benchmarks (`benches/`) and load tools (`load/`, the `seed` binary) for
//! the module registry. Numbers are recorded in `benches/README.md`.

use registry_core::testing::TarBuilder;

/// A small, valid module archive whose bytes depend on `seed`.
pub fn module_archive(seed: usize) -> Vec<u8> {
    TarBuilder::new()
        .file(
            "main.tf",
            format!(
                "variable \"name\" {{\n  type        = string\n  description = \"Name {seed}.\"\n}}\n\noutput \"id\" {{\n  value = \"${{var.name}}-{seed}\"\n}}\n"
            ),
        )
        .file("README.md", format!("# Module {seed}\n\nGenerated for load tests.\n"))
        .finish()
}
