//! The web UI (feature `ui`): pages for finding, reading and comparing
//! modules, rendered on the server (maud) and readable with scripts off,
//! at `/`, `/search`, `/modules/NS`, `/modules/NS/NAME/SYSTEM[/VERSION]`,
//! a version's submodules and examples, and the API diff of two versions.
//! Every page reads through the same [`Registry`](registry_core::Registry)
//! calls the API makes (latest version, lifecycle, authorization), as the
//! caller the guard authenticated. Module text (README, descriptions,
//! names) is hostile: it is escaped, or rendered from Markdown and
//! sanitised (ammonia), and every page carries a Content-Security-Policy
//! that runs no script but our own.

mod layout;
mod markdown;
mod pages;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use registry_core::{Error, ErrorKind};

use crate::guard::FrontEnd;
use crate::state::AppState;

/// The UI's routes (unguarded here; [`crate::app::router`] puts the guard
/// in front).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home::home))
        .route("/search", get(pages::search::search))
        .route("/modules/{ns}", get(pages::namespace::namespace))
        .route("/modules/{ns}/{name}/{system}", get(pages::module::latest))
        .route(
            "/modules/{ns}/{name}/{system}/{version}",
            get(pages::module::version),
        )
        .route(
            "/modules/{ns}/{name}/{system}/{version}/submodules/{*path}",
            get(pages::part::submodule),
        )
        .route(
            "/modules/{ns}/{name}/{system}/{version}/examples/{*path}",
            get(pages::part::example),
        )
        .route(
            "/modules/{ns}/{name}/{system}/{version}/files/{*path}",
            get(pages::files::file),
        )
        .route(
            "/modules/{ns}/{name}/{system}/diff/{range}",
            get(pages::diff::diff),
        )
        .route("/static/ui.css", get(layout::stylesheet))
}

/// Whether a path is one of the UI's.
fn is_ui_path(path: &str) -> bool {
    path == "/"
        || path == "/search"
        || path.starts_with("/modules/")
        || path.starts_with("/static/")
}

/// The UI as the guard sees it: its pages, read-only, refusals as pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct UiFrontEnd;

impl FrontEnd for UiFrontEnd {
    fn claims(&self, req: &Request) -> bool {
        matches!(*req.method(), Method::GET | Method::HEAD) && is_ui_path(req.uri().path())
    }

    fn is_read(&self, _req: &Request) -> bool {
        true
    }

    fn is_exempt(&self, req: &Request) -> bool {
        req.uri().path().starts_with("/static/")
    }

    fn refuse(&self, error: Error) -> Response {
        UiError(error).into_response()
    }
}

/// The UI front end, shared.
pub fn front_end() -> Arc<dyn FrontEnd> {
    Arc::new(UiFrontEnd)
}

/// An error shown as a page, with the API's status for its kind.
#[derive(Debug)]
pub struct UiError(pub Error);

impl From<Error> for UiError {
    fn from(e: Error) -> Self {
        UiError(e)
    }
}

impl From<crate::http::ApiError> for UiError {
    fn from(e: crate::http::ApiError) -> Self {
        UiError(e.0)
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let status = crate::http::status_of(self.0.kind());
        let (title, text) = match self.0.kind() {
            ErrorKind::NotFound => ("Not found", self.0.to_string()),
            ErrorKind::Unauthenticated => (
                "Sign-in needed",
                "This registry requires a token to read its modules.".to_string(),
            ),
            ErrorKind::PermissionDenied => (
                "Not allowed",
                "Your token may not read this namespace.".to_string(),
            ),
            ErrorKind::InvalidInput => ("Bad request", self.0.to_string()),
            ErrorKind::RateLimited => (
                "Slow down",
                "Too many requests; try again in a moment.".to_string(),
            ),
            // Backend details stay in the server log.
            _ => (
                "Something went wrong",
                "The registry could not answer; try again later.".to_string(),
            ),
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR || status == StatusCode::SERVICE_UNAVAILABLE
        {
            tracing::warn!(error = %self.0, "ui page failed");
        }
        let body = layout::page(
            title,
            "",
            maud::html! {
                h1 { (title) }
                p { (text) }
                p { a href="/" { "Back to the registry" } }
            },
        );
        (status, body).into_response()
    }
}

/// A result a page handler returns.
pub type UiResult = Result<Response, UiError>;
