//! [`ProviderRegistry`]: this registry's private providers, with the same
//! tokens, roles and audit log as its modules (it authorizes and audits
//! through the module [`Registry`]). Publishing is in `publish.rs`, the
//! namespaces' signing keys in `keys.rs`; reads are here.

mod copies;
mod keys;
mod publish;

use std::sync::Arc;

use bytes::Bytes;
use registry_core::{
    Action, BlobStore, Error, ErrorKind, ProviderAddress, ProviderKey, ProviderPlatform,
    ProviderRelease, ProviderStore, Registry, RequestContext, Result, SecretSealer, Version,
};

pub use keys::Revocation;
pub use publish::{DEFAULT_PROTOCOLS, ReleaseUpload, UploadedFile, check_protocols};

use crate::release::{signature_name, sums_name};

/// Providers published to this registry.
#[derive(Debug, Clone)]
pub struct ProviderRegistry {
    registry: Registry,
    store: Arc<dyn ProviderStore>,
    blobs: Arc<dyn BlobStore>,
    sealer: Arc<dyn SecretSealer>,
    /// Zips are read whole (the blob store hands out bytes): this many at
    /// once bounds the memory downloads take.
    zip_reads: Arc<tokio::sync::Semaphore>,
}

/// How many zips are read from the blob store at once.
pub const ZIP_READS_AT_ONCE: usize = 8;

/// What the protocol's download answer needs for one platform.
#[derive(Debug, Clone)]
pub struct PlatformDownload {
    /// The release.
    pub release: ProviderRelease,
    /// The platform asked for.
    pub platform: ProviderPlatform,
    /// The public key that signed the release's `SHA256SUMS`.
    pub key: ProviderKey,
}

/// One file of a release, as the download answer's URLs name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseFile {
    /// A platform's zip.
    Zip(Bytes),
    /// `…_SHA256SUMS`.
    Sums(String),
    /// `…_SHA256SUMS.sig`.
    Signature(Vec<u8>),
}

impl ProviderRegistry {
    /// Providers kept in `store`, their zips in `blobs`, the registry's
    /// private keys sealed by `sealer`; authorized and audited by `registry`.
    pub fn new(
        registry: Registry,
        store: Arc<dyn ProviderStore>,
        blobs: Arc<dyn BlobStore>,
        sealer: Arc<dyn SecretSealer>,
    ) -> Self {
        ProviderRegistry {
            registry,
            store,
            blobs,
            sealer,
            zip_reads: Arc::new(tokio::sync::Semaphore::new(ZIP_READS_AT_ONCE)),
        }
    }

    /// The store behind it (the network mirror keeps its copies there too).
    pub fn store(&self) -> &Arc<dyn ProviderStore> {
        &self.store
    }

    async fn authorize_read(&self, ctx: &RequestContext, address: &ProviderAddress) -> Result<()> {
        self.registry
            .authorize_in(
                ctx,
                Action::Read,
                address.namespace(),
                "provider.read",
                &format!("providers/{address}"),
            )
            .await
    }

    /// Every release of a provider of this registry, newest first.
    /// `NotFound` when it has none.
    pub async fn versions(
        &self,
        ctx: &RequestContext,
        address: &ProviderAddress,
    ) -> Result<Vec<ProviderRelease>> {
        self.authorize_read(ctx, address).await?;
        let revoked = self.revoked_keys(address.namespace()).await?;
        // A release its publisher signed with a key revoked since is not
        // offered (Terraform would pick it and fail); publishing it again
        // brings it back.
        let releases: Vec<ProviderRelease> = self
            .store
            .releases(address)
            .await?
            .into_iter()
            .filter(|r| !is_withdrawn(r, &revoked))
            .collect();
        if releases.is_empty() {
            return Err(Error::not_found(format!("provider {address} not found")));
        }
        Ok(releases)
    }

    /// The ids of a namespace's revoked keys.
    pub(super) async fn revoked_keys(
        &self,
        namespace: &str,
    ) -> Result<std::collections::HashSet<String>> {
        Ok(self
            .store
            .provider_keys(Some(namespace))
            .await?
            .into_iter()
            .filter(|k| !k.is_active())
            .map(|k| k.key_id)
            .collect())
    }

