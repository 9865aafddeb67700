//! API tokens in the metadata database (both engines): only a hash of each
//! secret is stored.

/// Writes the [`registry_core::TokenStore`] implementation for one engine.
#[allow(unused_macros)]
macro_rules! sql_token_store {
    ($store:ident, $db:ty, $backend:literal) => {
        impl $store {
            fn decode_token(row: &<$db as sqlx::Database>::Row) -> registry_core::Result<registry_core::TokenInfo> {
                use sqlx::Row as _;
                let g = |e| crate::error::from_sqlx($backend, "decode token", e);
                let role: String = row.try_get(2).map_err(g)?;
                Ok(registry_core::TokenInfo {
                    id: row.try_get(0).map_err(g)?,
                    namespace: row.try_get(1).map_err(g)?,
                    role: role.parse()?,
                    description: row.try_get(3).map_err(g)?,
                    created_at: row.try_get(4).map_err(g)?,
                    expires_at: row.try_get(5).map_err(g)?,
                    revoked_at: row.try_get(6).map_err(g)?,
                })
            }
        }

        #[async_trait::async_trait]
        impl registry_core::TokenStore for $store {
            async fn create(
                &self,
                request: &registry_core::TokenRequest,
                now: chrono::DateTime<chrono::Utc>,
            ) -> registry_core::Result<registry_core::NewToken> {
                use rand::RngCore as _;
                if request.namespace != "*" {
                    registry_core::validate_name(&request.namespace)?;
                }
                let mut random = [0u8; 32];
                rand::rng().fill_bytes(&mut random);
                let (id, secret) = registry_core::make_secret(&random);
                sqlx::query(
                    "INSERT INTO api_tokens (id, secret_hash, namespace, role, description, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&id)
                .bind(registry_core::hash_secret(&secret))
                .bind(&request.namespace)
                .bind(request.role.to_string())
                .bind(&request.description)
                .bind(now)
                .bind(request.expires_at)
                .execute(&self.pool)
                .await
                .map_err(|e| crate::error::from_sqlx($backend, "create token", e))?;
                Ok(registry_core::NewToken {
                    info: registry_core::TokenInfo {
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

            async fn authenticate(
                &self,
                secret: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> registry_core::Result<registry_core::TokenInfo> {
                use sqlx::Row as _;
                let id = registry_core::token_id_of(secret).ok_or_else(registry_core::invalid_token)?;
                let row = sqlx::query(
                    "SELECT id, namespace, role, description, created_at, expires_at, revoked_at, secret_hash \
                     FROM api_tokens WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| crate::error::from_sqlx($backend, "read token", e))?
                .ok_or_else(registry_core::invalid_token)?;
                let stored: String = row
                    .try_get(7)
                    .map_err(|e| crate::error::from_sqlx($backend, "decode token", e))?;
                let presented = registry_core::hash_secret(secret);
                if !registry_core::constant_time_eq(stored.as_bytes(), presented.as_bytes()) {
                    return Err(registry_core::invalid_token());
                }
                let info = Self::decode_token(&row)?;
                if !info.is_usable(now) {
                    return Err(registry_core::invalid_token());
                }
                Ok(info)
            }

            async fn revoke(
                &self,
                id: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> registry_core::Result<registry_core::TokenInfo> {
                let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| crate::error::from_sqlx($backend, "revoke token", e))?;
                if done.rows_affected() == 0 {
                    return Err(registry_core::Error::not_found(format!("no active token with id {id:?}")));
                }
                let row = sqlx::query(
                    "SELECT id, namespace, role, description, created_at, expires_at, revoked_at FROM api_tokens WHERE id = $1",
                )
                .bind(id)
                .fetch_one(&self.pool)
                .await
                .map_err(|e| crate::error::from_sqlx($backend, "read token", e))?;
                Self::decode_token(&row)
            }

            async fn list(&self) -> registry_core::Result<Vec<registry_core::TokenInfo>> {
                let rows = sqlx::query(
                    "SELECT id, namespace, role, description, created_at, expires_at, revoked_at FROM api_tokens ORDER BY created_at, id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(|e| crate::error::from_sqlx($backend, "list tokens", e))?;
                rows.iter().map(Self::decode_token).collect()
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use sql_token_store;
