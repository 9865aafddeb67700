//! API tokens in the metadata database: only a hash of each secret is stored.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rand::RngCore as _;
use registry_core::{
    Error, NewSession, NewToken, Result, SessionInfo, TokenInfo, TokenRequest, TokenStore,
    constant_time_eq, hash_secret, invalid_token, make_secret, token_id_of, validate_name,
};

use super::SqlMetadataStore;
use super::engine::{Row, Sql};

const SELECT_TOKEN: &str = "SELECT id, namespace, role, description, created_at, expires_at, revoked_at, extra_grants, secret_hash FROM api_tokens";

/// A token's record columns, as `t.*` for joins (sessions).
pub(super) const TOKEN_COLUMNS: &str = "t.id, t.namespace, t.role, t.description, t.created_at, t.expires_at, t.revoked_at, t.extra_grants";

fn decode_token(row: &Row) -> Result<TokenInfo> {
    decode_token_at(row, 0)
}

/// A token's record from the row's columns starting at `at`.
pub(super) fn decode_token_at(row: &Row, at: usize) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: row.get(at)?,
        namespace: row.get(at + 1)?,
        role: row.get::<String>(at + 2)?.parse()?,
        description: row.get(at + 3)?,
        created_at: row.get(at + 4)?,
        expires_at: row.get(at + 5)?,
        revoked_at: row.get(at + 6)?,
        also: match row.get::<Option<String>>(at + 7)? {
            Some(json) => serde_json::from_str(&json).map_err(|_| {
                Error::new(
                    registry_core::ErrorKind::Backend,
                    "a stored token has malformed grants",
                )
            })?,
            None => Vec::new(),
        },
    })
}

/// The extra grants as stored: JSON, or NULL when there are none.
fn encode_grants(also: &[registry_core::Grant]) -> Option<String> {
    (!also.is_empty()).then(|| serde_json::to_string(also).unwrap_or_default())
}

#[async_trait]
impl TokenStore for SqlMetadataStore {
    async fn create(&self, request: &TokenRequest, now: DateTime<Utc>) -> Result<NewToken> {
        if request.namespace != "*" {
            validate_name(&request.namespace)?;
        }
        let mut random = [0u8; 32];
        rand::rng().fill_bytes(&mut random);
        let (id, secret) = make_secret(&random);
        let q = Sql::new(
            "create token",
            "INSERT INTO api_tokens (id, secret_hash, namespace, role, description, created_at, expires_at, extra_grants) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(hash_secret(&secret))
        .bind(&request.namespace)
        .bind(request.role.to_string())
        .bind(&request.description)
        .bind(now)
        .bind(request.expires_at)
        .bind(encode_grants(&request.also));
        self.pool.execute(&q).await?;
        Ok(NewToken {
            info: TokenInfo {
                id,
                namespace: request.namespace.clone(),
                role: request.role,
                description: request.description.clone(),
                created_at: now,
                expires_at: request.expires_at,
                revoked_at: None,
                also: request.also.clone(),
            },
            secret,
        })
    }

    async fn get(&self, id: &str) -> Result<Option<TokenInfo>> {
        let q = Sql::new("read token", format!("{SELECT_TOKEN} WHERE id = $1")).bind(id);
        match self.pool.fetch_optional(&q).await? {
            Some(row) => Ok(Some(decode_token(&row)?)),
            None => Ok(None),
        }
    }

    async fn authenticate(&self, secret: &str, now: DateTime<Utc>) -> Result<TokenInfo> {
        let id = token_id_of(secret).ok_or_else(invalid_token)?;
        let q = Sql::new("read token", format!("{SELECT_TOKEN} WHERE id = $1")).bind(id);
        let row = self
            .pool
            .fetch_optional(&q)
            .await?
            .ok_or_else(invalid_token)?;
        let stored: String = row.get(8)?;
        if !constant_time_eq(stored.as_bytes(), hash_secret(secret).as_bytes()) {
            return Err(invalid_token());
        }
        let info = decode_token(&row)?;
        if !info.is_usable(now) {
            return Err(invalid_token());
        }
        Ok(info)
    }

    async fn revoke(&self, id: &str, now: DateTime<Utc>) -> Result<TokenInfo> {
        let q = Sql::new(
            "revoke token",
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id);
        if self.pool.execute(&q).await? == 0 {
            // Never echo what may be a secret pasted as an id.
            let shown = match registry_core::token_id_of(id) {
                Some(part) => format!("{part:?} (given as a whole secret)"),
                None if id.starts_with(registry_core::TOKEN_PREFIX) => {
                    "(a malformed secret)".into()
                }
                None => format!("{id:?}"),
            };
            return Err(Error::not_found(format!("no active token with id {shown}")));
        }
        let read = Sql::new("read token", format!("{SELECT_TOKEN} WHERE id = $1")).bind(id);
        decode_token(&self.pool.fetch_one(&read).await?)
    }

    async fn open_session(
        &self,
        token_id: &str,
        expires_at: DateTime<Utc>,
        client: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<NewSession> {
        self.open_session_row(token_id, expires_at, client, now)
            .await
    }

    async fn session(&self, secret: &str, now: DateTime<Utc>) -> Result<(SessionInfo, TokenInfo)> {
        self.session_row(secret, now).await
    }

    async fn revoke_session(&self, id: &str, now: DateTime<Utc>) -> Result<SessionInfo> {
        self.revoke_session_row(id, now).await
    }

    async fn sessions(&self, token_id: &str) -> Result<Vec<SessionInfo>> {
        self.session_rows(token_id).await
    }

    async fn list(&self) -> Result<Vec<TokenInfo>> {
        let q = Sql::new(
            "list tokens",
            format!("{SELECT_TOKEN} ORDER BY created_at, id"),
        );
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(decode_token)
            .collect()
    }
}
