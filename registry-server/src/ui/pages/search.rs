//! `/search?q=…`: the registry's search (fuzzy names, ranked fields), with
//! the query's words marked in each result, facets by namespace, system,
//! provider, signature and test outcome, and paging; the URL holds the
//! whole query.

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use maud::{Markup, html};
use registry_core::{SearchQuery, TestOutcome};
use serde::{Deserialize, Serialize};

use super::{date, module_href};
use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::session::Viewer;
use crate::ui::{UiResult, layout};

/// Results per page.
const PAGE: usize = 20;

/// The query string.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    namespace: Option<String>,
    system: Option<String>,
    provider: Option<String>,
    /// `yes` or `no`.
    signed: Option<String>,
    /// A test outcome (`passed`, `failed`, `errored`, `not_run`).
    tests: Option<String>,
    #[serde(default)]
    offset: usize,
}

impl SearchParams {
    /// The `signed` filter: `yes`, `no`, or none.
    fn signed(&self) -> Result<Option<bool>, registry_core::Error> {
        match self.signed.as_deref() {
            None | Some("") => Ok(None),
            Some("yes") => Ok(Some(true)),
            Some("no") => Ok(Some(false)),
            Some(other) => Err(registry_core::Error::invalid_input(format!(
                "invalid signed {other:?}: expected yes or no"
            ))),
        }
    }

    /// The `tests` filter: an outcome, or none.
    fn tests(&self) -> Result<Option<TestOutcome>, registry_core::Error> {
        match self.tests.as_deref() {
            None | Some("") => Ok(None),
            Some(t) => t.parse().map(Some),
        }
    }

    /// This search's URL with one key changed (`None` drops it) and paging reset unless given.
    fn href(&self, key: &str, value: Option<&str>, offset: usize) -> String {
        let mut pairs: Vec<(&str, &str)> = vec![("q", self.q.as_str())];
        for (k, v) in [
            ("namespace", self.namespace.as_deref()),
            ("system", self.system.as_deref()),
            ("provider", self.provider.as_deref()),
            ("signed", self.signed.as_deref()),
            ("tests", self.tests.as_deref()),
        ] {
            let v = if k == key { value } else { v };
            if let Some(v) = v {
                pairs.push((k, v));
            }
        }
        let offset = offset.to_string();
        if offset != "0" {
            pairs.push(("offset", &offset));
        }
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("/search?{query}")
    }
}

/// `text` with every (case-insensitive) occurrence of a query word marked.
fn marked(text: &str, words: &[String]) -> Markup {
    let lower = text.to_lowercase();
    // Byte ranges to mark, only where lowercasing kept the lengths.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    if lower.len() == text.len() {
        for w in words.iter().filter(|w| w.len() >= 2) {
            let mut from = 0;
            while let Some(i) = lower[from..].find(w.as_str()) {
                let start = from + i;
                ranges.push((start, start + w.len()));
                from = start + w.len();
            }
        }
    }
    ranges.sort();
    let mut pieces: Vec<(bool, &str)> = Vec::new();
    let mut at = 0;
    for (s, e) in ranges {
        if s < at || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        pieces.push((false, &text[at..s]));
        pieces.push((true, &text[s..e]));
        at = e;
    }
    pieces.push((false, &text[at..]));
    html! {
        @for (hit, piece) in pieces {
            @if hit { mark class="hl" { (piece) } } @else { (piece) }
        }
    }
}

