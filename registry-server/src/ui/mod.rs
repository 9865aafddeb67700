//! The web UI (feature `ui`): pages for finding, reading and comparing
//! modules, rendered on the server (maud) and readable with scripts off,
//! at `/`, `/search`, `/modules/NS`, `/modules/NS/NAME/SYSTEM[/VERSION]`,
//! a version's submodules and examples, and the API diff of two versions;
//! the same module pages for mirrored copies under
//! `/mirror/HOST/NS/NAME/SYSTEM[/VERSION]`; this registry's providers at
//! `/providers` and `/providers/NS/TYPE[/VERSION]`.
//! Every page reads through the same [`Registry`](registry_core::Registry)
//! calls the API makes (latest version, lifecycle, authorization), as the
//! caller the guard authenticated. Module text (README, descriptions,
//! names) is hostile: it is escaped, or rendered from Markdown and
//! sanitised (ammonia), and every page carries a Content-Security-Policy
//! that runs no script but our own.

mod layout;
mod markdown;
mod pages;
mod paths;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use registry_core::{Error, ErrorKind};

use crate::guard::FrontEnd;
use crate::state::AppState;

/// The UI's routes (unguarded here; [`crate::app::router`] puts the guard
/// in front).
pub fn routes() -> Router<AppState> {
    let mut r = Router::new()
        .route("/", get(pages::home::home))
        .route("/search", get(pages::search::search))
        .route("/modules/{ns}", get(pages::namespace::namespace))
        .route("/providers", get(pages::providers::list))
        .route("/providers/{ns}/{type}", get(pages::providers::latest))
        .route(
            "/providers/{ns}/{type}/{version}",
            get(pages::providers::version),
        );
    // A module's pages, for local modules and for mirrored copies (whose
    // address carries `{host}`; the path extractors read it).
    for base in [
        "/modules/{ns}/{name}/{system}",
        "/mirror/{host}/{ns}/{name}/{system}",
    ] {
        r = r
            .route(base, get(pages::module::latest))
            .route(&format!("{base}/{{version}}"), get(pages::module::version))
            .route(
                &format!("{base}/{{version}}/submodules/{{*path}}"),
                get(pages::part::submodule),
            )
            .route(
                &format!("{base}/{{version}}/examples/{{*path}}"),
                get(pages::part::example),
            )
            .route(
                &format!("{base}/{{version}}/files/{{*path}}"),
                get(pages::files::file),
            )
            .route(
                &format!("{base}/{{version}}/usage"),
                get(pages::usage::block),
            )
            .route(&format!("{base}/diff/{{range}}"), get(pages::diff::diff));
    }
    r.route("/search/suggest", get(pages::search::suggest))
        .route(
            "/modules/{ns}/{name}/{system}/{version}/lifecycle",
            get(pages::lifecycle::confirm).post(pages::lifecycle::apply),
        )
        .route(
            "/sign-in",
            get(pages::sign_in::form).post(pages::sign_in::sign_in),
        )
        .route("/sign-out", post(pages::sign_in::sign_out))
        .route("/repositories", get(pages::repositories::list))
        .route(
            "/repositories/{ns}/{name}/{system}",
            get(pages::repositories::detail),
        )
        .route("/sign-in/oidc", get(pages::sso::start))
        .route(pages::sso::CALLBACK_PATH, get(pages::sso::callback))
        .route(
            crate::login::AUTHZ_PATH,
            get(pages::oauth::ask).post(pages::oauth::decide),
        )
        .route("/account", get(pages::account::account))
        .route(
            "/account/sessions/{id}/end",
            post(pages::account::end_session),
        )
        .route("/static/ui.css", get(layout::stylesheet))
        .route("/static/ui.js", get(layout::script))
        .layer(axum::middleware::from_fn(sign_in_when_needed))
}

/// A page that needs a token, asked for without one, sends the browser to
/// sign in and come back.
async fn sign_in_when_needed(req: Request, next: axum::middleware::Next) -> Response {
    let is_get = req.method() == Method::GET;
    let here = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let resp = next.run(req).await;
    if is_get && resp.status() == StatusCode::UNAUTHORIZED && !here.starts_with("/sign-in") {
        return axum::response::Redirect::to(&session::sign_in_href(&here)).into_response();
    }
    resp
}

/// Whether a path is one of the UI's pages.
fn is_ui_path(path: &str) -> bool {
    path == "/"
        || path == "/search"
        || path == "/search/suggest"
        || path.starts_with("/modules/")
        || path.starts_with("/mirror/")
        || path == "/providers"
        || path.starts_with("/providers/")
        || path.starts_with("/static/")
        || is_form_path(path)
        || path == "/account"
        || path == "/sign-in/oidc"
        || path == "/repositories"
        || path.starts_with("/repositories/")
        || path == pages::sso::CALLBACK_PATH
}

/// The paths the UI's forms post to.
fn is_form_path(path: &str) -> bool {
    path == "/sign-in"
        || path == "/sign-out"
        || path == crate::login::AUTHZ_PATH
        || (path.starts_with("/account/sessions/") && path.ends_with("/end"))
        || (path.starts_with("/modules/") && path.ends_with("/lifecycle"))
}

/// The UI as the guard sees it: its pages, read-only, refusals as pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct UiFrontEnd;

impl FrontEnd for UiFrontEnd {
    fn claims(&self, req: &Request) -> bool {
        let path = req.uri().path();
        match *req.method() {
            Method::GET | Method::HEAD => is_ui_path(path),
            Method::POST => is_form_path(path),
            _ => false,
        }
    }

    fn is_read(&self, req: &Request) -> bool {
        matches!(*req.method(), Method::GET | Method::HEAD)
    }

    fn session_secret(&self, req: &Request) -> Option<String> {
        session::secret_of(req.headers())
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
            ErrorKind::Unauthenticated => ("Sign-in needed", self.0.to_string()),
            ErrorKind::PermissionDenied => ("Not allowed", self.0.to_string()),
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
            &session::Viewer::default(),
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
