//! `/modules/NS`: a namespace's modules with their latest versions, paged.

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use maud::html;
use registry_core::{Filter, validate_namespace};
use serde::Deserialize;

use super::card;
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::paths::PageNamespace;
use crate::ui::session::Viewer;
use crate::ui::{UiResult, layout};

/// Modules per page.
const PAGE: usize = 50;

/// `?offset=`.
#[derive(Debug, Deserialize)]
pub struct Paging {
    #[serde(default)]
    offset: usize,
}

/// `GET /modules/{ns}`.
pub async fn namespace(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    PageNamespace(ns): PageNamespace,
    Query(p): Query<Paging>,
) -> UiResult {
    validate_namespace(&ns)?;
    let filter = Filter {
        namespace: Some(ns.clone()),
        ..Filter::default()
    };
    let start = crate::http::PagePosition::at_offset(p.offset);
    let page = crate::http::latest_modules(&state, &ctx, filter, &start, PAGE).await?;
    let (modules, more) = (page.modules, page.next.is_some());
    let body = html! {
        h1 { (ns) }
        @if modules.is_empty() {
            p class="muted" { "No modules in this namespace." }
        } @else {
            ul class="cards" { @for m in &modules { (card(m)) } }
            nav aria-label="Pages" {
                @if p.offset > 0 {
                    a href=(format!("/modules/{ns}?offset={}", p.offset.saturating_sub(PAGE))) { "← Previous" }
                    " "
                }
                @if more {
                    a href=(format!("/modules/{ns}?offset={}", p.offset + PAGE)) { "Next →" }
                }
            }
        }
    };
    Ok(layout::page(&ns, "", &viewer, body).into_response())
}
