//! The pull-through mirror of other registries' modules (feature
//! `mirror`). Clients reach an upstream's modules through us with a
//! Terraform CLI `host` block whose `modules.v1` is
//! `https://OUR-HOST/v1/mirror/HOST/modules/`; mirrored modules live
//! under their host-qualified address (`HOST/NS/NAME/SYSTEM`), apart from
//! ours.
//!
//! - Versions lists come from upstream and are kept for a TTL; when the
//!   upstream fails, the last list is served stale (marked), or, after a
//!   restart, the versions already stored.
//! - A version's archive is fetched on its first download, checked and
//!   stored immutably with its provenance; after that no request for it
//!   goes upstream ([`registry_core::Registry::store_mirrored`]).
//!
//! `upstream` talks to one upstream; `source` reads the forms of
//! `X-Terraform-Get`.

mod network;
mod providers;
mod source;
mod upstream;
mod upstream_providers;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use registry_core::{
    Error, ErrorKind, MirrorSource, ModuleAddress, ModuleId, ModuleRecord, RequestContext, Result,
};
use serde::{Deserialize, Serialize};

pub use network::NetworkPolicy;
pub use providers::MirroredProviderVersions;
pub use source::{ArchiveSource, GitSource, Source, resolve as resolve_source};
pub use upstream::Upstream;
pub(crate) use upstream::{chain as error_chain, read_limited};
pub use upstream_providers::MAX_SUMS_BYTES;

use crate::http::views::VersionsView;
use crate::metrics::Metrics;

/// How long a versions list from upstream is fresh unless configured.
pub const DEFAULT_VERSIONS_TTL: Duration = Duration::from_secs(300);

/// How long a list is kept to be served stale when upstream fails.
const KEEP_STALE: Duration = Duration::from_secs(7 * 24 * 3600);

/// About how much memory the kept versions lists may take.
const LISTS_BYTES: u64 = 64 << 20;

/// Archives fetched at once (each is held in memory while it is checked).
const FETCHES_AT_ONCE: usize = 4;

/// One upstream as configured (`--upstream HOST[=URL]`, `[[upstream]]`).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamConfig {
    /// The host module sources name (`registry.terraform.io`).
    pub host: String,
    /// Where to read its service discovery instead of `https://HOST/`.
    pub url: Option<String>,
    /// A token for it (`--upstream-token HOST=TOKEN`).
    #[serde(skip_serializing)]
    pub token: Option<secrecy::SecretString>,
    /// Globs over `NS/NAME/SYSTEM`: only these are mirrored (all when empty).
    pub allow: Vec<String>,
    /// Globs over `NS/NAME/SYSTEM` never mirrored.
    pub deny: Vec<String>,
    /// Globs over `NS/TYPE`: only these providers are pulled (all when empty).
    pub allow_providers: Vec<String>,
    /// Globs over `NS/TYPE` never pulled.
    pub deny_providers: Vec<String>,
}

impl std::fmt::Debug for UpstreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamConfig")
            .field("host", &self.host)
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("allow", &self.allow)
            .field("deny", &self.deny)
            .field("allow_providers", &self.allow_providers)
            .field("deny_providers", &self.deny_providers)
            .finish()
    }
}

/// A versions list and whether it is the last one kept while upstream fails.
#[derive(Debug, Clone)]
pub struct MirroredVersions {
    /// The list.
    pub view: VersionsView,
    /// Served from the cache (or from what is stored) because upstream failed.
    pub stale: Option<String>,
}

#[derive(Debug, Clone)]
struct CachedList {
    view: VersionsView,
    fetched: Instant,
}

