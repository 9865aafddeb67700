//! Trusted signing keys and per-namespace signing policy, in the metadata database.

/// Writes the [`registry_core::SigningKeyStore`] implementation for one engine.
#[allow(unused_macros)]
macro_rules! sql_signing_store {
    ($store:ident, $db:ty, $backend:literal) => {
        impl $store {
            fn decode_key(row: &<$db as sqlx::Database>::Row) -> registry_core::Result<registry_core::TrustedKey> {
                use sqlx::Row as _;
                let g = |e| crate::error::from_sqlx($backend, "decode signing key", e);
                Ok(registry_core::TrustedKey {
                    namespace: row.try_get(0).map_err(g)?,
                    key_id: row.try_get(1).map_err(g)?,
                    public_key: row.try_get(2).map_err(g)?,
                    added_at: row.try_get(3).map_err(g)?,
                    expires_at: row.try_get(4).map_err(g)?,
                })
            }
        }

        #[async_trait::async_trait]
        impl registry_core::SigningKeyStore for $store {
            async fn add_key(&self, key: &registry_core::TrustedKey) -> registry_core::Result<()> {
                sqlx::query(
                    "INSERT INTO signing_keys (namespace, key_id, public_key, added_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(key.namespace.to_ascii_lowercase())
                .bind(&key.key_id)
                .bind(&key.public_key)
                .bind(key.added_at)
                .bind(key.expires_at)
                .execute(&self.pool)
                .await
                .map_err(|e| crate::error::from_sqlx($backend, "add signing key", e))?;
                Ok(())
            }

            async fn remove_key(&self, namespace: &str, key_id: &str) -> registry_core::Result<()> {
                let done = sqlx::query("DELETE FROM signing_keys WHERE namespace = $1 AND key_id = $2")
                    .bind(namespace.to_ascii_lowercase())
                    .bind(key_id)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| crate::error::from_sqlx($backend, "remove signing key", e))?;
                if done.rows_affected() == 0 {
                    return Err(registry_core::Error::not_found(format!("key {key_id} is not trusted for {namespace:?}")));
                }
                Ok(())
            }

            async fn keys_for(&self, namespace: &str) -> registry_core::Result<Vec<registry_core::TrustedKey>> {
                let rows = sqlx::query(
                    "SELECT namespace, key_id, public_key, added_at, expires_at FROM signing_keys \
                     WHERE namespace = $1 OR namespace = '*' ORDER BY added_at, key_id",
                )
                .bind(namespace.to_ascii_lowercase())
                .fetch_all(&self.pool)
                .await
                .map_err(|e| crate::error::from_sqlx($backend, "read signing keys", e))?;
                rows.iter().map(Self::decode_key).collect()
            }

            async fn all_keys(&self) -> registry_core::Result<Vec<registry_core::TrustedKey>> {
                let rows = sqlx::query(
                    "SELECT namespace, key_id, public_key, added_at, expires_at FROM signing_keys ORDER BY namespace, added_at, key_id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(|e| crate::error::from_sqlx($backend, "read signing keys", e))?;
                rows.iter().map(Self::decode_key).collect()
            }

            async fn set_required(&self, namespace: &str, required: bool) -> registry_core::Result<()> {
                sqlx::query(
                    "INSERT INTO namespace_policies (namespace, require_signatures) VALUES ($1, $2) \
                     ON CONFLICT (namespace) DO UPDATE SET require_signatures = excluded.require_signatures",
                )
                .bind(namespace.to_ascii_lowercase())
                .bind(required)
                .execute(&self.pool)
                .await
                .map_err(|e| crate::error::from_sqlx($backend, "set signing policy", e))?;
                Ok(())
            }

            async fn is_required(&self, namespace: &str) -> registry_core::Result<bool> {
                let v: Option<bool> = sqlx::query_scalar("SELECT require_signatures FROM namespace_policies WHERE namespace = $1")
                    .bind(namespace.to_ascii_lowercase())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| crate::error::from_sqlx($backend, "read signing policy", e))?;
                Ok(v.unwrap_or(false))
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use sql_signing_store;
