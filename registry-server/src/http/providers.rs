//! The provider registry protocol (`providers.v1`: versions, download, and
//! the files its answer points at) and publishing a release, under
//! `/v1/providers`. Terraform fetches the zip, `SHA256SUMS` and signature
//! without its token, so their URLs carry a grant when reads need one.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, OriginalUri, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use registry_core::{Error, ErrorKind, ProviderAddress, RequestContext, Version};
use registry_providers::{ReleaseFile, ReleaseUpload, UploadedFile};
use serde::Deserialize;

use super::PROVIDERS_PATH;
use super::error::ApiResult;
use super::extract::{ApiQuery, Ctx};
use super::openapi::ErrorBody;
use super::protocol::{GrantQuery, grant_context, grant_query};
use super::views::{
    GpgPublicKeyView, ProviderDownloadView, ProviderListView, ProviderReleaseView,
    ProviderVersionView, ProviderVersionsView, SigningKeysView,
};
use crate::state::AppState;

/// The most one uploaded file may hold (a large provider's zip is a few
/// hundred MiB).
pub const MAX_PROVIDER_FILE_BYTES: u64 = 1 << 30;

/// A provider path parameter set.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProviderParams {
    /// Namespace.
    ns: String,
    /// Provider type, e.g. `null`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    provider_type: String,
}

impl ProviderParams {
    fn address(&self) -> Result<ProviderAddress, Error> {
        ProviderAddress::new(&self.ns, &self.provider_type)
    }
}

/// A provider version's path parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProviderVersionParams {
    /// Namespace.
    ns: String,
    /// Provider type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    provider_type: String,
    /// Version, e.g. `2.1.2`.
    version: String,
}

impl ProviderVersionParams {
    fn parsed(&self) -> Result<(ProviderAddress, Version), Error> {
        let address = ProviderAddress::new(&self.ns, &self.provider_type)?;
        let version = Version::parse(&self.version)
            .map_err(|e| e.with_context("provider", address.to_string()))?;
        Ok((address, version))
    }
}

/// The platform a download asks for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PlatformParams {
    /// Namespace.
    ns: String,
    /// Provider type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    provider_type: String,
    /// Version.
    version: String,
    /// `linux`, `darwin`, …
    os: String,
    /// `amd64`, `arm64`, …
    arch: String,
}

/// A file of a release.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FileParams {
    /// Namespace.
    ns: String,
    /// Provider type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    provider_type: String,
    /// Version.
    version: String,
    /// The zip, `…_SHA256SUMS` or `…_SHA256SUMS.sig`.
    file: String,
}

/// A JSON answer served as `application/json` (Terraform insists).
pub(crate) fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `GET /v1/providers`: this registry's providers the caller may read.
#[utoipa::path(
    get, path = "/v1/providers", tag = "providers",
    responses((status = 200, description = "Providers, `NS/TYPE` each", body = ProviderListView), (status = 401, description = "Reads need a token", body = ErrorBody))
)]
pub async fn list(State(state): State<AppState>, Ctx(ctx): Ctx) -> ApiResult<Response> {
    let providers = state.providers()?.list(&ctx).await?;
    Ok(json_response(
        StatusCode::OK,
        &ProviderListView {
            providers: providers.iter().map(ToString::to_string).collect(),
        },
    ))
}

/// `GET /v1/providers/{ns}/{type}/versions`: every version with its
/// protocols and platforms, newest first.
#[utoipa::path(
    get, path = "/{ns}/{type}/versions", tag = "providers", params(ProviderParams),
    responses((status = 200, description = "The versions", body = ProviderVersionsView), (status = 400, description = "Malformed address", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such provider", body = ErrorBody))
)]
pub async fn versions(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): Path<ProviderParams>,
) -> ApiResult<Response> {
    let address = p.address()?;
    let releases = state.providers()?.versions(&ctx, &address).await?;
    Ok(json_response(
        StatusCode::OK,
        &ProviderVersionsView {
            id: address.to_string(),
            versions: releases.iter().map(ProviderVersionView::from).collect(),
        },
    ))
}

/// `GET /v1/providers/{ns}/{type}/{version}`: a release in detail.
#[utoipa::path(
    get, path = "/{ns}/{type}/{version}", tag = "providers", params(ProviderVersionParams),
    responses((status = 200, description = "The release", body = ProviderReleaseView), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody))
)]
pub async fn release(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): Path<ProviderVersionParams>,
) -> ApiResult<Response> {
    let (address, version) = p.parsed()?;
    let release = state.providers()?.release(&ctx, &address, &version).await?;
    Ok(json_response(
        StatusCode::OK,
        &ProviderReleaseView::from(&release),
    ))
}

