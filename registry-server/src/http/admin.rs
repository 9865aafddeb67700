//! Administration over HTTP (admins of every namespace): rebuild the
//! search index, read and verify the audit log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiQuery, Ctx};
use super::openapi::ErrorBody;
use super::views::{AuditPageView, AuditRecordView, AuditVerificationView, ReindexView};
use crate::state::AppState;

/// `POST /v1/admin/reindex` (admins): rebuild the search index from the metadata store.
#[utoipa::path(
    post, path = "/v1/admin/reindex", tag = "admin",
    responses((status = 200, description = "Versions indexed", body = ReindexView), (status = 403, description = "Admins only", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn reindex(State(state): State<AppState>, Ctx(ctx): Ctx) -> ApiResult<Response> {
    let indexed = state.registry().reindex(&ctx).await?;
    Ok(axum::Json(ReindexView { indexed }).into_response())
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

/// `GET /v1/audit` (admins): audit records, oldest first, with their chain hashes.
#[utoipa::path(
    get, path = "/v1/audit", tag = "admin", params(AuditListQuery),
    responses((status = 200, description = "Audit records, oldest first, with chain hashes; `next_after` pages on", body = AuditPageView), (status = 400, description = "Malformed query", body = ErrorBody), (status = 403, description = "Admins only", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn audit_list(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiQuery(q): ApiQuery<AuditListQuery>,
) -> ApiResult<Response> {
    state.registry().authorize_admin(&ctx, "audit.read").await?;
    let log = state.audit_log()?;
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
    Ok(axum::Json(AuditPageView {
        records: records.iter().map(AuditRecordView::from).collect(),
        next_after,
    })
    .into_response())
}

/// `GET /v1/audit/verify` (admins): walk the hash chain; 200 when intact,
/// 409 naming the first broken record otherwise.
#[utoipa::path(
    get, path = "/v1/audit/verify", tag = "admin",
    responses((status = 200, description = "The chain is intact", body = AuditVerificationView), (status = 409, description = "The first broken record and why", body = AuditVerificationView), (status = 403, description = "Admins only", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn audit_verify(State(state): State<AppState>, Ctx(ctx): Ctx) -> ApiResult<Response> {
    state
        .registry()
        .authorize_admin(&ctx, "audit.verify")
        .await?;
    let log = state.audit_log()?;
    Ok(match log.verify().await? {
        registry_core::AuditVerification::Intact { records } => axum::Json(AuditVerificationView {
            intact: true,
            records: Some(records),
            broken_at: None,
            reason: None,
        })
        .into_response(),
        registry_core::AuditVerification::Broken { seq, reason } => (
            StatusCode::CONFLICT,
            axum::Json(AuditVerificationView {
                intact: false,
                records: None,
                broken_at: Some(seq),
                reason: Some(reason),
            }),
        )
            .into_response(),
    })
}
