//! The public registry's read API: listings with `offset`/`limit` paging
//! (served by keyset queries inside), search, and module details.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use registry_core::{Filter, ModuleAddress, ModuleRecord, RequestContext, SearchQuery};
use serde::Deserialize;

use super::error::ApiResult;
use super::openapi::{ErrorBody, ModuleParams, VersionParams};
use super::protocol::{address, module_id};
use super::{AppState, Ctx, MODULES_PATH, json};

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
    /// Page size (default 15, at most 100).
    limit: Option<usize>,
    /// Only this system (provider), e.g. `aws`.
    provider: Option<String>,
    /// Only this namespace (search).
    namespace: Option<String>,
    /// Words to search for (search; required there).
    q: Option<String>,
}

impl ListQuery {
    fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }
}

/// Modules matching `filter` from `offset` on, each with its latest listed
/// version; walks keyset pages so no query scans past what it returns.
async fn latest_modules(
    state: &AppState,
    ctx: &RequestContext,
    mut filter: Filter,
    offset: usize,
    limit: usize,
) -> ApiResult<(Vec<ModuleRecord>, bool)> {
    let mut skipped = 0;
    let mut out = Vec::new();
    filter.limit = MAX_LIMIT;
    // Only modules with a listed version (so each has a latest one).
    filter.include_yanked = false;
    loop {
        let page = state.registry().storage().list_modules(&filter).await?;
        for addr in &page.items {
            // Modules the caller may not read are not counted.
            if !state.registry().can_read(ctx, addr.namespace()) {
                continue;
            }
            if skipped < offset {
                skipped += 1;
                continue;
            }
            let Ok(latest) = state.registry().latest(ctx, addr).await else {
                continue;
            };
            if out.len() == limit {
                return Ok((out, true));
            }
            out.push(latest);
        }
        match page.next {
            Some(c) => filter.after = Some(c),
            None => return Ok((out, false)),
        }
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
    let offset = q.offset.unwrap_or(0);
    let (items, more) = latest_modules(state, ctx, filter, offset, limit).await?;
    let mut extra = Vec::new();
    if let Some(p) = &q.provider {
        extra.push(format!("provider={p}"));
    }
    Ok(axum::Json(serde_json::json!({
        "meta": json::meta(limit, offset, more, base, &extra.join("&")),
        "modules": items.iter().map(json::module).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// `GET /v1/modules`.
#[utoipa::path(
    get, path = "/", tag = "modules", params(ListQuery),
    responses((status = 200, description = "Modules with their latest version, paged (`meta.next_offset`)", body = Object))
)]
pub async fn list_all(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Query(q): Query<ListQuery>,
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
    responses((status = 200, description = "The namespace's modules, paged", body = Object))
)]
pub async fn list_namespace(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(ns): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    registry_core::validate_namespace(&ns)?;
    let filter = Filter {
        system: q.provider.clone(),
        ..Filter::all().namespace(&ns)
    };
    listing(&state, &ctx, &q, filter, &format!("{MODULES_PATH}{ns}")).await
}

/// `GET /v1/modules/{ns}/{name}`: the latest version for every system.
#[utoipa::path(
    get, path = "/{ns}/{name}", tag = "modules", params(("ns" = String, Path, description = "Namespace"), ("name" = String, Path, description = "Module name"), ListQuery),
    responses((status = 200, description = "The module for every system, paged", body = Object))
)]
pub async fn list_name(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    registry_core::validate_namespace(&ns)?;
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
    responses((status = 200, description = "Matching modules, best first, paged", body = Object), (status = 400, description = "No `q`", body = ErrorBody))
)]
pub async fn search(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    let text =
        q.q.clone()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| registry_core::Error::invalid_input("the q parameter is required"))?;
    let limit = q.limit();
    let offset = q.offset.unwrap_or(0);
    let query = SearchQuery {
        text: text.clone(),
        namespace: q.namespace.clone(),
        system: q.provider.clone(),
        provider: None,
        all_versions: false,
        limit: limit + 1,
        offset,
    };
    let results = state.registry().search(&ctx, &query).await?;
    let more = results.hits.len() > limit;
    let mut modules = Vec::new();
    for hit in results.hits.iter().take(limit) {
        if let Ok(r) = state.registry().get(&ctx, &hit.id).await {
            modules.push(json::module(&r));
        }
    }
    Ok(axum::Json(serde_json::json!({
        "meta": json::meta(limit, offset, more, &format!("{MODULES_PATH}search"), &format!("q={text}")),
        "modules": modules,
    }))
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
    let providers = vec![addr.system().to_string()];
    Ok(axum::Json(json::detail(record, &versions, &providers)).into_response())
}

/// `GET /v1/modules/{ns}/{name}/{system}`: the latest version in detail.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}", tag = "modules", params(ModuleParams),
    responses((status = 200, description = "The latest version in detail: root, submodules, examples, inputs, outputs, resources, dependencies, providers", body = Object), (status = 404, description = "No such module", body = ErrorBody))
)]
pub async fn latest_detail(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name, system)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let addr = address(&ns, &name, &system)?;
    let latest = state.registry().latest(&ctx, &addr).await?;
    detail_of(&state, &ctx, &addr, &latest).await
}

