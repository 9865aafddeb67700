//! The top-level blocks of an HCL file found by a tolerant scan (strings,
//! heredocs, comments and nesting understood; nothing else parsed), so a
//! diagnostic can name the block it is in as Terraform does, even in a
//! file that does not parse (an unclosed block runs to the end).

use std::ops::Range;

use crate::tftest::value::go_quote;

/// One top-level block: its byte range and how Terraform names it
/// (`run "x"`, `resource "a" "b"`, `variables`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineBlock {
    /// From the type keyword to the closing brace (or the end of the file).
    pub range: Range<usize>,
    /// The type and quoted labels.
    pub name: String,
}

/// A token of a top-level statement, as far as the outline needs it.
enum Tok {
    /// An identifier (a block type, a bare label or an attribute name).
    Ident(usize, String),
    /// A quoted string (a label), unescaped.
    Str(String),
    /// Anything else (`=`, an operator, a number).
    Other,
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }

    /// Skip a comment starting here, if any.
    fn comment(&mut self) -> bool {
        match (self.peek(0), self.peek(1)) {
            (b'#', _) | (b'/', b'/') => {
                while !self.at_end() && self.peek(0) != b'\n' {
                    self.i += 1;
                }
                true
            }
            (b'/', b'*') => {
                self.i += 2;
                while !(self.at_end() || self.peek(0) == b'*' && self.peek(1) == b'/') {
                    self.i += 1;
                }
                self.i = (self.i + 2).min(self.b.len());
                true
            }
            _ => false,
        }
    }

    /// A quoted string starting at the quote; returns its (roughly)
    /// unescaped text. Interpolations are skipped as nested expressions.
    fn string(&mut self) -> String {
        self.i += 1;
        let mut out = Vec::new();
        while !self.at_end() {
            match self.peek(0) {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\n' => break,
                b'\\' => {
                    out.push(self.peek(1));
                    self.i += 2;
                }
                b'$' | b'%' if self.peek(1) == b'{' => {
                    self.i += 2;
                    self.nested(b'}');
                }
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Skip to the bracket closing one already opened (`close`).
    fn nested(&mut self, close: u8) {
        let mut stack = vec![close];
        while !self.at_end() {
            if self.comment() {
                continue;
            }
            match self.peek(0) {
                b'"' => {
                    self.string();
                    continue;
                }
                b'<' if self.peek(1) == b'<' => {
                    self.heredoc();
                    continue;
                }
                b'{' => stack.push(b'}'),
                b'[' => stack.push(b']'),
                b'(' => stack.push(b')'),
                c @ (b'}' | b']' | b')') => {
                    if stack.last() == Some(&c) {
                        stack.pop();
                    }
                    if stack.is_empty() {
                        self.i += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
    }

    /// Skip a heredoc (`<<EOT` / `<<-EOT` … `EOT`) starting here; a `<<`
    /// that starts none is skipped alone.
    fn heredoc(&mut self) {
        let start = self.i;
        self.i += 2;
        if self.peek(0) == b'-' {
            self.i += 1;
        }
        let id_start = self.i;
        while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
            self.i += 1;
        }
        let id = self.b[id_start..self.i].to_vec();
        if id.is_empty() || !matches!(self.peek(0), b'\n' | b'\r') {
            self.i = start + 2;
            return;
        }
        while !self.at_end() {
            let line_start = self.i;
            while !self.at_end() && self.peek(0) != b'\n' {
                self.i += 1;
            }
            let line = &self.b[line_start..self.i];
            if line_start > id_start && line.trim_ascii() == id.as_slice() {
                return;
            }
            self.i += 1;
        }
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == b'-'
}

/// The top-level blocks of an HCL text, in order.
pub fn outline(text: &str) -> Vec<OutlineBlock> {
    let mut s = Scanner {
        b: text.as_bytes(),
        i: 0,
    };
    let mut out = Vec::new();
    let mut stmt: Vec<Tok> = Vec::new();
    while !s.at_end() {
        if s.comment() {
            continue;
        }
        let c = s.peek(0);
        match c {
            b'\n' => {
                stmt.clear();
                s.i += 1;
            }
            b'"' => {
                let v = s.string();
                stmt.push(Tok::Str(v));
            }
            b'<' if s.peek(1) == b'<' => {
                s.heredoc();
                stmt.push(Tok::Other);
            }
            b'{' => {
                let header = block_header(&stmt);
                s.i += 1;
                s.nested(b'}');
                if let Some((start, name)) = header {
                    out.push(OutlineBlock {
                        range: start..s.i,
                        name,
                    });
                }
                stmt.clear();
            }
            b'[' | b'(' => {
                s.i += 1;
                s.nested(if c == b'[' { b']' } else { b')' });
                stmt.push(Tok::Other);
            }
            c if is_ident_start(c) => {
                let start = s.i;
                while !s.at_end() && is_ident(s.peek(0)) {
                    s.i += 1;
                }
                stmt.push(Tok::Ident(start, text[start..s.i].to_string()));
            }
            c if c.is_ascii_whitespace() => s.i += 1,
            _ => {
                stmt.push(Tok::Other);
                s.i += 1;
            }
        }
    }
    out
}

/// `type label…` before a `{`, when the statement is a block header.
fn block_header(stmt: &[Tok]) -> Option<(usize, String)> {
    let (Tok::Ident(start, ty), rest) = stmt.split_first()? else {
        return None;
    };
    let mut name = ty.clone();
    for t in rest {
        match t {
            Tok::Str(l) | Tok::Ident(_, l) => {
                name.push(' ');
                name.push_str(&go_quote(l));
            }
            Tok::Other => return None,
        }
    }
    Some((*start, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_found_through_strings_heredocs_and_comments() {
        let text = "# run \"no\" {\nvariables {\n  a = \"}\"\n}\n\nrun \"x\" {\n  v = <<EOT\n}\nEOT\n  m = { k = \"${1}\" }\n}\nx = { y = 1 }\nresource \"a\" \"b\" {\n";
        let blocks = outline(text);
        let names: Vec<&str> = blocks.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["variables", "run \"x\"", "resource \"a\" \"b\""]);
        assert_eq!(
            blocks[2].range.end,
            text.len(),
            "an unclosed block runs to the end"
        );
        assert_eq!(&text[blocks[1].range.clone()][..7], "run \"x\"");
        assert!(text[blocks[1].range.clone()].ends_with("}\n}"));
    }
}
