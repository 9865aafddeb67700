//! One upstream registry as the mirror reaches it: its service discovery
//! (read once, then kept), its versions lists and download locations over
//! the Module Registry Protocol, and archive fetches, each bounded in time
//! and size, with the upstream's token when one is configured.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use registry_core::{Error, ErrorKind, ModuleAddress, ModuleId, Result};
use secrecy::{ExposeSecret as _, SecretString};
use tokio::sync::OnceCell;
use url::Url;

use super::network::NetworkPolicy;
use super::source::{self, ArchiveSource, Source};
use crate::http::views::{DiscoveryView, VersionsView};

/// How long one upstream request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The most a versions list may weigh.
const MAX_LIST_BYTES: usize = 16 << 20;

/// One configured upstream.
pub struct Upstream {
    host: String,
    /// Where its service discovery is read (`https://HOST/` unless
    /// configured as `HOST=URL`).
    discovery_base: Url,
    token: Option<SecretString>,
    allow: Option<globset::GlobSet>,
    deny: Option<globset::GlobSet>,
    allow_providers: Option<globset::GlobSet>,
    deny_providers: Option<globset::GlobSet>,
    http: reqwest::Client,
    policy: Arc<NetworkPolicy>,
    modules_api: OnceCell<Url>,
    providers_api: OnceCell<Url>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("host", &self.host)
            .field("discovery_base", &self.discovery_base.as_str())
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

fn globs(host: &str, what: &str, patterns: &[String]) -> Result<Option<globset::GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let glob = globset::GlobBuilder::new(p)
            .literal_separator(true)
            .case_insensitive(true)
            .build()
            .map_err(|e| {
                Error::invalid_input(format!("--upstream-{what} {host}={p}: not a glob: {e}"))
            })?;
        b.add(glob);
    }
    b.build()
        .map(Some)
        .map_err(|e| Error::invalid_input(format!("--upstream-{what} {host}: {e}")))
}

pub(super) fn upstream_error(host: &str, what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Upstream,
        format!("upstream {host}: {what} failed: {e}"),
    )
}

impl Upstream {
    /// An upstream from its configuration and its `discovery_base`,
    /// dialled with `http`, reaching address literals only where `policy`
    /// allows.
    pub fn new(
        config: &super::UpstreamConfig,
        discovery_base: Url,
        http: reqwest::Client,
        policy: Arc<NetworkPolicy>,
    ) -> Result<Self> {
        let host = config.host.to_ascii_lowercase();
        Ok(Upstream {
            allow: globs(&host, "allow", &config.allow)?,
            deny: globs(&host, "deny", &config.deny)?,
            allow_providers: globs(&host, "allow-provider", &config.allow_providers)?,
            deny_providers: globs(&host, "deny-provider", &config.deny_providers)?,
            host,
            discovery_base,
            token: config.token.clone(),
            http,
            policy,
            modules_api: OnceCell::new(),
            providers_api: OnceCell::new(),
        })
    }
}

/// Where an upstream's service discovery is read: `https://HOST/`, or the
/// configured URL (http or https, no credentials).
pub fn discovery_base(config: &super::UpstreamConfig) -> Result<Url> {
    let host = config.host.to_ascii_lowercase();
    registry_core::validate_host(&host)
        .map_err(|e| Error::invalid_input(format!("--upstream {host}: {e}")))?;
    let text = config
        .url
        .clone()
        .unwrap_or_else(|| format!("https://{host}/"));
    let discovery_base = Url::parse(&text)
        .map_err(|e| Error::invalid_input(format!("--upstream {host}={text}: {e}")))?;
    if !matches!(discovery_base.scheme(), "https" | "http") {
        return Err(Error::invalid_input(format!(
            "--upstream {host}={text}: not an http or https URL"
        )));
    }
    if !discovery_base.username().is_empty() || discovery_base.password().is_some() {
        return Err(Error::invalid_input(format!(
            "--upstream {host}: credentials in the URL are not taken; give --upstream-token {host}=TOKEN"
        )));
    }
    Ok(discovery_base)
}

impl Upstream {
    /// The upstream's host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether the upstream was configured over plain http (then, and only
    /// then, its archives may be fetched over http too).
    pub fn allows_http(&self) -> bool {
        self.discovery_base.scheme() == "http"
    }

