//! The terminal report, as `terraform test` prints it: a line per file
//! and run, diagnostics (errors on stderr, warnings on stdout), and the
//! closing `Success!` / `Failure!` line.

use super::diagnostic::{colored, consolidate_warnings, plain, sort};
use crate::tftest::diag::{Diagnostic, Severity};
use crate::tftest::runner::{Status, SuiteResult};

/// Which stream a piece of output belongs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    /// ANSI colours (Terraform colours unless `-no-color`).
    pub color: bool,
    /// The terminal width (78 when not a terminal).
    pub width: usize,
    /// Append each run's duration to its line, and print the engine's
    /// [`notes`] (ours; Terraform prints neither).
    pub timings: bool,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            width: 78,
            timings: false,
        }
    }
}

fn word(s: Status, color: bool) -> String {
    let w = match s {
        Status::Error | Status::Fail => "fail",
        Status::Pass => "pass",
        Status::Skip => "skip",
        Status::Pending => "pending",
    };
    if !color {
        return w.to_string();
    }
    let c = match s {
        Status::Error | Status::Fail => "31",
        Status::Pass => "32",
        _ => "37",
    };
    format!("\x1b[{c}m{w}\x1b[0m\x1b[0m")
}

fn gray(s: &str, color: bool) -> String {
    if color {
        format!("\x1b[37m{s}\x1b[0m\n\x1b[0m")
    } else {
        format!("{s}\n")
    }
}

fn render(d: &Diagnostic, o: &HumanOptions) -> (Stream, String) {
    let stream = if d.severity == Severity::Error {
        Stream::Stderr
    } else {
        Stream::Stdout
    };
    let text = if o.color {
        colored(d, o.width)
    } else {
        plain(d, o.width)
    };
    (stream, text)
}

/// The closing line (`Success! 2 passed, 0 failed.`).
pub fn conclusion(suite: &SuiteResult, color: bool) -> String {
    let status = suite.status();
    let skipped = suite.skipped();
    let tail = if skipped > 0 {
        format!(", {skipped} skipped.")
    } else {
        ".".into()
    };
    let head = if status <= Status::Pass {
        if color {
            "\x1b[32mSuccess!\x1b[0m\x1b[0m"
        } else {
            "Success!"
        }
    } else if color {
        "\x1b[31mFailure!\x1b[0m\x1b[0m"
    } else {
        "Failure!"
    };
    format!(
        "{head} {} passed, {} failed{tail}",
        suite.passed(),
        suite.failed() + suite.errored()
    )
}

/// The report as pieces of output in order, each for its stream.
pub fn human(suite: &SuiteResult, o: &HumanOptions) -> Vec<(Stream, String)> {
    let mut out = Vec::new();
    if !suite.diagnostics.is_empty() {
        let mut ds = suite.diagnostics.clone();
        sort(&mut ds);
        for d in &ds {
            out.push(render(d, o));
        }
        return out;
    }
    for f in &suite.files {
        out.push((
            Stream::Stdout,
            gray(
                &format!(
                    "{}... {}",
                    f.name,
                    if o.color {
                        "\x1b[37min progress\x1b[0m"
                    } else {
                        "in progress"
                    }
                ),
                false,
            ),
        ));
        if o.color {
            // Terraform's colour reset trails into the next line.
            let last = out.len() - 1;
            out[last].1 = format!("{}... \x1b[37min progress\x1b[0m\n\x1b[0m", f.name);
        }
        for r in &f.runs {
            let timing = if o.timings && r.status != Status::Skip {
                format!(" ({} ms)", r.elapsed.as_millis())
            } else {
                String::new()
            };
            out.push((
                Stream::Stdout,
                format!(
                    "  run {:?}... {}{timing}\n",
                    r.name,
                    word(r.status, o.color)
                ),
            ));
            let mut ds = r.diagnostics.clone();
            sort(&mut ds);
            let ds = consolidate_warnings(ds);
            let warned = ds.iter().any(|d| d.severity == Severity::Warning);
            for d in &ds {
                out.push(render(d, o));
            }
            if warned {
                out.push((Stream::Stdout, "\n".into()));
            }
        }
        if o.color {
            out.push((
                Stream::Stdout,
                format!("{}... \x1b[37mtearing down\x1b[0m\n\x1b[0m", f.name),
            ));
        } else {
            out.push((Stream::Stdout, format!("{}... tearing down\n", f.name)));
        }
        for d in &f.teardown {
            out.push(render(d, o));
        }
        out.push((
            Stream::Stdout,
            format!("{}... {}\n", f.name, word(f.status, o.color)),
        ));
        let mut ds = f.diagnostics.clone();
        sort(&mut ds);
        for d in consolidate_warnings(ds) {
            out.push(render(&d, o));
        }
    }
    out.push((
        Stream::Stdout,
        format!("\n{}\n", conclusion(suite, o.color)),
    ));
    // Terraform prints no such note: only with our own extras on.
    if o.timings
        && let Some(n) = notes(suite)
    {
        out.push((Stream::Stderr, n));
    }
    out
}

/// The engine's own remarks on a run that Terraform never prints (mocks
/// that ran without a provider schema), for callers that want them.
pub fn notes(suite: &SuiteResult) -> Option<String> {
    if suite.schemaless_mocks.is_empty() {
        return None;
    }
    let names: Vec<&str> = suite.schemaless_mocks.iter().map(String::as_str).collect();
    Some(format!(
        "\nNote: mocked without a provider schema (computed attributes guessed from their use; give one with --provider-schema): {}\n",
        names.join(", ")
    ))
}

/// Every piece joined, stdout and stderr interleaved as they would be
/// on one terminal.
pub fn combined(pieces: &[(Stream, String)]) -> String {
    pieces.iter().map(|(_, s)| s.as_str()).collect()
}
