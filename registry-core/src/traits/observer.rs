//! Hooks the server uses for metrics.

use std::fmt::Debug;
use std::time::Duration;

use crate::address::{ModuleAddress, ModuleId};

/// Told about what the registry does, for metrics. Every method has a no-op default.
pub trait RegistryObserver: Send + Sync + Debug + 'static {
    /// A version was published.
    fn published(&self, id: &ModuleId, bytes: u64, took: Duration) {
        let _ = (id, bytes, took);
    }
    /// A version was downloaded.
    fn downloaded(&self, id: &ModuleId, bytes: u64) {
        let _ = (id, bytes);
    }
    /// A constraint was resolved.
    fn resolved(&self, address: &ModuleAddress, took: Duration) {
        let _ = (address, took);
    }
    /// Documentation was generated.
    fn docs_generated(&self, id: &ModuleId, took: Duration) {
        let _ = (id, took);
    }
}

/// Observes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopObserver;

impl RegistryObserver for NoopObserver {}
