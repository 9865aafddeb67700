//! A repository's tree at one reference, as Terraform's getter would
//! install it: fetched shallow, checked out, without `.git`.

use std::path::{Path, PathBuf};

use registry_core::{Error, ErrorKind, Result};

use crate::command::Sandbox;
use crate::reference::{check_reference, may_be_commit_hash};
use crate::{GitOptions, GitRemote};

/// The files of a repository at one commit, in a temporary folder removed
/// when this is dropped.
#[derive(Debug)]
pub struct Checkout {
    _dir: tempfile::TempDir,
    tree: PathBuf,
    commit: String,
}

impl Checkout {
    /// The checked-out files (no `.git`).
    pub fn path(&self) -> &Path {
        &self.tree
    }

    /// The commit they are, as a full hash.
    pub fn commit(&self) -> &str {
        &self.commit
    }
}

/// Fetch `remote` at `reference` (a branch, a tag, or a commit hash, full
/// or abbreviated to at least 7 digits;
/// the remote's default branch when `None`) and check it out.
///
/// Refused: a transport [`GitOptions`] does not allow, a reference
/// [`check_reference`] refuses, a repository with submodules (Terraform's
/// getter would fetch them from further remotes), and any run past the
/// time or size bounds. Symbolic links are checked out as git does; the
/// caller's packing decides about them.
pub async fn checkout(
    remote: &GitRemote,
    reference: Option<&str>,
    options: &GitOptions,
) -> Result<Checkout> {
    if let Some(r) = reference {
        check_reference(r)?;
    }
    let (dir, sandbox) = Sandbox::open(remote, options, "repo")?;
    let repo = sandbox.watched.clone();
    let dial = remote.dial_url(options.pin);
    let url = dial.as_str();
    // An empty template: no sample hooks, nothing from the system's.
    sandbox
        .git(dir.path(), &["init", "-q", "--template=", "repo"])
        .await?;
    let wanted = reference.unwrap_or("HEAD");
    let shallow = sandbox
        .git(
            &repo,
            &[
                "fetch",
                "-q",
                "--depth",
                "1",
                "--no-tags",
                "--",
                url,
                wanted,
            ],
        )
        .await;
    let target = match shallow {
        Ok(_) => "FETCH_HEAD",
        // A server that will not hand out a commit by hash (or any
        // server, for an abbreviated hash): fetch its branches and tags,
        // then find the commit among them.
        Err(e) if may_be_commit_hash(wanted) && e.kind() == ErrorKind::Upstream => {
            sandbox
                .git(
                    &repo,
                    &[
                        "fetch",
                        "-q",
                        "--no-tags",
                        "--",
                        url,
                        "+refs/heads/*:refs/remotes/origin/*",
                        "+refs/tags/*:refs/tags/*",
                    ],
                )
                .await?;
            wanted
        }
        Err(e) => return Err(e),
    };
    check_tree(&sandbox, &repo, target).await?;
    sandbox
        .git(&repo, &["checkout", "-q", "--detach", target, "--"])
        .await?;
    let commit = String::from_utf8_lossy(
        &sandbox
            .git(&repo, &["rev-parse", "--verify", "HEAD^{commit}"])
            .await?,
    )
    .trim()
    .to_string();
    if repo.join(".gitmodules").exists() {
        return Err(Error::new(
            ErrorKind::Upstream,
            "the repository has git submodules (.gitmodules); sources with submodules are not fetched",
        ));
    }
    let git_dir = repo.join(".git");
    tokio::task::spawn_blocking(move || std::fs::remove_dir_all(git_dir))
        .await
        .map_err(|e| Error::new(ErrorKind::Backend, format!("removing .git: {e}")))??;
    Ok(Checkout {
        _dir: dir,
        tree: repo,
        commit,
    })
}

/// Refuse a commit whose tree is larger than allowed, in bytes or in
/// entries, before any of it is written out (`git ls-tree` reads the
/// fetched objects only).
async fn check_tree(sandbox: &Sandbox<'_>, repo: &Path, target: &str) -> Result<()> {
    let listing = sandbox
        .git(repo, &["ls-tree", "-r", "-t", "-l", "-z", target])
        .await?;
    let mut entries: u64 = 0;
    let mut bytes: u64 = 0;
    for record in listing.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        entries += 1;
        // `MODE TYPE HASH SIZE\tPATH`; trees and submodules have `-` as size.
        let head = record.split(|b| *b == b'\t').next().unwrap_or_default();
        let size = String::from_utf8_lossy(head)
            .split_whitespace()
            .nth(3)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        bytes = bytes.saturating_add(size);
    }
    if entries > sandbox.options.max_entries {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "the tree holds {entries} files and folders, more than {}",
                sandbox.options.max_entries
            ),
        ));
    }
    if bytes > sandbox.options.max_bytes {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "the tree holds {bytes} bytes, more than {}",
                sandbox.options.max_bytes
            ),
        ));
    }
    Ok(())
}
