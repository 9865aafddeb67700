//! Generated documentation of a version: terraform-docs markdown or JSON,
//! the JSON Schema of its inputs and outputs, and usage examples.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use registry_core::Error;
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiQuery, Ctx, VersionPath};
use super::openapi::{ErrorBody, VersionParams};
use super::views::{ApiDocView, ExampleView, ExamplesView, JsonSchemaView, TfDocsView};
use crate::state::AppState;

/// Query of the docs endpoint.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocsQuery {
    /// `markdown` (default) or `json`.
    format: Option<String>,
}

/// `GET …/{version}/docs`: terraform-docs markdown (or `?format=json`).
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}/docs", tag = "docs", params(VersionParams, DocsQuery),
    responses(
        (status = 200, description = "terraform-docs compatible markdown, or with `format=json` terraform-docs' JSON", content(
            (String = "text/markdown"),
            (TfDocsView = "application/json")
        )),
        (status = 400, description = "Malformed address or version, or an unknown format", body = ErrorBody),
        (status = 403, description = "The token may not read this namespace", body = ErrorBody),
        (status = 404, description = "No such version", body = ErrorBody)
    )
)]
pub async fn docs(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
    ApiQuery(q): ApiQuery<DocsQuery>,
) -> ApiResult<Response> {
    let json = match q.format.as_deref() {
        None | Some("markdown") => false,
        Some("json") => true,
        Some(other) => {
            return Err(Error::invalid_input(format!(
                "unknown docs format {other:?}: use markdown or json"
            ))
            .into());
        }
    };
    let d = state.registry().docs(&ctx, &id).await?;
    Ok(if json {
        ([(header::CONTENT_TYPE, "application/json")], d.json).into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            d.markdown,
        )
            .into_response()
    })
}

/// `GET …/{version}/schema`: JSON Schema of inputs and outputs.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}/schema", tag = "docs", params(VersionParams),
    responses((status = 200, description = "JSON Schema of the inputs and outputs", body = ApiDocView), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody))
)]
pub async fn schema(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
) -> ApiResult<Response> {
    let api = state.registry().api_doc(&ctx, &id).await?;
    Ok(axum::Json(ApiDocView {
        inputs_schema: JsonSchemaView::from_value(api.inputs_schema)?,
        outputs_schema: JsonSchemaView::from_value(api.outputs_schema)?,
    })
    .into_response())
}

/// `GET …/{version}/examples`: generated and bundled usage examples.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}/examples", tag = "docs", params(VersionParams),
    responses((status = 200, description = "A generated usage example and the module's bundled examples", body = ExamplesView), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody))
)]
pub async fn examples(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
    headers: axum::http::HeaderMap,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> ApiResult<Response> {
    // The host callers name us by: `--public-url`'s, else the one the
    // client reached us by (HTTP/1 Host, HTTP/2 :authority); a bare
    // `ns/name/system` would mean the public registry.
    let host = state.public_host().or_else(|| {
        headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or(uri.authority().map(|a| a.as_str()))
            .filter(|h| registry_core::validate_host(&h.to_ascii_lowercase()).is_ok())
    });
    let examples = state.registry().examples(&ctx, &id, host).await?;
    Ok(axum::Json(ExamplesView {
        examples: examples.iter().map(ExampleView::from).collect(),
    })
    .into_response())
}