/// `GET /v1/modules/{ns}/{name}/{system}/{version}` (yanked versions too).
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}", tag = "modules", params(VersionParams),
    responses((status = 200, description = "The version in detail (yanked versions too)", body = Object), (status = 404, description = "No such version", body = ErrorBody))
)]
pub async fn version_detail(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name, system, version)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    let id = module_id(&ns, &name, &system, &version)?;
    let record = state.registry().get(&ctx, &id).await?;
    detail_of(&state, &ctx, &id.address, &record).await
}

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
    responses((status = 200, description = "terraform-docs compatible markdown (`text/markdown`) or, with `format=json`, JSON", content_type = "text/markdown"), (status = 404, description = "No such version", body = ErrorBody))
)]
pub async fn docs(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name, system, version)): Path<(String, String, String, String)>,
    Query(q): Query<DocsQuery>,
) -> ApiResult<Response> {
    let id = module_id(&ns, &name, &system, &version)?;
    let d = state.registry().docs(&ctx, &id).await?;
    Ok(match q.format.as_deref() {
        Some("json") => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            d.json,
        )
            .into_response(),
        _ => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/markdown; charset=utf-8",
            )],
            d.markdown,
        )
            .into_response(),
    })
}

/// `GET …/{version}/schema`: JSON Schema of inputs and outputs.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}/schema", tag = "docs", params(VersionParams),
    responses((status = 200, description = "JSON Schema of the inputs and outputs", body = Object), (status = 404, description = "No such version", body = ErrorBody))
)]
pub async fn schema(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name, system, version)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    let id = module_id(&ns, &name, &system, &version)?;
    Ok(axum::Json(state.registry().api_doc(&ctx, &id).await?).into_response())
}

/// `GET …/{version}/examples`: generated and bundled usage examples.
#[utoipa::path(
    get, path = "/{ns}/{name}/{system}/{version}/examples", tag = "docs", params(VersionParams),
    responses((status = 200, description = "A generated usage example and the module's bundled examples", body = Object), (status = 404, description = "No such version", body = ErrorBody))
)]
pub async fn examples(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((ns, name, system, version)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    let id = module_id(&ns, &name, &system, &version)?;
    Ok(
        axum::Json(serde_json::json!({ "examples": state.registry().examples(&ctx, &id).await? }))
            .into_response(),
    )
}

/// `POST /v1/admin/reindex` (admins): rebuild the search index from the metadata store.
#[utoipa::path(
    post, path = "/v1/admin/reindex", tag = "admin",
    responses((status = 200, description = "`{\"indexed\": N}`", body = Object), (status = 403, description = "Admins only", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn reindex(State(state): State<AppState>, Ctx(ctx): Ctx) -> ApiResult<Response> {
    state.registry().authorize_admin(&ctx, "reindex").await?;
    let index = state.inner.search.clone().ok_or_else(|| {
        registry_core::Error::new(registry_core::ErrorKind::Unsupported, "no search index")
    })?;
    let n = index.rebuild(state.registry().storage().as_ref()).await?;
    Ok(axum::Json(serde_json::json!({ "indexed": n })).into_response())
}

/// Query of the audit listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditListQuery {
    /// Only records at or after this RFC 3339 time.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only records on this namespace.
    pub namespace: Option<String>,
    /// Only records after this sequence number (the `next_after` of the previous page).
    pub after: Option<u64>,
    /// Page size (default 100, at most 10000).
    pub limit: Option<usize>,
}

fn audit_log(state: &AppState) -> Result<Arc<dyn registry_core::AuditLog>, registry_core::Error> {
    state.inner.audit.clone().ok_or_else(|| {
        registry_core::Error::new(
            registry_core::ErrorKind::Unsupported,
            "no audit log is configured",
        )
    })
}

/// `GET /v1/audit` (admins): audit records, oldest first, with their chain hashes.
#[utoipa::path(
    get, path = "/v1/audit", tag = "admin", params(AuditListQuery),
    responses((status = 200, description = "`{\"records\": [...], \"next_after\": seq}`, oldest first, with chain hashes", body = Object), (status = 403, description = "Admins only", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn audit_list(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Query(q): Query<AuditListQuery>,
) -> ApiResult<Response> {
    state.registry().authorize_admin(&ctx, "audit.read").await?;
    let log = audit_log(&state)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    let records = log
        .list(&registry_core::AuditQuery {
            since: q.since,
            namespace: q.namespace,
            after: q.after,
            limit,
        })
        .await?;
    let next_after = (records.len() == limit)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
    Ok(
        axum::Json(serde_json::json!({ "records": records, "next_after": next_after }))
            .into_response(),
    )
}

/// `GET /v1/audit/verify` (admins): walk the hash chain; 200 when intact,
/// 409 naming the first broken record otherwise.
#[utoipa::path(
    get, path = "/v1/audit/verify", tag = "admin",
    responses((status = 200, description = "`{\"intact\": true, \"records\": N}`", body = Object), (status = 409, description = "`{\"intact\": false, \"broken_at\": seq, \"reason\": ...}`", body = Object), (status = 403, description = "Admins only", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn audit_verify(State(state): State<AppState>, Ctx(ctx): Ctx) -> ApiResult<Response> {
    state
        .registry()
        .authorize_admin(&ctx, "audit.verify")
        .await?;
    let log = audit_log(&state)?;
    Ok(match log.verify().await? {
        registry_core::AuditVerification::Intact { records } => {
            axum::Json(serde_json::json!({ "intact": true, "records": records })).into_response()
        }
        registry_core::AuditVerification::Broken { seq, reason } => (
            axum::http::StatusCode::CONFLICT,
            axum::Json(serde_json::json!({ "intact": false, "broken_at": seq, "reason": reason })),
        )
            .into_response(),
    })
}
