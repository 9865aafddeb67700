//! terraform-docs' `output` settings: where a configured run writes, and how.
//! `inject` replaces the block between the template's first and last lines
//! (comment markers) in an existing file, `replace` writes the whole file.
//! The checks, the bytes written and the messages are terraform-docs'.

use registry_core::{Error, Result};

/// terraform-docs' default `output.template`.
pub const DEFAULT_TEMPLATE: &str = "<!-- BEGIN_TF_DOCS -->\n{{ .Content }}\n<!-- END_TF_DOCS -->";

/// What an output template must hold, spaces included.
const CONTENT: &str = "{{ .Content }}";

/// `output.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Replace the block between the markers, or add it.
    Inject,
    /// Write the file whole.
    Replace,
}

impl Mode {
    /// `replace` is replace; any other value injects, as in terraform-docs
    /// (which does not check the word).
    pub fn from_word(word: &str) -> Mode {
        if word == "replace" {
            Mode::Replace
        } else {
            Mode::Inject
        }
    }
}

/// A checked `output` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The mode.
    pub mode: Mode,
    /// The template (`\n` written as two characters already turned into
    /// newlines for inject), or empty for a bare replace.
    pub template: String,
    /// The first and last template lines, trimmed (inject only).
    markers: Option<(String, String)>,
}

impl Output {
    /// Check `mode` and `template` as terraform-docs does when `output.file`
    /// is set, with its messages.
    pub fn new(mode: &str, template: &str) -> Result<Output> {
        let bad = |m: &str| Err(Error::invalid_input(m.to_string()));
        if mode.is_empty() {
            return bad("value of '--output-mode' can't be empty");
        }
        let mode = Mode::from_word(mode);
        if mode == Mode::Replace && template.is_empty() {
            return Ok(Output {
                mode,
                template: String::new(),
                markers: None,
            });
        }
        if template.is_empty() {
            return bad("value of '--output-template' can't be empty");
        }
        if !template.contains(CONTENT) {
            return bad(
                "value of '--output-template' doesn't have '{{ .Content }}' (note that spaces inside '{{ }}' are mandatory)",
            );
        }
        if mode == Mode::Replace {
            return Ok(Output {
                mode,
                template: template.to_string(),
                markers: None,
            });
        }
        let template = template.replace("\\n", "\n");
        let lines: Vec<&str> = template.split('\n').collect();
        if lines.len() < 3 {
            return bad(
                "value of '--output-template' should contain at least 3 lines (begin comment, {{ .Content }}, and end comment)",
            );
        }
        let (first, last) = (lines[0], lines[lines.len() - 1]);
        if !is_inline_comment(first) {
            return bad("value of '--output-template' is missing begin comment");
        }
        if !is_inline_comment(last) {
            return bad("value of '--output-template' is missing end comment");
        }
        let markers = Some((first.trim().to_string(), last.trim().to_string()));
        Ok(Output {
            mode,
            template,
            markers,
        })
    }

    /// The file's next text: `content` through the template, injected into
    /// `existing` (the file's text, if it exists) or replacing it.
    pub fn apply(&self, existing: Option<&str>, content: &str) -> Result<String> {
        if self.template.is_empty() {
            return Ok(content.to_string());
        }
        let rendered = fill(&self.template, content)?;
        let Some((begin, end)) = &self.markers else {
            return Ok(rendered);
        };
        let text = match existing {
            None | Some("") => return Ok(rendered),
            Some(t) => t,
        };
        let (before, after) = (text.find(begin.as_str()), text.find(end.as_str()));
        match (before, after) {
            (None, None) => Ok(format!("{text}\n{rendered}")),
            (None, Some(_)) => Err(Error::invalid_input("begin comment is missing")),
            (Some(_), None) => Err(Error::invalid_input("end comment is missing")),
            (Some(b), Some(a)) if a < b => {
                Err(Error::invalid_input("end comment is before begin comment"))
            }
            (Some(b), Some(a)) => Ok(format!(
                "{}{rendered}{}",
                &text[..b],
                &text[a + end.len()..]
            )),
        }
    }
}

