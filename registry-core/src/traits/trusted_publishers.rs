//! Trusted publishers: policies under which a CI job's OIDC identity token
//! is exchanged for a short-lived publish token of one namespace, so the
//! CI system stores no secret of ours.

use std::collections::BTreeMap;
use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A policy: a token is accepted when its issuer, audience and every
/// listed claim match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedPublisher {
    /// Public id (to list and remove it; recorded with each exchange).
    pub id: String,
    /// The namespace its tokens publish to.
    pub namespace: String,
    /// The token's `iss`, exactly (`https://token.actions.githubusercontent.com`).
    pub issuer: String,
    /// One of the token's `aud` values, exactly.
    pub audience: String,
    /// Claim name → glob its (string) value must match
    /// (`repository` → `acme/*`, `ref` → `refs/tags/v*`).
    pub claims: BTreeMap<String, String>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// What a policy to be added says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedPublisherRequest {
    /// Namespace.
    pub namespace: String,
    /// Issuer URL (https).
    pub issuer: String,
    /// Audience.
    pub audience: String,
    /// Claim globs.
    #[serde(default)]
    pub claims: BTreeMap<String, String>,
}

impl TrustedPublisherRequest {
    /// Refuse a policy that would be unsafe or could never match: an
    /// issuer that is not an https URL, an empty audience, a claim glob
    /// that does not parse, or none of `sub`/`repository`/`project_path`
    /// bound (a policy matching every job of an issuer as large as
    /// GitHub's would let anyone publish).
    pub fn check(&self) -> Result<()> {
        crate::validate_namespace(&self.namespace)?;
        let issuer = url::Url::parse(&self.issuer).map_err(|e| {
            Error::invalid_input(format!("issuer {:?} is not a URL: {e}", self.issuer))
        })?;
        let loopback = matches!(issuer.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if issuer.scheme() != "https" && !(issuer.scheme() == "http" && loopback) {
            return Err(Error::invalid_input(format!(
                "issuer {:?} must be an https URL",
                self.issuer
            )));
        }
        if self.audience.trim().is_empty() || self.audience.len() > 500 {
            return Err(Error::invalid_input(
                "audience must be given (the aud your CI job requests)",
            ));
        }
        for (name, glob) in &self.claims {
            if name.is_empty() || name.len() > 100 || glob.len() > 500 {
                return Err(Error::invalid_input(format!(
                    "claim {name:?}: name and pattern must be 1-100 and at most 500 characters"
                )));
            }
            globset::Glob::new(glob).map_err(|e| {
                Error::invalid_input(format!("claim {name}={glob:?}: not a glob: {e}"))
            })?;
        }
        const BINDING: [&str; 4] = ["sub", "repository", "project_path", "repository_owner"];
        // A binding must name something: `*` or `**` alone binds nothing.
        let binds = |glob: &str| glob.chars().any(|c| !matches!(c, '*' | '?' | '/'));
        if !BINDING
            .iter()
            .any(|c| self.claims.get(*c).is_some_and(|g| binds(g)))
        {
            return Err(Error::invalid_input(
                "name which jobs may publish with --claim sub=…, repository=… (GitHub) or project_path=… (GitLab); a policy binding only issuer and audience would accept every job of that issuer",
            ));
        }
        Ok(())
    }
}

/// Keeps trusted publisher policies.
#[async_trait]
pub trait TrustedPublisherStore: Send + Sync + Debug + 'static {
    /// Store a policy.
    async fn add_trusted_publisher(&self, publisher: &TrustedPublisher) -> Result<()>;
    /// Every policy, oldest first.
    async fn trusted_publishers(&self) -> Result<Vec<TrustedPublisher>>;
    /// Remove a policy by id; the removed policy, or `NotFound`.
    async fn remove_trusted_publisher(&self, id: &str) -> Result<TrustedPublisher>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(claims: &[(&str, &str)]) -> TrustedPublisherRequest {
        TrustedPublisherRequest {
            namespace: "acme".into(),
            issuer: "https://token.actions.githubusercontent.com".into(),
            audience: "registry".into(),
            claims: claims
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_policy_must_bind_the_job_and_use_https() {
        assert!(request(&[("repository", "acme/*")]).check().is_ok());
        let unbound = request(&[("ref", "refs/tags/*")]).check().unwrap_err();
        assert!(unbound.message().contains("every job"));
        assert!(
            request(&[("sub", "*")]).check().is_err(),
            "a wildcard binds nothing"
        );
        assert!(request(&[("repository", "**/*")]).check().is_err());
        let mut http = request(&[("sub", "x")]);
        http.issuer = "http://issuer.example.com".into();
        assert!(http.check().is_err());
        http.issuer = "http://127.0.0.1:8080".into();
        assert!(http.check().is_ok());
        assert!(request(&[("sub", "a[")]).check().is_err());
    }
}
