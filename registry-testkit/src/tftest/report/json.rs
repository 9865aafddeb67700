//! Terraform's machine-readable test stream (`terraform test -json`):
//! one JSON object a line, the same message types, fields and key order
//! as Terraform 1.11 writes, so tools that read Terraform's read ours.

use serde::Serialize;

use super::diagnostic::JsonDiagnostic;
use super::human::conclusion;
use crate::tftest::diag::{Diagnostic, Severity};
use crate::tftest::runner::{Status, SuiteResult};

/// The Terraform release whose test semantics the engine follows.
pub const TERRAFORM_VERSION: &str = "1.11.4";

/// Go's `encoding/json` escaping of `<`, `>`, `&`, U+2028 and U+2029.
fn go_escape(s: &str) -> String {
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    let local = t.with_timezone(&chrono::Local);
    let s = local.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string();
    match s.strip_suffix("+00:00") {
        Some(p) => format!("{p}Z"),
        None => s,
    }
}

struct Line<'a> {
    level: &'a str,
    message: String,
    testfile: Option<&'a str>,
    testrun: Option<&'a str>,
    at: chrono::DateTime<chrono::Utc>,
    /// (key, JSON text) pairs besides `type`, in key order.
    payload: Vec<(&'a str, String)>,
    ty: &'a str,
}

impl Line<'_> {
    fn render(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut parts = vec![
            format!("\"@level\":{}", q(self.level)),
            format!("\"@message\":{}", q(&self.message)),
            "\"@module\":\"terraform.ui\"".to_string(),
        ];
        if let Some(f) = self.testfile {
            parts.push(format!("\"@testfile\":{}", q(f)));
        }
        if let Some(r) = self.testrun {
            parts.push(format!("\"@testrun\":{}", q(r)));
        }
        parts.push(format!("\"@timestamp\":{}", q(&timestamp(self.at))));
        let mut rest: Vec<(&str, String)> = self.payload.clone();
        rest.push(("type", q(self.ty)));
        rest.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in rest {
            parts.push(format!("{}:{v}", q(k)));
        }
        go_escape(&format!("{{{}}}", parts.join(",")))
    }
}

#[derive(Serialize)]
struct TestFile<'a> {
    path: &'a str,
    progress: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
}

#[derive(Serialize)]
struct TestRun<'a> {
    path: &'a str,
    run: &'a str,
    progress: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    elapsed: Option<u128>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
}

#[derive(Serialize)]
struct Summary {
    status: &'static str,
    passed: usize,
    failed: usize,
    errored: usize,
    skipped: usize,
}

fn word(s: Status) -> &'static str {
    match s {
        Status::Error | Status::Fail => "fail",
        other => other.as_str(),
    }
}

fn diag_line<'a>(
    d: &Diagnostic,
    file: Option<&'a str>,
    run: Option<&'a str>,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    let (level, word) = match d.severity {
        Severity::Error => ("error", "Error"),
        Severity::Warning => ("warn", "Warning"),
    };
    Line {
        level,
        message: format!("{word}: {}", d.summary),
        testfile: file,
        testrun: run,
        at,
        payload: vec![(
            "diagnostic",
            serde_json::to_string(&JsonDiagnostic::of(d)).unwrap_or_default(),
        )],
        ty: "diagnostic",
    }
    .render()
}

