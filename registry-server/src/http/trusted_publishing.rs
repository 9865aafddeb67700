//! Trusted publishing: the policies (admins) and the exchange of a CI
//! job's OIDC identity token for a short-lived publish token (no token
//! needed: the identity token is the credential).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use registry_core::TrustedPublisherRequest;
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiJson, Ctx};
use super::openapi::ErrorBody;
use super::views::{ExchangedTokenView, TrustedPublisherView, TrustedPublishersView};
use crate::state::AppState;

/// A policy to store.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddTrustedPublisherBody {
    /// The namespace its tokens publish to.
    namespace: String,
    /// The issuer (`https://token.actions.githubusercontent.com`,
    /// `https://gitlab.com`).
    issuer: String,
    /// The audience the CI job requests.
    audience: String,
    /// Claim name → glob (`repository` → `acme/*`).
    #[serde(default)]
    claims: std::collections::BTreeMap<String, String>,
}

/// `GET /v1/trusted-publishers`: every policy (admins).
#[utoipa::path(
    get, path = "/v1/trusted-publishers", tag = "trusted-publishing",
    responses((status = 200, description = "The policies", body = TrustedPublishersView), (status = 401, description = "No token", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
) -> ApiResult<axum::Json<TrustedPublishersView>> {
    let all = state.trusted_publishing()?.list(&ctx).await?;
    Ok(axum::Json(TrustedPublishersView {
        trusted_publishers: all.iter().map(TrustedPublisherView::from).collect(),
    }))
}

/// `POST /v1/trusted-publishers`: store a policy (admins).
#[utoipa::path(
    post, path = "/v1/trusted-publishers", tag = "trusted-publishing",
    request_body = AddTrustedPublisherBody,
    responses((status = 201, description = "Stored", body = TrustedPublisherView), (status = 400, description = "A policy that is malformed or binds no job", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn add(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiJson(body): ApiJson<AddTrustedPublisherBody>,
) -> ApiResult<Response> {
    let p = state
        .trusted_publishing()?
        .add(
            &ctx,
            TrustedPublisherRequest {
                namespace: body.namespace,
                issuer: body.issuer,
                audience: body.audience,
                claims: body.claims,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(TrustedPublisherView::from(&p)),
    )
        .into_response())
}

/// A policy's id.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PublisherParams {
    /// The policy's id.
    id: String,
}

/// `DELETE /v1/trusted-publishers/{id}`: remove a policy (admins).
#[utoipa::path(
    delete, path = "/v1/trusted-publishers/{id}", tag = "trusted-publishing", params(PublisherParams),
    responses((status = 200, description = "Removed", body = TrustedPublisherView), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such policy", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn remove(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(p): Path<PublisherParams>,
) -> ApiResult<axum::Json<TrustedPublisherView>> {
    let removed = state.trusted_publishing()?.remove(&ctx, &p.id).await?;
    Ok(axum::Json(TrustedPublisherView::from(&removed)))
}

/// An identity token to exchange.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeBody {
    /// The CI job's OIDC identity token (a JWT).
    token: String,
}

/// `POST /v1/oidc/exchange`: a publish token for the namespace of the
/// trusted publisher the identity token matches, for at most an hour.
#[utoipa::path(
    post, path = "/v1/oidc/exchange", tag = "trusted-publishing",
    request_body = ExchangeBody,
    responses((status = 200, description = "A short-lived publish token", body = ExchangedTokenView), (status = 400, description = "No token in the body", body = ErrorBody), (status = 401, description = "The identity token is refused; the answer names what did not match", body = ErrorBody), (status = 502, description = "The issuer's keys could not be read", body = ErrorBody))
)]
pub async fn exchange(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiJson(body): ApiJson<ExchangeBody>,
) -> ApiResult<axum::Json<ExchangedTokenView>> {
    let ctx = crate::oidc::exchange_context(&ctx);
    let e = state
        .trusted_publishing()?
        .exchange(&ctx, &body.token)
        .await?;
    Ok(axum::Json(ExchangedTokenView {
        token: e.token.secret.clone(),
        expires_at: e.token.info.expires_at.unwrap_or_else(chrono::Utc::now),
        namespace: e.publisher.namespace.clone(),
        trusted_publisher: e.publisher.id.clone(),
    }))
}
