//! Reports for CI systems: GitHub workflow annotations on the failing
//! lines, and a Markdown summary for a pull request or job summary.

use crate::tftest::diag::Severity;
use crate::tftest::runner::{Status, SuiteResult};

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_prop(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::error file=…,line=…::message` lines, one per diagnostic of a run
/// that did not pass (paths relative to `prefix`, the module's path in
/// the repository).
pub fn github_annotations(suite: &SuiteResult, prefix: &str) -> String {
    let mut out = String::new();
    let path = |f: &str| {
        if prefix.is_empty() || prefix == "." {
            f.to_string()
        } else {
            format!("{}/{f}", prefix.trim_end_matches('/'))
        }
    };
    let all = suite
        .diagnostics
        .iter()
        .map(|d| (None, d))
        .chain(suite.files.iter().flat_map(|f| {
            f.runs
                .iter()
                .flat_map(move |r| {
                    r.diagnostics
                        .iter()
                        .map(move |d| (Some((f.name.as_str(), r.name.as_str())), d))
                })
                .chain(
                    f.diagnostics
                        .iter()
                        .chain(f.teardown.iter())
                        .map(move |d| (Some((f.name.as_str(), "")), d)),
                )
        }));
    for (at, d) in all {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(r) = &d.range {
            props.push(format!("file={}", escape_prop(&path(&r.file.name))));
            props.push(format!("line={}", r.start.line));
            props.push(format!("col={}", r.start.column));
            props.push(format!("endLine={}", r.end.line));
        }
        let title = match at {
            Some((file, run)) if !run.is_empty() => format!("{file}: run {run:?}: {}", d.summary),
            Some((file, _)) => format!("{file}: {}", d.summary),
            None => d.summary.clone(),
        };
        props.push(format!("title={}", escape_prop(&title)));
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            escape_data(if d.detail.is_empty() {
                &d.summary
            } else {
                &d.detail
            })
        ));
    }
    out
}

fn icon(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅",
        Status::Fail => "❌",
        Status::Error => "💥",
        Status::Skip => "⏭️",
        Status::Pending => "⏸️",
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown summary: the totals, a table of every run, and the
/// diagnostics of those that did not pass.
pub fn markdown(suite: &SuiteResult, title: &str) -> String {
    let mut out = format!("## {title}\n\n");
    // Terraform counts errors among the failures; say how many they were.
    let errored = match suite.errored() {
        0 => String::new(),
        n => format!(", {n} of the failures errored"),
    };
    out.push_str(&format!(
        "{} **{}** ({} ms{errored})\n\n",
        icon(suite.status()),
        super::human::conclusion(suite, false),
        suite.elapsed.as_millis()
    ));
    for d in &suite.diagnostics {
        out.push_str(&format!(
            "- **{}**: {}\n",
            md_cell(&d.summary),
            md_cell(&d.detail)
        ));
    }
    if !suite.files.is_empty() {
        out.push_str("| file | run | status | time |\n|---|---|---|---|\n");
        for f in &suite.files {
            for r in &f.runs {
                out.push_str(&format!(
                    "| `{}` | `{}` | {} {} | {} ms |\n",
                    md_cell(&f.name),
                    md_cell(&r.name),
                    icon(r.status),
                    r.status.as_str(),
                    r.elapsed.as_millis()
                ));
            }
        }
    }
    let failing: Vec<_> = suite
        .files
        .iter()
        .flat_map(|f| {
            f.runs
                .iter()
                .filter(|r| matches!(r.status, Status::Fail | Status::Error))
                .map(move |r| (f, r))
        })
        .collect();
    if !failing.is_empty() {
        out.push_str("\n### What failed\n\n");
        for (f, r) in failing {
            out.push_str(&format!(
                "<details><summary><code>{}</code> run <code>{}</code></summary>\n\n```text\n",
                f.name, r.name
            ));
            for d in &r.diagnostics {
                out.push_str(&super::diagnostic::plain(d, 100));
            }
            out.push_str("```\n\n</details>\n\n");
        }
    }
    if !suite.schemaless_mocks.is_empty() {
        out.push_str(&format!(
            "\n_Mocked without a provider schema:_ {}\n",
            suite
                .schemaless_mocks
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}
