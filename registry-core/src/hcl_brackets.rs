//! A linear pre-check of HCL text before it reaches the parser: every
//! `{`, `[`, `(`, string, heredoc, template sequence and block comment is
//! closed, and closed by its own kind.
//!
//! Why: hcl-edit's parser backtracks on object keys (which may be any
//! expression), and on text whose brackets never close it retries each
//! nesting level, in time exponential in the depth: a 782-byte chain of
//! unclosed `+{` took over 10 s. Text with matched brackets fails or
//! succeeds quickly, so this scan (one pass, no recursion) refuses the
//! rest first, with an error that names the opening left unclosed. It
//! lexes as hcl-edit does (strings may span lines, `$${` and `%%{` are
//! escapes, a heredoc ends at a line holding only its delimiter, and, as
//! hcl-edit has it, a delimiter on a heredoc's first line ends it only when
//! no later line does), so a text the parser accepts passes; the fuzz entry
//! point checks that.

use std::collections::HashMap;
use std::fmt;

/// Where and why a text's brackets do not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BracketError {
    line: usize,
    column: usize,
    offset: usize,
    unclosed: Option<char>,
    message: String,
}

impl BracketError {
    /// The byte offset of the offending character.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// For a `{`, `[` or `(` that is never closed, that character (its
    /// position is the error's): so a caller can word an unclosed block
    /// as its own tool does.
    pub fn unclosed(&self) -> Option<char> {
        self.unclosed
    }

