//! The public registry's read API: listings paged by `offset`/`limit` or
//! by `cursor` (see [`super::paging`]), search, and module details.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use registry_core::{Error, Filter, ModuleAddress, ModuleRecord, RequestContext, SearchQuery};
use serde::Deserialize;

use super::MODULES_PATH;
use super::error::ApiResult;
use super::extract::{ApiQuery, Ctx, ModulePath, NamespacePath, VersionPath};
use super::openapi::{ErrorBody, ModuleParams, VersionParams};
use super::paging::{PagePosition, latest_modules};
use super::views::{ModuleDetailView, ModuleListView, ModuleView, PageMetaView};
use crate::state::AppState;

/// The public registry's default page size.
const DEFAULT_LIMIT: usize = 15;
/// The largest page a client may ask for.
const MAX_LIMIT: usize = 100;

/// Paging and filter parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Skip this many results (from the previous page's `meta.next_offset`).
    offset: Option<usize>,
    /// Listings: continue where the previous page ended (its
    /// `meta.next_cursor`); a page costs the same at any depth. Not with `offset`.
    cursor: Option<String>,
    /// Page size (default 15, at most 100).
    limit: Option<usize>,
    /// Only this system (provider), e.g. `aws`.
    provider: Option<String>,
    /// Only this namespace.
    namespace: Option<String>,
    /// Words to search for (search; required there).
    q: Option<String>,
    /// Search: include copies mirrored from other registries (marked with
    /// `mirrored_from`; their `id` starts with the host).
    mirrored: Option<bool>,
}

impl ListQuery {
    fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    fn offset(&self) -> usize {
        self.offset.unwrap_or(0)
    }

    /// The pairs the next and previous pages keep, besides paging.
    fn page_pairs<'a>(&'a self, text: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
        let mut pairs = Vec::new();
        pairs.extend(text.map(|t| ("q", t)));
        pairs.extend(self.namespace.iter().map(|n| ("namespace", n.as_str())));
        pairs.extend(self.provider.iter().map(|p| ("provider", p.as_str())));
        if self.mirrored == Some(true) {
            pairs.push(("mirrored", "true"));
        }
        pairs
    }
}

async fn listing(
    state: &AppState,
    ctx: &RequestContext,
    q: &ListQuery,
    filter: Filter,
    base: &str,
) -> ApiResult<Response> {
    let limit = q.limit();
    let start = PagePosition::from_query(q.offset, q.cursor.as_deref())?;
    let page = latest_modules(state, ctx, filter, &start, limit).await?;
    let pairs = q.page_pairs(None);
    let mut meta = PageMetaView::new(limit, start.offset, page.next.is_some(), base, &pairs);
    if let Some(next) = &page.next {
        meta = meta.with_next_cursor(next.encode(), q.cursor.is_some(), base, &pairs);
    }
    Ok(axum::Json(ModuleListView {
        meta,
        modules: page.modules.iter().map(ModuleView::from).collect(),
    })
    .into_response())
}

/// `GET /v1/modules`.
#[utoipa::path(
    get, path = "/", tag = "modules", params(ListQuery),
    responses((status = 200, description = "Modules with their latest version, paged (`meta.next_offset`)", body = ModuleListView), (status = 400, description = "Malformed query", body = ErrorBody))
)]
pub async fn list_all(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let filter = Filter {
        system: q.provider.clone(),
        namespace: q.namespace.clone(),
        ..Filter::all()
    };
    listing(&state, &ctx, &q, filter, MODULES_PATH.trim_end_matches('/')).await
}

/// `GET /v1/modules/{ns}`.
#[utoipa::path(
    get, path = "/{ns}", tag = "modules", params(("ns" = String, Path, description = "Namespace"), ListQuery),
    responses((status = 200, description = "The namespace's modules, paged", body = ModuleListView), (status = 400, description = "Malformed namespace or query", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody))
)]
pub async fn list_namespace(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    NamespacePath(ns): NamespacePath,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let filter = Filter {
        system: q.provider.clone(),
        ..Filter::all().namespace(&ns)
    };
    listing(&state, &ctx, &q, filter, &format!("{MODULES_PATH}{ns}")).await
}

/// A module name in a path.
#[derive(Debug, Deserialize)]
pub struct NamePath {
    name: String,
}

