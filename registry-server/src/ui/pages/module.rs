//! `/modules/NS/NAME/SYSTEM[/VERSION]`: a module version's page. The
//! header (address, description, version and date, source, downloads,
//! signature, tests, deprecation and yank banners, a note when it is not
//! the latest), a provision snippet for this registry, a version picker
//! (a plain form), and tabs, each its own URL (`?tab=inputs`): Readme,
//! Inputs, Outputs, Resources, Dependencies, Submodules, Examples, Tests
//! (what the checks on publish found), Integrity (digests, signer, a
//! lock-file entry), Used by (calls of it in this registry), Versions.
//! A mirrored copy (`/mirror/HOST/…`) shows where it came from and the
//! CLI configuration that installs it through us, instead of the
//! lifecycle actions (its releases are its upstream's).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, PreEscaped, html};
use registry_core::{ModuleAddress, ModuleInterface, ModuleRecord, Version};
use serde::Deserialize;

use super::{date, module_href, version_href};
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::paths::{PageModule, PageVersion};
use crate::ui::session::Viewer;
use crate::ui::{UiResult, layout, markdown};

/// The tabs, in order: (`?tab=` word, label).
const TABS: &[(&str, &str)] = &[
    ("readme", "Readme"),
    ("inputs", "Inputs"),
    ("usage", "Usage"),
    ("outputs", "Outputs"),
    ("resources", "Resources"),
    ("dependencies", "Dependencies"),
    ("submodules", "Submodules"),
    ("examples", "Examples"),
    ("tests", "Tests"),
    ("integrity", "Integrity"),
    ("used-by", "Used by"),
    ("versions", "Versions"),
];

/// `?tab=` and the version picker's `?v=`.
#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    /// The tab shown.
    pub(super) tab: Option<String>,
    /// The version picker's choice (a form with scripts off).
    v: Option<String>,
    /// The usage builder's typed values (`in.NAME`), with anything else.
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

/// `GET /modules/{ns}/{name}/{system}`: the latest version.
pub async fn latest(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    PageModule(address): PageModule,
    Query(p): Query<PageParams>,
) -> UiResult {
    if let Some(v) = p.v.as_deref().filter(|v| !v.is_empty()) {
        return Ok(pick(&address, v, p.tab.as_deref()).into_response());
    }
    let record = state.registry().latest(&ctx, &address).await?;
    render(&state, &ctx, &viewer, &headers, record, &p).await
}

/// `GET /modules/{ns}/{name}/{system}/{version}`.
pub async fn version(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    PageVersion(id): PageVersion,
    Query(p): Query<PageParams>,
) -> UiResult {
    if let Some(v) =
        p.v.as_deref()
            .filter(|v| !v.is_empty() && *v != id.version.as_str())
    {
        return Ok(pick(&id.address, v, p.tab.as_deref()).into_response());
    }
    let record = state.registry().get(&ctx, &id).await?;
    render(&state, &ctx, &viewer, &headers, record, &p).await
}

/// The version picker's answer: that version's page, same tab.
fn pick(address: &ModuleAddress, v: &str, tab: Option<&str>) -> Redirect {
    let v: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
    let tab = tab
        .filter(|t| TABS.iter().any(|(w, _)| w == t))
        .map(|t| format!("?tab={t}"))
        .unwrap_or_default();
    Redirect::to(&format!("{}/{v}{tab}", module_href(address)))
}

/// The `~>` constraint a caller would write for `v`: the minor series from
/// 1.0 on, the patch series before (where minors break).
pub(super) fn constraint(v: &Version) -> String {
    let s = v.segments();
    let (major, minor, patch) = (
        s.first().copied().unwrap_or(0),
        s.get(1).copied().unwrap_or(0),
        s.get(2).copied().unwrap_or(0),
    );
    if major == 0 {
        format!("~> 0.{minor}.{patch}")
    } else {
        format!("~> {major}.{minor}")
    }
}

