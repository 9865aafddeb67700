//! Ports of terraform-docs' text sanitizers (`template/sanitizer.go`,
//! `format/util.go`), kept line for line so the output matches byte for byte.

use std::sync::LazyLock;

use regex::Regex;

const DONT_ESCAPE: &str = "‡‡‡DONTESCAPE‡‡‡";

/// terraform-docs' `processSegments`: split on `delim`, alternate normal and
/// code segments (starting in code only when `s` begins with `delim`);
/// empty segments are skipped without toggling.
fn process_segments(
    s: &str,
    delim: &str,
    normal: &dyn Fn(&str, bool, bool) -> String,
    code: &dyn Fn(&str, bool, bool) -> String,
) -> String {
    let mut in_code = s.starts_with(delim);
    let segments: Vec<&str> = s.split(delim).collect();
    let mut out = String::new();
    for (i, seg) in segments.iter().enumerate() {
        if seg.is_empty() {
            continue;
        }
        let first = i == 0 || segments[i - 1].trim().is_empty();
        let last = i == segments.len() - 1 || segments[i + 1].trim().is_empty();
        if in_code {
            out.push_str(&code(seg, first, last));
        } else {
            out.push_str(&normal(seg, first, last));
        }
        in_code = !in_code;
    }
    out
}

fn per_line(s: &str, f: impl Fn(&str) -> String) -> String {
    s.split('\n').map(f).collect::<Vec<_>>().join("\n")
}

/// Go's `regexp.FindAllStringSubmatchIndex` + the stale-index splice loop of
/// `EscapeCharacters`, reproduced on bytes.
fn protect_matches(line: &str, re: &Regex, groups: &[usize], ch: &str) -> String {
    let original = line.to_string();
    let matches: Vec<Vec<Option<(usize, usize)>>> = re
        .captures_iter(&original)
        .map(|c| {
            (0..c.len())
                .map(|g| c.get(g).map(|m| (m.start(), m.end())))
                .collect()
        })
        .collect();
    let mut bytes = line.as_bytes().to_vec();
    for m in &matches {
        for &k in groups {
            let Some((start, end)) = m[k] else { continue };
            let text = &original[start..end];
            let replacement = text.replace(ch, DONT_ESCAPE);
            if start > bytes.len() || end > bytes.len() || start > end {
                continue;
            }
            let mut next = bytes[..start].to_vec();
            next.extend_from_slice(replacement.as_bytes());
            next.extend_from_slice(&bytes[end..]);
            bytes = next;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

static ESCAPE_UNDERSCORE_LEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\s*)(_+)(\s+)(.*)").expect("regex"));
static ESCAPE_UNDERSCORE_EMPHASIS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\s+)(_+)([^\t\n\f\r _])(.*)([^\t\n\f\r _])(_+)(\s+)").expect("regex")
});

fn escape_underscore_line(line: &str) -> String {
    let mut l = protect_matches(line, &ESCAPE_UNDERSCORE_LEADING, &[2], "_");
    l = protect_matches(&l, &ESCAPE_UNDERSCORE_EMPHASIS, &[6, 2], "_");
    l.replace('_', "\\_").replace(DONT_ESCAPE, "_")
}

/// `EscapeCharacters`.
pub fn escape_characters(s: &str, escape: bool, escape_pipe: bool) -> String {
    let mut s = s.to_string();
    if escape_pipe {
        s = process_segments(
            &s,
            "`",
            &|seg, _, _| seg.replace('|', "\\|"),
            &|seg, _, _| format!("`{seg}`"),
        );
    }
    if escape {
        s = process_segments(
            &s,
            "`",
            &|seg, _, _| per_line(seg, escape_underscore_line),
            &|seg, _, _| format!("`{seg}`"),
        );
    }
    s
}

static MULTILINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\S*)(\r?\n)(\s*)(\w+)").expect("regex"));

/// `ConvertMultiLineText`.
pub fn convert_multi_line_text(s: &str, is_table: bool, is_header: bool, html: bool) -> String {
    let mut s = if is_table {
        s.trim().to_string()
    } else {
        s.to_string()
    };
    if !is_header {
        s = MULTILINE.replace_all(&s, "$1  $2$3$4").into_owned();
        s = s.replace("    \n", "  \n");
        s = s.replace("  \n\n", "\n\n");
        s = s.replace("\n  \n", "\n\n");
    }
    if !is_table {
        return s;
    }
    let linebreak = if html { "<br/>" } else { " " };
    s = s.replace("  \n", linebreak);
    s.replace('\n', linebreak)
}

static ONE_LINE_EQ: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\s*)=(\s*)").expect("regex"));

