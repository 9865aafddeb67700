//! Diagnostics rendered as Terraform renders them: the plain form (no
//! colour), the coloured framed form, and the JSON object of the
//! machine-readable stream; with Terraform's word wrapping.

use serde::Serialize;

use crate::tftest::diag::{Diagnostic, Severity};

/// mitchellh/go-wordwrap's `WrapString`: break at whitespace (not
/// U+00A0), counting characters, never splitting a longer word, keeping
/// existing newlines.
pub fn wordwrap(s: &str, lim: usize) -> String {
    let mut buf = String::with_capacity(s.len());
    let (mut current, mut word, mut space) = (0usize, String::new(), String::new());
    let (mut word_len, mut space_len) = (0usize, 0usize);
    for c in s.chars() {
        if c == '\n' {
            // (Go updates its column counter here too; the newline resets it.)
            if word.is_empty() {
                if current + space_len <= lim {
                    buf.push_str(&space);
                }
                space.clear();
                space_len = 0;
            } else {
                buf.push_str(&space);
                space.clear();
                space_len = 0;
                buf.push_str(&word);
                word.clear();
                word_len = 0;
            }
            buf.push(c);
            current = 0;
        } else if c.is_whitespace() && c != '\u{a0}' {
            if space.is_empty() || !word.is_empty() {
                current += space_len + word_len;
                buf.push_str(&space);
                space.clear();
                space_len = 0;
                buf.push_str(&word);
                word.clear();
                word_len = 0;
            }
            space.push(c);
            space_len += 1;
        } else {
            word.push(c);
            word_len += 1;
            if current + word_len + space_len > lim && word_len < lim {
                buf.push('\n');
                current = 0;
                space.clear();
                space_len = 0;
            }
        }
    }
    if word.is_empty() {
        if current + space_len <= lim {
            buf.push_str(&space);
        }
    } else {
        buf.push_str(&space);
        buf.push_str(&word);
    }
    buf
}

