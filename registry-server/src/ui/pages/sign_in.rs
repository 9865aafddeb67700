//! `/sign-in`: a form taking an API token, which opens a server-side web
//! session acting as that token (the cookie holds only the session's
//! random secret). Always offered; needed for reading when the registry
//! runs with `--require-auth`. A wrong token answers 401, which the guard
//! counts against the address like any failed authentication.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use registry_core::RequestContext;
use serde::Deserialize;

use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::session::{self, Viewer};
use crate::ui::{UiResult, layout};

/// `?next=`: where to go once signed in.
#[derive(Debug, Default, Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

impl NextParam {
    /// Where to go, as asked (unchecked: see [`session::safe_next`]).
    pub fn next(&self) -> Option<&str> {
        self.next.as_deref()
    }
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    token: String,
    next: Option<String>,
}

/// `GET /sign-in`.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(p): Query<NextParam>,
) -> UiResult {
    let next = session::safe_next(p.next.as_deref());
    let sso = state.oidc_sign_in().map(|s| s.issuer().to_string());
    Ok(page(&viewer, &next, None, StatusCode::OK, sso.as_deref()))
}

fn page(
    viewer: &Viewer,
    next: &str,
    problem: Option<&str>,
    status: StatusCode,
    sso: Option<&str>,
) -> Response {
    let sso_href = format!(
        "/sign-in/oidc?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    let body = html! {
        h1 { "Sign in" }
        @if let Some(who) = viewer.signed_in() {
            p { "You are signed in as token " code { (who.token.id) } ". Signing in again replaces that session." }
        }
        @if let Some(p) = problem {
            div class="banner bad" role="alert" { (p) }
        }
        @if let Some(issuer) = sso {
            p { a class="button" href=(sso_href) { "Sign in with your organisation's account" } " (" (issuer) ")" }
            p class="muted" { "Or with an API token:" }
        }
        p { "Paste an API token (" code { "registry token create" } " makes one). The registry keeps a session for this browser; the token itself is not stored in it." }
        form class="stack" method="post" action="/sign-in" {
            label for="token" { "API token" }
            input id="token" type="password" name="token" autocomplete="off" required spellcheck="false";
            input type="hidden" name="next" value=(next);
            button type="submit" { "Sign in" }
        }
    };
    (status, layout::page("Sign in", "", viewer, body)).into_response()
}

/// `POST /sign-in`: check the token, open a session, set its cookie and
/// go on to `next`.
pub async fn sign_in(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Form(f): Form<SignInForm>,
) -> UiResult {
    session::same_origin(&headers, &uri)?;
    let next = session::safe_next(f.next.as_deref());
    let now = chrono::Utc::now();
    let token = match state.tokens().authenticate(f.token.trim(), now).await {
        Ok(t) => t,
        Err(e) if e.kind() == registry_core::ErrorKind::Unauthenticated => {
            state
                .registry()
                .record_refusal(&ctx, "sign-in", "/sign-in", &e)
                .await;
            return Ok(page(
                &viewer,
                &next,
                Some("That token is not valid: it is unknown, expired or revoked."),
                StatusCode::UNAUTHORIZED,
                state.oidc_sign_in().map(|s| s.issuer()),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    open_browser_session(&state, &ctx, &viewer, &headers, &token, &next, "sign-in").await
}

/// Open a session for this browser acting as `token` (replacing the one
/// it had), audited as `action`, and go on to `next` with its cookie.
pub(super) async fn open_browser_session(
    state: &AppState,
    ctx: &RequestContext,
    viewer: &Viewer,
    headers: &HeaderMap,
    token: &registry_core::TokenInfo,
    next: &str,
    action: &str,
) -> UiResult {
    let now = chrono::Utc::now();
    let ttl =
        chrono::Duration::from_std(state.web_sessions().ttl).unwrap_or(chrono::Duration::hours(12));
    let expires_at = match token.expires_at {
        Some(e) => e.min(now + ttl),
        None => now + ttl,
    };
    let client = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let opened = state
        .tokens()
        .open_session(&token.id, expires_at, client, now)
        .await?;
    if let Some(old) = viewer.signed_in() {
        let _ = state.tokens().revoke_session(&old.session.id, now).await;
    }
    let mut as_token = ctx.clone();
    as_token.actor = token.actor();
    state
        .registry()
        .record_success(&as_token, action, &format!("session:{}", opened.info.id))
        .await;
    let mut resp = Redirect::to(next).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(state, &opened.secret, expires_at - now),
    );
    Ok(resp)
}

/// The form fields of a signed-in user's action.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /sign-out`: end this browser's session and drop its cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Form(f): Form<CsrfForm>,
) -> UiResult {
    session::same_origin(&headers, &uri)?;
    let who = viewer.require(&f.csrf)?;
    end(&state, &ctx, &who.session.id).await?;
    let mut resp = Redirect::to("/").into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(&state));
    Ok(resp)
}

/// End a session, audited as the caller.
pub(super) async fn end(
    state: &AppState,
    ctx: &RequestContext,
    id: &str,
) -> Result<(), crate::ui::UiError> {
    state
        .tokens()
        .revoke_session(id, chrono::Utc::now())
        .await?;
    state
        .registry()
        .record_success(ctx, "sign-out", &format!("session:{id}"))
        .await;
    Ok(())
}