/// The host callers write in module sources: `--public-url`'s, else the
/// request's `Host`.
pub(super) fn registry_host(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(h) = state.public_host() {
        return h.to_string();
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("registry.example.com")
        .to_string()
}

async fn render(
    state: &AppState,
    ctx: &registry_core::RequestContext,
    viewer: &Viewer,
    headers: &HeaderMap,
    record: ModuleRecord,
    p: &PageParams,
) -> UiResult {
    let registry = state.registry();
    let latest = registry.latest(ctx, &record.address).await.ok();
    let versions = registry.versions(ctx, &record.address).await?;
    let recent = super::downloads::recent(state, ctx, &record.address).await?;
    let module_downloads: u64 = versions.iter().map(|r| r.metadata.downloads).sum();
    let tab = p
        .tab
        .as_deref()
        .filter(|t| TABS.iter().any(|(w, _)| w == t))
        .unwrap_or("readme");
    let meta = &record.metadata;
    let summary = &meta.summary;
    let host = registry_host(state, headers);
    // A mirrored copy is called by its upstream's address; a host block
    // sends that host's modules here.
    let source = format!(
        "{}/{}/{}/{}",
        record.address.host().unwrap_or(&host),
        record.address.namespace(),
        record.address.name(),
        record.address.system()
    );
    let here = version_href(&record);
    let used_by = if tab == "used-by" {
        super::used_by::find(state, ctx, &record.address, &host).await?
    } else {
        None
    };
    let body = html! {
        h1 { (record.address.to_string()) }
        @if let Some(d) = &meta.description { p { (d) } }
        ul class="meta" {
            li { "Version " strong { (record.version.to_string()) } }
            li { "Published " (date(&meta.published_at)) }
            li {
                (module_downloads) " downloads"
                @if versions.len() > 1 { " (" (meta.downloads) " of this version)" }
            }
            @if let Some(days) = &recent { li class="recent" { (super::downloads::summary(days)) } }
            @if let Some(url) = meta.source_url.as_deref().filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
                li { a href=(url) rel="noopener noreferrer nofollow" { "Source" } }
            }
            li { @if meta.signature.is_some() { span class="yes" { "Signed" } } @else { "Not signed" } }
            @if let Some(checks) = &meta.checks {
                li { a href=(format!("{here}?tab=tests")) { "Tests: " (super::checks::outcome_word(checks.status)) } }
            }
        }
        @if let Some(y) = &meta.lifecycle.yanked {
            div class="banner bad" role="alert" {
                strong { "Yanked" } " on " (date(&y.at))
                @if let Some(r) = &y.reason { ": " (r) }
                ". It is hidden from version lists and resolution; lock files pinning it still download it."
            }
        }
        @if let Some(d) = &meta.lifecycle.deprecated {
            div class="banner warn" role="status" {
                strong { "Deprecated" } ": " (d.reason)
                @if let Some(s) = &d.successor { " Use " (s) " instead." }
            }
        }
        @if let Some(l) = latest.as_ref().filter(|l| l.version != record.version) {
            div class="banner warn" role="status" {
                "This is not the latest version. "
                a href=(version_href(l)) { "See " (l.version.to_string()) }
            }
        }
        @if let Some(m) = &meta.mirrored {
            (mirrored(m, &host))
        } @else {
            (super::lifecycle::actions(viewer, &record))
        }
        (snippet(record.address.name(), &source, &record.version))
        form class="versions" method="get" action=(module_href(&record.address)) {
            label for="v" { "Version " }
            select id="v" name="v" {
                @for r in versions.iter().rev() {
                    option value=(r.version.to_string()) selected[r.version == record.version] { (r.version.to_string()) }
                }
            }
            input type="hidden" name="tab" value=(tab);
            button type="submit" { "Show" }
        }
        nav class="tabs" aria-label="Module" {
            @for (word, label) in TABS {
                a href=(format!("{here}?tab={word}")) aria-current=[(*word == tab).then_some("page")] { (label) }
            }
        }
        section class="tab" {
            @match tab {
                "submodules" => (interfaces(&record, &summary.submodules, "submodules")),
                "examples" => (interfaces(&record, &summary.examples, "examples")),
                "tests" => (super::checks::tests_tab(meta.checks.as_ref())),
                "integrity" => (integrity(&record, &source)),
                "used-by" => (super::used_by::tab(used_by.as_deref(), &source)),
                "versions" => (version_list(&versions, &record)),
                "usage" => (super::usage::tab(state, headers, &record, &here, &super::usage::values_of(&p.rest))),
                _ => (interface_tab(tab, &summary.root, &here)),
            }
        }
    };
    Ok(layout::page(&record.address.to_string(), "", viewer, body).into_response())
}

