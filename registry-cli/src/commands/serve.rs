//! `registry serve`: flags win over `REGISTRY_*` environment variables, which
//! win over the TOML file given by `--config`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use registry_core::{Error, Result};
use registry_server::{RegistryConfig, ServeConfig};
use secrecy::SecretString;
use serde::Deserialize;

use super::CmdResult;

/// `registry serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML file with any of the settings below (keys as the long flags, with `_`).
    #[arg(long, env = "REGISTRY_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory of the embedded default.
    #[arg(long, env = "REGISTRY_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Address to listen on: the HTTP API, the web UI and gRPC (in the
    /// default build) all answer there (default 127.0.0.1:8443).
    #[arg(long, env = "REGISTRY_LISTEN")]
    listen: Option<SocketAddr>,
    /// PEM certificate chain (serve HTTPS).
    #[arg(long, env = "REGISTRY_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// PEM private key.
    #[arg(long, env = "REGISTRY_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Metadata database URL.
    #[arg(long, env = "REGISTRY_DATABASE_URL", hide_env_values = true)]
    database_url: Option<SecretString>,
    /// PostgreSQL schema.
    #[arg(long, env = "REGISTRY_DATABASE_SCHEMA")]
    database_schema: Option<String>,
    /// Blob store URL.
    #[arg(long, env = "REGISTRY_BLOB_URL", hide_env_values = true)]
    blob_url: Option<SecretString>,
    /// Shared cache URL (`redis://…`).
    #[arg(long, env = "REGISTRY_CACHE_URL", hide_env_values = true)]
    cache_url: Option<SecretString>,
    /// Require a token for reads too. (`--require-auth=false` or REGISTRY_REQUIRE_AUTH=0 turns it off)
    #[arg(long, env = "REGISTRY_REQUIRE_AUTH", num_args = 0..=1, default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    require_auth: Option<bool>,
    /// Do not apply pending migrations on start. (`--no-migrate=false` or REGISTRY_NO_MIGRATE=0 turns it off)
    #[arg(long, env = "REGISTRY_NO_MIGRATE", num_args = 0..=1, default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    no_migrate: Option<bool>,
    /// File with the key that signs archive download grants.
    #[arg(long, env = "REGISTRY_GRANT_KEY_FILE")]
    grant_key_file: Option<PathBuf>,
    /// Allow versions that are not strict SemVer 2.0.0. (`--allow-non-semver=false` or REGISTRY_ALLOW_NON_SEMVER=0 turns it off)
    #[arg(long, env = "REGISTRY_ALLOW_NON_SEMVER", num_args = 0..=1, default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    allow_non_semver: Option<bool>,
    /// In-process cache budget in MiB (0 disables the cache; default 64).
    #[arg(long, env = "REGISTRY_MEMORY_CACHE_MB")]
    memory_cache_mb: Option<u64>,
    /// File with the archive encryption keys (or set REGISTRY_ENCRYPTION_KEYS).
    #[arg(long, env = "REGISTRY_ENCRYPTION_KEY_FILE")]
    encryption_key_file: Option<PathBuf>,
    /// Reads per token, or per client address when anonymous (`600/min`, `off`; default off).
    #[arg(long, env = "REGISTRY_RATE_LIMIT_READS")]
    rate_limit_reads: Option<String>,
    /// Writes (publish, lifecycle, delete, admin) per token or address (default `60/min`).
    #[arg(long, env = "REGISTRY_RATE_LIMIT_WRITES")]
    rate_limit_writes: Option<String>,
    /// Failed authentications per client address before it is refused (default `10/min`).
    #[arg(long, env = "REGISTRY_RATE_LIMIT_AUTH_FAILURES")]
    rate_limit_auth_failures: Option<String>,
    /// Largest accepted archive (`50MiB`, `1GiB`, bytes; default 100MiB).
    #[arg(long, env = "REGISTRY_MAX_ARCHIVE_SIZE")]
    max_archive_size: Option<String>,
    /// Most bytes of configuration files parsed per publish (`8MiB` default).
    #[arg(long, env = "REGISTRY_MAX_PARSE_SIZE")]
    max_parse_size: Option<String>,
    /// Quota: most stored versions per module.
    #[arg(long, env = "REGISTRY_MAX_VERSIONS_PER_MODULE")]
    max_versions_per_module: Option<u64>,
    /// Quota: most archive bytes per namespace (`10GiB`, bytes).
    #[arg(long, env = "REGISTRY_MAX_NAMESPACE_SIZE")]
    max_namespace_size: Option<String>,
    /// File with a scrape token for /metrics (with --require-auth, metrics
    /// need it or an admin token of every namespace).
    #[arg(long, env = "REGISTRY_METRICS_TOKEN_FILE")]
    metrics_token_file: Option<PathBuf>,
    /// Most time a request's head may take (`10s`; default 10s).
    #[arg(long, env = "REGISTRY_HTTP_HEADER_TIMEOUT")]
    http_header_timeout: Option<String>,
    /// Most time a kept-alive connection waits for its next request (default 30s).
    #[arg(long, env = "REGISTRY_HTTP_IDLE_TIMEOUT")]
    http_idle_timeout: Option<String>,
    /// Most time a request body may take to arrive (default 120s).
    #[arg(long, env = "REGISTRY_HTTP_BODY_TIMEOUT")]
    http_body_timeout: Option<String>,
    /// Most connections open at once; more are closed on arrival (default 1024).
    #[arg(long, env = "REGISTRY_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// A proxy (address or CIDR) whose X-Forwarded-For names the client;
    /// repeatable (the environment variable takes a comma-separated list).
    #[arg(
        long = "trusted-proxy",
        env = "REGISTRY_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// How long an archive URL's download grant stays valid (default 5m).
    #[arg(long, env = "REGISTRY_GRANT_TTL")]
    grant_ttl: Option<String>,
    /// The address callers reach the registry at (`https://registry.example.com`),
    /// for the module sources the web UI shows (default: the request's host).
    #[arg(long, env = "REGISTRY_PUBLIC_URL")]
    public_url: Option<String>,
    /// How long a web UI sign-in lasts (default 12h; never past the token's
    /// expiry).
    #[arg(long, env = "REGISTRY_SESSION_TTL")]
    session_ttl: Option<String>,
    /// How often every followed repository is synced besides its webhooks
    /// (default 5m; 0 turns the poll off).
    #[arg(long, env = "REGISTRY_REPO_POLL_INTERVAL")]
    repo_poll_interval: Option<String>,
    /// Sign people in to the web UI through this OpenID provider
    /// (authorization code with PKCE; https, or http on loopback).
    #[arg(long, env = "REGISTRY_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// This registry's client id at the provider.
    #[arg(long, env = "REGISTRY_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// File holding the client secret (omit for a public client).
    #[arg(long, env = "REGISTRY_OIDC_CLIENT_SECRET_FILE")]
    oidc_client_secret_file: Option<PathBuf>,
    /// The ID token claim listing a person's groups (default `groups`).
    #[arg(long, env = "REGISTRY_OIDC_ROLES_CLAIM")]
    oidc_roles_claim: Option<String>,
    /// Groups to roles: `platform-admins=*:admin,team-a=acme:publisher`.
    #[arg(long, env = "REGISTRY_OIDC_ROLE_MAP")]
    oidc_role_map: Option<String>,
    /// The scopes asked for (default `openid profile email`).
    #[arg(long, env = "REGISTRY_OIDC_SCOPES")]
    oidc_scopes: Option<String>,
    #[command(flatten)]
    mirror: super::upstream_args::UpstreamArgs,
}

