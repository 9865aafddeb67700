//! `/modules/NS/NAME/SYSTEM/VERSION/submodules/PATH` and
//! `…/examples/PATH`: one directory of a version, a page of its own with
//! the same tabs as the root (readme, inputs, outputs, resources,
//! dependencies); a submodule's provision snippet calls it with `//PATH`,
//! and an example opens on its code, its calls of the module itself
//! rewritten to this registry's address.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use maud::html;
use registry_core::{Error, ModuleId};

use super::module::{PageParams, interface_tab, registry_host, snippet};
use super::version_href;
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::paths::{PageRest, PageVersion};
use crate::ui::session::Viewer;
use crate::ui::{UiResult, layout};

/// The tabs of a directory's page.
const TABS: &[(&str, &str)] = &[
    ("readme", "Readme"),
    ("inputs", "Inputs"),
    ("outputs", "Outputs"),
    ("resources", "Resources"),
    ("dependencies", "Dependencies"),
];

/// An example's tabs: its code first.
const EXAMPLE_TABS: &[(&str, &str)] = &[
    ("code", "Code"),
    ("readme", "Readme"),
    ("inputs", "Inputs"),
    ("outputs", "Outputs"),
    ("resources", "Resources"),
    ("dependencies", "Dependencies"),
];

/// A directory's path as its page names it: `modules/net` is `net` under
/// `submodules/`, `examples/basic` is `basic` under `examples/`.
pub fn short<'a>(path: &'a str, what: &str) -> &'a str {
    let prefix = if what == "submodules" {
        "modules/"
    } else {
        "examples/"
    };
    path.strip_prefix(prefix).unwrap_or(path)
}

/// `GET …/{version}/submodules/{*path}`.
pub async fn submodule(
    state: State<AppState>,
    ctx: Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    PageVersion(id): PageVersion,
    PageRest(path): PageRest,
    Query(p): Query<PageParams>,
) -> UiResult {
    part(state, ctx, &viewer, headers, id, &path, "submodules", p).await
}

/// `GET …/{version}/examples/{*path}`.
pub async fn example(
    state: State<AppState>,
    ctx: Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    PageVersion(id): PageVersion,
    PageRest(path): PageRest,
    Query(p): Query<PageParams>,
) -> UiResult {
    part(state, ctx, &viewer, headers, id, &path, "examples", p).await
}

#[allow(clippy::too_many_arguments)]
async fn part(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: &Viewer,
    headers: HeaderMap,
    id: ModuleId,
    path: &str,
    what: &str,
    p: PageParams,
) -> UiResult {
    let record = state.registry().get(&ctx, &id).await?;
    let summary = &record.metadata.summary;
    let list = if what == "submodules" {
        &summary.submodules
    } else {
        &summary.examples
    };
    let Some(dir) = list.iter().find(|m| short(&m.path, what) == path) else {
        return Err(
            Error::not_found(format!("{id} has no {} {path:?}", &what[..what.len() - 1])).into(),
        );
    };
    let tabs = if what == "examples" {
        EXAMPLE_TABS
    } else {
        TABS
    };
    let tab = p
        .tab
        .as_deref()
        .filter(|t| tabs.iter().any(|(w, _)| w == t))
        .unwrap_or(tabs[0].0);
    let host = registry_host(&state, &headers);
    let code = if tab == "code" {
        match state.registry().examples(&ctx, &id, Some(&host)).await {
            Ok(examples) => examples
                .into_iter()
                .find(|e| e.path == dir.path)
                .map(|e| e.code),
            // A registry built without a documentation generator.
            Err(e) if e.kind() == registry_core::ErrorKind::Unsupported => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let here = format!("{}/{what}/{path}", version_href(&record));
    let a = &record.address;
    let body = html! {
        p { a href=(version_href(&record)) { (a.to_string()) " " (record.version.to_string()) } }
        h1 { code { (dir.path) } }
        @if what == "submodules" {
            (snippet(
                short(&dir.path, what),
                &format!("{host}/{}/{}/{}//{}", a.namespace(), a.name(), a.system(), dir.path),
                &record.version,
            ))
        }
        nav class="tabs" aria-label="Directory" {
            @for (word, label) in tabs {
                a href=(format!("{here}?tab={word}")) aria-current=[(*word == tab).then_some("page")] { (label) }
            }
        }
        section class="tab" {
            @if tab == "code" {
                @match &code {
                    Some(c) if !c.is_empty() => {
                        p class="muted" { code { (dir.path) "/main.tf" } ", its calls of this module pointed at this registry:" }
                        pre { code { (c) } }
                    }
                    _ => p class="muted" { "This example has no " code { "main.tf" } "." },
                }
            } @else {
                (interface_tab(tab, dir, &version_href(&record)))
            }
        }
    };
    Ok(layout::page(
        &format!("{} {} {}", a, record.version, dir.path),
        "",
        viewer,
        body,
    )
    .into_response())
}
