//! Terraform's JUnit XML (`terraform test -junit-xml=FILE`): a testsuite
//! per file, a testcase per run, `failure` for failed assertions,
//! `error` for errors, `skipped` for runs an error skipped.

use super::diagnostic::plain;
use crate::tftest::diag::Severity;
use crate::tftest::runner::{Status, SuiteResult};

pub(super) fn attr(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&#34;"),
            '\'' => o.push_str("&#39;"),
            '\t' => o.push_str("&#x9;"),
            '\n' => o.push_str("&#xA;"),
            '\r' => o.push_str("&#xD;"),
            c => o.push(c),
        }
    }
    o
}

pub(super) fn cdata(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

/// Go's `strconv.FormatFloat(v, 'g', -1, 64)` for durations in seconds.
fn seconds(d: std::time::Duration) -> String {
    let v = d.as_secs_f64();
    if v != 0.0 && v < 1e-4 {
        let s = format!("{v:e}");
        // Go writes a two-digit exponent: 9.5e-05.
        match s.split_once('e') {
            Some((m, e)) => {
                let (sign, digits) = e.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("+", e));
                format!("{m}e{sign}{digits:0>2}")
            }
            None => s,
        }
    } else {
        format!("{v}")
    }
}

/// The XML document (no trailing newline, as Terraform writes it).
pub fn junit_xml(suite: &SuiteResult) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><testsuites>");
    let mut files: Vec<_> = suite.files.iter().collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    for f in files {
        let count = |s: Status| f.runs.iter().filter(|r| r.status == s).count();
        out.push_str(&format!(
            "\n  <testsuite name=\"{}\" tests=\"{}\" skipped=\"{}\" failures=\"{}\" errors=\"{}\">",
            attr(&f.name),
            f.runs.len(),
            count(Status::Skip),
            count(Status::Fail),
            count(Status::Error)
        ));
        for r in &f.runs {
            let mut tc = format!(
                "\n    <testcase name=\"{}\" classname=\"{}\"",
                attr(&r.name),
                attr(&f.name)
            );
            if r.status != Status::Skip && r.status != Status::Pending && !r.elapsed.is_zero() {
                tc.push_str(&format!(
                    " time=\"{}\" timestamp=\"{}\"",
                    seconds(r.elapsed),
                    r.started.format("%Y-%m-%dT%H:%M:%SZ")
                ));
            }
            tc.push('>');
            let mut children = String::new();
            match r.status {
                Status::Skip => match &r.skipped_after {
                    Some(prev) => children.push_str(&format!(
                        "\n      <skipped message=\"Testcase skipped due to a previous testcase error\">{}</skipped>",
                        cdata(&format!("Previous testcase {prev:?} ended in error, which caused the remaining tests in the file to be skipped"))
                    )),
                    None => children.push_str("\n      <skipped></skipped>"),
                },
                Status::Fail => {
                    let failed: Vec<_> = r.diagnostics.iter().filter(|d| d.summary == "Test assertion failed").collect();
                    let (k, m) = (failed.len(), r.failed_asserts.1);
                    let first = failed.first().map(|d| d.detail.clone()).unwrap_or_default();
                    let message = if k == 1 {
                        format!("{k} of {m} assertions failed: {first}")
                    } else {
                        format!("{k} of {m} assertions failed, including: {first}")
                    };
                    let body: String = failed.iter().map(|d| plain(d, 80)).collect();
                    children.push_str(&format!("\n      <failure message=\"{}\">{}</failure>", attr(&message), cdata(&body)));
                    let rest: String = r.diagnostics.iter().filter(|d| d.summary != "Test assertion failed").map(|d| plain(d, 80)).collect();
                    if !rest.is_empty() {
                        children.push_str(&format!("\n      <system-err>{}</system-err>", cdata(&rest)));
                    }
                }
                Status::Error => {
                    let body: String = r.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| plain(d, 80)).collect();
                    children.push_str(&format!("\n      <error message=\"Encountered an error\">{}</error>", cdata(&body)));
                    let warnings: String = r.diagnostics.iter().filter(|d| d.severity == Severity::Warning).map(|d| plain(d, 80)).collect();
                    if !warnings.is_empty() {
                        children.push_str(&format!("\n      <system-err>{}</system-err>", cdata(&warnings)));
                    }
                }
                Status::Pass | Status::Pending => {
                    let rest: String = r.diagnostics.iter().map(|d| plain(d, 80)).collect();
                    if !rest.is_empty() {
                        children.push_str(&format!("\n      <system-err>{}</system-err>", cdata(&rest)));
                    }
                }
            }
            if children.is_empty() {
                tc.push_str("</testcase>");
            } else {
                tc.push_str(&children);
                tc.push_str("\n    </testcase>");
            }
            out.push_str(&tc);
        }
        if f.runs.is_empty() {
            out.push_str("</testsuite>");
        } else {
            out.push_str("\n  </testsuite>");
        }
    }
    if suite.files.is_empty() {
        out.push_str("</testsuites>");
    } else {
        out.push_str("\n</testsuites>");
    }
    out
}
