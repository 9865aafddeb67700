//! API tokens: random secrets shown once and stored only as a hash.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::traits::auth::{Actor, Grant, Role};
use crate::traits::sessions::{NewSession, SessionInfo};

/// A token's public record (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Public id (appears in audit records and logs).
    pub id: String,
    /// Namespace the token acts in, or `*` for all.
    pub namespace: String,
    /// Role in that namespace.
    pub role: Role,
    /// What the token is for.
    pub description: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Roles in other namespaces besides `namespace`'s (a person signed in
    /// through the OpenID provider gets one per group the role map names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Grant>,
}

impl TokenInfo {
    /// Whether the token may be used at `now`.
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }

    /// The actor a request with this token acts as.
    pub fn actor(&self) -> Actor {
        Actor::Token {
            id: self.id.clone(),
            grants: self.grants(),
        }
    }

    /// Every grant the token carries: its namespace's role, then the others.
    pub fn grants(&self) -> Vec<Grant> {
        let mut grants = vec![Grant {
            namespace: self.namespace.clone(),
            role: self.role,
        }];
        grants.extend(self.also.iter().cloned());
        grants
    }
}

/// A new token: its record and the secret, which is shown once and never stored.
pub struct NewToken {
    /// The record.
    pub info: TokenInfo,
    /// The secret to give the user.
    pub secret: String,
}

impl Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewToken")
            .field("info", &self.info)
            .field("secret", &"***")
            .finish()
    }
}

/// What a token to be created may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// Namespace, or `*`.
    pub namespace: String,
    /// Role.
    pub role: Role,
    /// Purpose.
    pub description: Option<String>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Roles in other namespaces besides `namespace`'s.
    pub also: Vec<Grant>,
}

/// Secrets look like `rgt_<id>_<random>`: the id locates the record, the
/// whole secret is compared by hash in constant time.
pub const TOKEN_PREFIX: &str = "rgt_";

/// Split a secret into its id; `None` when it is not one of ours.
pub fn token_id_of(secret: &str) -> Option<&str> {
    id_of(TOKEN_PREFIX, secret)
}

/// The id part of a `<prefix><id>_<random>` secret.
pub(crate) fn id_of<'s>(prefix: &str, secret: &'s str) -> Option<&'s str> {
    let rest = secret.strip_prefix(prefix)?;
    let (id, random) = rest.split_once('_')?;
    (!id.is_empty() && !random.is_empty()).then_some(id)
}

/// The stored hash of a secret (sha256, hex). Secrets are 256 random bits,
/// so a fast hash is enough: there is nothing to brute-force.
pub fn hash_secret(secret: &str) -> String {
    crate::digest::Sha256Digest::of(secret.as_bytes()).hex()
}

/// Make a fresh token id and secret from 32 bytes of randomness the caller supplies.
pub fn make_secret(random: &[u8; 32]) -> (String, String) {
    prefixed_secret(TOKEN_PREFIX, random)
}

/// An id (the first 6 bytes, hex) and `<prefix><id>_<the rest, base64url>`.
pub(crate) fn prefixed_secret(prefix: &str, random: &[u8; 32]) -> (String, String) {
    use base64::Engine as _;
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let id = hex::encode(&random[..6]);
    let secret = format!("{prefix}{id}_{}", enc.encode(&random[6..]));
    (id, secret)
}

/// Stores tokens (hashed) and checks presented secrets.
#[async_trait]
pub trait TokenStore: Send + Sync + Debug + 'static {
    /// Create a token. The secret is returned once and not kept.
    async fn create(&self, request: &TokenRequest, now: DateTime<Utc>) -> Result<NewToken>;
    /// The token a secret belongs to, if it exists and is usable at `now`;
    /// `Unauthenticated` otherwise.
    async fn authenticate(&self, secret: &str, now: DateTime<Utc>) -> Result<TokenInfo>;
    /// Revoke a token by id.
    async fn revoke(&self, id: &str, now: DateTime<Utc>) -> Result<TokenInfo>;
    /// Every token's record.
    async fn list(&self) -> Result<Vec<TokenInfo>>;
    /// One token's record by id, if there is one (revoked and expired
    /// ones too).
    async fn get(&self, id: &str) -> Result<Option<TokenInfo>> {
        Ok(self.list().await?.into_iter().find(|t| t.id == id))
    }

    /// Open a web session acting as token `token_id` until `expires_at`
    /// (the caller authenticated the token). `client` describes the browser
    /// for the session list.
    async fn open_session(
        &self,
        _token_id: &str,
        _expires_at: DateTime<Utc>,
        _client: Option<&str>,
        _now: DateTime<Utc>,
    ) -> Result<NewSession> {
        Err(sessions_unsupported())
    }
    /// The session a cookie's secret belongs to and the token it acts as,
    /// when both are usable at `now`; `Unauthenticated` otherwise.
    async fn session(
        &self,
        _secret: &str,
        _now: DateTime<Utc>,
    ) -> Result<(SessionInfo, TokenInfo)> {
        Err(sessions_unsupported())
    }
    /// End a session by id (signing out, or revoking it from the list).
    async fn revoke_session(&self, _id: &str, _now: DateTime<Utc>) -> Result<SessionInfo> {
        Err(sessions_unsupported())
    }
    /// The sessions opened with a token, newest first (ended ones too, for
    /// a while).
    async fn sessions(&self, _token_id: &str) -> Result<Vec<SessionInfo>> {
        Err(sessions_unsupported())
    }
}

fn sessions_unsupported() -> Error {
    Error::new(
        crate::ErrorKind::Unsupported,
        "this token store keeps no web sessions",
    )
}

/// The error for a secret that does not authenticate (never says why).
pub fn invalid_token() -> Error {
    Error::new(
        crate::ErrorKind::Unauthenticated,
        "invalid or expired API token",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_their_id() {
        let (id, secret) = make_secret(&[7u8; 32]);
        assert_eq!(token_id_of(&secret), Some(id.as_str()));
        assert!(secret.starts_with("rgt_"));
        assert_eq!(token_id_of("Bearer xyz"), None);
        assert_eq!(token_id_of("rgt__x"), None);
        assert_ne!(hash_secret(&secret), secret);
    }

    #[test]
    fn debug_hides_the_secret() {
        let t = NewToken {
            info: TokenInfo {
                id: "a".into(),
                namespace: "*".into(),
                role: Role::Admin,
                description: None,
                created_at: Utc::now(),
                expires_at: None,
                revoked_at: None,
                also: Vec::new(),
            },
            secret: "rgt_a_supersecret".into(),
        };
        assert!(!format!("{t:?}").contains("supersecret"));
    }
}