/// The stream, each line ending in a newline. `engine` names our own
/// release (written in the version message beside Terraform's).
pub fn json_stream(suite: &SuiteResult, engine: &str) -> String {
    let mut lines = Vec::new();
    let t0 = suite.started;
    lines.push(
        Line {
            level: "info",
            message: format!("Terraform {TERRAFORM_VERSION}"),
            testfile: None,
            testrun: None,
            at: t0,
            payload: vec![
                (
                    "registry",
                    serde_json::to_string(engine).unwrap_or_default(),
                ),
                (
                    "terraform",
                    serde_json::to_string(TERRAFORM_VERSION).unwrap_or_default(),
                ),
                ("ui", "\"1.2\"".into()),
            ],
            ty: "version",
        }
        .render(),
    );
    if !suite.diagnostics.is_empty() {
        for d in &suite.diagnostics {
            lines.push(diag_line(d, None, None, t0));
        }
        return lines.join("\n") + "\n";
    }
    let runs: usize = suite.runs();
    let files = suite.files.len();
    let abstract_map: String = {
        let mut entries: Vec<(String, String)> = suite
            .files
            .iter()
            .map(|f| {
                let names: Vec<&str> = f.runs.iter().map(|r| r.name.as_str()).collect();
                let v = if names.is_empty() {
                    "null".to_string()
                } else {
                    serde_json::to_string(&names).unwrap_or_default()
                };
                (serde_json::to_string(&f.name).unwrap_or_default(), v)
            })
            .collect();
        entries.sort();
        format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    lines.push(
        Line {
            level: "info",
            message: format!(
                "Found {files} {} and {runs} {}",
                if files == 1 { "file" } else { "files" },
                if runs == 1 { "run block" } else { "run blocks" }
            ),
            testfile: None,
            testrun: None,
            at: t0,
            payload: vec![("test_abstract", abstract_map)],
            ty: "test_abstract",
        }
        .render(),
    );
    for f in &suite.files {
        let file = Some(f.name.as_str());
        let started = f.runs.first().map(|r| r.started).unwrap_or(t0);
        let tf = |progress: &str, status: Option<&str>| {
            serde_json::to_string(&TestFile {
                path: &f.name,
                progress,
                status,
            })
            .unwrap_or_default()
        };
        lines.push(
            Line {
                level: "info",
                message: format!("{}... in progress", f.name),
                testfile: file,
                testrun: None,
                at: started,
                payload: vec![("test_file", tf("starting", None))],
                ty: "test_file",
            }
            .render(),
        );
        for r in &f.runs {
            let run = Some(r.name.as_str());
            let end = r.started + chrono::Duration::from_std(r.elapsed).unwrap_or_default();
            if r.status != Status::Skip {
                lines.push(
                    Line {
                        level: "info",
                        message: format!("  {:?}... in progress", r.name),
                        testfile: file,
                        testrun: run,
                        at: r.started,
                        payload: vec![(
                            "test_run",
                            serde_json::to_string(&TestRun {
                                path: &f.name,
                                run: &r.name,
                                progress: "starting",
                                elapsed: Some(0),
                                status: None,
                            })
                            .unwrap_or_default(),
                        )],
                        ty: "test_run",
                    }
                    .render(),
                );
            }
            lines.push(
                Line {
                    level: "info",
                    message: format!("  {:?}... {}", r.name, word(r.status)),
                    testfile: file,
                    testrun: run,
                    at: end,
                    payload: vec![(
                        "test_run",
                        serde_json::to_string(&TestRun {
                            path: &f.name,
                            run: &r.name,
                            progress: "complete",
                            elapsed: None,
                            status: Some(r.status.as_str()),
                        })
                        .unwrap_or_default(),
                    )],
                    ty: "test_run",
                }
                .render(),
            );
            for d in &r.diagnostics {
                lines.push(diag_line(d, file, run, end));
            }
        }
        let end = started + chrono::Duration::from_std(f.elapsed).unwrap_or_default();
        lines.push(
            Line {
                level: "info",
                message: format!("{}... tearing down", f.name),
                testfile: file,
                testrun: None,
                at: end,
                payload: vec![("test_file", tf("teardown", None))],
                ty: "test_file",
            }
            .render(),
        );
        for d in &f.teardown {
            lines.push(diag_line(d, file, None, end));
        }
        lines.push(
            Line {
                level: "info",
                message: format!("{}... {}", f.name, word(f.status)),
                testfile: file,
                testrun: None,
                at: end,
                payload: vec![("test_file", tf("complete", Some(f.status.as_str())))],
                ty: "test_file",
            }
            .render(),
        );
        for d in &f.diagnostics {
            lines.push(diag_line(d, file, None, end));
        }
    }
    let status = suite.status();
    let end = t0 + chrono::Duration::from_std(suite.elapsed).unwrap_or_default();
    lines.push(
        Line {
            level: "info",
            message: conclusion(suite, false),
            testfile: None,
            testrun: None,
            at: end,
            payload: vec![(
                "test_summary",
                serde_json::to_string(&Summary {
                    status: status.as_str(),
                    passed: suite.passed(),
                    failed: suite.failed(),
                    errored: suite.errored(),
                    skipped: suite.skipped(),
                })
                .unwrap_or_default(),
            )],
            ty: "test_summary",
        }
        .render(),
    );
    lines.join("\n") + "\n"
}
