//! # registry-core
//!
//! The domain types, traits and orchestrator of a Terraform/OpenTofu module
//! registry. Light on purpose: no database, network, HCL parser or runtime
//! startup in here. Backends in `registry-storage`, the Terraform-exact
//! resolver in `registry-resolve`, the HCL parser and docs in
//! `registry-docs` implement the traits below; `registry-server` assembles
//! the embedded default (SQLite + a folder).
//!
//! - Types: [`ModuleAddress`], [`Version`] (Terraform's version grammar),
//!   [`ModuleId`], [`Module`], [`ModuleMetadata`], [`Lifecycle`], [`Filter`], [`Page`].
//! - The spec's traits: [`ModuleStorage`], [`VersionManager`], [`TestRunner`],
//!   [`DocGenerator`], and the smaller ones they need ([`MetadataStore`],
//!   [`BlobStore`], [`Cache`], [`SearchIndex`], [`Authorizer`], [`AuditSink`],
//!   [`Clock`], [`ModuleInspector`], [`TreeHasher`], [`SignatureVerifier`],
//!   [`ValidationRule`]).
//! - [`Registry`]: the publish, download and resolve flows.
//! - [`Error`] with a stable [`ErrorKind`].
//! - [`hcl_brackets`]: the linear bracket pre-check every HCL parse site
//!   runs first (the parser is exponential on unclosed brackets).
//!
//! ## Example: an in-memory registry
//!
//! ```
//! use std::sync::Arc;
//! use registry_core::{
//!     memory::{MemoryBlobStore, MemoryMetadataStore},
//!     testing::simple_module, PublishRequest, Registry, RequestContext, StorageStack,
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> registry_core::Result<()> {
//! let storage = StorageStack::new(Arc::new(MemoryMetadataStore::new()), Arc::new(MemoryBlobStore::new()));
//! let registry = Registry::builder().storage(Arc::new(storage)).build()?;
//! let ctx = RequestContext::system();
//!
//! let address = "acme/hello/null".parse()?;
//! let published = registry
//!     .publish_bytes(&ctx, PublishRequest::new(address, "1.0.0"), simple_module(&[]))
//!     .await?;
//! assert_eq!(published.metadata.description.as_deref(), Some("A tiny example module."));
//!
//! let chosen = registry.resolve(&ctx, &published.address, "1.0.0").await?;
//! let module = registry.download(&ctx, &chosen.id()).await?;
//! assert_eq!(module.metadata.sha256, published.metadata.sha256);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

// Private modules with one flat list of re-exports: every public item has
// exactly one path, `registry_core::Item` (`memory` and `testing` are
// modules of their own because their items are not part of the API proper).
mod address;
mod archive;
mod digest;
mod download_batch;
mod error;
mod filter;
pub mod hcl_brackets;
pub mod memory;
mod module;
pub mod protocol;
mod registry;
mod storage_stack;
pub mod testing;
mod traits;
mod version;

pub use address::{
    ModuleAddress, ModuleId, RESERVED_NAMESPACES, validate_host, validate_name, validate_namespace,
    validate_system,
};
pub use archive::{
    ArchiveBody, ArchiveFormat, ArchiveInspection, ArchiveLimits, FileDigest, ModuleFiles,
    ReadSeek, STREAM_CHUNK, SpoolFile, SpooledArchive, inspect_archive, is_parsed_file,
    is_source_file, parent_dir, read_archive_file, spool_bytes, spool_stream, unpack_archive,
};
#[cfg(feature = "pack")]
pub use archive::{pack_dir, pack_tree};
pub use digest::{Sha256Digest, Sha256Hasher, constant_time_eq};
pub use error::{BoxError, Error, ErrorKind, Problem, Result, Severity};
pub use filter::{Cursor, DEFAULT_PAGE_SIZE, Filter, Page};
pub use module::{
    Deprecation, Input, InputValidation, Lifecycle, LifecycleChange, LifecycleState, MirrorSource,
    Module, ModuleCall, ModuleInterface, ModuleMetadata, ModuleRecord, ModuleSummary, Output,
    ProviderRequirement, Resource, Yank,
};
pub use protocol::{ProtocolVersion, VersionsDocument};
pub use registry::{
    DownloadTarget, PublishPolicy, PublishRequest, Registry, RegistryBuilder, RequestContext,
};
pub use storage_stack::{CachePolicy, StorageStack, archive_key, record_key, versions_key};
pub use traits::audit::{
    AuditEvent, AuditLog, AuditOutcome, AuditQuery, AuditSink, AuditVerification,
    ChainedAuditEvent, GENESIS_HASH, TracingAuditSink, verify_chain,
};
pub use traits::auth::{Action, Actor, Authorizer, Grant, Role, RoleAuthorizer};
pub use traits::cache::{Cache, CacheTierStats};
pub use traits::clock::{Clock, SystemClock};
pub use traits::compat::CompatibilityCheck;
pub use traits::docs::{ApiDoc, DocGenerator, Documentation, Example};
pub use traits::inspect::{FileListInspector, ModuleInspection, ModuleInspector};
pub use traits::integrity::{
    Hash1, NoSignatures, SignatureStatus, SignatureVerifier, SignedManifest, SigningKeyStore,
    TreeHasher, TrustedKey,
};
pub use traits::observer::{NoopObserver, RegistryObserver};
pub use traits::policy::{
    NamespacePolicy, PolicyStore, SemverGuard, TestsPolicy, ValidationPolicy,
};
pub use traits::providers::{
    ProviderAddress, ProviderKey, ProviderKeyOrigin, ProviderPlatform, ProviderRelease,
    ProviderSignature, ProviderStore, SecretSealer, validate_provider_type,
};
pub use traits::repositories::{
    DEFAULT_TAG_PATTERN, FollowedRepository, RepositoryRelease, RepositorySpec, RepositoryStatus,
    RepositoryStore, TagPattern, check_repository_path, repository_not_found,
};
pub use traits::search::{FacetCount, SearchHit, SearchIndex, SearchQuery, SearchResults};
pub use traits::sessions::{
    NewSession, SESSION_PREFIX, SessionInfo, invalid_session, make_session_secret, session_id_of,
};
pub use traits::storage::{
    BlobInfo, BlobStore, CatalogueTotals, DailyDownloads, Dependent, GcReport, MetadataStore,
    ModuleStorage, NamespaceUsage, VersionEntry,
};
pub use traits::test_runner::{
    ProviderMock, ReportFormat, TestCase, TestDiagnostic, TestFileResult, TestOptions, TestOutcome,
    TestReport, TestResult, TestRunner, TestStatus,
};
pub use traits::tokens::{
    NewToken, TOKEN_PREFIX, TokenInfo, TokenRequest, TokenStore, hash_secret, invalid_token,
    make_secret, token_id_of,
};
pub use traits::trusted_publishers::{
    TrustedPublisher, TrustedPublisherRequest, TrustedPublisherStore,
};
pub use traits::validation::{
    ConfigurationParses, RootHasConfiguration, ValidNames, ValidationContext, ValidationRule,
    builtin_rules, is_identifier,
};
pub use traits::version_manager::{ExactVersionManager, LockEntry, VersionManager};
pub use version::{VERSION_REGEXP_RAW, Version, is_strict_semver, pack_segments};

/// Bytes for people: `512 B`, `1.5 KiB`, `30.0 MiB`, `1.20 GiB`.
pub(crate) fn fmt_bytes(n: u64) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f < K {
        format!("{n} B")
    } else if f < K * K {
        format!("{:.1} KiB", f / K)
    } else if f < K * K * K {
        format!("{:.1} MiB", f / (K * K))
    } else {
        format!("{:.2} GiB", f / (K * K * K))
    }
}

