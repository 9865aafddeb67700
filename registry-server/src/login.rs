//! `terraform login`: the OAuth 2.0 authorization-code flow with PKCE that
//! Terraform runs against `login.v1` in service discovery. The web UI's
//! `/oauth/authorization` page (a signed-in user allows it) hands
//! Terraform's local listener a code; `POST /oauth/token` trades the code
//! and its PKCE verifier for a token with the signed-in user's role.
//!
//! A code is self-contained: signed with the grant key (shared by every
//! server process) over the redirect URI and the PKCE challenge, naming
//! the token the session acts as, valid for the grant TTL; each process
//! refuses a code it has already redeemed.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use registry_core::{Error, ErrorKind, NewToken, Result, TokenRequest, TokenStore};
use url::Url;

use crate::grant::GrantKey;

/// The client id Terraform announces (advisory: Terraform is a public client).
pub const CLIENT_ID: &str = "terraform-cli";
/// The authorization page (the web UI's).
pub const AUTHZ_PATH: &str = "/oauth/authorization";
/// The token endpoint.
pub const TOKEN_PATH: &str = "/oauth/token";
/// The local ports Terraform may listen on for the redirect.
pub const PORTS: [u16; 2] = [10000, 10010];
/// How long a token made by `terraform login` lasts (never past the
/// token the session acts as).
pub const LOGIN_TOKEN_TTL: chrono::Duration = chrono::Duration::days(30);

/// An authorization request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// Where Terraform listens (`http://localhost:PORT/login`).
    pub redirect_uri: Url,
    /// Terraform's state, returned as given.
    pub state: String,
    /// The PKCE challenge (S256).
    pub code_challenge: String,
}

/// An authorization request's parameters as they arrive.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct AuthorizationParams {
    /// Must be `code`.
    pub response_type: Option<String>,
    /// Terraform's client id.
    pub client_id: Option<String>,
    /// Where to send the code.
    pub redirect_uri: Option<String>,
    /// Returned as given.
    pub state: Option<String>,
    /// The PKCE challenge.
    pub code_challenge: Option<String>,
    /// Must be `S256`.
    pub code_challenge_method: Option<String>,
}

fn bad(why: impl Into<String>) -> Error {
    Error::invalid_input(why.into())
}

/// Whether a redirect URI is Terraform's local listener: plain http on
/// loopback, on one of [`PORTS`], nothing else (a code sent anywhere else
/// would hand a token to whoever listens there).
fn check_redirect(text: &str) -> Result<Url> {
    let url = Url::parse(text).map_err(|e| bad(format!("redirect_uri {text:?}: {e}")))?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    let port_ok = url
        .port()
        .is_some_and(|p| (PORTS[0]..=PORTS[1]).contains(&p));
    if url.scheme() != "http"
        || !loopback
        || !port_ok
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return Err(bad(format!(
            "redirect_uri {text:?} is not Terraform's local listener (http://localhost:{}-{}/…)",
            PORTS[0], PORTS[1]
        )));
    }
    Ok(url)
}

impl AuthorizationRequest {
    /// Check what Terraform sent; refused by name (and never redirected,
    /// since the redirect URI itself may be what is wrong).
    pub fn check(p: &AuthorizationParams) -> Result<Self> {
        if p.response_type.as_deref() != Some("code") {
            return Err(bad("response_type must be code"));
        }
        if p.client_id.as_deref() != Some(CLIENT_ID) {
            return Err(bad(format!("client_id must be {CLIENT_ID}")));
        }
        if p.code_challenge_method.as_deref() != Some("S256") {
            return Err(bad("code_challenge_method must be S256 (PKCE)"));
        }
        let challenge = p.code_challenge.clone().unwrap_or_default();
        let challenge_ok = (43..=128).contains(&challenge.len())
            && challenge
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !challenge_ok {
            return Err(bad("code_challenge is not a PKCE S256 challenge"));
        }
        let state = p.state.clone().unwrap_or_default();
        if state.is_empty() || state.len() > 500 || state.chars().any(char::is_control) {
            return Err(bad("state must be given (at most 500 characters)"));
        }
        let redirect_uri = check_redirect(p.redirect_uri.as_deref().unwrap_or_default())?;
        Ok(AuthorizationRequest {
            redirect_uri,
            state,
            code_challenge: challenge,
        })
    }

