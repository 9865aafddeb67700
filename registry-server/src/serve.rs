//! Running the HTTP API: plain HTTP, or HTTPS with rustls from PEM files
//! (Terraform only talks to registries over HTTPS; plain HTTP is for use
//! behind a TLS-terminating proxy).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use registry_core::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};

use axum_server::accept::DefaultAcceptor;
use axum_server::tls_rustls::RustlsAcceptor;

use crate::app::router;
use crate::assembly::{OpenedRegistry, RegistryConfig, open_registry_with};
use crate::conn::LimitedAcceptor;
use crate::grant::GrantKey;
use crate::metrics::Metrics;
use crate::state::AppState;

/// How to serve.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ServeConfig {
    /// The registry to serve.
    pub registry: RegistryConfig,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// PEM certificate chain; with `tls_key`, serve HTTPS.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key.
    pub tls_key: Option<PathBuf>,
    /// File holding the key that signs archive download grants (shared by
    /// every server process); default `<data_dir>/grant.key`, created if missing.
    pub grant_key_file: Option<PathBuf>,
    /// The grant key itself (`REGISTRY_GRANT_KEY`); wins over the file.
    #[serde(skip_serializing)]
    pub grant_key: Option<secrecy::SecretString>,
    /// Rate limits; shared through Redis when the storage has a cache URL.
    pub rate_limits: crate::limits::RateLimits,
    /// File holding a scrape token for `/metrics` (Prometheus' bearer
    /// token) when reads need auth; admin tokens read it too.
    pub metrics_token_file: Option<PathBuf>,
    /// Timeouts and the connection limit of the listener.
    pub connections: crate::conn::ConnectionLimits,
    /// How long an archive download grant stays valid (default 300 s).
    pub grant_ttl: std::time::Duration,
    /// Proxies whose forwarded headers name the client (`X-Forwarded-For`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The address callers reach this registry at
    /// (`https://registry.example.com`), whose host goes into module
    /// sources the UI shows; default: the request's `Host`.
    pub public_url: Option<String>,
    /// How long a web UI sign-in lasts (default 12 h; never past its
    /// token's expiry).
    pub session_ttl: std::time::Duration,
    /// Registries whose modules are mirrored (`--upstream`, `[[upstream]]`).
    pub upstreams: Vec<crate::mirror::UpstreamConfig>,
    /// How long an upstream's versions list is fresh (default 5 min).
    pub upstream_ttl: std::time::Duration,
    /// Private networks mirror fetches may reach besides public addresses
    /// and the upstreams' own (`--upstream-private CIDR`).
    pub upstream_private: Vec<ipnet::IpNet>,
    /// Extra CA certificates outbound connections trust (`--ca-cert`),
    /// besides the platform's roots or `SSL_CERT_FILE`'s.
    pub ca_certs: Vec<PathBuf>,
    /// Sign-in to the web UI through an OpenID provider (`--oidc-issuer`,
    /// `--oidc-client-id`, `--oidc-client-secret-file`, `--oidc-roles-claim`,
    /// `--oidc-role-map`, `--oidc-scopes`).
    pub oidc_login: Option<crate::oidc::OidcLoginConfig>,
    /// How often every followed repository is synced besides its webhooks
    /// (`--repo-poll-interval`, default 5 min; zero: never).
    pub repo_poll_interval: std::time::Duration,
}

/// How often followed repositories are polled unless configured.
pub const DEFAULT_REPO_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);

/// How long a web UI sign-in lasts unless configured.
pub const DEFAULT_SESSION_TTL: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            registry: RegistryConfig::default(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            tls_cert: None,
            tls_key: None,
            grant_key_file: None,
            repo_poll_interval: DEFAULT_REPO_POLL_INTERVAL,
            oidc_login: None,
            grant_key: None,
            rate_limits: crate::limits::RateLimits::default(),
            metrics_token_file: None,
            connections: crate::conn::ConnectionLimits::default(),
            trusted_proxies: Vec::new(),
            grant_ttl: crate::grant::DEFAULT_GRANT_TTL,
            public_url: None,
            session_ttl: DEFAULT_SESSION_TTL,
            upstreams: Vec::new(),
            upstream_ttl: crate::mirror::DEFAULT_VERSIONS_TTL,
            upstream_private: Vec::new(),
            ca_certs: Vec::new(),
        }
    }
}

