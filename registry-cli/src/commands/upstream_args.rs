//! `registry serve`'s mirror flags: the upstream registries whose modules
//! it mirrors, their tokens, allow and deny globs, how long a versions
//! list stays fresh, and the CA certificates outbound connections trust.

use std::path::PathBuf;

use clap::Args;
use registry_core::{Error, Result};
use registry_server::mirror::UpstreamConfig;
use secrecy::SecretString;

/// The mirror's flags (flattened into `serve`'s).
#[derive(Debug, Default, Args)]
pub struct UpstreamArgs {
    /// Mirror the modules of a registry: `HOST` (its service discovery at
    /// https://HOST/) or `HOST=URL` (reach it at URL). Repeatable; clients
    /// point Terraform's `host "HOST"` block at /v1/mirror/HOST/modules/.
    #[arg(long = "upstream", env = "REGISTRY_UPSTREAMS", value_delimiter = ',')]
    upstreams: Vec<String>,
    /// `HOST=TOKEN`: the token sent to that upstream. Repeatable.
    #[arg(
        long = "upstream-token",
        env = "REGISTRY_UPSTREAM_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    tokens: Vec<SecretString>,
    /// `HOST=GLOB` over `NS/NAME/SYSTEM`: mirror only modules that match
    /// (all when none is given). Repeatable.
    #[arg(long = "upstream-allow")]
    allow: Vec<String>,
    /// `HOST=GLOB` over `NS/NAME/SYSTEM`: never mirror modules that match.
    /// Repeatable.
    #[arg(long = "upstream-deny")]
    deny: Vec<String>,
    /// `HOST=GLOB` over `NS/TYPE`: the network mirror pulls only providers
    /// that match (all when none is given). Repeatable.
    #[arg(long = "upstream-allow-provider")]
    allow_providers: Vec<String>,
    /// `HOST=GLOB` over `NS/TYPE`: never pull providers that match. Repeatable.
    #[arg(long = "upstream-deny-provider")]
    deny_providers: Vec<String>,
    /// How long an upstream's versions list is used before it is asked
    /// again (default 5m); when upstream fails, the last one is served.
    #[arg(long, env = "REGISTRY_UPSTREAM_TTL")]
    pub upstream_ttl: Option<String>,
    /// A private network (CIDR, `10.0.0.0/8`) mirror fetches may reach:
    /// by default they reach only public addresses and the upstreams' own,
    /// whatever an upstream's download locations name. Repeatable.
    #[arg(
        long = "upstream-private",
        env = "REGISTRY_UPSTREAM_PRIVATE",
        value_delimiter = ','
    )]
    pub private: Vec<String>,
    /// A CA certificate (PEM) outbound connections trust besides the
    /// platform's roots (or SSL_CERT_FILE's); a self-signed certificate
    /// given here is trusted as its own leaf. Repeatable.
    #[arg(long = "ca-cert", env = "REGISTRY_CA_CERT", value_delimiter = ',')]
    pub ca_certs: Vec<PathBuf>,
}

/// `--upstream-private` values as networks, each refused by name when it
/// is not a CIDR.
pub fn private_networks(texts: Vec<String>) -> Result<Vec<ipnet::IpNet>> {
    texts
        .iter()
        .map(|t| {
            t.trim().parse().map_err(|_| {
                Error::invalid_input(format!(
                    "--upstream-private {t:?}: not a network in CIDR form (10.0.0.0/8, fd00::/8)"
                ))
            })
        })
        .collect()
}

/// Which list of an upstream a glob flag adds to.
#[derive(Debug, Clone, Copy)]
enum Glob {
    Allow,
    Deny,
    AllowProvider,
    DenyProvider,
}

fn host_and(flag: &str, text: &str) -> Result<(String, String)> {
    text.split_once('=')
        .map(|(h, v)| (h.trim().to_ascii_lowercase(), v.trim().to_string()))
        .filter(|(h, v)| !h.is_empty() && !v.is_empty())
        .ok_or_else(|| Error::invalid_input(format!("--{flag} {text:?}: give HOST=VALUE")))
}

