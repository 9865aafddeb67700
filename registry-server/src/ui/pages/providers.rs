//! `/providers`: this registry's private providers; `/providers/NS/TYPE`
//! (the newest release) and `/providers/NS/TYPE/VERSION`: a release with
//! the `required_providers` block to use it, its platforms and their
//! hashes, a lock-file entry, who signed it, and every version. Read
//! through the same `ProviderRegistry` calls the protocol makes.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use maud::{Markup, html};
use registry_core::{ProviderAddress, ProviderRelease, Version};
use serde::Deserialize;

use super::date;
use super::module::registry_host;
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::session::Viewer;
use crate::ui::{UiResult, layout};

/// `GET /providers`.
pub async fn list(State(state): State<AppState>, Ctx(ctx): Ctx, viewer: Viewer) -> UiResult {
    let providers = state.providers()?.list(&ctx).await?;
    let body = html! {
        h1 { "Providers" }
        @if providers.is_empty() {
            p class="muted" { "No provider is published here yet (" code { "registry provider publish" } ")." }
        } @else {
            ul class="cards" {
                @for p in &providers {
                    li class="card" {
                        a href=(provider_href(p)) { strong { (p.to_string()) } }
                    }
                }
            }
        }
    };
    Ok(layout::page("Providers", "", &viewer, body).into_response())
}

/// A provider's path.
#[derive(Debug, Deserialize)]
pub struct ProviderPath {
    ns: String,
    #[serde(rename = "type")]
    provider_type: String,
}

/// A provider version's path.
#[derive(Debug, Deserialize)]
pub struct ProviderVersionPath {
    ns: String,
    #[serde(rename = "type")]
    provider_type: String,
    version: String,
}

fn provider_href(a: &ProviderAddress) -> String {
    format!("/providers/{}/{}", a.namespace(), a.provider_type())
}

/// `GET /providers/{ns}/{type}`: the newest release.
pub async fn latest(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    Path(p): Path<ProviderPath>,
) -> UiResult {
    let address = ProviderAddress::new(&p.ns, &p.provider_type)?;
    let releases = state.providers()?.versions(&ctx, &address).await?;
    let shown = releases[0].clone();
    render(&state, &viewer, &headers, &releases, &shown).await
}

/// `GET /providers/{ns}/{type}/{version}`.
pub async fn version(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    Path(p): Path<ProviderVersionPath>,
) -> UiResult {
    let address = ProviderAddress::new(&p.ns, &p.provider_type)?;
    let version = Version::parse(&p.version)?;
    let providers = state.providers()?;
    let releases = providers.versions(&ctx, &address).await?;
    let shown = providers.release(&ctx, &address, &version).await?;
    render(&state, &viewer, &headers, &releases, &shown).await
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    releases: &[ProviderRelease],
    shown: &ProviderRelease,
) -> UiResult {
    let host = registry_host(state, headers);
    let a = &shown.address;
    let title = format!("{a} {}", shown.version);
    let latest = &releases[0].version;
    let body = html! {
        h1 { (a.to_string()) " " span class="muted" { (shown.version.to_string()) } }
        @if shown.version != *latest {
            p class="banner info" {
                "This is not the newest version: "
                a href=(format!("{}/{latest}", provider_href(a))) { (latest.to_string()) }
                " is."
            }
        }
        p {
            "Published " (date(&shown.published_at)) " · protocols " (shown.protocols.join(", "))
            " · " (signer(shown))
        }
        h2 { "Use it" }
        pre class="copy" { code { (usage(&host, shown)) } }
        h2 { "Platforms" }
        table {
            thead { tr { th { "Platform" } th { "File" } th { "Size" } th { "Hashes" } } }
            tbody {
                @for p in &shown.platforms {
                    tr {
                        td { (p.os) "_" (p.arch) }
                        td { code { (p.filename) } }
                        td { (p.size.map(|s| s.to_string()).unwrap_or_default()) }
                        td {
                            code { "zh:" (p.sha256.hex()) }
                            @if let Some(h1) = &p.h1 { br; code { (h1) } }
                        }
                    }
                }
            }
        }
        h2 { "Lock file" }
        pre class="copy" { code { (lock_entry(&host, shown)) } }
        h2 { "Versions" }
        ul {
            @for r in releases {
                li {
                    a href=(format!("{}/{}", provider_href(a), r.version)) { (r.version.to_string()) }
                    " · " (date(&r.published_at))
                }
            }
        }
    };
    Ok(layout::page(&title, "", viewer, body).into_response())
}

fn signer(r: &ProviderRelease) -> Markup {
    html! {
        @match &r.signature {
            Some(s) if s.by_registry => { "signed by this registry with key " code { (s.key_id) } }
            Some(s) => { "signed by its publisher with key " code { (s.key_id) } }
            None => { "not signed" }
        }
    }
}

/// The `required_providers` entry that installs this version.
fn usage(host: &str, r: &ProviderRelease) -> String {
    let a = &r.address;
    format!(
        "terraform {{\n  required_providers {{\n    {ty} = {{\n      source  = \"{host}/{ns}/{ty}\"\n      version = \"{v}\"\n    }}\n  }}\n}}",
        ty = a.provider_type(),
        ns = a.namespace(),
        v = r.version
    )
}

/// What `terraform init` writes to `.terraform.lock.hcl` for this version
/// (every platform's `zh:`, and `h1:` where stored).
fn lock_entry(host: &str, r: &ProviderRelease) -> String {
    let a = &r.address;
    let mut hashes: Vec<String> = r
        .platforms
        .iter()
        .flat_map(|p| {
            p.h1.iter()
                .cloned()
                .chain(std::iter::once(format!("zh:{}", p.sha256.hex())))
        })
        .collect();
    hashes.sort();
    let lines: String = hashes.iter().map(|h| format!("    \"{h}\",\n")).collect();
    format!(
        "provider \"{host}/{}/{}\" {{\n  version     = \"{}\"\n  constraints = \"{}\"\n  hashes = [\n{lines}  ]\n}}",
        a.namespace(),
        a.provider_type(),
        r.version,
        r.version
    )
}
