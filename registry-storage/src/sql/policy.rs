//! Namespace policies in the metadata database.

use async_trait::async_trait;
use registry_core::{NamespacePolicy, PolicyStore, Result};

use super::SqlMetadataStore;
use super::engine::Sql;
use crate::error::corrupt_row;

#[async_trait]
impl PolicyStore for SqlMetadataStore {
    async fn policy(&self, namespace: &str) -> Result<NamespacePolicy> {
        let q = Sql::new(
            "read namespace policy",
            "SELECT require_signatures, settings FROM namespace_policies WHERE namespace = $1",
        )
        .bind(namespace.to_ascii_lowercase());
        let Some(row) = self.pool.fetch_optional(&q).await? else {
            return Ok(NamespacePolicy::default());
        };
        match row.get::<Option<String>>(1)? {
            Some(json) => serde_json::from_str(&json).map_err(|e| corrupt_row(self.engine(), e)),
            // Written before policies had settings: only the signature flag.
            None => Ok(NamespacePolicy {
                require_signatures: row.get(0)?,
                ..NamespacePolicy::default()
            }),
        }
    }

    async fn set_policy(&self, namespace: &str, policy: &NamespacePolicy) -> Result<()> {
        let settings = serde_json::to_string(policy).map_err(|e| {
            registry_core::Error::invalid_input("policy not encodable").with_source(e)
        })?;
        let q = Sql::new(
            "set namespace policy",
            "INSERT INTO namespace_policies (namespace, require_signatures, settings) VALUES ($1, $2, $3) \
             ON CONFLICT (namespace) DO UPDATE SET require_signatures = excluded.require_signatures, \
             settings = excluded.settings",
        )
        .bind(namespace.to_ascii_lowercase())
        .bind(policy.require_signatures)
        .bind(settings);
        self.pool.execute(&q).await?;
        Ok(())
    }
}
