//! Bodies of the followed repositories API and of trusted publishing.

use chrono::{DateTime, Utc};
use registry_core::{FollowedRepository, RepositoryRelease, RepositoryStatus, TrustedPublisher};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a repository's last syncs went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RepositoryStatusView {
    /// When a sync last ended.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// When a sync last ended well.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The commit of the newest tag published.
    pub last_commit: Option<String>,
    /// That tag.
    pub last_tag: Option<String>,
    /// What went wrong last (a refused tag, an unreachable remote).
    pub last_error: Option<String>,
    /// Syncs that failed in a row.
    pub failures: u32,
}

impl From<&RepositoryStatus> for RepositoryStatusView {
    fn from(s: &RepositoryStatus) -> Self {
        RepositoryStatusView {
            last_sync_at: s.last_sync_at,
            last_success_at: s.last_success_at,
            last_commit: s.last_commit.clone(),
            last_tag: s.last_tag.clone(),
            last_error: s.last_error.clone(),
            failures: s.failures,
        }
    }
}

/// A tag published from a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RepositoryReleaseView {
    /// The tag.
    pub tag: String,
    /// The commit it was.
    pub commit: String,
    /// The version it became.
    pub version: String,
    /// The archive's sha256.
    pub sha256: String,
    /// When.
    pub published_at: DateTime<Utc>,
}

impl From<&RepositoryRelease> for RepositoryReleaseView {
    fn from(r: &RepositoryRelease) -> Self {
        RepositoryReleaseView {
            tag: r.tag.clone(),
            commit: r.commit.clone(),
            version: r.version.clone(),
            sha256: r.sha256.clone(),
            published_at: r.published_at,
        }
    }
}

/// A followed repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RepositoryView {
    /// `NS/NAME/SYSTEM`.
    pub module: String,
    /// The git remote.
    pub git: String,
    /// The module's folder in it (the root when absent).
    pub path: Option<String>,
    /// Which tags are versions.
    pub tag_pattern: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// The last syncs.
    pub status: RepositoryStatusView,
    /// The tags published from it (in a single repository's answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub releases: Vec<RepositoryReleaseView>,
}

impl From<&FollowedRepository> for RepositoryView {
    fn from(r: &FollowedRepository) -> Self {
        RepositoryView {
            module: r.spec.address.to_string(),
            git: r.spec.remote.clone(),
            path: r.spec.path.clone(),
            tag_pattern: r.spec.tag_pattern.to_string(),
            created_at: r.created_at,
            status: RepositoryStatusView::from(&r.status),
            releases: Vec::new(),
        }
    }
}

/// `GET /v1/repositories`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RepositoriesView {
    /// The repositories the caller may publish from.
    pub repositories: Vec<RepositoryView>,
}

/// A repository just added: its webhook secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddedRepositoryView {
    /// The repository.
    pub repository: RepositoryView,
    /// The secret webhooks are signed with (GitHub, Bitbucket and Gitea:
    /// the HMAC key; GitLab: the secret token). Kept only sealed.
    pub hook_secret: String,
    /// Where each host posts its hooks, on this registry.
    pub hooks: Vec<String>,
}

/// A trusted publisher policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrustedPublisherView {
    /// Its id.
    pub id: String,
    /// The namespace its tokens publish to.
    pub namespace: String,
    /// The token issuer.
    pub issuer: String,
    /// The audience.
    pub audience: String,
    /// Claim name → glob.
    pub claims: std::collections::BTreeMap<String, String>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

impl From<&TrustedPublisher> for TrustedPublisherView {
    fn from(p: &TrustedPublisher) -> Self {
        TrustedPublisherView {
            id: p.id.clone(),
            namespace: p.namespace.clone(),
            issuer: p.issuer.clone(),
            audience: p.audience.clone(),
            claims: p.claims.clone(),
            created_at: p.created_at,
        }
    }
}

/// `GET /v1/trusted-publishers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrustedPublishersView {
    /// Every policy.
    pub trusted_publishers: Vec<TrustedPublisherView>,
}

/// `POST /v1/oidc/exchange`'s answer: a publish token for one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExchangedTokenView {
    /// The token (`rgt_…`), good until `expires_at`.
    pub token: String,
    /// When it stops working (at most an hour, never past the OIDC
    /// token's own expiry).
    pub expires_at: DateTime<Utc>,
    /// The namespace it publishes to.
    pub namespace: String,
    /// The policy that matched.
    pub trusted_publisher: String,
}
