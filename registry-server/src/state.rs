//! What every request handler shares, built once with [`AppState::builder`]:
//! the registry, token store, grant key, rate limiter, metrics and audit log.

use std::sync::Arc;

use registry_core::{AuditLog, Error, ErrorKind, Registry, Result, TokenStore};

use crate::grant::GrantKey;
use crate::limits::{Limiter, RateLimits};
use crate::metrics::Metrics;

/// Shared state of the HTTP API, the gRPC service and the guard in front of
/// both. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<StateInner>,
}

struct StateInner {
    registry: Registry,
    tokens: Arc<dyn TokenStore>,
    grants: GrantKey,
    require_auth: bool,
    metrics: Arc<Metrics>,
    limiter: Limiter,
    audit: Option<Arc<dyn AuditLog>>,
    /// `terraform login` codes this process has redeemed (each works once).
    redeemed_login_codes: moka::sync::Cache<String, ()>,
    metrics_token: Option<secrecy::SecretString>,
    trusted_proxies: Vec<ipnet::IpNet>,
    public_host: Option<String>,
    web_sessions: WebSessions,
    mirror: Option<Arc<crate::mirror::Mirror>>,
    providers: Option<registry_providers::ProviderRegistry>,
    repositories: Option<crate::repos::Repositories>,
    trusted_publishing: Option<crate::oidc::TrustedPublishing>,
    oidc_sign_in: Option<crate::oidc::OidcSignIn>,
}

/// How the web UI's sign-in sessions behave.
#[derive(Debug, Clone, Copy)]
pub struct WebSessions {
    /// How long a session lasts (never past its token's expiry).
    pub ttl: std::time::Duration,
    /// Whether the cookie carries `Secure` (browsers reach us over TLS).
    pub secure_cookie: bool,
}

impl Default for WebSessions {
    fn default() -> Self {
        WebSessions {
            ttl: crate::serve::DEFAULT_SESSION_TTL,
            secure_cookie: false,
        }
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("registry", &self.inner.registry)
            .field("require_auth", &self.inner.require_auth)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Start building the state around a registry and its token store.
    pub fn builder(registry: Registry, tokens: Arc<dyn TokenStore>) -> AppStateBuilder {
        AppStateBuilder {
            registry,
            tokens,
            grants: None,
            require_auth: false,
            metrics: None,
            limiter: None,
            audit: None,
            metrics_token: None,
            trusted_proxies: Vec::new(),
            public_host: None,
            web_sessions: WebSessions::default(),
            mirror: None,
            providers: None,
            repositories: None,
            trusted_publishing: None,
            oidc_sign_in: None,
        }
    }

    /// The pull-through mirror of upstream registries, when any is configured.
    pub fn mirror(&self) -> Option<&crate::mirror::Mirror> {
        self.inner.mirror.as_deref()
    }

    /// The private provider registry; `Unsupported` when this state was
    /// built without one.
    pub fn providers(&self) -> Result<&registry_providers::ProviderRegistry> {
        self.inner.providers.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                "this server was assembled without a provider registry",
            )
        })
    }

    /// The repositories modules follow; `Unsupported` when this state was
    /// built without them.
    pub fn repositories(&self) -> Result<&crate::repos::Repositories> {
        self.inner.repositories.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                "this server was assembled without followed repositories",
            )
        })
    }

    /// Trusted publishing (policies and the OIDC exchange); `Unsupported`
    /// when this state was built without it.
    pub fn trusted_publishing(&self) -> Result<&crate::oidc::TrustedPublishing> {
        self.inner.trusted_publishing.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                "this server was assembled without trusted publishing",
            )
        })
    }

    /// Sign-in through an OpenID provider, when one is configured.
    pub fn oidc_sign_in(&self) -> Option<&crate::oidc::OidcSignIn> {
        self.inner.oidc_sign_in.as_ref()
    }

    /// How web UI sessions behave.
    pub fn web_sessions(&self) -> WebSessions {
        self.inner.web_sessions
    }

    /// The host callers name this registry by (`--public-url`), if set.
    pub fn public_host(&self) -> Option<&str> {
        self.inner.public_host.as_deref()
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The token store.
    pub fn tokens(&self) -> &Arc<dyn TokenStore> {
        &self.inner.tokens
    }

    /// The key that signs archive grants.
    pub fn grants(&self) -> &GrantKey {
        &self.inner.grants
    }

    /// Whether reads need a token.
    pub fn require_auth(&self) -> bool {
        self.inner.require_auth
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// The scrape token that reads `/metrics` when reads need auth.
    pub fn metrics_token(&self) -> Option<&secrecy::SecretString> {
        self.inner.metrics_token.as_ref()
    }

    /// The proxies whose `X-Forwarded-For` names the client.
    pub fn trusted_proxies(&self) -> &[ipnet::IpNet] {
        &self.inner.trusted_proxies
    }

    /// The rate limiter (shared by every front end).
    pub fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// The audit log admins read over the API.
    pub fn audit_log(&self) -> Result<&Arc<dyn AuditLog>> {
        self.inner
            .audit
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::Unsupported, "no audit log is configured"))
    }

    /// The `terraform login` codes this process has redeemed.
    pub fn redeemed_login_codes(&self) -> &moka::sync::Cache<String, ()> {
        &self.inner.redeemed_login_codes
    }
}

