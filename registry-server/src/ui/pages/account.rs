//! `/account`: who the browser is signed in as (the token, its namespace,
//! role and expiry) and every session opened with that token, each of
//! which can be ended here; and the sign-out button.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use maud::html;
use serde::Deserialize;

use super::date;
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::session::{self, Viewer};
use crate::ui::{UiResult, layout};

/// `GET /account`.
pub async fn account(State(state): State<AppState>, viewer: Viewer) -> UiResult {
    let Some(who) = viewer.signed_in() else {
        return Ok(Redirect::to(&session::sign_in_href("/account")).into_response());
    };
    let now = chrono::Utc::now();
    let sessions = state.tokens().sessions(&who.token.id).await?;
    let t = &who.token;
    let body = html! {
        h1 { "Signed in" }
        table {
            tbody {
                tr { th { "Token" } td { code { (t.id) } @if let Some(d) = &t.description { " · " (d) } } }
                tr { th { "Namespace" } td { @if t.namespace == "*" { "every namespace" } @else { code { (t.namespace) } } } }
                tr { th { "Role" } td { (t.role.to_string()) } }
                @for g in &t.also {
                    tr { th { "Also" } td { (g.role.to_string()) " in " @if g.namespace == "*" { "every namespace" } @else { code { (g.namespace) } } } }
                }
                tr { th { "Token expires" } td { @match &t.expires_at { Some(e) => (date(e)), None => "never" } } }
                tr { th { "This session ends" } td { (who.session.expires_at.format("%Y-%m-%d %H:%M UTC").to_string()) } }
            }
        }
        p { a href="/repositories" { "Followed repositories" } " you may publish from, and how their last syncs went." }
        form method="post" action="/sign-out" {
            input type="hidden" name="csrf" value=(who.csrf);
            button type="submit" { "Sign out" }
        }
        h2 { "Sessions of this token" }
        p class="muted" { "Every browser signed in with this token. Ending a session signs that browser out; revoking the token (" code { "registry token revoke" } ") ends them all." }
        table {
            thead { tr { th { "Opened" } th { "Ends" } th { "Browser" } th { "State" } th { "" } } }
            tbody {
                @for s in &sessions {
                    tr {
                        td { (s.created_at.format("%Y-%m-%d %H:%M").to_string()) }
                        td { (s.expires_at.format("%Y-%m-%d %H:%M").to_string()) }
                        td { (s.client.as_deref().unwrap_or("—")) }
                        td {
                            @if s.id == who.session.id { strong { "this browser" } }
                            @else if s.revoked_at.is_some() { "ended" }
                            @else if !s.is_usable(now) { "expired" }
                            @else { "open" }
                        }
                        td {
                            @if s.is_usable(now) && s.id != who.session.id {
                                form method="post" action=(format!("/account/sessions/{}/end", s.id)) {
                                    input type="hidden" name="csrf" value=(who.csrf);
                                    button type="submit" { "End" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page("Signed in", "", &viewer, body).into_response())
}

/// The fields of a form a signed-in user sends.
#[derive(Debug, Deserialize)]
pub struct EndForm {
    csrf: String,
}

/// `POST /account/sessions/{id}/end`: end another session of the same
/// token (never one of another token's).
pub async fn end_session(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Path(id): Path<String>,
    Form(f): Form<EndForm>,
) -> UiResult {
    session::same_origin(&headers, &uri)?;
    let who = viewer.require(&f.csrf)?;
    let own = state.tokens().sessions(&who.token.id).await?;
    if !own.iter().any(|s| s.id == id) {
        return Err(registry_core::Error::not_found("no such session of this token").into());
    }
    super::sign_in::end(&state, &ctx, &id).await?;
    Ok(Redirect::to("/account").into_response())
}
