//! One client, two places: every command talks to "a registry" through
//! [`RegistryClient`], which the local registry (`--data-dir`, the
//! embedded default or database/blob URLs) and a remote server
//! (`--server`) both implement with the same types, so each flag means the
//! same on both sides. Commands never ask where the registry is.

mod local;
pub mod oidc;
mod providers;
mod remote;
mod repositories;

use async_trait::async_trait;
use bytes::Bytes;
use registry_core::{
    AuditQuery, AuditVerification, LifecycleChange, ModuleAddress, ModuleId, NamespacePolicy,
    PublishRequest, Result, SearchQuery, Sha256Digest,
};
use registry_resolve::graph::{CatalogModule, CatalogVersion, DependencyCall};
use registry_server::http::views::{
    AuditRecordView, ModuleDetailView, ModuleView, PolicyView, VersionsView,
};

pub use local::LocalRegistry;
pub use providers::{ProviderClient, ReleaseFiles};
pub use remote::RemoteRegistry;
pub use repositories::{
    LocalRepositories, LocalTrustedPublishers, RepositoryClient, TrustedPublisherClient,
};

/// A registry a command acts on.
#[async_trait]
pub trait RegistryClient: Send + Sync {
    /// Publish a version; its details (with warnings the policy let through).
    async fn publish(&self, request: PublishRequest, archive: Bytes) -> Result<ModuleDetailView>;
    /// A module's listed versions as the protocol lists them; `None` when
    /// the registry does not have the module.
    async fn versions(&self, address: &ModuleAddress) -> Result<Option<VersionsView>>;
    /// A version in detail (digests, lifecycle, interface).
    async fn version(&self, id: &ModuleId) -> Result<ModuleDetailView>;
    /// A version's archive, with the digest the registry vouches for.
    async fn download(&self, id: &ModuleId) -> Result<(Bytes, Option<Sha256Digest>)>;
    /// Deprecate, undeprecate, yank or unyank.
    async fn change_lifecycle(&self, id: &ModuleId, change: LifecycleChange) -> Result<ModuleView>;
    /// Delete a version (its number stays reserved).
    async fn delete(&self, id: &ModuleId) -> Result<()>;
    /// Search: the best hits first.
    async fn search(&self, query: &SearchQuery) -> Result<Vec<ModuleView>>;
    /// Rebuild the search index; versions indexed.
    async fn reindex(&self) -> Result<usize>;
    /// Audit records, oldest first.
    async fn audit_list(&self, query: &AuditQuery) -> Result<Vec<AuditRecordView>>;
    /// Walk the audit hash chain.
    async fn audit_verify(&self) -> Result<AuditVerification>;
    /// A namespace's publishing policy.
    async fn policy(&self, namespace: &str) -> Result<PolicyView>;
    /// Replace a namespace's publishing policy; the policy now in force.
    async fn set_policy(&self, namespace: &str, policy: &NamespacePolicy) -> Result<PolicyView>;
}

/// The listed version numbers of a versions list, in its order.
pub fn version_numbers(view: &VersionsView) -> Vec<String> {
    view.modules
        .iter()
        .flat_map(|m| m.versions.iter().map(|v| v.version.clone()))
        .collect()
}

/// The deprecation notice of `version` in a versions list, if it is deprecated.
pub fn deprecation_of(view: &VersionsView, version: &str) -> Option<String> {
    view.modules
        .iter()
        .flat_map(|m| &m.versions)
        .find(|v| v.version == version)
        .and_then(|v| v.deprecation.as_ref())
        .map(|d| match &d.link {
            Some(l) => format!("{} ({l})", d.reason),
            None => d.reason.clone(),
        })
}

/// The graph resolver's view of a module from its versions list: each
/// listed version with the registry modules its root calls.
pub fn catalog_module(address: &ModuleAddress, view: &VersionsView) -> Option<CatalogModule> {
    let module = view.modules.first()?;
    let versions = module
        .versions
        .iter()
        .filter_map(|v| {
            let version = registry_core::Version::parse(&v.version).ok()?;
            let dependencies = v
                .root
                .dependencies
                .iter()
                .filter_map(|d| {
                    let parsed = registry_resolve::RegistrySource::parse(&d.source)?;
                    Some(DependencyCall {
                        name: d.name.clone(),
                        source: d.source.clone(),
                        address: parsed.address,
                        constraint: Some(d.version.clone()).filter(|s| !s.is_empty()),
                    })
                })
                .collect();
            Some(CatalogVersion {
                version,
                dependencies,
            })
        })
        .collect();
    Some(CatalogModule {
        address: module.source.parse().unwrap_or_else(|_| address.clone()),
        versions,
    })
}

/// A policy view back to the policy it shows.
pub fn policy_of(view: &PolicyView) -> Result<NamespacePolicy> {
    let mut p = NamespacePolicy {
        require_signatures: view.require_signatures,
        ..NamespacePolicy::default()
    };
    p.set("validation", &view.validation)?;
    p.set("tests", &view.tests)?;
    p.set("semver-guard", &view.semver_guard)?;
    Ok(p)
}