fn file_url(state: &AppState, ctx: &RequestContext, dir: &str, name: &str) -> String {
    let path = format!("{dir}/files/{name}");
    let grant = grant_query(state, ctx, &path);
    format!("{path}{grant}")
}

/// `GET /v1/providers/{ns}/{type}/{version}/download/{os}/{arch}`: the
/// zip's location and digest, the `SHA256SUMS` and signature locations,
/// and the key that signed.
#[utoipa::path(
    get, path = "/{ns}/{type}/{version}/download/{os}/{arch}", tag = "providers", params(PlatformParams),
    responses(
        (status = 200, description = "Where the release's files are, and its signing key", body = ProviderDownloadView),
        (status = 400, description = "Malformed address or version", body = ErrorBody),
        (status = 403, description = "The token may not read this namespace", body = ErrorBody),
        (status = 404, description = "No such version or platform", body = ErrorBody),
        (status = 409, description = "The release was signed with a key revoked since", body = ErrorBody)
    )
)]
pub async fn download(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): Path<PlatformParams>,
) -> ApiResult<Response> {
    let address = ProviderAddress::new(&p.ns, &p.provider_type)?;
    let version = Version::parse(&p.version)?;
    let found = state
        .providers()?
        .download(&ctx, &address, &version, &p.os, &p.arch)
        .await?;
    state.metrics().provider(&address.to_string(), "download");
    let dir = format!(
        "{}{}/{}/{}",
        PROVIDERS_PATH,
        address.namespace(),
        address.provider_type(),
        version
    );
    let ty = address.provider_type();
    let body = ProviderDownloadView {
        protocols: found.release.protocols.clone(),
        os: found.platform.os.clone(),
        arch: found.platform.arch.clone(),
        filename: found.platform.filename.clone(),
        download_url: file_url(&state, &ctx, &dir, &found.platform.filename),
        shasums_url: file_url(
            &state,
            &ctx,
            &dir,
            &registry_providers::release::sums_name(ty, version.as_str()),
        ),
        shasums_signature_url: file_url(
            &state,
            &ctx,
            &dir,
            &registry_providers::release::signature_name(ty, version.as_str()),
        ),
        shasum: found.platform.sha256.hex(),
        signing_keys: SigningKeysView {
            gpg_public_keys: vec![GpgPublicKeyView {
                key_id: found.key.key_id.clone(),
                ascii_armor: found.key.public_key.clone(),
                trust_signature: String::new(),
                source: format!("{} provider key", address.namespace()),
                source_url: None,
            }],
        },
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /v1/providers/{ns}/{type}/{version}/files/{file}`: a zip (checked
/// against its sha256 first), the `SHA256SUMS` or its signature.
#[utoipa::path(
    get, path = "/{ns}/{type}/{version}/files/{file}", tag = "providers", params(FileParams, GrantQuery),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such file", body = ErrorBody))
)]
pub async fn file(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<GrantQuery>,
    Path(p): Path<FileParams>,
) -> ApiResult<Response> {
    let address = ProviderAddress::new(&p.ns, &p.provider_type)?;
    let version = Version::parse(&p.version)?;
    let ctx = grant_context(
        &state,
        ctx,
        uri.path(),
        q.grant.as_deref(),
        address.namespace(),
    )
    .await;
    let file = state
        .providers()?
        .file(&ctx, &address, &version, &p.file)
        .await?;
    let (content_type, bytes) = match file {
        ReleaseFile::Zip(b) => ("application/zip", b),
        ReleaseFile::Sums(t) => ("text/plain; charset=utf-8", bytes::Bytes::from(t)),
        ReleaseFile::Signature(s) => ("application/pgp-signature", bytes::Bytes::from(s)),
    };
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// Publish options.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProviderPublishQuery {
    /// Plugin protocol versions, comma-separated (default `5.0`).
    protocols: Option<String>,
}

/// The form, or a JSON 400 saying why the body is not one (read only
/// after the caller's rights were checked).
pub(crate) fn multipart_body(
    form: Result<Multipart, MultipartRejection>,
) -> Result<Multipart, Error> {
    form.map_err(|e| {
        Error::invalid_input(format!(
            "the body is not multipart/form-data with one part per file: {e}"
        ))
    })
}

/// The most parts one release's form may have (a zip per platform, the
/// sums and their signature).
pub const MAX_PROVIDER_PARTS: usize = 64;

/// The most bytes one release's form may hold, all parts together.
pub const MAX_PROVIDER_RELEASE_BYTES: u64 = 8 << 30;

/// Every part of the form, spooled (large ones to disk, under `spool_dir`)
/// as it arrives. Each part's name must be one of `address`'s `version`
/// (`terraform-provider-TYPE_VERSION_…`), checked before its body is read;
/// the sums and their signature may be 1 MiB each, a zip 1 GiB, and the
/// form [`MAX_PROVIDER_PARTS`] parts and [`MAX_PROVIDER_RELEASE_BYTES`].
pub(crate) async fn read_files(
    mut form: Multipart,
    address: &registry_core::ProviderAddress,
    version: &Version,
    spool_dir: Option<&std::path::Path>,
) -> Result<Vec<UploadedFile>, Error> {
    let prefix = format!(
        "terraform-provider-{}_{}_",
        address.provider_type(),
        version.as_str()
    );
    let mut files: Vec<UploadedFile> = Vec::new();
    let mut total: u64 = 0;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| Error::invalid_input(format!("the multipart body could not be read: {e}")))?
    {
        let name = field
            .file_name()
            .or(field.name())
            .map(str::to_string)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Error::invalid_input("a form part has no file name"))?;
        if name.contains('/') || name.contains('\\') || name.starts_with('.') {
            return Err(Error::invalid_input(format!(
                "file name {name:?} is not a bare file name"
            )));
        }
        if !name.starts_with(&prefix) {
            return Err(Error::validation(vec![registry_core::Problem::new(
                &name,
                format!(
                    "not one of this release's files (they are named {prefix}OS_ARCH.zip, {prefix}SHA256SUMS and {prefix}SHA256SUMS.sig); nothing of the body after it was read"
                ),
            )]));
        }
        if files.iter().any(|f| f.name == name) {
            return Err(Error::invalid_input(format!(
                "file {name:?} is given twice"
            )));
        }
        if files.len() == MAX_PROVIDER_PARTS {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!("a release has at most {MAX_PROVIDER_PARTS} files"),
            ));
        }
        let max = if name.ends_with(".zip") {
            MAX_PROVIDER_FILE_BYTES
        } else {
            crate::mirror::MAX_SUMS_BYTES as u64
        }
        .min(MAX_PROVIDER_RELEASE_BYTES - total);
        let stream = field.map_err(|e| {
            Error::invalid_input(format!("the multipart body could not be read: {e}"))
        });
        let body = registry_core::spool_stream(Box::pin(stream), spool_dir, max)
            .await
            .map_err(|e| e.with_context("file", name.clone()))?;
        total += body.size;
        files.push(UploadedFile { name, body });
    }
    Ok(files)
}

/// `POST /v1/providers/{ns}/{type}/{version}`: publish a release from a
/// `multipart/form-data` body, one part per file (each part's file name
/// is the file's): the zips, and optionally `…_SHA256SUMS` with
/// `…_SHA256SUMS.sig` signed by a key registered for the namespace.
/// Without them the registry writes and signs `SHA256SUMS` itself.
#[utoipa::path(
    post, path = "/{ns}/{type}/{version}", tag = "providers",
    params(ProviderVersionParams, ProviderPublishQuery),
    request_body(content_type = "multipart/form-data", description = "The release's files, one part each"),
    responses(
        (status = 201, description = "Published", body = ProviderReleaseView),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 403, description = "The token lacks the publisher role here", body = ErrorBody),
        (status = 409, description = "This version exists", body = ErrorBody),
        (status = 413, description = "A file is over the size limit", body = ErrorBody),
        (status = 422, description = "Files misnamed or missing, or the given SHA256SUMS or signature does not hold", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn publish(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): Path<ProviderVersionParams>,
    ApiQuery(q): ApiQuery<ProviderPublishQuery>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let (address, version) = p.parsed()?;
    let providers = state.providers()?;
    // The role is checked before a byte of the body is read.
    providers
        .authorize_publish(&ctx, &address, &version)
        .await?;
    super::provider_mirror::strict_version(version.as_str())?;
    let form = multipart_body(form)?;
    let files = read_files(form, &address, &version, state.registry().spool_dir()).await?;
    let protocols = q
        .protocols
        .map(|p| {
            p.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let release = providers
        .publish(
            &ctx,
            ReleaseUpload {
                address,
                version,
                protocols,
                files,
            },
        )
        .await
        .map_err(|e| {
            if e.kind() == ErrorKind::Integrity {
                Error::validation(vec![registry_core::Problem::new("signature", e.message())])
            } else {
                e
            }
        })?;
    state
        .metrics()
        .provider(&release.address.to_string(), "publish");
    Ok(json_response(
        StatusCode::CREATED,
        &ProviderReleaseView::from(&release),
    ))
}
