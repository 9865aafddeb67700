//! Web sessions: signing in to the web UI with a token opens a session
//! that acts as that token until it expires or either is revoked. The
//! browser's cookie holds only the session's random secret; the store
//! keeps its hash, as it does for tokens.

use std::fmt::Debug;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A session's public record (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Public id (shown in the session list, used to revoke it).
    pub id: String,
    /// The token the session acts as.
    pub token_id: String,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked (signed out), if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// What the browser said it was, when signing in (for the list).
    pub client: Option<String>,
}

impl SessionInfo {
    /// Whether the session may be used at `now`.
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// A new session: its record and the secret the cookie carries, which is
/// never stored.
pub struct NewSession {
    /// The record.
    pub info: SessionInfo,
    /// The cookie's value.
    pub secret: String,
}

impl Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("info", &self.info)
            .field("secret", &"***")
            .finish()
    }
}

/// Session secrets look like `rgs_<id>_<random>`, as tokens do with `rgt_`.
pub const SESSION_PREFIX: &str = "rgs_";

/// Split a session secret into its id; `None` when it is not one.
pub fn session_id_of(secret: &str) -> Option<&str> {
    crate::traits::tokens::id_of(SESSION_PREFIX, secret)
}

/// Make a fresh session id and secret from 32 bytes of randomness.
pub fn make_session_secret(random: &[u8; 32]) -> (String, String) {
    crate::traits::tokens::prefixed_secret(SESSION_PREFIX, random)
}

/// The error for a session that does not authenticate (never says why).
pub fn invalid_session() -> Error {
    Error::new(
        crate::ErrorKind::Unauthenticated,
        "the session has ended; sign in again",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_secrets_carry_their_id_and_are_not_tokens() {
        let (id, secret) = make_session_secret(&[9u8; 32]);
        assert!(secret.starts_with("rgs_"));
        assert_eq!(session_id_of(&secret), Some(id.as_str()));
        assert_eq!(crate::token_id_of(&secret), None);
        assert_eq!(session_id_of("rgt_abc_def"), None);
    }
}
