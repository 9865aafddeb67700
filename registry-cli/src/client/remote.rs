//! A registry server's HTTP API, found through service discovery. Every
//! request of a command, discovery included, carries the token, so rate
//! limits count it against the token rather than the address.

use std::path::PathBuf;

use async_trait::async_trait;
use bytes::Bytes;
use registry_core::{
    AuditQuery, AuditVerification, Error, ErrorKind, LifecycleChange, ModuleAddress, ModuleId,
    NamespacePolicy, Problem, PublishRequest, Result, SearchQuery, Sha256Digest,
};
use registry_server::http::SIGNATURE_HEADER;
use registry_server::http::views::{
    AuditPageView, AuditRecordView, AuditVerificationView, DiscoveryView, ModuleDetailView,
    ModuleListView, ModuleView, PolicyView, ReindexView, VersionsView,
};
use registry_server::trust::ClientTrust;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::RegistryClient;

/// Talks to one registry server.
pub struct RemoteRegistry {
    http: reqwest::Client,
    base: reqwest::Url,
    modules: reqwest::Url,
    token: Option<SecretString>,
}

/// A transport failure with its whole cause (a TLS verification failure
/// or a refused connection says why, not just `error sending request`).
fn transport(what: &str, e: reqwest::Error) -> Error {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    // reqwest errors carry the URL but never the token (it is a header).
    Error::new(ErrorKind::Backend, format!("{what}: {text}")).with_context("backend", "http")
}

/// Map an error response to a registry error.
pub(super) async fn api_error(resp: reqwest::Response) -> Error {
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    let mut messages: Vec<String> = body
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if messages.is_empty() {
        messages.push(format!("the server answered {status}"));
    }
    let kind = match status.as_u16() {
        400 => ErrorKind::InvalidInput,
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::AlreadyExists,
        413 => ErrorKind::TooLarge,
        422 => ErrorKind::ValidationFailed,
        429 => ErrorKind::RateLimited,
        501 => ErrorKind::Unsupported,
        _ => ErrorKind::Backend,
    };
    if kind == ErrorKind::ValidationFailed {
        let problems = messages[1..]
            .iter()
            .map(|m| Problem::new("server", m.clone()))
            .collect();
        return Error::validation(problems);
    }
    Error::new(kind, messages.join("; "))
}

fn unexpected(what: &str, e: impl Into<registry_core::BoxError>) -> Error {
    Error::backend(
        "http",
        format!("{what}: unexpected answer from the server"),
        e,
    )
}

impl RemoteRegistry {
    /// Discover the modules API of `server` (`https://host:port`), trusting
    /// the platform's roots (or `SSL_CERT_FILE`'s) and `ca_certs`.
    pub async fn connect(
        server: &str,
        token: Option<SecretString>,
        ca_certs: &[PathBuf],
    ) -> Result<Self> {
        let trust = ClientTrust::new(ca_certs)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("registry-cli/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(trust.rustls_config())
            .build()
            .map_err(|e| transport("HTTP client", e))?;
        let base = reqwest::Url::parse(server)
            .map_err(|e| Error::invalid_input(format!("invalid server URL {server:?}: {e}")))?;
        let mut client = RemoteRegistry {
            http,
            modules: base.clone(),
            base,
            token,
        };
        let discovery: DiscoveryView = client
            .json(
                client.http.get(client.at("/.well-known/terraform.json")?),
                "service discovery",
            )
            .await?;
        client.modules = client.base.join(&discovery.modules_v1).map_err(|e| {
            Error::invalid_input(format!(
                "bad modules.v1 path {:?}: {e}",
                discovery.modules_v1
            ))
        })?;
        Ok(client)
    }

    /// A URL under the modules API.
    fn url(&self, rel: &str) -> Result<reqwest::Url> {
        self.modules
            .join(rel)
            .map_err(|e| Error::invalid_input(format!("bad path {rel:?}: {e}")))
    }

    /// The HTTP client (every request still goes through `send`, which adds the token).
    pub(super) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A URL at an absolute path of the server.
    pub(super) fn at(&self, path: &str) -> Result<reqwest::Url> {
        self.base
            .join(path)
            .map_err(|e| Error::invalid_input(format!("bad path {path:?}: {e}")))
    }

    /// `/v1/namespaces/NS/policy`, the namespace checked first so that
    /// nothing in it can change the path.
    fn policy_url(&self, namespace: &str) -> Result<reqwest::Url> {
        registry_core::validate_namespace(namespace)?;
        self.at(&format!("/v1/namespaces/{namespace}/policy"))
    }

    fn version_url(&self, id: &ModuleId, rest: &str) -> Result<reqwest::Url> {
        self.url(&format!("{}/{}{rest}", id.address, id.version))
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t.expose_secret()),
            None => req,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder, what: &str) -> Result<reqwest::Response> {
        let resp = self
            .auth(req)
            .send()
            .await
            .map_err(|e| transport(what, e))?;
        if resp.status().is_success() || resp.status().is_redirection() {
            Ok(resp)
        } else {
            Err(api_error(resp).await)
        }
    }

    /// Send a request whose answer has no body worth reading.
    pub(super) async fn send_empty(&self, req: reqwest::RequestBuilder, what: &str) -> Result<()> {
        self.send(req, what).await.map(drop)
    }

    pub(super) async fn json<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T> {
        let bytes = self
            .send(req, what)
            .await?
            .bytes()
            .await
            .map_err(|e| transport(what, e))?;
        serde_json::from_slice(&bytes).map_err(|e| unexpected(what, e))
    }
}

