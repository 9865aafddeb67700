//! A client of a remote registry's HTTP API, found through service discovery.

use std::path::Path;

use bytes::Bytes;
use registry_core::{Error, ErrorKind, ModuleAddress, Problem, Result};
use serde_json::Value;

/// Talks to one registry server.
pub struct RemoteClient {
    http: reqwest::Client,
    modules: reqwest::Url,
    token: Option<secrecy::SecretString>,
}

fn transport(what: &str, e: reqwest::Error) -> Error {
    // reqwest errors carry the URL but never the token (it is a header).
    Error::new(ErrorKind::Backend, format!("{what}: {e}")).with_context("backend", "http")
}

/// Map an error response to a registry error.
async fn api_error(resp: reqwest::Response) -> Error {
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

impl RemoteClient {
    /// Discover the modules API of `server` (`https://host:port`).
    pub async fn connect(
        server: &str,
        token: Option<secrecy::SecretString>,
        ca_cert: Option<&Path>,
    ) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("registry-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_cert {
            let pem = std::fs::read(path)?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                Error::invalid_input(format!("invalid CA certificate {}: {e}", path.display()))
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder.build().map_err(|e| transport("HTTP client", e))?;
        let base = reqwest::Url::parse(server)
            .map_err(|e| Error::invalid_input(format!("invalid server URL {server:?}: {e}")))?;
        let discovery = base
            .join("/.well-known/terraform.json")
            .map_err(|e| Error::invalid_input(format!("invalid server URL: {e}")))?;
        let resp = http
            .get(discovery)
            .send()
            .await
            .map_err(|e| transport("service discovery", e))?;
        if !resp.status().is_success() {
            return Err(api_error(resp).await);
        }
        let doc: Value = resp
            .json()
            .await
            .map_err(|e| transport("service discovery", e))?;
        let path = doc
            .get("modules.v1")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Unsupported,
                    format!("{server} does not offer the modules.v1 service"),
                )
            })?;
        let modules = base
            .join(path)
            .map_err(|e| Error::invalid_input(format!("bad modules.v1 path {path:?}: {e}")))?;
        Ok(RemoteClient {
            http,
            modules,
            token,
        })
    }

    fn url(&self, rel: &str) -> Result<reqwest::Url> {
        self.modules
            .join(rel)
            .map_err(|e| Error::invalid_input(format!("bad path {rel:?}: {e}")))
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(secrecy::ExposeSecret::expose_secret(t)),
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

    async fn json(&self, req: reqwest::RequestBuilder, what: &str) -> Result<Value> {
        self.send(req, what)
            .await?
            .json()
            .await
            .map_err(|e| transport(what, e))
    }

    /// The listed versions, in the server's order.
    pub async fn versions(&self, addr: &ModuleAddress) -> Result<Vec<String>> {
        let doc = self
            .json(
                self.http.get(self.url(&format!("{addr}/versions"))?),
                "list versions",
            )
            .await?;
        Ok(doc["modules"][0]["versions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v["version"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// A module's listed versions with their registry calls (from `/versions`);
    /// `None` when the server does not have the module.
    pub async fn catalog_module(
        &self,
        addr: &ModuleAddress,
    ) -> Result<Option<registry_resolve::graph::CatalogModule>> {
        let doc = match self
            .json(
                self.http.get(self.url(&format!("{addr}/versions"))?),
                "list versions",
            )
            .await
        {
            Ok(d) => d,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut versions = Vec::new();
        for v in doc["modules"][0]["versions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(text) = v["version"].as_str() else {
                continue;
            };
            let Ok(version) = registry_core::Version::parse(text) else {
                continue;
            };
            let dependencies = v["root"]["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| {
                    let source = d["source"].as_str()?.to_string();
                    let parsed = registry_resolve::RegistrySource::parse(&source)?;
                    Some(registry_resolve::graph::DependencyCall {
                        name: d["name"].as_str().unwrap_or_default().to_string(),
                        address: parsed.address,
                        constraint: d["version"]
                            .as_str()
                            .filter(|s| !s.is_empty())
                            .map(str::to_string),
                        source,
                    })
                })
                .collect();
            versions.push(registry_resolve::graph::CatalogVersion {
                version,
                dependencies,
            });
        }
        let source = doc["modules"][0]["source"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| addr.clone());
        Ok(Some(registry_resolve::graph::CatalogModule {
            address: source,
            versions,
        }))
    }

    /// A version's sha256 (hex) and h1 digests.
    pub async fn digests(&self, addr: &ModuleAddress, version: &str) -> Result<(String, String)> {
        let d = self
            .json(
                self.http.get(self.url(&format!("{addr}/{version}"))?),
                "read module",
            )
            .await?;
        let sha = d["sha256"].as_str().unwrap_or_default().to_string();
        let h1 = d["h1"].as_str().unwrap_or_default().to_string();
        if sha.is_empty() || h1.is_empty() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("the server gave no digests for {addr} {version}"),
            ));
        }
        Ok((sha, h1))
    }

    /// Publish an archive.
    pub async fn publish(
        &self,
        addr: &ModuleAddress,
        version: &str,
        archive: Bytes,
        description: Option<&str>,
    ) -> Result<Value> {
        let mut url = self.url(&format!("{addr}/{version}"))?;
        if let Some(d) = description {
            url.query_pairs_mut().append_pair("description", d);
        }
        self.json(self.http.put(url).body(archive), "publish").await
    }

    /// Download a version's archive the way Terraform does: `/download`, then
    /// the `X-Terraform-Get` location relative to it.
    pub async fn download(
        &self,
        addr: &ModuleAddress,
        version: &str,
    ) -> Result<(Bytes, Option<String>)> {
        let url = self.url(&format!("{addr}/{version}/download"))?;
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
        let (archive_ref, _subdir) = match location.split_once("//") {
            Some((a, rest)) if !a.contains(':') => {
                let (sub, query) = rest.split_once('?').map_or((rest, ""), |(s, q)| (s, q));
                (
                    if query.is_empty() {
                        a.to_string()
                    } else {
                        format!("{a}?{query}")
                    },
                    Some(sub.to_string()),
                )
            }
            _ => (location.clone(), None),
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
            .map(str::to_string);
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| transport("download archive", e))?;
        Ok((bytes, sha))
    }

    /// A lifecycle change (`deprecate`, `undeprecate`, `yank`, `unyank`).
    pub async fn lifecycle(
        &self,
        addr: &ModuleAddress,
        version: &str,
        verb: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut req = self
            .http
            .post(self.url(&format!("{addr}/{version}/{verb}"))?);
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.json(req, verb).await
    }

    /// Search; (id, description) pairs.
    pub async fn search(
        &self,
        text: &str,
        namespace: Option<&str>,
        provider: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, String)>> {
        let mut url = self.url("search")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("q", text)
                .append_pair("limit", &limit.min(100).to_string());
            if let Some(n) = namespace {
                q.append_pair("namespace", n);
            }
            if let Some(p) = provider {
                q.append_pair("provider", p);
            }
        }
        let doc = self.json(self.http.get(url), "search").await?;
        Ok(doc["modules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                (
                    m["id"].as_str().unwrap_or_default().to_string(),
                    m["description"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect())
    }

    /// Ask the server to rebuild its search index (admins).
    pub async fn reindex(&self) -> Result<usize> {
        let url = self
            .modules
            .join("/v1/admin/reindex")
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        let doc = self.json(self.http.post(url), "reindex").await?;
        Ok(doc["indexed"].as_u64().unwrap_or(0) as usize)
    }

    /// Audit records (admins).
    pub async fn audit_list(
        &self,
        q: &registry_core::AuditQuery,
    ) -> Result<Vec<registry_core::ChainedAuditEvent>> {
        let mut url = self
            .modules
            .join("/v1/audit")
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        {
            let mut p = url.query_pairs_mut();
            if let Some(s) = q.since {
                p.append_pair("since", &s.to_rfc3339());
            }
            if let Some(n) = &q.namespace {
                p.append_pair("namespace", n);
            }
            if let Some(a) = q.after {
                p.append_pair("after", &a.to_string());
            }
            if q.limit > 0 {
                p.append_pair("limit", &q.limit.to_string());
            }
        }
        let doc = self.json(self.http.get(url), "audit list").await?;
        serde_json::from_value(doc["records"].clone())
            .map_err(|e| Error::backend("http", "unexpected audit listing from the server", e))
    }

    /// Ask the server to verify its audit chain (admins).
    pub async fn audit_verify(&self) -> Result<registry_core::AuditVerification> {
        let url = self
            .modules
            .join("/v1/audit/verify")
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        let resp = self
            .auth(self.http.get(url))
            .send()
            .await
            .map_err(|e| transport("audit verify", e))?;
        if !(resp.status().is_success() || resp.status() == reqwest::StatusCode::CONFLICT) {
            return Err(api_error(resp).await);
        }
        let doc: Value = resp
            .json()
            .await
            .map_err(|e| transport("audit verify", e))?;
        Ok(if doc["intact"].as_bool() == Some(true) {
            registry_core::AuditVerification::Intact {
                records: doc["records"].as_u64().unwrap_or(0),
            }
        } else {
            registry_core::AuditVerification::Broken {
                seq: doc["broken_at"].as_u64().unwrap_or(0),
                reason: doc["reason"].as_str().unwrap_or("unknown").to_string(),
            }
        })
    }

    /// Delete a version.
    pub async fn delete(&self, addr: &ModuleAddress, version: &str) -> Result<()> {
        self.send(
            self.http.delete(self.url(&format!("{addr}/{version}"))?),
            "delete",
        )
        .await?;
        Ok(())
    }
}
