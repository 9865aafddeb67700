//! Turning a [`SearchQuery`] into tantivy queries, and hits and facet
//! counts back.

use registry_core::{FacetCount, SearchQuery};
use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, QueryParser, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};

use super::TantivySearchIndex;
use super::schema::FACET_GROUPS;

impl TantivySearchIndex {
    pub(super) fn text_query(&self, text: &str) -> Box<dyn Query> {
        let f = self.f;
        let mut qp = QueryParser::for_index(
            &self.index,
            vec![
                f.name,
                f.namespace_text,
                f.description,
                f.readme,
                f.interface,
                f.resources,
                f.providers,
            ],
        );
        qp.set_field_boost(f.name, 4.0);
        qp.set_field_boost(f.namespace_text, 2.0);
        qp.set_field_boost(f.description, 2.0);
        qp.set_field_boost(f.resources, 1.5);
        qp.set_field_boost(f.providers, 1.5);
        // Search input is text, never query syntax: fields, ranges,
        // wildcards, boosts and boolean operators are taken as words.
        let text = &plain_text(text);
        let (parsed, _) = qp.parse_query_lenient(text);
        let mut should: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, parsed)];
        if let Ok(mut analyzer) = self.index.tokenizer_for_field(f.name) {
            let mut ts = analyzer.token_stream(text);
            while ts.advance() {
                let t = ts.token().text.clone();
                if t.chars().count() >= 4 {
                    let distance = if t.chars().count() >= 8 { 2 } else { 1 };
                    let fq = FuzzyTermQuery::new(Term::from_field_text(f.name, &t), distance, true);
                    should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(fq), 1.0))));
                }
            }
        }
        Box::new(BooleanQuery::new(should))
    }

    pub(super) fn term(&self, field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))
    }

    pub(super) fn facet(&self, facet: Facet) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_facet(self.f.facets, &facet),
            IndexRecordOption::Basic,
        ))
    }

    pub(super) fn flag(&self, field: Field, on: bool) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_u64(field, u64::from(on)),
            IndexRecordOption::Basic,
        ))
    }
}

/// `text` with everything tantivy's query grammar gives a meaning to made
/// plain: punctuation becomes a word break (as the tokenizer would make it
/// anyway) and `AND`/`OR`/`NOT`/`IN` become ordinary words.
fn plain_text(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                ' '
            }
        })
        .collect();
    spaced
        .split_whitespace()
        .map(|w| match w {
            "AND" | "OR" | "NOT" | "IN" => w.to_ascii_lowercase(),
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Facet counts as the registry reports them.
pub(super) fn facet_counts(counts: &tantivy::collector::FacetCounts) -> Vec<FacetCount> {
    let mut out = Vec::new();
    for group in FACET_GROUPS {
        for (facet, count) in counts.get(&format!("/{group}")) {
            let value = facet
                .to_path()
                .last()
                .map(|s| s.to_string())
                .unwrap_or_default();
            out.push(FacetCount {
                facet: group.into(),
                value,
                count,
            });
        }
    }
    out
}

/// The hits a query may ask for (at most [`SearchQuery::MAX_LIMIT`] a
/// page, 10 when it asks for none), cut to the documents in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct HitWindow {
    pub(super) offset: usize,
    pub(super) limit: usize,
}

impl HitWindow {
    /// `None` when the page starts at or past the last document.
    pub(super) fn new(q: &SearchQuery, num_docs: u64) -> Option<Self> {
        let docs = usize::try_from(num_docs).unwrap_or(usize::MAX);
        let limit = if q.limit == 0 {
            10
        } else {
            q.limit.min(SearchQuery::MAX_LIMIT)
        };
        let remaining = docs.checked_sub(q.offset).filter(|r| *r > 0)?;
        Some(Self {
            offset: q.offset,
            limit: limit.min(remaining),
        })
    }
}

#[cfg(test)]
mod window_tests {
    use super::*;

    fn query(offset: usize, limit: usize) -> SearchQuery {
        SearchQuery {
            offset,
            limit,
            ..SearchQuery::default()
        }
    }

    #[test]
    fn pages_past_the_last_document_are_empty() {
        assert_eq!(HitWindow::new(&query(10_000_000_000, 16), 5), None);
        assert_eq!(HitWindow::new(&query(usize::MAX, usize::MAX), 5), None);
        assert_eq!(HitWindow::new(&query(5, 10), 5), None);
        assert_eq!(HitWindow::new(&query(0, 10), 0), None);
    }

    #[test]
    fn windows_are_cut_to_the_index_and_the_page_limit() {
        assert_eq!(
            HitWindow::new(&query(3, 10), 5),
            Some(HitWindow {
                offset: 3,
                limit: 2
            })
        );
        assert_eq!(
            HitWindow::new(&query(0, 0), 100),
            Some(HitWindow {
                offset: 0,
                limit: 10
            })
        );
        assert_eq!(
            HitWindow::new(&query(0, 1_000_000), 1_000_000_000),
            Some(HitWindow {
                offset: 0,
                limit: 1000
            })
        );
    }
}
