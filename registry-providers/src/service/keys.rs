//! A namespace's provider signing keys: the registry's own (made on first
//! use, the private half sealed), keys an admin registers for publishers
//! who sign themselves, rotation and revocation. Revoking a key the
//! registry signed with re-signs those releases with the namespace's
//! current key, so clients keep installing them; a revoked registered key's
//! releases stop being offered until they are published again.

use chrono::Utc;
use registry_core::{
    Action, Error, ErrorKind, ProviderKey, ProviderKeyOrigin, ProviderSignature, RequestContext,
    Result,
};

use super::ProviderRegistry;
use crate::signing::{SigningKey, public_key_id};

/// What a revocation did to the releases the key had signed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revocation {
    /// The revoked key.
    pub key_id: String,
    /// Releases signed again with the namespace's current key (`TYPE VERSION`).
    pub resigned: Vec<String>,
    /// Releases no longer offered (signed with a registered key; publish them again).
    pub withdrawn: Vec<String>,
}

fn key_target(namespace: &str) -> String {
    format!("providers/{namespace}")
}

impl ProviderRegistry {
    /// Every key of `namespace` (of every namespace when `None`), revoked
    /// ones included. Admins only.
    pub async fn keys(
        &self,
        ctx: &RequestContext,
        namespace: Option<&str>,
    ) -> Result<Vec<ProviderKey>> {
        let ns = namespace.unwrap_or("*");
        self.registry
            .authorize_in(ctx, Action::Admin, ns, "provider.keys", &key_target(ns))
            .await?;
        let mut keys = self.store.provider_keys(namespace).await?;
        for k in &mut keys {
            k.sealed_secret = None;
        }
        Ok(keys)
    }

    /// Make a new registry key for `namespace`; it signs every release
    /// published from now on (older releases keep the key they were signed
    /// with, which stays valid). Admins only; audited.
    pub async fn rotate_key(&self, ctx: &RequestContext, namespace: &str) -> Result<ProviderKey> {
        let namespace = checked_namespace(namespace)?;
        let target = key_target(&namespace);
        self.registry
            .authorize_in(
                ctx,
                Action::Admin,
                &namespace,
                "provider.key.rotate",
                &target,
            )
            .await?;
        let made = self.new_registry_key(&namespace).await.map(|(k, _)| k);
        self.registry
            .record_outcome(ctx, "provider.key.rotate", &target, &made)
            .await;
        made
    }

    /// Register the public key publishers of `namespace` sign their own
    /// `SHA256SUMS` with. Admins only; audited.
    pub async fn register_key(
        &self,
        ctx: &RequestContext,
        namespace: &str,
        armored: &str,
    ) -> Result<ProviderKey> {
        let namespace = checked_namespace(namespace)?;
        let target = key_target(&namespace);
        self.registry
            .authorize_in(ctx, Action::Admin, &namespace, "provider.key.add", &target)
            .await?;
        let result = async {
            if armored.contains("PRIVATE KEY") {
                return Err(Error::invalid_input(
                    "that is a private key: register the public half (`gpg --armor --export KEYID`)",
                ));
            }
            let key = ProviderKey {
                namespace: namespace.clone(),
                key_id: public_key_id(armored)?,
                public_key: armored.trim().to_string() + "\n",
                origin: ProviderKeyOrigin::Registered,
                sealed_secret: None,
                created_at: Utc::now(),
                revoked_at: None,
            };
            self.store.add_provider_key(&key).await?;
            Ok(key)
        }
        .await;
        self.registry
            .record_outcome(ctx, "provider.key.add", &target, &result)
            .await;
        result
    }

    /// Revoke a key: it signs and verifies nothing more. Releases the
    /// registry had signed with it are signed again with the namespace's
    /// current key; releases a publisher signed with it are withdrawn.
    /// Admins only; audited.
    pub async fn revoke_key(
        &self,
        ctx: &RequestContext,
        namespace: &str,
        key_id: &str,
    ) -> Result<Revocation> {
        let namespace = checked_namespace(namespace)?;
        let key_id = key_id.trim().to_ascii_uppercase();
        let target = key_target(&namespace);
        self.registry
            .authorize_in(
                ctx,
                Action::Admin,
                &namespace,
                "provider.key.revoke",
                &target,
            )
            .await?;
        let result = self.revoke(&namespace, &key_id).await;
        self.registry
            .record_outcome(
                ctx,
                "provider.key.revoke",
                &format!("{target} key {key_id}"),
                &result,
            )
            .await;
        result
    }

