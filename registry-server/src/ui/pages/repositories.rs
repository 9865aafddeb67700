//! `/repositories`: the followed git repositories the signed-in user may
//! publish from, each with its last sync (when, the newest tag and commit
//! published, the last error, failures in a row), and
//! `/repositories/NS/NAME/SYSTEM` with every tag published from one.
//! Signed out, the pages send the browser to sign in.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use registry_core::{FollowedRepository, RepositoryStatus};

use super::date;
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::paths::PageModule;
use crate::ui::session::{self, Viewer};
use crate::ui::{UiResult, layout};

/// A sync's moment, to the minute.
fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

fn status_cell(s: &RepositoryStatus) -> Markup {
    html! {
        @match (&s.last_sync_at, &s.last_error) {
            (None, _) => span class="muted" { "never synced" },
            (Some(at), None) => span { "synced " (when(at)) },
            (Some(at), Some(e)) => {
                div class="banner bad" role="status" {
                    "synced " (when(at))
                    @if s.failures > 0 { " · " (s.failures) " failed in a row" }
                    ": " (e)
                }
            }
        }
    }
}

fn latest_cell(s: &RepositoryStatus) -> Markup {
    html! {
        @match (&s.last_tag, &s.last_commit) {
            (Some(tag), Some(commit)) => { code { (tag) } " at " code { (short(commit)) } },
            _ => span class="muted" { "—" },
        }
    }
}

/// `GET /repositories`.
pub async fn list(State(state): State<AppState>, Ctx(ctx): Ctx, viewer: Viewer) -> UiResult {
    if viewer.signed_in().is_none() {
        return Ok(Redirect::to(&session::sign_in_href("/repositories")).into_response());
    }
    let repos: Vec<FollowedRepository> = state.repositories()?.list(&ctx).await?;
    let body = html! {
        h1 { "Followed repositories" }
        p class="muted" {
            "Each tag matching a repository's pattern is published as a version of its module ("
            code { "registry repo add" } ", webhooks, and a poll every few minutes)."
        }
        @if repos.is_empty() {
            p { "No repository you may publish from is followed." }
        } @else {
            table {
                thead { tr { th { "Module" } th { "Repository" } th { "Tags" } th { "Newest published" } th { "Last sync" } } }
                tbody {
                    @for r in &repos {
                        @let module = r.spec.address.to_string();
                        tr {
                            td { a href=(format!("/repositories/{module}")) { (module) } }
                            td {
                                code { (r.spec.remote) }
                                @if let Some(p) = &r.spec.path { " · " code { (p) } }
                            }
                            td { code { (r.spec.tag_pattern.to_string()) } }
                            td { (latest_cell(&r.status)) }
                            td { (status_cell(&r.status)) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page("Followed repositories", "", &viewer, body).into_response())
}

/// `GET /repositories/{ns}/{name}/{system}`.
pub async fn detail(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    PageModule(address): PageModule,
) -> UiResult {
    let here = format!("/repositories/{address}");
    if viewer.signed_in().is_none() {
        return Ok(Redirect::to(&session::sign_in_href(&here)).into_response());
    }
    let d = state.repositories()?.get(&ctx, &address).await?;
    let r = &d.repository;
    let body = html! {
        h1 { (address) }
        table {
            tbody {
                tr { th { "Repository" } td { code { (r.spec.remote) } } }
                tr { th { "Folder" } td { @match &r.spec.path { Some(p) => code { (p) }, None => "the root" } } }
                tr { th { "Tags" } td { code { (r.spec.tag_pattern.to_string()) } } }
                tr { th { "Followed since" } td { (date(&r.created_at)) } }
                tr { th { "Last sync" } td { (status_cell(&r.status)) } }
                tr { th { "Last good sync" } td { @match &r.status.last_success_at { Some(at) => (when(at)), None => "never" } } }
                tr { th { "Newest published" } td { (latest_cell(&r.status)) } }
            }
        }
        h2 { "Published tags" }
        @if d.releases.is_empty() {
            p class="muted" { "None yet." }
        } @else {
            table {
                thead { tr { th { "Tag" } th { "Version" } th { "Commit" } th { "Published" } } }
                tbody {
                    @for rel in d.releases.iter().rev() {
                        tr {
                            td { code { (rel.tag) } }
                            td { a href=(format!("/modules/{address}/{}", rel.version)) { (rel.version) } }
                            td { code { (short(&rel.commit)) } }
                            td { (date(&rel.published_at)) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&address.to_string(), "", &viewer, body).into_response())
}
