//! Lifecycle changes and deletion: `POST …/{version}/deprecate|undeprecate|yank|unyank`,
//! `DELETE …/{version}`. All audited by the registry.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use registry_core::LifecycleChange;
use serde::Deserialize;

use super::error::ApiResult;
use super::protocol::module_id;
use super::{AppState, Ctx, json};

type VersionPath = Path<(String, String, String, String)>;

/// Body of a deprecation.
#[derive(Debug, Deserialize)]
pub struct DeprecateBody {
    reason: String,
    successor: Option<String>,
}

/// Body of a yank (optional).
#[derive(Debug, Default, Deserialize)]
pub struct YankBody {
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
pub async fn undeprecate(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): VersionPath,
) -> ApiResult<Response> {
    apply(&state, &ctx, p, LifecycleChange::Undeprecate).await
}

/// Yank: removed from version lists and resolution; still downloadable by exact version.
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
pub async fn unyank(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): VersionPath,
) -> ApiResult<Response> {
    apply(&state, &ctx, p, LifecycleChange::Unyank).await
}

/// Delete a version (admins only); its number stays reserved.
pub async fn delete(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name, system, version)): VersionPath,
) -> ApiResult<Response> {
    let id = module_id(&ns, &name, &system, &version)?;
    state.registry().delete(&ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
