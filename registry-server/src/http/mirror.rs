//! The mirror's Module Registry Protocol (feature `mirror`), at
//! `/v1/mirror/{host}/modules/`: what a Terraform CLI `host` block points
//! an upstream's `modules.v1` at. Versions lists come from upstream (kept
//! for a TTL, served stale with a `Warning` header when upstream fails);
//! a version's first download fetches, checks and stores its archive,
//! later ones never go upstream. A version's docs and schema are a
//! published version's (its first request fetches it too). Reads need
//! what any read needs: the namespace's read permission when
//! `--require-auth`.

use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use registry_core::Error;

use super::error::ApiResult;
use super::extract::{ApiQuery, Ctx, ModulePath, VersionPath};
use super::openapi::ErrorBody;
use super::protocol::{ArchiveFile, GrantQuery};
use super::views::VersionsView;
use crate::state::AppState;

/// A mirrored module's path parameters.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct MirrorModuleParams {
    /// The upstream's host (`registry.terraform.io`).
    host: String,
    /// Namespace.
    ns: String,
    /// Module name.
    name: String,
    /// Target system.
    system: String,
}

/// A mirrored version's path parameters.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct MirrorVersionParams {
    /// The upstream's host (`registry.terraform.io`).
    host: String,
    /// Namespace.
    ns: String,
    /// Module name.
    name: String,
    /// Target system.
    system: String,
    /// Version.
    version: String,
}

fn mirror(state: &AppState) -> ApiResult<&crate::mirror::Mirror> {
    state.mirror().ok_or_else(|| {
        Error::not_found("this registry mirrors no upstream (configure one with --upstream HOST)")
            .into()
    })
}

/// `GET /v1/mirror/{host}/modules/{ns}/{name}/{system}/versions`.
#[utoipa::path(
    get, path = "/{host}/modules/{ns}/{name}/{system}/versions", tag = "mirror", params(MirrorModuleParams),
    responses((status = 200, description = "The upstream's versions list (with `Warning: 110` when served stale because upstream failed)", body = VersionsView), (status = 400, description = "Malformed host or address", body = ErrorBody), (status = 403, description = "Not readable here, or kept out by the upstream's allow and deny globs", body = ErrorBody), (status = 404, description = "No such upstream or module", body = ErrorBody), (status = 502, description = "The upstream failed and nothing is kept", body = ErrorBody))
)]
pub async fn versions(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ModulePath(address): ModulePath,
) -> ApiResult<Response> {
    // Who may read comes first, before whether anything is mirrored here.
    state
        .registry()
        .authorize_listing(&ctx, Some(address.namespace()))?;
    let listed = mirror(&state)?
        .versions(state.registry(), &ctx, &address)
        .await?;
    let mut r = axum::Json(listed.view).into_response();
    if let Some(why) = listed.stale {
        let text = format!("110 - \"Response is Stale: {}\"", why.replace('"', "'"));
        if let Ok(v) = HeaderValue::from_str(&text) {
            r.headers_mut().insert(header::WARNING, v);
        }
    }
    Ok(r)
}

/// `GET /v1/mirror/{host}/modules/{ns}/{name}/{system}/{version}/download`.
#[utoipa::path(
    get, path = "/{host}/modules/{ns}/{name}/{system}/{version}/download", tag = "mirror", params(MirrorVersionParams),
    responses(
        (status = 204, description = "Where the stored archive is, fetched from upstream first on the version's first download", headers(("X-Terraform-Get" = String, description = "Archive URL relative to this one"))),
        (status = 400, description = "Malformed host, address or version, or an archive form the mirror does not fetch", body = ErrorBody),
        (status = 403, description = "Not readable here, or kept out by the allow and deny globs", body = ErrorBody),
        (status = 404, description = "No such upstream, module or version", body = ErrorBody),
        (status = 502, description = "The upstream failed", body = ErrorBody)
    )
)]
pub async fn download(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    OriginalUri(uri): OriginalUri,
    VersionPath(id): VersionPath,
) -> ApiResult<Response> {
    state
        .registry()
        .authorize_listing(&ctx, Some(id.address.namespace()))?;
    mirror(&state)?.version(state.registry(), &ctx, &id).await?;
    let target = state.registry().count_download(&ctx, &id).await?;
    super::protocol::download_answer(&state, &ctx, uri.path(), &target)
}

