//! What resolution works from: every version of every reachable module with
//! its registry module calls, loaded once from a registry.

use std::collections::{HashMap, VecDeque};

use registry_core::{ModuleAddress, ModuleRecord, Registry, RequestContext, Result, Version};

use super::RootCall;
use crate::source::RegistrySource;

/// A registry module call inside a module version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyCall {
    /// The call's label.
    pub name: String,
    /// The `source` as written.
    pub source: String,
    /// The module it names.
    pub address: ModuleAddress,
    /// The `version` constraint, if any.
    pub constraint: Option<String>,
}

/// One version and its registry dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogVersion {
    /// The version as published.
    pub version: Version,
    /// Registry module calls of the module's root.
    pub dependencies: Vec<DependencyCall>,
}

/// One module's listed versions, in the registry's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogModule {
    /// The module.
    pub address: ModuleAddress,
    /// Its listed (not yanked) versions.
    pub versions: Vec<CatalogVersion>,
}

/// Every module resolution may need.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    modules: HashMap<String, CatalogModule>,
}

/// The registry calls of a record's root module.
pub fn registry_calls(record: &ModuleRecord) -> Vec<DependencyCall> {
    record
        .metadata
        .summary
        .root
        .dependencies
        .iter()
        .filter_map(|d| {
            RegistrySource::parse(&d.source).map(|s| DependencyCall {
                name: d.name.clone(),
                source: d.source.clone(),
                address: s.address,
                constraint: d.version.clone(),
            })
        })
        .collect()
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add (or replace) a module.
    pub fn insert(&mut self, module: CatalogModule) {
        self.modules.insert(module.address.key(), module);
    }

    /// A module, if known.
    pub fn get(&self, address: &ModuleAddress) -> Option<&CatalogModule> {
        self.modules.get(&address.key())
    }

    /// Every module.
    pub fn modules(&self) -> impl Iterator<Item = &CatalogModule> {
        self.modules.values()
    }

    /// Number of modules.
    pub fn len(&self) -> usize {
        self.modules.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// Load every module reachable from the root calls (breadth first), with
    /// every listed version's registry calls. Modules the registry does not
    /// have are left out; resolution reports them.
    pub async fn load(
        registry: &Registry,
        ctx: &RequestContext,
        roots: &[RootCall],
    ) -> Result<Catalog> {
        Self::load_with(roots, |address| async move {
            let records = match registry.versions(ctx, &address).await {
                Ok(r) => r,
                Err(e) if e.kind() == registry_core::ErrorKind::NotFound => Default::default(),
                Err(e) => return Err(e),
            };
            let Some(first) = records.first() else {
                return Ok(None);
            };
            Ok(Some(CatalogModule {
                address: first.address.clone(),
                versions: records
                    .iter()
                    .map(|r| CatalogVersion {
                        version: r.version.clone(),
                        dependencies: registry_calls(r),
                    })
                    .collect(),
            }))
        })
        .await
    }
}

impl Catalog {
    /// Load every module reachable from the root calls through `fetch`,
    /// which returns a module's listed versions with their registry calls
    /// (`None` when the registry does not have it).
    pub async fn load_with<F, Fut>(roots: &[RootCall], mut fetch: F) -> Result<Catalog>
    where
        F: FnMut(ModuleAddress) -> Fut,
        Fut: std::future::Future<Output = Result<Option<CatalogModule>>>,
    {
        let mut catalog = Catalog::new();
        let mut seen = std::collections::HashSet::new();
        let mut queue: VecDeque<ModuleAddress> = roots
            .iter()
            .filter_map(|c| RegistrySource::parse(&c.source).map(|s| s.address))
            .collect();
        while let Some(address) = queue.pop_front() {
            if !seen.insert(address.key()) {
                continue;
            }
            if let Some(module) = fetch(address).await? {
                for v in &module.versions {
                    for d in &v.dependencies {
                        if !seen.contains(&d.address.key()) {
                            queue.push_back(d.address.clone());
                        }
                    }
                }
                catalog.insert(module);
            }
        }
        Ok(catalog)
    }
}

impl From<HashMap<String, CatalogModule>> for Catalog {
    fn from(modules: HashMap<String, CatalogModule>) -> Self {
        Catalog { modules }
    }
}