impl UpstreamArgs {
    /// The upstreams: the flags' when any is given, else the file's; the
    /// token, allow and deny flags apply to upstreams by host.
    pub fn resolve(self, file: Option<Vec<UpstreamConfig>>) -> Result<Vec<UpstreamConfig>> {
        let mut upstreams: Vec<UpstreamConfig> = if self.upstreams.is_empty() {
            file.unwrap_or_default()
        } else {
            self.upstreams
                .iter()
                .filter(|u| !u.trim().is_empty())
                .map(|u| {
                    let (host, url) = match u.split_once('=') {
                        Some((h, url)) => (h.trim(), Some(url.trim().to_string())),
                        None => (u.trim(), None),
                    };
                    UpstreamConfig {
                        host: host.to_ascii_lowercase(),
                        url,
                        ..UpstreamConfig::default()
                    }
                })
                .collect()
        };
        let of = |flag: &str, host: &str| -> Result<usize> {
            upstreams
                .iter()
                .position(|u| u.host.eq_ignore_ascii_case(host))
                .ok_or_else(|| {
                    Error::invalid_input(format!(
                        "--{flag}: {host} is not an --upstream of this server"
                    ))
                })
        };
        let mut tokens = Vec::new();
        for t in &self.tokens {
            use secrecy::ExposeSecret as _;
            let text = t.expose_secret();
            let (host, token) = text
                .split_once('=')
                .map(|(h, v)| (h.trim().to_ascii_lowercase(), v.trim().to_string()))
                .filter(|(h, v)| !h.is_empty() && !v.is_empty())
                .ok_or_else(|| {
                    Error::invalid_input(
                        "--upstream-token: give HOST=TOKEN (the token is not shown)",
                    )
                })?;
            tokens.push((of("upstream-token", &host)?, token));
        }
        let mut globs = Vec::new();
        for (flag, list, kind) in [
            ("upstream-allow", &self.allow, Glob::Allow),
            ("upstream-deny", &self.deny, Glob::Deny),
            (
                "upstream-allow-provider",
                &self.allow_providers,
                Glob::AllowProvider,
            ),
            (
                "upstream-deny-provider",
                &self.deny_providers,
                Glob::DenyProvider,
            ),
        ] {
            for g in list {
                let (host, glob) = host_and(flag, g)?;
                globs.push((of(flag, &host)?, glob, kind));
            }
        }
        for (i, token) in tokens {
            upstreams[i].token = Some(SecretString::from(token));
        }
        for (i, glob, kind) in globs {
            let u = &mut upstreams[i];
            match kind {
                Glob::Allow => u.allow.push(glob),
                Glob::Deny => u.deny.push(glob),
                Glob::AllowProvider => u.allow_providers.push(glob),
                Glob::DenyProvider => u.deny_providers.push(glob),
            }
        }
        Ok(upstreams)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(upstreams: &[&str], tokens: &[&str], allow: &[&str], deny: &[&str]) -> UpstreamArgs {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        UpstreamArgs {
            upstreams: own(upstreams),
            tokens: tokens
                .iter()
                .map(|t| SecretString::from(t.to_string()))
                .collect(),
            allow: own(allow),
            deny: own(deny),
            allow_providers: Vec::new(),
            deny_providers: Vec::new(),
            ..UpstreamArgs::default()
        }
    }

    #[test]
    fn flags_name_upstreams_and_give_them_tokens_and_globs() {
        let u = args(
            &[
                "Registry.Terraform.io=https://127.0.0.1:8444/",
                "tf.example.com",
            ],
            &["registry.terraform.io=s3cr3t"],
            &["registry.terraform.io=hashicorp/*/*"],
            &["tf.example.com=*/secret*/*"],
        )
        .resolve(None)
        .unwrap();
        assert_eq!(u[0].host, "registry.terraform.io");
        assert_eq!(u[0].url.as_deref(), Some("https://127.0.0.1:8444/"));
        assert!(u[0].token.is_some() && u[1].token.is_none());
        assert_eq!(u[0].allow, ["hashicorp/*/*"]);
        assert_eq!(u[1].deny, ["*/secret*/*"]);
        assert_eq!(u[1].url, None);
    }

    #[test]
    fn flags_for_hosts_that_are_not_upstreams_are_refused_without_echoing_tokens() {
        let e = args(&["a.example.com"], &["b.example.com=s3cr3t"], &[], &[])
            .resolve(None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("b.example.com is not an --upstream"), "{e}");
        assert!(!e.contains("s3cr3t"));
        let e = args(&["a.example.com"], &["nohost"], &[], &[])
            .resolve(None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("HOST=TOKEN") && !e.contains("nohost"), "{e}");
        let e = args(&["a.example.com"], &[], &["a.example.com"], &[])
            .resolve(None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("HOST=VALUE"), "{e}");
    }

    #[test]
    fn the_file_is_used_when_no_flag_names_an_upstream() {
        let file = vec![UpstreamConfig {
            host: "registry.terraform.io".into(),
            ..UpstreamConfig::default()
        }];
        let u = args(&[], &[], &["registry.terraform.io=x/*/*"], &[])
            .resolve(Some(file))
            .unwrap();
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].allow, ["x/*/*"]);
    }
}