fn parse_duration(flag: &str, s: &str) -> Result<std::time::Duration> {
    humantime::parse_duration(s.trim()).map_err(|e| {
        Error::invalid_input(format!(
            "--{flag}: {s:?} is not a duration such as 10s: {e}"
        ))
    })
}

fn parse_proxy(s: &str) -> Result<ipnet::IpNet> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            Error::invalid_input(format!(
                "--trusted-proxy: {s:?} is not an address or CIDR range such as 10.0.0.0/8"
            ))
        })
}

/// Parse `512`, `64KiB`, `50MiB`, `10GiB` (also KB/MB/GB as powers of 1024).
fn parse_size(flag: &str, s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().map_err(|_| {
        Error::invalid_input(format!("--{flag}: {s:?} is not a size such as 50MiB"))
    })?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => {
            return Err(Error::invalid_input(format!(
                "--{flag}: unknown size unit {other:?} in {s:?}"
            )));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| Error::invalid_input(format!("--{flag}: {s:?} is too large")))
}

fn parse_rate(flag: &str, s: &str) -> Result<Option<registry_server::RateLimit>> {
    registry_server::limits::parse_optional_limit(s)
        .map_err(|e| Error::invalid_input(format!("--{flag}: {e}")))
}

/// The TOML file's keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    listen: Option<SocketAddr>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    database_url: Option<SecretString>,
    database_schema: Option<String>,
    blob_url: Option<SecretString>,
    cache_url: Option<SecretString>,
    require_auth: Option<bool>,
    no_migrate: Option<bool>,
    grant_key_file: Option<PathBuf>,
    allow_non_semver: Option<bool>,
    memory_cache_mb: Option<u64>,
    encryption_key_file: Option<PathBuf>,
    rate_limit_reads: Option<String>,
    rate_limit_writes: Option<String>,
    rate_limit_auth_failures: Option<String>,
    max_archive_size: Option<String>,
    max_parse_size: Option<String>,
    max_versions_per_module: Option<u64>,
    max_namespace_size: Option<String>,
    metrics_token_file: Option<PathBuf>,
    http_header_timeout: Option<String>,
    http_idle_timeout: Option<String>,
    http_body_timeout: Option<String>,
    max_connections: Option<usize>,
    trusted_proxies: Option<Vec<String>>,
    grant_ttl: Option<String>,
    public_url: Option<String>,
    session_ttl: Option<String>,
    repo_poll_interval: Option<String>,
    oidc_issuer: Option<String>,
    oidc_client_id: Option<String>,
    oidc_client_secret_file: Option<PathBuf>,
    oidc_roles_claim: Option<String>,
    oidc_role_map: Option<String>,
    oidc_scopes: Option<String>,
    /// `[[upstream]]` tables: `host`, `url`, `token`, `allow`, `deny`.
    upstream: Option<Vec<registry_server::mirror::UpstreamConfig>>,
    upstream_ttl: Option<String>,
    upstream_private: Option<Vec<String>>,
    ca_cert: Option<Vec<PathBuf>>,
}