fn metrics_token(config: &ServeConfig) -> Result<Option<secrecy::SecretString>> {
    let Some(path) = &config.metrics_token_file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        registry_core::Error::invalid_input(format!(
            "cannot read metrics token file {}: {e}",
            path.display()
        ))
    })?;
    let token = text.trim();
    if token.len() < 16 {
        return Err(registry_core::Error::invalid_input(format!(
            "the metrics token in {} is shorter than 16 characters",
            path.display()
        )));
    }
    Ok(Some(secrecy::SecretString::from(token.to_string())))
}

/// A server running in the background.
#[derive(Debug)]
pub struct RunningServer {
    /// The address it listens on (useful with port 0).
    pub addr: SocketAddr,
    /// Whether it serves HTTPS.
    pub tls: bool,
    /// The registry it serves.
    pub opened: OpenedRegistry,
    handle: axum_server::Handle<SocketAddr>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _follower: crate::assembly::ChangeFollower,
    _poller: Option<crate::repos::Poller>,
}

/// How often a server reads the change feed when nothing wakes it earlier.
pub const CHANGE_POLL: std::time::Duration = std::time::Duration::from_millis(500);

impl RunningServer {
    /// The base URL (`https://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }

    /// Stop accepting, finish in-flight requests (up to 10 s), and return.
    pub async fn shutdown(self) -> Result<()> {
        self.handle
            .graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        match self.task.await {
            Ok(r) => r.map_err(Error::from),
            Err(e) => Err(Error::new(ErrorKind::Backend, "server task failed").with_source(e)),
        }
    }

    /// Run until the process receives Ctrl-C or SIGTERM, then shut down gracefully.
    pub async fn run_until_signal(self) -> Result<()> {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        ctrl_c.await?;
        tracing::info!("shutting down");
        self.shutdown().await
    }
}

/// The host (with its port, if any) of `--public-url`: what a module
/// source names (`HOST/NS/NAME/SYSTEM`).
fn public_host(config: &ServeConfig) -> Result<Option<String>> {
    let Some(text) = &config.public_url else {
        return Ok(None);
    };
    let bad = |why: &str| {
        Error::invalid_input(format!(
            "--public-url {text:?}: {why} (give the address callers use, https://registry.example.com)"
        ))
    };
    let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("not an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("carries credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() || !matches!(url.path(), "" | "/") {
        return Err(bad(
            "module sources have no path, query or fragment after the host",
        ));
    }
    let host = url.host_str().ok_or_else(|| bad("no host"))?;
    Ok(Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }))
}

fn grant_key(config: &ServeConfig) -> Result<GrantKey> {
    let ttl = config.grant_ttl;
    if ttl < std::time::Duration::from_secs(10) || ttl > std::time::Duration::from_secs(86_400) {
        return Err(Error::invalid_input(format!(
            "--grant-ttl must be between 10s and 24h (Terraform fetches the archive right after /download), not {} s",
            ttl.as_secs_f64()
        )));
    }
    Ok(unconfigured_grant_key(config)?.with_ttl(ttl))
}

fn unconfigured_grant_key(config: &ServeConfig) -> Result<GrantKey> {
    if let Some(k) = &config.grant_key {
        return GrantKey::from_text(secrecy::ExposeSecret::expose_secret(k));
    }
    let path = config
        .grant_key_file
        .clone()
        .unwrap_or_else(|| config.registry.storage.data_dir.join("grant.key"));
    GrantKey::load_or_create(&path)
}

/// The mirror of the configured upstreams, if any.
fn mirror(
    config: &ServeConfig,
    metrics: &Arc<Metrics>,
) -> Result<Option<Arc<crate::mirror::Mirror>>> {
    // Built without upstreams too: the provider network mirror serves
    // copies imported for an air-gapped site (`registry provider import`).
    let trust = crate::trust::ClientTrust::new(&config.ca_certs)?;
    let m = crate::mirror::Mirror::new(
        &config.upstreams,
        &trust,
        config.upstream_ttl,
        config.upstream_private.clone(),
        metrics.clone(),
    )?;
    Ok(Some(Arc::new(m)))
}

/// Whether session cookies carry `Secure`: when browsers reach us over TLS,
/// ours or a proxy's in front (`--public-url https://…`).
fn secure_cookies(config: &ServeConfig) -> bool {
    config.tls_cert.is_some()
        || config
            .public_url
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
}

