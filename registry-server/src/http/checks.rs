//! What publishing checked on a version: its tests' results and every
//! validation finding, as stored with the version
//! (`GET …/{version}/tests`), and the summary version details show.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use registry_core::TestReport;

use super::error::ApiResult;
use super::extract::{Ctx, VersionPath};
use super::openapi::{ErrorBody, VersionParams};
use super::views::TestReportView;
use crate::state::AppState;

/// `GET …/{version}/tests`: the version's test results and validation
/// findings from its publish (`not_run` with nothing listed when its
/// namespace's policy ran neither).
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}/tests", tag = "modules", params(VersionParams),
    responses((status = 200, description = "The checks publishing ran on this version", body = TestReportView), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody))
)]
pub async fn tests(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
) -> ApiResult<Response> {
    let record = state.registry().get(&ctx, &id).await?;
    let report = record
        .metadata
        .checks
        .unwrap_or_else(|| TestReport::not_run(Vec::new()));
    Ok(axum::Json(TestReportView::from(&report)).into_response())
}
