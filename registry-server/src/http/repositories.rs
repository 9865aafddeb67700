//! Followed repositories: add, list, read, remove, sync (admins and the
//! publishers of the module's namespace), and the git hosts' webhooks
//! (checked by each host's signature, not by token).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use registry_core::ModuleAddress;
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiJson, Ctx, ModulePath};
use super::openapi::{ErrorBody, ModuleParams};
use super::views::{AddedRepositoryView, RepositoriesView, RepositoryReleaseView, RepositoryView};
use crate::repos::{HookHost, HookOutcome, RepositoryRequest, SyncReport};
use crate::state::AppState;

/// The git hosts whose webhooks are understood, as their path segment.
pub const HOOK_HOSTS: [&str; 4] = ["github", "gitlab", "bitbucket", "gitea"];

/// A repository to follow.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddRepositoryBody {
    /// `NS/NAME/SYSTEM`: the module its tags publish.
    module: String,
    /// The git remote (`https://…`, `ssh://…`, `git://…`, `git@host:path`).
    git: String,
    /// The module's folder in the repository (default: its root).
    path: Option<String>,
    /// Which tags are versions (default `v{version}`).
    tag_pattern: Option<String>,
}

/// `GET /v1/repositories`: the repositories the caller may publish from.
#[utoipa::path(
    get, path = "/v1/repositories", tag = "repositories",
    responses((status = 200, description = "The repositories", body = RepositoriesView), (status = 401, description = "No token", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
) -> ApiResult<axum::Json<RepositoriesView>> {
    let repos = state.repositories()?;
    if matches!(ctx.actor, registry_core::Actor::Anonymous) {
        return Err(registry_core::Error::new(
            registry_core::ErrorKind::Unauthenticated,
            "listing followed repositories needs an API token",
        )
        .into());
    }
    let all = repos.list(&ctx).await?;
    Ok(axum::Json(RepositoriesView {
        repositories: all.iter().map(RepositoryView::from).collect(),
    }))
}

/// `POST /v1/repositories`: follow a repository. The answer carries the
/// webhook secret, shown this once.
#[utoipa::path(
    post, path = "/v1/repositories", tag = "repositories",
    request_body = AddRepositoryBody,
    responses((status = 201, description = "Followed", body = AddedRepositoryView), (status = 400, description = "A malformed module, remote, folder or pattern", body = ErrorBody), (status = 403, description = "Not a publisher of the namespace", body = ErrorBody), (status = 409, description = "The module follows a repository already", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn add(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiJson(body): ApiJson<AddRepositoryBody>,
) -> ApiResult<Response> {
    let address: ModuleAddress = body.module.parse()?;
    let added = state
        .repositories()?
        .add(
            &ctx,
            RepositoryRequest {
                address: address.clone(),
                remote: body.git,
                path: body.path,
                tag_pattern: body.tag_pattern,
            },
        )
        .await?;
    let view = AddedRepositoryView {
        repository: RepositoryView::from(&added.repository),
        hook_secret: secrecy::ExposeSecret::expose_secret(&added.hook_secret).to_string(),
        hooks: HOOK_HOSTS
            .iter()
            .map(|h| format!("/v1/hooks/{h}/{address}"))
            .collect(),
    };
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// `GET /v1/repositories/{ns}/{name}/{system}`: a module's repository, its
/// status and the tags published from it.
#[utoipa::path(
    get, path = "/v1/repositories/{ns}/{name}/{system}", tag = "repositories", params(ModuleParams),
    responses((status = 200, description = "The repository", body = RepositoryView), (status = 400, description = "A malformed module address", body = ErrorBody), (status = 403, description = "Not a publisher of the namespace", body = ErrorBody), (status = 404, description = "The module follows no repository", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ModulePath(address): ModulePath,
) -> ApiResult<axum::Json<RepositoryView>> {
    let detail = state.repositories()?.get(&ctx, &address).await?;
    let mut view = RepositoryView::from(&detail.repository);
    view.releases = detail
        .releases
        .iter()
        .map(RepositoryReleaseView::from)
        .collect();
    Ok(axum::Json(view))
}

/// `DELETE /v1/repositories/{ns}/{name}/{system}`: stop following; the
/// versions published stay.
#[utoipa::path(
    delete, path = "/v1/repositories/{ns}/{name}/{system}", tag = "repositories", params(ModuleParams),
    responses((status = 204, description = "No longer followed"), (status = 400, description = "A malformed module address", body = ErrorBody), (status = 403, description = "Not a publisher of the namespace", body = ErrorBody), (status = 404, description = "The module follows no repository", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn remove(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ModulePath(address): ModulePath,
) -> ApiResult<StatusCode> {
    state.repositories()?.remove(&ctx, &address).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/repositories/{ns}/{name}/{system}/sync`: sync now and say what
/// became of each new or moved tag.
#[utoipa::path(
    post, path = "/v1/repositories/{ns}/{name}/{system}/sync", tag = "repositories", params(ModuleParams),
    responses((status = 200, description = "What the sync did", body = SyncReport), (status = 400, description = "A malformed module address", body = ErrorBody), (status = 403, description = "Not a publisher of the namespace", body = ErrorBody), (status = 404, description = "The module follows no repository", body = ErrorBody), (status = 409, description = "Another process is syncing it", body = ErrorBody), (status = 502, description = "The remote could not be read", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn sync(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ModulePath(address): ModulePath,
) -> ApiResult<axum::Json<SyncReport>> {
    Ok(axum::Json(
        state.repositories()?.sync(&ctx, &address).await?,
    ))
}

/// A webhook's path: the host and the module.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct HookParams {
    /// `github`, `gitlab`, `bitbucket` or `gitea`.
    git_host: String,
    /// Namespace.
    ns: String,
    /// Module name.
    name: String,
    /// Target system.
    system: String,
}

/// The largest webhook body read (GitHub caps its payloads at 25 MB; a tag
/// push is a few kilobytes).
pub const MAX_HOOK_BYTES: usize = 1024 * 1024;

/// `POST /v1/hooks/{git_host}/{ns}/{name}/{system}`: a push from a git host,
/// signed with the repository's secret; starts a sync (202), or answers a
/// ping (200).
#[utoipa::path(
    post, path = "/{git_host}/{ns}/{name}/{system}", tag = "repositories", params(HookParams),
    responses((status = 202, description = "A sync was started"), (status = 200, description = "A ping, answered"), (status = 400, description = "An unknown host or a malformed module", body = ErrorBody), (status = 401, description = "The signature does not match", body = ErrorBody))
)]
pub async fn hook(
    State(state): State<AppState>,
    Path(p): Path<HookParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let host: HookHost = p.git_host.parse().map_err(|e: registry_core::Error| {
        registry_core::Error::invalid_input(e.message().to_string())
    })?;
    let address = ModuleAddress::new(&p.ns, &p.name, &p.system)?;
    let outcome = state
        .repositories()?
        .hook(host, &address, &headers, &body)
        .await?;
    Ok(match outcome {
        HookOutcome::Ping => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "pong"})),
        )
            .into_response(),
        HookOutcome::Sync => (
            StatusCode::ACCEPTED,
            axum::Json(
                serde_json::json!({"status": "sync started", "module": address.to_string()}),
            ),
        )
            .into_response(),
    })
}
