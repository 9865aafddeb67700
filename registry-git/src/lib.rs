//! The module registry's one way to read git repositories: the mirror's
//! `git::` module sources and repositories the registry follows (their
//! tags: [`remote_tags`]).
//!
//! It drives the installed `git` binary (faster to build than a git library
//! on small machines, and the same client Terraform's getter runs) in a
//! sandbox: only the https, ssh and git transports (http only when the
//! caller allows it; `ext::` and `file::` never), no hooks, no user or system
//! configuration, no credential prompts, objects checked as they arrive, and
//! every run bounded in time and in the bytes it may write.
//!
//! ```no_run
//! # async fn f() -> registry_core::Result<()> {
//! use registry_git::{GitOptions, GitRemote, checkout};
//! let remote = GitRemote::parse("https://example.com/acme/modules.git")?;
//! let tree = checkout(&remote, Some("v1.2.0"), &GitOptions::default()).await?;
//! println!("{} at {}", tree.path().display(), tree.commit());
//! # Ok(()) }
//! ```

mod checkout;
mod command;
mod reference;
mod remote;
mod tags;
#[cfg(feature = "testing")]
pub mod testing;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use checkout::{Checkout, checkout};
pub use reference::check_reference;
pub use remote::{GitRemote, Transport};
pub use tags::{RemoteTag, remote_tags};

/// How a git run is bounded, and what it may reach.
#[derive(Debug, Clone)]
pub struct GitOptions {
    /// The longest one fetch may take, in all (default 2 minutes).
    pub timeout: Duration,
    /// The most bytes a fetch may write to disk, history and checkout
    /// together (default 500 MiB, as an unpacked module archive).
    pub max_bytes: u64,
    /// Whether plain `http://` remotes may be fetched (only for an upstream
    /// configured with an http URL).
    pub allow_http: bool,
    /// Extra CA certificates (PEM files) trusted for https remotes, beside
    /// the system's (`--ca-cert`, `SSL_CERT_FILE`).
    pub ca_files: Vec<PathBuf>,
    /// The most files and folders the checked-out tree may hold (default
    /// 100,000), checked before anything is checked out.
    pub max_entries: u64,
    /// The ssh key to offer ssh remotes; none by default, so a remote
    /// named by someone else is never reached with the server's own keys
    /// (no agent, no `~/.ssh/config`, known hosts still checked).
    pub ssh_identity: Option<PathBuf>,
    /// Connect to this address for the remote's host (an address the
    /// caller checked), so a second DNS answer cannot send git elsewhere.
    pub pin: Option<IpAddr>,
}

impl Default for GitOptions {
    fn default() -> Self {
        GitOptions {
            timeout: Duration::from_secs(120),
            max_bytes: 500 * 1024 * 1024,
            allow_http: false,
            ca_files: Vec::new(),
            max_entries: 100_000,
            ssh_identity: None,
            pin: None,
        }
    }
}