/// `ConvertOneLineCodeBlock`.
pub fn convert_one_line_code_block(s: &str) -> String {
    s.split('\n')
        .filter(|l| !l.trim().is_empty())
        .map(|l| ONE_LINE_EQ.replace_all(l, " = ").trim_start().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

static URL: LazyLock<Regex> = LazyLock::new(|| {
    // xurls.Strict(): a scheme, "://", and the rest of a URL.
    Regex::new(r#"(?i)\b(?:https?|ftp|file|mailto|git|ssh)://[^\s<>"'`|]+[^\s<>"'`|.,;:!?)\]]"#)
        .expect("regex")
});

/// `NormalizeURLs`: remove backslashes the escaping put inside URLs.
pub fn normalize_urls(s: &str, escape: bool) -> String {
    if !escape {
        return s.to_string();
    }
    let mut out = s.to_string();
    let urls: Vec<String> = URL.find_iter(s).map(|m| m.as_str().to_string()).collect();
    for url in urls {
        out = out.replace(&url, &url.replace('\\', ""));
    }
    out
}

/// `SanitizeSection` (header and footer).
pub fn sanitize_section(s: &str, escape: bool, html: bool) -> String {
    if s.is_empty() {
        return "n/a".into();
    }
    process_segments(
        s,
        "```",
        &|seg, _, _| {
            let seg = escape_characters(seg, escape, false);
            let seg = convert_multi_line_text(&seg, false, true, html);
            normalize_urls(&seg, escape)
        },
        &|seg, _, _| {
            let mut lastbreak = if seg.ends_with('\n') { "" } else { "\n" };
            let lines: Vec<&str> = seg.split('\n').collect();
            if lines.last().is_some_and(|l| l.trim().is_empty()) {
                lastbreak = "";
            }
            format!("```{seg}{lastbreak}```")
        },
    )
}

/// `SanitizeMarkdownTable` (description, type, default and value cells).
pub fn sanitize_markdown_table(s: &str, escape: bool, html: bool) -> String {
    if s.is_empty() {
        return "n/a".into();
    }
    process_segments(
        s,
        "```",
        &|seg, _, _| {
            let seg = escape_characters(seg, escape, true);
            let seg = convert_multi_line_text(&seg, true, false, html);
            normalize_urls(&seg, escape)
        },
        &|seg, first, last| {
            let mut seg = seg.trim().to_string();
            let (linebreak, mut start, mut end) = if html {
                ("<br/>", "<pre>".to_string(), "</pre>".to_string())
            } else {
                ("", " ```".to_string(), "``` ".to_string())
            };
            if !html {
                if first {
                    start = start[1..].to_string();
                }
                if last {
                    end = end[..3].to_string();
                }
                seg = convert_one_line_code_block(&seg);
            }
            let seg = seg.replace('\n', linebreak).replace('\r', "");
            format!("{start}{seg}{end}")
        },
    )
}

/// `SanitizeAsciidocTable` (description, type and default cells): `n/a`
/// for nothing, `|` escaped outside code, fences as `[source]` blocks.
pub fn sanitize_asciidoc_table(s: &str, escape: bool) -> String {
    if s.is_empty() {
        return "n/a".into();
    }
    process_segments(
        s,
        "```",
        &|seg, _, _| normalize_urls(&escape_characters(seg, escape, true), escape),
        &|seg, _, _| format!("[source]\n----\n{}\n----", seg.trim()),
    )
}

/// `SanitizeDocument` as the AsciiDoc document uses it: `n/a` for
/// nothing; outside code fences the multi-line conventions, fences kept
/// (their closing one on a line of its own).
pub fn sanitize_asciidoc_document(s: &str, escape: bool, html: bool) -> String {
    if s.is_empty() {
        return "n/a".into();
    }
    process_segments(
        s,
        "```",
        &|seg, _, _| {
            let seg = escape_characters(seg, escape, false);
            let seg = convert_multi_line_text(&seg, false, false, html);
            normalize_urls(&seg, escape)
        },
        &|seg, _, _| {
            let lastbreak = if seg.ends_with('\n') { "" } else { "\n" };
            format!("```{seg}{lastbreak}```")
        },
    )
}

/// `CreateAnchorAsciidoc`.
pub fn anchor_asciidoc(prefix: &str, value: &str, anchor: bool, escape: bool) -> String {
    let name = sanitize_name(value, escape);
    if anchor {
        let anchor_name = format!("{prefix}_{value}");
        format!("[[{anchor_name}]] <<{anchor_name},{name}>>")
    } else {
        name
    }
}

/// `SanitizeName`.
pub fn sanitize_name(name: &str, escape: bool) -> String {
    if escape {
        name.replace('_', "\\_")
    } else {
        name.to_string()
    }
}

/// `CreateAnchorMarkdown`.
pub fn anchor_markdown(prefix: &str, value: &str, anchor: bool, escape: bool) -> String {
    let name = sanitize_name(value, escape);
    if anchor {
        let anchor_name = format!("{prefix}_{value}");
        format!(
            "<a name=\"{anchor_name}\"></a> [{name}](#{})",
            sanitize_name(&anchor_name, escape)
        )
    } else {
        name
    }
}

/// `PrintFencedCodeBlock`.
pub fn fenced_code_block(code: &str, language: &str) -> String {
    if code.contains('\n') {
        format!("\n\n```{language}\n{code}\n```\n")
    } else {
        format!("`{code}`")
    }
}

static DOUBLE_SPACE_EOL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r" {2}(\r?\n)").expect("regex"));
static TRAILING_SPACES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r" +(\r?\n)").expect("regex"));
static TRAILING_SPACES_END: LazyLock<Regex> = LazyLock::new(|| Regex::new(r" +$").expect("regex"));
static RESTORE_DOUBLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"‡‡‡DOUBLESPACES‡‡‡(\r?\n)").expect("regex"));
static DOUBLE_ONLY_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\r?\n)  (\r?\n)").expect("regex"));
static MANY_NEWLINES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\r?\n){3,}").expect("regex"));
static END_NEWLINES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\r?\n){2,}$").expect("regex"));

