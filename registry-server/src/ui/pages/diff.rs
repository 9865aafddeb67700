//! `/modules/NS/NAME/SYSTEM/diff/FROM...TO`: what changed in the module's
//! API between two versions (the API diff `GET /v1/…/diff/FROM...TO`
//! serves), each change marked breaking or not, and the verdict: whether
//! the change needed a new major version and got one.

use axum::extract::State;
use axum::response::IntoResponse;
use maud::html;

use super::{module_href, version_href};
use crate::http::Ctx;
use crate::http::views::word;
use crate::state::AppState;
use crate::ui::paths::{PageModule, PageRest};
use crate::ui::session::Viewer;
use crate::ui::{UiResult, layout};

/// `GET /modules/{ns}/{name}/{system}/diff/{range}`.
pub async fn diff(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    PageModule(address): PageModule,
    PageRest(range): PageRest,
) -> UiResult {
    let (old, new, d) = crate::http::diff::versions_diff(&state, &ctx, &address, &range).await?;
    let major = old.version.opens_new_major(&new.version);
    let title = format!("{address}: {} → {}", old.version, new.version);
    let body = html! {
        h1 { a href=(module_href(&address)) { (address.to_string()) } }
        p {
            a href=(version_href(&old)) { (old.version.to_string()) } " → "
            a href=(version_href(&new)) { (new.version.to_string()) }
        }
        @if d.changes.is_empty() {
            div class="banner warn" role="status" { "No change to the module's API." }
        } @else if !d.is_breaking() {
            div class="banner warn" role="status" { "Nothing breaks: callers of " (old.version.to_string()) " can move to " (new.version.to_string()) "." }
        } @else if major {
            div class="banner warn" role="status" { "Breaking changes, in a new major version, as semantic versioning asks." }
        } @else {
            div class="banner bad" role="alert" { "Breaking changes without a new major version: callers with a " code { "~>" } " constraint will get them." }
        }
        @if !d.changes.is_empty() {
            table {
                thead { tr { th { "Where" } th { "What" } th { "Change" } th { "Breaking" } th { "Detail" } } }
                tbody {
                    @for c in &d.changes {
                        tr {
                            td { @if c.path.is_empty() { "root" } @else { code { (c.path) } } }
                            td { (word(&c.item).replace('_', " ")) " " code { (c.name) } }
                            td { (word(&c.kind)) }
                            td { @if c.breaking { strong { "yes" } } @else { "no" } }
                            td { (c.detail) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&title, "", &viewer, body).into_response())
}