fn load_file(path: &PathBuf) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::invalid_input(format!("cannot read config file {}: {e}", path.display()))
    })?;
    toml::from_str(&text)
        .map_err(|e| Error::invalid_input(format!("invalid config file {}: {e}", path.display())))
}

impl ServeArgs {
    /// Merge flags/environment (clap) over the file.
    pub fn resolve(self) -> Result<ServeConfig> {
        let file = match &self.config {
            Some(p) => load_file(p)?,
            None => FileConfig::default(),
        };
        let mut registry = RegistryConfig::default();
        let s = &mut registry.storage;
        if let Some(d) = self.data_dir.or(file.data_dir) {
            s.data_dir = d;
        }
        s.database_url = crate::target::exposed(&self.database_url.or(file.database_url));
        s.database_schema = self.database_schema.or(file.database_schema);
        s.blob_url = crate::target::exposed(&self.blob_url.or(file.blob_url));
        s.cache_url = crate::target::exposed(&self.cache_url.or(file.cache_url));
        s.migrate = !self.no_migrate.or(file.no_migrate).unwrap_or(false);
        s.encryption_keys = std::env::var("REGISTRY_ENCRYPTION_KEYS")
            .ok()
            .filter(|k| !k.is_empty());
        s.encryption_key_file = self.encryption_key_file.or(file.encryption_key_file);
        if let Some(mb) = self.memory_cache_mb.or(file.memory_cache_mb) {
            s.memory_cache_bytes = mb * 1024 * 1024;
        }
        // Flags and environment (clap) beat the file, both ways: `false` too.
        registry.require_auth = self.require_auth.or(file.require_auth).unwrap_or(false);
        registry.policy.strict_semver = !self
            .allow_non_semver
            .or(file.allow_non_semver)
            .unwrap_or(false);
        if let Some(s) = self.max_archive_size.or(file.max_archive_size) {
            registry.limits.max_compressed_bytes = parse_size("max-archive-size", &s)?;
        }
        if let Some(s) = self.max_parse_size.or(file.max_parse_size) {
            registry.limits.max_parsed_bytes = parse_size("max-parse-size", &s)?;
        }
        registry.policy.max_versions_per_module = self
            .max_versions_per_module
            .or(file.max_versions_per_module);
        if let Some(s) = self.max_namespace_size.or(file.max_namespace_size) {
            registry.policy.max_bytes_per_namespace = Some(parse_size("max-namespace-size", &s)?);
        }
        let mut rate_limits = registry_server::RateLimits::default();
        if let Some(s) = self.rate_limit_reads.or(file.rate_limit_reads) {
            rate_limits.reads = parse_rate("rate-limit-reads", &s)?;
        }
        if let Some(s) = self.rate_limit_writes.or(file.rate_limit_writes) {
            rate_limits.writes = parse_rate("rate-limit-writes", &s)?;
        }
        if let Some(s) = self
            .rate_limit_auth_failures
            .or(file.rate_limit_auth_failures)
        {
            rate_limits.auth_failures = parse_rate("rate-limit-auth-failures", &s)?;
        }
        let mut connections = registry_server::conn::ConnectionLimits::default();
        if let Some(s) = self.http_header_timeout.or(file.http_header_timeout) {
            connections.header_timeout = parse_duration("http-header-timeout", &s)?;
        }
        if let Some(s) = self.http_idle_timeout.or(file.http_idle_timeout) {
            connections.idle_timeout = parse_duration("http-idle-timeout", &s)?;
        }
        if let Some(s) = self.http_body_timeout.or(file.http_body_timeout) {
            connections.body_timeout = parse_duration("http-body-timeout", &s)?;
        }
        if let Some(n) = self.max_connections.or(file.max_connections) {
            connections.max_connections = n;
        }
        connections.validate()?;
        let proxies = if self.trusted_proxies.is_empty() {
            file.trusted_proxies.unwrap_or_default()
        } else {
            self.trusted_proxies
        };
        let trusted_proxies = proxies
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| parse_proxy(p))
            .collect::<Result<Vec<_>>>()?;
        let defaults = ServeConfig::default();
        let grant_ttl = match self.grant_ttl.or(file.grant_ttl) {
            Some(s) => parse_duration("grant-ttl", &s)?,
            None => defaults.grant_ttl,
        };
        let session_ttl = match self.session_ttl.or(file.session_ttl) {
            Some(s) => parse_duration("session-ttl", &s)?,
            None => defaults.session_ttl,
        };
        if session_ttl.is_zero() {
            return Err(Error::invalid_input("--session-ttl must be longer than 0s"));
        }
        let oidc_login = oidc_login(OidcArgs {
            issuer: self.oidc_issuer.or(file.oidc_issuer),
            client_id: self.oidc_client_id.or(file.oidc_client_id),
            client_secret_file: self
                .oidc_client_secret_file
                .or(file.oidc_client_secret_file),
            roles_claim: self.oidc_roles_claim.or(file.oidc_roles_claim),
            role_map: self.oidc_role_map.or(file.oidc_role_map),
            scopes: self.oidc_scopes.or(file.oidc_scopes),
        })?;
        let repo_poll_interval = match self.repo_poll_interval.or(file.repo_poll_interval) {
            Some(s) => parse_duration("repo-poll-interval", &s)?,
            None => defaults.repo_poll_interval,
        };
        let upstream_ttl = match self.mirror.upstream_ttl.clone().or(file.upstream_ttl) {
            Some(s) => parse_duration("upstream-ttl", &s)?,
            None => defaults.upstream_ttl,
        };
        let ca_certs = if self.mirror.ca_certs.is_empty() {
            file.ca_cert.unwrap_or_default()
        } else {
            self.mirror.ca_certs.clone()
        };
        let upstream_private =
            crate::commands::upstream_args::private_networks(if self.mirror.private.is_empty() {
                file.upstream_private.unwrap_or_default()
            } else {
                self.mirror.private.clone()
            })?;
        let upstreams = self.mirror.resolve(file.upstream)?;
        Ok(ServeConfig {
            oidc_login,
            repo_poll_interval,
            upstream_private,
            grant_ttl,
            session_ttl,
            upstreams,
            upstream_ttl,
            ca_certs,
            public_url: self.public_url.or(file.public_url),
            connections,
            trusted_proxies,
            rate_limits,
            registry,
            listen: self.listen.or(file.listen).unwrap_or(defaults.listen),
            tls_cert: self.tls_cert.or(file.tls_cert),
            tls_key: self.tls_key.or(file.tls_key),
            grant_key_file: self.grant_key_file.or(file.grant_key_file),
            metrics_token_file: self.metrics_token_file.or(file.metrics_token_file),
            grant_key: std::env::var("REGISTRY_GRANT_KEY")
                .ok()
                .filter(|k| !k.is_empty())
                .map(SecretString::from),
        })
    }
}