/// `GET /search`.
pub async fn search(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    Query(p): Query<SearchParams>,
) -> UiResult {
    let text = p.q.trim().to_string();
    if text.is_empty() {
        let body = html! {
            h1 { "Search" }
            p class="muted" { "Type a module name, a provider, a resource type or words from a description." }
        };
        return Ok(layout::page("Search", "", &viewer, body).into_response());
    }
    let query = SearchQuery {
        text: text.clone(),
        namespace: p.namespace.clone(),
        system: p.system.clone(),
        provider: p.provider.clone(),
        signed: p.signed()?,
        tests: p.tests()?,
        all_versions: false,
        limit: PAGE + 1,
        offset: p.offset,
    };
    let results = state.registry().search(&ctx, &query).await?;
    let more = results.hits.len() > PAGE;
    let mut found = Vec::new();
    // Mirrored copies are found too, marked, linking to their mirror pages.
    for hit in results.hits.iter().take(PAGE) {
        if let Ok(r) = state.registry().get(&ctx, &hit.id).await {
            found.push(r);
        }
    }
    let words: Vec<String> = text
        .to_lowercase()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let facet = |name: &str| -> Vec<(String, u64)> {
        results
            .facets
            .iter()
            .filter(|f| f.facet == name)
            .map(|f| (f.value.clone(), f.count))
            .collect()
    };
    let current = |name: &str| match name {
        "namespace" => p.namespace.as_deref(),
        "system" => p.system.as_deref(),
        "signed" => p.signed.as_deref(),
        "tests" => p.tests.as_deref(),
        _ => p.provider.as_deref(),
    };
    // How a facet value reads (`not_run` is "not run").
    let shown = |value: &str| value.replace('_', " ");
    let body = html! {
        h1 { "Search: " (text) }
        p class="muted" { (results.total) " matching version" @if results.total != 1 { "s" } }
        @for (name, label) in [("namespace", "Namespace"), ("system", "System"), ("provider", "Provider"), ("signed", "Signed"), ("tests", "Tests")] {
            @let values = facet(name);
            @if !values.is_empty() {
                nav class="facets" aria-label=(label) {
                    span class="muted" { (label) ":" }
                    @for (value, count) in &values {
                        @if current(name) == Some(value.as_str()) {
                            a href=(p.href(name, None, 0)) aria-current="true" { "✓ " (shown(value)) " (" (count) ")" }
                        } @else {
                            a href=(p.href(name, Some(value), 0)) { (shown(value)) " (" (count) ")" }
                        }
                    }
                }
            }
        }
        @if found.is_empty() {
            p { "No modules match." }
        } @else {
            ol class="cards" {
                @for r in &found {
                    li class="card" {
                        h3 { a href=(module_href(&r.address)) { (marked(&r.address.to_string(), &words)) } (super::mirrored_mark(&r.address)) }
                        p class="muted" { "v" (r.version.to_string()) " · " (date(&r.metadata.published_at)) }
                        @if let Some(d) = &r.metadata.description { p { (marked(d, &words)) } }
                    }
                }
            }
        }
        nav aria-label="Pages" {
            @if p.offset > 0 {
                a href=(p.href("", None, p.offset.saturating_sub(PAGE))) { "← Previous" } " "
            }
            @if more {
                a href=(p.href("", None, p.offset + PAGE)) { "Next →" }
            }
        }
    };
    Ok(layout::page(&format!("Search: {text}"), &text, &viewer, body).into_response())
}

/// How many suggestions search-as-you-type shows.
const SUGGESTIONS: usize = 8;

/// `?q=` of the suggestions.
#[derive(Debug, Default, Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    q: String,
}

/// One suggestion: a module's latest version, where its page is.
#[derive(Debug, Serialize)]
struct Suggestion {
    address: String,
    version: String,
    href: String,
    description: Option<String>,
}

/// `GET /search/suggest?q=…`: the best few modules for what is typed so
/// far, as JSON for the page's script (search as you type), read as the
/// signed-in user; the script writes them as text, never as markup.
pub async fn suggest(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Query(p): Query<SuggestParams>,
) -> UiResult {
    let text = p.q.trim();
    if text.chars().count() < 2 {
        return Ok(axum::Json(Vec::<Suggestion>::new()).into_response());
    }
    let query = SearchQuery {
        text: text.to_string(),
        limit: SUGGESTIONS,
        ..SearchQuery::default()
    };
    let results = state.registry().search(&ctx, &query).await?;
    let found: Vec<Suggestion> = results
        .hits
        .into_iter()
        .map(|h| Suggestion {
            address: h.id.address.to_string(),
            version: h.id.version.to_string(),
            href: module_href(&h.id.address),
            description: h.description,
        })
        .collect();
    Ok(axum::Json(found).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_are_marked_and_text_escaped() {
        let m = marked("A VPC <b>module</b> for vpc peering", &["vpc".into()]).into_string();
        assert_eq!(
            m,
            "A <mark class=\"hl\">VPC</mark> &lt;b&gt;module&lt;/b&gt; for <mark class=\"hl\">vpc</mark> peering"
        );
    }
}
