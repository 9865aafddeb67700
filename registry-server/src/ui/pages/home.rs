//! `/`: the search box, what the registry holds (for readers of every
//! namespace), the recently published versions, the namespaces, and the
//! modules with their latest versions.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::IntoResponse;
use maud::html;
use registry_core::Filter;

use super::card;
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::session::Viewer;
use crate::ui::{UiResult, layout};

/// Modules shown on the home page.
const SHOWN: usize = 30;

/// Recently published versions shown.
const RECENT: usize = 8;

/// `Ok(None)` for what the store or the caller's reach does not offer.
fn optional<T>(r: registry_core::Result<T>) -> registry_core::Result<Option<T>> {
    use registry_core::ErrorKind::{PermissionDenied, Unauthenticated, Unsupported};
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if matches!(e.kind(), Unsupported | PermissionDenied | Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `GET /`.
pub async fn home(State(state): State<AppState>, Ctx(ctx): Ctx, viewer: Viewer) -> UiResult {
    let start = crate::http::PagePosition::default();
    let page = crate::http::latest_modules(&state, &ctx, Filter::default(), &start, SHOWN).await?;
    let (modules, more) = (page.modules, page.next.is_some());
    let registry = state.registry();
    let totals = optional(registry.totals(&ctx).await)?;
    let recent = optional(registry.recent_versions(&ctx, RECENT).await)?.unwrap_or_default();
    let mut namespaces: BTreeMap<String, usize> = BTreeMap::new();
    for m in &modules {
        *namespaces
            .entry(m.address.namespace().to_string())
            .or_default() += 1;
    }
    let body = html! {
        h1 { "Modules" }
        form class="search" role="search" action="/search" method="get" {
            label for="home-q" class="visually-hidden" { "Search modules" }
            input id="home-q" type="search" name="q" placeholder="Search by name, description, provider, resource…" autofocus;
            button type="submit" { "Search" }
        }
        @if modules.is_empty() {
            p class="muted" { "Nothing is published here yet. Publish with " code { "registry publish NS/NAME/SYSTEM VERSION DIR" } "." }
        } @else {
            @if let Some(t) = totals {
                ul class="meta" aria-label="This registry" {
                    li { strong { (t.modules) } " modules" }
                    li { strong { (t.versions) } " versions" }
                    li { strong { (t.downloads) } " downloads" }
                }
            }
            @if !recent.is_empty() {
                h2 { "Recently published" }
                ul class="cards" {
                    @for r in &recent { (super::version_card(r)) }
                }
            }
            h2 { "Namespaces" }
            ul class="facets" {
                @for (ns, n) in &namespaces {
                    li { a href=(format!("/modules/{ns}")) { (ns) " (" (n) ")" } }
                }
            }
            h2 { "Modules" }
            ul class="cards" {
                @for m in &modules { (card(m)) }
            }
            @if more {
                p { a href="/search?q=*" { "More modules…" } }
            }
        }
    };
    Ok(layout::page("Modules", "", &viewer, body).into_response())
}
