//! Who is calling: the bearer token (if any), a request id and the client
//! address; and the guard every request passes first (authentication, rate
//! limits).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use registry_core::{RequestContext, TokenInfo};

use super::AppState;
use super::error::ApiError;
use crate::limits::{LimitClass, RetryAfter};

/// The request context of a call, authenticated from `Authorization: Bearer <token>`.
/// A presented token that does not authenticate is refused (401) and audited.
#[derive(Debug, Clone)]
pub struct Ctx(pub RequestContext);

/// The token the guard authenticated, for the handlers.
#[derive(Debug, Clone)]
struct Authenticated(TokenInfo);

/// The request id the guard assigned.
#[derive(Debug, Clone)]
struct RequestId(String);

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(next_request_id)
}

/// A process-unique request id: a random per-process prefix and a counter.
fn next_request_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        rand::rng().fill_bytes(&mut b);
        hex::encode(b)
    });
    format!("{prefix}-{:x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The bearer token of a request, if it carries one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    bearer_of(&parts.headers)
}

fn bearer_of(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn client_addr(ext: &axum::http::Extensions) -> Option<String> {
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// The request context the guard established, from a request's extensions
/// (for front ends other than the axum handlers, such as gRPC).
pub fn context_from_extensions(ext: &axum::http::Extensions) -> RequestContext {
    let mut ctx = RequestContext::anonymous();
    ctx.request_id = Some(match ext.get::<RequestId>() {
        Some(RequestId(id)) => id.clone(),
        None => next_request_id(),
    });
    ctx.client_addr = client_addr(ext);
    if let Some(Authenticated(info)) = ext.get::<Authenticated>() {
        ctx.actor = info.actor();
    }
    ctx
}

fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

/// The guard's refusal in the caller's protocol: the JSON error for HTTP,
/// or, for a gRPC call, the status tonic writes (a trailers-only response
/// with `grpc-status` and the encoded `grpc-message`).
fn refusal(e: registry_core::Error, grpc: bool) -> Response {
    #[cfg(feature = "grpc")]
    if grpc {
        return crate::grpc::status_of(&e).into_http();
    }
    let _ = grpc;
    ApiError(e).into_response()
}

fn too_many(state: &AppState, class: LimitClass, wait: RetryAfter, grpc: bool) -> Response {
    state.metrics().rate_limited(class.as_str());
    let what = match class {
        LimitClass::Read => "reads",
        LimitClass::Write => "writes",
        LimitClass::AuthFailure => "failed authentications from this address",
    };
    let secs = wait.header_secs();
    let message = format!("rate limit exceeded for {what}; retry in {secs} s");
    let mut resp = refusal(
        registry_core::Error::new(registry_core::ErrorKind::RateLimited, message),
        grpc,
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

/// Runs before every route but health and metrics: refuses addresses that
/// failed authentication too often, authenticates the bearer token once
/// (401 and an audit record when it does not), then counts the request
/// against the read or write limit of its token, or of its client address
/// when anonymous.
pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if matches!(path, "/healthz" | "/readyz" | "/metrics") {
        return next.run(req).await;
    }
    let id = request_id(req.headers());
    req.extensions_mut().insert(RequestId(id.clone()));
    let addr = client_addr(req.extensions()).unwrap_or_else(|| "unknown".into());
    let limiter = state.limiter().clone();
    let grpc = is_grpc(req.headers());
    let mut key = format!("addr:{addr}");
    if let Some(token) = bearer_of(req.headers()) {
        if let Some(wait) = limiter.auth_blocked(&addr).await {
            return too_many(&state, LimitClass::AuthFailure, wait, grpc);
        }
        match state.tokens().authenticate(token, chrono::Utc::now()).await {
            Ok(info) => {
                key = format!("token:{}", info.id);
                req.extensions_mut().insert(Authenticated(info));
            }
            Err(e) => {
                limiter.auth_failed(&addr).await;
                let mut ctx = RequestContext::anonymous();
                ctx.request_id = Some(id);
                ctx.client_addr = Some(addr);
                let target = req.uri().path().to_string();
                state
                    .registry()
                    .record_refusal(&ctx, "authenticate", &target, &e)
                    .await;
                return refusal(e, grpc);
            }
        }
    }
    let read = if grpc {
        is_grpc_read(req.uri().path())
    } else {
        matches!(*req.method(), Method::GET | Method::HEAD)
    };
    let class = if read {
        LimitClass::Read
    } else {
        LimitClass::Write
    };
    if let Err(wait) = limiter.check(class, &key).await {
        return too_many(&state, class, wait, grpc);
    }
    next.run(req).await
}

/// Whether a gRPC call only reads (counted against the read limit).
fn is_grpc_read(path: &str) -> bool {
    #[cfg(feature = "grpc")]
    {
        crate::grpc::is_read_method(path)
    }
    #[cfg(not(feature = "grpc"))]
    {
        let _ = path;
        false
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let mut ctx = RequestContext::anonymous();
        ctx.request_id = Some(match parts.extensions.get::<RequestId>() {
            Some(RequestId(id)) => id.clone(),
            None => request_id(&parts.headers),
        });
        ctx.client_addr = client_addr(&parts.extensions);
        if let Some(Authenticated(info)) = parts.extensions.get::<Authenticated>() {
            ctx.actor = info.actor();
            return Ok(Ctx(ctx));
        }
        // Without the guard in front (a router assembled by hand), authenticate here.
        if let Some(token) = bearer(parts) {
            match state.tokens().authenticate(token, chrono::Utc::now()).await {
                Ok(info) => ctx.actor = info.actor(),
                Err(e) => {
                    let target = parts.uri.path().to_string();
                    state
                        .registry()
                        .record_refusal(&ctx, "authenticate", &target, &e)
                        .await;
                    return Err(ApiError(e));
                }
            }
        }
        Ok(Ctx(ctx))
    }
}
