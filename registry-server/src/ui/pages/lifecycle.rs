//! Deprecate, yank and their reverse from a version's page, for signed-in
//! publishers and admins of its namespace: each action asks for
//! confirmation on a page of its own (`…/VERSION/lifecycle?action=…`),
//! whose form posts back there with the session's CSRF token. The change
//! goes through the same `Registry::change_lifecycle` as the API, so it is
//! authorized and audited the same way.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use registry_core::{Error, LifecycleChange, ModuleRecord};
use serde::Deserialize;

use super::version_href;
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::paths::PageVersion;
use crate::ui::session::{self, Viewer};
use crate::ui::{UiResult, layout};

/// The four actions: (`action=` word, button label, what it does).
const ACTIONS: &[(&str, &str, &str)] = &[
    (
        "deprecate",
        "Deprecate",
        "The version stays listed and resolvable, flagged with your reason on its page, in the API and in `registry versions`.",
    ),
    (
        "undeprecate",
        "Undeprecate",
        "The deprecation flag and its reason are removed.",
    ),
    (
        "yank",
        "Yank",
        "The version is hidden from version lists and resolution; lock files that pin it still download it.",
    ),
    (
        "unyank",
        "Unyank",
        "The version is listed and resolvable again.",
    ),
];

/// `?action=`.
#[derive(Debug, Deserialize)]
pub struct ActionParam {
    action: String,
}

/// The confirmation form's fields.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    action: String,
    csrf: String,
    reason: Option<String>,
    successor: Option<String>,
}

fn action(word: &str) -> Result<&'static (&'static str, &'static str, &'static str), Error> {
    ACTIONS.iter().find(|(w, _, _)| *w == word).ok_or_else(|| {
        Error::invalid_input(format!(
            "unknown action {word:?}: expected deprecate, undeprecate, yank or unyank"
        ))
    })
}

fn lifecycle_href(r: &ModuleRecord, word: &str) -> String {
    format!("{}/lifecycle?action={word}", version_href(r))
}

/// The actions a signed-in publisher of the namespace may take on this
/// version, as links to their confirmation pages; nothing for others.
pub fn actions(viewer: &Viewer, r: &ModuleRecord) -> Markup {
    let Some(who) = viewer.signed_in() else {
        return html! {};
    };
    if !who.may_publish(r.address.namespace()) {
        return html! {};
    }
    let l = &r.metadata.lifecycle;
    let deprecate = if l.deprecated.is_some() {
        "undeprecate"
    } else {
        "deprecate"
    };
    let yank = if l.yanked.is_some() { "unyank" } else { "yank" };
    html! {
        p class="manage" {
            "Manage this version: "
            a href=(lifecycle_href(r, deprecate)) { (action(deprecate).map(|a| a.1).unwrap_or("")) "…" }
            " · "
            a href=(lifecycle_href(r, yank)) { (action(yank).map(|a| a.1).unwrap_or("")) "…" }
        }
    }
}

/// `GET …/{version}/lifecycle?action=…`: what the action does, and a form
/// to confirm it.
pub async fn confirm(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    PageVersion(id): PageVersion,
    Query(q): Query<ActionParam>,
) -> UiResult {
    let Some(who) = viewer.signed_in() else {
        return Ok(Redirect::to(&viewer.sign_in_href()).into_response());
    };
    let (word, label, effect) = action(&q.action)?;
    let record = state.registry().get(&ctx, &id).await?;
    if !who.may_publish(record.address.namespace()) {
        return Err(Error::new(
            registry_core::ErrorKind::PermissionDenied,
            format!(
                "your token may not change versions in namespace {}",
                record.address.namespace()
            ),
        )
        .into());
    }
    let title = format!("{label} {} {}?", record.address, record.version);
    let back = version_href(&record);
    let body = html! {
        h1 { (title) }
        p { (effect) }
        form class="stack" method="post" action=(format!("{back}/lifecycle")) {
            input type="hidden" name="action" value=(word);
            input type="hidden" name="csrf" value=(who.csrf);
            @if *word == "deprecate" {
                label for="reason" { "Reason (shown to users)" }
                textarea id="reason" name="reason" required rows="3" maxlength="1000" {}
                label for="successor" { "Use instead (optional: a module address or a version)" }
                input id="successor" name="successor" maxlength="300";
            }
            @if *word == "yank" {
                label for="reason" { "Reason (optional)" }
                textarea id="reason" name="reason" rows="3" maxlength="1000" {}
            }
            div class="row" {
                button type="submit" class="danger" { (label) }
                a href=(back) { "Cancel" }
            }
        }
    };
    Ok(layout::page(&title, "", &viewer, body).into_response())
}

/// `POST …/{version}/lifecycle`: apply the confirmed action and go back
/// to the version's page, which shows the result.
pub async fn apply(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    uri: axum::http::Uri,
    PageVersion(id): PageVersion,
    Form(f): Form<ActionForm>,
) -> UiResult {
    session::same_origin(&headers, &uri)?;
    viewer.require(&f.csrf)?;
    let (word, _, _) = action(&f.action)?;
    let filled = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let change = match *word {
        "deprecate" => LifecycleChange::Deprecate {
            reason: filled(f.reason)
                .ok_or_else(|| Error::invalid_input("a deprecation needs a reason"))?,
            successor: filled(f.successor),
        },
        "undeprecate" => LifecycleChange::Undeprecate,
        "yank" => LifecycleChange::Yank {
            reason: filled(f.reason),
        },
        _ => LifecycleChange::Unyank,
    };
    let record = state.registry().change_lifecycle(&ctx, &id, change).await?;
    Ok(Redirect::to(&version_href(&record)).into_response())
}
