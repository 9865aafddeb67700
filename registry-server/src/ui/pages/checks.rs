//! The module page's Tests tab: what the checks on publish found (the
//! `.tftest.hcl` results, file by file and run by run, with their
//! diagnostics, and every validation finding), as stored with the version
//! and served by `GET …/{version}/tests`.

use maud::{Markup, html};
use registry_core::{TestDiagnostic, TestOutcome, TestReport, TestStatus};

/// The word for an outcome, as the header shows it.
pub fn outcome_word(o: TestOutcome) -> &'static str {
    match o {
        TestOutcome::Passed => "passed",
        TestOutcome::Failed => "failed",
        TestOutcome::Errored => "errored",
        TestOutcome::NotRun => "not run",
    }
}

fn status_cell(s: TestStatus) -> Markup {
    let class = match s {
        TestStatus::Passed => "yes",
        TestStatus::Skipped => "muted",
        TestStatus::Failed | TestStatus::Errored => "no",
    };
    html! { span class=(class) { (s.as_str()) } }
}

fn diagnostics(list: &[TestDiagnostic]) -> Markup {
    html! {
        @if !list.is_empty() {
            ul class="diagnostics" {
                @for d in list {
                    li {
                        strong { (d.severity.as_str()) ": " (d.summary) }
                        @if let Some(f) = &d.file { " (" (f) @if let Some(l) = d.line { ":" (l) } ")" }
                        @if !d.detail.is_empty() { pre { (d.detail) } }
                    }
                }
            }
        }
    }
}

/// The Tests tab for a version's stored report, if any.
pub fn tests_tab(report: Option<&TestReport>) -> Markup {
    let Some(r) = report else {
        return html! {
            p class="muted" { "No checks ran when this version was published (the namespace policy runs neither tests nor validation)." }
        };
    };
    html! {
        p {
            "Tests " strong { (outcome_word(r.status)) }
            @if let Some(at) = &r.ran_at { " on " (super::date(at)) }
            @if r.status != TestOutcome::NotRun { " in " (r.duration_ms) " ms" }
            @if let Some(e) = &r.engine { " (" (e) ")" }
            "."
        }
        (diagnostics(&r.diagnostics))
        @if !r.files.is_empty() {
            table {
                thead { tr { th { "File / run" } th { "Status" } th { "Time" } } }
                tbody {
                    @for f in &r.files {
                        tr class="file" {
                            td { code { (f.path) } (diagnostics(&f.diagnostics)) }
                            td { (status_cell(f.status)) }
                            td {}
                        }
                        @for run in &f.runs {
                            tr {
                                td { "\u{2003}run " code { (run.name) } (diagnostics(&run.diagnostics)) }
                                td { (status_cell(run.status)) }
                                td { (run.duration_ms) " ms" }
                            }
                        }
                    }
                }
            }
        }
        h3 { "Validation" }
        @if r.validation.is_empty() { p class="muted" { "No findings." } } @else {
            table {
                thead { tr { th { "Severity" } th { "Rule" } th { "Where" } th { "Finding" } } }
                tbody {
                    @for p in &r.validation {
                        tr {
                            td { (p.severity.as_str()) }
                            td { code { (p.id) } }
                            td { @if let Some(f) = &p.file { code { (f) @if let Some(l) = p.line { ":" (l) } } } }
                            td { (p.message) @if let Some(h) = &p.hint { br; span class="muted" { (h) } } }
                        }
                    }
                }
            }
        }
    }
}
