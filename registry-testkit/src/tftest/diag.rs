//! Diagnostics as Terraform reports them: severity, summary, detail, the
//! source range with its enclosing block, and the values the expression
//! referred to (the "values box").

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use super::syntax::{OutlineBlock, json, outline};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A warning; the run goes on.
    Warning,
    /// An error.
    Error,
}

impl Severity {
    /// `error` or `warning`, as the JSON stream writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A position in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// 0-based byte offset.
    pub byte: usize,
}

/// One source file, with what rendering a diagnostic needs of it.
#[derive(Debug)]
pub struct SourceFile {
    /// Its name relative to the module root (`tests/queue.tftest.hcl`).
    pub name: String,
    /// Its text.
    pub text: String,
    line_starts: Vec<usize>,
    /// The file's block structure, worked out the first time a
    /// diagnostic asks which block it is in.
    outline: OnceLock<Outline>,
}

/// What naming a diagnostic's enclosing block needs of a file.
#[derive(Debug)]
enum Outline {
    /// An HCL file's top-level blocks.
    Hcl(Vec<OutlineBlock>),
    /// A JSON file's tree (`None` when it is not JSON).
    Json(Option<json::Node>),
}

impl SourceFile {
    /// A file named `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<SourceFile> {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Arc::new(SourceFile {
            name: name.into(),
            text,
            line_starts,
            outline: OnceLock::new(),
        })
    }

    /// How Terraform names the block around byte `offset` in a
    /// diagnostic's "on FILE line N, in …" line: the top-level block of an
    /// HCL file containing it (`run "x"`), or for JSON the properties and
    /// elements containing it (`run.x.assert[0]`).
    pub fn context_at(&self, offset: usize) -> Option<String> {
        let outline = self.outline.get_or_init(|| {
            if self.name.ends_with(".json") {
                Outline::Json(json::parse(&self.text).ok())
            } else {
                Outline::Hcl(outline(&self.text))
            }
        });
        match outline {
            Outline::Hcl(blocks) => blocks
                .iter()
                .find(|b| b.range.contains(&offset))
                .map(|b| b.name.clone()),
            Outline::Json(root) => json::context_at(root.as_ref()?, offset),
        }
    }

    /// The position of a byte offset.
    pub fn pos(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line = match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = self.text[start..byte].chars().count() + 1;
        Pos {
            line: line + 1,
            column,
            byte,
        }
    }

    /// The range of a byte span.
    pub fn range(self: &Arc<Self>, span: Range<usize>) -> SourceRange {
        SourceRange {
            file: self.clone(),
            start: self.pos(span.start),
            end: self.pos(span.end),
        }
    }

    /// Line `n` (1-based), without its newline.
    pub fn line(&self, n: usize) -> &str {
        let Some(&start) = self.line_starts.get(n.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(n)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        self.text[start..end.max(start)].trim_end_matches('\r')
    }
}

/// A range in a source file.
#[derive(Debug, Clone)]
pub struct SourceRange {
    /// The file.
    pub file: Arc<SourceFile>,
    /// Where it starts.
    pub start: Pos,
    /// Where it ends (exclusive).
    pub end: Pos,
}

impl PartialEq for SourceRange {
    fn eq(&self, other: &Self) -> bool {
        self.file.name == other.file.name && self.start == other.start && self.end == other.end
    }
}

impl fmt::Display for SourceRange {
    /// `main.tf:4,3-13`, as Terraform writes a range in a message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start.line == self.end.line {
            write!(
                f,
                "{}:{},{}-{}",
                self.file.name, self.start.line, self.start.column, self.end.column
            )
        } else {
            write!(
                f,
                "{}:{},{}-{},{}",
                self.file.name, self.start.line, self.start.column, self.end.line, self.end.column
            )
        }
    }
}

/// One diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line.
    pub summary: String,
    /// The explanation (may be empty).
    pub detail: String,
    /// Where, when it is about a place in a file.
    pub range: Option<SourceRange>,
    /// The enclosing block as the engine knew it when raising the
    /// diagnostic. Reports do not print it: like Terraform they name the
    /// block from the source ([`Diagnostic::snippet_context`]).
    pub context: Option<String>,
    /// Each value the failing expression referred to, by its traversal
    /// (`output.name` → `"x"`), in source order.
    pub values: Vec<(String, String)>,
    /// The object it is about (`terraform_data.a`), printed as "with …".
    pub address: Option<String>,
    /// Whether the expression it is about has been settled: its values
    /// box worked out by the innermost evaluation that failed, so
    /// enclosing expressions leave it be.
    pub expression_settled: bool,
}

impl Diagnostic {
    /// An error.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            range: None,
            context: None,
            values: Vec::new(),
            address: None,
            expression_settled: false,
        }
    }

    /// A warning.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary, detail)
        }
    }

    /// At a range.
    pub fn at(mut self, range: Option<SourceRange>) -> Diagnostic {
        if self.range.is_none() {
            self.range = range;
        }
        self
    }

    /// About an object (`terraform_data.a`), unless it names one already.
    pub fn with_address(mut self, address: impl Into<String>) -> Diagnostic {
        if self.address.is_none() {
            self.address = Some(address.into());
        }
        self
    }

    /// Within a block.
    pub fn in_context(mut self, context: Option<&str>) -> Diagnostic {
        if self.context.is_none() {
            self.context = context.map(str::to_string);
        }
        self
    }

    /// With the values an expression referred to, by traversal (kept in
    /// the traversals' byte order, as Terraform sorts them).
    pub fn with_values(mut self, values: BTreeMap<String, String>) -> Diagnostic {
        self.values = values.into_iter().collect();
        self.expression_settled = true;
        self
    }

    /// The block its range is in, as Terraform names it after "in": the
    /// block containing the byte just before the range starts (so a
    /// diagnostic on a block's own header names none).
    pub fn snippet_context(&self) -> Option<String> {
        let r = self.range.as_ref()?;
        let offset = r.start.byte.checked_sub(1)?;
        r.file.context_at(offset)
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(r) = &self.range {
            write!(f, "{}:{}:{}: ", r.file.name, r.start.line, r.start.column)?;
        }
        write!(f, "{}", self.summary)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// Several diagnostics.
pub type Diagnostics = Vec<Diagnostic>;

/// Whether any of them is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_ranges_count_lines_and_characters() {
        let f = SourceFile::new("main.tf", "a = 1\nvariable \"é\" {}\n");
        assert_eq!(
            f.pos(0),
            Pos {
                line: 1,
                column: 1,
                byte: 0
            }
        );
        let p = f.pos(16);
        assert_eq!((p.line, p.column), (2, 11));
        assert_eq!(f.line(2), "variable \"é\" {}");
        assert_eq!(f.range(6..14).to_string(), "main.tf:2,1-9");
    }
}
