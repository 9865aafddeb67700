//! Trusted signing keys in the metadata database.

use async_trait::async_trait;
use registry_core::{Error, ErrorKind, Result, SigningKeyStore, TrustedKey};

use super::SqlMetadataStore;
use super::engine::{Row, Sql};

const SELECT_KEY: &str =
    "SELECT namespace, key_id, public_key, added_at, expires_at FROM signing_keys";

fn decode_key(row: &Row) -> Result<TrustedKey> {
    Ok(TrustedKey {
        namespace: row.get(0)?,
        key_id: row.get(1)?,
        public_key: row.get(2)?,
        added_at: row.get(3)?,
        expires_at: row.get(4)?,
    })
}

#[async_trait]
impl SigningKeyStore for SqlMetadataStore {
    async fn add_key(&self, key: &TrustedKey) -> Result<()> {
        let q = Sql::new(
            "add signing key",
            "INSERT INTO signing_keys (namespace, key_id, public_key, added_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(key.namespace.to_ascii_lowercase())
        .bind(&key.key_id)
        .bind(&key.public_key)
        .bind(key.added_at)
        .bind(key.expires_at);
        match self.pool.execute(&q).await {
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(Error::new(
                ErrorKind::AlreadyExists,
                format!(
                    "key {} is already trusted for namespace {:?}; change its expiry with `registry keys expire`",
                    key.key_id, key.namespace
                ),
            )),
            done => done.map(drop),
        }
    }

    async fn remove_key(&self, namespace: &str, key_id: &str) -> Result<()> {
        let q = Sql::new(
            "remove signing key",
            "DELETE FROM signing_keys WHERE namespace = $1 AND key_id = $2",
        )
        .bind(namespace.to_ascii_lowercase())
        .bind(key_id);
        if self.pool.execute(&q).await? == 0 {
            return Err(Error::not_found(format!(
                "key {key_id} is not trusted for {namespace:?}"
            )));
        }
        Ok(())
    }

    async fn set_key_expiry(
        &self,
        namespace: &str,
        key_id: &str,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<()> {
        let q = Sql::new(
            "change signing key expiry",
            "UPDATE signing_keys SET expires_at = $1 WHERE namespace = $2 AND key_id = $3",
        )
        .bind(expires_at)
        .bind(namespace.to_ascii_lowercase())
        .bind(key_id);
        if self.pool.execute(&q).await? == 0 {
            return Err(Error::not_found(format!(
                "key {key_id} is not trusted for {namespace:?}"
            )));
        }
        Ok(())
    }

    async fn keys_for(&self, namespace: &str) -> Result<Vec<TrustedKey>> {
        let q = Sql::new(
            "read signing keys",
            format!(
                "{SELECT_KEY} WHERE namespace = $1 OR namespace = '*' ORDER BY added_at, key_id"
            ),
        )
        .bind(namespace.to_ascii_lowercase());
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(decode_key)
            .collect()
    }

    async fn all_keys(&self) -> Result<Vec<TrustedKey>> {
        let q = Sql::new(
            "read signing keys",
            format!("{SELECT_KEY} ORDER BY namespace, added_at, key_id"),
        );
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(decode_key)
            .collect()
    }
}
