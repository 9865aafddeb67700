//! `POST /oauth/token`: the token endpoint of `terraform login` (see
//! [`crate::login`]). Answers as RFC 6749 says: the token, or
//! `{"error", "error_description"}` with 400.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::extract::Ctx;
use crate::login::{TokenError, TokenParams, issue_token, redeem_code};
use crate::state::AppState;

/// A token for Terraform.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginTokenView {
    /// The token (`rgt_…`).
    access_token: String,
    /// Always `bearer`.
    token_type: &'static str,
    /// Seconds until it expires.
    expires_in: i64,
}

/// An OAuth error answer, which also carries the API's `errors` list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OAuthErrorView {
    /// The OAuth error code.
    error: String,
    /// What went wrong.
    error_description: String,
    /// The same, as every API error body says it.
    errors: Vec<String>,
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn oauth_error(status: StatusCode, e: TokenError) -> Response {
    no_store(
        (
            status,
            axum::Json(OAuthErrorView {
                error: e.error.to_string(),
                errors: vec![format!("{}: {}", e.error, e.description)],
                error_description: e.description,
            }),
        )
            .into_response(),
    )
}

/// `POST /oauth/token`: trade a `terraform login` code and its PKCE
/// verifier for a token with the signed-in user's role.
#[utoipa::path(
    post, path = "/oauth/token", tag = "login",
    request_body(content_type = "application/x-www-form-urlencoded", description = "grant_type=authorization_code, code, code_verifier, redirect_uri, client_id"),
    responses((status = 200, description = "The token", body = LoginTokenView), (status = 400, description = "The code, verifier or redirect does not hold", body = OAuthErrorView))
)]
pub async fn token(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    form: Result<Form<TokenParams>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(params)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            TokenError {
                error: "invalid_request",
                description: "the body is not an application/x-www-form-urlencoded token request"
                    .into(),
            },
        );
    };
    let now = chrono::Utc::now();
    let token_id = match redeem_code(state.grants(), state.redeemed_login_codes(), &params, now) {
        Ok(id) => id,
        Err(e) => {
            let refusal = registry_core::Error::new(
                registry_core::ErrorKind::Unauthenticated,
                e.description.clone(),
            );
            state
                .registry()
                .record_refusal(&ctx, "login.token", "/oauth/token", &refusal)
                .await;
            return oauth_error(StatusCode::BAD_REQUEST, e);
        }
    };
    match issue_token(state.tokens().as_ref(), &token_id, now).await {
        Ok(made) => {
            state
                .registry()
                .record_success(
                    &ctx,
                    "login.token",
                    &format!("tokens/{} from {token_id}", made.info.id),
                )
                .await;
            let expires_in = made
                .info
                .expires_at
                .map_or(0, |e| (e - now).num_seconds().max(0));
            no_store(
                axum::Json(LoginTokenView {
                    access_token: made.secret,
                    token_type: "bearer",
                    expires_in,
                })
                .into_response(),
            )
        }
        Err(e) => oauth_error(
            StatusCode::BAD_REQUEST,
            TokenError {
                error: "invalid_grant",
                description: e.message().to_string(),
            },
        ),
    }
}
