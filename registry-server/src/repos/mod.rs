//! Modules that follow a git repository: each tag matching the module's
//! pattern is published as a version, packed from the module's folder at
//! that tag as `registry publish` packs a folder, with the commit recorded.
//!
//! The door is [`Repositories`]: add, list, remove and sync, for the API,
//! the CLI's `--data-dir` path, the webhooks (`hooks.rs`, each host's own
//! signature scheme) and the periodic poll (`poll.rs`). A sync holds a
//! lease in the metadata store, so several server processes never sync one
//! repository at once; the tags' walk is in `sync.rs`.

mod hooks;
mod poll;
mod sync;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use registry_core::{
    Action, Error, ErrorKind, FollowedRepository, ModuleAddress, Registry, RepositoryRelease,
    RepositorySpec, RepositoryStatus, RepositoryStore, RequestContext, Result, SecretSealer,
    TagPattern, check_repository_path, repository_not_found,
};

pub use hooks::{HookHost, HookOutcome, check_hook};
pub use poll::{Poller, spawn_poller};
pub use sync::{SyncReport, TagOutcome};

use crate::mirror::NetworkPolicy;

/// Webhook secrets look like `rgh_<random>`; shown once by `repo add`.
pub const HOOK_SECRET_PREFIX: &str = "rgh_";

/// What to follow, as a caller gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryRequest {
    /// The module its tags publish.
    pub address: ModuleAddress,
    /// The git remote.
    pub remote: String,
    /// The module's folder in the repository (the root when `None`).
    pub path: Option<String>,
    /// Which tags are versions (`v{version}` when `None`).
    pub tag_pattern: Option<String>,
}

/// A repository just added, with its webhook secret (shown once, then kept
/// only sealed).
#[derive(Debug, Clone)]
pub struct AddedRepository {
    /// The record.
    pub repository: FollowedRepository,
    /// The secret each webhook is signed with.
    pub hook_secret: secrecy::SecretString,
}

/// A followed repository and the tags published from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryDetail {
    /// The record and its status.
    pub repository: FollowedRepository,
    /// The tags published, oldest first.
    pub releases: Vec<RepositoryRelease>,
}

/// The followed repositories of one registry.
#[derive(Clone)]
pub struct Repositories {
    registry: Registry,
    store: Arc<dyn RepositoryStore>,
    sealer: Arc<dyn SecretSealer>,
    network: Arc<NetworkPolicy>,
    ca_files: Vec<PathBuf>,
}