/// Every configured upstream, and the versions lists fetched from them.
pub struct Mirror {
    upstreams: BTreeMap<String, Upstream>,
    lists: moka::future::Cache<String, Arc<CachedList>>,
    fetching: moka::future::Cache<String, Arc<ModuleRecord>>,
    fetch_slots: tokio::sync::Semaphore,
    ca_files: Vec<std::path::PathBuf>,
    policy: Arc<NetworkPolicy>,
    ttl: Duration,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirror")
            .field("upstreams", &self.upstreams.keys().collect::<Vec<_>>())
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Mirror {
    /// The mirror of `upstreams`, dialled with `trust` (the groundwork's
    /// client trust), keeping versions lists fresh for `ttl`, fetching from
    /// public addresses, the upstreams' own, and the `private_ok` networks.
    pub fn new(
        upstreams: &[UpstreamConfig],
        trust: &crate::trust::ClientTrust,
        ttl: Duration,
        private_ok: Vec<ipnet::IpNet>,
        metrics: Arc<Metrics>,
    ) -> Result<Self> {
        let bases = upstreams
            .iter()
            .map(upstream::discovery_base)
            .collect::<Result<Vec<_>>>()?;
        let policy = Arc::new(NetworkPolicy::new(private_ok, &bases));
        let http = reqwest::Client::builder()
            .user_agent(concat!("registry-mirror/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(trust.rustls_config())
            .dns_resolver(policy.resolver())
            .redirect(redirects(policy.clone()))
            .referer(false)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::invalid_input(format!("mirror HTTP client: {e}")))?;
        let mut map = BTreeMap::new();
        for (c, base) in upstreams.iter().zip(bases) {
            let u = Upstream::new(c, base, http.clone(), policy.clone())?;
            if map.insert(u.host().to_string(), u).is_some() {
                return Err(Error::invalid_input(format!(
                    "--upstream {} is given twice",
                    c.host
                )));
            }
        }
        Ok(Mirror {
            upstreams: map,
            lists: moka::future::Cache::builder()
                .weigher(|_, l: &Arc<CachedList>| {
                    let versions: usize = l.view.modules.iter().map(|m| m.versions.len()).sum();
                    u32::try_from(256 + versions * 256).unwrap_or(u32::MAX)
                })
                .max_capacity(LISTS_BYTES)
                .time_to_live(KEEP_STALE)
                .build(),
            fetching: moka::future::Cache::builder()
                .max_capacity(1_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
            fetch_slots: tokio::sync::Semaphore::new(FETCHES_AT_ONCE),
            ca_files: trust.given_files().to_vec(),
            policy,
            ttl,
            metrics,
        })
    }

    /// The upstream of a mirrored address, and whether it may be mirrored.
    fn upstream_of(&self, address: &ModuleAddress) -> Result<&Upstream> {
        let host = address
            .host()
            .ok_or_else(|| Error::invalid_input(format!("{address} names no upstream host")))?;
        let u = self.upstreams.get(host).ok_or_else(|| {
            Error::not_found(format!(
                "this registry mirrors no upstream {host} (configure it with --upstream {host})"
            ))
        })?;
        u.check_allowed(address)?;
        Ok(u)
    }

    /// The versions list of a mirrored module: fresh from upstream within
    /// the TTL; when upstream fails, the last list kept, or the versions
    /// this registry stored, marked stale.
    pub async fn versions(
        &self,
        registry: &registry_core::Registry,
        ctx: &RequestContext,
        address: &ModuleAddress,
    ) -> Result<MirroredVersions> {
        registry.authorize_listing(ctx, Some(address.namespace()))?;
        let upstream = self.upstream_of(address)?;
        let key = address.to_string();
        let kept = self.lists.get(&key).await;
        if let Some(k) = &kept
            && k.fetched.elapsed() < self.ttl
        {
            self.metrics.mirror(upstream.host(), "hit");
            return Ok(MirroredVersions {
                view: k.view.clone(),
                stale: None,
            });
        }
        match upstream.versions(address).await {
            Ok(view) => {
                self.metrics.mirror(upstream.host(), "miss");
                self.lists
                    .insert(
                        key,
                        Arc::new(CachedList {
                            view: view.clone(),
                            fetched: Instant::now(),
                        }),
                    )
                    .await;
                Ok(MirroredVersions { view, stale: None })
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Err(e),
            Err(e) => {
                tracing::warn!(upstream = upstream.host(), error = %e, "mirror: upstream failed");
                if let Some(k) = kept {
                    self.metrics.mirror(upstream.host(), "stale");
                    return Ok(MirroredVersions {
                        view: k.view.clone(),
                        stale: Some(e.message().to_string()),
                    });
                }
                let stored = registry.versions(ctx, address).await.unwrap_or_default();
                if stored.is_empty() {
                    self.metrics.mirror(upstream.host(), "error");
                    return Err(e);
                }
                self.metrics.mirror(upstream.host(), "stale");
                Ok(MirroredVersions {
                    view: VersionsView::new(&upstream_source(address), &stored),
                    stale: Some(e.message().to_string()),
                })
            }
        }
    }

    /// The stored copy of a mirrored version, fetched from upstream and
    /// stored first if this is its first request.
    pub async fn version(
        &self,
        registry: &registry_core::Registry,
        ctx: &RequestContext,
        id: &ModuleId,
    ) -> Result<ModuleRecord> {
        // Who may read comes before what is configured (a refusal tells an
        // anonymous caller nothing about the globs).
        registry.authorize_listing(ctx, Some(id.address.namespace()))?;
        let upstream = self.upstream_of(&id.address)?;
        if let Some(r) = registry.mirrored(ctx, id).await? {
            self.metrics.mirror(upstream.host(), "hit");
            return Ok(r);
        }
        // One fetch of a version at a time (requests racing for it share
        // it), and a few fetches at once in all: each holds an archive in
        // memory.
        let fetched =
            self.fetching
                .try_get_with(id.to_string(), async {
                    let _slot = self.fetch_slots.acquire().await.map_err(|_| {
                        Error::new(ErrorKind::Upstream, "the mirror is shutting down")
                    })?;
                    self.fetch_and_store(registry, ctx, upstream, id)
                        .await
                        .map(Arc::new)
                })
                .await;
        fetched
            .map(|r| (*r).clone())
            .map_err(|e| Error::new(e.kind(), e.message().to_string()))
    }

    async fn fetch_and_store(
        &self,
        registry: &registry_core::Registry,
        ctx: &RequestContext,
        upstream: &Upstream,
        id: &ModuleId,
    ) -> Result<ModuleRecord> {
        let fetched = async {
            match upstream.source(id).await? {
                Source::Archive(a) => {
                    let bytes = upstream
                        .archive(&a, registry.limits().max_compressed_bytes)
                        .await?;
                    Ok((bytes, redacted(&a.url), a.subdir, None))
                }
                Source::Git(g) => {
                    let (bytes, commit) = self.git_tree(registry, upstream, &g).await?;
                    Ok((bytes, g.describe(), g.subdir, Some(commit)))
                }
            }
        }
        .await;
        let (bytes, url, subdir, commit) = match fetched {
            Ok(f) => f,
            Err(e) => {
                self.metrics.mirror(upstream.host(), "error");
                return Err(e);
            }
        };
        self.metrics.mirror(upstream.host(), "miss");
        let provenance = MirrorSource {
            upstream: upstream.host().to_string(),
            url,
            fetched_at: chrono::Utc::now(),
            subdir,
            commit,
        };
        registry.store_mirrored(ctx, id, bytes, provenance).await
    }
}

impl Mirror {
    /// A git source's tree at its reference, packed as Terraform's getter
    /// would install it (everything but `.git`), and its commit.
    async fn git_tree(
        &self,
        registry: &registry_core::Registry,
        upstream: &Upstream,
        source: &GitSource,
    ) -> Result<(bytes::Bytes, String)> {
        let limits = registry.limits();
        let pin = self.policy.check_remote(source.remote.url()).await?;
        let options = registry_git::GitOptions {
            max_bytes: limits.max_uncompressed_bytes,
            allow_http: upstream.allows_http(),
            ca_files: self.ca_files.clone(),
            max_entries: limits.max_entries,
            pin,
            ..registry_git::GitOptions::default()
        };
        let tree = registry_git::checkout(&source.remote, source.reference.as_deref(), &options)
            .await
            .map_err(|e| {
                let kind = match e.kind() {
                    ErrorKind::TooLarge => ErrorKind::TooLarge,
                    _ => ErrorKind::Upstream,
                };
                Error::new(
                    kind,
                    format!("upstream {}'s git source: {}", upstream.host(), e.message()),
                )
            })?;
        let commit = tree.commit().to_string();
        let packed = tokio::task::spawn_blocking(move || registry_core::pack_tree(tree.path()))
            .await
            .map_err(|e| Error::new(ErrorKind::Backend, format!("packing task: {e}")))?
            .map_err(|e| {
                Error::new(
                    ErrorKind::Upstream,
                    format!(
                        "upstream {}'s git source cannot be mirrored: {}",
                        upstream.host(),
                        e.message()
                    ),
                )
            })?;
        Ok((bytes::Bytes::from(packed), commit))
    }
}

/// Redirects followed by upstream requests: at most 5, never from https
/// down to http, never to a scheme other than http or https, never to an
/// address the network policy keeps out (reqwest drops the token on any
/// change of origin).
fn redirects(policy: Arc<NetworkPolicy>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let downgrade = attempt.url().scheme() != "https"
            && attempt.previous().iter().any(|u| u.scheme() == "https");
        if attempt.previous().len() >= 5 {
            attempt.error("more than 5 redirects")
        } else if downgrade || !matches!(attempt.url().scheme(), "https" | "http") {
            attempt.error("a redirect away from https")
        } else if let Err(e) = policy.check_literal(attempt.url()) {
            attempt.error(e.message().to_string())
        } else {
            attempt.follow()
        }
    })
}

/// `NS/NAME/SYSTEM` of a mirrored address, as its upstream names it.
fn upstream_source(a: &ModuleAddress) -> String {
    format!("{}/{}/{}", a.namespace(), a.name(), a.system())
}

/// A URL as it may be recorded: without its query (grants, signatures).
fn redacted(url: &url::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}