/// `GET …/{version}/archive.tar.gz` (or `.zip`) of a mirrored version: the
/// stored copy, verified against its digest.
#[utoipa::path(
    get, path = "/{host}/modules/{ns}/{name}/{system}/{version}/{archive}", tag = "mirror",
    params(MirrorVersionParams, ("archive" = String, Path, description = "`archive.tar.gz` or `archive.zip`"), GrantQuery),
    responses((status = 200, description = "The stored archive", content_type = "application/octet-stream"), (status = 400, description = "Malformed host, address or version", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "Not fetched yet, or no such archive", body = ErrorBody))
)]
pub async fn archive(
    state: State<AppState>,
    ctx: Ctx,
    uri: OriginalUri,
    q: ApiQuery<GrantQuery>,
    id: VersionPath,
    file: Path<ArchiveFile>,
) -> ApiResult<Response> {
    super::protocol::archive(state, ctx, uri, q, id, file).await
}

/// `GET …/{version}/docs` of a mirrored version: its terraform-docs, as a
/// published version's (fetched from upstream first if it never was).
#[utoipa::path(
    get, path = "/{host}/modules/{ns}/{name}/{system}/{version}/docs", tag = "mirror", params(MirrorVersionParams, super::docs::DocsQuery),
    responses(
        (status = 200, description = "terraform-docs compatible markdown, or with `format=json` terraform-docs' JSON", content(
            (String = "text/markdown"),
            (super::views::TfDocsView = "application/json")
        )),
        (status = 400, description = "Malformed host, address or version, or an unknown format", body = ErrorBody),
        (status = 403, description = "Not readable here, or kept out by the allow and deny globs", body = ErrorBody),
        (status = 404, description = "No such upstream, module or version", body = ErrorBody),
        (status = 502, description = "The upstream failed", body = ErrorBody)
    )
)]
pub async fn docs(
    state: State<AppState>,
    ctx: Ctx,
    id: VersionPath,
    q: ApiQuery<super::docs::DocsQuery>,
) -> ApiResult<Response> {
    fetched(&state, &ctx, &id).await?;
    super::docs::docs(state, ctx, id, q).await
}

/// `GET …/{version}/schema` of a mirrored version: JSON Schema of its
/// inputs and outputs.
#[utoipa::path(
    get, path = "/{host}/modules/{ns}/{name}/{system}/{version}/schema", tag = "mirror", params(MirrorVersionParams),
    responses((status = 200, description = "JSON Schema of the inputs and outputs", body = super::views::ApiDocView), (status = 400, description = "Malformed host, address or version", body = ErrorBody), (status = 403, description = "Not readable here, or kept out by the allow and deny globs", body = ErrorBody), (status = 404, description = "No such upstream, module or version", body = ErrorBody), (status = 502, description = "The upstream failed", body = ErrorBody))
)]
pub async fn schema(state: State<AppState>, ctx: Ctx, id: VersionPath) -> ApiResult<Response> {
    fetched(&state, &ctx, &id).await?;
    super::docs::schema(state, ctx, id).await
}

/// The mirrored version stored, fetching it first if it never was.
async fn fetched(state: &AppState, ctx: &Ctx, id: &VersionPath) -> ApiResult<()> {
    state
        .registry()
        .authorize_listing(&ctx.0, Some(id.0.address.namespace()))?;
    mirror(state)?
        .version(state.registry(), &ctx.0, &id.0)
        .await?;
    Ok(())
}
