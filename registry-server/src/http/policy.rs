//! A namespace's publishing policy: `GET`/`PUT /v1/namespaces/{ns}/policy`
//! (admins of the namespace).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use registry_core::NamespacePolicy;
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiJson, Ctx, NamespacePath};
use super::openapi::{ErrorBody, NamespaceParams};
use super::views::PolicyView;
use crate::state::AppState;

/// A policy change: the keys to set, the others kept.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyChange {
    /// Refuse unsigned publishes.
    #[serde(rename = "require-signatures")]
    require_signatures: Option<bool>,
    /// `off`, `warn` or `error`.
    validation: Option<String>,
    /// `off`, `run` or `require`.
    tests: Option<String>,
    /// `off`, `warn` or `refuse`.
    #[serde(rename = "semver-guard")]
    semver_guard: Option<String>,
}

impl PolicyChange {
    fn apply(&self, policy: &mut NamespacePolicy) -> registry_core::Result<()> {
        if let Some(v) = self.require_signatures {
            policy.require_signatures = v;
        }
        if let Some(v) = &self.validation {
            policy.set("validation", v)?;
        }
        if let Some(v) = &self.tests {
            policy.set("tests", v)?;
        }
        if let Some(v) = &self.semver_guard {
            policy.set("semver-guard", v)?;
        }
        Ok(())
    }
}

/// `GET /v1/namespaces/{ns}/policy`: the namespace's publishing policy.
#[utoipa::path(
    get, path = "/v1/namespaces/{ns}/policy", tag = "admin", params(NamespaceParams),
    responses((status = 200, description = "The policy (the default when none was set)", body = PolicyView), (status = 400, description = "Malformed namespace", body = ErrorBody), (status = 403, description = "Admins of the namespace only", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn get_policy(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    NamespacePath(ns): NamespacePath,
) -> ApiResult<Response> {
    let policy = state.registry().namespace_policy(&ctx, &ns).await?;
    Ok(axum::Json(PolicyView::new(&ns, &policy)).into_response())
}

/// `PUT /v1/namespaces/{ns}/policy`: change the keys given, keep the rest.
#[utoipa::path(
    put, path = "/v1/namespaces/{ns}/policy", tag = "admin", params(NamespaceParams),
    request_body = PolicyChange,
    responses((status = 200, description = "The policy now in force", body = PolicyView), (status = 400, description = "Malformed namespace, or an unknown key or value", body = ErrorBody), (status = 403, description = "Admins of the namespace only", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn set_policy(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    NamespacePath(ns): NamespacePath,
    ApiJson(change): ApiJson<PolicyChange>,
) -> ApiResult<Response> {
    let mut policy = state.registry().namespace_policy(&ctx, &ns).await?;
    change.apply(&mut policy)?;
    let policy = state
        .registry()
        .set_namespace_policy(&ctx, &ns, &policy)
        .await?;
    Ok(axum::Json(PolicyView::new(&ns, &policy)).into_response())
}
