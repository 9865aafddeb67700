//! Building a [`Registry`] from its parts.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Inner, PublishPolicy, Registry};
use crate::archive::ArchiveLimits;
use crate::error::{Error, Result};
use crate::traits::audit::{AuditSink, TracingAuditSink};
use crate::traits::auth::{Authorizer, RoleAuthorizer};
use crate::traits::clock::{Clock, SystemClock};
use crate::traits::docs::DocGenerator;
use crate::traits::inspect::{FileListInspector, ModuleInspector};
use crate::traits::integrity::{Hash1, NoSignatures, SignatureVerifier, TreeHasher};
use crate::traits::observer::{NoopObserver, RegistryObserver};
use crate::traits::policy::PolicyStore;
use crate::traits::search::SearchIndex;
use crate::traits::storage::ModuleStorage;
use crate::traits::test_runner::TestRunner;
use crate::traits::validation::{ValidationRule, builtin_rules};
use crate::traits::version_manager::{ExactVersionManager, VersionManager};

/// Builds a [`Registry`]. Only the storage is required; every other part has
/// a default:
///
/// | part | default |
/// |---|---|
/// | version manager | [`ExactVersionManager`] (registry-resolve has the Terraform one) |
/// | inspector | [`FileListInspector`] (registry-docs has the HCL one) |
/// | tree hasher | [`Hash1`] |
/// | signatures | [`NoSignatures`] |
/// | validation rules | [`builtin_rules`] |
/// | authorizer | [`RoleAuthorizer`] with anonymous reads |
/// | audit | [`TracingAuditSink`] |
/// | search, docs, namespace policies | none (every namespace has the default policy) |
/// | test runner | none (a namespace policy requiring tests refuses publishes) |
/// | compatibility check | none (a namespace policy with a semver guard refuses publishes it would check) |
#[derive(Default)]
pub struct RegistryBuilder {
    storage: Option<Arc<dyn ModuleStorage>>,
    versions: Option<Arc<dyn VersionManager>>,
    inspector: Option<Arc<dyn ModuleInspector>>,
    hasher: Option<Arc<dyn TreeHasher>>,
    signatures: Option<Arc<dyn SignatureVerifier>>,
    rules: Option<Vec<Arc<dyn ValidationRule>>>,
    authorizer: Option<Arc<dyn Authorizer>>,
    audit: Option<Arc<dyn AuditSink>>,
    clock: Option<Arc<dyn Clock>>,
    search: Option<Arc<dyn SearchIndex>>,
    docs: Option<Arc<dyn DocGenerator>>,
    observer: Option<Arc<dyn RegistryObserver>>,
    policies: Option<Arc<dyn PolicyStore>>,
    tests: Option<Arc<dyn TestRunner>>,
    compatibility: Option<Arc<dyn crate::traits::compat::CompatibilityCheck>>,
    limits: ArchiveLimits,
    policy: PublishPolicy,
    spool_dir: Option<PathBuf>,
}

impl std::fmt::Debug for RegistryBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryBuilder")
            .field("storage", &self.storage)
            .field("limits", &self.limits)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident, $field:ident, $tr:path) => {
        $(#[$doc])*
        pub fn $name(mut self, value: Arc<dyn $tr>) -> Self {
            self.$field = Some(value);
            self
        }
    };
}

impl RegistryBuilder {
    /// A builder with every default.
    pub fn new() -> Self {
        Self::default()
    }

    setter!(
        /// Where modules are stored (required).
        storage, storage, ModuleStorage
    );
    setter!(
        /// How versions are parsed, resolved, locked and verified.
        version_manager, versions, VersionManager
    );
    setter!(
        /// How module files are read into a summary.
        inspector, inspector, ModuleInspector
    );
    setter!(
        /// How the unpacked tree is hashed.
        tree_hasher, hasher, TreeHasher
    );
    setter!(
        /// How signatures are checked.
        signature_verifier, signatures, SignatureVerifier
    );
    setter!(
        /// Who may do what.
        authorizer, authorizer, Authorizer
    );
    setter!(
        /// Where audit records go.
        audit_sink, audit, AuditSink
    );
    setter!(
        /// The clock.
        clock, clock, Clock
    );
    setter!(
        /// The search index kept current on publish and lifecycle changes.
        search_index, search, SearchIndex
    );
    setter!(
        /// The documentation generator.
        doc_generator, docs, DocGenerator
    );
    setter!(
        /// Metrics hooks.
        observer, observer, RegistryObserver
    );
    setter!(
        /// Where namespace policies are kept (signatures, validation,
        /// tests on publish); without one every namespace has the default.
        policy_store, policies, PolicyStore
    );
    setter!(
        /// What runs a module's tests on publish, where a namespace's
        /// policy asks for them (registry-testkit's `.tftest.hcl` engine).
        test_runner, tests, TestRunner
    );

    /// What the semver guard checks a publish with, where a namespace's
    /// policy asks (registry-diff's module API diff).
    pub fn compatibility_check(
        mut self,
        check: Arc<dyn crate::traits::compat::CompatibilityCheck>,
    ) -> Self {
        self.compatibility = Some(check);
        self
    }

    /// Replace the validation rules.
    pub fn validation_rules(mut self, rules: Vec<Arc<dyn ValidationRule>>) -> Self {
        self.rules = Some(rules);
        self
    }

    /// Add a validation rule to the current set.
    pub fn add_validation_rule(mut self, rule: Arc<dyn ValidationRule>) -> Self {
        self.rules.get_or_insert_with(builtin_rules).push(rule);
        self
    }

    /// Archive limits.
    pub fn archive_limits(mut self, limits: ArchiveLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Publish policy.
    pub fn publish_policy(mut self, policy: PublishPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Where large uploads are spooled (default: the system temp folder).
    pub fn spool_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spool_dir = Some(dir.into());
        self
    }

    /// Build the registry; `InvalidInput` if no storage was given.
    pub fn build(self) -> Result<Registry> {
        let storage = self
            .storage
            .ok_or_else(|| Error::invalid_input("RegistryBuilder: a storage is required"))?;
        Ok(Registry {
            inner: Arc::new(Inner {
                storage,
                versions: self
                    .versions
                    .unwrap_or_else(|| Arc::new(ExactVersionManager)),
                inspector: self
                    .inspector
                    .unwrap_or_else(|| Arc::new(FileListInspector)),
                hasher: self.hasher.unwrap_or_else(|| Arc::new(Hash1)),
                signatures: self.signatures.unwrap_or_else(|| Arc::new(NoSignatures)),
                rules: self.rules.unwrap_or_else(builtin_rules),
                authorizer: self
                    .authorizer
                    .unwrap_or_else(|| Arc::new(RoleAuthorizer::default())),
                audit: self.audit.unwrap_or_else(|| Arc::new(TracingAuditSink)),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                search: self.search,
                docs: self.docs,
                observer: self.observer.unwrap_or_else(|| Arc::new(NoopObserver)),
                policies: self.policies,
                tests: self.tests,
                compatibility: self.compatibility,
                limits: self.limits,
                policy: self.policy,
                spool_dir: self.spool_dir,
                refusals: super::refusals::RefusalThrottle::new(),
            }),
        })
    }
}
