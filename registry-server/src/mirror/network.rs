//! Where mirror fetches may go: public addresses, the configured
//! upstreams' own hosts, and the private networks the operator names
//! (`--upstream-private CIDR`). An upstream's `X-Terraform-Get` is its
//! word, not ours: without this, one could point the mirror at the
//! cloud's metadata service or a database next to it.
//!
//! Names are checked as they are resolved (the HTTP client's resolver
//! refuses the addresses not allowed); address literals and git hosts are
//! checked before the request.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use registry_core::{Error, ErrorKind, Result};

/// Which addresses fetches may reach.
#[derive(Debug, Clone, Default)]
pub struct NetworkPolicy {
    private_ok: Vec<IpNet>,
    /// Upstreams configured at an address literal: that address and port.
    upstream_origins: HashSet<(String, u16)>,
    /// Upstreams configured by name: the name (resolution knows no port).
    upstream_names: HashSet<String>,
}

/// Networks that are not the public internet (IANA special-purpose
/// registries), IPv4 and IPv6.
const NOT_PUBLIC: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/3",
    "::/127",
    "::ffff:0:0/96",
    "64:ff9b:1::/48",
    "100::/64",
    "2001:db8::/32",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
];

fn bare(host: &str) -> String {
    host.trim_matches(['[', ']']).to_ascii_lowercase()
}

/// [`NOT_PUBLIC`], parsed once.
static NOT_PUBLIC_NETS: std::sync::LazyLock<Vec<IpNet>> = std::sync::LazyLock::new(|| {
    NOT_PUBLIC
        .iter()
        .map(|n| n.parse().expect("a literal network"))
        .collect()
});

fn is_public(ip: IpAddr) -> bool {
    // An IPv4-mapped address is the IPv4 address it maps.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    !NOT_PUBLIC_NETS.iter().any(|n| n.contains(&ip))
}

impl NetworkPolicy {
    /// Public addresses, plus `private_ok`, plus where `upstream_urls`
    /// point (an upstream configured at a private address is reached
    /// there: at that address and port, or at that name).
    pub fn new(private_ok: Vec<IpNet>, upstream_urls: &[url::Url]) -> Self {
        let mut policy = NetworkPolicy {
            private_ok,
            ..NetworkPolicy::default()
        };
        for u in upstream_urls {
            let host = bare(u.host_str().unwrap_or_default());
            match u.host() {
                Some(url::Host::Domain(_)) => {
                    policy.upstream_names.insert(host);
                }
                Some(_) => {
                    policy
                        .upstream_origins
                        .insert((host, u.port_or_known_default().unwrap_or(0)));
                }
                None => {}
            }
        }
        policy
    }

    fn public_or_named_network(&self, ip: IpAddr) -> bool {
        is_public(ip) || self.private_ok.iter().any(|n| n.contains(&ip))
    }

    /// Whether `name` (a host name) may be reached at `ip`.
    pub fn allows_name(&self, name: &str, ip: IpAddr) -> bool {
        self.public_or_named_network(ip) || self.upstream_names.contains(&bare(name))
    }

    /// Whether the address literal `ip` may be reached on `port`.
    pub fn allows_address(&self, ip: IpAddr, port: u16) -> bool {
        self.public_or_named_network(ip) || self.upstream_origins.contains(&(ip.to_string(), port))
    }

    fn refusal(host: &str) -> Error {
        Error::new(
            ErrorKind::Upstream,
            format!(
                "{host} is a private or special-purpose address; the registry fetches (mirrored modules and providers, followed repositories) only from public addresses, its upstreams' own hosts and networks given with --upstream-private"
            ),
        )
    }