/// The source lines a diagnostic points at: (first line number, code,
/// highlight byte offsets within the code).
fn snippet(d: &Diagnostic) -> Option<(usize, String, usize, usize)> {
    let r = d.range.as_ref()?;
    let f = &r.file;
    if f.text.is_empty() {
        return None;
    }
    let first = r.start.line;
    let last = r.end.line.max(first);
    let lines: Vec<&str> = (first..=last).map(|n| f.line(n)).collect();
    let code = lines.join("\n");
    let line_start = r.start.byte - (r.start.column - 1).min(r.start.byte);
    // Byte offset of the start of the first line.
    let first_byte = f.text[..r.start.byte.min(f.text.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let _ = line_start;
    let hs = r.start.byte.saturating_sub(first_byte).min(code.len());
    let mut he = r.end.byte.saturating_sub(first_byte).min(code.len());
    if he == hs {
        he = (hs + 1).min(code.len());
    }
    Some((first, code, hs, he))
}

/// The plain rendering (`-no-color`, JUnit bodies) at a terminal width.
pub fn plain(d: &Diagnostic, width: usize) -> String {
    let mut out = String::from("\n");
    out.push_str(match d.severity {
        Severity::Error => "Error: ",
        Severity::Warning => "Warning: ",
    });
    out.push_str(&d.summary);
    out.push_str("\n\n");
    if let Some(a) = &d.address {
        out.push_str(&format!("  with {a},\n"));
    }
    if let Some(r) = &d.range {
        match snippet(d) {
            None => out.push_str(&format!(
                "  on {} line {}:\n  (source code not available)\n",
                r.file.name, r.start.line
            )),
            Some((start, code, _, _)) => {
                out.push_str(&format!("  on {} line {}", r.file.name, r.start.line));
                if let Some(c) = d.snippet_context() {
                    out.push_str(&format!(", in {c}"));
                }
                out.push_str(":\n");
                for (i, line) in code.split('\n').enumerate() {
                    out.push_str(&format!("{:>4}: {line}\n", start + i));
                }
                if !d.values.is_empty() {
                    out.push_str("    ├────────────────\n");
                    for (t, s) in &d.values {
                        out.push_str(&format!("    │ {t} is {s}\n"));
                    }
                }
            }
        }
        out.push('\n');
    }
    if !d.detail.is_empty() {
        for line in d.detail.split('\n') {
            if line.starts_with(' ') {
                out.push_str(line);
            } else {
                out.push_str(&wordwrap(line, width.saturating_sub(1)));
            }
            out.push('\n');
        }
    }
    out
}

/// The coloured, framed rendering of a terminal.
pub fn colored(d: &Diagnostic, width: usize) -> String {
    let (color, word) = match d.severity {
        Severity::Error => ("31", "Error: "),
        Severity::Warning => ("33", "Warning: "),
    };
    let mut body = format!(
        "\x1b[1m\x1b[{color}m{word}\x1b[0m\x1b[0m\x1b[1m{}\x1b[0m\n\n\x1b[0m",
        d.summary
    );
    if let Some(a) = &d.address {
        body.push_str(&format!("  with {a},\n"));
    }
    if let Some(r) = &d.range {
        match snippet(d) {
            None => body.push_str(&format!(
                "  on {} line {}:\n  (source code not available)\n",
                r.file.name, r.start.line
            )),
            Some((start, code, hs, he)) => {
                body.push_str(&format!("  on {} line {}", r.file.name, r.start.line));
                if let Some(c) = d.snippet_context() {
                    body.push_str(&format!(", in {c}"));
                }
                body.push_str(":\n");
                let marked = format!(
                    "{}\x1b[4m{}\x1b[0m{}\x1b[0m",
                    &code[..hs],
                    &code[hs..he],
                    &code[he..]
                );
                for (i, line) in marked.split('\n').enumerate() {
                    body.push_str(&format!("{:>4}: {line}\n", start + i));
                }
                if !d.values.is_empty() {
                    body.push_str("    \x1b[90m├────────────────\x1b[0m\n\x1b[0m");
                    for (t, s) in &d.values {
                        body.push_str(&format!(
                            "    \x1b[90m│\x1b[0m \x1b[1m{t}\x1b[0m is {s}\n\x1b[0m"
                        ));
                    }
                }
            }
        }
        body.push('\n');
    }
    for line in d.detail.split('\n').filter(|_| !d.detail.is_empty()) {
        if line.starts_with(' ') {
            body.push_str(line);
        } else {
            body.push_str(&wordwrap(line, width.saturating_sub(3)));
        }
        body.push('\n');
    }
    let prefix = format!("\x1b[{color}m│\x1b[0m \x1b[0m");
    let mut out = format!("\x1b[{color}m╷\x1b[0m\x1b[0m\n");
    for line in body.lines() {
        out.push_str(&prefix);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!("\x1b[{color}m╵\x1b[0m\x1b[0m\n"));
    out
}

#[derive(Serialize)]
struct JsonPos {
    line: usize,
    column: usize,
    byte: usize,
}

#[derive(Serialize)]
struct JsonRange {
    filename: String,
    start: JsonPos,
    end: JsonPos,
}

#[derive(Serialize)]
struct JsonValue {
    traversal: String,
    statement: String,
}

#[derive(Serialize)]
struct JsonSnippet {
    context: Option<String>,
    code: String,
    start_line: usize,
    highlight_start_offset: usize,
    highlight_end_offset: usize,
    values: Vec<JsonValue>,
}

/// The diagnostic object of Terraform's JSON stream.
#[derive(Serialize)]
pub struct JsonDiagnostic {
    severity: &'static str,
    summary: String,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<JsonRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<JsonSnippet>,
}

impl JsonDiagnostic {
    /// The JSON form of `d`.
    pub fn of(d: &Diagnostic) -> JsonDiagnostic {
        let range = d.range.as_ref().map(|r| {
            let mut end = JsonPos {
                line: r.end.line,
                column: r.end.column,
                byte: r.end.byte,
            };
            if r.end.byte == r.start.byte {
                end.column += 1;
                end.byte += 1;
            }
            JsonRange {
                filename: r.file.name.clone(),
                start: JsonPos {
                    line: r.start.line,
                    column: r.start.column,
                    byte: r.start.byte,
                },
                end,
            }
        });
        let snippet = snippet(d).map(|(start, code, hs, he)| JsonSnippet {
            context: d.snippet_context(),
            code,
            start_line: start,
            highlight_start_offset: hs,
            highlight_end_offset: he,
            values: d
                .values
                .iter()
                .map(|(t, s)| JsonValue {
                    traversal: t.clone(),
                    statement: format!("is {s}"),
                })
                .collect(),
        });
        JsonDiagnostic {
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            address: d.address.clone(),
            range,
            snippet,
        }
    }
}

/// Terraform's order (`tfdiags.Diagnostics.Sort`): warnings first, then
/// sourceless before sourced, then by the file's path depth, its name,
/// and the range's start and end (a stable sort).
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let sev = |d: &Diagnostic| {
            if d.severity == Severity::Warning {
                0
            } else {
                1
            }
        };
        sev(a)
            .cmp(&sev(b))
            .then_with(|| a.range.is_some().cmp(&b.range.is_some()))
            .then_with(|| match (&a.range, &b.range) {
                (Some(x), Some(y)) => {
                    let depth = |n: &str| n.matches('/').count();
                    depth(&x.file.name)
                        .cmp(&depth(&y.file.name))
                        .then_with(|| x.file.name.cmp(&y.file.name))
                        .then_with(|| x.start.byte.cmp(&y.start.byte))
                        .then_with(|| x.end.byte.cmp(&y.end.byte))
                }
                _ => std::cmp::Ordering::Equal,
            })
    });
}

/// Warnings of one summary collapsed into the first, as the terminal shows them.
pub fn consolidate_warnings(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for d in diags {
        if d.severity == Severity::Warning
            && let Some(i) = out
                .iter()
                .position(|x| x.severity == Severity::Warning && x.summary == d.summary)
        {
            if let Some(c) = counts.iter_mut().find(|(j, _)| *j == i) {
                c.1 += 1;
            } else {
                counts.push((i, 1));
            }
            continue;
        }
        out.push(d);
    }
    for (i, n) in counts {
        let more = if n == 1 {
            "(and one more similar warning elsewhere)".to_string()
        } else {
            format!("(and {n} more similar warnings elsewhere)")
        };
        out[i].detail = format!("{}\n\n{more}", out[i].detail);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_matches_go_wordwrap() {
        let s = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo ppp qq rr ss tt uu vv ww xx yy zz 1234567890 the end of the message is here";
        assert_eq!(
            wordwrap(s, 77),
            "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo\nppp qq rr ss tt uu vv ww xx yy zz 1234567890 the end of the message is here"
        );
        assert_eq!(
            wordwrap(s, 79),
            "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo ppp\nqq rr ss tt uu vv ww xx yy zz 1234567890 the end of the message is here"
        );
    }
}
