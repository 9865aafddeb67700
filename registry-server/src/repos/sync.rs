//! One sync of a followed repository: list the remote's tags, and publish
//! each new one matching the pattern, oldest version first; a tag already
//! published is left alone, and one moved to other content is refused and
//! reported, never republished.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use registry_core::{
    Actor, Error, ErrorKind, FollowedRepository, Grant, ModuleAddress, ModuleId, PublishRequest,
    RepositoryRelease, RepositoryStatus, RequestContext, Result, Role, Sha256Digest, Version,
};
use registry_git::{GitOptions, GitRemote, RemoteTag};
use serde::{Deserialize, Serialize};

use super::{Repositories, sync_running};

/// How long a sync's lease lasts before another process may take it over
/// (renewed at each tag).
const LEASE: chrono::Duration = chrono::Duration::minutes(15);

/// How often a remote that does not answer is asked again within one sync.
const ATTEMPTS: u32 = 3;

/// What became of one matching tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TagOutcome {
    /// The tag.
    pub tag: String,
    /// The version it names.
    pub version: String,
    /// The commit it points at.
    pub commit: String,
    /// `published`, `unchanged` (a moved tag with the same content) or
    /// `refused`.
    pub outcome: String,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SyncReport {
    /// The module.
    pub address: String,
    /// Each matching tag that was new, moved or refused (tags already
    /// published as they are are not listed).
    pub tags: Vec<TagOutcome>,
    /// The repository's status after the sync.
    #[schema(value_type = crate::http::views::RepositoryStatusView)]
    pub status: RepositoryStatus,
}

impl Repositories {
    /// Sync without checking the caller (the webhook checked its
    /// signature; the poll is the registry's own).
    pub(crate) async fn sync_now(&self, address: &ModuleAddress) -> Result<SyncReport> {
        if self.store.repository(address).await?.is_none() {
            return Err(registry_core::repository_not_found(address));
        }
        let holder = lease_holder();
        let now = Utc::now();
        if !self
            .store
            .try_lease(address, &holder, now + LEASE, now)
            .await?
        {
            return Err(sync_running(address));
        }
        // Read again under the lease: a sync that ended meanwhile changed it.
        let repo = self
            .store
            .repository(address)
            .await?
            .ok_or_else(|| registry_core::repository_not_found(address))?;
        let walked = self.walk(&repo, &holder).await;
        if let Err(e) = self.store.release_lease(address, &holder).await {
            tracing::warn!(%address, error = %e, "could not give back a sync lease; it lapses by itself");
        }
        let status = status_after(&repo.status, &walked);
        self.store.record_status(address, &status).await?;
        let ctx = service_context(address);
        let target = format!("repositories/{address}");
        self.registry
            .record_outcome(&ctx, "repo.sync", &target, &walked)
            .await;
        walked.map(|tags| SyncReport {
            address: address.to_string(),
            tags,
            status,
        })
    }

