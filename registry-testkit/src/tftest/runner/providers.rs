//! The providers of one run: the test file's `mock_provider` and
//! `provider` blocks (mapped by the run's `providers` when it has one),
//! else the in-process utility provider of that source; any other
//! provider is an error naming it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::tftest::config::Module;
use crate::tftest::diag::Diagnostic;
use crate::tftest::engine::ProviderResolver;
use crate::tftest::providers::builtin::{BuiltinEnv, builtin_in, local};
use crate::tftest::providers::mock::{MockProvider, Referenced};
use crate::tftest::providers::{Provider, Schemas};
use crate::tftest::testfile::{TestFile, TestProvider};

/// The providers a run uses.
pub struct RunProviders<'a> {
    file: &'a TestFile,
    mapping: Option<&'a BTreeMap<String, String>>,
    schemas: &'a Schemas,
    referenced: Arc<Referenced>,
    seed: u64,
    made: Mutex<BTreeMap<String, Arc<dyn Provider>>>,
    mocks: Mutex<Vec<Arc<MockProvider>>>,
    /// Mocks that ran without a schema, by source.
    pub schemaless: Mutex<BTreeSet<String>>,
}

impl<'a> RunProviders<'a> {
    /// The providers of a run of `file`.
    pub fn new(
        file: &'a TestFile,
        mapping: Option<&'a BTreeMap<String, String>>,
        schemas: &'a Schemas,
        referenced: Arc<Referenced>,
        seed: u64,
    ) -> Self {
        RunProviders {
            file,
            mapping,
            schemas,
            referenced,
            seed,
            made: Mutex::new(BTreeMap::new()),
            mocks: Mutex::new(Vec::new()),
            schemaless: Mutex::new(BTreeSet::new()),
        }
    }

    /// Diagnostics the mocks raised while generating values.
    pub fn take_diagnostics(&self) -> Vec<Diagnostic> {
        self.mocks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .flat_map(|m| m.take_diagnostics())
            .collect()
    }

    fn test_provider(&self, key: &str) -> Option<&'a TestProvider> {
        let key = match self.mapping {
            Some(m) => m.get(key).map(String::as_str).unwrap_or(key),
            None => key,
        };
        self.file.providers.get(key)
    }

    fn make(
        &self,
        source: &str,
        key: &str,
        tp: Option<&TestProvider>,
        module_dir: &std::path::Path,
    ) -> Option<Arc<dyn Provider>> {
        let seed = self.seed.wrapping_add(
            key.bytes()
                .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)),
        );
        match tp {
            Some(tp) if tp.mock => {
                let schema = self.schemas.provider(source);
                if schema.is_none() {
                    self.schemaless
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(source.to_string());
                }
                let m = Arc::new(MockProvider::new(
                    source,
                    schema,
                    tp.clone(),
                    self.referenced.clone(),
                    seed,
                ));
                self.mocks
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(m.clone());
                Some(m)
            }
            _ => builtin_in(
                source,
                &BuiltinEnv {
                    seed,
                    scratch_dir: Some(local::scratch_dir_for(&self.referenced, &self.file.name)),
                    module_dir: Some(module_dir.to_path_buf()),
                },
            ),
        }
    }
}

impl ProviderResolver for RunProviders<'_> {
    fn resolve(
        &self,
        module: &Module,
        _module_path: &str,
        local_name: &str,
        alias: Option<&str>,
    ) -> Result<Arc<dyn Provider>, Diagnostic> {
        let source = module.provider_source(local_name);
        let key = match alias {
            Some(a) => format!("{local_name}.{a}"),
            None => local_name.to_string(),
        };
        if let Some(p) = self
            .made
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(p.clone());
        }
        let tp = self.test_provider(&key);
        match self.make(&source, &key, tp, &module.dir) {
            Some(p) => {
                self.made
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(key, p.clone());
                Ok(p)
            }
            None => Err(Diagnostic::error(
                "Missing required provider",
                format!(
                    "This configuration requires provider registry.terraform.io/{source}, but the test engine cannot run it: only the terraform, null, random, time, tls and local providers run in-process. Mock it with a mock_provider \"{local_name}\" {{}} block in the test file, or override the resources that use it."
                ),
            )),
        }
    }
}
