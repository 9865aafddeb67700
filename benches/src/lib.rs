//! Benchmarks (`benches/`) and load tools (`load/`, the `seed` and
//! `search-latency` binaries) for the module registry. Numbers are recorded
//! in `benches/README.md`.

pub mod storage;

use rand::{Rng, SeedableRng};
use registry_core::Version;
use registry_core::testing::TarBuilder;
use registry_resolve::graph::{Catalog, CatalogModule, CatalogVersion, DependencyCall, RootCall};

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

/// A dependency in the abstract graph: module index and version range `[low, high)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dep {
    /// Depended-on module.
    pub module: usize,
    /// Lowest allowed version index (inclusive).
    pub low: usize,
    /// Highest allowed version index (exclusive).
    pub high: usize,
}

/// A seeded random module graph: `modules` × `versions`, each version with
/// up to `max_deps` dependencies on later modules (so it is acyclic), plus
/// root requirements. The newest versions of some modules require narrow,
/// old ranges of their dependencies that conflict with other requirements,
/// which forces backtracking.
#[derive(Debug, Clone)]
pub struct RandomGraph {
    /// Per module, per version: dependencies.
    pub deps: Vec<Vec<Vec<Dep>>>,
    /// The root's requirements.
    pub root: Vec<Dep>,
    /// Versions per module.
    pub versions: usize,
}

/// Version index `i` as text: `1.0.0`, `1.1.0`, … `1.9.0`, `2.0.0`, …
pub fn version_text(i: usize) -> String {
    format!("{}.{}.0", 1 + i / 10, i % 10)
}

impl RandomGraph {
    /// Generate with a fixed seed. Versions 0..N map to `1.0.0`…`1.9.0`,
    /// `2.0.0`…: each ten versions a major. A version depends on its
    /// dependencies' same major from some minor on (newer modules need newer
    /// dependencies, as real ones do); about 5% of modules' newest versions
    /// pin an old major of one dependency, a trap that conflicts with other
    /// requirements and forces the solver back to an older version.
    pub fn generate(seed: u64, modules: usize, versions: usize, max_deps: usize) -> Self {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let majors = versions.div_ceil(10);
        let mut deps = Vec::with_capacity(modules);
        for m in 0..modules {
            let mut per_version = Vec::with_capacity(versions);
            // Each module keeps a stable set of dependencies across its versions, as real modules do.
            let mut candidates: Vec<usize> = if m + 1 < modules {
                (0..rng.random_range(0..=max_deps))
                    .map(|_| rng.random_range(m + 1..modules.min(m + 60)))
                    .collect()
            } else {
                Vec::new()
            };
            candidates.sort();
            candidates.dedup();
            let trap = rng.random_bool(0.05);
            for v in 0..versions {
                let major = (v / 10).min(majors - 1);
                let list = candidates
                    .iter()
                    .enumerate()
                    .map(|(k, &d)| {
                        if trap && k == 0 && v + 2 >= versions {
                            // The trap: pin the oldest major.
                            return Dep {
                                module: d,
                                low: 0,
                                high: 10.min(versions),
                            };
                        }
                        let low = major * 10 + rng.random_range(0..5);
                        Dep {
                            module: d,
                            low: low.min(versions - 1),
                            high: ((major + 1) * 10).min(versions),
                        }
                    })
                    .collect();
                per_version.push(list);
            }
            deps.push(per_version);
        }
        let newest_major = (majors - 1) * 10;
        let root = (0..20)
            .map(|_| {
                let module = rng.random_range(0..modules / 2);
                Dep {
                    module,
                    low: newest_major + rng.random_range(0..3),
                    high: versions,
                }
            })
            .fold(Vec::<Dep>::new(), |mut acc, d| {
                if !acc.iter().any(|x| x.module == d.module) {
                    acc.push(d);
                }
                acc
            });
        RandomGraph {
            deps,
            root,
            versions,
        }
    }

    /// Module index as an address.
    pub fn address(m: usize) -> String {
        format!("bench/m{m}/null")
    }

