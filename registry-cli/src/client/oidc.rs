//! `registry publish --oidc`: the CI job's OIDC identity token, found
//! where the CI system puts it, exchanged at the server for a short-lived
//! publish token. Nothing secret is stored in the CI system.

use std::path::PathBuf;

use registry_core::{Error, ErrorKind, Result};
use registry_server::http::views::ExchangedTokenView;
use registry_server::trust::ClientTrust;
use secrecy::SecretString;

/// Where the identity token comes from.
#[derive(Debug, Clone)]
pub struct OidcSource {
    /// The environment variable holding the token (GitLab's `id_tokens:`
    /// name); else `REGISTRY_OIDC_TOKEN`, else GitHub Actions' request
    /// variables.
    pub token_env: Option<String>,
    /// The audience asked of GitHub Actions (policies match it).
    pub audience: String,
}

fn http(ca_certs: &[PathBuf]) -> Result<reqwest::Client> {
    let trust = ClientTrust::new(ca_certs)?;
    reqwest::Client::builder()
        .user_agent(concat!("registry-cli/", env!("CARGO_PKG_VERSION")))
        .tls_backend_preconfigured(trust.rustls_config())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| Error::invalid_input(format!("HTTP client: {e}")))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The identity token, from the first place that has one.
async fn identity_token(source: &OidcSource, client: &reqwest::Client) -> Result<String> {
    if let Some(name) = &source.token_env {
        return env(name).ok_or_else(|| {
            Error::invalid_input(format!(
                "--oidc-token-env {name}: the variable is not set (in GitLab CI, declare it under id_tokens: with aud: {})",
                source.audience
            ))
        });
    }
    if let Some(t) = env("REGISTRY_OIDC_TOKEN") {
        return Ok(t);
    }
    if let (Some(url), Some(bearer)) = (
        env("ACTIONS_ID_TOKEN_REQUEST_URL"),
        env("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    ) {
        let mut url = reqwest::Url::parse(&url).map_err(|e| {
            Error::invalid_input(format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: {e}"))
        })?;
        url.query_pairs_mut()
            .append_pair("audience", &source.audience);
        let answer: serde_json::Value = client
            .get(url)
            .bearer_auth(bearer)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| {
                Error::new(
                    ErrorKind::Upstream,
                    format!("GitHub Actions did not hand out an identity token (does the job have `permissions: id-token: write`?): {e}"),
                )
            })?
            .json()
            .await
            .map_err(|e| Error::new(ErrorKind::Upstream, format!("GitHub's token answer: {e}")))?;
        return answer["value"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| Error::new(ErrorKind::Upstream, "GitHub's token answer has no value"));
    }
    Err(Error::invalid_input(
        "--oidc: no identity token found: set REGISTRY_OIDC_TOKEN, run in GitHub Actions with `permissions: id-token: write`, or name GitLab's ID token variable with --oidc-token-env",
    ))
}

/// Exchange the job's identity token at `server` for a publish token.
pub async fn exchange(
    server: &str,
    ca_certs: &[PathBuf],
    source: &OidcSource,
) -> Result<SecretString> {
    let client = http(ca_certs)?;
    let jwt = identity_token(source, &client).await?;
    let url = reqwest::Url::parse(server)
        .and_then(|b| b.join("/v1/oidc/exchange"))
        .map_err(|e| Error::invalid_input(format!("invalid server URL {server:?}: {e}")))?;
    let response = client
        .post(url)
        .json(&serde_json::json!({ "token": jwt }))
        .send()
        .await
        .map_err(|e| Error::new(ErrorKind::Upstream, format!("OIDC exchange: {e}")))?;
    if !response.status().is_success() {
        return Err(super::remote::api_error(response).await);
    }
    let view: ExchangedTokenView = response
        .json()
        .await
        .map_err(|e| Error::new(ErrorKind::Upstream, format!("OIDC exchange answer: {e}")))?;
    eprintln!(
        "exchanged the CI identity token for a publish token of {} (trusted publisher {}, until {})",
        view.namespace,
        view.trusted_publisher,
        view.expires_at.format("%H:%M:%SZ")
    );
    Ok(SecretString::from(view.token))
}
