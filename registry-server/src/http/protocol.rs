//! The Terraform Module Registry Protocol: discovery, versions, download,
//! and the archive itself.

use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use registry_core::{Actor, ArchiveFormat, Error, Grant, ModuleId, RequestContext, Role};
use serde::Deserialize;

use super::MODULES_PATH;
use super::error::ApiResult;
use super::extract::{ApiQuery, Ctx, ModulePath, VersionPath};
use super::openapi::{ErrorBody, ModuleParams, VersionParams};
use super::views::{DiscoveryView, VersionsView};
use crate::state::AppState;

/// `GET /.well-known/terraform.json`. Terraform refuses the document unless
/// it is served as `application/json`.
#[utoipa::path(
    get, path = "/.well-known/terraform.json", tag = "protocol",
    responses((status = 200, description = "Where the modules API lives", body = DiscoveryView))
)]
pub async fn discovery() -> Response {
    // `terraform login` needs the web UI's authorization page.
    let login_v1 = cfg!(feature = "ui").then(|| super::views::LoginDiscoveryView {
        client: crate::login::CLIENT_ID.to_string(),
        grant_types: vec!["authz_code".to_string()],
        authz: crate::login::AUTHZ_PATH.to_string(),
        token: crate::login::TOKEN_PATH.to_string(),
        ports: crate::login::PORTS.to_vec(),
    });
    let mut r = axum::Json(DiscoveryView {
        modules_v1: MODULES_PATH.to_string(),
        providers_v1: super::PROVIDERS_PATH.to_string(),
        login_v1,
    })
    .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `GET …/{ns}/{name}/{system}/versions`: the listed (not yanked) versions.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/versions", tag = "protocol", params(ModuleParams),
    responses((status = 200, description = "The listed versions", body = VersionsView), (status = 400, description = "Malformed address", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such module", body = ErrorBody))
)]
pub async fn versions(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ModulePath(addr): ModulePath,
) -> ApiResult<Response> {
    // The stored projection, served as it is: the same JSON as
    // `VersionsView::new` over the listed records (tested), no record decoded.
    let document = state.registry().versions_document(&ctx, &addr).await?;
    let body = bytes::Bytes::from(document.answer());
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

/// `GET …/{ns}/{name}/{system}/{version}/download`: `204 No Content` with
/// `X-Terraform-Get` pointing at the archive (relative to this URL). Works
/// for every Terraform and OpenTofu version. Yanked versions stay
/// downloadable by exact version.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}/download", tag = "protocol", params(VersionParams),
    responses(
        (status = 204, description = "The archive's location", headers(("X-Terraform-Get" = String, description = "Archive URL relative to this one, with a grant when reads need auth"))),
        (status = 400, description = "Malformed address or version", body = ErrorBody),
        (status = 403, description = "The token may not read this namespace", body = ErrorBody),
        (status = 404, description = "No such version", body = ErrorBody)
    )
)]
pub async fn download(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    OriginalUri(uri): OriginalUri,
    VersionPath(id): VersionPath,
) -> ApiResult<Response> {
    let target = state.registry().count_download(&ctx, &id).await?;
    download_answer(&state, &ctx, uri.path(), &target)
}

/// The `204` with `X-Terraform-Get` naming the archive beside the download
/// URL at `path` (with its `//subdir`, and a grant when reads need one).
pub(crate) fn download_answer(
    state: &AppState,
    ctx: &RequestContext,
    path: &str,
    target: &registry_core::DownloadTarget,
) -> ApiResult<Response> {
    let file = format!("archive.{}", target.format.extension());
    let mut location = format!("./{file}");
    if let Some(root) = &target.root_dir {
        location.push_str("//");
        location.push_str(root);
    }
    let dir = path.trim_end_matches("/download");
    location.push_str(&grant_query(state, ctx, &format!("{dir}/{file}")));
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        "x-terraform-get",
        HeaderValue::from_str(&location)
            .map_err(|_| Error::invalid_input("bad archive location"))?,
    );
    Ok(r)
}

/// `GET …/{ns}/{name}/{system}/download`: `302` to the latest version's download.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/download", tag = "protocol", params(ModuleParams),
    responses((status = 302, description = "Redirect to the latest version's download", headers(("Location" = String, description = "The download URL"))), (status = 400, description = "Malformed address", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such module", body = ErrorBody))
)]
pub async fn download_latest(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ModulePath(addr): ModulePath,
) -> ApiResult<Response> {
    let latest = state.registry().latest(&ctx, &addr).await?;
    let to = format!(
        "{MODULES_PATH}{}/{}/{}/{}/download",
        latest.address.namespace(),
        latest.address.name(),
        latest.address.system(),
        latest.version.canonical()
    );
    let mut r = (StatusCode::FOUND, format!("<a href=\"{to}\">Found</a>.\n")).into_response();
    r.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&to).map_err(|_| Error::invalid_input("bad location"))?,
    );
    Ok(r)
}

/// The signed grant an archive URL may carry.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrantQuery {
    /// A short-lived signed grant from the download endpoint (when reads need auth).
    pub(crate) grant: Option<String>,
}