/// Builds an [`AppState`]; every part but the registry and tokens has a default.
pub struct AppStateBuilder {
    registry: Registry,
    tokens: Arc<dyn TokenStore>,
    grants: Option<GrantKey>,
    require_auth: bool,
    metrics: Option<Arc<Metrics>>,
    limiter: Option<Limiter>,
    audit: Option<Arc<dyn AuditLog>>,
    metrics_token: Option<secrecy::SecretString>,
    trusted_proxies: Vec<ipnet::IpNet>,
    public_host: Option<String>,
    web_sessions: WebSessions,
    mirror: Option<Arc<crate::mirror::Mirror>>,
    providers: Option<registry_providers::ProviderRegistry>,
    repositories: Option<crate::repos::Repositories>,
    trusted_publishing: Option<crate::oidc::TrustedPublishing>,
    oidc_sign_in: Option<crate::oidc::OidcSignIn>,
}

impl std::fmt::Debug for AppStateBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppStateBuilder")
            .field("require_auth", &self.require_auth)
            .finish_non_exhaustive()
    }
}

impl AppStateBuilder {
    /// The key that signs archive grants (default: a fresh random key, so
    /// grants only verify in this process).
    pub fn grant_key(mut self, key: GrantKey) -> Self {
        self.grants = Some(key);
        self
    }

    /// A scrape token for `/metrics` (besides admin tokens) when reads need auth.
    pub fn metrics_token(mut self, token: Option<secrecy::SecretString>) -> Self {
        self.metrics_token = token;
        self
    }

    /// Proxies (addresses or CIDR ranges) trusted to name the client in
    /// `X-Forwarded-For`; from any other peer the header is ignored.
    pub fn trusted_proxies(mut self, proxies: Vec<ipnet::IpNet>) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// The host (and port) callers name this registry by in module
    /// sources; without it, pages use the request's `Host`.
    pub fn public_host(mut self, host: Option<String>) -> Self {
        self.public_host = host;
        self
    }

    /// How web UI sessions behave (default: 12 h, no `Secure`).
    pub fn web_sessions(mut self, sessions: WebSessions) -> Self {
        self.web_sessions = sessions;
        self
    }

    /// The pull-through mirror of upstream registries.
    pub fn mirror(mut self, mirror: Option<Arc<crate::mirror::Mirror>>) -> Self {
        self.mirror = mirror;
        self
    }

    /// The private provider registry.
    pub fn providers(mut self, providers: registry_providers::ProviderRegistry) -> Self {
        self.providers = Some(providers);
        self
    }

    /// The repositories modules follow.
    pub fn repositories(mut self, repositories: crate::repos::Repositories) -> Self {
        self.repositories = Some(repositories);
        self
    }

    /// Sign-in through an OpenID provider.
    pub fn oidc_sign_in(mut self, sign_in: Option<crate::oidc::OidcSignIn>) -> Self {
        self.oidc_sign_in = sign_in;
        self
    }

    /// Trusted publishing (policies and the OIDC exchange).
    pub fn trusted_publishing(mut self, publishing: crate::oidc::TrustedPublishing) -> Self {
        self.trusted_publishing = Some(publishing);
        self
    }

    /// Require a token for reads.
    pub fn require_auth(mut self, yes: bool) -> Self {
        self.require_auth = yes;
        self
    }

    /// Where metrics go (default: a fresh registry of metrics).
    pub fn metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The rate limiter (default: [`RateLimits::default`], per process).
    pub fn limiter(mut self, limiter: Limiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The audit log admins can read and verify over the API.
    pub fn audit_log(mut self, log: Arc<dyn AuditLog>) -> Self {
        self.audit = Some(log);
        self
    }

    /// The state.
    pub fn build(self) -> Result<AppState> {
        let grants = match self.grants {
            Some(g) => g,
            None => {
                use rand::RngCore as _;
                let mut key = vec![0u8; 32];
                rand::rng().fill_bytes(&mut key);
                GrantKey::new(key)?
            }
        };
        Ok(AppState {
            inner: Arc::new(StateInner {
                registry: self.registry,
                tokens: self.tokens,
                grants,
                require_auth: self.require_auth,
                metrics: self.metrics.unwrap_or_else(|| Arc::new(Metrics::new())),
                limiter: self
                    .limiter
                    .unwrap_or_else(|| Limiter::local(RateLimits::default())),
                audit: self.audit,
                redeemed_login_codes: moka::sync::Cache::builder()
                    .max_capacity(100_000)
                    .time_to_live(std::time::Duration::from_secs(86_400))
                    .build(),
                metrics_token: self.metrics_token,
                trusted_proxies: self.trusted_proxies,
                public_host: self.public_host,
                web_sessions: self.web_sessions,
                mirror: self.mirror,
                providers: self.providers,
                repositories: self.repositories,
                trusted_publishing: self.trusted_publishing,
                oidc_sign_in: self.oidc_sign_in,
            }),
        })
    }
}
