//! What every answer carries and every request is held to, whichever
//! handler ran: `X-Content-Type-Options: nosniff`; `Cache-Control: private`
//! on answers to requests with credentials (so no shared cache keeps them);
//! an error without a body (a 405 from the router, say) gets the API's
//! JSON error body; and a request whose target or headers are too large is
//! refused in JSON (414, 431) here rather than in plain text by hyper,
//! whose own limits are set above these.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Body as _;

/// The longest request target (path and query), in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most bytes of request headers (names and values).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most request headers.
pub const MAX_HEADERS: usize = 100;

/// hyper's own buffer and header-count limits: above ours, so ours answer.
pub const HYPER_MAX_BUF: usize = 1024 * 1024;
/// See [`HYPER_MAX_BUF`].
pub const HYPER_MAX_HEADERS: usize = 1_000;

fn json_error(status: StatusCode, message: String) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "errors": [message] })),
    )
        .into_response()
}

/// Refuse what is too large before any handler sees it.
fn oversized(req: &Request) -> Option<Response> {
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().len())
        .unwrap_or(0);
    if target > MAX_URI_BYTES {
        return Some(json_error(
            StatusCode::URI_TOO_LONG,
            format!("the request target is {target} bytes; at most {MAX_URI_BYTES} are allowed"),
        ));
    }
    let headers = req.headers();
    if headers.len() > MAX_HEADERS {
        return Some(json_error(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request has {} headers; at most {MAX_HEADERS} are allowed",
                headers.len()
            ),
        ));
    }
    let bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if bytes > MAX_HEADER_BYTES {
        return Some(json_error(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request headers hold {bytes} bytes; at most {MAX_HEADER_BYTES} are allowed"
            ),
        ));
    }
    None
}

/// The middleware.
pub async fn hygiene(req: Request, next: Next) -> Response {
    // A web session's cookie is a credential as much as a bearer token.
    let with_credentials = req.headers().contains_key(header::AUTHORIZATION)
        || req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("registry_session="));
    let mut resp = match oversized(&req) {
        Some(r) => r,
        None => next.run(req).await,
    };
    let status = resp.status();
    if (status.is_client_error() || status.is_server_error())
        && resp.body().size_hint().exact() == Some(0)
    {
        let reason = status.canonical_reason().unwrap_or("error").to_lowercase();
        let fresh = json_error(status, reason);
        let (mut parts, _) = resp.into_parts();
        let (fresh_parts, body) = fresh.into_parts();
        parts.headers.insert(
            header::CONTENT_TYPE,
            fresh_parts.headers[header::CONTENT_TYPE].clone(),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
        resp = Response::from_parts(parts, body);
    }
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if with_credentials {
        let public = h
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("public"));
        let revalidate = h
            .get(header::CACHE_CONTROL)
            .is_some_and(|v| v.as_bytes() == b"no-cache");
        if public || !h.contains_key(header::CACHE_CONTROL) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
        } else if revalidate {
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            );
        }
    }
    resp
}

/// `Strict-Transport-Security` on every answer over TLS (a year).
pub async fn hsts(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    resp.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    resp
}
