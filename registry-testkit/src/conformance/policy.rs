//! The [`PolicyStore`](registry_core::PolicyStore) conformance suite.

use registry_core::{NamespacePolicy, PolicyStore, SemverGuard, TestsPolicy, ValidationPolicy};

/// Defaults for unknown namespaces, replace and read back, namespaces
/// matched without regard to case and kept apart from each other.
pub async fn run_all(store: &dyn PolicyStore) {
    assert_eq!(
        store.policy("acme").await.unwrap(),
        NamespacePolicy::default(),
        "a namespace without a policy has the default"
    );
    let strict = NamespacePolicy {
        require_signatures: true,
        validation: ValidationPolicy::Warn,
        tests: TestsPolicy::Require,
        semver_guard: SemverGuard::Refuse,
    };
    store.set_policy("ACME", &strict).await.unwrap();
    assert_eq!(store.policy("acme").await.unwrap(), strict);
    assert_eq!(store.policy("Acme").await.unwrap(), strict);
    assert_eq!(
        store.policy("other").await.unwrap(),
        NamespacePolicy::default(),
        "policies are per namespace"
    );
    let relaxed = NamespacePolicy {
        tests: TestsPolicy::Run,
        ..NamespacePolicy::default()
    };
    store.set_policy("acme", &relaxed).await.unwrap();
    assert_eq!(
        store.policy("acme").await.unwrap(),
        relaxed,
        "replaced whole"
    );
}
