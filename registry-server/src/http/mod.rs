//! The HTTP API as an axum [`Router`] other services can mount:
//! the Terraform Module Registry Protocol, the public registry's read API,
//! publishing and lifecycle, health and metrics.

mod context;
mod error;
mod json;
mod lifecycle;
mod openapi;
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
use registry_core::{Registry, TokenStore};
use utoipa::OpenApi as _;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::grant::GrantKey;
use crate::metrics::Metrics;

pub use context::{Ctx, context_from_extensions};
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
    router_and_openapi(state).0
}

/// The OpenAPI document of [`router`], as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

/// Every documented route, registered from the handlers' `#[utoipa::path]`
/// attributes so the router and its OpenAPI document cannot drift.
fn api_router() -> OpenApiRouter<AppState> {
    let modules = OpenApiRouter::<AppState>::new()
        .routes(routes!(read::list_all))
        .routes(routes!(read::search))
        .routes(routes!(read::list_namespace))
        .routes(routes!(read::list_name))
        .routes(routes!(read::latest_detail))
        .routes(routes!(protocol::versions))
        .routes(routes!(read::docs))
        .routes(routes!(read::schema))
        .routes(routes!(read::examples))
        .routes(routes!(protocol::download_latest))
        .routes(routes!(
            read::version_detail,
            publish::publish,
            lifecycle::delete
        ))
        .routes(routes!(protocol::download))
        .routes(routes!(protocol::archive, protocol::archive_head))
        .routes(routes!(lifecycle::deprecate))
        .routes(routes!(lifecycle::undeprecate))
        .routes(routes!(lifecycle::yank))
        .routes(routes!(lifecycle::unyank));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(protocol::discovery))
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(openapi_json))
        .nest("/v1/modules", modules)
        .routes(routes!(read::reindex))
        .routes(routes!(read::audit_list))
        .routes(routes!(read::audit_verify))
}

/// The router and its OpenAPI document.
pub fn router_and_openapi(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, api) = api_router().split_for_parts();
    let spec = bytes::Bytes::from(api.to_pretty_json().unwrap_or_default());
    let router = router.layer(axum::Extension(OpenApiJson(spec)));
    // gRPC on the same port, behind the same guard (tokens, rate limits).
    #[cfg(feature = "grpc")]
    let router = router.route_service(
        &format!("{}{{*method}}", crate::grpc::PATH_PREFIX),
        crate::grpc::GrpcRegistry::new(state.clone()).into_server(),
    );
    let router = router
        .fallback(|| async { ApiError::from(registry_core::Error::not_found("no such route")) })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            context::guard,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state);
    (router, api)
}

#[derive(Clone)]
struct OpenApiJson(bytes::Bytes);

/// This API's OpenAPI 3.1 description.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
async fn openapi_json(
    axum::Extension(OpenApiJson(spec)): axum::Extension<OpenApiJson>,
) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], spec).into_response()
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "`ok`", content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the metadata store answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "`ready`", content_type = "text/plain"), (status = 503, description = "Storage unavailable", content_type = "text/plain")))]
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

/// Prometheus metrics (OpenMetrics text).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Downloads, uploads, resolve and docs timings, cache hits and misses by tier, HTTP requests by route and status, rate-limit refusals", content_type = "application/openmetrics-text")))]
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
