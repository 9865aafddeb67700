//! Blocks and attributes of `.tf`, `.tftest.hcl` and `.tfmock.hcl` files
//! (and their JSON forms) as one generic tree, with every expression kept
//! beside the file it came from.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{BlockLabel, Structure};

use crate::tftest::diag::{Diagnostic, SourceFile, SourceRange};

/// An expression and the file it is in.
#[derive(Debug, Clone)]
pub struct Expr {
    /// The file.
    pub file: Arc<SourceFile>,
    /// The expression.
    pub expr: Arc<Expression>,
    /// Where it is, when its own spans do not say: a JSON value's bytes
    /// (its expression was parsed from the unescaped string, so its spans
    /// are the string's).
    pub span: Option<Range<usize>>,
}

impl Expr {
    /// Its source range.
    pub fn range(&self) -> Option<SourceRange> {
        self.span
            .clone()
            .or_else(|| self.expr.span())
            .map(|s| self.file.range(s))
    }

    /// An expression parsed from text (for values given on the command
    /// line or in `.tfvars` files), named `name` in diagnostics.
    pub fn parse(name: &str, text: &str) -> Result<Expr, Diagnostic> {
        let file = SourceFile::new(name, text);
        let expr = crate::tftest::syntax::parse::parse_expr(text).map_err(|e| {
            Diagnostic::error("Invalid expression", format!("{}: {}", name, e.message()))
        })?;
        Ok(Expr {
            file,
            expr: Arc::new(expr),
            span: None,
        })
    }

    /// The expression as an argument read statically (a type, a keyword,
    /// a reference) sees it: in a JSON file such arguments are strings
    /// holding native syntax (`"type": "list(string)"`), as HCL's JSON
    /// syntax has it.
    pub fn static_form(&self) -> std::borrow::Cow<'_, Expression> {
        if self.file.name.ends_with(".json")
            && let Expression::String(s) = self.expr.as_ref()
            && let Ok(e) = crate::tftest::syntax::parse::parse_expr(s.value())
        {
            return std::borrow::Cow::Owned(e);
        }
        std::borrow::Cow::Borrowed(self.expr.as_ref())
    }

    /// A string literal.
    pub fn string(file: &Arc<SourceFile>, s: &str) -> Expr {
        Expr {
            file: file.clone(),
            expr: Arc::new(Expression::String(hcl_edit::Decorated::new(s.to_string()))),
            span: None,
        }
    }
}

/// An attribute.
#[derive(Debug, Clone)]
pub struct Attr {
    /// Its name.
    pub name: String,
    /// Its value.
    pub expr: Expr,
    /// The whole `name = value` range.
    pub range: Option<SourceRange>,
}

/// A block.
#[derive(Debug, Clone)]
pub struct Block {
    /// Its type (`resource`, `run`, `assert`).
    pub ty: String,
    /// Its labels.
    pub labels: Vec<String>,
    /// Its body.
    pub body: Body,
    /// The whole block.
    pub range: Option<SourceRange>,
    /// The block's header (`resource "a" "b"`), as Terraform's
    /// "declared at" ranges point at it.
    pub header: Option<SourceRange>,
    /// Each label's range (the subject of diagnostics about a label).
    pub label_ranges: Vec<Option<SourceRange>>,
}

impl Block {
    /// How Terraform names the block in a diagnostic's context
    /// (`run "x"`, `resource "aws_instance" "web"`).
    pub fn context(&self) -> String {
        let mut s = self.ty.clone();
        for l in &self.labels {
            s.push_str(&format!(" {l:?}"));
        }
        s
    }

    /// The first label.
    pub fn label(&self, i: usize) -> &str {
        self.labels.get(i).map(String::as_str).unwrap_or_default()
    }
}

/// A body: attributes by name and blocks in order.
#[derive(Debug, Clone, Default)]
pub struct Body {
    /// Attributes.
    pub attrs: BTreeMap<String, Attr>,
    /// Blocks, in source order.
    pub blocks: Vec<Block>,
    /// The body's range.
    pub range: Option<SourceRange>,
}