    async fn walk(&self, repo: &FollowedRepository, holder: &str) -> Result<Vec<TagOutcome>> {
        let spec = &repo.spec;
        let address = &spec.address;
        let remote = GitRemote::parse(&spec.remote)?;
        let options = self.git_options(&remote).await?;
        let tags = retried(|| registry_git::remote_tags(&remote, &options)).await?;
        let released: HashMap<String, RepositoryRelease> = self
            .store
            .releases(address)
            .await?
            .into_iter()
            .map(|r| (r.tag.clone(), r))
            .collect();
        let mut outcomes = Vec::new();
        let mut matching: Vec<(Version, RemoteTag)> = Vec::new();
        for tag in tags {
            let Some(text) = spec.tag_pattern.version_of(&tag.name) else {
                continue;
            };
            match self.registry.version_manager().parse(text) {
                Ok(v) => matching.push((v, tag)),
                Err(e) if !released.contains_key(&tag.name) => outcomes.push(refused(
                    &tag,
                    text,
                    format!("{text:?} is not a version: {}", e.message()),
                )),
                Err(_) => {}
            }
        }
        matching.sort_by(|a, b| a.0.cmp(&b.0));
        for (version, tag) in matching {
            let now = Utc::now();
            if !self
                .store
                .try_lease(address, holder, now + LEASE, now)
                .await?
            {
                // Another process took over a lapsed lease: it syncs now.
                return Err(sync_running(address));
            }
            let outcome = match released.get(&tag.name) {
                Some(r) if r.commit == tag.commit => continue,
                Some(r) => self.check_moved(repo, &remote, &options, &tag, r).await,
                None => {
                    self.publish_tag(repo, &remote, &options, &tag, &version)
                        .await
                }
            };
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    async fn git_options(&self, remote: &GitRemote) -> Result<GitOptions> {
        let limits = self.registry.limits();
        let pin = self.network.check_remote(remote.url()).await?;
        Ok(GitOptions {
            max_bytes: limits.max_uncompressed_bytes,
            ca_files: self.ca_files.clone(),
            max_entries: limits.max_entries,
            pin,
            ..GitOptions::default()
        })
    }

    /// The module's folder at `tag`, packed, and the commit it was.
    async fn pack_at(
        &self,
        repo: &FollowedRepository,
        remote: &GitRemote,
        options: &GitOptions,
        tag: &RemoteTag,
    ) -> Result<(Vec<u8>, String)> {
        let tree = retried(|| registry_git::checkout(remote, Some(&tag.name), options)).await?;
        let commit = tree.commit().to_string();
        if commit != tag.commit {
            // A branch of that name, or the tag moved since it was listed:
            // either way not the commit the tag names; the next sync sees.
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "fetching {} gave commit {}, not the tag's {}; not published (the next sync tries again)",
                    tag.name,
                    short(&commit),
                    short(&tag.commit)
                ),
            ));
        }
        let path = repo.spec.path.clone();
        let packed = tokio::task::spawn_blocking(move || {
            let dir = module_folder(tree.path(), path.as_deref())?;
            registry_core::pack_dir(&dir)
        })
        .await
        .map_err(|e| Error::new(ErrorKind::Backend, format!("packing task: {e}")))??;
        Ok((packed, commit))
    }

    async fn publish_tag(
        &self,
        repo: &FollowedRepository,
        remote: &GitRemote,
        options: &GitOptions,
        tag: &RemoteTag,
        version: &Version,
    ) -> TagOutcome {
        let address = &repo.spec.address;
        let ctx = service_context(address);
        let id = ModuleId::new(address.clone(), version.clone());
        if self.registry.get(&ctx, &id).await.is_ok() {
            return refused(
                tag,
                version.as_str(),
                format!("{id} is already published, not from this tag; the tag is left alone"),
            );
        }
        let (packed, commit) = match self.pack_at(repo, remote, options, tag).await {
            Ok(p) => p,
            Err(e) => return refused(tag, version.as_str(), e.message().to_string()),
        };
        let mut request = PublishRequest::new(address.clone(), version.as_str());
        request.source_url = browsable(remote);
        match self.registry.publish_bytes(&ctx, request, packed).await {
            Ok(record) => {
                let release = RepositoryRelease {
                    tag: tag.name.clone(),
                    commit: commit.clone(),
                    version: version.to_string(),
                    sha256: record.metadata.sha256.hex(),
                    published_at: record.metadata.published_at,
                };
                if let Err(e) = self.store.record_release(address, &release).await {
                    tracing::warn!(%address, tag = %tag.name, error = %e, "published but not recorded");
                }
                TagOutcome {
                    tag: tag.name.clone(),
                    version: version.to_string(),
                    commit,
                    outcome: "published".into(),
                    reason: None,
                }
            }
            Err(e) => refused(tag, version.as_str(), describe(&e)),
        }
    }

    /// A tag published before that now points elsewhere: the same content
    /// is fine; other content is refused (published versions never change).
    async fn check_moved(
        &self,
        repo: &FollowedRepository,
        remote: &GitRemote,
        options: &GitOptions,
        tag: &RemoteTag,
        was: &RepositoryRelease,
    ) -> TagOutcome {
        let (packed, commit) = match self.pack_at(repo, remote, options, tag).await {
            Ok(p) => p,
            Err(e) => return refused(tag, &was.version, e.message().to_string()),
        };
        let same = Sha256Digest::of(&packed).hex() == was.sha256;
        if same {
            return TagOutcome {
                tag: tag.name.clone(),
                version: was.version.clone(),
                commit,
                outcome: "unchanged".into(),
                reason: None,
            };
        }
        refused(
            tag,
            &was.version,
            format!(
                "tag {} moved from commit {} to {} with other content; {} stays as published from {} (published versions never change: tag a new version)",
                tag.name,
                short(&was.commit),
                short(&commit),
                was.version,
                short(&was.commit)
            ),
        )
    }
}

