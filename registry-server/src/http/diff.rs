//! `GET /v1/modules/{ns}/{name}/{system}/diff/{from}...{to}`: the module API
//! diff of two published versions (registry-diff), as `registry diff
//! --json` prints it; readable by whoever may read the module.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use registry_core::{Error, ModuleAddress, ModuleId, ModuleRecord, RequestContext, Version};

use super::error::ApiResult;
use super::extract::{Ctx, ModulePath};
use super::openapi::ErrorBody;
use super::views::DiffView;
use crate::state::AppState;

/// Path parameters of the diff route.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct DiffParams {
    /// Namespace.
    ns: String,
    /// Module name.
    name: String,
    /// Target system.
    system: String,
    /// `FROM...TO`, two published versions (`1.0.0...2.0.0`).
    range: String,
}

/// The two versions `range` (`FROM...TO`) names and the API diff between
/// them, read as `ctx` (who may read the module is checked before the
/// range is judged). The API and the UI's diff page both answer with it.
pub(crate) async fn versions_diff(
    state: &AppState,
    ctx: &RequestContext,
    address: &ModuleAddress,
    range: &str,
) -> ApiResult<(ModuleRecord, ModuleRecord, registry_diff::ApiDiff)> {
    state.registry().versions(ctx, address).await?;
    let (from, to) = range.split_once("...").ok_or_else(|| {
        Error::invalid_input(format!(
            "invalid range {range:?}: name two versions as FROM...TO (1.0.0...2.0.0)"
        ))
    })?;
    let (from, to) = (Version::parse(from)?, Version::parse(to)?);
    let old = state
        .registry()
        .get(ctx, &ModuleId::new(address.clone(), from))
        .await?;
    let new = state
        .registry()
        .get(ctx, &ModuleId::new(address.clone(), to))
        .await?;
    let d = registry_diff::diff(&old.metadata.summary, &new.metadata.summary);
    Ok((old, new, d))
}

/// The API changes between two published versions.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/diff/{range}", tag = "modules", params(DiffParams),
    responses((status = 200, description = "The changes, each breaking or not", body = DiffView), (status = 400, description = "Malformed address or range", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody))
)]
pub async fn diff(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ModulePath(address): ModulePath,
    Path(params): Path<HashMap<String, String>>,
) -> ApiResult<Response> {
    let range = params.get("range").map(String::as_str).unwrap_or_default();
    let (old, new, d) = versions_diff(&state, &ctx, &address, range).await?;
    Ok(axum::Json(DiffView::new(&old, &new, &d)).into_response())
}