    async fn revoke(&self, namespace: &str, key_id: &str) -> Result<Revocation> {
        match self
            .store
            .revoke_provider_key(namespace, key_id, Utc::now())
            .await
        {
            Ok(()) => {}
            // Revoked already: finish what an interrupted revocation left
            // (re-signing is what a retry is for).
            Err(e)
                if e.kind() == ErrorKind::NotFound
                    && self.is_revoked(namespace, key_id).await? => {}
            Err(e) => return Err(e),
        }
        let mut report = self.repair_signatures(namespace, Some(key_id)).await?;
        report.key_id = key_id.to_string();
        Ok(report)
    }

    async fn is_revoked(&self, namespace: &str, key_id: &str) -> Result<bool> {
        Ok(self
            .store
            .provider_keys(Some(namespace))
            .await?
            .iter()
            .any(|k| k.key_id == key_id && !k.is_active()))
    }

    /// Every release of `namespace` signed with a revoked key: the
    /// registry's own signed again with its current key, a publisher's
    /// reported as withdrawn. Run after each revocation, and after a
    /// publish whose key was revoked while it ran, so no release is left
    /// on a revoked registry key whatever failed or raced before.
    /// Withdrawn releases are reported for `withdrawn_of` only (every
    /// revoked key's when `None`).
    pub(super) async fn repair_signatures(
        &self,
        namespace: &str,
        withdrawn_of: Option<&str>,
    ) -> Result<Revocation> {
        let revoked: std::collections::HashSet<String> = self
            .store
            .provider_keys(Some(namespace))
            .await?
            .into_iter()
            .filter(|k| !k.is_active())
            .map(|k| k.key_id)
            .collect();
        let mut report = Revocation::default();
        for address in self.store.providers(None).await? {
            if address.namespace() != namespace {
                continue;
            }
            for release in self.store.releases(&address).await? {
                let Some(sig) = &release.signature else {
                    continue;
                };
                if !revoked.contains(&sig.key_id) {
                    continue;
                }
                let name = format!("{} {}", address.provider_type(), release.version);
                if sig.by_registry {
                    let (key, signing) = self.signing_key(namespace).await?;
                    let signature = ProviderSignature {
                        shasums: sig.shasums.clone(),
                        signature: signing.sign(sig.shasums.as_bytes())?,
                        key_id: key.key_id,
                        by_registry: true,
                    };
                    self.store
                        .replace_signature(&address, &release.version, &signature)
                        .await?;
                    report.resigned.push(name);
                } else if withdrawn_of.is_none_or(|k| k == sig.key_id) {
                    report.withdrawn.push(name);
                }
            }
        }
        Ok(report)
    }

    /// The namespace's current registry key and its private half, made
    /// when the namespace has none.
    pub(super) async fn signing_key(&self, namespace: &str) -> Result<(ProviderKey, SigningKey)> {
        let current = self
            .store
            .provider_keys(Some(namespace))
            .await?
            .into_iter()
            .find(|k| k.is_active() && k.origin == ProviderKeyOrigin::Registry);
        match current {
            Some(key) => {
                let sealed = key.sealed_secret.as_deref().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Backend,
                        format!("provider key {} has no private half stored", key.key_id),
                    )
                })?;
                let armored = String::from_utf8(self.sealer.open(sealed)?)
                    .map_err(|_| Error::new(ErrorKind::Integrity, "a sealed key is not text"))?;
                let signing = SigningKey::from_armored(&armored)?;
                Ok((key, signing))
            }
            None => self.new_registry_key(namespace).await,
        }
    }

    /// An active key of `namespace` whose id is `key_id`, if any.
    pub(super) async fn active_key(&self, namespace: &str, key_id: &str) -> Result<ProviderKey> {
        self.store
            .provider_keys(Some(namespace))
            .await?
            .into_iter()
            .find(|k| k.key_id == key_id && k.is_active())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Integrity,
                    format!(
                        "key {key_id} is not an active provider key of namespace {namespace:?} (revoked, or never registered: `registry provider keys list`)"
                    ),
                )
            })
    }

    async fn new_registry_key(&self, namespace: &str) -> Result<(ProviderKey, SigningKey)> {
        let user_id = format!("Provider signing key for {namespace} <{namespace}@registry>");
        let signing = tokio::task::spawn_blocking(move || SigningKey::generate(&user_id))
            .await
            .map_err(|e| Error::new(ErrorKind::Backend, format!("key generation failed: {e}")))??;
        let public = signing.public_key()?;
        let key = ProviderKey {
            namespace: namespace.to_string(),
            key_id: public.key_id,
            public_key: public.ascii_armor,
            origin: ProviderKeyOrigin::Registry,
            sealed_secret: Some(self.sealer.seal(signing.to_armored()?.as_bytes())?),
            created_at: Utc::now(),
            revoked_at: None,
        };
        self.store.add_provider_key(&key).await?;
        Ok((key, signing))
    }
}

fn checked_namespace(namespace: &str) -> Result<String> {
    registry_core::validate_namespace(namespace)?;
    Ok(namespace.to_ascii_lowercase())
}
