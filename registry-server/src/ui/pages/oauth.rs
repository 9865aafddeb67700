//! `/oauth/authorization`: the page `terraform login` opens. A signed-in
//! user allows (or denies) Terraform on their computer a token of its own
//! with their role; the browser then goes to Terraform's local listener
//! with a code (see [`crate::login`]). Signed out, the page sends the
//! browser to sign in and come back.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::http::Ctx;
use crate::login::{AuthorizationParams, AuthorizationRequest, LOGIN_TOKEN_TTL, mint_code};
use crate::state::AppState;
use crate::ui::session::{self, Viewer};
use crate::ui::{UiResult, layout};

/// `GET /oauth/authorization`.
pub async fn ask(viewer: Viewer, Query(p): Query<AuthorizationParams>) -> UiResult {
    let request = match AuthorizationRequest::check(&p) {
        Ok(r) => r,
        Err(e) => return Ok(refused(&viewer, e.message())),
    };
    let Some(who) = viewer.signed_in() else {
        return Ok(Redirect::to(&viewer.sign_in_href()).into_response());
    };
    let t = &who.token;
    // Every grant the new token gets, as the token the session acts as.
    let scope = t
        .grants()
        .iter()
        .map(|g| {
            let ns = if g.namespace == "*" {
                "every namespace".to_string()
            } else {
                format!("namespace {}", g.namespace)
            };
            format!("{} in {ns}", g.role)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let body = html! {
        h1 { "Allow terraform login?" }
        p {
            "Terraform on your computer (listening at " code { (request.redirect_uri.as_str()) } ") asks for a token of its own with your roles: "
            strong { (scope) } ", for " (LOGIN_TOKEN_TTL.num_days()) " days at most."
        }
        p class="muted" {
            "It is stored in Terraform's credentials file. " code { "terraform logout" } " only forgets it there; to end it, revoke it ("
            code { "registry token revoke" } ")."
        }
        form method="post" action=(crate::login::AUTHZ_PATH) class="stack" {
            input type="hidden" name="csrf" value=(who.csrf);
            @for (name, value) in hidden_fields(&p) {
                input type="hidden" name=(name) value=(value);
            }
            div {
                button type="submit" name="decision" value="allow" { "Allow" }
                " "
                button type="submit" name="decision" value="deny" { "Deny" }
            }
        }
    };
    let origin = request.redirect_uri.origin().ascii_serialization();
    Ok(layout::page("Allow terraform login", "", &viewer, body).allowing_form_target(&origin))
}

fn hidden_fields(p: &AuthorizationParams) -> Vec<(&'static str, String)> {
    [
        ("response_type", &p.response_type),
        ("client_id", &p.client_id),
        ("redirect_uri", &p.redirect_uri),
        ("state", &p.state),
        ("code_challenge", &p.code_challenge),
        ("code_challenge_method", &p.code_challenge_method),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.clone().unwrap_or_default()))
    .collect()
}

fn refused(viewer: &Viewer, why: &str) -> Response {
    let body = html! {
        h1 { "This login request is refused" }
        div class="banner bad" role="alert" { (why) }
        p { "Run " code { "terraform login HOST" } " again." }
    };
    (
        StatusCode::BAD_REQUEST,
        layout::page("Login refused", "", viewer, body),
    )
        .into_response()
}

/// The consent form's fields.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: String,
    decision: String,
    #[serde(flatten)]
    params: AuthorizationParams,
}

/// `POST /oauth/authorization`: allowed, the browser goes to Terraform's
/// listener with a code; denied, with `error=access_denied`.
pub async fn decide(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Form(f): Form<DecisionForm>,
) -> UiResult {
    session::same_origin(&headers, &uri)?;
    let who = viewer.require(&f.csrf)?;
    let request = match AuthorizationRequest::check(&f.params) {
        Ok(r) => r,
        Err(e) => return Ok(refused(&viewer, e.message())),
    };
    let target = format!("tokens/{}", who.token.id);
    if f.decision != "allow" {
        let denied = registry_core::Error::new(
            registry_core::ErrorKind::PermissionDenied,
            "the user denied terraform login",
        );
        state
            .registry()
            .record_refusal(&ctx, "login.authorize", &target, &denied)
            .await;
        return Ok(Redirect::to(request.answer(Err("access_denied")).as_str()).into_response());
    }
    let code = mint_code(state.grants(), &who.token.id, &request, chrono::Utc::now());
    state
        .registry()
        .record_success(&ctx, "login.authorize", &target)
        .await;
    Ok(Redirect::to(request.answer(Ok(&code)).as_str()).into_response())
}
