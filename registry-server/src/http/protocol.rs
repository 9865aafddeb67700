//! The Terraform Module Registry Protocol: discovery, versions, download,
//! and the archive itself.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use registry_core::{
    Actor, ArchiveFormat, Grant, ModuleAddress, ModuleId, RequestContext, Role, Version,
};
use serde::Deserialize;

use super::error::ApiResult;
use super::openapi::{ErrorBody, ModuleParams, VersionParams};
use super::{AppState, Ctx, MODULES_PATH};

/// `GET /.well-known/terraform.json`. Terraform refuses the document unless
/// it is served as `application/json`.
#[utoipa::path(
    get, path = "/.well-known/terraform.json", tag = "protocol",
    responses((status = 200, description = "Where the modules API lives: `{\"modules.v1\":\"/v1/modules/\"}`", body = Object))
)]
pub async fn discovery() -> Response {
    let mut r = axum::Json(serde_json::json!({ "modules.v1": MODULES_PATH })).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(super) fn address(ns: &str, name: &str, system: &str) -> registry_core::Result<ModuleAddress> {
    ModuleAddress::new(ns, name, system)
}

pub(super) fn module_id(
    ns: &str,
    name: &str,
    system: &str,
    version: &str,
) -> registry_core::Result<ModuleId> {
    Ok(ModuleId::new(
        address(ns, name, system)?,
        Version::parse(version)?,
    ))
}

/// `GET …/{ns}/{name}/{system}/versions`: the listed (not yanked) versions.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/versions", tag = "protocol", params(ModuleParams),
    responses((status = 200, description = "The listed versions", body = Object), (status = 404, description = "No such module", body = ErrorBody))
)]
pub async fn versions(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name, system)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let addr = address(&ns, &name, &system)?;
    let records = state.registry().versions(&ctx, &addr).await?;
    if records.is_empty() {
        return Err(registry_core::Error::not_found(format!("module {addr} not found")).into());
    }
    let body = state.versions_body(&addr.key(), &records);
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
        (status = 404, description = "No such version", body = ErrorBody)
    )
)]
pub async fn download(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    OriginalUri(uri): OriginalUri,
    Path((ns, name, system, version)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    let id = module_id(&ns, &name, &system, &version)?;
    let target = state.registry().count_download(&ctx, &id).await?;
    let file = format!("archive.{}", target.format.extension());
    let mut location = format!("./{file}");
    if let Some(root) = &target.root_dir {
        location.push_str("//");
        location.push_str(root);
    }
    if state.inner.require_auth || ctx.actor != Actor::Anonymous {
        // Terraform will not send its token for the archive: give it a grant.
        let dir = uri.path().trim_end_matches("/download");
        let grant = state
            .inner
            .grants
            .sign(&format!("{dir}/{file}"), chrono::Utc::now());
        location.push_str("?grant=");
        location.push_str(&grant);
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        "x-terraform-get",
        HeaderValue::from_str(&location)
            .map_err(|_| registry_core::Error::invalid_input("bad archive location"))?,
    );
    Ok(r)
}

/// `GET …/{ns}/{name}/{system}/download`: `302` to the latest version's download.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/download", tag = "protocol", params(ModuleParams),
    responses((status = 302, description = "Redirect to the latest version's download", headers(("Location" = String, description = "The download URL"))), (status = 404, description = "No such module", body = ErrorBody))
)]
pub async fn download_latest(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name, system)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let addr = address(&ns, &name, &system)?;
    let latest = state.registry().latest(&ctx, &addr).await?;
    let to = format!(
        "{MODULES_PATH}{ns}/{name}/{system}/{}/download",
        latest.version.canonical()
    );
    let mut r = (StatusCode::FOUND, format!("<a href=\"{to}\">Found</a>.\n")).into_response();
    r.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&to)
            .map_err(|_| registry_core::Error::invalid_input("bad location"))?,
    );
    Ok(r)
}

/// The signed grant an archive URL may carry.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrantQuery {
    /// A short-lived signed grant from the download endpoint (when reads need auth).
    grant: Option<String>,
}

fn archive_format(file: &str) -> Option<ArchiveFormat> {
    match file {
        "archive.tar.gz" => Some(ArchiveFormat::TarGz),
        "archive.zip" => Some(ArchiveFormat::Zip),
        _ => None,
    }
}

/// The context an archive request acts in: a valid grant for this exact
/// path reads as a reader of the namespace; otherwise the caller's own.
fn archive_context(
    state: &AppState,
    ctx: RequestContext,
    path: &str,
    grant: Option<&str>,
    ns: &str,
) -> RequestContext {
    match grant {
        Some(g) if state.inner.grants.verify(path, g, chrono::Utc::now()) => RequestContext {
            actor: Actor::Token {
                id: "download-grant".into(),
                grants: vec![Grant {
                    namespace: ns.to_string(),
                    role: Role::Reader,
                }],
            },
            ..ctx
        },
        _ => ctx,
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

/// `GET …/{version}/archive.tar.gz` (or `.zip`): the archive bytes, verified
/// against their digest before the first byte is sent.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}/{archive}", tag = "protocol",
    params(VersionParams, ("archive" = String, Path, description = "`archive.tar.gz` or `archive.zip`"), GrantQuery),
    responses((status = 200, description = "The archive, verified against its sha256", content_type = "application/octet-stream"), (status = 404, description = "No such version or archive", body = ErrorBody))
)]
pub async fn archive(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<GrantQuery>,
    Path((ns, name, system, version, file)): Path<(String, String, String, String, String)>,
) -> ApiResult<Response> {
    let Some(format) = archive_format(&file) else {
        return Err(registry_core::Error::not_found("no such route").into());
    };
    let id = module_id(&ns, &name, &system, &version)?;
    let ctx = archive_context(&state, ctx, uri.path(), q.grant.as_deref(), &ns);
    let module = state.registry().fetch_archive(&ctx, &id).await?;
    if module.metadata.format != format {
        return Err(registry_core::Error::not_found(format!(
            "{id} is stored as {}",
            module.metadata.format
        ))
        .into());
    }
    let bytes = module.archive.to_bytes().await?;
    let headers = archive_headers(format, bytes.len() as u64, &module.metadata.sha256.hex());
    Ok((headers, bytes).into_response())
}

/// `HEAD` of the archive: its headers, without reading the bytes.
#[utoipa::path(
    head, path = "/{ns}/{name}/{system}/{version}/{archive}", tag = "protocol",
    params(VersionParams, ("archive" = String, Path, description = "`archive.tar.gz` or `archive.zip`"), GrantQuery),
    responses((status = 200, description = "The archive's headers", headers(("Content-Length" = u64, description = "Archive size"))), (status = 404, description = "No such version or archive"))
)]
pub async fn archive_head(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<GrantQuery>,
    Path((ns, name, system, version, file)): Path<(String, String, String, String, String)>,
) -> ApiResult<Response> {
    let Some(format) = archive_format(&file) else {
        return Err(registry_core::Error::not_found("no such route").into());
    };
    let id = module_id(&ns, &name, &system, &version)?;
    let ctx = archive_context(&state, ctx, uri.path(), q.grant.as_deref(), &ns);
    let record = state.registry().get(&ctx, &id).await?;
    if record.metadata.format != format {
        return Err(registry_core::Error::not_found(format!(
            "{id} is stored as {}",
            record.metadata.format
        ))
        .into());
    }
    Ok((
        archive_headers(format, record.metadata.size, &record.metadata.sha256.hex()),
        (),
    )
        .into_response())
}