    /// Check a URL whose host is an address literal (names are checked
    /// when resolved).
    pub fn check_literal(&self, url: &url::Url) -> Result<()> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            _ => return Ok(()),
        };
        if self.allows_address(ip, url.port_or_known_default().unwrap_or(0)) {
            Ok(())
        } else {
            Err(Self::refusal(url.host_str().unwrap_or_default()))
        }
    }

    /// Check where `url` (a git remote's) leads: its address literal, or
    /// every address its name resolves to. The address to pin git to (so
    /// a second DNS answer cannot lead it elsewhere), for a name.
    pub async fn check_remote(&self, url: &url::Url) -> Result<Option<IpAddr>> {
        let port = url.port_or_known_default().unwrap_or(match url.scheme() {
            "git" => 9418,
            _ => 22,
        });
        let host = url.host_str().unwrap_or_default();
        match url.host() {
            Some(url::Host::Domain(name)) => {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                    .await
                    .map_err(|e| {
                        Error::new(ErrorKind::Upstream, format!("cannot resolve {name}: {e}"))
                    })?
                    .collect();
                if addrs.is_empty() || addrs.iter().any(|a| !self.allows_name(name, a.ip())) {
                    return Err(Self::refusal(host));
                }
                Ok(addrs.first().map(|a| a.ip()))
            }
            Some(url::Host::Ipv4(ip)) if !self.allows_address(IpAddr::V4(ip), port) => {
                Err(Self::refusal(host))
            }
            Some(url::Host::Ipv6(ip)) if !self.allows_address(IpAddr::V6(ip), port) => {
                Err(Self::refusal(host))
            }
            _ => Ok(None),
        }
    }

    /// The HTTP client's resolver: a name's addresses, less those not allowed.
    pub fn resolver(self: &Arc<Self>) -> Arc<PolicyResolver> {
        Arc::new(PolicyResolver(self.clone()))
    }
}

/// A DNS resolver that keeps only the addresses a [`NetworkPolicy`] allows.
#[derive(Debug)]
pub struct PolicyResolver(Arc<NetworkPolicy>);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = all
                .into_iter()
                .filter(|a| policy.allows_name(&host, a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(Box::new(NetworkPolicy::refusal(&host))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_need_leave() {
        let p = NetworkPolicy::new(
            vec!["10.1.0.0/16".parse().unwrap()],
            &[url::Url::parse("http://127.0.0.1:9000/").unwrap()],
        );
        for public in ["1.1.1.1", "2606:4700::1111", "93.184.216.34"] {
            assert!(p.allows_name("x", public.parse().unwrap()), "{public}");
        }
        for private in [
            "169.254.169.254",
            "10.2.0.1",
            "192.168.1.1",
            "172.20.0.1",
            "100.100.100.200",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!p.allows_name("x", private.parse().unwrap()), "{private}");
        }
        assert!(
            p.allows_name("x", "10.1.2.3".parse().unwrap()),
            "named network"
        );
        let lo = "127.0.0.1".parse().unwrap();
        assert!(
            p.allows_address(lo, 9000),
            "the upstream's own address and port"
        );
        assert!(!p.allows_address(lo, 6379), "not another port on it");
        let named = NetworkPolicy::new(
            Vec::new(),
            &[url::Url::parse("https://registry.corp/").unwrap()],
        );
        assert!(named.allows_name("registry.corp", "10.9.9.9".parse().unwrap()));
        assert!(!named.allows_name("other.corp", "10.9.9.9".parse().unwrap()));
        let e = p
            .check_literal(&url::Url::parse("http://169.254.169.254/latest/meta-data").unwrap())
            .unwrap_err();
        assert!(e.to_string().contains("--upstream-private"), "{e}");
        assert!(
            p.check_literal(&url::Url::parse("https://[::1]/x").unwrap())
                .is_err()
        );
        assert!(
            p.check_literal(&url::Url::parse("https://example.com/x").unwrap())
                .is_ok()
        );
    }

    #[tokio::test]
    async fn git_remotes_are_checked_where_they_resolve() {
        let p = NetworkPolicy::new(Vec::new(), &[]);
        for remote in [
            "git://localhost/x.git",
            "ssh://git@127.0.0.1/x.git",
            "https://[::1]/x.git",
        ] {
            let e = p
                .check_remote(&url::Url::parse(remote).unwrap())
                .await
                .unwrap_err();
            assert!(e.to_string().contains("private"), "{remote}: {e}");
        }
        let ok = NetworkPolicy::new(vec!["127.0.0.0/8".parse().unwrap()], &[]);
        ok.check_remote(&url::Url::parse("git://127.0.0.1/x.git").unwrap())
            .await
            .unwrap();
    }
}
