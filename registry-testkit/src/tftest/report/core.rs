//! Reports of a result in core's terms ([`registry_core::TestResult`], as
//! stored with a version): Terraform's terminal lines and JUnit layout,
//! without the source snippets only the engine's own result carries.

use registry_core::{Severity, TestDiagnostic, TestResult, TestStatus};

use super::junit::{attr, cdata};

fn diagnostic_text(d: &TestDiagnostic) -> String {
    let level = match d.severity {
        Severity::Error => "Error",
        _ => "Warning",
    };
    let mut s = format!("\n{level}: {}\n", d.summary);
    if let (Some(f), Some(l)) = (&d.file, d.line) {
        s.push_str(&format!("\n  on {f} line {l}\n"));
    }
    if !d.detail.is_empty() {
        s.push_str(&format!("\n{}\n", d.detail));
    }
    s
}

/// `terraform test`'s terminal lines: each file and run with its status,
/// the diagnostics, and the closing count.
pub fn core_text(r: &TestResult) -> String {
    let mut out = String::new();
    for f in &r.files {
        out.push_str(&format!("{}... in progress\n", f.path));
        for run in &f.runs {
            out.push_str(&format!(
                "  run {:?}... {}\n",
                run.name,
                run.status.as_str()
            ));
            for d in &run.diagnostics {
                out.push_str(&diagnostic_text(d));
            }
        }
        for d in &f.diagnostics {
            out.push_str(&diagnostic_text(d));
        }
        out.push_str(&format!("{}... tearing down\n", f.path));
        out.push_str(&format!("{}... {}\n", f.path, f.status.as_str()));
    }
    for d in &r.diagnostics {
        out.push_str(&diagnostic_text(d));
    }
    let count = |s: TestStatus| r.runs().filter(|(_, x)| x.status == s).count();
    let failed = count(TestStatus::Failed) + count(TestStatus::Errored);
    let skipped = count(TestStatus::Skipped);
    let head = if r.passed() { "Success!" } else { "Failure!" };
    out.push_str(&format!(
        "\n{head} {} passed, {failed} failed{}.\n",
        count(TestStatus::Passed),
        if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        }
    ));
    out
}

/// Terraform's JUnit layout: a testsuite per file, a testcase per run.
pub fn core_junit(r: &TestResult) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><testsuites>");
    for f in &r.files {
        let count = |s: TestStatus| f.runs.iter().filter(|x| x.status == s).count();
        out.push_str(&format!(
            "\n  <testsuite name=\"{}\" tests=\"{}\" skipped=\"{}\" failures=\"{}\" errors=\"{}\">",
            attr(&f.path),
            f.runs.len(),
            count(TestStatus::Skipped),
            count(TestStatus::Failed),
            count(TestStatus::Errored)
        ));
        for run in &f.runs {
            out.push_str(&format!(
                "\n    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">",
                attr(&run.name),
                attr(&f.path),
                run.duration_ms as f64 / 1000.0
            ));
            let body: String = run.diagnostics.iter().map(diagnostic_text).collect();
            match run.status {
                TestStatus::Skipped => out.push_str("\n      <skipped></skipped>"),
                TestStatus::Failed => out.push_str(&format!(
                    "\n      <failure message=\"{}\">{}</failure>",
                    attr(
                        run.diagnostics
                            .first()
                            .map(|d| d.detail.as_str())
                            .unwrap_or("")
                    ),
                    cdata(&body)
                )),
                TestStatus::Errored => out.push_str(&format!(
                    "\n      <error message=\"Encountered an error\">{}</error>",
                    cdata(&body)
                )),
                TestStatus::Passed if !body.is_empty() => out.push_str(&format!(
                    "\n      <system-err>{}</system-err>",
                    cdata(&body)
                )),
                TestStatus::Passed => {}
            }
            out.push_str("\n    </testcase>");
        }
        out.push_str("\n  </testsuite>");
    }
    out.push_str("\n</testsuites>");
    out
}
