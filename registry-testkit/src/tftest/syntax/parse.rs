//! hcl-edit's parsers behind the bracket pre-check: every piece of HCL the
//! engine reads (test files, the module's configuration, `-var` values,
//! templates, `provider::terraform::decode_tfvars`) goes through here, so
//! text whose brackets never close is refused in linear time instead of
//! reaching a parser that is exponential on it
//! ([`registry_core::hcl_brackets`]).

use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use hcl_edit::template::Template;
use registry_core::hcl_brackets::{BracketError, check_hcl_brackets, check_template_brackets};

/// A syntax error: the pre-check's or the parser's, with its position.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    line: usize,
    column: usize,
    offset: Option<usize>,
    unclosed: Option<char>,
    message: String,
}

impl SyntaxError {
    /// The byte offset, when the pre-check found the error (the parser
    /// gives only a line and a column).
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// For a `{`, `[` or `(` never closed, that character.
    pub fn unclosed(&self) -> Option<char> {
        self.unclosed
    }

    /// The 1-based line.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<BracketError> for SyntaxError {
    fn from(e: BracketError) -> Self {
        SyntaxError {
            line: e.line(),
            column: e.column(),
            offset: Some(e.offset()),
            unclosed: e.unclosed(),
            message: e.message().to_string(),
        }
    }
}

impl From<hcl_edit::parser::Error> for SyntaxError {
    fn from(e: hcl_edit::parser::Error) -> Self {
        SyntaxError {
            line: e.location().line(),
            column: e.location().column(),
            offset: None,
            unclosed: None,
            message: e.message().to_string(),
        }
    }
}

/// A file body.
pub fn parse_body(text: &str) -> Result<Body, SyntaxError> {
    check_hcl_brackets(text)?;
    Ok(hcl_edit::parser::parse_body(text)?)
}

/// One expression.
pub fn parse_expr(text: &str) -> Result<Expression, SyntaxError> {
    check_hcl_brackets(text)?;
    Ok(hcl_edit::parser::parse_expr(text)?)
}

/// A template (literal text with `${…}` and `%{…}` sequences).
pub fn parse_template(text: &str) -> Result<Template, SyntaxError> {
    check_template_brackets(text)?;
    Ok(hcl_edit::parser::parse_template(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unclosed_brackets_are_refused_before_the_parser() {
        let e = parse_body("a = x+{xx+{").unwrap_err();
        assert_eq!((e.line(), e.column()), (1, 11));
        assert_eq!(e.message(), "`{` is never closed");
        assert!(parse_expr("[1, 2").is_err());
        assert!(parse_template("${x").is_err());
    }

    #[test]
    fn parser_errors_keep_their_position() {
        let e = parse_body("a = 1\nb = = 2\n").unwrap_err();
        assert_eq!(e.line(), 2);
        assert!(parse_body("a = { b = [1, (2)] }\n").is_ok());
        assert!(parse_template("Hello ${name}").is_ok());
    }
}
