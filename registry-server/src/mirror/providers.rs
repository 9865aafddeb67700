//! The provider network mirror, pulled through from upstream registries
//! over the provider registry protocol. Clients configure
//! `provider_installation { network_mirror { url = "https://OUR-HOST/v1/mirror/providers/" } }`.
//!
//! - A version is first described (`VERSION.json`) from the upstream's
//!   versions list and one download answer: its `SHA256SUMS` is fetched
//!   with the detached signature and checked against the key the upstream
//!   names, before anything is kept. The copy then records every
//!   platform's digest from that signed file.
//! - A platform's zip is fetched on its first request, checked against
//!   the signed digest (and the answer's own `shasum`), and stored; after
//!   that no request for it goes upstream.
//! - Versions lists come from upstream each time; when upstream fails,
//!   the versions already kept are served.

use bytes::Bytes;
use registry_core::{
    Error, ErrorKind, ProviderAddress, ProviderPlatform, ProviderRelease, ProviderSignature,
    RequestContext, Result, Version,
};
use registry_providers::ProviderRegistry;
use registry_providers::release::{Sha256Sums, zip_name};
use registry_providers::signing::verify_detached;

use super::Mirror;
use super::upstream::Upstream;
use super::upstream_providers::MAX_SUMS_BYTES;
use crate::http::providers::MAX_PROVIDER_FILE_BYTES;

/// The versions a network mirror's `index.json` lists, and whether they
/// are what was kept because upstream failed.
#[derive(Debug, Clone)]
pub struct MirroredProviderVersions {
    /// Newest first.
    pub versions: Vec<Version>,
    /// Why the kept versions are served instead of upstream's, if they are.
    pub stale: Option<String>,
}

/// What an upstream served does not verify: its fault, so `502`.
fn refused(address: &ProviderAddress, version: &Version, why: String) -> Error {
    Error::new(
        ErrorKind::Upstream,
        format!("refusing {address} {version} from upstream: {why}; nothing was kept"),
    )
}

impl Mirror {
    /// The upstream of a copied provider, whose provider globs must let
    /// it through; `None` when none is configured for its host (copies
    /// imported for an air-gapped site are still served).
    fn provider_upstream(&self, address: &ProviderAddress) -> Result<Option<&Upstream>> {
        let host = address
            .host()
            .ok_or_else(|| Error::invalid_input(format!("{address} names no upstream host")))?;
        let upstream = self.upstreams.get(host);
        if let Some(u) = upstream {
            u.check_provider_allowed(address)?;
        }
        Ok(upstream)
    }

    fn no_upstream(address: &ProviderAddress) -> Error {
        let host = address.host().unwrap_or_default();
        Error::not_found(format!(
            "{address}: nothing kept, and this registry mirrors no upstream {host} (configure it with --upstream {host}, or fill it with `registry provider import`)"
        ))
    }

    fn count(&self, address: &ProviderAddress, event: &'static str) {
        self.metrics
            .mirror(address.host().unwrap_or_default(), event);
    }