/// The template with `.Content` filled in (Go text/template, no functions).
fn fill(template: &str, content: &str) -> Result<String> {
    let data = gotmpl::tmap! { "Content" => content };
    gotmpl::Template::new("content")
        .parse(template)
        .and_then(|t| t.execute_to_string(&data))
        .map_err(|e| Error::invalid_input(format!("output template: {e}")))
}

/// A line terraform-docs takes for a marker: an HTML or Markdown-link
/// comment, or an AsciiDoc `//` line.
fn is_inline_comment(line: &str) -> bool {
    const PAIRS: &[(&str, &str)] = &[
        ("<!--", "-->"),
        ("[]: # (", ")"),
        ("[]: # \"", "\""),
        ("[]: # '", "'"),
        ("[//]: # (", ")"),
        ("[comment]: # (", ")"),
    ];
    line.starts_with("//")
        || PAIRS
            .iter()
            .any(|(p, s)| line.starts_with(p) && line.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOREM: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit";

    fn inject() -> Output {
        Output::new("inject", DEFAULT_TEMPLATE).unwrap()
    }

    #[test]
    fn inject_replaces_the_first_block_and_keeps_the_rest() {
        let old = "# Foo\n\n<!-- BEGIN_TF_DOCS -->\nold\n<!-- END_TF_DOCS -->\n\n## Baz\n";
        assert_eq!(
            inject().apply(Some(old), LOREM).unwrap(),
            format!("# Foo\n\n<!-- BEGIN_TF_DOCS -->\n{LOREM}\n<!-- END_TF_DOCS -->\n\n## Baz\n")
        );
    }

    #[test]
    fn inject_appends_or_creates_without_a_final_newline() {
        let block = format!("<!-- BEGIN_TF_DOCS -->\n{LOREM}\n<!-- END_TF_DOCS -->");
        assert_eq!(inject().apply(None, LOREM).unwrap(), block);
        assert_eq!(inject().apply(Some(""), LOREM).unwrap(), block);
        assert_eq!(
            inject().apply(Some("# T\n"), LOREM).unwrap(),
            format!("# T\n\n{block}")
        );
    }

    #[test]
    fn broken_markers_are_refused_with_terraform_docs_words() {
        let err = |text: &str| inject().apply(Some(text), "x").unwrap_err().to_string();
        assert!(err("a\n<!-- END_TF_DOCS -->\n").contains("begin comment is missing"));
        assert!(err("<!-- BEGIN_TF_DOCS -->\n").contains("end comment is missing"));
        assert!(
            err("<!-- END_TF_DOCS -->\n<!-- BEGIN_TF_DOCS -->\n")
                .contains("end comment is before begin comment")
        );
    }

    #[test]
    fn templates_are_checked_as_terraform_docs_checks_them() {
        let err = |mode: &str, t: &str| Output::new(mode, t).unwrap_err().to_string();
        assert!(err("", DEFAULT_TEMPLATE).contains("'--output-mode' can't be empty"));
        assert!(err("inject", "").contains("'--output-template' can't be empty"));
        assert!(err("inject", "{{.Content}}").contains("doesn't have '{{ .Content }}'"));
        assert!(err("inject", "<!-- a -->\n{{ .Content }}").contains("at least 3 lines"));
        assert!(err("inject", "a\n{{ .Content }}\n<!-- b -->").contains("missing begin comment"));
        // A YAML `|` block keeps its final newline: the last line is empty.
        assert!(
            err("inject", "<!-- a -->\n{{ .Content }}\n<!-- b -->\n")
                .contains("missing end comment")
        );
        let md = Output::new(
            "inject",
            "[//]: # (BEGIN)\\n{{ .Content }}\\n\\n[//]: # (END)",
        )
        .unwrap();
        assert_eq!(
            md.apply(Some("x\n[//]: # (BEGIN)\nold\n[//]: # (END)\n"), "new")
                .unwrap(),
            "x\n[//]: # (BEGIN)\nnew\n\n[//]: # (END)\n"
        );
        let replace = Output::new("replace", "").unwrap();
        assert_eq!(replace.apply(Some("old"), "new").unwrap(), "new");
        let wrapped = Output::new("replace", "# head\n\n{{ .Content }}").unwrap();
        assert_eq!(wrapped.apply(Some("old"), "new").unwrap(), "# head\n\nnew");
        assert_eq!(Mode::from_word("injekt"), Mode::Inject);
    }
}