    /// The 1-based line of the offending character.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column (in characters) of the offending character.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong, e.g. "`{` is never closed".
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BracketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for BracketError {}

/// Check HCL native syntax (a file body or one expression).
pub fn check_hcl_brackets(text: &str) -> Result<(), BracketError> {
    Scanner::new(text, Vec::new()).run()
}

/// Check a template (the text of a `templatefile`, or a JSON string that
/// holds `${…}` sequences): literal text with template sequences.
pub fn check_template_brackets(text: &str) -> Result<(), BracketError> {
    Scanner::new(text, vec![Frame::Template]).run()
}

/// One open construct on the scanner's stack; the top decides how the
/// next byte is read.
#[derive(Debug, Clone, Copy)]
enum Frame<'a> {
    /// `{`, `[` or `(` at this byte offset.
    Bracket(u8, usize),
    /// `${` or `%{` at this offset: an expression up to its `}`.
    Sequence(usize),
    /// A quoted string opened at this offset, inside so many `%{ if }` /
    /// `%{ for }` bodies (where hcl-edit reads plain template text: a `"`
    /// or a delimiter line does not end the string or heredoc there).
    Quoted(usize, usize),
    /// A heredoc with this delimiter, opened at this offset, inside so
    /// many directive bodies.
    Heredoc(&'a str, usize, usize),
    /// The root of a template text: never closes.
    Template,
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    stack: Vec<Frame<'a>>,
    /// For each identifier that starts a line (after spaces), where the
    /// last such line starts: computed once, on the first heredoc whose
    /// first line could end it.
    last_delimiter_lines: Option<HashMap<&'a str, usize>>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, stack: Vec<Frame<'a>>) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
            at: 0,
            stack,
            last_delimiter_lines: None,
        }
    }

    fn run(mut self) -> Result<(), BracketError> {
        while self.at < self.bytes.len() {
            match self.stack.last().copied() {
                Some(Frame::Quoted(_, directives)) => self.quoted(directives),
                Some(Frame::Heredoc(delim, _, directives)) => self.heredoc(delim, directives),
                Some(Frame::Template) => self.template_text(),
                _ => self.expression()?,
            }
        }
        match self.stack.last().copied() {
            None | Some(Frame::Template) => Ok(()),
            Some(Frame::Bracket(b, at)) => Err(BracketError {
                unclosed: Some(b as char),
                ..self.error(at, format!("`{}` is never closed", b as char))
            }),
            Some(Frame::Sequence(at)) => {
                let opener = &self.text[at..at + 2];
                Err(self.error(
                    at,
                    format!("template sequence `{opener}` is never closed by `}}`"),
                ))
            }
            Some(Frame::Quoted(at, _)) => {
                Err(self.error(at, "string is never closed by `\"`".into()))
            }
            Some(Frame::Heredoc(delim, at, _)) => Err(self.error(
                at,
                format!("heredoc is never closed: no line holds only its delimiter `{delim}`"),
            )),
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.at + offset).copied()
    }

    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.at..]
    }

    /// Expression syntax: brackets, strings, heredocs, comments.
    fn expression(&mut self) -> Result<(), BracketError> {
        let b = self.bytes[self.at];
        match b {
            b'"' => {
                self.stack.push(Frame::Quoted(self.at, 0));
                self.at += 1;
            }
            b'#' => self.skip_line(),
            b'/' if self.peek(1) == Some(b'/') => self.skip_line(),
            b'/' if self.peek(1) == Some(b'*') => match find(&self.rest()[2..], b"*/") {
                Some(end) => self.at += 2 + end + 2,
                None => {
                    return Err(self.error(self.at, "comment `/*` is never closed by `*/`".into()));
                }
            },
            b'<' if self.peek(1) == Some(b'<') => self.heredoc_start(),
            b'{' | b'[' | b'(' => {
                self.stack.push(Frame::Bracket(b, self.at));
                self.at += 1;
            }
            b'}' | b']' | b')' => {
                let opener = match b {
                    b'}' => b'{',
                    b']' => b'[',
                    _ => b'(',
                };
                match self.stack.last().copied() {
                    Some(Frame::Bracket(o, _)) if o == opener => {}
                    Some(Frame::Sequence(_)) if b == b'}' => {}
                    Some(Frame::Bracket(o, at)) => {
                        let (line, column) = self.position(at);
                        return Err(self.error(
                            self.at,
                            format!(
                                "`{}` does not close `{}` opened at {line}:{column}",
                                b as char, o as char
                            ),
                        ));
                    }
                    _ => {
                        return Err(self.error(self.at, format!("`{}` closes nothing", b as char)));
                    }
                }
                self.stack.pop();
                self.at += 1;
            }
            _ => self.at += 1,
        }
        Ok(())
    }

    /// Inside `"…"`: escapes, template sequences, the closing quote
    /// (outside directive bodies, which hold plain template text).
    fn quoted(&mut self, directives: usize) {
        match self.bytes[self.at] {
            b'\\' if directives == 0 => self.at += 2,
            b'"' if directives == 0 => {
                self.stack.pop();
                self.at += 1;
            }
            _ => {
                if !self.template_sequence() {
                    self.at += 1;
                }
            }
        }
    }

    /// Inside a heredoc: template sequences, and the delimiter line
    /// (outside directive bodies).
    fn heredoc(&mut self, delim: &str, directives: usize) {
        if self.bytes[self.at] == b'\n' {
            self.at += 1;
            if directives == 0 {
                self.heredoc_end(delim);
            }
        } else if !self.template_sequence() {
            self.at += 1;
        }
    }

    /// Literal template text at the root of a template.
    fn template_text(&mut self) {
        if !self.template_sequence() {
            self.at += 1;
        }
    }

    /// At `$${`/`%%{` (escapes) or `${`/`%{` (a sequence, pushed): step
    /// over it and say so.
    fn template_sequence(&mut self) -> bool {
        let rest = self.rest();
        if rest.starts_with(b"$${") || rest.starts_with(b"%%{") {
            self.at += 3;
            true
        } else if rest.starts_with(b"${") || rest.starts_with(b"%{") {
            if rest[0] == b'%' {
                self.count_directive();
            }
            self.stack.push(Frame::Sequence(self.at));
            self.at += 2;
            true
        } else {
            false
        }
    }

    /// At `%{`: an `if` or `for` opens a directive body in the enclosing
    /// string or heredoc, an `endif` or `endfor` closes one.
    fn count_directive(&mut self) {
        let after = self.text[self.at + 2..].trim_start_matches('~');
        let after = after.trim_start_matches([' ', '\t', '\r', '\n']);
        // hcl-edit matches the keyword as a prefix (`%{ forx in y }` is
        // `for x in y` to it).
        let step: isize = if after.starts_with("endif") || after.starts_with("endfor") {
            -1
        } else if after.starts_with("if") || after.starts_with("for") {
            1
        } else {
            0
        };
        if let Some(Frame::Quoted(_, d) | Frame::Heredoc(_, _, d)) = self.stack.last_mut() {
            *d = d.saturating_add_signed(step);
        }
    }

    /// `<<DELIM` or `<<-DELIM` then a line ending opens a heredoc; any
    /// other `<<` is left to the parser.
    fn heredoc_start(&mut self) {
        let start = self.at;
        let mut i = self.at + 2;
        if self.bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        let ident_len = identifier_len(&self.text[i..]);
        let after = i + ident_len;
        let line_end = match (self.bytes.get(after), self.bytes.get(after + 1)) {
            (Some(b'\n'), _) => Some(after + 1),
            (Some(b'\r'), Some(b'\n')) => Some(after + 2),
            _ => None,
        };
        match line_end {
            Some(content) if ident_len > 0 => {
                let delim = &self.text[i..after];
                self.stack.push(Frame::Heredoc(delim, start, 0));
                self.at = content;
                // hcl-edit reads the longest heredoc first: its delimiter
                // on the first line ends it only if no later line ends it.
                if !self.later_delimiter_line(delim, content) {
                    self.heredoc_end(delim);
                }
            }
            _ => self.at += 2,
        }
    }

    /// At a line start inside a heredoc: spaces, the delimiter and no
    /// identifier character after it end the heredoc.
    fn heredoc_end(&mut self, delim: &str) {
        let mut i = self.at;
        while matches!(self.bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if self.text[i..].starts_with(delim) {
            let after = i + delim.len();
            let continues = self.text[after..]
                .chars()
                .next()
                .is_some_and(is_id_continue);
            if !continues {
                self.stack.pop();
                self.at = after;
            }
        }
    }

    /// Does a line after `from` hold `delim` alone (after spaces)?
    fn later_delimiter_line(&mut self, delim: &str, from: usize) -> bool {
        let text = self.text;
        let lines = self.last_delimiter_lines.get_or_insert_with(|| {
            let mut lines = HashMap::new();
            let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1));
            for start in starts {
                let rest = &text[start..];
                let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                let len = identifier_len(&rest[indent..]);
                if len > 0 {
                    lines.insert(&rest[indent..indent + len], start);
                }
            }
            lines
        });
        lines.get(delim).is_some_and(|&start| start > from)
    }

    fn skip_line(&mut self) {
        self.at = find(self.rest(), b"\n").map_or(self.bytes.len(), |n| self.at + n);
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn position(&self, at: usize) -> (usize, usize) {
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    fn error(&self, at: usize, message: String) -> BracketError {
        let (line, column) = self.position(at);
        BracketError {
            line,
            column,
            offset: at,
            unclosed: None,
            message,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The byte length of the HCL identifier at the start of `s` (0 if none).
fn identifier_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if is_id_start(c) => {}
        _ => return 0,
    }
    chars
        .find(|&(_, c)| !is_id_continue(c))
        .map_or(s.len(), |(i, _)| i)
}

/// HCL's identifier characters (as hcl-primitives defines them).
fn is_id_start(c: char) -> bool {
    unicode_ident::is_xid_start(c) || c == '_'
}

fn is_id_continue(c: char) -> bool {
    unicode_ident::is_xid_continue(c) || c == '-'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        check_hcl_brackets(text).unwrap_err().to_string()
    }

    #[test]
    fn matched_text_passes() {
        for text in [
            "resource \"a\" \"b\" {\n  x = { y = [1, (2)] }\n}\n",
            "x = \"a } ] ) ${ {k = \"}\"}.k } %{ if true }y%{ endif }\"\n",
            "x = \"escaped $${ and %%{ and \\\" quote\"\n",
            "x = <<EOF\n} ] ) ${ [1] }\n  EOF\ny = 1\n",
            "x = <<-EOT\n    {\n    EOT\n",
            "x = <<EOF\nEOF\n",
            "x = <<EOF\nEOFX is not the end\nEOF\n",
            "# } ]\n// ) \n/* { */ x = 1\n",
            "x = \"a string\nover two lines\"\n",
            "x = a << b\n",
            "x = <<EOF\r\n{\r\nEOF\r\n",
            // hcl-edit's corners (the longest heredoc, directive bodies)
            // are checked against the parser itself in fuzz/tests/pre_check.rs.
        ] {
            assert_eq!(check_hcl_brackets(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn unclosed_openings_are_named_where_they_open() {
        assert_eq!(err("a = {\n  b = [1,\n"), "2:7: `[` is never closed");
        let e = check_hcl_brackets("a = {\n  b = [1,\n").unwrap_err();
        assert_eq!((e.offset(), e.unclosed()), (12, Some('[')));
        assert_eq!(check_hcl_brackets("a = 1)").unwrap_err().unclosed(), None);
        assert_eq!(err("a = x+{xx+{"), "1:11: `{` is never closed");
        assert_eq!(err("a = \"abc"), "1:5: string is never closed by `\"`");
        assert_eq!(
            err("a = \"${ x \""),
            "1:11: string is never closed by `\"`",
            "the quote inside the sequence opens a nested string"
        );
        assert_eq!(
            err("a = <<EOF\nbody\n"),
            "1:5: heredoc is never closed: no line holds only its delimiter `EOF`"
        );
        assert_eq!(err("/* open"), "1:1: comment `/*` is never closed by `*/`");
    }

    #[test]
    fn a_closer_of_the_wrong_kind_is_named() {
        assert_eq!(
            err("a = [1, 2}"),
            "1:10: `}` does not close `[` opened at 1:5"
        );
        assert_eq!(err("a = 1)"), "1:6: `)` closes nothing");
    }

    #[test]
    fn templates_start_in_text() {
        assert_eq!(check_template_brackets("Hello { ] ${name}!"), Ok(()));
        assert_eq!(
            check_template_brackets("Hello ${ [name }")
                .unwrap_err()
                .to_string(),
            "1:16: `}` does not close `[` opened at 1:10"
        );
        assert_eq!(
            check_template_brackets("é ${x").unwrap_err().to_string(),
            "1:3: template sequence `${` is never closed by `}`"
        );
    }
}
