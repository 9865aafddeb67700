//! Who is calling: the bearer token (if any), a request id and the client address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use rand::RngCore;
use registry_core::RequestContext;

use super::AppState;
use super::error::ApiError;

/// The request context of a call, authenticated from `Authorization: Bearer <token>`.
/// A presented token that does not authenticate is refused (401) and audited.
#[derive(Debug, Clone)]
pub struct Ctx(pub RequestContext);

fn request_id(parts: &Parts) -> String {
    parts
        .headers
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
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let mut ctx = RequestContext::anonymous();
        ctx.request_id = Some(request_id(parts));
        ctx.client_addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        if let Some(token) = bearer(parts) {
            match state
                .inner
                .tokens
                .authenticate(token, chrono::Utc::now())
                .await
            {
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