/// Where a mirrored copy came from, and the CLI configuration that
/// installs it through this registry.
fn mirrored(m: &registry_core::MirrorSource, our_host: &str) -> Markup {
    let block = format!(
        "host \"{up}\" {{\n  services = {{\n    \"modules.v1\" = \"https://{our_host}/v1/mirror/{up}/modules/\"\n  }}\n}}",
        up = m.upstream
    );
    html! {
        div class="banner info" role="note" {
            p {
                "Mirrored from " strong { (m.upstream) } ", fetched " (date(&m.fetched_at)) " from " code { (m.url) }
                @if let Some(c) = &m.commit { " at commit " code { (c) } }
                @if let Some(s) = &m.subdir { ", folder " code { (s) } }
                ". This copy is kept here and never fetched again."
            }
            p { "Terraform installs it through this registry with this block in its CLI configuration:" }
            pre class="copy" { code { (block) } }
        }
    }
}

/// A tab about one module directory (the root, a submodule, an example)
/// of the version at `version_page`: readme (the default), inputs,
/// outputs, resources or dependencies.
pub(super) fn interface_tab(tab: &str, i: &ModuleInterface, version_page: &str) -> Markup {
    match tab {
        "inputs" => inputs(i),
        "outputs" => outputs(i),
        "resources" => resources(i),
        "dependencies" => dependencies(i),
        _ => {
            let links = markdown::ArchiveLinks {
                route: format!("{version_page}/files/"),
                dir: i.path.clone(),
            };
            readme(i.readme.as_deref(), &links)
        }
    }
}

/// A provision snippet calling `source` at `version`'s series.
pub(super) fn snippet(name: &str, source: &str, version: &Version) -> Markup {
    let text = format!(
        "module \"{}\" {{\n  source  = \"{source}\"\n  version = \"{}\"\n}}",
        name.replace('-', "_"),
        constraint(version)
    );
    html! {
        section aria-labelledby="provision" {
            h2 id="provision" { "Provision" }
            pre class="copy" { code { (text) } }
        }
    }
}

fn readme(text: Option<&str>, links: &markdown::ArchiveLinks) -> Markup {
    match text {
        Some(t) => html! { div class="readme" { (PreEscaped(markdown::render(t, links))) } },
        None => html! { p class="muted" { "This module has no README." } },
    }
}