impl std::fmt::Debug for Repositories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repositories")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Repositories {
    /// Repositories kept in `store`, their webhook secrets sealed with
    /// `sealer`, published through `registry`; reaching public addresses
    /// only until [`Repositories::with_outbound`] says more.
    pub fn new(
        registry: Registry,
        store: Arc<dyn RepositoryStore>,
        sealer: Arc<dyn SecretSealer>,
    ) -> Self {
        Repositories {
            registry,
            store,
            sealer,
            network: Arc::new(NetworkPolicy::new(Vec::new(), &[])),
            ca_files: Vec::new(),
        }
    }

    /// Reach the `private_ok` networks too (`--upstream-private`), and
    /// trust `ca_files` for https remotes (`--ca-cert`).
    pub fn with_outbound(mut self, private_ok: Vec<ipnet::IpNet>, ca_files: Vec<PathBuf>) -> Self {
        self.network = Arc::new(NetworkPolicy::new(private_ok, &[]));
        self.ca_files = ca_files;
        self
    }

    /// The registry versions are published to.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    async fn authorize(
        &self,
        ctx: &RequestContext,
        what: &str,
        address: &ModuleAddress,
    ) -> Result<()> {
        self.registry
            .authorize_in(
                ctx,
                Action::Publish,
                address.namespace(),
                what,
                &format!("repositories/{address}"),
            )
            .await
    }

    /// Follow a repository (publisher of the module's namespace): checked
    /// by form (remote, folder, pattern); the remote is first reached by
    /// the first sync.
    pub async fn add(
        &self,
        ctx: &RequestContext,
        request: RepositoryRequest,
    ) -> Result<AddedRepository> {
        let address = request.address.clone();
        self.authorize(ctx, "repo.add", &address).await?;
        let result = self.add_checked(request).await;
        self.registry
            .record_outcome(ctx, "repo.add", &format!("repositories/{address}"), &result)
            .await;
        result
    }

    async fn add_checked(&self, request: RepositoryRequest) -> Result<AddedRepository> {
        if request.address.host().is_some() {
            return Err(Error::invalid_input(format!(
                "{} is a mirrored address; a repository publishes this registry's own modules",
                request.address
            )));
        }
        let remote = registry_git::GitRemote::parse(&request.remote)?;
        if remote.transport() == registry_git::Transport::Http {
            return Err(Error::invalid_input(format!(
                "the git remote {:?} is plain http; follow it over https, ssh or git",
                request.remote
            )));
        }
        if let Some(p) = &request.path {
            check_repository_path(p)?;
        }
        let tag_pattern = match &request.tag_pattern {
            Some(p) => TagPattern::parse(p)?,
            None => TagPattern::default(),
        };
        let secret = new_hook_secret();
        let sealed = self.sealer.seal(secret.as_bytes())?;
        let repository = FollowedRepository {
            spec: RepositorySpec {
                address: request.address,
                remote: request.remote,
                path: request.path,
                tag_pattern,
            },
            created_at: Utc::now(),
            status: RepositoryStatus::default(),
        };
        self.store.add_repository(&repository, &sealed).await?;
        Ok(AddedRepository {
            repository,
            hook_secret: secret.into(),
        })
    }

    /// The repositories the caller may publish from (every one for an
    /// admin or the operator).
    pub async fn list(&self, ctx: &RequestContext) -> Result<Vec<FollowedRepository>> {
        let all = self.store.repositories().await?;
        let mut kept = Vec::new();
        for r in all {
            let ns = r.spec.address.namespace();
            if self.registry.may(ctx, Action::Publish, ns) {
                kept.push(r);
            }
        }
        Ok(kept)
    }

    /// A module's repository and what it published (publisher of its namespace).
    pub async fn get(
        &self,
        ctx: &RequestContext,
        address: &ModuleAddress,
    ) -> Result<RepositoryDetail> {
        self.authorize(ctx, "repo.read", address).await?;
        let repository = self
            .store
            .repository(address)
            .await?
            .ok_or_else(|| repository_not_found(address))?;
        let releases = self.store.releases(address).await?;
        Ok(RepositoryDetail {
            repository,
            releases,
        })
    }

    /// Stop following a module's repository; its published versions stay.
    pub async fn remove(&self, ctx: &RequestContext, address: &ModuleAddress) -> Result<()> {
        self.authorize(ctx, "repo.remove", address).await?;
        let result = match self.store.remove_repository(address).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(repository_not_found(address)),
            Err(e) => Err(e),
        };
        self.registry
            .record_outcome(
                ctx,
                "repo.remove",
                &format!("repositories/{address}"),
                &result,
            )
            .await;
        result
    }

    /// Sync a module's repository now (publisher of its namespace): every
    /// new matching tag published, moved tags refused and reported.
    /// `Conflict` while another process syncs it.
    pub async fn sync(&self, ctx: &RequestContext, address: &ModuleAddress) -> Result<SyncReport> {
        self.authorize(ctx, "repo.sync", address).await?;
        self.sync_now(address).await
    }

    /// The webhook secret of a module's repository, opened.
    async fn hook_secret(&self, address: &ModuleAddress) -> Result<Option<Vec<u8>>> {
        match self.store.hook_secret(address).await? {
            Some(sealed) => Ok(Some(self.sealer.open(&sealed)?)),
            None => Ok(None),
        }
    }
}

/// 32 random bytes as `rgh_<base64url>`.
fn new_hook_secret() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut random = [0u8; 32];
    rand::rng().fill_bytes(&mut random);
    format!(
        "{HOOK_SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    )
}

/// The error for a sync that another process is running.
fn sync_running(address: &ModuleAddress) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!("a sync of {address}'s repository is running; try again when it ends"),
    )
}
