//! Followed repositories and trusted publisher policies, locally or
//! through a server: [`RepositoryClient`] and [`TrustedPublisherClient`],
//! with the same views on both sides.

use async_trait::async_trait;
use registry_core::{ModuleAddress, RequestContext, Result, TrustedPublisherRequest};
use registry_server::http::repositories::HOOK_HOSTS;
use registry_server::http::views::{
    AddedRepositoryView, RepositoriesView, RepositoryReleaseView, RepositoryView,
    TrustedPublisherView, TrustedPublishersView,
};
use registry_server::repos::{Repositories, RepositoryRequest, SyncReport};

use super::RemoteRegistry;

/// The followed repositories of a registry.
#[async_trait]
pub trait RepositoryClient: Send + Sync {
    /// Follow a repository; the answer carries the webhook secret.
    async fn add(&self, request: RepositoryRequest) -> Result<AddedRepositoryView>;
    /// The repositories the caller may publish from.
    async fn list(&self) -> Result<Vec<RepositoryView>>;
    /// One repository, with the tags published from it.
    async fn get(&self, address: &ModuleAddress) -> Result<RepositoryView>;
    /// Stop following.
    async fn remove(&self, address: &ModuleAddress) -> Result<()>;
    /// Sync now.
    async fn sync(&self, address: &ModuleAddress) -> Result<SyncReport>;
}

/// The trusted publisher policies of a registry.
#[async_trait]
pub trait TrustedPublisherClient: Send + Sync {
    /// Store a policy.
    async fn add(&self, request: TrustedPublisherRequest) -> Result<TrustedPublisherView>;
    /// Every policy.
    async fn list(&self) -> Result<Vec<TrustedPublisherView>>;
    /// Remove a policy.
    async fn remove(&self, id: &str) -> Result<TrustedPublisherView>;
}

/// The repositories of a local registry, acting as the operator.
pub struct LocalRepositories {
    /// The service (with the outbound networks the command allows).
    pub repos: Repositories,
    /// The operator's context.
    pub ctx: RequestContext,
}

#[async_trait]
impl RepositoryClient for LocalRepositories {
    async fn add(&self, request: RepositoryRequest) -> Result<AddedRepositoryView> {
        let address = request.address.clone();
        let added = self.repos.add(&self.ctx, request).await?;
        Ok(AddedRepositoryView {
            repository: RepositoryView::from(&added.repository),
            hook_secret: secrecy::ExposeSecret::expose_secret(&added.hook_secret).to_string(),
            hooks: HOOK_HOSTS
                .iter()
                .map(|h| format!("/v1/hooks/{h}/{address}"))
                .collect(),
        })
    }

    async fn list(&self) -> Result<Vec<RepositoryView>> {
        Ok(self
            .repos
            .list(&self.ctx)
            .await?
            .iter()
            .map(RepositoryView::from)
            .collect())
    }

    async fn get(&self, address: &ModuleAddress) -> Result<RepositoryView> {
        let detail = self.repos.get(&self.ctx, address).await?;
        let mut view = RepositoryView::from(&detail.repository);
        view.releases = detail
            .releases
            .iter()
            .map(RepositoryReleaseView::from)
            .collect();
        Ok(view)
    }

    async fn remove(&self, address: &ModuleAddress) -> Result<()> {
        self.repos.remove(&self.ctx, address).await
    }

    async fn sync(&self, address: &ModuleAddress) -> Result<SyncReport> {
        self.repos.sync(&self.ctx, address).await
    }
}

fn repository_path(address: &ModuleAddress, rest: &str) -> String {
    format!(
        "/v1/repositories/{}/{}/{}{rest}",
        address.namespace(),
        address.name(),
        address.system()
    )
}

#[async_trait]
impl RepositoryClient for RemoteRegistry {
    async fn add(&self, request: RepositoryRequest) -> Result<AddedRepositoryView> {
        let body = serde_json::json!({
            "module": request.address.to_string(),
            "git": request.remote,
            "path": request.path,
            "tag_pattern": request.tag_pattern,
        });
        let url = self.at("/v1/repositories")?;
        self.json(self.http().post(url).json(&body), "add repository")
            .await
    }

    async fn list(&self) -> Result<Vec<RepositoryView>> {
        let url = self.at("/v1/repositories")?;
        let view: RepositoriesView = self.json(self.http().get(url), "list repositories").await?;
        Ok(view.repositories)
    }

    async fn get(&self, address: &ModuleAddress) -> Result<RepositoryView> {
        let url = self.at(&repository_path(address, ""))?;
        self.json(self.http().get(url), "read repository").await
    }

    async fn remove(&self, address: &ModuleAddress) -> Result<()> {
        let url = self.at(&repository_path(address, ""))?;
        self.send_empty(self.http().delete(url), "remove repository")
            .await
    }

    async fn sync(&self, address: &ModuleAddress) -> Result<SyncReport> {
        let url = self.at(&repository_path(address, "/sync"))?;
        self.json(self.http().post(url), "sync repository").await
    }
}

/// The trusted publishing policies of a local registry.
pub struct LocalTrustedPublishers {
    /// The service.
    pub publishing: registry_server::oidc::TrustedPublishing,
    /// The operator's context.
    pub ctx: RequestContext,
}

#[async_trait]
impl TrustedPublisherClient for LocalTrustedPublishers {
    async fn add(&self, request: TrustedPublisherRequest) -> Result<TrustedPublisherView> {
        let p = self.publishing.add(&self.ctx, request).await?;
        Ok(TrustedPublisherView::from(&p))
    }

    async fn list(&self) -> Result<Vec<TrustedPublisherView>> {
        Ok(self
            .publishing
            .list(&self.ctx)
            .await?
            .iter()
            .map(TrustedPublisherView::from)
            .collect())
    }

    async fn remove(&self, id: &str) -> Result<TrustedPublisherView> {
        let p = self.publishing.remove(&self.ctx, id).await?;
        Ok(TrustedPublisherView::from(&p))
    }
}

#[async_trait]
impl TrustedPublisherClient for RemoteRegistry {
    async fn add(&self, request: TrustedPublisherRequest) -> Result<TrustedPublisherView> {
        let url = self.at("/v1/trusted-publishers")?;
        self.json(
            self.http().post(url).json(&request),
            "add trusted publisher",
        )
        .await
    }

    async fn list(&self) -> Result<Vec<TrustedPublisherView>> {
        let url = self.at("/v1/trusted-publishers")?;
        let view: TrustedPublishersView = self
            .json(self.http().get(url), "list trusted publishers")
            .await?;
        Ok(view.trusted_publishers)
    }

    async fn remove(&self, id: &str) -> Result<TrustedPublisherView> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(registry_core::Error::invalid_input(format!(
                "trusted publisher id {id:?} is not hex (see `registry trusted-publisher list`)"
            )));
        }
        let url = self.at(&format!("/v1/trusted-publishers/{id}"))?;
        self.json(self.http().delete(url), "remove trusted publisher")
            .await
    }
}