/// Open the registry and start serving it.
pub async fn start(config: ServeConfig) -> Result<RunningServer> {
    let metrics = Arc::new(Metrics::new());
    let opened = open_registry_with(&config.registry, Some(metrics.clone())).await?;
    if let Some(cache) = opened.storage.cache.clone() {
        metrics.set_cache_stats(Arc::new(move || cache.stats()));
    }
    let tokens = opened.storage.metadata.as_token_store();
    let repositories = opened
        .repositories
        .clone()
        .with_outbound(config.upstream_private.clone(), config.ca_certs.clone());
    let state = AppState::builder(opened.registry.clone(), tokens.clone())
        .grant_key(grant_key(&config)?)
        .require_auth(config.registry.require_auth)
        .metrics_token(metrics_token(&config)?)
        .trusted_proxies(config.trusted_proxies.clone())
        .public_host(public_host(&config)?)
        .web_sessions(crate::state::WebSessions {
            ttl: config.session_ttl,
            secure_cookie: secure_cookies(&config),
        })
        .mirror(mirror(&config, &metrics)?)
        .providers(opened.providers.clone())
        .repositories(repositories.clone())
        .oidc_sign_in(
            config
                .oidc_login
                .clone()
                .map(|c| {
                    crate::oidc::OidcSignIn::new(
                        c,
                        &crate::trust::ClientTrust::new(&config.ca_certs)?,
                    )
                })
                .transpose()?,
        )
        .trusted_publishing(crate::oidc::TrustedPublishing::new(
            opened.registry.clone(),
            opened.trusted_publishers.clone(),
            tokens.clone(),
            &crate::trust::ClientTrust::new(&config.ca_certs)?,
        )?)
        .metrics(metrics)
        .audit_log(opened.audit.clone())
        .limiter(limiter(&config).await?)
        .build()?;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(
            axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| {
                    Error::invalid_input(format!("cannot load TLS certificate or key: {e}"))
                })?,
        ),
        (None, None) => None,
        _ => {
            return Err(Error::invalid_input(
                "--tls-cert and --tls-key must be given together",
            ));
        }
    };
    let limits = config.connections;
    limits.validate()?;
    let app = router(state).layer(axum::middleware::from_fn(move |req, next| {
        crate::conn::body_deadline(limits.body_timeout, req, next)
    }));
    let app = if tls.is_some() {
        app.layer(axum::middleware::from_fn(crate::hygiene::hsts))
    } else {
        app
    }
    .into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let is_tls = tls.is_some();
    let listen = config.listen;
    let h = handle.clone();
    let admit = LimitedAcceptor::new(
        DefaultAcceptor,
        limits.max_connections,
        limits.idle_timeout + limits.header_timeout,
    );
    let task = match tls {
        Some(tls) => {
            let server =
                axum_server::bind(listen).acceptor(RustlsAcceptor::new(tls).acceptor(admit));
            let server = limits.configure(server).handle(h);
            tokio::spawn(async move { server.serve(app).await })
        }
        None => {
            let server = limits
                .configure(axum_server::bind(listen).acceptor(admit))
                .handle(h);
            tokio::spawn(async move { server.serve(app).await })
        }
    };
    let addr = match handle.listening().await {
        Some(a) => a,
        None => {
            let e = match task.await {
                Ok(Err(e)) => Error::from(e),
                _ => Error::new(ErrorKind::Backend, "server failed to start"),
            };
            return Err(Error::new(
                e.kind(),
                format!("cannot listen on {listen}: {e}"),
            ));
        }
    };
    tracing::info!(%addr, tls = is_tls, "registry listening");
    let follower = opened.follow_changes(CHANGE_POLL);
    let poller = (!config.repo_poll_interval.is_zero())
        .then(|| crate::repos::spawn_poller(repositories, config.repo_poll_interval));
    Ok(RunningServer {
        addr,
        tls: is_tls,
        opened,
        handle,
        task,
        _follower: follower,
        _poller: poller,
    })
}

/// Install the process-wide rustls crypto provider (aws-lc-rs) once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// The rate limiter: shared through Redis when the storage has a cache URL
/// (keys under the cache prefix), else this process's own.
async fn limiter(config: &ServeConfig) -> Result<crate::limits::Limiter> {
    #[cfg(feature = "redis")]
    if let Some(url) = &config.registry.storage.cache_url {
        let prefix = config
            .registry
            .storage
            .cache_prefix
            .as_deref()
            .unwrap_or(registry_storage::cache::DEFAULT_PREFIX);
        return crate::limits::Limiter::shared(config.rate_limits, url, &format!("{prefix}:"))
            .await;
    }
    Ok(crate::limits::Limiter::local(config.rate_limits))
}
