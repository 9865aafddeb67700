//! The usage builder (`?tab=usage` of a version's page): a form over the
//! module's inputs, each field typed for its input (text, number, a
//! true/false choice, an HCL expression) with its default shown, that
//! writes the `module` block calling this version from this registry
//! (registry-docs' `usage_block`). With scripts off the form's button
//! writes it; the page's script rewrites it as values are typed, from
//! `…/VERSION/usage`, which answers the block and any refused values as
//! JSON.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use maud::{Markup, html};
use registry_core::{Input, ModuleRecord};
use registry_docs::{InputKind, UsageProblem, usage_block};
use serde::Serialize;

use super::module::{constraint, registry_host};
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::UiResult;
use crate::ui::paths::PageVersion;

/// The query keys that carry typed values: `in.NAME`.
const PREFIX: &str = "in.";

/// The typed values of a query (`in.NAME=value`), by input name.
pub fn values_of<'a>(
    query: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> BTreeMap<String, String> {
    query
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix(PREFIX).map(|n| (n.to_string(), v.clone())))
        .collect()
}

/// The block for `record` with `values`, and what its inputs refused.
fn block_of(
    record: &ModuleRecord,
    host: &str,
    values: &BTreeMap<String, String>,
) -> (String, Vec<UsageProblem>) {
    let a = &record.address;
    let source = format!("{host}/{}/{}/{}", a.namespace(), a.name(), a.system());
    usage_block(
        &a.name().replace('-', "_"),
        &source,
        Some(&constraint(&record.version)),
        &record.metadata.summary.root,
        values,
    )
}

fn field(input: &Input, value: Option<&str>) -> Markup {
    let id = format!("in-{}", input.name);
    let name = format!("{PREFIX}{}", input.name);
    let default = input.default.as_ref().map(|d| d.to_string());
    let placeholder = default.clone().unwrap_or_default();
    match InputKind::of(input) {
        InputKind::Bool => html! {
            select id=(id) name=(name) {
                option value="" selected[value.is_none_or(str::is_empty)] {
                    @match &default { Some(d) => { "default (" (d) ")" }, None => "choose" }
                }
                option value="true" selected[value == Some("true")] { "true" }
                option value="false" selected[value == Some("false")] { "false" }
            }
        },
        InputKind::Number => html! {
            input id=(id) name=(name) type="number" step="any" value=[value] placeholder=(placeholder);
        },
        InputKind::Text => html! {
            input id=(id) name=(name) type="text" value=[value] placeholder=(placeholder) spellcheck="false";
        },
        InputKind::Expression => html! {
            textarea id=(id) name=(name) rows="2" placeholder=(placeholder) spellcheck="false" { (value.unwrap_or("")) }
        },
    }
}

/// The tab: the form, the refused values, and the block.
pub fn tab(
    state: &AppState,
    headers: &HeaderMap,
    record: &ModuleRecord,
    here: &str,
    values: &BTreeMap<String, String>,
) -> Markup {
    let host = registry_host(state, headers);
    let (block, problems) = block_of(record, &host, values);
    let inputs = &record.metadata.summary.root.inputs;
    let ordered = inputs
        .iter()
        .filter(|i| i.required)
        .chain(inputs.iter().filter(|i| !i.required));
    html! {
        @if inputs.is_empty() {
            p class="muted" { "This module takes no inputs: the block below calls it as it is." }
        } @else {
            form class="usage stack" method="get" action=(here) data-usage=(format!("{here}/usage")) {
                input type="hidden" name="tab" value="usage";
                @for input in ordered {
                    label for=(format!("in-{}", input.name)) {
                        code { (input.name) } " "
                        span class="muted" { (input.type_expr.as_deref().unwrap_or("any")) }
                        @if input.required { " " strong { "required" } }
                        @if input.sensitive { " (sensitive: keep real values out of version control)" }
                    }
                    (field(input, values.get(&input.name).map(String::as_str)))
                    @if let Some(d) = &input.description { span class="rule" { (d) } }
                }
                div class="row" { button type="submit" { "Write the module block" } }
            }
        }
        ul id="usage-problems" class="diagnostics" hidden[problems.is_empty()] {
            @for p in &problems { li { code { (p.input) } ": " (p.message) } }
        }
        pre class="copy" id="usage-block" { code { (block) } }
    }
}

/// What `…/{version}/usage` answers.
#[derive(Debug, Serialize)]
struct UsageAnswer {
    block: String,
    problems: Vec<ProblemAnswer>,
}

#[derive(Debug, Serialize)]
struct ProblemAnswer {
    input: String,
    message: String,
}

/// `GET …/{version}/usage?in.NAME=…`: the block for the typed values, as
/// JSON (the page's script asks it as values are typed).
pub async fn block(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    PageVersion(id): PageVersion,
    Query(q): Query<HashMap<String, String>>,
) -> UiResult {
    let record = state.registry().get(&ctx, &id).await?;
    let host = registry_host(&state, &headers);
    let (block, problems) = block_of(&record, &host, &values_of(&q));
    let answer = UsageAnswer {
        block,
        problems: problems
            .into_iter()
            .map(|p| ProblemAnswer {
                input: p.input,
                message: p.message,
            })
            .collect(),
    };
    Ok(axum::Json(answer).into_response())
}