/// `GET /v1/modules/{ns}/{name}`: the latest version for every system.
#[utoipa::path(
    get, path = "/{ns}/{name}", tag = "modules", params(("ns" = String, Path, description = "Namespace"), ("name" = String, Path, description = "Module name"), ListQuery),
    responses((status = 200, description = "The module for every system, paged", body = ModuleListView), (status = 400, description = "Malformed namespace, name or query", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody))
)]
pub async fn list_name(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    NamespacePath(ns): NamespacePath,
    axum::extract::Path(NamePath { name }): axum::extract::Path<NamePath>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    registry_core::validate_name(&name)?;
    let filter = Filter {
        name: Some(name.clone()),
        system: q.provider.clone(),
        ..Filter::all().namespace(&ns)
    };
    listing(
        &state,
        &ctx,
        &q,
        filter,
        &format!("{MODULES_PATH}{ns}/{name}"),
    )
    .await
}

/// `GET /v1/modules/search?q=`.
#[utoipa::path(
    get, path = "/search", tag = "modules", params(ListQuery),
    responses((status = 200, description = "Matching modules, best first, paged", body = ModuleListView), (status = 400, description = "No `q`, or a malformed query", body = ErrorBody))
)]
pub async fn search(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let text =
        q.q.as_deref()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| Error::invalid_input("the q parameter is required"))?;
    if q.cursor.is_some() {
        return Err(Error::invalid_input(
            "search pages by offset (its order is by relevance); cursor pages listings",
        )
        .into());
    }
    let (limit, offset) = (q.limit(), q.offset());
    let query = SearchQuery {
        text: text.to_string(),
        namespace: q.namespace.clone(),
        system: q.provider.clone(),
        provider: None,
        signed: None,
        tests: None,
        all_versions: false,
        limit: limit + 1,
        offset,
    };
    let results = state.registry().search(&ctx, &query).await?;
    let more = results.hits.len() > limit;
    let mut modules = Vec::new();
    for hit in results.hits.iter().take(limit) {
        if hit.id.address.host().is_some() && q.mirrored != Some(true) {
            continue;
        }
        if let Ok(r) = state.registry().get(&ctx, &hit.id).await {
            modules.push(ModuleView::from(&r));
        }
    }
    let base = format!("{MODULES_PATH}search");
    Ok(axum::Json(ModuleListView {
        meta: PageMetaView::new(limit, offset, more, &base, &q.page_pairs(Some(text))),
        modules,
    })
    .into_response())
}

async fn detail_of(
    state: &AppState,
    ctx: &RequestContext,
    addr: &ModuleAddress,
    record: &ModuleRecord,
) -> ApiResult<Response> {
    let versions: Vec<String> = state
        .registry()
        .versions(ctx, addr)
        .await?
        .iter()
        .map(|r| r.version.to_string())
        .collect();
    Ok(axum::Json(ModuleDetailView::new(record, versions)).into_response())
}

/// `GET /v1/modules/{ns}/{name}/{system}`: the latest version in detail.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}", tag = "modules", params(ModuleParams),
    responses((status = 200, description = "The latest version in detail: root, submodules, examples, inputs, outputs, resources, dependencies, providers", body = ModuleDetailView), (status = 400, description = "Malformed address", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such module", body = ErrorBody))
)]
pub async fn latest_detail(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ModulePath(addr): ModulePath,
) -> ApiResult<Response> {
    let latest = state.registry().latest(&ctx, &addr).await?;
    detail_of(&state, &ctx, &addr, &latest).await
}

/// `GET /v1/modules/{ns}/{name}/{system}/{version}` (yanked versions too).
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}", tag = "modules", params(VersionParams),
    responses((status = 200, description = "The version in detail (yanked versions too)", body = ModuleDetailView), (status = 400, description = "Malformed address or version", body = ErrorBody), (status = 403, description = "The token may not read this namespace", body = ErrorBody), (status = 404, description = "No such version", body = ErrorBody))
)]
pub async fn version_detail(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    VersionPath(id): VersionPath,
) -> ApiResult<Response> {
    let record = state.registry().get(&ctx, &id).await?;
    detail_of(&state, &ctx, &id.address, &record).await
}