#[async_trait]
impl RegistryClient for RemoteRegistry {
    async fn publish(&self, request: PublishRequest, archive: Bytes) -> Result<ModuleDetailView> {
        let mut url = self.url(&format!("{}/{}", request.address, request.version))?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(d) = &request.description {
                q.append_pair("description", d);
            }
            if let Some(s) = &request.source_url {
                q.append_pair("source", s);
            }
        }
        let mut req = self.http.put(url).body(archive);
        if let Some(sig) = &request.signature {
            use base64::Engine as _;
            req = req.header(
                SIGNATURE_HEADER,
                base64::engine::general_purpose::STANDARD.encode(sig),
            );
        }
        self.json(req, "publish").await
    }

    async fn versions(&self, address: &ModuleAddress) -> Result<Option<VersionsView>> {
        let req = self.http.get(self.url(&format!("{address}/versions"))?);
        match self.json(req, "list versions").await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn version(&self, id: &ModuleId) -> Result<ModuleDetailView> {
        self.json(self.http.get(self.version_url(id, "")?), "read module")
            .await
    }

    /// The way Terraform downloads: `/download`, then the `X-Terraform-Get`
    /// location relative to it.
    async fn download(&self, id: &ModuleId) -> Result<(Bytes, Option<Sha256Digest>)> {
        let url = self.version_url(id, "/download")?;
        let resp = self.send(self.http.get(url.clone()), "download").await?;
        let location = resp
            .headers()
            .get("x-terraform-get")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Backend,
                    "the server sent no X-Terraform-Get location",
                )
            })?
            .to_string();
        // `./archive.tar.gz//subdir?grant=…`: the archive, then the query.
        let archive_ref = match location.split_once("//") {
            Some((a, rest)) if !a.contains(':') => match rest.split_once('?') {
                Some((_, query)) => format!("{a}?{query}"),
                None => a.to_string(),
            },
            _ => location.clone(),
        };
        let archive_url = url
            .join(&archive_ref)
            .map_err(|e| Error::invalid_input(format!("bad archive location {location:?}: {e}")))?;
        let resp = self
            .send(self.http.get(archive_url), "download archive")
            .await?;
        let sha = resp
            .headers()
            .get("x-content-sha256")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("sha-256="))
            .map(str::parse)
            .transpose()?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| transport("download archive", e))?;
        Ok((bytes, sha))
    }

    async fn change_lifecycle(&self, id: &ModuleId, change: LifecycleChange) -> Result<ModuleView> {
        let verb = change.verb();
        let body = match &change {
            LifecycleChange::Deprecate { reason, successor } => {
                Some(serde_json::json!({"reason": reason, "successor": successor}))
            }
            LifecycleChange::Yank { reason } => Some(serde_json::json!({"reason": reason})),
            _ => None,
        };
        let mut req = self.http.post(self.version_url(id, &format!("/{verb}"))?);
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.json(req, verb).await
    }

    async fn delete(&self, id: &ModuleId) -> Result<()> {
        self.send(self.http.delete(self.version_url(id, "")?), "delete")
            .await
            .map(drop)
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<ModuleView>> {
        let mut url = self.url("search")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("q", &query.text)
                .append_pair("limit", &query.limit.clamp(1, 100).to_string());
            if let Some(n) = &query.namespace {
                q.append_pair("namespace", n);
            }
            if let Some(s) = &query.system {
                q.append_pair("provider", s);
            }
        }
        let page: ModuleListView = self.json(self.http.get(url), "search").await?;
        Ok(page.modules)
    }

    async fn reindex(&self) -> Result<usize> {
        let req = self.http.post(self.at("/v1/admin/reindex")?);
        let v: ReindexView = self.json(req, "reindex").await?;
        Ok(v.indexed)
    }

    async fn audit_list(&self, query: &AuditQuery) -> Result<Vec<AuditRecordView>> {
        let mut url = self.at("/v1/audit")?;
        {
            let mut p = url.query_pairs_mut();
            if let Some(s) = query.since {
                p.append_pair("since", &s.to_rfc3339());
            }
            if let Some(n) = &query.namespace {
                p.append_pair("namespace", n);
            }
            if let Some(a) = query.after {
                p.append_pair("after", &a.to_string());
            }
            if query.limit > 0 {
                p.append_pair("limit", &query.limit.to_string());
            }
        }
        let page: AuditPageView = self.json(self.http.get(url), "audit list").await?;
        Ok(page.records)
    }

    async fn audit_verify(&self) -> Result<AuditVerification> {
        let resp = self
            .auth(self.http.get(self.at("/v1/audit/verify")?))
            .send()
            .await
            .map_err(|e| transport("audit verify", e))?;
        // 409 is the answer for a broken chain, not a failure to ask.
        if !(resp.status().is_success() || resp.status() == reqwest::StatusCode::CONFLICT) {
            return Err(api_error(resp).await);
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| transport("audit verify", e))?;
        let v: AuditVerificationView =
            serde_json::from_slice(&bytes).map_err(|e| unexpected("audit verify", e))?;
        Ok(if v.intact {
            AuditVerification::Intact {
                records: v.records.unwrap_or(0),
            }
        } else {
            AuditVerification::Broken {
                seq: v.broken_at.unwrap_or(0),
                reason: v.reason.unwrap_or_else(|| "unknown".into()),
            }
        })
    }

    async fn policy(&self, namespace: &str) -> Result<PolicyView> {
        let req = self.http.get(self.policy_url(namespace)?);
        self.json(req, "read policy").await
    }

    async fn set_policy(&self, namespace: &str, policy: &NamespacePolicy) -> Result<PolicyView> {
        let body = serde_json::json!({
            "require-signatures": policy.require_signatures,
            "validation": policy.validation.as_str(),
            "tests": policy.tests.as_str(),
            "semver-guard": policy.semver_guard.as_str(),
        });
        let req = self.http.put(self.policy_url(namespace)?).json(&body);
        self.json(req, "set policy").await
    }
}