/// The folder a module is in, inside the checkout (never outside it
/// through a symbolic link).
fn module_folder(root: &Path, path: Option<&str>) -> Result<std::path::PathBuf> {
    let Some(p) = path else {
        return Ok(root.to_path_buf());
    };
    let missing = || Error::invalid_input(format!("the repository has no folder {p} at this tag"));
    let root = root.canonicalize()?;
    let dir = root.join(p).canonicalize().map_err(|_| missing())?;
    if !dir.starts_with(&root) {
        return Err(Error::invalid_input(format!(
            "folder {p} leads outside the repository (a symbolic link)"
        )));
    }
    if !dir.is_dir() {
        return Err(missing());
    }
    Ok(dir)
}

/// A repository's web address, recorded as the version's source: an https
/// remote without its `.git`.
fn browsable(remote: &GitRemote) -> Option<String> {
    let url = remote.url();
    if url.scheme() != "https" {
        return None;
    }
    let text = url.as_str().trim_end_matches('/');
    Some(text.strip_suffix(".git").unwrap_or(text).to_string())
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

fn refused(tag: &RemoteTag, version: &str, reason: String) -> TagOutcome {
    TagOutcome {
        tag: tag.name.clone(),
        version: version.to_string(),
        commit: tag.commit.clone(),
        outcome: "refused".into(),
        reason: Some(reason),
    }
}

/// An error with its problems spelled out (a failed validation names each).
fn describe(e: &Error) -> String {
    let problems: Vec<String> = e
        .problems()
        .iter()
        .map(|p| format!("{}: {}", p.id, p.message))
        .collect();
    if problems.is_empty() {
        e.message().to_string()
    } else {
        format!("{} ({})", e.message(), problems.join("; "))
    }
}

/// The status after a sync: the last error names each refused tag.
fn status_after(before: &RepositoryStatus, walked: &Result<Vec<TagOutcome>>) -> RepositoryStatus {
    let now = Utc::now();
    let mut status = before.clone();
    status.last_sync_at = Some(now);
    match walked {
        Ok(tags) => {
            status.last_success_at = Some(now);
            status.failures = 0;
            let refusals: Vec<String> = tags
                .iter()
                .filter_map(|t| t.reason.as_ref().map(|r| format!("{}: {r}", t.tag)))
                .collect();
            status.last_error = (!refusals.is_empty()).then(|| refusals.join("; "));
            if let Some(t) = tags.iter().rev().find(|t| t.outcome == "published") {
                status.last_tag = Some(t.tag.clone());
                status.last_commit = Some(t.commit.clone());
            }
        }
        Err(e) => {
            status.failures = status.failures.saturating_add(1);
            status.last_error = Some(e.message().to_string());
        }
    }
    status
}

/// Who a sync publishes as: the repository itself, with the publisher role
/// in its module's namespace and nothing else.
pub(super) fn service_context(address: &ModuleAddress) -> RequestContext {
    RequestContext::new(Actor::Service {
        name: format!("repo:{address}"),
        grants: vec![Grant {
            namespace: address.namespace().to_string(),
            role: Role::Publisher,
        }],
    })
}

/// A lease holder's name: unique to this sync.
fn lease_holder() -> String {
    use rand::RngCore as _;
    let mut random = [0u8; 8];
    rand::rng().fill_bytes(&mut random);
    format!("{}-{}", std::process::id(), hex::encode(random))
}

/// Run a git step again when the remote did not answer (up to
/// [`ATTEMPTS`] times, 1 s then 3 s apart).
async fn retried<T, F, Fut>(mut step: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        match step().await {
            Err(e) if e.kind() == ErrorKind::Upstream && attempt < ATTEMPTS => {
                tokio::time::sleep(Duration::from_secs(if attempt == 1 { 1 } else { 3 })).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_through_a_link_outside_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("modules/vpc")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("modules/out")).unwrap();
        assert!(module_folder(root.path(), Some("modules/vpc")).is_ok());
        let e = module_folder(root.path(), Some("modules/out")).unwrap_err();
        assert!(e.message().contains("outside"), "{e}");
        let e = module_folder(root.path(), Some("modules/none")).unwrap_err();
        assert!(e.message().contains("no folder"), "{e}");
    }

    #[test]
    fn the_status_names_refused_tags_and_counts_failures() {
        let tag = RemoteTag {
            name: "v1.0.0".into(),
            commit: "a".repeat(40),
        };
        let s = status_after(
            &RepositoryStatus::default(),
            &Ok(vec![refused(&tag, "1.0.0", "moved".into())]),
        );
        assert_eq!(s.failures, 0);
        assert_eq!(s.last_error.as_deref(), Some("v1.0.0: moved"));
        let s = status_after(&s, &Err(Error::new(ErrorKind::Upstream, "unreachable")));
        assert_eq!(s.failures, 1);
        assert_eq!(s.last_error.as_deref(), Some("unreachable"));
    }
}
