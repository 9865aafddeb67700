//! Copies of other registries' providers, kept for the network mirror
//! (pulled through from an upstream, or imported from a folder written by
//! `terraform providers mirror`). A copy is stored under its host-qualified
//! address, apart from this registry's own providers; its zips are fetched
//! on first use, and each is checked against the digest its release
//! records (from the upstream's signed `SHA256SUMS`, or the import's
//! hashes) before it is stored: a zip that does not match is refused and
//! nothing is kept.

use bytes::Bytes;
use registry_core::{
    Action, Error, ErrorKind, ProviderAddress, ProviderPlatform, ProviderRelease, RequestContext,
    Result, Version,
};

use super::{ProviderRegistry, UploadedFile};
use crate::release::{h1_hash, platform_of};

impl ProviderRegistry {
    /// Whether the caller may read copies of `address` (readers of its namespace).
    pub async fn authorize_copy_read(
        &self,
        ctx: &RequestContext,
        address: &ProviderAddress,
    ) -> Result<()> {
        self.registry
            .authorize_in(
                ctx,
                Action::Read,
                address.namespace(),
                "provider.mirror.read",
                &format!("providers/{address}"),
            )
            .await
    }

    /// A stored copy of another registry's release.
    pub async fn stored_copy(
        &self,
        address: &ProviderAddress,
        version: &Version,
    ) -> Result<Option<ProviderRelease>> {
        self.store.release(address, version).await
    }

    /// Every stored copy of another registry's provider, newest first.
    pub async fn stored_copies(&self, address: &ProviderAddress) -> Result<Vec<ProviderRelease>> {
        self.store.releases(address).await
    }

    /// Keep a copy of another registry's release (its platforms' zips
    /// may follow later). A copy another process kept first wins: it is
    /// read back. Audited as `provider.mirror`.
    pub async fn keep_copy(
        &self,
        ctx: &RequestContext,
        release: ProviderRelease,
    ) -> Result<ProviderRelease> {
        if release.address.host().is_none() {
            return Err(Error::invalid_input(format!(
                "{} is this registry's own provider, not a copy",
                release.address
            )));
        }
        let target = format!("providers/{}/{}", release.address, release.version);
        let result = match self.store.insert_release(&release).await {
            Ok(()) => Ok(release),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => self
                .store
                .release(&release.address, &release.version)
                .await?
                .ok_or(e),
            Err(e) => Err(e),
        };
        self.registry
            .record_outcome(ctx, "provider.mirror", &target, &result)
            .await;
        result
    }

    /// Keep a copy of another registry's release from its zips, as
    /// `terraform providers mirror` wrote them (offline fill for an
    /// air-gapped site; no `SHA256SUMS` comes with them: the network
    /// mirror protocol carries hashes, not signatures). Admins only;
    /// audited as `provider.import`. `AlreadyExists` when that version is
    /// kept already.
    pub async fn import_copy(
        &self,
        ctx: &RequestContext,
        address: &ProviderAddress,
        version: &Version,
        zips: Vec<UploadedFile>,
    ) -> Result<ProviderRelease> {
        let target = format!("providers/{address}/{version}");
        self.registry
            .authorize_in(
                ctx,
                Action::Admin,
                address.namespace(),
                "provider.import",
                &target,
            )
            .await?;
        let result = self.import_checked(ctx, address, version, zips).await;
        self.registry
            .record_outcome(ctx, "provider.import", &target, &result)
            .await;
        result
    }

    async fn import_checked(
        &self,
        ctx: &RequestContext,
        address: &ProviderAddress,
        version: &Version,
        zips: Vec<UploadedFile>,
    ) -> Result<ProviderRelease> {
        if address.host().is_none() {
            return Err(Error::invalid_input(format!(
                "{address} names no registry host: imports are copies of another registry's providers (HOST/NAMESPACE/TYPE)"
            )));
        }
        if self.store.release(address, version).await?.is_some() {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!("{address} {version} is kept already"),
            ));
        }
        let mut platforms = Vec::with_capacity(zips.len());
        for zip in &zips {
            let platform = platform_of(&zip.name, address.provider_type(), version.as_str())
                .ok_or_else(|| {
                    Error::invalid_input(format!(
                        "{} is not a zip of {address} {version}",
                        zip.name
                    ))
                })?;
            platforms.push(ProviderPlatform {
                os: platform.os.clone(),
                arch: platform.arch.clone(),
                filename: zip.name.clone(),
                sha256: zip.body.sha256,
                size: Some(zip.body.size),
                h1: Some(super::publish::h1_of(zip).await?),
                source_url: None,
            });
        }
        if platforms.is_empty() {
            return Err(Error::invalid_input(format!(
                "no zip of {address} {version} was given"
            )));
        }
        platforms.sort_by(|a, b| (&a.os, &a.arch).cmp(&(&b.os, &b.arch)));
        for zip in &zips {
            self.blobs.put(&zip.body.sha256, &zip.body.body).await?;
        }
        let release = ProviderRelease {
            address: address.clone(),
            version: version.clone(),
            protocols: super::DEFAULT_PROTOCOLS
                .iter()
                .map(|p| p.to_string())
                .collect(),
            platforms,
            signature: None,
            published_at: chrono::Utc::now(),
            origin: format!("imported by {}", ctx.actor.audit_id()),
        };
        self.store.insert_release(&release).await?;
        Ok(release)
    }

    /// Store a copied release's zip after checking it against the digest
    /// the release records; the platform as now stored. A zip that does
    /// not match is refused (`Integrity`) and nothing is kept.
    pub async fn keep_copy_zip(
        &self,
        release: &ProviderRelease,
        platform: &ProviderPlatform,
        zip: Bytes,
    ) -> Result<ProviderPlatform> {
        if platform.sha256.verify(&zip).is_err() {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!(
                    "{} of {} {} does not match its SHA256SUMS (sha256 {} listed, {} received); nothing was kept",
                    platform.filename,
                    release.address,
                    release.version,
                    platform.sha256.hex(),
                    registry_core::Sha256Digest::of(&zip).hex()
                ),
            ));
        }
        let for_hash = zip.clone();
        let h1 = tokio::task::spawn_blocking(move || h1_hash(&for_hash))
            .await
            .map_err(|e| Error::new(ErrorKind::Backend, format!("hashing failed: {e}")))??;
        let stored = ProviderPlatform {
            size: Some(zip.len() as u64),
            h1: Some(h1),
            ..platform.clone()
        };
        let len = zip.len();
        self.blobs
            .put(&platform.sha256, &registry_core::ArchiveBody::from(zip))
            .await?;
        self.store
            .platform_stored(&release.address, &release.version, &stored)
            .await?;
        tracing::debug!(bytes = len, file = %platform.filename, "provider zip kept");
        Ok(stored)
    }
}
