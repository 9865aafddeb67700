//! Response bodies of the provider registry protocol (as Terraform reads
//! them) and of the provider API around it (releases, keys).

use registry_core::{ProviderKey, ProviderRelease};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An OS and architecture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderPlatformView {
    /// `linux`, `darwin`, `windows`, …
    pub os: String,
    /// `amd64`, `arm64`, …
    pub arch: String,
}

/// One version in the protocol's versions list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderVersionView {
    /// The version.
    pub version: String,
    /// Plugin protocol versions it speaks.
    #[serde(default)]
    pub protocols: Vec<String>,
    /// The platforms it is built for.
    pub platforms: Vec<ProviderPlatformView>,
}

impl From<&ProviderRelease> for ProviderVersionView {
    fn from(r: &ProviderRelease) -> Self {
        ProviderVersionView {
            version: r.version.to_string(),
            protocols: r.protocols.clone(),
            platforms: r
                .platforms
                .iter()
                .map(|p| ProviderPlatformView {
                    os: p.os.clone(),
                    arch: p.arch.clone(),
                })
                .collect(),
        }
    }
}

/// `GET /v1/providers/NS/TYPE/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderVersionsView {
    /// `NS/TYPE` (other registries may leave it out).
    #[serde(default)]
    pub id: String,
    /// Every version, newest first.
    pub versions: Vec<ProviderVersionView>,
}

/// A public key as the download answer carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GpgPublicKeyView {
    /// 16 uppercase hex digits.
    pub key_id: String,
    /// The ASCII-armored public key.
    pub ascii_armor: String,
    /// Empty: no trust signature (Terraform then reports the provider as
    /// signed by a community key).
    #[serde(default)]
    pub trust_signature: String,
    /// Who the key belongs to.
    #[serde(default)]
    pub source: String,
    /// Where to read about the key.
    #[serde(default)]
    pub source_url: Option<String>,
}

/// The keys that may have signed the release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SigningKeysView {
    /// OpenPGP keys.
    pub gpg_public_keys: Vec<GpgPublicKeyView>,
}

/// `GET /v1/providers/NS/TYPE/VERSION/download/OS/ARCH`: where the zip,
/// its `SHA256SUMS` and the signature are, and the key that signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderDownloadView {
    /// Plugin protocol versions.
    #[serde(default)]
    pub protocols: Vec<String>,
    /// The OS.
    pub os: String,
    /// The architecture.
    pub arch: String,
    /// The zip's file name.
    pub filename: String,
    /// The zip's URL (root-relative; with a grant when reads need one).
    pub download_url: String,
    /// The `SHA256SUMS` URL.
    pub shasums_url: String,
    /// The signature's URL.
    pub shasums_signature_url: String,
    /// The zip's sha256, hex.
    pub shasum: String,
    /// The key that signed `SHA256SUMS`.
    pub signing_keys: SigningKeysView,
}

/// One platform of a release, with its hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderFileView {
    /// The OS.
    pub os: String,
    /// The architecture.
    pub arch: String,
    /// The zip's file name.
    pub filename: String,
    /// The zip's sha256, hex.
    pub sha256: String,
    /// Its size in bytes, when stored.
    pub size: Option<u64>,
    /// `h1:` of its contents, when stored (what lock files record).
    pub h1: Option<String>,
}

/// A release in detail (the publish answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderReleaseView {
    /// `NS/TYPE` (or `HOST/NS/TYPE` for a copy).
    pub address: String,
    /// The version.
    pub version: String,
    /// Plugin protocol versions.
    pub protocols: Vec<String>,
    /// Its platforms.
    pub platforms: Vec<ProviderFileView>,
    /// The key that signed its `SHA256SUMS`, if it is signed.
    pub key_id: Option<String>,
    /// Whether the registry signed it (else the publisher did).
    pub signed_by_registry: bool,
    /// When it was published (RFC 3339).
    pub published_at: String,
    /// Who published it, or where a copy came from.
    pub origin: String,
}

impl From<&ProviderRelease> for ProviderReleaseView {
    fn from(r: &ProviderRelease) -> Self {
        ProviderReleaseView {
            address: r.address.to_string(),
            version: r.version.to_string(),
            protocols: r.protocols.clone(),
            platforms: r
                .platforms
                .iter()
                .map(|p| ProviderFileView {
                    os: p.os.clone(),
                    arch: p.arch.clone(),
                    filename: p.filename.clone(),
                    sha256: p.sha256.hex(),
                    size: p.size,
                    h1: p.h1.clone(),
                })
                .collect(),
            key_id: r.signature.as_ref().map(|s| s.key_id.clone()),
            signed_by_registry: r.signature.as_ref().is_some_and(|s| s.by_registry),
            published_at: r.published_at.to_rfc3339(),
            origin: r.origin.clone(),
        }
    }
}

/// A provider signing key (never its private half).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderKeyView {
    /// The namespace.
    pub namespace: String,
    /// 16 uppercase hex digits.
    pub key_id: String,
    /// `registry` (the registry holds the private half and signs) or
    /// `registered` (publishers sign with it themselves).
    pub origin: String,
    /// The ASCII-armored public key.
    pub public_key: String,
    /// When it was made or registered (RFC 3339).
    pub created_at: String,
    /// When it was revoked (RFC 3339), if it was.
    pub revoked_at: Option<String>,
}

impl From<&ProviderKey> for ProviderKeyView {
    fn from(k: &ProviderKey) -> Self {
        ProviderKeyView {
            namespace: k.namespace.clone(),
            key_id: k.key_id.clone(),
            origin: k.origin.as_str().to_string(),
            public_key: k.public_key.clone(),
            created_at: k.created_at.to_rfc3339(),
            revoked_at: k.revoked_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// What a revocation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevocationView {
    /// The revoked key.
    pub key_id: String,
    /// Releases signed again with the namespace's current key.
    pub resigned: Vec<String>,
    /// Releases no longer offered until they are published again.
    pub withdrawn: Vec<String>,
}

/// Every key, for `GET /v1/provider-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderKeysView {
    /// Newest first within each namespace.
    pub keys: Vec<ProviderKeyView>,
}

/// `GET /v1/providers`: this registry's providers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderListView {
    /// `NS/TYPE` each.
    pub providers: Vec<String>,
}

/// A network mirror's `index.json`: the versions it offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MirrorIndexView {
    /// Each version, mapped to an empty object (the protocol's shape).
    pub versions: std::collections::BTreeMap<String, EmptyView>,
}

/// `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EmptyView {}

/// One platform's archive in a network mirror's `VERSION.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MirrorArchiveView {
    /// The zip's URL, relative to the `VERSION.json` URL.
    pub url: String,
    /// `zh:` (the zip's sha256, from the signed `SHA256SUMS`) and, once
    /// the zip is stored, `h1:`.
    pub hashes: Vec<String>,
}

/// A network mirror's `VERSION.json`: its archives by `OS_ARCH`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MirrorVersionView {
    /// `linux_amd64` → archive.
    pub archives: std::collections::BTreeMap<String, MirrorArchiveView>,
}