/// The table formatters' `value` template function: `n/a` for an empty
/// value, else the value fenced (inline code, or a block when multi-line).
pub fn value_or_na(v: &str) -> String {
    if v.is_empty() {
        "n/a".to_string()
    } else {
        fenced_code_block(v, "")
    }
}

/// `SanitizeDocument`: text outside ```` ``` ```` blocks escaped and joined
/// as a document's prose, the blocks kept (closed on their own line).
pub fn sanitize_doc(s: &str, escape: bool, html: bool) -> String {
    if s.is_empty() {
        return "n/a".into();
    }
    process_segments(
        s,
        "```",
        &|seg, _, _| {
            let seg = escape_characters(seg, escape, false);
            let seg = convert_multi_line_text(&seg, false, false, html);
            normalize_urls(&seg, escape)
        },
        &|seg, _, _| {
            let lastbreak = if seg.ends_with('\n') { "" } else { "\n" };
            format!("```{seg}{lastbreak}```")
        },
    )
}

/// `format/util.go` `sanitize`: tidy a rendered document for linters.
pub fn sanitize_document(markdown: &str) -> String {
    let mut r = DOUBLE_SPACE_EOL
        .replace_all(markdown, "‡‡‡DOUBLESPACES‡‡‡$1")
        .into_owned();
    r = TRAILING_SPACES.replace_all(&r, "$1").into_owned();
    r = TRAILING_SPACES_END.replace_all(&r, "").into_owned();
    r = RESTORE_DOUBLE.replace_all(&r, "  $1").into_owned();
    r = DOUBLE_ONLY_LINE.replace_all(&r, "$1").into_owned();
    r = MANY_NEWLINES.replace_all(&r, "$1$1").into_owned();
    END_NEWLINES.replace_all(&r, "").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_match_terraform_docs() {
        assert_eq!(
            sanitize_markdown_table("It includes v1 | v2 | v3", true, true),
            "It includes v1 \\| v2 \\| v3"
        );
        assert_eq!(
            sanitize_markdown_table(
                "The description contains `something_with_underscore`. Defaults to 'VALUE_WITH_UNDERSCORE'.",
                true,
                true
            ),
            "The description contains `something_with_underscore`. Defaults to 'VALUE\\_WITH\\_UNDERSCORE'."
        );
        assert_eq!(
            sanitize_markdown_table(
                "The description contains url. https://www.domain.com/foo/bar_baz.html",
                true,
                true
            ),
            "The description contains url. https://www.domain.com/foo/bar_baz.html"
        );
        assert_eq!(
            sanitize_markdown_table(
                "This description is itself markdown.\n\nIt spans over multiple lines.\n",
                true,
                true
            ),
            "This description is itself markdown.<br/><br/>It spans over multiple lines."
        );
        assert_eq!(
            sanitize_markdown_table(
                "This is a complicated one. We need a newline.  \nAnd an example in a code block\n```\ndefault     = [\n  \"machine rack01:neptune\"\n]\n```\n",
                true,
                true
            ),
            "This is a complicated one. We need a newline.<br/>And an example in a code block<pre>default     = [<br/>  \"machine rack01:neptune\"<br/>]</pre>"
        );
        assert_eq!(sanitize_markdown_table("", true, true), "n/a");
    }

    #[test]
    fn header_escaping_keeps_code_and_emphasis() {
        assert_eq!(
            sanitize_section(
                "Example of 'foo_bar' module in `foo_bar.tf`.\n\nEven inline **formatting** in _here_ is possible.",
                true,
                true
            ),
            "Example of 'foo\\_bar' module in `foo_bar.tf`.\n\nEven inline **formatting** in _here_ is possible."
        );
    }

    #[test]
    fn anchors() {
        assert_eq!(
            anchor_markdown("input", "bool_default_false", true, true),
            "<a name=\"input_bool_default_false\"></a> [bool\\_default\\_false](#input\\_bool\\_default\\_false)"
        );
        assert_eq!(
            anchor_markdown("provider", "aws.ident", true, true),
            "<a name=\"provider_aws.ident\"></a> [aws.ident](#provider\\_aws.ident)"
        );
        assert_eq!(anchor_markdown("input", "a_b", false, false), "a_b");
    }
}
