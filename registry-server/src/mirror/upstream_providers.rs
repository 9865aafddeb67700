//! An upstream's provider registry protocol, as the network mirror reads
//! it: versions, the download answer for one platform, and the files it
//! points at (relative URLs resolve against the download endpoint, as
//! Terraform resolves them). Every fetch is bounded in time and size and
//! keeps to the network policy; the upstream's token goes only to its own
//! origin.

use bytes::Bytes;
use registry_core::{Error, ProviderAddress, Result, Version};
use url::Url;

use super::upstream::{Upstream, chain, read_limited, upstream_error};
use crate::http::views::{ProviderDownloadView, ProviderVersionsView};

/// The most a versions list or download answer may weigh.
const MAX_ANSWER_BYTES: usize = 8 << 20;

/// The most a `SHA256SUMS` or signature file may weigh.
pub const MAX_SUMS_BYTES: usize = 1 << 20;

/// A download answer and the URL it was read from (its URLs are relative to it).
#[derive(Debug, Clone)]
pub struct UpstreamDownload {
    /// The answer.
    pub answer: ProviderDownloadView,
    /// Where it was read.
    pub at: Url,
}

impl UpstreamDownload {
    /// One of the answer's URLs, resolved.
    pub fn resolve(&self, url: &str, host: &str) -> Result<Url> {
        let u = self
            .at
            .join(url)
            .map_err(|e| upstream_error(host, "download", format!("bad URL {url:?}: {e}")))?;
        if self.at.scheme() == "https" && u.scheme() != "https" {
            return Err(upstream_error(
                host,
                "download",
                format!("{url:?} is not https"),
            ));
        }
        Ok(u)
    }
}

impl Upstream {
    async fn provider_url(&self, address: &ProviderAddress, rest: &[&str]) -> Result<Url> {
        let mut url = self.providers_api().await?.clone();
        {
            let mut segs = url.path_segments_mut().map_err(|_| {
                upstream_error(
                    self.host(),
                    "service discovery",
                    "an API that cannot take a path",
                )
            })?;
            segs.pop_if_empty();
            segs.extend([address.namespace(), address.provider_type()]);
            segs.extend(rest);
        }
        Ok(url)
    }

    async fn answer(&self, url: Url, what: &str, max: usize) -> Result<Bytes> {
        let host = self.host();
        let r = self
            .get(url)?
            .send()
            .await
            .map_err(|e| upstream_error(host, what, chain(&e.without_url())))?;
        let status = r.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(Error::not_found(format!(
                "upstream {host}: {what}: not found"
            )));
        }
        if !status.is_success() {
            return Err(upstream_error(host, what, format!("status {status}")));
        }
        read_limited(r, max, host, what).await
    }

    /// The provider's versions, as the upstream lists them.
    pub async fn provider_versions(
        &self,
        address: &ProviderAddress,
    ) -> Result<ProviderVersionsView> {
        let url = self.provider_url(address, &["versions"]).await?;
        let body = self
            .answer(url, "provider versions", MAX_ANSWER_BYTES)
            .await?;
        serde_json::from_slice(&body).map_err(|e| {
            upstream_error(
                self.host(),
                "provider versions",
                format!("not a versions list: {e}"),
            )
        })
    }

    /// The download answer for one platform of a version.
    pub async fn provider_download(
        &self,
        address: &ProviderAddress,
        version: &Version,
        os: &str,
        arch: &str,
    ) -> Result<UpstreamDownload> {
        let url = self
            .provider_url(address, &[version.as_str(), "download", os, arch])
            .await?;
        let body = self
            .answer(url.clone(), "provider download", MAX_ANSWER_BYTES)
            .await?;
        let answer = serde_json::from_slice(&body).map_err(|e| {
            upstream_error(
                self.host(),
                "provider download",
                format!("not a download answer: {e}"),
            )
        })?;
        Ok(UpstreamDownload { answer, at: url })
    }

    /// A file the download answer points at, at most `max` bytes.
    pub async fn provider_file(&self, url: Url, what: &str, max: usize) -> Result<Bytes> {
        self.answer(url, what, max).await
    }
}