    /// Where the browser goes with `code` (or with `error`).
    pub fn answer(&self, outcome: std::result::Result<&str, &str>) -> Url {
        let mut url = self.redirect_uri.clone();
        {
            let mut q = url.query_pairs_mut();
            match outcome {
                Ok(code) => q.append_pair("code", code),
                Err(error) => q.append_pair("error", error),
            };
            q.append_pair("state", &self.state);
        }
        url
    }
}

/// What a code is signed over: the redirect URI and the PKCE challenge.
fn code_subject(redirect_uri: &str, challenge: &str) -> String {
    format!("terraform-login\n{redirect_uri}\n{challenge}")
}

/// A code for the token `token_id` (the one the allowing session acts as).
pub fn mint_code(
    key: &GrantKey,
    token_id: &str,
    request: &AuthorizationRequest,
    now: DateTime<Utc>,
) -> String {
    key.sign_for(
        &code_subject(request.redirect_uri.as_str(), &request.code_challenge),
        now,
        Some(token_id),
    )
}

/// An OAuth token endpoint error (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// `invalid_request`, `invalid_grant`, `unsupported_grant_type`, `invalid_client`.
    pub error: &'static str,
    /// Why, in words.
    pub description: String,
}

impl TokenError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        TokenError {
            error,
            description: description.into(),
        }
    }
}

/// A token request's form fields.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TokenParams {
    /// Must be `authorization_code`.
    pub grant_type: Option<String>,
    /// The code.
    pub code: Option<String>,
    /// The PKCE verifier.
    pub code_verifier: Option<String>,
    /// The redirect URI the code was sent to.
    pub redirect_uri: Option<String>,
    /// Terraform's client id.
    pub client_id: Option<String>,
}

/// The token a code names, when the code, its redirect URI and the PKCE
/// verifier hold and the code was not redeemed before.
pub fn redeem_code(
    key: &GrantKey,
    redeemed: &moka::sync::Cache<String, ()>,
    p: &TokenParams,
    now: DateTime<Utc>,
) -> std::result::Result<String, TokenError> {
    if p.grant_type.as_deref() != Some("authorization_code") {
        return Err(TokenError::new(
            "unsupported_grant_type",
            "only authorization_code is supported",
        ));
    }
    if p.client_id.as_deref() != Some(CLIENT_ID) {
        return Err(TokenError::new(
            "invalid_client",
            format!("client_id must be {CLIENT_ID}"),
        ));
    }
    let (Some(code), Some(verifier), Some(redirect)) = (&p.code, &p.code_verifier, &p.redirect_uri)
    else {
        return Err(TokenError::new(
            "invalid_request",
            "code, code_verifier and redirect_uri are required",
        ));
    };
    if !(43..=128).contains(&verifier.len()) {
        return Err(TokenError::new(
            "invalid_request",
            "code_verifier is not a PKCE verifier",
        ));
    }
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
    let redirect = Url::parse(redirect)
        .map(|u| u.to_string())
        .unwrap_or_default();
    let Some(Some(token_id)) = key.verify_holder(&code_subject(&redirect, &challenge), code, now)
    else {
        return Err(TokenError::new(
            "invalid_grant",
            "the code is unknown, expired, or was issued for another redirect or verifier",
        ));
    };
    if redeemed.contains_key(code) {
        return Err(TokenError::new(
            "invalid_grant",
            "the code was redeemed already",
        ));
    }
    redeemed.insert(code.clone(), ());
    Ok(token_id)
}