    /// Refuse a module the allow and deny globs keep out (`NS/NAME/SYSTEM`).
    pub fn check_allowed(&self, address: &ModuleAddress) -> Result<()> {
        let path = format!(
            "{}/{}/{}",
            address.namespace(),
            address.name(),
            address.system()
        );
        self.check_globs(&path, &self.allow, &self.deny, "")
    }

    /// Refuse a provider the provider globs keep out (`NS/TYPE`).
    pub fn check_provider_allowed(&self, address: &registry_core::ProviderAddress) -> Result<()> {
        let path = format!("{}/{}", address.namespace(), address.provider_type());
        self.check_globs(
            &path,
            &self.allow_providers,
            &self.deny_providers,
            "-provider",
        )
    }

    fn check_globs(
        &self,
        path: &str,
        allow: &Option<globset::GlobSet>,
        deny: &Option<globset::GlobSet>,
        flags: &str,
    ) -> Result<()> {
        let denied = deny.as_ref().is_some_and(|d| d.is_match(path));
        let allowed = allow.as_ref().is_none_or(|a| a.is_match(path));
        if denied || !allowed {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!(
                    "{}/{path} is not mirrored here: the --upstream-allow{flags} and --upstream-deny{flags} globs of {} keep it out",
                    self.host, self.host
                ),
            ));
        }
        Ok(())
    }

    /// A GET, with the upstream's token only when `url` is on the
    /// configured origin (scheme, host and port).
    /// Refused when its host is an address literal the network policy
    /// keeps out (names are checked as they resolve).
    pub(super) fn get(&self, url: Url) -> Result<reqwest::RequestBuilder> {
        self.policy.check_literal(&url)?;
        let own = url.origin() == self.discovery_base.origin();
        let req = self.http.get(url).timeout(REQUEST_TIMEOUT);
        Ok(match &self.token {
            Some(t) if own => req.bearer_auth(t.expose_secret()),
            _ => req,
        })
    }

    /// The upstream's modules API, from its service discovery.
    async fn modules_api(&self) -> Result<&Url> {
        self.modules_api
            .get_or_try_init(|| async {
                let d = self.discovery().await?;
                self.api_from(&d.modules_v1, "modules")
            })
            .await
    }

    /// The upstream's provider registry API, from its service discovery.
    pub(super) async fn providers_api(&self) -> Result<&Url> {
        self.providers_api
            .get_or_try_init(|| async {
                let d = self.discovery().await?;
                if d.providers_v1.is_empty() {
                    return Err(upstream_error(
                        &self.host,
                        "service discovery",
                        "it has no provider registry (no providers.v1)",
                    ));
                }
                self.api_from(&d.providers_v1, "provider")
            })
            .await
    }

    /// An API's URL from the path discovery names; an https upstream must
    /// keep to https.
    fn api_from(&self, path: &str, what: &str) -> Result<Url> {
        let api = self
            .discovery_base
            .join(path)
            .map_err(|e| upstream_error(&self.host, "service discovery", e))?;
        if self.discovery_base.scheme() == "https" && api.scheme() != "https" {
            return Err(upstream_error(
                &self.host,
                "service discovery",
                format!("it names a {what} API that is not https"),
            ));
        }
        Ok(api)
    }

    /// The upstream's service discovery document.
    async fn discovery(&self) -> Result<DiscoveryView> {
        let url = self
            .discovery_base
            .join(".well-known/terraform.json")
            .map_err(|e| upstream_error(&self.host, "service discovery", e))?;
        let r = self.get(url)?.send().await.map_err(|e| {
            upstream_error(&self.host, "service discovery", chain(&e.without_url()))
        })?;
        if !r.status().is_success() {
            return Err(upstream_error(
                &self.host,
                "service discovery",
                format!("status {}", r.status()),
            ));
        }
        r.json()
            .await
            .map_err(|e| upstream_error(&self.host, "service discovery", e))
    }

    async fn module_url(&self, address: &ModuleAddress, rest: &str) -> Result<Url> {
        let mut url = self.modules_api().await?.clone();
        {
            let mut segs = url.path_segments_mut().map_err(|_| {
                upstream_error(
                    &self.host,
                    "service discovery",
                    "a modules API that cannot take a path",
                )
            })?;
            segs.pop_if_empty();
            segs.extend([address.namespace(), address.name(), address.system()]);
            for s in rest.split('/').filter(|s| !s.is_empty()) {
                segs.push(s);
            }
        }
        Ok(url)
    }

    /// The module's versions list, as the upstream answers it.
    pub async fn versions(&self, address: &ModuleAddress) -> Result<VersionsView> {
        let url = self.module_url(address, "versions").await?;
        let r = self
            .get(url)?
            .send()
            .await
            .map_err(|e| upstream_error(&self.host, "versions", chain(&e.without_url())))?;
        match r.status() {
            s if s.is_success() => {}
            reqwest::StatusCode::NOT_FOUND => {
                return Err(Error::not_found(format!(
                    "{}/{} is not on upstream {}",
                    self.host, address, self.host
                )));
            }
            s => {
                return Err(upstream_error(
                    &self.host,
                    "versions",
                    format!("status {s}"),
                ));
            }
        }
        let body = read_limited(r, MAX_LIST_BYTES, &self.host, "versions").await?;
        serde_json::from_slice(&body).map_err(|e| {
            upstream_error(&self.host, "versions", format!("not a versions list: {e}"))
        })
    }

    /// Where the upstream says a version's files are.
    pub async fn source(&self, id: &ModuleId) -> Result<Source> {
        let url = self
            .module_url(&id.address, &format!("{}/download", id.version.as_str()))
            .await?;
        let r = self
            .get(url.clone())?
            .send()
            .await
            .map_err(|e| upstream_error(&self.host, "download", chain(&e.without_url())))?;
        match r.status() {
            s if s.is_success() => {}
            reqwest::StatusCode::NOT_FOUND => {
                return Err(Error::not_found(format!(
                    "{}/{} {} is not on upstream {}",
                    self.host, id.address, id.version, self.host
                )));
            }
            s => {
                return Err(upstream_error(
                    &self.host,
                    "download",
                    format!("status {s}"),
                ));
            }
        }
        let location = r
            .headers()
            .get("x-terraform-get")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| upstream_error(&self.host, "download", "no X-Terraform-Get header"))?;
        source::resolve(location, &url, self.allows_http())
    }

    /// The archive at `source`, at most `max` bytes. The upstream's token
    /// goes only to the upstream's own origin.
    pub async fn archive(&self, source: &ArchiveSource, max: u64) -> Result<Bytes> {
        let r =
            self.get(source.url.clone())?.send().await.map_err(|e| {
                upstream_error(&self.host, "archive fetch", chain(&e.without_url()))
            })?;
        let status = r.status();
        if matches!(
            status,
            reqwest::StatusCode::UNAUTHORIZED | reqwest::StatusCode::FORBIDDEN
        ) {
            return Err(upstream_error(
                &self.host,
                "archive fetch",
                format!(
                    "{} answered {status}: it needs credentials this mirror does not have",
                    source.url.host_str().unwrap_or("")
                ),
            ));
        }
        if !status.is_success() {
            return Err(upstream_error(
                &self.host,
                "archive fetch",
                format!("status {status}"),
            ));
        }
        read_limited(
            r,
            usize::try_from(max).unwrap_or(usize::MAX),
            &self.host,
            "archive fetch",
        )
        .await
    }
}

/// A response body, refused past `max` bytes.
pub(crate) async fn read_limited(
    mut r: reqwest::Response,
    max: usize,
    host: &str,
    what: &str,
) -> Result<Bytes> {
    if r.content_length().is_some_and(|n| n > max as u64) {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!("upstream {host}: {what}: the answer is over {max} bytes"),
        ));
    }
    let mut out = Vec::new();
    while let Some(chunk) = r
        .chunk()
        .await
        .map_err(|e| upstream_error(host, what, chain(&e.without_url())))?
    {
        if out.len() + chunk.len() > max {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!("upstream {host}: {what}: the answer is over {max} bytes"),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(out))
}

/// An error with its causes, which reqwest keeps apart.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