fn inputs(i: &ModuleInterface) -> Markup {
    let ordered = i
        .inputs
        .iter()
        .filter(|x| x.required)
        .chain(i.inputs.iter().filter(|x| !x.required));
    html! {
        @if i.inputs.is_empty() { p class="muted" { "No inputs." } } @else {
            table {
                thead { tr { th { "Name" } th { "Type" } th { "Default" } th { "Description" } } }
                tbody {
                    @for x in ordered {
                        tr {
                            td { code { (x.name) } @if x.required { " " strong { "required" } } @if x.sensitive { " (sensitive)" } }
                            td { code { (x.type_expr.as_deref().unwrap_or("any")) } }
                            td { @match &x.default { Some(d) => code { (d.to_string()) }, None => "—" } }
                            td {
                                (x.description.as_deref().unwrap_or(""))
                                @for rule in x.validations.iter().flatten() {
                                    div class="rule" {
                                        "Validation: " code { (rule.condition) }
                                        @if !rule.error_message.is_empty() { " — " (rule.error_message) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn outputs(i: &ModuleInterface) -> Markup {
    html! {
        @if i.outputs.is_empty() { p class="muted" { "No outputs." } } @else {
            table {
                thead { tr { th { "Name" } th { "Description" } } }
                tbody {
                    @for o in &i.outputs {
                        tr {
                            td { code { (o.name) } @if o.sensitive { " (sensitive)" } }
                            td { (o.description.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

fn resources(i: &ModuleInterface) -> Markup {
    html! {
        @if i.resources.is_empty() { p class="muted" { "No resources." } } @else {
            table {
                thead { tr { th { "Resource" } th { "Kind" } } }
                tbody {
                    @for r in &i.resources {
                        tr {
                            td { code { (r.resource_type) "." (r.name) } }
                            td { @if r.mode == "data" { "data source" } @else { "resource" } }
                        }
                    }
                }
            }
        }
    }
}

fn dependencies(i: &ModuleInterface) -> Markup {
    html! {
        h3 { "Modules" }
        @if i.dependencies.is_empty() { p class="muted" { "No module calls." } } @else {
            table {
                thead { tr { th { "Name" } th { "Source" } th { "Version" } } }
                tbody { @for d in &i.dependencies {
                    tr { td { code { (d.name) } } td { code { (d.source) } } td { (d.version.as_deref().unwrap_or("any")) } }
                } }
            }
        }
        h3 { "Providers" }
        @if i.providers.is_empty() { p class="muted" { "No providers." } } @else {
            table {
                thead { tr { th { "Name" } th { "Source" } th { "Constraint" } } }
                tbody { @for p in &i.providers {
                    tr { td { code { (p.name) } } td { (p.source.as_deref().unwrap_or("")) } td { (p.version.as_deref().unwrap_or("any")) } }
                } }
            }
        }
        @if let Some(v) = &i.required_version {
            p { "Terraform " code { (v) } }
        }
    }
}

fn interfaces(record: &ModuleRecord, list: &[ModuleInterface], what: &str) -> Markup {
    html! {
        @if list.is_empty() { p class="muted" { "No " (what) "." } } @else {
            ul {
                @for m in list {
                    li {
                        a href=(format!("{}/{what}/{}", version_href(record), super::part::short(&m.path, what))) { code { (m.path) } }
                        " · " (m.inputs.len()) " inputs, " (m.outputs.len()) " outputs"
                    }
                }
            }
        }
    }
}

/// Digests, signer and the `.registry.lock.hcl` entry `registry lock`
/// writes for a call of this version (`source` as callers write it).
fn integrity(r: &ModuleRecord, source: &str) -> Markup {
    let m = &r.metadata;
    let signer = m
        .signature
        .as_deref()
        .map(registry_resolve::signing::signature_key_id);
    let mut lock = registry_resolve::LockFile::default();
    lock.modules.insert(
        r.address.name().replace('-', "_"),
        registry_resolve::LockedModule {
            source: source.to_string(),
            version: r.version.to_string(),
            constraints: Some(constraint(&r.version)),
            hashes: vec![m.h1.clone(), format!("sha256:{}", m.sha256)],
        },
    );
    html! {
        table {
            tbody {
                tr { th { "SHA-256 of the archive" } td { code { (m.sha256.to_string()) } } }
                tr { th { "Content hash (" code { "h1:" } ")" } td { code { (m.h1) } } }
                tr { th { "Size" } td { (m.size) " bytes" } }
                tr { th { "Signature" } td {
                    @match &signer {
                        Some(Ok(key)) => { "minisign, key " code { (key) } " (" code { "registry keys list" } " shows whose; " code { "registry verify" } " checks it)" }
                        Some(Err(_)) => "present, but not a minisign signature",
                        None => "none",
                    }
                } }
            }
        }
        h3 { "Lock file" }
        p { "The entry " code { "registry lock" } " writes in " code { (registry_resolve::LOCK_FILE) } " for a call of this version; " code { "registry verify" } " checks what " code { "terraform init" } " installed against it." }
        pre class="copy" { code { (lock.render()) } }
    }
}

fn version_list(versions: &[ModuleRecord], shown: &ModuleRecord) -> Markup {
    let compare = |r: &ModuleRecord| {
        let (a, b) = if r.version < shown.version {
            (r, shown)
        } else {
            (shown, r)
        };
        format!(
            "{}/diff/{}...{}",
            module_href(&shown.address),
            super::enc(&a.version.to_string()),
            super::enc(&b.version.to_string())
        )
    };
    html! {
        table {
            thead { tr { th { "Version" } th { "Published" } th { "State" } th { "API changes" } } }
            tbody {
                @for r in versions.iter().rev() {
                    tr {
                        td {
                            @if r.version == shown.version { strong { (r.version.to_string()) } }
                            @else { a href=(version_href(r)) { (r.version.to_string()) } }
                        }
                        td { (date(&r.metadata.published_at)) }
                        td { (format!("{:?}", r.metadata.lifecycle.state()).to_lowercase()) }
                        td { @if r.version != shown.version { a href=(compare(r)) { "compare with " (shown.version.to_string()) } } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::constraint;
    use registry_core::Version;

    #[test]
    fn the_snippet_pins_the_series_that_cannot_break() {
        assert_eq!(constraint(&Version::parse("1.4.2").unwrap()), "~> 1.4");
        assert_eq!(constraint(&Version::parse("0.3.1").unwrap()), "~> 0.3.1");
    }
}
