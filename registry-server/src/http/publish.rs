//! `PUT /v1/modules/{ns}/{name}/{system}/{version}`: publish an archive
//! streamed as the request body (never held whole in memory).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use registry_core::{Error, ErrorKind, PublishRequest};
use serde::Deserialize;

use super::error::{ApiError, ApiResult};
use super::openapi::{ErrorBody, VersionParams};
use super::protocol::address;
use super::{AppState, Ctx, json};

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

/// Publish. 201 with the module's JSON; 409 when the version exists; 400 for
/// a malformed request or archive; 422 listing every content problem; 413
/// over the size limit; 401/403 without the publisher role.
#[utoipa::path(
    put, path = "/{ns}/{name}/{system}/{version}", tag = "publish",
    params(VersionParams, PublishQuery, ("x-module-signature" = Option<String>, Header, description = "Base64 of a minisign `.minisig` over the module manifest")),
    request_body(content_type = "application/octet-stream", description = "The module archive (tar.gz or zip), streamed"),
    responses(
        (status = 201, description = "Published; the module version's details", body = Object),
        (status = 400, description = "Malformed request or archive", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token lacks the publisher role here, or a quota would be exceeded", body = ErrorBody),
        (status = 409, description = "This version exists", body = ErrorBody),
        (status = 413, description = "Over the archive size limit", body = ErrorBody),
        (status = 422, description = "The content fails validation; every problem listed", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn publish(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name, system, version)): Path<(String, String, String, String)>,
    Query(q): Query<PublishQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let addr = address(&ns, &name, &system)?;
    let signature = headers
        .get(SIGNATURE_HEADER)
        .map(|v| {
            use base64::Engine as _;
            let bad = || {
                Error::invalid_input(format!(
                    "the {SIGNATURE_HEADER} header must be the base64 of a .minisig file"
                ))
            };
            let raw = base64::engine::general_purpose::STANDARD
                .decode(v.as_bytes())
                .map_err(|_| bad())?;
            String::from_utf8(raw).map_err(|_| bad())
        })
        .transpose()?;
    let request = PublishRequest {
        address: addr,
        version,
        description: q.description,
        source_url: q.source,
        signature,
    };
    let stream = body.into_data_stream().map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            "the request body could not be read",
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
    let versions = vec![record.version.to_string()];
    let providers = vec![record.address.system().to_string()];
    Ok((
        StatusCode::CREATED,
        axum::Json(json::detail(&record, &versions, &providers)),
    )
        .into_response())
}