impl Body {
    /// An attribute.
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.get(name)
    }

    /// The blocks of a type.
    pub fn blocks_of<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.ty == ty)
    }

    /// The body of `hcl-edit`'s parse of `file`.
    pub fn from_hcl(body: &hcl_edit::structure::Body, file: &Arc<SourceFile>) -> Body {
        let mut out = Body {
            range: body.span().map(|s| file.range(s)),
            ..Body::default()
        };
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.value().as_str().to_string();
                    out.attrs.insert(
                        name.clone(),
                        Attr {
                            name,
                            expr: Expr {
                                file: file.clone(),
                                expr: Arc::new(a.value.clone()),
                                span: None,
                            },
                            range: a.span().map(|s| file.range(s)),
                        },
                    );
                }
                Structure::Block(b) => {
                    let labels = b
                        .labels
                        .iter()
                        .map(|l| match l {
                            BlockLabel::Ident(i) => i.value().as_str().to_string(),
                            BlockLabel::String(s) => s.value().clone(),
                        })
                        .collect();
                    let header_end = b
                        .labels
                        .last()
                        .and_then(|l| l.span())
                        .or_else(|| b.ident.span())
                        .map(|s| s.end);
                    let header = match (b.ident.span(), header_end) {
                        (Some(start), Some(end)) => Some(file.range(start.start..end)),
                        _ => None,
                    };
                    out.blocks.push(Block {
                        ty: b.ident.value().as_str().to_string(),
                        labels,
                        body: Body::from_hcl(&b.body, file),
                        range: b.span().map(|s| file.range(s)),
                        header,
                        label_ranges: b
                            .labels
                            .iter()
                            .map(|l| l.span().map(|s| file.range(s)))
                            .collect(),
                    });
                }
            }
        }
        out
    }
}

/// Parse an HCL file into a body, or the parse error as a diagnostic.
pub fn parse_hcl(file: &Arc<SourceFile>) -> Result<Body, Diagnostic> {
    crate::tftest::syntax::parse::parse_body(&file.text)
        .map(|b| Body::from_hcl(&b, file))
        .map_err(|e| syntax_diagnostic(file, &e))
}

/// A syntax error as a diagnostic, worded as Terraform words the common
/// ones (an unclosed block, a missing expression).
fn syntax_diagnostic(
    file: &Arc<SourceFile>,
    e: &crate::tftest::syntax::parse::SyntaxError,
) -> Diagnostic {
    let text = &file.text;
    let byte = e
        .offset()
        .unwrap_or_else(|| {
            text.lines()
                .take(e.line().saturating_sub(1))
                .map(|l| l.len() + 1)
                .sum::<usize>()
                + e.column().saturating_sub(1)
        })
        .min(text.len());
    if e.unclosed() == Some('{') && opens_block(text, byte) {
        return Diagnostic::error(
            "Unclosed configuration block",
            "There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.",
        )
        .at(Some(file.range(byte..byte + 1)));
    }
    if e.message().starts_with("invalid expression") {
        // HCL names the token where an expression should start: at the
        // end of a line, the newline.
        let rest = &text[byte..];
        let at = byte + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let range = if text[at..].starts_with('\n') {
            at..at + 1
        } else {
            byte..byte
        };
        return Diagnostic::error(
            "Invalid expression",
            "Expected the start of an expression, but found an invalid expression token.",
        )
        .at(Some(file.range(range)));
    }
    Diagnostic::error("Invalid syntax", format!("{}: {}", file.name, e.message()))
        .at(Some(file.range(byte..byte)))
}

/// Is the `{` at `brace` a block's (a type and labels before it on its
/// line), not an object's?
fn opens_block(text: &str, brace: usize) -> bool {
    let line_start = text[..brace].rfind('\n').map_or(0, |i| i + 1);
    let ident_len = |s: &str| {
        s.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(s.len())
    };
    let mut head = text[line_start..brace].trim();
    if !head.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        return false;
    }
    head = head[ident_len(head)..].trim_start();
    while !head.is_empty() {
        if let Some(quoted) = head.strip_prefix('"') {
            let Some(end) = quoted.find('"') else {
                return false;
            };
            head = quoted[end + 1..].trim_start();
        } else {
            let n = ident_len(head);
            if n == 0 {
                return false;
            }
            head = head[n..].trim_start();
        }
    }
    true
}

pub use super::json_body::parse_json;

/// The byte span of a range, for re-deriving positions.
pub fn span_of(r: &SourceRange) -> Range<usize> {
    r.start.byte..r.end.byte
}
