//! API tokens in the metadata database: only a hash of each secret is stored.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rand::RngCore as _;
use registry_core::{
    Error, NewToken, Result, TokenInfo, TokenRequest, TokenStore, constant_time_eq, hash_secret,
    invalid_token, make_secret, token_id_of, validate_name,
};

use super::SqlMetadataStore;
use super::engine::{Row, Sql};

const SELECT_TOKEN: &str = "SELECT id, namespace, role, description, created_at, expires_at, revoked_at, secret_hash FROM api_tokens";

fn decode_token(row: &Row) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: row.get(0)?,
        namespace: row.get(1)?,
        role: row.get::<String>(2)?.parse()?,
        description: row.get(3)?,
        created_at: row.get(4)?,
        expires_at: row.get(5)?,
        revoked_at: row.get(6)?,
    })
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
            "INSERT INTO api_tokens (id, secret_hash, namespace, role, description, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(hash_secret(&secret))
        .bind(&request.namespace)
        .bind(request.role.to_string())
        .bind(&request.description)
        .bind(now)
        .bind(request.expires_at);
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
        let stored: String = row.get(7)?;
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
