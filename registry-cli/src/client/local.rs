//! The registry in a local data directory (or at database and blob URLs),
//! acting as the operator.

use async_trait::async_trait;
use bytes::Bytes;
use registry_core::{
    AuditQuery, AuditVerification, ErrorKind, LifecycleChange, ModuleAddress, ModuleId,
    NamespacePolicy, PublishRequest, RequestContext, Result, SearchQuery, Sha256Digest,
};
use registry_server::OpenedRegistry;
use registry_server::http::views::{
    AuditRecordView, ModuleDetailView, ModuleView, PolicyView, VersionsView,
};

use super::RegistryClient;

/// A local registry, opened.
pub struct LocalRegistry {
    opened: OpenedRegistry,
    ctx: RequestContext,
}

impl LocalRegistry {
    /// Act on `opened` as the operator (the `system` actor).
    pub fn new(opened: OpenedRegistry) -> Self {
        LocalRegistry {
            opened,
            ctx: RequestContext::system(),
        }
    }

    /// The opened registry.
    pub(super) fn opened(&self) -> &OpenedRegistry {
        &self.opened
    }

    /// The context it acts in (the operator).
    pub(super) fn ctx(&self) -> &RequestContext {
        &self.ctx
    }

    async fn listed(&self, address: &ModuleAddress) -> Result<Vec<String>> {
        Ok(self
            .opened
            .registry
            .versions(&self.ctx, address)
            .await?
            .iter()
            .map(|r| r.version.to_string())
            .collect())
    }
}

#[async_trait]
impl RegistryClient for LocalRegistry {
    async fn publish(&self, request: PublishRequest, archive: Bytes) -> Result<ModuleDetailView> {
        let record = self
            .opened
            .registry
            .publish_bytes(&self.ctx, request, archive)
            .await?;
        let versions = self.listed(&record.address).await?;
        Ok(ModuleDetailView::new(&record, versions))
    }

    async fn versions(&self, address: &ModuleAddress) -> Result<Option<VersionsView>> {
        let records = match self.opened.registry.versions(&self.ctx, address).await {
            Ok(r) => r,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(records
            .first()
            .map(|first| VersionsView::new(&first.address.to_string(), &records)))
    }

    async fn version(&self, id: &ModuleId) -> Result<ModuleDetailView> {
        let record = self.opened.registry.get(&self.ctx, id).await?;
        let versions = self.listed(&id.address).await?;
        Ok(ModuleDetailView::new(&record, versions))
    }

    async fn download(&self, id: &ModuleId) -> Result<(Bytes, Option<Sha256Digest>)> {
        let m = self.opened.registry.download(&self.ctx, id).await?;
        Ok((m.archive.to_bytes().await?, Some(m.metadata.sha256)))
    }

    async fn change_lifecycle(&self, id: &ModuleId, change: LifecycleChange) -> Result<ModuleView> {
        let r = self
            .opened
            .registry
            .change_lifecycle(&self.ctx, id, change)
            .await?;
        Ok(ModuleView::from(&r))
    }

    async fn delete(&self, id: &ModuleId) -> Result<()> {
        self.opened.registry.delete(&self.ctx, id).await.map(drop)
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<ModuleView>> {
        let results = self.opened.registry.search(&self.ctx, query).await?;
        let mut out = Vec::with_capacity(results.hits.len());
        for hit in &results.hits {
            if let Ok(r) = self.opened.registry.get(&self.ctx, &hit.id).await {
                out.push(ModuleView::from(&r));
            }
        }
        Ok(out)
    }

    async fn reindex(&self) -> Result<usize> {
        self.opened.registry.reindex(&self.ctx).await
    }

    async fn audit_list(&self, query: &AuditQuery) -> Result<Vec<AuditRecordView>> {
        // Local access is database access; reading the log here is not itself audited.
        let records = self.opened.audit.list(query).await?;
        Ok(records.iter().map(AuditRecordView::from).collect())
    }

    async fn audit_verify(&self) -> Result<AuditVerification> {
        self.opened.audit.verify().await
    }

    async fn policy(&self, namespace: &str) -> Result<PolicyView> {
        let p = self
            .opened
            .registry
            .namespace_policy(&self.ctx, namespace)
            .await?;
        Ok(PolicyView::new(namespace, &p))
    }

    async fn set_policy(&self, namespace: &str, policy: &NamespacePolicy) -> Result<PolicyView> {
        let p = self
            .opened
            .registry
            .set_namespace_policy(&self.ctx, namespace, policy)
            .await?;
        Ok(PolicyView::new(namespace, &p))
    }
}
