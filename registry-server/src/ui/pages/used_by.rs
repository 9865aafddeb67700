//! The module page's Used by tab: the versions in this registry whose
//! module calls name this module at this registry's address, from the
//! dependency index the store keeps; only those the reader may see.

use maud::{Markup, html};
use registry_core::{Dependent, ErrorKind, ModuleAddress, RequestContext, Result};

use super::module_href;
use crate::state::AppState;

/// At most this many calls are listed.
pub const LIMIT: usize = 100;

/// The calls of `address` at `host`; `None` when the store keeps no
/// dependency index.
pub async fn find(
    state: &AppState,
    ctx: &RequestContext,
    address: &ModuleAddress,
    host: &str,
) -> Result<Option<Vec<Dependent>>> {
    match state.registry().used_by(ctx, address, host, LIMIT).await {
        Ok(found) => Ok(Some(found)),
        Err(e) if e.kind() == ErrorKind::Unsupported => Ok(None),
        Err(e) => Err(e),
    }
}

/// The tab.
pub fn tab(found: Option<&[Dependent]>, source: &str) -> Markup {
    let Some(found) = found else {
        return html! { p class="muted" { "This registry's store keeps no dependency index." } };
    };
    html! {
        @if found.is_empty() {
            p class="muted" { "No module in this registry calls " code { (source) } "." }
        } @else {
            p { "Module calls of " code { (source) } " in this registry"
                @if found.len() >= LIMIT { " (the first " (LIMIT) ")" } ":" }
            table {
                thead { tr { th { "Module" } th { "Version" } th { "Call" } th { "Constraint" } } }
                tbody {
                    @for d in found {
                        @let href = module_href(&d.id.address);
                        tr {
                            td { a href=(href) { (d.id.address.to_string()) } }
                            td { a href=(format!("{href}/{}", super::enc(&d.id.version.to_string()))) { (d.id.version.to_string()) } }
                            td { code { @if !d.module_path.is_empty() { (d.module_path) ": " } "module." (d.call_name) } }
                            td { (d.constraint.as_deref().unwrap_or("any")) }
                        }
                    }
                }
            }
        }
    }
}