/// A new token for `terraform login`, with the role of the token
/// `token_id` (which must still be usable), for [`LOGIN_TOKEN_TTL`] at most.
pub async fn issue_token(
    tokens: &dyn TokenStore,
    token_id: &str,
    now: DateTime<Utc>,
) -> Result<NewToken> {
    let base = tokens
        .get(token_id)
        .await?
        .filter(|t| t.is_usable(now))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Unauthenticated,
                "the signed-in token has been revoked or has expired; sign in again",
            )
        })?;
    let longest = now + LOGIN_TOKEN_TTL;
    let expires_at = match base.expires_at {
        Some(e) if e < longest => e,
        _ => longest,
    };
    tokens
        .create(
            &TokenRequest {
                namespace: base.namespace.clone(),
                role: base.role,
                description: Some(format!("terraform login (signed in as token {})", base.id)),
                expires_at: Some(expires_at),
                also: base.also.clone(),
            },
            now,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(redirect: &str) -> AuthorizationParams {
        AuthorizationParams {
            response_type: Some("code".into()),
            client_id: Some(CLIENT_ID.into()),
            redirect_uri: Some(redirect.into()),
            state: Some("s1".into()),
            code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
            code_challenge_method: Some("S256".into()),
        }
    }

    #[test]
    fn only_terraforms_local_listener_gets_a_code() {
        assert!(AuthorizationRequest::check(&params("http://localhost:10000/login")).is_ok());
        assert!(AuthorizationRequest::check(&params("http://127.0.0.1:10010/login")).is_ok());
        for bad in [
            "https://evil.example/login",
            "http://localhost:9999/login",
            "http://localhost/login",
            "http://evil.example:10000/login",
            "http://user@localhost:10000/login",
            "javascript:alert(1)",
        ] {
            assert!(AuthorizationRequest::check(&params(bad)).is_err(), "{bad}");
        }
        let mut plain = params("http://localhost:10000/login");
        plain.code_challenge_method = Some("plain".into());
        assert!(AuthorizationRequest::check(&plain).is_err());
    }

    #[test]
    fn a_code_is_redeemed_once_with_its_verifier_and_redirect() {
        // RFC 7636's example verifier and its S256 challenge.
        let verifier = "dBjftJeZ4CVP-mJ0kWeR0bnjkPZdhbw5ABgoNWwV4J4YZm8Qh2aY8J1q0m5z7u";
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
        let mut p = params("http://localhost:10000/login");
        p.code_challenge = Some(challenge);
        let request = AuthorizationRequest::check(&p).unwrap();
        let key = GrantKey::new(vec![5u8; 32]).unwrap();
        let now = Utc::now();
        let code = mint_code(&key, "tok1", &request, now);
        let redeemed = moka::sync::Cache::new(100);
        let token = |code: &str, verifier: &str, redirect: &str| TokenParams {
            grant_type: Some("authorization_code".into()),
            code: Some(code.into()),
            code_verifier: Some(verifier.into()),
            redirect_uri: Some(redirect.into()),
            client_id: Some(CLIENT_ID.into()),
        };
        let wrong_verifier = "x".repeat(50);
        let e = redeem_code(
            &key,
            &redeemed,
            &token(&code, &wrong_verifier, "http://localhost:10000/login"),
            now,
        )
        .unwrap_err();
        assert_eq!(e.error, "invalid_grant");
        let e = redeem_code(
            &key,
            &redeemed,
            &token(&code, verifier, "http://localhost:10001/login"),
            now,
        )
        .unwrap_err();
        assert_eq!(e.error, "invalid_grant");
        let good = token(&code, verifier, "http://localhost:10000/login");
        assert_eq!(redeem_code(&key, &redeemed, &good, now).unwrap(), "tok1");
        let again = redeem_code(&key, &redeemed, &good, now).unwrap_err();
        assert!(again.description.contains("already"));
        let later = now + chrono::Duration::hours(1);
        let fresh = moka::sync::Cache::new(100);
        assert!(
            redeem_code(&key, &fresh, &good, later).is_err(),
            "codes expire"
        );
    }
}
