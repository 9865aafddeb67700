//! Namespace policies through the registry: read and replaced by admins of
//! the namespace (audited), consulted by every publish.

use super::{Registry, RequestContext};
use crate::address::validate_namespace;
use crate::error::{Error, ErrorKind, Result};
use crate::traits::auth::Action;
use crate::traits::policy::NamespacePolicy;

impl Registry {
    /// A namespace's publishing policy (admins of the namespace; the default
    /// policy when none was set or the registry keeps none).
    pub async fn namespace_policy(
        &self,
        ctx: &RequestContext,
        namespace: &str,
    ) -> Result<NamespacePolicy> {
        validate_namespace(namespace)?;
        let allowed = self.authorize(ctx, Action::Admin, namespace);
        if allowed.is_err() {
            self.audit(ctx, "read policy", namespace, &allowed).await;
        }
        allowed?;
        self.policy_of(namespace).await
    }

    /// Replace a namespace's publishing policy (admins of the namespace).
    pub async fn set_namespace_policy(
        &self,
        ctx: &RequestContext,
        namespace: &str,
        policy: &NamespacePolicy,
    ) -> Result<NamespacePolicy> {
        let result = self.store_policy(ctx, namespace, policy).await;
        let target = format!("{namespace} {}", policy.assignments().join(" "));
        self.audit(ctx, "set policy", &target, &result).await;
        result
    }

    async fn store_policy(
        &self,
        ctx: &RequestContext,
        namespace: &str,
        policy: &NamespacePolicy,
    ) -> Result<NamespacePolicy> {
        validate_namespace(namespace)?;
        self.authorize(ctx, Action::Admin, namespace)?;
        let store = self.inner.policies.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                "this registry keeps no namespace policies",
            )
        })?;
        store.set_policy(namespace, policy).await?;
        Ok(policy.clone())
    }

    /// The policy a publish to `namespace` follows.
    pub(crate) async fn policy_of(&self, namespace: &str) -> Result<NamespacePolicy> {
        match &self.inner.policies {
            Some(store) => store.policy(namespace).await,
            None => Ok(NamespacePolicy::default()),
        }
    }
}
