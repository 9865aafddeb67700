//! The namespaces' provider signing keys, for admins: list, register a
//! publisher's public key, rotate the registry's own, revoke.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiQuery, Ctx, NamespacePath};
use super::openapi::{ErrorBody, NamespaceParams};
use super::views::{ProviderKeyView, ProviderKeysView, RevocationView};
use crate::state::AppState;

/// Which keys to list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyListQuery {
    /// Only this namespace's keys.
    namespace: Option<String>,
}

/// `GET /v1/provider-keys`: every namespace's keys (or one's), revoked
/// ones included, never a private half. Admins only.
#[utoipa::path(
    get, path = "/v1/provider-keys", tag = "providers", params(KeyListQuery),
    responses((status = 200, description = "The keys", body = ProviderKeysView), (status = 401, description = "No token", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn list_keys(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiQuery(q): ApiQuery<KeyListQuery>,
) -> ApiResult<axum::Json<ProviderKeysView>> {
    let keys = state
        .providers()?
        .keys(&ctx, q.namespace.as_deref())
        .await?;
    Ok(axum::Json(ProviderKeysView {
        keys: keys.iter().map(ProviderKeyView::from).collect(),
    }))
}

/// A public key to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterKeyBody {
    /// The ASCII-armored OpenPGP public key (RSA or DSA: Terraform's
    /// verifier reads no other).
    public_key: String,
}

/// `POST /v1/provider-keys/{ns}`: register the public key publishers of
/// the namespace sign their own `SHA256SUMS` with. Admins only.
#[utoipa::path(
    post, path = "/v1/provider-keys/{ns}", tag = "providers", params(NamespaceParams),
    request_body = RegisterKeyBody,
    responses((status = 201, description = "Registered", body = ProviderKeyView), (status = 400, description = "Not an armored public key", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 409, description = "Already registered", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn register_key(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    NamespacePath(ns): NamespacePath,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    // The caller's rights are checked before the body is read.
    state
        .registry()
        .authorize_in(
            &ctx,
            registry_core::Action::Admin,
            &ns,
            "provider.key.add",
            &format!("providers/{}", ns.to_ascii_lowercase()),
        )
        .await?;
    let body: RegisterKeyBody = serde_json::from_slice(&body).map_err(|e| {
        registry_core::Error::invalid_input(format!(
            "the body is not {{\"public_key\": \"<ASCII-armored key>\"}}: {e}"
        ))
    })?;
    let key = state
        .providers()?
        .register_key(&ctx, &ns, &body.public_key)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(ProviderKeyView::from(&key))).into_response())
}

/// `POST /v1/provider-keys/{ns}/rotate`: a new registry key signs the
/// namespace's releases from now on. Admins only.
#[utoipa::path(
    post, path = "/v1/provider-keys/{ns}/rotate", tag = "providers", params(NamespaceParams),
    responses((status = 201, description = "The new key", body = ProviderKeyView), (status = 403, description = "Not an admin", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn rotate_key(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    NamespacePath(ns): NamespacePath,
) -> ApiResult<Response> {
    let key = state.providers()?.rotate_key(&ctx, &ns).await?;
    Ok((StatusCode::CREATED, axum::Json(ProviderKeyView::from(&key))).into_response())
}

/// A key of a namespace.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KeyParams {
    /// Namespace.
    ns: String,
    /// Key id (16 hex digits).
    key_id: String,
}

/// `POST /v1/provider-keys/{ns}/{key_id}/revoke`: revoke a key; the
/// releases the registry signed with it are signed again with the
/// current key, those a publisher signed with it are withdrawn. Admins only.
#[utoipa::path(
    post, path = "/v1/provider-keys/{ns}/{key_id}/revoke", tag = "providers", params(KeyParams),
    responses((status = 200, description = "What the revocation did", body = RevocationView), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such active key", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn revoke_key(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): Path<KeyParams>,
) -> ApiResult<axum::Json<RevocationView>> {
    let r = state
        .providers()?
        .revoke_key(&ctx, &p.ns, &p.key_id)
        .await?;
    Ok(axum::Json(RevocationView {
        key_id: r.key_id,
        resigned: r.resigned,
        withdrawn: r.withdrawn,
    }))
}