fn archive_format(file: &str) -> Option<ArchiveFormat> {
    match file {
        "archive.tar.gz" => Some(ArchiveFormat::TarGz),
        "archive.zip" => Some(ArchiveFormat::Zip),
        _ => None,
    }
}

/// The archive file a path names (its last segment).
#[derive(Debug, Deserialize)]
pub struct ArchiveFile {
    archive: String,
}

/// `?grant=…` for a file at `path` that Terraform fetches without its
/// token, when reads need one or the caller used one (the grant ends with
/// the token that asked for it); empty otherwise.
pub(crate) fn grant_query(state: &AppState, ctx: &RequestContext, path: &str) -> String {
    if !state.require_auth() && ctx.actor == Actor::Anonymous {
        return String::new();
    }
    let holder = match &ctx.actor {
        Actor::Token { id, .. } => Some(id.as_str()),
        _ => None,
    };
    let grant = state.grants().sign_for(path, chrono::Utc::now(), holder);
    format!("?grant={grant}")
}

/// The context an archive request acts in: a valid grant for this exact
/// path reads as a reader of the namespace, while the token it was made
/// for is still usable; otherwise the caller's own.
async fn archive_context(
    state: &AppState,
    ctx: RequestContext,
    path: &str,
    grant: Option<&str>,
    id: &ModuleId,
) -> RequestContext {
    grant_context(state, ctx, path, grant, id.address.namespace()).await
}

/// [`archive_context`] for any file of `namespace` handed out with a grant.
pub(crate) async fn grant_context(
    state: &AppState,
    ctx: RequestContext,
    path: &str,
    grant: Option<&str>,
    namespace: &str,
) -> RequestContext {
    let now = chrono::Utc::now();
    let Some(holder) = grant.and_then(|g| state.grants().verify_holder(path, g, now)) else {
        return ctx;
    };
    if let Some(token) = holder {
        match state.tokens().get(&token).await {
            Ok(Some(info)) if info.is_usable(now) => {}
            _ => return ctx,
        }
    }
    RequestContext {
        actor: Actor::Token {
            id: "download-grant".into(),
            grants: vec![Grant {
                namespace: namespace.to_string(),
                role: Role::Reader,
            }],
        },
        ..ctx
    }
}

fn archive_headers(format: ArchiveFormat, len: u64, sha256: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    let ct = match format {
        ArchiveFormat::TarGz => "application/gzip",
        ArchiveFormat::Zip => "application/zip",
    };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&format!("sha-256={sha256}")) {
        h.insert("x-content-sha256", v);
    }
    h
}

fn stored_as(id: &ModuleId, stored: ArchiveFormat, asked: ArchiveFormat) -> ApiResult<()> {
    if stored == asked {
        Ok(())
    } else {
        Err(Error::not_found(format!("{id} is stored as {stored}")).into())
    }
}

/// `GET …/{version}/archive.tar.gz` (or `.zip`): the archive bytes, verified
/// against their digest before the first byte is sent.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}/{archive}", tag = "protocol",
    params(VersionParams, ("archive" = String, Path, description = "`archive.tar.gz` or `archive.zip`"), GrantQuery),
    responses((status = 200, description = "The archive, verified against its sha256", content_type = "application/octet-stream"), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such version or archive", body = ErrorBody))
)]
pub async fn archive(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<GrantQuery>,
    VersionPath(id): VersionPath,
    Path(file): Path<ArchiveFile>,
) -> ApiResult<Response> {
    let Some(format) = archive_format(&file.archive) else {
        return Err(Error::not_found("no such route").into());
    };
    let ctx = archive_context(&state, ctx, uri.path(), q.grant.as_deref(), &id).await;
    let module = state.registry().fetch_archive(&ctx, &id).await?;
    stored_as(&id, module.metadata.format, format)?;
    let bytes = module.archive.to_bytes().await?;
    let headers = archive_headers(format, bytes.len() as u64, &module.metadata.sha256.hex());
    Ok((headers, bytes).into_response())
}

/// `HEAD` of the archive: its headers, after the same integrity check as
/// `GET` (a corrupted blob answers the same error, not 200).
#[utoipa::path(
    head, path = "/{ns}/{name}/{system}/{version}/{archive}", tag = "protocol",
    params(VersionParams, ("archive" = String, Path, description = "`archive.tar.gz` or `archive.zip`"), GrantQuery),
    responses((status = 200, description = "The archive's headers", headers(("Content-Length" = u64, description = "Archive size"))), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such version or archive", body = ErrorBody))
)]
pub async fn archive_head(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<GrantQuery>,
    VersionPath(id): VersionPath,
    Path(file): Path<ArchiveFile>,
) -> ApiResult<Response> {
    let Some(format) = archive_format(&file.archive) else {
        return Err(Error::not_found("no such route").into());
    };
    let ctx = archive_context(&state, ctx, uri.path(), q.grant.as_deref(), &id).await;
    let module = state.registry().fetch_archive(&ctx, &id).await?;
    stored_as(&id, module.metadata.format, format)?;
    Ok((
        archive_headers(format, module.metadata.size, &module.metadata.sha256.hex()),
        (),
    )
        .into_response())
}
