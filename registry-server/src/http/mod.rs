//! The HTTP API: the Terraform Module Registry Protocol, the public
//! registry's read API, publishing and lifecycle, docs, namespace
//! policies, the checks publishing ran, administration and operations. Handlers by resource, one file
//! each; typed response bodies in [`views`]; path, query and body parsing
//! in [`extract`]. [`crate::app::router`] mounts it behind the guard.

mod admin;
pub mod checks;
pub mod diff;
mod docs;
mod error;
pub mod extract;
mod lifecycle;
mod login;
pub mod mirror;
mod openapi;
mod ops;
mod paging;
mod policy;
mod protocol;
mod provider_keys;
mod provider_mirror;
pub mod providers;
mod publish;
mod read;
pub mod repositories;
mod trusted_publishing;
pub mod views;

use std::sync::Arc;

use axum::extract::Request;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi as _;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use error::{ApiError, ApiResult, status_of};
pub use extract::Ctx;
#[cfg(feature = "ui")]
pub(crate) use paging::{PagePosition, latest_modules};
pub use publish::SIGNATURE_HEADER;

use crate::guard::FrontEnd;
use crate::state::AppState;

/// Route prefix of the modules API, as announced by service discovery.
pub const MODULES_PATH: &str = "/v1/modules/";

/// Route prefix of the provider registry API, as announced by service discovery.
pub const PROVIDERS_PATH: &str = "/v1/providers/";

/// Every route of the HTTP API, registered from the handlers'
/// `#[utoipa::path]` attributes so the router and its OpenAPI document
/// cannot drift.
pub fn routes() -> OpenApiRouter<AppState> {
    let modules = OpenApiRouter::<AppState>::new()
        .routes(routes!(read::list_all))
        .routes(routes!(read::search))
        .routes(routes!(read::list_namespace))
        .routes(routes!(read::list_name))
        .routes(routes!(read::latest_detail))
        .routes(routes!(protocol::versions))
        .routes(routes!(docs::docs))
        .routes(routes!(docs::schema))
        .routes(routes!(docs::examples))
        .routes(routes!(checks::tests))
        .routes(routes!(diff::diff))
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
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .routes(routes!(ops::openapi_json))
        .nest("/v1/modules", modules)
        .nest("/v1/mirror", mirror_routes())
        .nest("/v1/providers", provider_routes())
        .routes(routes!(providers::list))
        .routes(routes!(provider_keys::list_keys))
        .routes(routes!(provider_keys::register_key))
        .routes(routes!(provider_keys::rotate_key))
        .routes(routes!(provider_keys::revoke_key))
        .routes(routes!(repositories::list, repositories::add))
        .routes(routes!(repositories::get, repositories::remove))
        .routes(routes!(repositories::sync))
        .nest("/v1/hooks", hook_routes())
        .routes(routes!(trusted_publishing::list, trusted_publishing::add))
        .routes(routes!(trusted_publishing::remove))
        .routes(routes!(trusted_publishing::exchange))
        .routes(routes!(login::token))
        .routes(routes!(policy::get_policy, policy::set_policy))
        .routes(routes!(admin::reindex))
        .routes(routes!(admin::audit_list))
        .routes(routes!(admin::audit_verify))
}

/// The mirror's protocol routes, under `/v1/mirror`.
fn mirror_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::<AppState>::new()
        .routes(routes!(mirror::versions))
        .routes(routes!(mirror::download))
        .routes(routes!(mirror::archive))
        .routes(routes!(mirror::docs))
        .routes(routes!(mirror::schema))
        .routes(routes!(provider_mirror::file, provider_mirror::import))
        .layer(axum::extract::DefaultBodyLimit::disable())
}

/// The git hosts' webhooks, under `/v1/hooks`: bodies read up to
/// [`repositories::MAX_HOOK_BYTES`] (the signature covers all of it).
fn hook_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::<AppState>::new()
        .routes(routes!(repositories::hook))
        .layer(axum::extract::DefaultBodyLimit::max(
            repositories::MAX_HOOK_BYTES,
        ))
}

/// The provider registry's routes, under `/v1/providers`. Uploads are
/// bounded per file as they are spooled, not by the body limit.
fn provider_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::<AppState>::new()
        .routes(routes!(providers::versions))
        .routes(routes!(providers::release, providers::publish))
        .routes(routes!(providers::download))
        .routes(routes!(providers::file))
        .layer(axum::extract::DefaultBodyLimit::disable())
}

/// The OpenAPI document of the HTTP API, as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = routes().split_for_parts().1;
    openapi::declare_guard_responses(&mut doc);
    doc
}

/// The HTTP API as the guard sees it: it answers every request no other
/// front end claims; `GET` and `HEAD` read; health, readiness and metrics
/// pass unguarded; refusals are `{"errors": [...]}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiFrontEnd;

impl FrontEnd for ApiFrontEnd {
    fn claims(&self, _req: &Request) -> bool {
        true
    }

    fn is_read(&self, req: &Request) -> bool {
        matches!(*req.method(), Method::GET | Method::HEAD)
    }

    fn is_exempt(&self, req: &Request) -> bool {
        matches!(req.uri().path(), "/healthz" | "/readyz" | "/metrics")
    }

    fn refuse(&self, error: registry_core::Error) -> Response {
        ApiError(error).into_response()
    }
}

/// The API front end, shared.
pub fn front_end() -> Arc<dyn FrontEnd> {
    Arc::new(ApiFrontEnd)
}
