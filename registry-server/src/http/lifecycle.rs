//! Lifecycle changes and deletion: `POST …/{version}/deprecate|undeprecate|yank|unyank`,
//! `DELETE …/{version}`. All audited by the registry.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use registry_core::{LifecycleChange, ModuleId, RequestContext};
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiJson, Ctx, OptionalJson, VersionPath};
use super::openapi::{ErrorBody, VersionParams};
use super::views::ModuleView;
use crate::state::AppState;

/// Body of a deprecation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeprecateBody {
    /// Why (shown to users).
    reason: String,
    /// What to use instead (`ns/name/system` or a version).
    successor: Option<String>,
}

/// Body of a yank (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YankBody {
    /// Why the version was withdrawn.
    reason: Option<String>,
}

async fn apply(
    state: &AppState,
    ctx: &RequestContext,
    id: &ModuleId,
    change: LifecycleChange,
) -> ApiResult<Response> {
    let record = state.registry().change_lifecycle(ctx, id, change).await?;
    Ok(axum::Json(ModuleView::from(&record)).into_response())
}

/// Deprecate: still listed and resolvable, flagged with a reason.
#[utoipa::path(
    post, path = "/{ns}/{name}/{system}/{version}/deprecate", tag = "publish", params(VersionParams),
    request_body = DeprecateBody,
    responses((status = 200, description = "The version", body = ModuleView), (status = 400, description = "Malformed address, version or body", body = ErrorBody), (status = 403, description = "The token lacks the publisher role here", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody), (status = 409, description = "The change does not apply", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn deprecate(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
    ApiJson(b): ApiJson<DeprecateBody>,
) -> ApiResult<Response> {
    let change = LifecycleChange::Deprecate {
        reason: b.reason,
        successor: b.successor,
    };
    apply(&state, &ctx, &id, change).await
}

/// Undo a deprecation.
#[utoipa::path(
    post, path = "/{ns}/{name}/{system}/{version}/undeprecate", tag = "publish", params(VersionParams),
    responses((status = 200, description = "The version", body = ModuleView), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "The token lacks the publisher role here", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody), (status = 409, description = "The change does not apply", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn undeprecate(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
) -> ApiResult<Response> {
    apply(&state, &ctx, &id, LifecycleChange::Undeprecate).await
}

/// Yank: removed from version lists and resolution; still downloadable by exact version.
#[utoipa::path(
    post, path = "/{ns}/{name}/{system}/{version}/yank", tag = "publish", params(VersionParams),
    request_body(content = Option<YankBody>, description = "Optional reason"),
    responses((status = 200, description = "The version", body = ModuleView), (status = 400, description = "Malformed address, version or body", body = ErrorBody), (status = 403, description = "The token lacks the publisher role here", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody), (status = 409, description = "The change does not apply", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn yank(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
    OptionalJson(body): OptionalJson<YankBody>,
) -> ApiResult<Response> {
    let reason = body.and_then(|b| b.reason);
    apply(&state, &ctx, &id, LifecycleChange::Yank { reason }).await
}

/// Undo a yank.
#[utoipa::path(
    post, path = "/{ns}/{name}/{system}/{version}/unyank", tag = "publish", params(VersionParams),
    responses((status = 200, description = "The version", body = ModuleView), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "The token lacks the publisher role here", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody), (status = 409, description = "The change does not apply", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn unyank(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
) -> ApiResult<Response> {
    apply(&state, &ctx, &id, LifecycleChange::Unyank).await
}

/// Delete a version (admins only); its number stays reserved.
#[utoipa::path(
    delete, path = "/{ns}/{name}/{system}/{version}", tag = "publish", params(VersionParams),
    responses((status = 204, description = "Deleted; the number stays reserved"), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "Admins only", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
) -> ApiResult<Response> {
    state.registry().delete(&ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
