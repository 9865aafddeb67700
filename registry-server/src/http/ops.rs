//! Operations: liveness, readiness, Prometheus metrics and the OpenAPI
//! document.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Whether this request may read metrics while reads need auth.
async fn metrics_access(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    ext: &axum::http::Extensions,
) -> registry_core::Result<()> {
    let Some(presented) = crate::guard::bearer(headers) else {
        return Err(registry_core::Error::new(
            registry_core::ErrorKind::Unauthenticated,
            "metrics need a token when reads need auth",
        ));
    };
    if let Some(scrape) = state.metrics_token()
        && registry_core::constant_time_eq(
            presented.as_bytes(),
            secrecy::ExposeSecret::expose_secret(scrape).as_bytes(),
        )
    {
        return Ok(());
    }
    let ctx = crate::guard::authenticate_unguarded(state, headers, ext, "/metrics").await?;
    state.registry().authorize_admin(&ctx, "metrics").await
}

/// The OpenAPI document, rendered once per process.
fn openapi_bytes() -> &'static bytes::Bytes {
    static DOC: std::sync::OnceLock<bytes::Bytes> = std::sync::OnceLock::new();
    DOC.get_or_init(|| bytes::Bytes::from(super::openapi().to_pretty_json().unwrap_or_default()))
}

/// An OpenAPI 3.1 document (this one), described at its top level.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OpenApiDocumentView {
    /// `3.1.0`.
    openapi: String,
    /// Title, description and version of the API.
    #[schema(value_type = Object)]
    info: serde_json::Value,
    /// Every route, by path template.
    #[schema(value_type = BTreeMap<String, Object>)]
    paths: std::collections::BTreeMap<String, serde_json::Value>,
    /// Schemas and security schemes.
    #[schema(value_type = Object)]
    components: serde_json::Value,
}

/// This API's OpenAPI 3.1 description.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = OpenApiDocumentView)))]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi_bytes().clone(),
    )
        .into_response()
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "`ok`", content_type = "text/plain")))]
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the metadata store answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "`ready`", content_type = "text/plain"), (status = 503, description = "Storage unavailable", content_type = "text/plain")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
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

/// Prometheus metrics (OpenMetrics text). They name modules of every
/// namespace, so when reads need auth they need the scrape token
/// (`--metrics-token-file`) or an admin token of every namespace.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Downloads, uploads, resolve and docs timings, cache hits and misses by tier, HTTP requests by route and status, rate-limit refusals", content_type = "application/openmetrics-text"),
        (status = 401, description = "Reads need auth and no valid token was given", body = super::openapi::ErrorBody),
        (status = 403, description = "The token is neither the scrape token nor an admin of every namespace", body = super::openapi::ErrorBody)))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    request: axum::extract::Request,
) -> Response {
    if state.require_auth()
        && let Err(e) = metrics_access(&state, &headers, request.extensions()).await
    {
        return super::error::ApiError(e).into_response();
    }
    let mut r = state.metrics().render().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}