    fn constraint(&self, d: &Dep) -> String {
        format!(
            ">= {}, < {}",
            version_text(d.low),
            if d.high >= self.versions {
                "999.0.0".to_string()
            } else {
                version_text(d.high)
            }
        )
    }

    fn call(&self, i: usize, d: &Dep) -> DependencyCall {
        let address = Self::address(d.module);
        DependencyCall {
            name: format!("d{i}"),
            source: format!("reg.example.com/{address}"),
            address: address.parse().expect("address"),
            constraint: Some(self.constraint(d)),
        }
    }

    /// The graph as a catalog and root calls for registry-resolve.
    pub fn to_catalog(&self) -> (Catalog, Vec<RootCall>) {
        let mut catalog = Catalog::new();
        for (m, versions) in self.deps.iter().enumerate() {
            catalog.insert(CatalogModule {
                address: Self::address(m).parse().expect("address"),
                versions: versions
                    .iter()
                    .enumerate()
                    .map(|(v, deps)| CatalogVersion {
                        version: Version::parse(&version_text(v)).expect("version"),
                        dependencies: deps
                            .iter()
                            .enumerate()
                            .map(|(i, d)| self.call(i, d))
                            .collect(),
                    })
                    .collect(),
            });
        }
        let roots = self
            .root
            .iter()
            .enumerate()
            .map(|(i, d)| RootCall {
                name: format!("r{i}"),
                source: format!("reg.example.com/{}", Self::address(d.module)),
                constraint: Some(self.constraint(d)),
            })
            .collect();
        (catalog, roots)
    }

    /// The same graph for plain pubgrub (`Ranges<SemanticVersion>`).
    pub fn to_pubgrub(
        &self,
    ) -> pubgrub::OfflineDependencyProvider<String, pubgrub::Ranges<pubgrub::SemanticVersion>> {
        let sv = |i: usize| pubgrub::SemanticVersion::new((1 + i / 10) as u32, (i % 10) as u32, 0);
        let range = |d: &Dep| {
            if d.high >= self.versions {
                pubgrub::Ranges::higher_than(sv(d.low))
            } else {
                pubgrub::Ranges::between(sv(d.low), sv(d.high))
            }
        };
        let mut p = pubgrub::OfflineDependencyProvider::new();
        for (m, versions) in self.deps.iter().enumerate() {
            for (v, deps) in versions.iter().enumerate() {
                p.add_dependencies(
                    Self::address(m),
                    sv(v),
                    deps.iter().map(|d| (Self::address(d.module), range(d))),
                );
            }
        }
        p.add_dependencies(
            "root".to_string(),
            sv(0),
            self.root
                .iter()
                .map(|d| (Self::address(d.module), range(d))),
        );
        p
    }
}

/// A synthetic module of about `lines` lines of HCL: variables with types,
/// defaults, descriptions and validations, outputs, resources and module calls.
pub fn large_module(lines: usize) -> String {
    let mut s = String::from(
        "/**\n * # Large module\n *\n * Generated for benchmarks.\n */\n\nterraform {\n  required_version = \">= 1.0\"\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      version = \">= 5.0\"\n    }\n  }\n}\n\n",
    );
    let mut i = 0;
    while s.lines().count() < lines {
        s.push_str(&format!(
            "variable \"input_{i}\" {{\n  type        = map(object({{ name = string, size = optional(number, {i}) }}))\n  description = \"Input number {i}, with `code` and a | pipe.\"\n  default = {{\n    a = {{ name = \"x{i}\" }}\n  }}\n  validation {{\n    condition     = length(var.input_{i}) > 0\n    error_message = \"Must not be empty.\"\n  }}\n}}\n\nresource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"b-{i}\"\n}}\n\noutput \"out_{i}\" {{\n  description = \"Output {i}.\"\n  value       = aws_s3_bucket.b{i}.id\n}}\n\n"
        ));
        i += 1;
    }
    s
}
