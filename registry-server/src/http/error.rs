//! Registry errors as HTTP responses: `{"errors": ["..."]}` (plus
//! `"problems"`, structured, when validation or tests refused a publish)
//! with a status that tells the client what kind of failure it was.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use registry_core::{Error, ErrorKind};

/// A registry error on its way to the client.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

/// The `Retry-After` of a 503 when a backend failed, in seconds.
pub const BACKEND_RETRY_AFTER_SECS: u64 = 5;

/// The status code for an error kind.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::AlreadyExists | ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorKind::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::PermissionDenied | ErrorKind::QuotaExceeded => StatusCode::FORBIDDEN,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unsupported => StatusCode::NOT_IMPLEMENTED,
        // A backend that failed (down, slow, unreachable) is temporary:
        // 503 with Retry-After, so clients and proxies retry later.
        ErrorKind::Backend => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Integrity | ErrorKind::Misconfigured => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorKind::Upstream => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The client-facing text of an error. Backend failures are logged in full
/// and reported without their internals.
fn messages(e: &Error) -> Vec<String> {
    match e.kind() {
        ErrorKind::Backend => return vec!["the registry's storage failed; try again later".into()],
        ErrorKind::Misconfigured => {
            return vec!["the registry's storage refused its credentials; an operator must fix its configuration".into()];
        }
        _ => {}
    }
    let mut out = vec![e.message().to_string()];
    out.extend(e.problems().iter().map(|p| p.to_string()));
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = status_of(e.kind());
        if status.is_server_error() {
            tracing::error!(error = %e, kind = %e.kind(), "request failed");
        }
        let mut body = serde_json::json!({ "errors": messages(&e) });
        if !e.problems().is_empty() {
            // The same problems, structured (rule id, severity, position, hint).
            let problems: Vec<super::views::ProblemView> =
                e.problems().iter().map(Into::into).collect();
            body["problems"] = serde_json::to_value(problems).unwrap_or_default();
        }
        let mut resp = (status, axum::Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(BACKEND_RETRY_AFTER_SECS),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"registry\""),
            );
        }
        resp
    }
}

/// Handler result.
pub type ApiResult<T> = std::result::Result<T, ApiError>;
