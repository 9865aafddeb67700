//! JSON with byte ranges and properties in written order, as HCL's JSON
//! syntax reads `.tf.json` and `.tftest.json` files (duplicate keys kept;
//! the order of blocks such as runs is the order they are written).

use std::ops::Range;

use crate::tftest::value::Number;

/// A JSON value and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Its bytes in the file (the quotes of a string included).
    pub span: Range<usize>,
}

/// What a JSON value is.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, exactly as written.
    Number(Number),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object: its properties in written order, each with its key's span.
    Object(Vec<Property>),
}

/// One property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The key.
    pub key: String,
    /// The key's span (quotes included).
    pub key_span: Range<usize>,
    /// The value.
    pub value: Node,
}

/// Why a text is not JSON, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    /// What was wrong.
    pub message: String,
    /// The byte it was found at.
    pub at: usize,
}

/// The most nesting a JSON file may have (a budget; real files nest a
/// handful of levels).
const MAX_NESTING: usize = 200;

struct Parser<'a> {
    s: &'a str,
    i: usize,
    depth: usize,
}

/// Parse a JSON text.
pub fn parse(text: &str) -> Result<Node, JsonError> {
    let mut p = Parser {
        s: text,
        i: 0,
        depth: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("extraneous data after value"));
    }
    Ok(v)
}

impl Parser<'_> {
    fn err(&self, m: &str) -> JsonError {
        JsonError {
            message: m.to_string(),
            at: self.i,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Result<Node, JsonError> {
        self.ws();
        let start = self.i;
        let kind = match self.peek() {
            None => return Err(self.err("unexpected end of file")),
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => NodeKind::String(self.string()?),
            Some(b't') => self.word("true", NodeKind::Bool(true))?,
            Some(b'f') => self.word("false", NodeKind::Bool(false))?,
            Some(b'n') => self.word("null", NodeKind::Null)?,
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number()?,
            Some(_) => return Err(self.err("invalid character")),
        };
        Ok(Node {
            kind,
            span: start..self.i,
        })
    }

    fn word(&mut self, w: &str, k: NodeKind) -> Result<NodeKind, JsonError> {
        if self.s[self.i..].starts_with(w) {
            self.i += w.len();
            Ok(k)
        } else {
            Err(self.err("invalid keyword"))
        }
    }

    fn number(&mut self) -> Result<NodeKind, JsonError> {
        let start = self.i;
        while matches!(self.peek(), Some(c) if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.i += 1;
        }
        Number::parse(&self.s[start..self.i])
            .map(NodeKind::Number)
            .ok_or_else(|| JsonError {
                message: "invalid number".into(),
                at: start,
            })
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.s[self.i..].chars().next() else {
                return Err(self.err("unterminated string"));
            };
            self.i += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let e = self.peek().ok_or_else(|| self.err("unterminated string"))?;
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let ch = if (0xd800..0xdc00).contains(&hi)
                                && self.s[self.i..].starts_with("\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))
                            } else {
                                char::from_u32(hi)
                            };
                            out.push(ch.unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                c if (c as u32) < 0x20 => return Err(self.err("control character in string")),
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.err("invalid unicode escape"))?;
        self.i += 4;
        Ok(h)
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err("nesting too deep"));
        }
        self.i += 1;
        Ok(())
    }

    fn array(&mut self) -> Result<NodeKind, JsonError> {
        self.enter()?;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(NodeKind::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(NodeKind::Array(items));
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self) -> Result<NodeKind, JsonError> {
        self.enter()?;
        let mut props = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(NodeKind::Object(props));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a property name"));
            }
            let ks = self.i;
            let key = self.string()?;
            let key_span = ks..self.i;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':'"));
            }
            self.i += 1;
            let value = self.value()?;
            props.push(Property {
                key,
                key_span,
                value,
            });
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(NodeKind::Object(props));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }
}

/// HCL's JSON context string for a byte: the properties and elements
/// (objects and arrays only) that contain it, outermost first
/// (`run.x.assert[0]`).
pub fn context_at(root: &Node, offset: usize) -> Option<String> {
    let mut steps = String::new();
    let mut node = root;
    loop {
        let next = match &node.kind {
            NodeKind::Object(props) => props.iter().find_map(|p| {
                (is_container(&p.value) && p.value.span.contains(&offset))
                    .then(|| (format!(".{}", p.key), &p.value))
            }),
            NodeKind::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
                (is_container(v) && v.span.contains(&offset)).then(|| (format!("[{i}]"), v))
            }),
            _ => None,
        };
        match next {
            Some((step, v)) => {
                steps.push_str(&step);
                node = v;
            }
            None => break,
        }
    }
    let s = steps.strip_prefix('.').unwrap_or(&steps);
    (!s.is_empty()).then(|| s.to_string())
}

fn is_container(n: &Node) -> bool {
    matches!(n.kind, NodeKind::Object(_) | NodeKind::Array(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_keep_their_order_and_spans() {
        let text = r#"{"run": {"b": {"assert": [{"condition": "${x}"}]}, "a": {}}}"#;
        let v = parse(text).unwrap();
        let NodeKind::Object(top) = &v.kind else {
            panic!()
        };
        let NodeKind::Object(runs) = &top[0].value.kind else {
            panic!()
        };
        let keys: Vec<&str> = runs.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["b", "a"], "written order");
        let at = text.find("${x}").unwrap();
        assert_eq!(context_at(&v, at).as_deref(), Some("run.b.assert[0]"));
        assert_eq!(&text[runs[1].key_span.clone()], "\"a\"");
        assert!(parse("{\"a\": }").is_err());
        assert_eq!(
            parse(r#""\u00e9\n""#).unwrap().kind,
            NodeKind::String("é\n".into())
        );
    }
}
