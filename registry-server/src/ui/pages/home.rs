//! `/`: the search box, the registry's modules with their latest versions,
//! and its namespaces.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::IntoResponse;
use maud::html;
use registry_core::Filter;

use super::card;
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::{UiResult, layout};

/// Modules shown on the home page.
const SHOWN: usize = 30;

/// `GET /`.
pub async fn home(State(state): State<AppState>, Ctx(ctx): Ctx) -> UiResult {
    let (modules, more) =
        crate::http::latest_modules(&state, &ctx, Filter::default(), 0, SHOWN).await?;
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
    Ok(layout::page("Modules", "", body).into_response())
}
