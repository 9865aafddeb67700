//! Where a repository is: a URL over one of the transports this crate
//! fetches with, or the scp-like `git@host:path` (read as ssh, as
//! Terraform's getter reads it). Everything else is refused by name.

use registry_core::{Error, Result};
use url::Url;

/// The transport a remote is reached over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `https://`.
    Https,
    /// `http://` (fetched only when [`crate::GitOptions::allow_http`]).
    Http,
    /// `ssh://` and `user@host:path`, with the server's own ssh keys and
    /// known hosts, never a prompt.
    Ssh,
    /// `git://`, the git daemon's protocol.
    Git,
}

impl Transport {
    /// The name git's `protocol.<name>.allow` uses.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Https => "https",
            Transport::Http => "http",
            Transport::Ssh => "ssh",
            Transport::Git => "git",
        }
    }
}

/// A repository's address, checked: a URL over https, http, ssh or git, no
/// password, nothing git could read as an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRemote {
    url: Url,
    transport: Transport,
}

fn refuse(why: impl std::fmt::Display) -> Error {
    Error::invalid_input(format!("the git remote is refused: {why}"))
}

impl GitRemote {
    /// Read a remote as Terraform's getter writes it after `git::`:
    /// `https://host/path`, `ssh://user@host/path`, `git://host/path`,
    /// `http://host/path`, or `user@host:path`.
    pub fn parse(text: &str) -> Result<Self> {
        if text.is_empty() {
            return Err(refuse("it is empty"));
        }
        if text.starts_with('-') {
            return Err(refuse("it starts with '-'"));
        }
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(refuse("it holds spaces or control characters"));
        }
        let url = if text.contains("://") {
            Url::parse(text).map_err(|e| refuse(format!("it does not parse as a URL: {e}")))?
        } else if let Some((getter, _)) = text.split_once("::") {
            return Err(refuse(format!(
                "the {getter}:: transport is never used (only https, ssh and git)"
            )));
        } else {
            scp_like(text)?
        };
        let transport = match url.scheme() {
            "https" => Transport::Https,
            "http" => Transport::Http,
            "ssh" | "git+ssh" | "ssh+git" => Transport::Ssh,
            "git" => Transport::Git,
            other => {
                return Err(refuse(format!(
                    "the {other} transport is never used (only https, ssh and git)"
                )));
            }
        };
        let host = url.host_str().unwrap_or_default();
        if host.is_empty() || host.starts_with('-') {
            return Err(refuse("it names no host, or a host starting with '-'"));
        }
        if url.password().is_some() {
            return Err(refuse("it carries a password"));
        }
        if transport != Transport::Ssh && !url.username().is_empty() {
            return Err(refuse("it carries a user name (only ssh remotes may)"));
        }
        if url.username().starts_with('-') {
            return Err(refuse("its user name starts with '-'"));
        }
        if host.contains('%') || url.username().contains('%') {
            return Err(refuse("its host or user name is percent-encoded"));
        }
        Ok(GitRemote { url, transport })
    }

    /// The transport it is reached over.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The URL handed to git.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The URL git connects to with `pin`: for git and ssh remotes the
    /// host replaced by the pinned address (https and http keep their name
    /// for TLS and are pinned through curl's resolve list instead).
    pub(crate) fn dial_url(&self, pin: Option<std::net::IpAddr>) -> Url {
        let mut url = self.url.clone();
        if let Some(ip) = pin
            && matches!(self.transport, Transport::Git | Transport::Ssh)
        {
            let _ = url.set_ip_host(ip);
        }
        url
    }
}

impl std::fmt::Display for GitRemote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.url.as_str())
    }
}

/// `user@host:path` as `ssh://user@host/path` (go-getter's reading).
fn scp_like(text: &str) -> Result<Url> {
    let Some((authority, path)) = text.split_once(':') else {
        return Err(refuse(
            "it is neither a URL nor user@host:path (a local path is never fetched)",
        ));
    };
    if authority.contains('/') || !authority.contains('@') || path.is_empty() {
        return Err(refuse(
            "it is neither a URL nor user@host:path (a local path is never fetched)",
        ));
    }
    let path = path.trim_start_matches('/');
    Url::parse(&format!("ssh://{authority}/{path}"))
        .map_err(|e| refuse(format!("it does not parse as user@host:path: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_getter_forms_are_read() {
        let r = GitRemote::parse("https://example.com/acme/x.git").unwrap();
        assert_eq!(r.transport(), Transport::Https);
        let r = GitRemote::parse("git@github.com:acme/x.git").unwrap();
        assert_eq!(r.transport(), Transport::Ssh);
        assert_eq!(r.url().as_str(), "ssh://git@github.com/acme/x.git");
        let r = GitRemote::parse("ssh://git@example.com:2222/acme/x.git").unwrap();
        assert_eq!(r.transport(), Transport::Ssh);
        let r = GitRemote::parse("git://127.0.0.1:9418/x.git").unwrap();
        assert_eq!(r.transport(), Transport::Git);
    }

    #[test]
    fn other_transports_options_and_secrets_are_refused_by_name() {
        for (bad, says) in [
            ("ext::sh -c touch% /tmp/pwned", "spaces"),
            ("ext::sh", "ext:: transport"),
            ("file:///etc", "file transport"),
            ("/srv/repo.git", "local path"),
            ("./repo", "local path"),
            ("-uupload-pack=touch", "starts with '-'"),
            ("ssh://-oProxyCommand=touch/x", "host starting with '-'"),
            ("https://user:secret@example.com/x.git", "password"),
            ("https://token@example.com/x.git", "user name"),
            ("ftp://example.com/x.git", "ftp transport"),
        ] {
            let e = GitRemote::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
            assert!(!e.contains("secret"), "{e}");
        }
    }
}
