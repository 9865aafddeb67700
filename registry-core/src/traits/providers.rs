//! Terraform providers the registry holds: its own private providers
//! (published, signed with a namespace key) and copies of other
//! registries' providers (pulled through the network mirror, or imported
//! from a `terraform providers mirror` folder). The zips live in the blob
//! store by sha256; [`ProviderStore`] keeps everything else.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::digest::Sha256Digest;
use crate::error::{Error, Result};
use crate::version::Version;

/// A provider: `NS/TYPE` in this registry, or `HOST/NS/TYPE` for a copy of
/// another registry's. Namespace and type are kept lowercase (Terraform
/// compares them case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProviderAddress {
    host: Option<String>,
    namespace: String,
    provider_type: String,
}

/// Check a provider type: lowercase letters, digits and `-`, 1–64
/// characters, starting with a letter (Terraform's rule).
pub fn validate_provider_type(s: &str) -> Result<()> {
    let bad = |why: &str| Error::invalid_input(format!("invalid provider type {s:?}: {why}"));
    if s.is_empty() || s.len() > 64 {
        return Err(bad("must be 1 to 64 characters"));
    }
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(bad("must start with a lowercase letter"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(bad(&format!(
            "character {c:?} is not allowed (lowercase letters, digits and '-')"
        )));
    }
    Ok(())
}

impl ProviderAddress {
    /// A provider of this registry; namespace and type are checked and lowercased.
    pub fn new(namespace: &str, provider_type: &str) -> Result<Self> {
        crate::address::validate_namespace(namespace)?;
        let provider_type = provider_type.to_ascii_lowercase();
        validate_provider_type(&provider_type)?;
        Ok(ProviderAddress {
            host: None,
            namespace: namespace.to_ascii_lowercase(),
            provider_type,
        })
    }

    /// The same provider as another registry's (`registry.terraform.io`).
    pub fn with_host(mut self, host: &str) -> Result<Self> {
        crate::address::validate_host(&host.to_ascii_lowercase())?;
        self.host = Some(host.to_ascii_lowercase());
        Ok(self)
    }

    /// The registry it belongs to; `None` for this one.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The type (`null`, `aws`).
    pub fn provider_type(&self) -> &str {
        &self.provider_type
    }
}

impl TryFrom<String> for ProviderAddress {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<ProviderAddress> for String {
    fn from(a: ProviderAddress) -> String {
        a.to_string()
    }
}

impl fmt::Display for ProviderAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(h) = &self.host {
            write!(f, "{h}/")?;
        }
        write!(f, "{}/{}", self.namespace, self.provider_type)
    }
}

impl std::str::FromStr for ProviderAddress {
    type Err = Error;

    /// `NS/TYPE` or `HOST/NS/TYPE`.
    fn from_str(s: &str) -> Result<Self> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [ns, ty] => ProviderAddress::new(ns, ty),
            [host, ns, ty] => ProviderAddress::new(ns, ty)?.with_host(host),
            _ => Err(Error::invalid_input(format!(
                "invalid provider address {s:?}: expected NAMESPACE/TYPE or HOST/NAMESPACE/TYPE"
            ))),
        }
    }
}

/// One platform's zip of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderPlatform {
    /// `linux`, `darwin`, `windows`, …
    pub os: String,
    /// `amd64`, `arm64`, …
    pub arch: String,
    /// `terraform-provider-TYPE_VERSION_OS_ARCH.zip`.
    pub filename: String,
    /// The zip's sha256 (what `SHA256SUMS` lists; `zh:` in lock files).
    pub sha256: Sha256Digest,
    /// The zip's size; `None` until a mirrored zip is fetched.
    pub size: Option<u64>,
    /// `h1:` of the zip's contents; `None` until a mirrored zip is fetched.
    pub h1: Option<String>,
    /// Where a mirrored zip comes from upstream (fetched on first use).
    pub source_url: Option<String>,
}

impl ProviderPlatform {
    /// Whether the zip is in the blob store (always, for this registry's
    /// own releases; after the first download, for mirrored ones).
    pub fn is_stored(&self) -> bool {
        self.size.is_some()
    }
}

/// A release's `SHA256SUMS` and its detached signature.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderSignature {
    /// The `SHA256SUMS` text.
    pub shasums: String,
    /// The binary OpenPGP detached signature over it.
    pub signature: Vec<u8>,
    /// The 64-bit id (16 hex digits) of the key that made it.
    pub key_id: String,
    /// Whether the registry signed it with the namespace's own key (it may
    /// then sign it again, as after a revocation).
    pub by_registry: bool,
}

impl fmt::Debug for ProviderSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSignature")
            .field("key_id", &self.key_id)
            .field("by_registry", &self.by_registry)
            .field("signature_bytes", &self.signature.len())
            .finish_non_exhaustive()
    }
}

/// A provider version and its platforms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRelease {
    /// The provider.
    pub address: ProviderAddress,
    /// The version.
    pub version: Version,
    /// Plugin protocol versions it speaks (`5.0`).
    pub protocols: Vec<String>,
    /// Its platforms, sorted by `os_arch`.
    pub platforms: Vec<ProviderPlatform>,
    /// `SHA256SUMS` and its signature (absent for an imported copy, which
    /// `terraform providers mirror` wrote without them).
    pub signature: Option<ProviderSignature>,
    /// When it was published, mirrored or imported.
    pub published_at: DateTime<Utc>,
    /// Who published it (audit id), or where a copy came from.
    pub origin: String,
}