    /// A provider's versions for `index.json`.
    pub async fn provider_versions(
        &self,
        providers: &ProviderRegistry,
        ctx: &RequestContext,
        address: &ProviderAddress,
    ) -> Result<MirroredProviderVersions> {
        providers.authorize_copy_read(ctx, address).await?;
        let Some(upstream) = self.provider_upstream(address)? else {
            let kept = providers.stored_copies(address).await?;
            if kept.is_empty() {
                return Err(Self::no_upstream(address));
            }
            self.count(address, "hit");
            return Ok(MirroredProviderVersions {
                versions: kept.into_iter().map(|r| r.version).collect(),
                stale: None,
            });
        };
        match upstream.provider_versions(address).await {
            Ok(view) => {
                self.metrics.mirror(upstream.host(), "miss");
                let mut versions: Vec<Version> = view
                    .versions
                    .iter()
                    .filter(|v| registry_core::is_strict_semver(&v.version))
                    .filter_map(|v| Version::parse(&v.version).ok())
                    .collect();
                versions.sort_by(|a, b| b.cmp(a));
                Ok(MirroredProviderVersions {
                    versions,
                    stale: None,
                })
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Err(e),
            Err(e) => {
                let kept = providers.stored_copies(address).await?;
                if kept.is_empty() {
                    self.metrics.mirror(upstream.host(), "error");
                    return Err(e);
                }
                self.metrics.mirror(upstream.host(), "stale");
                Ok(MirroredProviderVersions {
                    versions: kept.into_iter().map(|r| r.version).collect(),
                    stale: Some(e.message().to_string()),
                })
            }
        }
    }

    /// A version's copy: kept already, or described from upstream now,
    /// its `SHA256SUMS` verified before it is kept.
    pub async fn provider_release(
        &self,
        providers: &ProviderRegistry,
        ctx: &RequestContext,
        address: &ProviderAddress,
        version: &Version,
    ) -> Result<ProviderRelease> {
        providers.authorize_copy_read(ctx, address).await?;
        let upstream = self.provider_upstream(address)?;
        if let Some(kept) = providers.stored_copy(address, version).await? {
            self.count(address, "hit");
            return Ok(kept);
        }
        let upstream = upstream.ok_or_else(|| Self::no_upstream(address))?;
        let described = self.describe(upstream, address, version).await;
        let release = match described {
            Ok(r) => r,
            Err(e) => {
                self.metrics.mirror(upstream.host(), "error");
                return Err(e);
            }
        };
        self.metrics.mirror(upstream.host(), "miss");
        providers.keep_copy(ctx, release).await
    }

    async fn describe(
        &self,
        upstream: &Upstream,
        address: &ProviderAddress,
        version: &Version,
    ) -> Result<ProviderRelease> {
        let host = upstream.host();
        let listed = upstream.provider_versions(address).await?;
        let entry = listed
            .versions
            .iter()
            .find(|v| Version::parse(&v.version).is_ok_and(|p| p == *version))
            .ok_or_else(|| {
                Error::not_found(format!("upstream {host} has no {address} {version}"))
            })?;
        let first = entry.platforms.first().ok_or_else(|| {
            Error::not_found(format!(
                "upstream {host} lists no platform of {address} {version}"
            ))
        })?;
        let download = upstream
            .provider_download(address, version, &first.os, &first.arch)
            .await?;
        let sums_url = download.resolve(&download.answer.shasums_url, host)?;
        let sig_url = download.resolve(&download.answer.shasums_signature_url, host)?;
        let sums_bytes = upstream
            .provider_file(sums_url, "SHA256SUMS", MAX_SUMS_BYTES)
            .await?;
        let signature = upstream
            .provider_file(sig_url, "SHA256SUMS signature", MAX_SUMS_BYTES)
            .await?;
        let keys: Vec<&str> = download
            .answer
            .signing_keys
            .gpg_public_keys
            .iter()
            .map(|k| k.ascii_armor.as_str())
            .collect();
        if keys.is_empty() {
            return Err(refused(
                address,
                version,
                "upstream names no signing key".into(),
            ));
        }
        let key_id = verify_detached(&keys, &signature, &sums_bytes).map_err(|e| {
            refused(
                address,
                version,
                format!(
                    "its SHA256SUMS does not verify with the key upstream names: {}",
                    e.message()
                ),
            )
        })?;
        let text = std::str::from_utf8(&sums_bytes)
            .map_err(|_| refused(address, version, "its SHA256SUMS is not text".into()))?;
        let sums = Sha256Sums::parse(text)
            .map_err(|e| refused(address, version, format!("its SHA256SUMS: {}", e.message())))?;
        let mut platforms = Vec::new();
        for p in &entry.platforms {
            let Ok(platform) = registry_providers::release::Platform::new(&p.os, &p.arch) else {
                continue;
            };
            let filename = zip_name(address.provider_type(), version.as_str(), &platform);
            let Some(digest) = sums.digest_of(&filename) else {
                continue;
            };
            platforms.push(ProviderPlatform {
                os: platform.os.clone(),
                arch: platform.arch.clone(),
                filename,
                sha256: *digest,
                size: None,
                h1: None,
                source_url: None,
            });
        }
        platforms.sort_by(|a, b| (&a.os, &a.arch).cmp(&(&b.os, &b.arch)));
        let shasum_ok = platforms
            .iter()
            .find(|p| p.os == first.os && p.arch == first.arch)
            .is_some_and(|p| p.sha256.hex() == download.answer.shasum.to_ascii_lowercase());
        if !shasum_ok {
            return Err(refused(
                address,
                version,
                format!(
                    "the download answer's shasum for {}_{} is not the one its SHA256SUMS lists",
                    first.os, first.arch
                ),
            ));
        }
        Ok(ProviderRelease {
            address: address.clone(),
            version: version.clone(),
            protocols: registry_providers::check_protocols(&download.answer.protocols)
                .map_err(|e| refused(address, version, e.message().to_string()))?,
            platforms,
            signature: Some(ProviderSignature {
                shasums: text.to_string(),
                signature: signature.to_vec(),
                key_id,
                by_registry: false,
            }),
            published_at: chrono::Utc::now(),
            origin: format!("mirrored from {}", super::redacted(&download.at)),
        })
    }

    /// A platform's zip by file name: the stored one, or fetched now,
    /// checked against the signed digest, and kept.
    pub async fn provider_zip(
        &self,
        providers: &ProviderRegistry,
        ctx: &RequestContext,
        address: &ProviderAddress,
        version: &Version,
        filename: &str,
    ) -> Result<Bytes> {
        let release = self
            .provider_release(providers, ctx, address, version)
            .await?;
        let platform = release
            .platforms
            .iter()
            .find(|p| p.filename == filename)
            .ok_or_else(|| {
                Error::not_found(format!("{address} {version} has no file {filename:?}"))
            })?;
        if platform.is_stored() {
            self.count(address, "hit");
            return providers.stored_zip(platform).await;
        }
        let upstream = self
            .provider_upstream(address)?
            .ok_or_else(|| Self::no_upstream(address))?;
        let fetched = self.fetch_zip(upstream, &release, platform).await;
        match fetched {
            Ok(zip) => {
                providers
                    .keep_copy_zip(&release, platform, zip.clone())
                    .await
                    .map_err(|e| {
                        self.metrics.mirror(upstream.host(), "error");
                        if e.kind() == ErrorKind::Integrity {
                            refused(address, version, e.message().to_string())
                        } else {
                            e
                        }
                    })?;
                self.metrics.mirror(upstream.host(), "miss");
                Ok(zip)
            }
            Err(e) => {
                self.metrics.mirror(upstream.host(), "error");
                Err(e)
            }
        }
    }

    async fn fetch_zip(
        &self,
        upstream: &Upstream,
        release: &ProviderRelease,
        platform: &ProviderPlatform,
    ) -> Result<Bytes> {
        let _slot = self
            .fetch_slots
            .acquire()
            .await
            .map_err(|_| Error::new(ErrorKind::Backend, "the mirror is shutting down"))?;
        let download = upstream
            .provider_download(
                &release.address,
                &release.version,
                &platform.os,
                &platform.arch,
            )
            .await?;
        if download.answer.shasum.to_ascii_lowercase() != platform.sha256.hex() {
            return Err(refused(
                &release.address,
                &release.version,
                format!(
                    "upstream's shasum for {} is no longer the one its signed SHA256SUMS listed",
                    platform.filename
                ),
            ));
        }
        let url = download.resolve(&download.answer.download_url, upstream.host())?;
        upstream
            .provider_file(
                url,
                "provider zip",
                usize::try_from(MAX_PROVIDER_FILE_BYTES).unwrap_or(usize::MAX),
            )
            .await
    }
}
