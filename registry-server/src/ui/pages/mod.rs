//! The UI's pages, one file each, and the pieces they share: links to a
//! module or version, dates, a module card.

pub mod account;
pub mod checks;
pub mod diff;
pub mod downloads;
pub mod files;
pub mod home;
pub mod lifecycle;
pub mod module;
pub mod namespace;
pub mod oauth;
pub mod part;
pub mod providers;
pub mod repositories;
pub mod search;
pub mod sign_in;
pub mod sso;
pub mod usage;
pub mod used_by;

use maud::{Markup, html};
use registry_core::{ModuleAddress, ModuleRecord};

/// `/modules/NS/NAME/SYSTEM`, or `/mirror/HOST/NS/NAME/SYSTEM` for a
/// mirrored copy (every link of its pages then stays under the mirror).
pub fn module_href(a: &ModuleAddress) -> String {
    let base = match a.host() {
        Some(h) => format!("/mirror/{}", enc(h)),
        None => "/modules".to_string(),
    };
    format!(
        "{base}/{}/{}/{}",
        enc(a.namespace()),
        enc(a.name()),
        enc(a.system())
    )
}

/// `/modules/NS/NAME/SYSTEM/VERSION`.
pub fn version_href(r: &ModuleRecord) -> String {
    format!(
        "{}/{}",
        module_href(&r.address),
        enc(&r.version.to_string())
    )
}

/// One path segment, percent-encoded (names are validated, but a version
/// may carry `+build` metadata).
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A date as people read it (`2026-12-01`).
pub fn date(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// "mirrored from HOST" after a mirrored copy's address.
pub(crate) fn mirrored_mark(a: &ModuleAddress) -> Markup {
    html! {
        @if let Some(h) = a.host() { " " span class="badge" { "mirrored from " (h) } }
    }
}

/// A version's card: address, that version (linked), date, description.
pub fn version_card(r: &ModuleRecord) -> Markup {
    html! {
        li class="card" {
            h3 { a href=(module_href(&r.address)) { (r.address.to_string()) } (mirrored_mark(&r.address)) }
            p class="muted" { a href=(version_href(r)) { "v" (r.version.to_string()) } " · " (date(&r.metadata.published_at)) }
            @if let Some(d) = &r.metadata.description {
                p { (d) }
            }
        }
    }
}

/// A module's card in a list: address, latest version, description.
pub fn card(r: &ModuleRecord) -> Markup {
    html! {
        li class="card" {
            h3 { a href=(module_href(&r.address)) { (r.address.to_string()) } (mirrored_mark(&r.address)) }
            p class="muted" { "v" (r.version.to_string()) " · " (date(&r.metadata.published_at)) }
            @if let Some(d) = &r.metadata.description {
                p { (d) }
            }
        }
    }
}
