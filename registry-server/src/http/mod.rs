//! The HTTP API as an axum [`Router`] other services can mount:
//! the Terraform Module Registry Protocol, the public registry's read API,
//! publishing and lifecycle, health and metrics.

mod context;
mod error;
mod json;
mod lifecycle;
mod protocol;
mod publish;
mod read;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use registry_core::{Registry, TokenStore};

use crate::grant::GrantKey;
use crate::metrics::Metrics;

pub use context::Ctx;
pub use error::ApiError;

/// Route prefix of the modules API, as announced by service discovery.
pub const MODULES_PATH: &str = "/v1/modules/";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<StateInner>,
}

/// Rendered `/versions` bodies, valid while the registry hands out the same
/// shared version list (a new list after any change means a re-render).
type RenderedVersions = std::sync::Mutex<
    std::collections::HashMap<String, (Arc<Vec<registry_core::ModuleRecord>>, bytes::Bytes)>,
>;

struct StateInner {
    rendered_versions: RenderedVersions,
    search: Option<Arc<registry_docs::TantivySearchIndex>>,
    audit: Option<Arc<dyn registry_core::AuditLog>>,
    registry: Registry,
    tokens: Arc<dyn TokenStore>,
    grants: GrantKey,
    require_auth: bool,
    metrics: Arc<Metrics>,
    limiter: crate::limits::Limiter,
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
    /// Shared state for the router.
    pub fn new(
        registry: Registry,
        tokens: Arc<dyn TokenStore>,
        grants: GrantKey,
        require_auth: bool,
        metrics: Arc<Metrics>,
    ) -> Self {
        AppState {
            inner: Arc::new(StateInner {
                rendered_versions: Default::default(),
                search: None,
                audit: None,
                registry,
                tokens,
                grants,
                require_auth,
                metrics,
                limiter: crate::limits::Limiter::local(crate::limits::RateLimits::default()),
            }),
        }
    }

    /// Give the state the search index, so admins can rebuild it over HTTP.
    pub fn with_search_index(mut self, index: Arc<registry_docs::TantivySearchIndex>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.search = Some(index);
        }
        self
    }

    /// Enforce these rate limits (the default: [`RateLimits::default`](crate::limits::RateLimits::default), per process).
    pub fn with_limiter(mut self, limiter: crate::limits::Limiter) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.limiter = limiter;
        }
        self
    }

    /// The rate limiter (shared with other front ends such as gRPC).
    pub fn limiter(&self) -> &crate::limits::Limiter {
        &self.inner.limiter
    }

    /// The token store.
    pub fn tokens(&self) -> &Arc<dyn TokenStore> {
        &self.inner.tokens
    }

    /// Give the state the audit log, so admins can read and verify it over HTTP.
    pub fn with_audit_log(mut self, log: Arc<dyn registry_core::AuditLog>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.audit = Some(log);
        }
        self
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// The `/versions` body for a module's current version list, rendered
    /// once per list.
    pub(crate) fn versions_body(
        &self,
        key: &str,
        records: &Arc<Vec<registry_core::ModuleRecord>>,
    ) -> bytes::Bytes {
        let mut cache = self
            .inner
            .rendered_versions
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((list, body)) = cache.get(key)
            && Arc::ptr_eq(list, records)
        {
            return body.clone();
        }
        let doc = json::versions(&records[0].address.to_string(), records);
        let body = bytes::Bytes::from(serde_json::to_vec(&doc).unwrap_or_default());
        if cache.len() >= 4096 {
            cache.clear();
        }
        cache.insert(key.to_string(), (records.clone(), body.clone()));
        body
    }
}

/// The complete HTTP API.
pub fn router(state: AppState) -> Router {
    let modules = Router::new()
        .route("/", get(read::list_all))
        .route("/search", get(read::search))
        .route("/{ns}", get(read::list_namespace))
        .route("/{ns}/{name}", get(read::list_name))
        .route("/{ns}/{name}/{system}", get(read::latest_detail))
        .route("/{ns}/{name}/{system}/versions", get(protocol::versions))
        .route("/{ns}/{name}/{system}/{version}/docs", get(read::docs))
        .route("/{ns}/{name}/{system}/{version}/schema", get(read::schema))
        .route(
            "/{ns}/{name}/{system}/{version}/examples",
            get(read::examples),
        )
        .route(
            "/{ns}/{name}/{system}/download",
            get(protocol::download_latest),
        )
        .route(
            "/{ns}/{name}/{system}/{version}",
            get(read::version_detail)
                .put(publish::publish)
                .delete(lifecycle::delete),
        )
        .route(
            "/{ns}/{name}/{system}/{version}/download",
            get(protocol::download),
        )
        .route(
            "/{ns}/{name}/{system}/{version}/{archive}",
            get(protocol::archive).head(protocol::archive_head),
        )
        .route(
            "/{ns}/{name}/{system}/{version}/deprecate",
            post(lifecycle::deprecate),
        )
        .route(
            "/{ns}/{name}/{system}/{version}/undeprecate",
            post(lifecycle::undeprecate),
        )
        .route(
            "/{ns}/{name}/{system}/{version}/yank",
            post(lifecycle::yank),
        )
        .route(
            "/{ns}/{name}/{system}/{version}/unyank",
            post(lifecycle::unyank),
        );
    Router::new()
        .route("/.well-known/terraform.json", get(protocol::discovery))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .nest("/v1/modules", modules)
        .route("/v1/admin/reindex", post(read::reindex))
        .route("/v1/audit", get(read::audit_list))
        .route("/v1/audit/verify", get(read::audit_verify))
        .fallback(|| async { ApiError::from(registry_core::Error::not_found("no such route")) })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            context::guard,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn readyz(State(state): State<AppState>) -> Response {
    let probe = registry_core::Filter {
        limit: 1,
        ..registry_core::Filter::all()
    };
    match state.registry().storage().list_modules(&probe).await {
        Ok(_) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable\n").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut r = state.metrics().render().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

/// Count and time every request by its route template (never the raw path,
/// so labels stay bounded and carry no secrets).
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    state
        .metrics()
        .http(&route, &method, resp.status().as_u16(), started.elapsed());
    resp
}