/// The `--oidc-*` options, as given.
struct OidcArgs {
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret_file: Option<PathBuf>,
    roles_claim: Option<String>,
    role_map: Option<String>,
    scopes: Option<String>,
}

/// OpenID sign-in when `--oidc-issuer` is given: the client id and the
/// role map are then required; the secret is read from its file.
fn oidc_login(a: OidcArgs) -> Result<Option<registry_server::oidc::OidcLoginConfig>> {
    let Some(issuer) = a.issuer else {
        if a.client_id.is_some() || a.role_map.is_some() {
            return Err(Error::invalid_input(
                "--oidc-client-id and --oidc-role-map need --oidc-issuer",
            ));
        }
        return Ok(None);
    };
    let client_id = a
        .client_id
        .ok_or_else(|| Error::invalid_input("--oidc-issuer needs --oidc-client-id"))?;
    let role_map = a.role_map.ok_or_else(|| {
        Error::invalid_input(
            "--oidc-issuer needs --oidc-role-map (which groups get which role: platform-admins=*:admin,team-a=acme:publisher)",
        )
    })?;
    let client_secret = a
        .client_secret_file
        .map(|f| {
            std::fs::read_to_string(&f)
                .map(|s| SecretString::from(s.trim().to_string()))
                .map_err(|e| {
                    Error::invalid_input(format!("--oidc-client-secret-file {}: {e}", f.display()))
                })
        })
        .transpose()?;
    Ok(Some(registry_server::oidc::OidcLoginConfig {
        issuer: issuer.trim_end_matches('/').to_string(),
        client_id,
        client_secret,
        roles_claim: a.roles_claim.unwrap_or_else(|| "groups".into()),
        role_map: registry_server::oidc::parse_role_map(&role_map)?,
        scopes: a.scopes.unwrap_or_else(|| "openid profile email".into()),
    }))
}

/// Serve until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> CmdResult {
    let config = args.resolve()?;
    let server = registry_server::start(config).await?;
    eprintln!("registry listening on {}", server.url());
    server.run_until_signal().await?;
    Ok(0)
}
