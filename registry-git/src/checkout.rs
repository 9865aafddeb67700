//! A repository's tree at one reference, as Terraform's getter would
//! install it: fetched shallow, checked out, without `.git`.

use std::path::{Path, PathBuf};

use registry_core::{Error, ErrorKind, Result};

use crate::command::Sandbox;
use crate::reference::{check_reference, is_commit_hash};
use crate::{GitOptions, GitRemote, Transport};

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

/// Fetch `remote` at `reference` (a branch, a tag or a full commit hash;
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
    if remote.transport() == Transport::Http && !options.allow_http {
        return Err(Error::invalid_input(
            "the git remote is refused: plain http is fetched only from an upstream configured with an http URL",
        ));
    }
    if let Some(r) = reference {
        check_reference(r)?;
    }
    let dir = tempfile::Builder::new().prefix("registry-git-").tempdir()?;
    let home = dir.path().join("home");
    let repo = dir.path().join("repo");
    std::fs::create_dir(&home)?;
    let ca_bundle = ca_bundle(dir.path(), &options.ca_files)?;
    let sandbox = Sandbox {
        options,
        home,
        watched: repo.clone(),
        ca_bundle,
        deadline: tokio::time::Instant::now() + options.timeout,
    };
    let url = remote.url().as_str();
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
        // A server that will not hand out a commit by hash: fetch its
        // branches and tags, then find the commit among them.
        Err(e) if is_commit_hash(wanted) && e.kind() == ErrorKind::Upstream => {
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
    std::fs::remove_dir_all(repo.join(".git"))?;
    Ok(Checkout {
        _dir: dir,
        tree: repo,
        commit,
    })
}

/// One PEM file of the given certificates and the system's, for git's
/// `http.sslCAInfo` (which replaces the system's when set).
pub(crate) fn ca_bundle(dir: &Path, given: &[PathBuf]) -> Result<Option<PathBuf>> {
    if given.is_empty() {
        return Ok(None);
    }
    let mut pem = Vec::new();
    let system = std::env::var_os("SSL_CERT_FILE")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            [
                "/etc/ssl/certs/ca-certificates.crt",
                "/etc/pki/tls/certs/ca-bundle.crt",
            ]
            .map(PathBuf::from),
        )
        .find(|p| p.is_file());
    for f in given.iter().chain(system.iter()) {
        let bytes = std::fs::read(f).map_err(|e| {
            Error::invalid_input(format!("cannot read CA certificates {}: {e}", f.display()))
        })?;
        pem.extend_from_slice(&bytes);
        pem.push(b'\n');
    }
    let path = dir.join("ca.pem");
    std::fs::write(&path, pem)?;
    Ok(Some(path))
}