impl ProviderRelease {
    /// The platform `os`/`arch`, if the release has it.
    pub fn platform(&self, os: &str, arch: &str) -> Option<&ProviderPlatform> {
        self.platforms.iter().find(|p| p.os == os && p.arch == arch)
    }
}

/// Where a provider signing key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKeyOrigin {
    /// The registry made it and holds its private half (sealed).
    Registry,
    /// An admin registered its public half; publishers sign with it themselves.
    Registered,
}

impl ProviderKeyOrigin {
    /// `registry` or `registered`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKeyOrigin::Registry => "registry",
            ProviderKeyOrigin::Registered => "registered",
        }
    }

    /// Parse [`ProviderKeyOrigin::as_str`]'s text.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "registry" => Ok(ProviderKeyOrigin::Registry),
            "registered" => Ok(ProviderKeyOrigin::Registered),
            other => Err(Error::invalid_input(format!(
                "unknown provider key origin {other:?}"
            ))),
        }
    }
}

/// An OpenPGP key a namespace's provider releases are signed with.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderKey {
    /// The namespace (lowercase).
    pub namespace: String,
    /// 16 uppercase hex digits.
    pub key_id: String,
    /// The ASCII-armored public key.
    pub public_key: String,
    /// Who holds the private half.
    pub origin: ProviderKeyOrigin,
    /// The private key, sealed with the registry's key-encryption key
    /// (only for [`ProviderKeyOrigin::Registry`]); never serialized.
    #[serde(skip)]
    pub sealed_secret: Option<Vec<u8>>,
    /// When it was made or registered.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; a revoked key signs nothing and verifies nothing.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderKey")
            .field("namespace", &self.namespace)
            .field("key_id", &self.key_id)
            .field("origin", &self.origin)
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

impl ProviderKey {
    /// Whether the key is in force.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// Provider releases and keys in the metadata database.
#[async_trait]
pub trait ProviderStore: Send + Sync + fmt::Debug + 'static {
    /// Record a release with its platforms, at once. `AlreadyExists` when
    /// the version is taken.
    async fn insert_release(&self, release: &ProviderRelease) -> Result<()>;

    /// One release.
    async fn release(
        &self,
        address: &ProviderAddress,
        version: &Version,
    ) -> Result<Option<ProviderRelease>>;

    /// Every release of a provider, newest first.
    async fn releases(&self, address: &ProviderAddress) -> Result<Vec<ProviderRelease>>;

    /// Every provider with at least one release: this registry's when
    /// `host` is `None`, else that registry's copies.
    async fn providers(&self, host: Option<&str>) -> Result<Vec<ProviderAddress>>;

    /// Put `release` in the place of a withdrawn one of the same version
    /// (signed by its publisher with `withdrawn_key`, revoked since), in
    /// one transaction. `Conflict` when the stored release is not that one.
    async fn replace_withdrawn_release(
        &self,
        release: &ProviderRelease,
        withdrawn_key: &str,
    ) -> Result<()>;

    /// Record that a mirrored platform's zip is now stored.
    async fn platform_stored(
        &self,
        address: &ProviderAddress,
        version: &Version,
        platform: &ProviderPlatform,
    ) -> Result<()>;

    /// Replace a release's signature (re-signing after a revocation).
    async fn replace_signature(
        &self,
        address: &ProviderAddress,
        version: &Version,
        signature: &ProviderSignature,
    ) -> Result<()>;

    /// Add a key. `AlreadyExists` when the namespace has it.
    async fn add_provider_key(&self, key: &ProviderKey) -> Result<()>;

    /// A namespace's keys (every namespace's when `None`), newest first,
    /// revoked ones included.
    async fn provider_keys(&self, namespace: Option<&str>) -> Result<Vec<ProviderKey>>;

    /// Revoke a key. `NotFound` when the namespace has no such active key.
    async fn revoke_provider_key(
        &self,
        namespace: &str,
        key_id: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;
}

/// Seals secrets the registry keeps in its database (provider private
/// keys) with a key that is not in the database.
pub trait SecretSealer: Send + Sync + fmt::Debug + 'static {
    /// Encrypt and authenticate `plain`.
    fn seal(&self, plain: &[u8]) -> Result<Vec<u8>>;
    /// Check and decrypt what [`SecretSealer::seal`] made.
    fn open(&self, sealed: &[u8]) -> Result<Vec<u8>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_lowercase_and_show_their_host() {
        let a: ProviderAddress = "Acme/Null".parse().unwrap();
        assert_eq!(a.to_string(), "acme/null");
        let m: ProviderAddress = "registry.terraform.io/hashicorp/aws".parse().unwrap();
        assert_eq!(m.host(), Some("registry.terraform.io"));
        assert_eq!(m.to_string(), "registry.terraform.io/hashicorp/aws");
        for bad in ["acme", "acme/1null", "acme/nu_ll", "a/b/c/d", "-x/null"] {
            assert!(bad.parse::<ProviderAddress>().is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_and_signatures_never_show_secrets() {
        let k = ProviderKey {
            namespace: "acme".into(),
            key_id: "ABCD".into(),
            public_key: "pub".into(),
            origin: ProviderKeyOrigin::Registry,
            sealed_secret: Some(b"sealed-secret".to_vec()),
            created_at: Utc::now(),
            revoked_at: None,
        };
        assert!(!format!("{k:?}").contains("sealed-secret"));
        assert!(serde_json::to_string(&k).unwrap().find("sealed").is_none());
        assert_eq!(
            ProviderKeyOrigin::parse(ProviderKeyOrigin::Registered.as_str()).unwrap(),
            ProviderKeyOrigin::Registered
        );
    }
}
