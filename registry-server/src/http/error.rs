//! Registry errors as HTTP responses: `{"errors": ["..."]}` with a status
//! that tells the client what kind of failure it was.

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
        ErrorKind::Integrity | ErrorKind::Backend => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The client-facing text of an error. Backend failures are logged in full
/// and reported without their internals.
fn messages(e: &Error) -> Vec<String> {
    if matches!(e.kind(), ErrorKind::Backend) {
        return vec!["the registry's storage failed; try again later".into()];
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
        let body = serde_json::json!({ "errors": messages(&e) });
        let mut resp = (status, axum::Json(body)).into_response();
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
