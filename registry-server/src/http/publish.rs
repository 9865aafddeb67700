//! `PUT /v1/modules/{ns}/{name}/{system}/{version}`: publish an archive
//! streamed as the request body (never held whole in memory).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use registry_core::{Error, ErrorKind, PublishRequest};
use serde::Deserialize;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, Ctx, VersionPath};
use super::openapi::{ErrorBody, VersionParams};
use super::views::ModuleDetailView;
use crate::state::AppState;

/// Optional publish parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublishQuery {
    /// Description (default: the README's first paragraph).
    description: Option<String>,
    /// Source repository URL.
    source: Option<String>,
}

/// Header carrying a minisign signature (base64 of the `.minisig` file).
pub const SIGNATURE_HEADER: &str = "x-module-signature";

fn signature_of(headers: &HeaderMap) -> Result<Option<String>, Error> {
    use base64::Engine as _;
    let Some(v) = headers.get(SIGNATURE_HEADER) else {
        return Ok(None);
    };
    let bad = || {
        Error::invalid_input(format!(
            "the {SIGNATURE_HEADER} header must be the base64 of a .minisig file"
        ))
    };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(v.as_bytes())
        .map_err(|_| bad())?;
    String::from_utf8(raw).map(Some).map_err(|_| bad())
}

/// Publish. 201 with the version's details (and `warnings` when the
/// namespace's policy let findings through); 409 when the version exists;
/// 400 for a malformed request or archive; 422 listing every content
/// problem; 413 over the size limit; 401/403 without the publisher role.
#[utoipa::path(
    put, path = "/{ns}/{name}/{system}/{version}", tag = "publish",
    params(VersionParams, PublishQuery, ("x-module-signature" = Option<String>, Header, description = "Base64 of a minisign `.minisig` over the module manifest")),
    request_body(content_type = "application/octet-stream", description = "The module archive (tar.gz or zip), streamed"),
    responses(
        (status = 201, description = "Published; the version's details, with `warnings` when the namespace's policy let findings through", body = ModuleDetailView),
        (status = 400, description = "Malformed request or archive", body = ErrorBody),
        (status = 403, description = "The token lacks the publisher role here, or a quota would be exceeded", body = ErrorBody),
        (status = 409, description = "This version exists", body = ErrorBody),
        (status = 413, description = "Over the archive size limit", body = ErrorBody),
        (status = 422, description = "The content fails validation or the namespace's policy; every problem listed", body = ErrorBody),
        (status = 501, description = "The namespace's policy needs something this registry does not run (tests)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn publish(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
    ApiQuery(q): ApiQuery<PublishQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let request = PublishRequest {
        address: id.address,
        version: id.version.as_str().to_string(),
        description: q.description,
        source_url: q.source,
        signature: signature_of(&headers)?,
    };
    let stream = body.into_data_stream().map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("the request body could not be read: {e}"),
        )
        .with_source(e)
    });
    let record = state
        .registry()
        .publish(&ctx, request, stream)
        .await
        .map_err(|e| {
            // A signature that does not verify is the publisher's problem, not ours.
            if e.kind() == ErrorKind::Integrity {
                ApiError(Error::validation(vec![registry_core::Problem::new(
                    "signature",
                    e.message(),
                )]))
            } else {
                ApiError(e)
            }
        })?;
    let versions: Vec<String> = state
        .registry()
        .versions(&ctx, &record.address)
        .await
        .map(|v| v.iter().map(|r| r.version.to_string()).collect())
        .unwrap_or_else(|_| vec![record.version.to_string()]);
    Ok((
        StatusCode::CREATED,
        axum::Json(ModuleDetailView::new(&record, versions)),
    )
        .into_response())
}
