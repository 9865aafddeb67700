//! Lifecycle changes and deletion: `POST …/{version}/deprecate|undeprecate|yank|unyank`,
//! `DELETE …/{version}`. All audited by the registry.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use registry_core::LifecycleChange;
use serde::Deserialize;

use super::error::ApiResult;
use super::openapi::{ErrorBody, VersionParams};
use super::protocol::module_id;
use super::{AppState, Ctx, json};

type VersionPath = Path<(String, String, String, String)>;

/// Body of a deprecation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeprecateBody {
    /// Why (shown to users).
    reason: String,
    /// What to use instead (`ns/name/system` or a version).
    successor: Option<String>,
}

/// Body of a yank (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct YankBody {
    /// Why the version was withdrawn.
    reason: Option<String>,
}

async fn apply(
    state: &AppState,
    ctx: &registry_core::RequestContext,
    p: (String, String, String, String),
    change: LifecycleChange,
) -> ApiResult<Response> {
    let (ns, name, system, version) = p;
    let id = module_id(&ns, &name, &system, &version)?;
    let record = state.registry().change_lifecycle(ctx, &id, change).await?;
    Ok(axum::Json(json::module(&record)).into_response())
}

/// Deprecate: still listed and resolvable, flagged with a reason.
#[utoipa::path(
    post, path = "/{ns}/{name}/{system}/{version}/deprecate", tag = "publish", params(VersionParams),
    request_body = DeprecateBody,
    responses((status = 200, description = "The version's details", body = Object), (status = 404, description = "No such version", body = ErrorBody), (status = 409, description = "The change does not apply", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn deprecate(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): VersionPath,
    axum::Json(b): axum::Json<DeprecateBody>,
) -> ApiResult<Response> {
    apply(
        &state,
        &ctx,
        p,
        LifecycleChange::Deprecate {
            reason: b.reason,
            successor: b.successor,
        },
    )
    .await
}

/// Undo a deprecation.
#[utoipa::path(
    post, path = "/{ns}/{name}/{system}/{version}/undeprecate", tag = "publish", params(VersionParams),
    responses((status = 200, description = "The version's details", body = Object), (status = 404, description = "No such version", body = ErrorBody), (status = 409, description = "The change does not apply", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn undeprecate(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): VersionPath,
) -> ApiResult<Response> {
    apply(&state, &ctx, p, LifecycleChange::Undeprecate).await
}

/// Yank: removed from version lists and resolution; still downloadable by exact version.
#[utoipa::path(
    post, path = "/{ns}/{name}/{system}/{version}/yank", tag = "publish", params(VersionParams),
    request_body(content = Option<YankBody>, description = "Optional reason"),
    responses((status = 200, description = "The version's details", body = Object), (status = 404, description = "No such version", body = ErrorBody), (status = 409, description = "The change does not apply", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn yank(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): VersionPath,
    body: Option<axum::Json<YankBody>>,
) -> ApiResult<Response> {
    let reason = body.and_then(|b| b.0.reason);
    apply(&state, &ctx, p, LifecycleChange::Yank { reason }).await
}

/// Undo a yank.
#[utoipa::path(
    post, path = "/{ns}/{name}/{system}/{version}/unyank", tag = "publish", params(VersionParams),
    responses((status = 200, description = "The version's details", body = Object), (status = 404, description = "No such version", body = ErrorBody), (status = 409, description = "The change does not apply", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn unyank(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): VersionPath,
) -> ApiResult<Response> {
    apply(&state, &ctx, p, LifecycleChange::Unyank).await
}

/// Delete a version (admins only); its number stays reserved.
#[utoipa::path(
    delete, path = "/{ns}/{name}/{system}/{version}", tag = "publish", params(VersionParams),
    responses((status = 204, description = "Deleted; the number stays reserved"), (status = 403, description = "Admins only", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name, system, version)): VersionPath,
) -> ApiResult<Response> {
    let id = module_id(&ns, &name, &system, &version)?;
    state.registry().delete(&ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
