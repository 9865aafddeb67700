//! The provider network mirror protocol under `/v1/mirror/providers/`:
//! `HOST/NS/TYPE/index.json`, `HOST/NS/TYPE/VERSION.json` and the zips
//! beside them, pulled through from the upstream configured for HOST
//! (`--upstream`), verified before anything is kept.

use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use registry_core::{Error, ErrorKind, ProviderAddress, Version};
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiQuery, Ctx};
use super::openapi::ErrorBody;
use super::protocol::{GrantQuery, grant_context, grant_query};
use super::providers::json_response;
use super::views::{EmptyView, MirrorArchiveView, MirrorIndexView, MirrorVersionView};
use crate::state::AppState;

/// A network mirror path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MirrorFileParams {
    /// The upstream registry (`registry.terraform.io`).
    host: String,
    /// Namespace.
    ns: String,
    /// Provider type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    provider_type: String,
    /// `index.json`, `VERSION.json`, or a zip named in `VERSION.json`.
    file: String,
}

fn mirror_of(state: &AppState) -> Result<&crate::mirror::Mirror, Error> {
    state.mirror().ok_or_else(|| {
        Error::not_found("this registry mirrors no upstream (configure one with --upstream HOST)")
    })
}

fn json<T: serde::Serialize>(body: &T) -> Response {
    json_response(axum::http::StatusCode::OK, body)
}

/// `GET /v1/mirror/providers/{host}/{ns}/{type}/{file}`: the versions
/// (`index.json`), a version's archives (`VERSION.json`, with `zh:` from
/// the upstream's signed `SHA256SUMS`), or a zip, fetched from upstream on
/// first use and checked against that digest.
#[utoipa::path(
    get, path = "/providers/{host}/{ns}/{type}/{file}", tag = "mirror", params(MirrorFileParams, GrantQuery),
    responses(
        (status = 200, description = "`index.json` (MirrorIndexView), `VERSION.json` (MirrorVersionView) or the zip", body = MirrorVersionView),
        (status = 400, description = "Malformed address or file name", body = ErrorBody),
        (status = 403, description = "The token may not read this namespace", body = ErrorBody),
        (status = 404, description = "No such upstream, provider, version or file", body = ErrorBody),
        (status = 502, description = "Upstream failed, or what it served does not verify (nothing kept)", body = ErrorBody)
    )
)]
pub async fn file(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<GrantQuery>,
    Path(p): Path<MirrorFileParams>,
) -> ApiResult<Response> {
    let address = ProviderAddress::new(&p.ns, &p.provider_type)?.with_host(&p.host)?;
    let mirror = mirror_of(&state)?;
    let providers = state.providers()?;
    // A grant is good for its own path only (a zip named in VERSION.json);
    // the caller's rights are checked before anything of the path is read.
    let ctx = grant_context(
        &state,
        ctx,
        uri.path(),
        q.grant.as_deref(),
        address.namespace(),
    )
    .await;
    providers.authorize_copy_read(&ctx, &address).await?;
    if p.file == "index.json" {
        let listed = mirror.provider_versions(providers, &ctx, &address).await?;
        let body = MirrorIndexView {
            versions: listed
                .versions
                .iter()
                .map(|v| (v.to_string(), EmptyView {}))
                .collect(),
        };
        let mut r = json(&body);
        if let Some(why) = listed.stale {
            let warning = format!("110 - \"served from what was kept: {why}\"");
            if let Ok(v) = HeaderValue::from_str(&warning.replace(['\r', '\n'], " ")) {
                r.headers_mut().insert(header::WARNING, v);
            }
        }
        return Ok(r);
    }
    if let Some(v) = p.file.strip_suffix(".json") {
        let version = strict_version(v)?;
        let release = mirror
            .provider_release(providers, &ctx, &address, &version)
            .await?;
        let dir = uri.path().rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let archives = release
            .platforms
            .iter()
            .map(|pl| {
                let mut hashes = vec![format!("zh:{}", pl.sha256.hex())];
                hashes.extend(pl.h1.clone());
                let grant = grant_query(&state, &ctx, &format!("{dir}/{}", pl.filename));
                (
                    format!("{}_{}", pl.os, pl.arch),
                    MirrorArchiveView {
                        url: format!("{}{grant}", pl.filename),
                        hashes,
                    },
                )
            })
            .collect();
        return Ok(json(&MirrorVersionView { archives }));
    }
    let Some(version) = zip_version(&p.file, address.provider_type()) else {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "{:?} is none of index.json, VERSION.json or a zip of {address}",
                p.file
            ),
        )
        .into());
    };
    let zip = mirror
        .provider_zip(providers, &ctx, &address, &version, &p.file)
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/zip")], zip).into_response())
}

/// The version in `terraform-provider-TYPE_VERSION_OS_ARCH.zip`.
fn zip_version(file: &str, provider_type: &str) -> Option<Version> {
    let rest = file
        .strip_prefix(&format!("terraform-provider-{provider_type}_"))?
        .strip_suffix(".zip")?;
    let mut parts = rest.rsplitn(3, '_');
    let (_arch, _os, version) = (parts.next()?, parts.next()?, parts.next()?);
    strict_version(version).ok()
}

/// A provider version as Terraform writes it: strict MAJOR.MINOR.PATCH
/// (so one release is never kept under two spellings).
pub(crate) fn strict_version(text: &str) -> registry_core::Result<Version> {
    if !registry_core::is_strict_semver(text) {
        return Err(registry_core::Error::invalid_input(format!(
            "provider version {text:?} is not MAJOR.MINOR.PATCH semver (Terraform installs no other)"
        )));
    }
    Version::parse(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn zip_names_give_their_version() {
        assert_eq!(
            super::zip_version("terraform-provider-null_2.1.2_linux_amd64.zip", "null")
                .unwrap()
                .to_string(),
            "2.1.2"
        );
        assert!(
            super::zip_version("terraform-provider-aws_2.1.2_linux_amd64.zip", "null").is_none()
        );
        assert!(super::zip_version("index.html", "null").is_none());
    }
}

/// `POST /v1/mirror/providers/{host}/{ns}/{type}/{file}` with `file` the
/// version: keep a copy of another registry's release from its zips
/// (`multipart/form-data`, one part per zip, as `terraform providers
/// mirror` wrote them), for an air-gapped site. Admins only.
#[utoipa::path(
    post, path = "/providers/{host}/{ns}/{type}/{file}", tag = "mirror", params(MirrorFileParams),
    request_body(content_type = "multipart/form-data", description = "The release's zips, one part each"),
    responses(
        (status = 201, description = "Kept", body = super::views::ProviderReleaseView),
        (status = 400, description = "Malformed request or zip", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "That version is kept already", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn import(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): Path<MirrorFileParams>,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let address = ProviderAddress::new(&p.ns, &p.provider_type)?.with_host(&p.host)?;
    state
        .registry()
        .authorize_in(
            &ctx,
            registry_core::Action::Admin,
            address.namespace(),
            "provider.import",
            &format!("providers/{address}/{}", p.file),
        )
        .await?;
    let version = strict_version(&p.file)?;
    let form = super::providers::multipart_body(form)?;
    let zips = super::providers::read_files(form, &address, &version, state.registry().spool_dir())
        .await?;
    let release = state
        .providers()?
        .import_copy(&ctx, &address, &version, zips)
        .await?;
    Ok(json_response(
        axum::http::StatusCode::CREATED,
        &super::views::ProviderReleaseView::from(&release),
    ))
}