    /// The providers of this registry the caller may read.
    pub async fn list(&self, ctx: &RequestContext) -> Result<Vec<ProviderAddress>> {
        self.registry.authorize_listing(ctx, None)?;
        Ok(self
            .store
            .providers(None)
            .await?
            .into_iter()
            .filter(|a| self.registry.can_read(ctx, a.namespace()))
            .collect())
    }

    /// One release.
    pub async fn release(
        &self,
        ctx: &RequestContext,
        address: &ProviderAddress,
        version: &Version,
    ) -> Result<ProviderRelease> {
        self.authorize_read(ctx, address).await?;
        self.store
            .release(address, version)
            .await?
            .ok_or_else(|| Error::not_found(format!("provider {address} has no version {version}")))
    }

    /// A platform of a release with the key that signed it. A release
    /// signed with a key revoked since is refused, naming the key.
    pub async fn download(
        &self,
        ctx: &RequestContext,
        address: &ProviderAddress,
        version: &Version,
        os: &str,
        arch: &str,
    ) -> Result<PlatformDownload> {
        let release = self.release(ctx, address, version).await?;
        let platform = release.platform(os, arch).cloned().ok_or_else(|| {
            let have: Vec<String> = release
                .platforms
                .iter()
                .map(|p| format!("{}_{}", p.os, p.arch))
                .collect();
            Error::not_found(format!(
                "provider {address} {version} has no {os}_{arch} build (it has {})",
                have.join(", ")
            ))
        })?;
        let sig = release.signature.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Integrity,
                format!("{address} {version} is not signed"),
            )
        })?;
        let key = self
            .active_key(address.namespace(), &sig.key_id)
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "{address} {version} was signed with key {}, which has been revoked: publish it again signed with an active key",
                        sig.key_id
                    ),
                )
            })?;
        let key = ProviderKey {
            sealed_secret: None,
            ..key
        };
        Ok(PlatformDownload {
            release,
            platform,
            key,
        })
    }

    /// A file of a release by name: a zip (checked against its sha256
    /// before it is handed out), the `SHA256SUMS` or its signature.
    pub async fn file(
        &self,
        ctx: &RequestContext,
        address: &ProviderAddress,
        version: &Version,
        name: &str,
    ) -> Result<ReleaseFile> {
        let release = self.release(ctx, address, version).await?;
        let missing = || Error::not_found(format!("{address} {version} has no file {name:?}"));
        let ty = address.provider_type();
        if name == sums_name(ty, version.as_str()) || name == signature_name(ty, version.as_str()) {
            let sig = release.signature.as_ref().ok_or_else(missing)?;
            return Ok(if name.ends_with(".sig") {
                ReleaseFile::Signature(sig.signature.clone())
            } else {
                ReleaseFile::Sums(sig.shasums.clone())
            });
        }
        let platform = release
            .platforms
            .iter()
            .find(|p| p.filename == name && p.is_stored())
            .ok_or_else(missing)?;
        Ok(ReleaseFile::Zip(self.stored_zip(platform).await?))
    }

    /// A stored zip, verified against its sha256.
    pub async fn stored_zip(&self, platform: &ProviderPlatform) -> Result<Bytes> {
        let _slot = self.zip_reads.acquire().await.map_err(|_| {
            Error::new(ErrorKind::Backend, "the provider registry is shutting down")
        })?;
        let bytes = self.blobs.get(&platform.sha256).await?;
        platform.sha256.verify(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::Integrity,
                format!("stored {} is damaged: {}", platform.filename, e.message()),
            )
        })?;
        Ok(bytes)
    }
}

/// Whether a release was withdrawn: signed by its publisher with a key
/// revoked since.
pub(super) fn is_withdrawn(
    release: &ProviderRelease,
    revoked: &std::collections::HashSet<String>,
) -> bool {
    release
        .signature
        .as_ref()
        .is_some_and(|s| !s.by_registry && revoked.contains(&s.key_id))
}
