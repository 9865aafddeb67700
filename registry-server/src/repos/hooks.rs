//! Webhooks from git hosts, each checked with that host's own scheme
//! against the repository's secret before anything else is read:
//! GitHub's `X-Hub-Signature-256` and Bitbucket's `X-Hub-Signature`
//! (`sha256=` HMAC of the body), Gitea's and Forgejo's `X-Gitea-Signature`
//! (hex HMAC), GitLab's `X-Gitlab-Token` (the secret itself). A good hook
//! starts a sync in the background; a ping only answers.

use std::time::Duration;

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use registry_core::{Error, ErrorKind, ModuleAddress, Result, constant_time_eq};
use sha2::Sha256;

use super::Repositories;

/// The git hosts whose webhooks are understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookHost {
    /// GitHub and GitHub Enterprise.
    GitHub,
    /// GitLab.
    GitLab,
    /// Bitbucket Cloud and Data Center.
    Bitbucket,
    /// Gitea and Forgejo.
    Gitea,
}

impl std::str::FromStr for HookHost {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "github" => Ok(HookHost::GitHub),
            "gitlab" => Ok(HookHost::GitLab),
            "bitbucket" => Ok(HookHost::Bitbucket),
            "gitea" => Ok(HookHost::Gitea),
            other => Err(Error::not_found(format!(
                "no webhook for {other:?}; the hosts are github, gitlab, bitbucket and gitea"
            ))),
        }
    }
}

/// What a checked webhook asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookOutcome {
    /// The host testing the hook: nothing to do.
    Ping,
    /// A push (of a tag or anything): sync.
    Sync,
}

/// The error for a hook that does not prove the secret (the same whether
/// the repository exists or not).
fn bad_signature() -> Error {
    Error::new(
        ErrorKind::Unauthenticated,
        "the webhook's signature does not match this repository's secret (the one `registry repo add` printed)",
    )
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether `given` (hex) is the HMAC-SHA256 of `body` under `secret`.
fn hmac_matches(secret: &[u8], body: &[u8], given: &str) -> bool {
    let Ok(given) = hex::decode(given.trim()) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// Check a hook from `host` against `secret`; what it asks for, or
/// `Unauthenticated`.
pub fn check_hook(
    host: HookHost,
    headers: &HeaderMap,
    body: &[u8],
    secret: &[u8],
) -> Result<HookOutcome> {
    let signed = match host {
        HookHost::GitHub => header(headers, "x-hub-signature-256")
            .and_then(|s| s.strip_prefix("sha256="))
            .is_some_and(|s| hmac_matches(secret, body, s)),
        HookHost::Bitbucket => header(headers, "x-hub-signature")
            .and_then(|s| s.strip_prefix("sha256="))
            .is_some_and(|s| hmac_matches(secret, body, s)),
        HookHost::Gitea => header(headers, "x-gitea-signature")
            .or_else(|| header(headers, "x-forgejo-signature"))
            .is_some_and(|s| hmac_matches(secret, body, s)),
        HookHost::GitLab => header(headers, "x-gitlab-token")
            .is_some_and(|t| constant_time_eq(t.as_bytes(), secret)),
    };
    if !signed {
        return Err(bad_signature());
    }
    let ping = match host {
        HookHost::GitHub => header(headers, "x-github-event") == Some("ping"),
        HookHost::Bitbucket => header(headers, "x-event-key") == Some("diagnostics:ping"),
        HookHost::Gitea | HookHost::GitLab => false,
    };
    Ok(if ping {
        HookOutcome::Ping
    } else {
        HookOutcome::Sync
    })
}

/// How long a hook's sync waits for a running one to end (it may have
/// listed the tags before this push).
const WAIT_FOR_RUNNING: Duration = Duration::from_secs(120);

impl Repositories {
    /// Check a webhook for a module's repository and, for a push, start a
    /// sync in the background.
    pub async fn hook(
        &self,
        host: HookHost,
        address: &ModuleAddress,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<HookOutcome> {
        let secret = self.hook_secret(address).await?.ok_or_else(bad_signature)?;
        let outcome = check_hook(host, headers, body, &secret)?;
        if outcome == HookOutcome::Sync {
            self.sync_soon(address.clone());
        }
        Ok(outcome)
    }

    /// Sync in the background, after the sync running now if there is one.
    pub(crate) fn sync_soon(&self, address: ModuleAddress) {
        let repos = self.clone();
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            loop {
                match repos.sync_now(&address).await {
                    Err(e)
                        if e.kind() == ErrorKind::Conflict
                            && started.elapsed() < WAIT_FOR_RUNNING =>
                    {
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                    Err(e) => {
                        tracing::warn!(%address, error = %e, "webhook sync failed");
                        return;
                    }
                    Ok(_) => return,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(name: &'static str, value: String) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, value.parse().unwrap());
        h
    }

    fn hmac_hex(secret: &[u8], body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn each_host_is_checked_with_its_own_scheme() {
        let secret = b"rgh_secret";
        let body = br#"{"ref":"refs/tags/v1.0.0"}"#;
        let mac = hmac_hex(secret, body);
        let cases = [
            (
                HookHost::GitHub,
                signed("x-hub-signature-256", format!("sha256={mac}")),
            ),
            (
                HookHost::Bitbucket,
                signed("x-hub-signature", format!("sha256={mac}")),
            ),
            (HookHost::Gitea, signed("x-gitea-signature", mac.clone())),
            (
                HookHost::GitLab,
                signed("x-gitlab-token", "rgh_secret".into()),
            ),
        ];
        for (host, headers) in cases {
            assert_eq!(
                check_hook(host, &headers, body, secret).unwrap(),
                HookOutcome::Sync,
                "{host:?}"
            );
            let e = check_hook(host, &headers, b"{}", secret);
            if host == HookHost::GitLab {
                assert!(e.is_ok());
            } else {
                assert_eq!(
                    e.unwrap_err().kind(),
                    ErrorKind::Unauthenticated,
                    "{host:?}"
                );
            }
            let e = check_hook(host, &headers, body, b"another").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{host:?}");
            let e = check_hook(host, &HeaderMap::new(), body, secret).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{host:?}");
        }
        // GitHub's scheme is not accepted under Bitbucket's header name, and so on.
        let github = signed("x-hub-signature-256", format!("sha256={mac}"));
        assert!(check_hook(HookHost::Gitea, &github, body, secret).is_err());
    }

    #[test]
    fn a_ping_is_only_answered() {
        let secret = b"s";
        let mut h = signed(
            "x-hub-signature-256",
            format!("sha256={}", hmac_hex(secret, b"{}")),
        );
        h.insert("x-github-event", "ping".parse().unwrap());
        assert_eq!(
            check_hook(HookHost::GitHub, &h, b"{}", secret).unwrap(),
            HookOutcome::Ping
        );
    }
}