#[cfg(test)]
mod send_sync {
    use super::*;

    fn assert_send_sync<T: Send + Sync + ?Sized>() {}

    #[test]
    fn public_types_and_trait_objects_are_send_and_sync() {
        assert_send_sync::<Registry>();
        assert_send_sync::<Error>();
        assert_send_sync::<Module>();
        assert_send_sync::<ModuleRecord>();
        assert_send_sync::<ArchiveBody>();
        assert_send_sync::<StorageStack>();
        assert_send_sync::<dyn ModuleStorage>();
        assert_send_sync::<dyn MetadataStore>();
        assert_send_sync::<dyn BlobStore>();
        assert_send_sync::<dyn Cache>();
        assert_send_sync::<dyn VersionManager>();
        assert_send_sync::<dyn TestRunner>();
        assert_send_sync::<dyn DocGenerator>();
        assert_send_sync::<dyn SearchIndex>();
        assert_send_sync::<dyn Authorizer>();
        assert_send_sync::<dyn AuditSink>();
        assert_send_sync::<dyn Clock>();
        assert_send_sync::<dyn ModuleInspector>();
        assert_send_sync::<dyn TreeHasher>();
        assert_send_sync::<dyn SignatureVerifier>();
        assert_send_sync::<dyn ValidationRule>();
        assert_send_sync::<dyn ProviderMock>();
        assert_send_sync::<dyn RegistryObserver>();
        assert_send_sync::<dyn TokenStore>();
        assert_send_sync::<dyn SigningKeyStore>();
        assert_send_sync::<dyn PolicyStore>();
        assert_send_sync::<dyn ProviderStore>();
        assert_send_sync::<dyn SecretSealer>();
    }
}
