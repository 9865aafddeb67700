//! OpenID issuers' signing keys: the discovery document
//! (`ISSUER/.well-known/openid-configuration`) names the JWKS, both fetched
//! over https with the groundwork's client trust and kept for an hour; a
//! key id not among them fetches the JWKS again (a rotation), at most once
//! a minute per issuer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;
use registry_core::{Error, ErrorKind, Result};
use serde::Deserialize;
use tokio::sync::Mutex;

/// How long an issuer's keys are used before they are fetched again.
const KEYS_TTL: Duration = Duration::from_secs(3600);

/// The least time between two fetches for an unknown key id.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

/// The largest discovery document or JWKS read.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// The parts of an issuer's discovery document the registry reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    /// The issuer, as it names itself.
    pub issuer: String,
    /// Where its keys are.
    pub jwks_uri: String,
    /// Where people sign in (for the web UI's sign-in).
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    /// Where codes are traded for tokens.
    #[serde(default)]
    pub token_endpoint: Option<String>,
}

struct Cached {
    keys: JwkSet,
    fetched: Instant,
}

/// Issuers' keys, fetched and cached.
pub struct IssuerKeys {
    http: reqwest::Client,
    cached: Mutex<HashMap<String, Cached>>,
}

impl std::fmt::Debug for IssuerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKeys").finish_non_exhaustive()
    }
}

/// Whether a URL may be fetched for an issuer: https, or http on loopback
/// (a provider on this machine, as in tests).
pub(super) fn fetchable(url: &url::Url) -> bool {
    url.scheme() == "https"
        || (url.scheme() == "http"
            && matches!(
                url.host(),
                Some(url::Host::Ipv4(ip)) if ip.is_loopback()
            ))
        || (url.scheme() == "http" && url.host_str() == Some("localhost"))
}

fn refuse(issuer: &str, why: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Upstream,
        format!("cannot read the signing keys of issuer {issuer}: {why}"),
    )
}

impl IssuerKeys {
    /// Keys fetched with `trust` (the platform's roots and `--ca-cert`).
    pub fn new(trust: &crate::trust::ClientTrust) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("registry-oidc/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(trust.rustls_config())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::invalid_input(format!("OIDC HTTP client: {e}")))?;
        Ok(IssuerKeys {
            http,
            cached: Mutex::new(HashMap::new()),
        })
    }

    /// The key `kid` of `issuer` (fetching again if it is not known).
    pub async fn key(&self, issuer: &str, kid: Option<&str>) -> Result<DecodingKey> {
        let mut cached = self.cached.lock().await;
        let fresh = cached
            .get(issuer)
            .is_some_and(|c| c.fetched.elapsed() < KEYS_TTL);
        if !fresh {
            let keys = self.fetch(issuer).await?;
            cached.insert(
                issuer.to_string(),
                Cached {
                    keys,
                    fetched: Instant::now(),
                },
            );
        }
        if let Some(k) = find(&cached[issuer].keys, kid)? {
            return Ok(k);
        }
        // A key this registry has not seen: the issuer may have rotated.
        if cached[issuer].fetched.elapsed() >= REFETCH_AFTER {
            let keys = self.fetch(issuer).await?;
            cached.insert(
                issuer.to_string(),
                Cached {
                    keys,
                    fetched: Instant::now(),
                },
            );
            if let Some(k) = find(&cached[issuer].keys, kid)? {
                return Ok(k);
            }
        }
        Err(Error::new(
            ErrorKind::Unauthenticated,
            format!(
                "the token is signed with key {:?}, which issuer {issuer} does not publish",
                kid.unwrap_or("(none named)")
            ),
        ))
    }

    /// The issuer's discovery document, checked: it names this issuer, and
    /// its endpoints are https (or http on loopback).
    pub async fn discovery(&self, issuer: &str) -> Result<Discovery> {
        let base = url::Url::parse(issuer).map_err(|e| refuse(issuer, e))?;
        if !fetchable(&base) {
            return Err(refuse(issuer, "it is not an https URL"));
        }
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.json(issuer, &discovery_url).await?;
        if discovery.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(refuse(
                issuer,
                format!("its discovery document names issuer {:?}", discovery.issuer),
            ));
        }
        // Plain http (on loopback) only for an issuer that is itself on
        // loopback: a remote issuer cannot point us at this machine.
        let local_issuer = base.scheme() == "http";
        let allowed = |u: &url::Url| {
            u.scheme() == "https" || (local_issuer && fetchable(u) && u.host() == base.host())
        };
        for endpoint in [
            Some(&discovery.jwks_uri),
            discovery.authorization_endpoint.as_ref(),
            discovery.token_endpoint.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            let ok = url::Url::parse(endpoint).is_ok_and(|u| allowed(&u));
            if !ok {
                return Err(refuse(
                    issuer,
                    format!("its endpoint {endpoint:?} is not an https URL"),
                ));
            }
        }
        Ok(discovery)
    }

    /// The HTTP client issuers are reached with.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    async fn fetch(&self, issuer: &str) -> Result<JwkSet> {
        let discovery = self.discovery(issuer).await?;
        let jwks = url::Url::parse(&discovery.jwks_uri).map_err(|e| refuse(issuer, e))?;
        if !fetchable(&jwks) {
            return Err(refuse(issuer, "its jwks_uri is not an https URL"));
        }
        self.json(issuer, jwks.as_str()).await
    }

    /// A JSON document from an issuer, at most 256 KiB.
    pub async fn json<T: serde::de::DeserializeOwned>(&self, issuer: &str, url: &str) -> Result<T> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| refuse(issuer, crate::mirror::error_chain(&e)))?;
        if !response.status().is_success() {
            return Err(refuse(
                issuer,
                format!("{url} answered {}", response.status()),
            ));
        }
        read_json(issuer, url, response).await
    }
}

/// An issuer's JSON answer, at most 256 KiB.
pub async fn read_json<T: serde::de::DeserializeOwned>(
    issuer: &str,
    url: &str,
    response: reqwest::Response,
) -> Result<T> {
    let body = crate::mirror::read_limited(response, MAX_DOCUMENT_BYTES, issuer, url)
        .await
        .map_err(|e| refuse(issuer, e.message()))?;
    serde_json::from_slice(&body).map_err(|e| refuse(issuer, format!("{url}: {e}")))
}

/// The key named `kid` (or the only key, when the token names none).
fn find(keys: &JwkSet, kid: Option<&str>) -> Result<Option<DecodingKey>> {
    let jwk = match kid {
        Some(kid) => keys.find(kid),
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    };
    jwk.map(|j| {
        DecodingKey::from_jwk(j).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("the issuer's key is not usable: {e}"),
            )
        })
    })
    .transpose()
}
