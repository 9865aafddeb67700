//! Encoding functions: Base64 (with Go's decoder rules), gzip, CSV, JSON
//! and YAML as Terraform reads and writes them, URL query escaping, text
//! encodings, and the `provider::terraform::*` tfvars/expression helpers.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::Arc;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::Structure;
use hcl_edit::template::{Directive, Element, Template};

use super::{FnEnv, FnError, Function, Functions, Param, str_arg};
use crate::tftest::diag::SourceFile;
use crate::tftest::eval::{EvalCtx, MapScope, eval};
use crate::tftest::value::{Kind, Number, Type, Value, convert, go_quote};

fn s(name: &'static str) -> Param {
    Param::new(name, Type::String)
}

// ---------------------------------------------------------------- base64

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard Base64 with padding, as Go's `base64.StdEncoding` writes it.
pub(crate) fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(B64[(v >> 18) as usize & 63] as char);
        out.push(B64[(v >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(v >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[v as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decode standard Base64 the way Go's `base64.StdEncoding.DecodeString`
/// does (padding required, `\r` and `\n` skipped, trailing bits ignored);
/// the error is the offset of the first corrupt byte.
pub(crate) fn b64_decode(src: &str) -> Result<Vec<u8>, usize> {
    let src = src.as_bytes();
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        let mut dbuf = [0u8; 4];
        let mut dlen = 4;
        let mut j = 0;
        let mut trailing_err = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = b64_value(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing_err = Some(si);
            }
            dlen = j;
            break;
        }
        let v = (u32::from(dbuf[0]) << 18)
            | (u32::from(dbuf[1]) << 12)
            | (u32::from(dbuf[2]) << 6)
            | u32::from(dbuf[3]);
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(e) = trailing_err {
            return Err(e);
        }
    }
    Ok(out)
}

fn base64decode(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let marks = a[0].deep_marks();
    let text = str_arg(a, 0);
    let shown = if marks.sensitive {
        "(sensitive value)".to_string()
    } else {
        go_quote(text)
    };
    let bytes = b64_decode(text)
        .map_err(|_| FnError::call(format!("failed to decode base64 data {shown}")))?;
    let s = String::from_utf8(bytes).map_err(|_| {
        FnError::call("the result of decoding the provided string is not valid UTF-8")
    })?;
    Ok(Value::string(s).with_marks(marks))
}

fn base64encode(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(b64_encode(str_arg(a, 0).as_bytes())))
}

/// Gzip `data` as Go's `gzip.Writer` does after `Write`, `Flush` and
/// `Close`: no name or time, OS "unknown", a sync flush, then an empty
/// final stored block.
fn go_gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut deflater =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = deflater.write_all(data);
    let _ = deflater.flush();
    let mut body = std::mem::take(deflater.get_mut());
    drop(deflater);
    body.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    out.extend_from_slice(&body);
    let mut crc = flate2::Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn base64gzip(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(b64_encode(&go_gzip(
        str_arg(a, 0).as_bytes(),
    ))))
}

fn urlencode(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let mut out = String::new();
    for b in str_arg(a, 0).bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::string(out))
}

// -------------------------------------------------------- text encodings

#[derive(Clone, Copy, PartialEq)]
enum TextEnc {
    Utf8,
    Utf16Le,
    Utf16Be,
    Utf16Bom,
    Latin1,
    Ascii,
}

/// An IANA encoding name or alias, with the name Terraform reports it by.
fn text_encoding(name: &str) -> Option<(TextEnc, &'static str)> {
    let n = name.to_ascii_lowercase();
    let e = match n.as_str() {
        "utf-8" | "utf8" | "csutf8" => (TextEnc::Utf8, "UTF-8"),
        "utf-16le" | "csutf16le" => (TextEnc::Utf16Le, "UTF-16LE"),
        "utf-16be" | "csutf16be" => (TextEnc::Utf16Be, "UTF-16BE"),
        "utf-16" | "csutf16" => (TextEnc::Utf16Bom, "UTF-16"),
        "iso-8859-1" | "iso_8859-1:1987" | "iso-ir-100" | "iso_8859-1" | "latin1" | "l1"
        | "ibm819" | "cp819" | "csisolatin1" => (TextEnc::Latin1, "ISO_8859-1:1987"),
        "us-ascii" | "ansi_x3.4-1968" | "iso-ir-6" | "ansi_x3.4-1986" | "iso_646.irv:1991"
        | "iso646-us" | "us" | "ibm367" | "cp367" | "csascii" | "ascii" => {
            (TextEnc::Ascii, "US-ASCII")
        }
        _ => return None,
    };
    Some(e)
}

fn unsupported_encoding(name: &str) -> FnError {
    FnError::arg(
        1,
        format!(
            "{} is not a supported IANA encoding name or alias in this Terraform version",
            go_quote(name)
        ),
    )
}

fn textencodebase64(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let name = str_arg(a, 1);
    let (enc, canonical) = text_encoding(name).ok_or_else(|| unsupported_encoding(name))?;
    let text = str_arg(a, 0);
    let cannot = || {
        FnError::arg(
            0,
            format!(
                "the given string contains characters that cannot be represented in {canonical}"
            ),
        )
    };
    let bytes: Vec<u8> = match enc {
        TextEnc::Utf8 => text.as_bytes().to_vec(),
        TextEnc::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        TextEnc::Utf16Be => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        TextEnc::Utf16Bom => [0xfe, 0xff]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect(),
        TextEnc::Latin1 | TextEnc::Ascii => {
            let limit = if enc == TextEnc::Latin1 { 0xff } else { 0x7f };
            text.chars()
                .map(|c| {
                    if (c as u32) <= limit {
                        Ok(c as u8)
                    } else {
                        Err(cannot())
                    }
                })
                .collect::<Result<_, _>>()?
        }
    };
    Ok(Value::string(b64_encode(&bytes)))
}

fn decode_utf16(bytes: &[u8], big_endian: bool) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units = bytes.chunks(2).map(|c| {
        if big_endian {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

fn textdecodebase64(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let name = str_arg(a, 1);
    let (enc, canonical) = text_encoding(name).ok_or_else(|| unsupported_encoding(name))?;
    let bytes = b64_decode(str_arg(a, 0)).map_err(|off| {
        FnError::arg(
            0,
            format!("the given value is has an invalid base64 symbol at offset {off}"),
        )
    })?;
    let decoded = match enc {
        TextEnc::Utf8 => String::from_utf8(bytes).ok(),
        TextEnc::Utf16Le => decode_utf16(&bytes, false),
        TextEnc::Utf16Be => decode_utf16(&bytes, true),
        TextEnc::Utf16Bom => match bytes.get(..2) {
            Some([0xff, 0xfe]) => decode_utf16(&bytes[2..], false),
            Some([0xfe, 0xff]) => decode_utf16(&bytes[2..], true),
            _ => decode_utf16(&bytes, true),
        },
        TextEnc::Latin1 => Some(bytes.iter().map(|&b| b as char).collect()),
        TextEnc::Ascii => bytes
            .iter()
            .map(|&b| if b < 0x80 { Some(b as char) } else { None })
            .collect(),
    };
    match decoded {
        Some(s) if !s.contains('\u{fffd}') => Ok(Value::string(s)),
        _ => Err(FnError::arg(
            0,
            format!("the given string contains symbols that are not defined for {canonical}"),
        )),
    }
}

// ------------------------------------------------------------------ JSON

/// A string as Go's `encoding/json` writes it: HTML-sensitive characters
/// and U+2028/U+2029 escaped.
fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The JSON text `jsonencode` produces for a known value.
pub(crate) fn json_encode(v: &Value, out: &mut String) {
    match v.kind() {
        Kind::Null(_) | Kind::Unknown { .. } => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => out.push_str(&n.to_string()),
        Kind::String(s) => json_string(s, out),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_encode(x, out);
            }
            out.push(']');
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                json_encode(x, out);
            }
            out.push('}');
        }
    }
}

fn jsonencode(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    if !a[0].is_wholly_known() {
        // The text is unknown, but a value known not to be null starts
        // as its type's JSON does.
        if !a[0].is_known_not_null() {
            return Ok(Value::unknown_not_null(Type::String));
        }
        let prefix = match a[0].ty() {
            Type::Object(_) | Type::Map(_) => "{",
            Type::Tuple(_) | Type::List(_) | Type::Set(_) => "[",
            Type::String => "\"",
            _ => "",
        };
        return Ok(Value::unknown_string_with_prefix(prefix));
    }
    let mut out = String::new();
    json_encode(&a[0], &mut out);
    Ok(Value::string(out))
}

/// A JSON reader failing with the messages of Go's `encoding/json`.
struct JsonReader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

/// How Go's JSON errors quote a byte.
fn go_quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '"' => "'\"'".into(),
        c => {
            let q = go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl<'a> JsonReader<'a> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\r' | b'\n') {
            self.i += 1;
        }
    }

    fn cur_char(&self) -> char {
        self.text[self.i..].chars().next().unwrap_or('\0')
    }

    fn invalid(&self, context: &str) -> String {
        format!(
            "invalid character {}{context}",
            go_quote_char(self.cur_char())
        )
    }

    fn value(&mut self) -> Result<Value, String> {
        self.ws();
        let Some(&c) = self.s.get(self.i) else {
            return Err("EOF".into());
        };
        match c {
            b'{' => {
                self.i += 1;
                let mut out = BTreeMap::new();
                self.ws();
                match self.s.get(self.i) {
                    None => return Err("EOF".into()),
                    Some(b'}') => {
                        self.i += 1;
                        return Ok(Value::object(out));
                    }
                    Some(b'"') => {}
                    Some(_) => return Err(self.invalid("")),
                }
                loop {
                    let key = self.string()?;
                    self.ws();
                    match self.s.get(self.i) {
                        None => return Err("EOF".into()),
                        Some(b':') => self.i += 1,
                        Some(_) => return Err(self.invalid(" after object key")),
                    }
                    let v = self.value()?;
                    out.insert(key, v);
                    self.ws();
                    match self.s.get(self.i) {
                        None => return Err("EOF".into()),
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::object(out));
                        }
                        Some(_) => return Err(self.invalid(" after object key:value pair")),
                    }
                    self.ws();
                    match self.s.get(self.i) {
                        None => return Err("EOF".into()),
                        Some(b'"') => {}
                        Some(_) => {
                            return Err(self.invalid(" looking for beginning of object key string"));
                        }
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut out = Vec::new();
                self.ws();
                match self.s.get(self.i) {
                    None => return Err("EOF".into()),
                    Some(b']') => {
                        self.i += 1;
                        return Ok(Value::tuple(out));
                    }
                    Some(_) => {}
                }
                loop {
                    out.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        None => return Err("EOF".into()),
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::tuple(out));
                        }
                        Some(_) => return Err(self.invalid(" after array element")),
                    }
                }
            }
            b'"' => self.string().map(Value::string),
            b't' => self.literal("true", Value::bool(true)),
            b'f' => self.literal("false", Value::bool(false)),
            b'n' => self.literal("null", Value::null_dynamic()),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.invalid(" looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for (k, expect) in word.bytes().enumerate() {
            match self.s.get(self.i) {
                None => return Err("unexpected EOF".into()),
                Some(&c) if c == expect => self.i += 1,
                Some(_) => {
                    return Err(self.invalid(&format!(
                        " in literal {word} (expecting {})",
                        go_quote_char(word.as_bytes()[k] as char)
                    )));
                }
            }
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        match self.s.get(self.i) {
            None => return Err("unexpected EOF".into()),
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            Some(_) => return Err(self.invalid(" in numeric literal")),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.i >= self.s.len() {
                return Err("unexpected EOF".into());
            }
            if self.digits() == 0 {
                return Err(self.invalid(" after decimal point in numeric literal"));
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.i >= self.s.len() {
                return Err("unexpected EOF".into());
            }
            if self.digits() == 0 {
                return Err(self.invalid(" in exponent of numeric literal"));
            }
        }
        Number::parse(&self.text[start..self.i])
            .map(Value::number)
            .ok_or_else(|| "invalid number".to_string())
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0;
        for _ in 0..4 {
            match self.s.get(self.i) {
                None => return Err("unexpected EOF".into()),
                Some(c) if c.is_ascii_hexdigit() => {
                    v = v * 16 + (*c as char).to_digit(16).unwrap_or(0);
                    self.i += 1;
                }
                Some(_) => return Err(self.invalid(" in \\u hexadecimal character escape")),
            }
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err("unexpected EOF".into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err("unexpected EOF".into());
                    };
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
                            if (0xd800..0xdc00).contains(&hi)
                                && self.s.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    let c = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                                    out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                                    continue;
                                }
                                self.i = save;
                            }
                            out.push(char::from_u32(hi).unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.invalid(" in string escape code"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.invalid(" in string literal")),
                _ => {
                    let ch = self.cur_char();
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }
}

/// Parse JSON as `jsondecode` does: objects become objects, arrays tuples,
/// failing with Go's messages.
pub(crate) fn json_decode(text: &str) -> Result<Value, String> {
    let mut r = JsonReader {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    let v = r.value()?;
    r.ws();
    if r.i < r.s.len() {
        return Err("extraneous data after JSON object".into());
    }
    Ok(v)
}

fn jsondecode(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    json_decode(str_arg(a, 0)).map_err(FnError::call)
}

// ------------------------------------------------------------------- CSV

/// One record of Go's `encoding/csv` reader: its fields, or an error
/// (`(line, message)`); `None` at the end.
struct CsvReader<'a> {
    lines: std::iter::Peekable<std::vec::IntoIter<&'a str>>,
    line_no: usize,
}

const CSV_QUOTE: &str = "extraneous or missing \" in quoted-field";

impl<'a> CsvReader<'a> {
    fn new(text: &'a str) -> Self {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        CsvReader {
            lines: lines.into_iter().peekable(),
            line_no: 0,
        }
    }

    fn read_line(&mut self) -> Option<String> {
        let l = self.lines.next()?;
        self.line_no += 1;
        let mut l = l.to_string();
        if l.ends_with("\r\n") {
            l.truncate(l.len() - 2);
            l.push('\n');
        } else if !l.ends_with('\n') && l.ends_with('\r') {
            l.pop();
        }
        Some(l)
    }

    fn record(&mut self) -> Option<Result<Vec<String>, (usize, &'static str)>> {
        let mut line = loop {
            let l = self.read_line()?;
            if l == "\n" {
                continue;
            }
            break l;
        };
        let mut fields = Vec::new();
        loop {
            if !line.starts_with('"') {
                let (field, rest) = match line.find(',') {
                    Some(i) => (line[..i].to_string(), Some(line[i + 1..].to_string())),
                    None => (line.trim_end_matches('\n').to_string(), None),
                };
                if field.contains('"') {
                    return Some(Err((self.line_no, "bare \" in non-quoted-field")));
                }
                fields.push(field);
                match rest {
                    Some(r) => line = r,
                    None => return Some(Ok(fields)),
                }
            } else {
                let mut field = String::new();
                let mut rest = line[1..].to_string();
                loop {
                    if let Some(i) = rest.find('"') {
                        field.push_str(&rest[..i]);
                        let after = &rest[i + 1..];
                        if let Some(r) = after.strip_prefix('"') {
                            field.push('"');
                            rest = r.to_string();
                        } else if let Some(r) = after.strip_prefix(',') {
                            fields.push(field);
                            line = r.to_string();
                            break;
                        } else if after.is_empty() || after == "\n" {
                            fields.push(field);
                            return Some(Ok(fields));
                        } else {
                            return Some(Err((self.line_no, CSV_QUOTE)));
                        }
                    } else if !rest.is_empty() {
                        field.push_str(&rest);
                        match self.read_line() {
                            Some(next) => rest = next,
                            None => return Some(Err((self.line_no, CSV_QUOTE))),
                        }
                    } else {
                        return Some(Err((self.line_no, CSV_QUOTE)));
                    }
                }
            }
        }
    }
}

fn csvdecode(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let csv_err = |(line, msg): (usize, &str)| {
        FnError::call(format!("CSV parse error on line {line}: {msg}"))
    };
    let mut r = CsvReader::new(str_arg(a, 0));
    let headers = match r.record() {
        None => return Err(FnError::call("missing header line")),
        Some(h) => h.map_err(csv_err)?,
    };
    let mut ty = BTreeMap::new();
    for h in &headers {
        if ty.insert(h.clone(), Type::String).is_some() {
            return Err(FnError::call(format!(
                "duplicate column name {}",
                go_quote(h)
            )));
        }
    }
    let mut rows = Vec::new();
    while let Some(rec) = r.record() {
        let rec = rec.map_err(csv_err)?;
        if rec.len() != headers.len() {
            return Err(FnError::call(format!(
                "CSV parse error on line {}: wrong number of fields",
                r.line_no
            )));
        }
        rows.push(Value::object(
            headers
                .iter()
                .cloned()
                .zip(rec.into_iter().map(Value::string))
                .collect(),
        ));
    }
    Ok(Value::list(Type::Object(ty), rows))
}

// ------------------------------------------------------------------ YAML

/// go-yaml's notion of a printable character (at `s[i..]`).
fn yaml_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0a
        || (0x20..=0x7e).contains(&u)
        || (0xa0..=0xd7ff).contains(&u)
        || ((0xe000..=0xfffd).contains(&u) && u != 0xfeff)
}

fn yaml_is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// The block emitter of go-yaml (which `yamlencode` uses), for the
/// values Terraform has.
struct YamlEmitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
}

struct ScalarInfo {
    multiline: bool,
    block_allowed: bool,
}

fn analyze_scalar(s: &str) -> ScalarInfo {
    if s.is_empty() {
        return ScalarInfo {
            multiline: false,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut special = false;
    let mut line_breaks = false;
    let mut trailing_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    for (i, &c) in chars.iter().enumerate() {
        if !yaml_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i + 1 == chars.len() {
                trailing_space = true;
            }
            previous_space = true;
        } else if yaml_is_break(c) {
            line_breaks = true;
            if previous_space {
                space_break = true;
            }
            previous_space = false;
        } else {
            previous_space = false;
        }
    }
    ScalarInfo {
        multiline: line_breaks,
        block_allowed: !(trailing_space || space_break || special),
    }
}

impl YamlEmitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn indicator(&mut self, s: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in s.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn plain(&mut self, s: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        for c in s.chars() {
            self.put(c);
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("\"", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !yaml_printable(c) || yaml_is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let esc = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match esc {
                    Some(e) => self.put(e),
                    None => {
                        let u = c as u32;
                        let text = if u <= 0xff {
                            format!("x{u:02X}")
                        } else if u <= 0xffff {
                            format!("u{u:04X}")
                        } else {
                            format!("U{u:08X}")
                        };
                        for ch in text.chars() {
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > 80 && i != 0 && i + 1 != chars.len() {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.indicator("|", true, false, false);
        if s.starts_with(' ') || s.starts_with(yaml_is_break) {
            self.indicator("2", false, false, false);
        }
        let chomp = if !s.ends_with('\n') {
            Some("-")
        } else if s == "\n" || s[..s.len() - 1].ends_with('\n') {
            Some("+")
        } else {
            None
        };
        if let Some(c) = chomp {
            self.indicator(c, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in s.chars() {
            if c == '\n' {
                self.put_break();
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    /// A string scalar: literal when it has line breaks (and may be),
    /// double-quoted otherwise.
    fn string(&mut self, s: &str, indent: usize, simple_key: bool) {
        let info = analyze_scalar(s);
        if s.contains('\n') && info.block_allowed && !simple_key {
            self.literal(s, indent);
        } else {
            self.double_quoted(s, indent, !simple_key);
        }
    }

    /// Emit `v`; `indent` is the parent's indent (`None` at the root),
    /// `in_mapping` whether it is a mapping's value.
    fn node(&mut self, v: &Value, parent: Option<usize>, in_mapping: bool) {
        let child = |flow: bool| match parent {
            None if flow => 2,
            None => 0,
            Some(p) => p + 2,
        };
        match v.kind() {
            Kind::Null(_) | Kind::Unknown { .. } => self.plain("null"),
            Kind::Bool(b) => self.plain(if *b { "true" } else { "false" }),
            Kind::Number(n) => self.plain(&n.to_string()),
            Kind::String(s) => self.string(s, child(true), false),
            Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
                if items.is_empty() {
                    self.indicator("[", true, true, false);
                    self.indicator("]", false, false, false);
                    return;
                }
                let indent = match parent {
                    None => 0,
                    Some(p) if in_mapping && !self.indention => p,
                    Some(p) => p + 2,
                };
                for x in items {
                    self.write_indent(indent);
                    self.indicator("-", true, false, true);
                    self.node(x, Some(indent), false);
                }
            }
            Kind::Map(_, m) | Kind::Object(m) => {
                if m.is_empty() {
                    self.indicator("{", true, true, false);
                    self.indicator("}", false, false, false);
                    return;
                }
                let indent = child(false);
                for (k, x) in m {
                    let info = analyze_scalar(k);
                    self.write_indent(indent);
                    if k.len() <= 128 && !info.multiline {
                        self.string(k, indent + 2, true);
                        self.indicator(":", false, false, false);
                    } else {
                        self.indicator("?", true, false, true);
                        self.string(k, indent + 2, false);
                        self.write_indent(indent);
                        self.indicator(":", true, false, true);
                    }
                    self.node(x, Some(indent), true);
                }
            }
        }
    }
}

/// The YAML text `yamlencode` produces.
pub(crate) fn yaml_encode(v: &Value) -> String {
    let mut e = YamlEmitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
    };
    e.node(v, None, false);
    e.write_indent(0);
    let plain_root = matches!(
        v.kind(),
        Kind::Null(_) | Kind::Unknown { .. } | Kind::Bool(_) | Kind::Number(_)
    );
    if plain_root {
        e.out.push_str("...\n");
    }
    e.out
}

fn yamlencode(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(yaml_encode(&a[0])))
}

/// A YAML scalar resolved as Terraform's YAML decoder (YAML 1.1 flavoured)
/// resolves unquoted scalars.
fn yaml_resolve_plain(s: &str) -> Result<Value, String> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::null_dynamic()),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Ok(Value::bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Ok(Value::bool(false));
        }
        ".nan" | ".NaN" | ".NAN" => return Err("floating point NaN is not supported".into()),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" => {
            return Err("floating point infinity is not supported".into());
        }
        _ => {}
    }
    if let Some(t) = yaml_timestamp(s) {
        return Ok(Value::string(t));
    }
    let (sign, body) = match s.as_bytes().first() {
        Some(b'-') => (-1i128, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, s),
    };
    for (prefix, radix) in [("0x", 16), ("0o", 8)] {
        if let Some(digits) = body.strip_prefix(prefix)
            && !digits.is_empty()
            && let Ok(n) = i128::from_str_radix(digits, radix)
            && let Ok(n) = i64::try_from(sign * n)
        {
            return Ok(Value::number(n));
        }
    }
    if yaml_decimal(body)
        && let Some(n) = Number::parse(s)
    {
        return Ok(Value::number(n));
    }
    Ok(Value::string(s))
}

fn yaml_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - f;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

/// A YAML timestamp (`2001-12-14`, `2001-12-14T21:59:43.10-05:00`, …) in
/// RFC 3339 form, as Terraform's decoder gives timestamps.
fn yaml_timestamp(s: &str) -> Option<String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && s.len() >= 8
        && s.as_bytes()[4] == b'-'
    {
        return Some(format!("{}T00:00:00Z", d.format("%Y-%m-%d")));
    }
    if s.as_bytes().get(4).is_none_or(|&c| c != b'-') {
        return None;
    }
    let normalized = s.replacen(['t', ' '], "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&normalized) {
        return Some(if t.offset().local_minus_utc() == 0 {
            t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        } else {
            t.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
        });
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&normalized, f) {
            return Some(t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
    }
    None
}

enum YamlNode {
    Seq(Vec<Value>, usize),
    Map(BTreeMap<String, Value>, Option<String>, usize),
}

fn yaml_scalar(
    text: String,
    style: yaml_rust2::scanner::TScalarStyle,
    tag: Option<yaml_rust2::parser::Tag>,
) -> Result<Value, String> {
    use yaml_rust2::scanner::TScalarStyle;
    if let Some(t) = tag {
        let core = t.handle == "tag:yaml.org,2002:" || t.handle == "!!";
        if core {
            return match t.suffix.as_str() {
                "str" | "binary" => Ok(Value::string(text)),
                "null" => Ok(Value::null_dynamic()),
                "bool" | "int" | "float" | "timestamp" => yaml_resolve_plain(&text),
                _ => Ok(Value::string(text)),
            };
        }
    }
    if style == TScalarStyle::Plain {
        yaml_resolve_plain(&text)
    } else {
        Ok(Value::string(text))
    }
}

/// Parse one YAML document into a value as `yamldecode` does: mappings
/// become objects, sequences tuples.
pub(crate) fn yaml_decode(text: &str) -> Result<Value, String> {
    use yaml_rust2::parser::{Event, Parser};
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<YamlNode> = Vec::new();
    let mut anchors: BTreeMap<usize, Value> = BTreeMap::new();
    let mut root: Option<Value> = None;
    let mut docs = 0;
    let err = |e: yaml_rust2::scanner::ScanError| {
        format!(
            "on line {}, column {}: {}",
            e.marker().line(),
            e.marker().col() + 1,
            e.info()
        )
    };
    loop {
        let (ev, mark) = parser.next_token().map_err(err)?;
        let done: Option<(Value, usize)> = match ev {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => None,
            Event::DocumentStart => {
                docs += 1;
                if docs > 1 {
                    return Err(format!(
                        "on line {}, column {}: unexpected extra content after value",
                        mark.line(),
                        mark.col() + 1
                    ));
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(v) => Some((v.clone(), 0)),
                None => return Err("reference to undefined anchor".into()),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let v = yaml_scalar(text, style, tag)?;
                Some((v, anchor))
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(YamlNode::Seq(Vec::new(), anchor));
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(YamlNode::Map(BTreeMap::new(), None, anchor));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(YamlNode::Seq(items, anchor)) => Some((Value::tuple(items), anchor)),
                _ => return Err("unbalanced sequence".into()),
            },
            Event::MappingEnd => match stack.pop() {
                Some(YamlNode::Map(m, _, anchor)) => Some((Value::object(m), anchor)),
                _ => return Err("unbalanced mapping".into()),
            },
        };
        let Some((v, anchor)) = done else { continue };
        if anchor != 0 {
            anchors.insert(anchor, v.clone());
        }
        match stack.last_mut() {
            None => root = Some(v),
            Some(YamlNode::Seq(items, _)) => items.push(v),
            Some(YamlNode::Map(m, key, _)) => match key.take() {
                None => {
                    if !v.ty().is_primitive() && !v.is_null() {
                        return Err("only strings are allowed as mapping keys".into());
                    }
                    let k = if v.is_null() {
                        "null".to_string()
                    } else {
                        convert(&v, &Type::String)
                            .ok()
                            .and_then(|s| s.as_str().map(str::to_string))
                            .unwrap_or_default()
                    };
                    *key = Some(k);
                }
                Some(k) if k == "<<" => {
                    let merged: Vec<Value> = match v.kind() {
                        Kind::Object(_) => vec![v],
                        Kind::Tuple(items) => items.clone(),
                        _ => {
                            return Err(
                                "map merge requires map or sequence of maps as the value".into()
                            );
                        }
                    };
                    for x in merged {
                        match x.as_entries() {
                            Some(entries) => {
                                for (ek, ev) in entries {
                                    m.entry(ek.clone()).or_insert_with(|| ev.clone());
                                }
                            }
                            None => {
                                return Err(
                                    "map merge requires map or sequence of maps as the value"
                                        .into(),
                                );
                            }
                        }
                    }
                }
                Some(k) => {
                    m.insert(k, v);
                }
            },
        }
    }
    match root {
        Some(v) => Ok(v),
        None if docs == 0 => Err("on line 1, column 1: missing start of document".into()),
        None => Ok(Value::null_dynamic()),
    }
}

fn yamldecode(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    yaml_decode(str_arg(a, 0)).map_err(FnError::call)
}

// ---------------------------------------------- tfvars and HCL expressions

/// Whether `s` is an HCL identifier.
pub(crate) fn valid_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// A string literal as hclwrite writes one.
fn hcl_string(s: &str, out: &mut String) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if chars.peek() == Some(&'{') {
                    out.push(c);
                }
            }
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let u = c as u32;
                if u < 0x10000 {
                    out.push_str(&format!("\\u{u:04x}"));
                } else {
                    out.push_str(&format!("\\U{u:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Marks the `=` of an attribute in unformatted output.
const ASSIGN: char = '\u{1}';

/// hclwrite's tokens for a value, one entry a line, unindented.
fn hcl_tokens(v: &Value, out: &mut String) {
    match v.kind() {
        Kind::Null(_) | Kind::Unknown { .. } => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => out.push_str(&n.to_string()),
        Kind::String(s) => hcl_string(s, out),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                hcl_tokens(x, out);
            }
            out.push(']');
        }
        Kind::Map(_, m) | Kind::Object(m) => {
            out.push('{');
            if !m.is_empty() {
                out.push('\n');
            }
            for (k, x) in m {
                hcl_key(k, out);
                out.push(ASSIGN);
                out.push_str("= ");
                hcl_tokens(x, out);
                out.push('\n');
            }
            out.push('}');
        }
    }
}

fn hcl_key(k: &str, out: &mut String) {
    if valid_identifier(k) {
        out.push_str(k);
    } else {
        hcl_string(k, out);
    }
}

/// The net change in bracket depth over a line's text (outside strings).
fn net_brackets(line: &str) -> i64 {
    let mut n = 0;
    let mut in_str = false;
    let mut escaped = false;
    for c in line.chars() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' | '[' | '(' => n += 1,
            '}' | ']' | ')' => n -= 1,
            _ => {}
        }
    }
    n
}

/// hclwrite's formatting: indent by bracket depth, align the `=` of
/// consecutive single-line attributes.
fn hcl_format(text: &str) -> String {
    struct Line {
        indent: usize,
        lead: String,
        assign: Option<String>,
    }
    let mut lines = Vec::new();
    let mut indents: Vec<i64> = Vec::new();
    for raw in text.split('\n') {
        let (lead, assign) = match raw.split_once(ASSIGN) {
            Some((l, a)) if net_brackets(a) == 0 => (l.to_string(), Some(a.to_string())),
            Some((l, a)) => (format!("{l} {a}"), None),
            None => (raw.to_string(), None),
        };
        let net = net_brackets(raw);
        let indent;
        if net > 0 {
            indent = 2 * indents.len();
            indents.push(net);
        } else if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = indents.last_mut() else { break };
                if closed > *top {
                    closed -= *top;
                    indents.pop();
                } else if closed < *top {
                    *top -= closed;
                    closed = 0;
                } else {
                    indents.pop();
                    closed = 0;
                }
            }
            indent = 2 * indents.len();
        } else {
            indent = 2 * indents.len();
        }
        lines.push(Line {
            indent,
            lead,
            assign,
        });
    }
    let mut spaces = vec![1usize; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        if lines[i].assign.is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && lines[i].assign.is_some() {
            i += 1;
        }
        let cols = |l: &Line| l.indent + l.lead.len();
        let max = lines[start..i].iter().map(cols).max().unwrap_or(0);
        for (j, l) in lines.iter().enumerate().take(i).skip(start) {
            spaces[j] = max - cols(l) + 1;
        }
    }
    let mut out = String::new();
    for (j, l) in lines.iter().enumerate() {
        if j > 0 {
            out.push('\n');
        }
        if l.lead.is_empty() && l.assign.is_none() {
            continue;
        }
        out.push_str(&" ".repeat(l.indent));
        out.push_str(&l.lead);
        if let Some(a) = &l.assign {
            out.push_str(&" ".repeat(spaces[j]));
            out.push_str(a);
        }
    }
    out
}

fn encode_expr(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let mut raw = String::new();
    hcl_tokens(&a[0], &mut raw);
    Ok(Value::string(hcl_format(&raw).trim().to_string()))
}

fn encode_tfvars(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let v = &a[0];
    let entries = match v.kind() {
        Kind::Object(m) | Kind::Map(_, m) => m,
        _ => {
            return Err(FnError::call(
                "invalid value to encode: must be an object whose attribute names will become the encoded variable names",
            ));
        }
    };
    let mut raw = String::new();
    for (k, x) in entries {
        if !valid_identifier(k) {
            return Err(FnError::call(format!(
                "invalid variable name {}: must be a valid identifier, per Terraform's rules for input variable declarations",
                go_quote(k)
            )));
        }
        raw.push_str(k);
        raw.push(ASSIGN);
        raw.push_str("= ");
        hcl_tokens(x, &mut raw);
        raw.push('\n');
    }
    Ok(Value::string(hcl_format(&raw)))
}

/// The first variable reference or function call in an expression, in
/// source order: `(is_call, span)`.
fn first_forbidden(
    e: &Expression,
    bound: &mut Vec<String>,
) -> Option<(bool, std::ops::Range<usize>)> {
    use hcl_edit::Span as _;
    match e {
        Expression::Variable(v) => {
            if bound.iter().any(|b| b == v.value().as_str()) {
                None
            } else {
                Some((false, v.span().unwrap_or(0..0)))
            }
        }
        Expression::FuncCall(f) => Some((true, f.span().unwrap_or(0..0))),
        Expression::Array(items) => items.iter().find_map(|x| first_forbidden(x, bound)),
        Expression::Object(obj) => obj.iter().find_map(|(k, v)| {
            let key = match k {
                ObjectKey::Expression(Expression::Variable(_)) | ObjectKey::Ident(_) => None,
                ObjectKey::Expression(ke) => first_forbidden(ke, bound),
            };
            key.or_else(|| first_forbidden(v.expr(), bound))
        }),
        Expression::StringTemplate(t) => template_forbidden(t, bound),
        Expression::HeredocTemplate(h) => template_forbidden(&h.template, bound),
        Expression::Parenthesis(p) => first_forbidden(p.inner(), bound),
        Expression::Conditional(c) => first_forbidden(&c.cond_expr, bound)
            .or_else(|| first_forbidden(&c.true_expr, bound))
            .or_else(|| first_forbidden(&c.false_expr, bound)),
        Expression::Traversal(t) => {
            if let Expression::Variable(v) = &t.expr
                && !bound.iter().any(|b| b == v.value().as_str())
            {
                return Some((false, t.span().unwrap_or(0..0)));
            }
            first_forbidden(&t.expr, bound).or_else(|| {
                t.operators.iter().find_map(|op| match op.value() {
                    hcl_edit::expr::TraversalOperator::Index(ix) => first_forbidden(ix, bound),
                    _ => None,
                })
            })
        }
        Expression::UnaryOp(u) => first_forbidden(&u.expr, bound),
        Expression::BinaryOp(b) => {
            first_forbidden(&b.lhs_expr, bound).or_else(|| first_forbidden(&b.rhs_expr, bound))
        }
        Expression::ForExpr(f) => {
            let found = first_forbidden(&f.intro.collection_expr, bound);
            if found.is_some() {
                return found;
            }
            let n = bound.len();
            if let Some(k) = &f.intro.key_var {
                bound.push(k.value().as_str().to_string());
            }
            bound.push(f.intro.value_var.value().as_str().to_string());
            let found = f
                .key_expr
                .as_ref()
                .and_then(|k| first_forbidden(k, bound))
                .or_else(|| first_forbidden(&f.value_expr, bound))
                .or_else(|| {
                    f.cond
                        .as_ref()
                        .and_then(|c| first_forbidden(&c.expr, bound))
                });
            bound.truncate(n);
            found
        }
        _ => None,
    }
}

fn template_forbidden(
    t: &Template,
    bound: &mut Vec<String>,
) -> Option<(bool, std::ops::Range<usize>)> {
    t.iter().find_map(|el| match el {
        Element::Literal(_) => None,
        Element::Interpolation(i) => first_forbidden(&i.expr, bound),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(d) => first_forbidden(&d.if_expr.cond_expr, bound)
                .or_else(|| template_forbidden(&d.if_expr.template, bound))
                .or_else(|| {
                    d.else_expr
                        .as_ref()
                        .and_then(|e| template_forbidden(&e.template, bound))
                }),
            Directive::For(d) => {
                let found = first_forbidden(&d.for_expr.collection_expr, bound);
                if found.is_some() {
                    return found;
                }
                let n = bound.len();
                if let Some(k) = &d.for_expr.key_var {
                    bound.push(k.value().as_str().to_string());
                }
                bound.push(d.for_expr.value_var.value().as_str().to_string());
                let found = template_forbidden(&d.for_expr.template, bound);
                bound.truncate(n);
                found
            }
        },
    })
}

/// hcl-edit refuses a second definition of an attribute; say so as HCL does.
fn redefined(file: &Arc<SourceFile>, line: usize, column: usize) -> FnError {
    let line_start: usize = file
        .text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &file.text[line_start..];
    let start = line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map(|(i, _)| i)
            .unwrap_or(0);
    let name: String = file.text[start..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let first = file
        .text
        .match_indices(name.as_str())
        .map(|(i, _)| i)
        .find(|&i| {
            let before = &file.text[..i];
            before.trim_end_matches([' ', '\t']).is_empty()
                || before.trim_end_matches([' ', '\t']).ends_with('\n')
        })
        .unwrap_or(start);
    let at = |b: usize| file.range(b..b + name.len()).to_string();
    FnError::call(format!(
        "invalid tfvars syntax: {}: Attribute redefined; The argument {} was already set at {}. Each argument may be set only once.",
        at(start),
        go_quote(&name),
        at(first)
    ))
}

fn decode_tfvars(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    use hcl_edit::Span as _;
    const NAME: &str = "<decode_tfvars argument>";
    let text = str_arg(a, 0);
    let file = SourceFile::new(NAME, text);
    let range = |span: std::ops::Range<usize>| file.range(span).to_string();
    let body = crate::tftest::syntax::parse::parse_body(text).map_err(|e| {
        if e.message().contains("redefined attribute") {
            return redefined(&file, e.line(), e.column());
        }
        FnError::call(format!(
            "invalid tfvars syntax: {NAME}:{},{}-{}: {}",
            e.line(),
            e.column(),
            e.column(),
            e.message()
        ))
    })?;
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut attrs = Vec::new();
    for st in body.iter() {
        match st {
            Structure::Attribute(attr) => {
                let name = attr.key.value().as_str().to_string();
                let at = range(attr.key.span().unwrap_or(0..0));
                if let Some(first) = seen.get(&name) {
                    return Err(FnError::call(format!(
                        "invalid tfvars syntax: {at}: Attribute redefined; The argument {} was already set at {first}. Each argument may be set only once.",
                        go_quote(&name)
                    )));
                }
                seen.insert(name.clone(), at);
                attrs.push((name, &attr.value));
            }
            Structure::Block(b) => {
                return Err(FnError::call(format!(
                    "invalid tfvars content: {}: Unexpected {} block; Blocks are not allowed here.",
                    range(b.ident.span().unwrap_or(0..0)),
                    go_quote(b.ident.value().as_str())
                )));
            }
        }
    }
    let functions = Functions::builtin(env.clone());
    let scope = MapScope::default();
    let cx = EvalCtx::new(&file, &scope, &functions);
    let mut out = BTreeMap::new();
    for (name, expr) in attrs {
        if let Some((is_call, span)) = first_forbidden(expr, &mut Vec::new()) {
            let what = if is_call {
                "Function calls not allowed; Functions may not be called here."
            } else {
                "Variables not allowed; Variables may not be used here."
            };
            return Err(FnError::call(format!(
                "invalid expression for variable {}: {}: {what}",
                go_quote(&name),
                range(span)
            )));
        }
        let v = eval(expr, &cx).map_err(|d| {
            let at = d
                .range
                .as_ref()
                .map(|r| format!("{r}: "))
                .unwrap_or_default();
            FnError::call(format!(
                "invalid expression for variable {}: {at}{}; {}",
                go_quote(&name),
                d.summary,
                d.detail
            ))
        })?;
        out.insert(name, v);
    }
    Ok(Value::object(out))
}

/// Register the encoding functions.
pub fn register(f: &mut Functions) {
    let one = |p: Param, ret: Type, imp: super::Impl| Function::new(vec![p], ret, imp);
    f.add(
        "base64decode",
        one(s("str"), Type::String, base64decode).marked(),
    );
    f.add("base64encode", one(s("str"), Type::String, base64encode));
    f.add("base64gzip", one(s("str"), Type::String, base64gzip));
    f.add("urlencode", one(s("str"), Type::String, urlencode));
    f.add(
        "textencodebase64",
        Function::new(
            vec![s("string"), s("encoding")],
            Type::String,
            textencodebase64,
        ),
    );
    f.add(
        "textdecodebase64",
        Function::new(
            vec![s("source"), s("encoding")],
            Type::String,
            textdecodebase64,
        ),
    );
    f.add(
        "jsonencode",
        one(
            Param::new("val", Type::Dynamic).nullable().unknowns(),
            Type::String,
            jsonencode,
        ),
    );
    f.add("jsondecode", one(s("str"), Type::Dynamic, jsondecode));
    f.add(
        "csvdecode",
        one(s("str"), Type::list(Type::Dynamic), csvdecode),
    );
    f.add(
        "yamlencode",
        one(
            Param::new("value", Type::Dynamic).nullable(),
            Type::String,
            yamlencode,
        ),
    );
    f.add("yamldecode", one(s("src"), Type::Dynamic, yamldecode));
    f.add(
        "provider::terraform::encode_tfvars",
        one(
            Param::new("value", Type::Dynamic),
            Type::String,
            encode_tfvars,
        ),
    );
    f.add(
        "provider::terraform::decode_tfvars",
        one(s("value"), Type::Dynamic, decode_tfvars),
    );
    f.add(
        "provider::terraform::encode_expr",
        one(
            Param::new("value", Type::Dynamic),
            Type::String,
            encode_expr,
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::tftest::diag::Diagnostic;
    use crate::tftest::eval::{MapScope, eval_text};
    use crate::tftest::functions::Functions;
    use crate::tftest::value::{Type, Value};

    fn scope() -> MapScope {
        let mut names = MapScope::default();
        names.0.insert(
            "var".into(),
            Value::object_from([
                ("empty_list", Value::list(Type::String, vec![])),
                (
                    "set",
                    Value::set(Type::String, vec![Value::string("b"), Value::string("a")]),
                ),
                (
                    "map",
                    Value::map(
                        Type::Number,
                        [
                            ("1a".to_string(), Value::number(1)),
                            ("b".to_string(), Value::number(2)),
                        ]
                        .into(),
                    ),
                ),
                ("secret_bad", Value::string("!!").sensitive()),
                ("secret", Value::string("aGk=").sensitive()),
            ]),
        );
        names
    }

    fn ev(text: &str) -> Value {
        eval_text(text, &scope(), &Functions::default()).unwrap_or_else(|d| panic!("{text}: {d}"))
    }

    fn st(text: &str) -> String {
        let v = ev(text);
        v.as_str()
            .unwrap_or_else(|| panic!("{text}: not a string: {v}"))
            .to_string()
    }

    fn err(text: &str) -> Diagnostic {
        match eval_text(text, &scope(), &Functions::default()) {
            Ok(v) => panic!("{text}: expected an error, got {v}"),
            Err(d) => d,
        }
    }

    fn call_err(text: &str) -> String {
        let d = err(text);
        assert_eq!(d.summary, "Error in function call", "{text}: {}", d.detail);
        d.detail
    }

    fn arg_err(text: &str) -> String {
        let d = err(text);
        assert_eq!(
            d.summary, "Invalid function argument",
            "{text}: {}",
            d.detail
        );
        d.detail
    }

    #[test]
    fn base64_follows_go() {
        assert_eq!(st(r#"base64encode("hello")"#), "aGVsbG8=");
        assert_eq!(st(r#"base64decode("aGVsbG8=")"#), "hello");
        assert_eq!(st(r#"base64decode("aGVs\nbG8=")"#), "hello");
        assert_eq!(
            call_err(r#"base64decode("aGVsbG8")"#),
            "Call to function \"base64decode\" failed: failed to decode base64 data \"aGVsbG8\"."
        );
        assert_eq!(
            call_err(r#"base64decode("aGVsbA=x")"#),
            "Call to function \"base64decode\" failed: failed to decode base64 data \"aGVsbA=x\"."
        );
        assert_eq!(
            call_err(r#"base64decode("/w==")"#),
            "Call to function \"base64decode\" failed: the result of decoding the provided string is not valid UTF-8."
        );
        assert!(
            call_err(r#"base64decode(var.secret_bad)"#).contains("(sensitive value)"),
            "sensitive input is redacted"
        );
        assert!(ev(r#"base64decode(var.secret)"#).marks().sensitive);
        assert_eq!(
            st(r#"base64gzip("hello")"#),
            "H4sIAAAAAAAA/8pIzcnJBwAAAP//AQAA//+GphA2BQAAAA=="
        );
        assert_eq!(
            st(r#"urlencode("a b&c=d/é~_.-*+")"#),
            "a+b%26c%3Dd%2F%C3%A9~_.-%2A%2B"
        );
    }

    #[test]
    fn text_encodings() {
        assert_eq!(st(r#"textencodebase64("Hé", "utf-16le")"#), "SADpAA==");
        assert_eq!(st(r#"textencodebase64("H", "UTF-16")"#), "/v8ASA==");
        assert_eq!(st(r#"textencodebase64("H😀", "UTF-16BE")"#), "AEjYPd4A");
        assert_eq!(st(r#"textencodebase64("é", "latin1")"#), "6Q==");
        assert_eq!(st(r#"textdecodebase64("SAAAAA==", "UTF-16LE")"#), "H\0");
        assert_eq!(st(r#"textdecodebase64("/v8ASA==", "UTF-16")"#), "H");
        assert_eq!(
            arg_err(r#"textencodebase64("é", "US-ASCII")"#),
            "Invalid value for \"string\" parameter: the given string contains characters that cannot be represented in US-ASCII."
        );
        assert_eq!(
            arg_err(r#"textencodebase64("€", "ISO-8859-1")"#),
            "Invalid value for \"string\" parameter: the given string contains characters that cannot be represented in ISO_8859-1:1987."
        );
        assert_eq!(
            arg_err(r#"textencodebase64("x", "nope")"#),
            "Invalid value for \"encoding\" parameter: \"nope\" is not a supported IANA encoding name or alias in this Terraform version."
        );
        assert_eq!(
            arg_err(r#"textdecodebase64("SA==", "UTF-16")"#),
            "Invalid value for \"source\" parameter: the given string contains symbols that are not defined for UTF-16."
        );
        assert_eq!(
            arg_err(r#"textdecodebase64("SAA", "UTF-16LE")"#),
            "Invalid value for \"source\" parameter: the given value is has an invalid base64 symbol at offset 0."
        );
        assert_eq!(
            arg_err(r#"textdecodebase64("/w==", "UTF-8")"#),
            "Invalid value for \"source\" parameter: the given string contains symbols that are not defined for UTF-8."
        );
    }

    #[test]
    fn jsonencode_matches_terraform() {
        assert_eq!(
            st(r#"jsonencode({b = "<a&>", a = [1, 2.5, true, null]})"#),
            r#"{"a":[1,2.5,true,null],"b":"\u003ca\u0026\u003e"}"#
        );
        assert_eq!(st("jsonencode(1e20)"), "100000000000000000000");
        assert_eq!(st("jsonencode(-0.0000001)"), "-0.0000001");
        assert_eq!(
            st(r#"jsonencode("\u2028 é \t \u0001 \"")"#),
            r#""\u2028 é \t \u0001 \"""#
        );
        assert_eq!(st("jsonencode(null)"), "null");
        assert_eq!(st("jsonencode(var.empty_list)"), "[]");
        assert_eq!(st("jsonencode(var.set)"), r#"["a","b"]"#);
    }

    #[test]
    fn jsondecode_matches_terraform() {
        assert_eq!(
            st(r#"jsonencode(jsondecode("{\"b\":1,\"a\":[1,\"x\",null,{}],\"c\":1.50}"))"#),
            r#"{"a":[1,"x",null,{}],"b":1,"c":1.5}"#
        );
        assert_eq!(
            st(r#"jsonencode(jsondecode("{\"a\":1,\"a\":2}"))"#),
            r#"{"a":2}"#
        );
        assert_eq!(st(r#"jsondecode("\"\\ud800\"")"#), "\u{fffd}");
        assert_eq!(st(r#"jsondecode("\"\\ud83d\\ude00\"")"#), "😀");
        let cases = [
            (r#"[1,"#, "EOF"),
            ("", "EOF"),
            ("  ", "EOF"),
            ("[1,2", "EOF"),
            (r#"{\"a\""#, "EOF"),
            ("1 2", "extraneous data after JSON object"),
            ("01", "extraneous data after JSON object"),
            ("{} {}", "extraneous data after JSON object"),
            ("tru", "unexpected EOF"),
            (r#"\"abc"#, "unexpected EOF"),
            ("-", "unexpected EOF"),
            ("1.", "unexpected EOF"),
            ("x", "invalid character 'x' looking for beginning of value"),
            (r#"{\"a\" 1}"#, "invalid character '1' after object key"),
            (
                r#"{\"a\":1 \"b\"}"#,
                "invalid character '\"' after object key:value pair",
            ),
            ("[1 2]", "invalid character '2' after array element"),
            ("{1:2}", "invalid character '1'"),
            ("{]", "invalid character ']'"),
            (
                r#"{\"a\":1,}"#,
                "invalid character '}' looking for beginning of object key string",
            ),
            (
                r#"{\"a\":1,2}"#,
                "invalid character '2' looking for beginning of object key string",
            ),
            (
                "[1,]",
                "invalid character ']' looking for beginning of value",
            ),
            ("[}", "invalid character '}' looking for beginning of value"),
            (r#"\"\\x\""#, "invalid character 'x' in string escape code"),
            (
                r#"\"\\u12x4\""#,
                "invalid character 'x' in \\u hexadecimal character escape",
            ),
            (
                "[nulx]",
                "invalid character 'x' in literal null (expecting 'l')",
            ),
            (
                "[tx]",
                "invalid character 'x' in literal true (expecting 'r')",
            ),
            (r#"\"a\tb\""#, "invalid character '\\t' in string literal"),
            (
                r#"\"\u0001\""#,
                "invalid character '\\x01' in string literal",
            ),
            ("-x", "invalid character 'x' in numeric literal"),
            (
                "1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            (
                "1ex",
                "invalid character 'x' in exponent of numeric literal",
            ),
        ];
        for (src, want) in cases {
            let expr = format!("jsondecode(\"{src}\")");
            assert_eq!(
                call_err(&expr),
                format!("Call to function \"jsondecode\" failed: {want}."),
                "{expr}"
            );
        }
        assert_eq!(
            st(r#"jsonencode(jsondecode("1e400"))"#),
            format!("1{}", "0".repeat(400))
        );
    }

    #[test]
    fn csvdecode_matches_terraform() {
        assert_eq!(
            st(r#"jsonencode(csvdecode("a,b\n1,2\n3,4"))"#),
            r#"[{"a":"1","b":"2"},{"a":"3","b":"4"}]"#
        );
        assert_eq!(
            st(r#"jsonencode(csvdecode("a,b\r\n\r\n\"x\ny\",\"q\"\"\"\n"))"#),
            r#"[{"a":"x\ny","b":"q\""}]"#
        );
        assert_eq!(ev(r#"csvdecode("a,b")"#).length(), Some(0));
        let cases = [
            ("", "missing header line"),
            ("a,a\\n1,2", "duplicate column name \"a\""),
            (
                "a,b\\n1",
                "CSV parse error on line 2: wrong number of fields",
            ),
            (
                "a,b\\n1,\\\"2",
                "CSV parse error on line 2: extraneous or missing \" in quoted-field",
            ),
            (
                "a,b\\n1,2\\\"x",
                "CSV parse error on line 2: bare \" in non-quoted-field",
            ),
            (
                "a,b\\n1,\\\"2\\\"x",
                "CSV parse error on line 2: extraneous or missing \" in quoted-field",
            ),
        ];
        for (src, want) in cases {
            let expr = format!("csvdecode(\"{src}\")");
            assert_eq!(
                call_err(&expr),
                format!("Call to function \"csvdecode\" failed: {want}."),
                "{expr}"
            );
        }
    }

    #[test]
    fn yamlencode_matches_terraform() {
        assert_eq!(
            st(
                r#"yamlencode({a = 1, b = [1, "two", true, null], c = {d = "x\ny", e = {}}, f = [], g = 1.5, "h i" = [[1, 2], {j = 1}]})"#
            ),
            "\"a\": 1\n\"b\":\n- 1\n- \"two\"\n- true\n- null\n\"c\":\n  \"d\": |-\n    x\n    y\n  \"e\": {}\n\"f\": []\n\"g\": 1.5\n\"h i\":\n- - 1\n  - 2\n- \"j\": 1\n"
        );
        assert_eq!(st(r#"yamlencode("hello")"#), "\"hello\"\n");
        assert_eq!(st("yamlencode(1)"), "1\n...\n");
        assert_eq!(st("yamlencode(null)"), "null\n...\n");
        assert_eq!(st("yamlencode(true)"), "true\n...\n");
        assert_eq!(st("yamlencode([])"), "[]\n");
        assert_eq!(st(r#"yamlencode(["a"])"#), "- \"a\"\n");
        assert_eq!(
            st("yamlencode({a = [{b = 1, c = 2}, [3]]})"),
            "\"a\":\n- \"b\": 1\n  \"c\": 2\n- - 3\n"
        );
        assert_eq!(
            st(
                r#"yamlencode("a very long string that goes on and on and on and on and on and on and on and on and on and on and on")"#
            ),
            "\"a very long string that goes on and on and on and on and on and on and on and on\n  and on and on and on\"\n"
        );
        assert_eq!(st(r#"yamlencode("é ☃ \u0001 \t")"#), "\"é ☃ \\x01 \\t\"\n");
        assert_eq!(
            st(
                r##"yamlencode({a = "x\n", b = "x\n\n", c = " x\ny", d = "\n", e = "x \ny", f = "", g = "a: b", h = "#"})"##
            ),
            "\"a\": |\n  x\n\"b\": |+\n  x\n\n\"c\": |2-\n   x\n  y\n\"d\": |2+\n\n\"e\": \"x \\ny\"\n\"f\": \"\"\n\"g\": \"a: b\"\n\"h\": \"#\"\n"
        );
        assert_eq!(st(r#"yamlencode(["a\tb\nc"])"#), "- \"a\\tb\\nc\"\n");
        assert_eq!(
            st("yamlencode({a = {b = {c = [1]}}})"),
            "\"a\":\n  \"b\":\n    \"c\":\n    - 1\n"
        );
        assert_eq!(st("yamlencode([[]])"), "- []\n");
        assert_eq!(st("yamlencode([{}])"), "- {}\n");
        assert_eq!(st(r#"yamlencode("x\ny")"#), "|-\n  x\n  y\n");
        assert_eq!(st(r#"yamlencode("x\n\n")"#), "|+\n  x\n\n");
        assert_eq!(st(r#"yamlencode({"a\nb" = 1})"#), "? |-\n  a\n  b\n: 1\n");
        assert_eq!(
            st(r#"yamlencode("\U0001F600 \u0085 \u00a0 \ufeff")"#),
            "\"\\U0001F600 \\N \u{a0} \\uFEFF\"\n"
        );
        assert_eq!(
            st(r#"yamlencode({a = ["x\ny"]})"#),
            "\"a\":\n- |-\n  x\n  y\n"
        );
        assert_eq!(st(r#"yamlencode(["x\n"])"#), "- |\n  x\n");
        assert_eq!(
            st("yamlencode(1e30)"),
            "1000000000000000000000000000000\n...\n"
        );
    }

    #[test]
    fn yamldecode_matches_terraform() {
        assert_eq!(
            st(
                r#"jsonencode(yamldecode("a: yes\nb: on\nc: 0x1F\nd: 1_000\ne: .5\nf: ~\ng: 2001-12-14\nh: 0o17\ni: 017\nk: +1\nl: True\nm: \"1\"\nn: 1e3\np: 0b101\nq: y"))"#
            ),
            r#"{"a":true,"b":true,"c":31,"d":"1_000","e":0.5,"f":null,"false":1000,"g":"2001-12-14T00:00:00Z","h":15,"i":17,"k":1,"l":true,"m":"1","p":"0b101","q":true}"#
        );
        assert_eq!(
            st(r#"jsonencode(yamldecode("a: &x [1]\nb: *x"))"#),
            r#"{"a":[1],"b":[1]}"#
        );
        assert_eq!(st(r#"yamldecode("!!str 1")"#), "1");
        assert_eq!(st(r#"jsonencode(yamldecode("a: 1\na: 2"))"#), r#"{"a":2}"#);
        assert_eq!(
            st(r#"jsonencode(yamldecode("{a: 1, b: [x, y]}"))"#),
            r#"{"a":1,"b":["x",true]}"#
        );
        assert_eq!(st(r#"jsonencode(yamldecode("1.50"))"#), "1.5");
        assert_eq!(
            super::yaml_decode("12345678901234567890123.25"),
            Ok(Value::number(
                crate::tftest::value::Number::parse("12345678901234567890123.25").unwrap()
            )),
            "decimals stay exact"
        );
        assert_eq!(st(r#"yamldecode("a: !!binary aGVsbG8=").a"#), "aGVsbG8=");
        assert_eq!(
            st(r#"jsonencode(yamldecode("<<: {a: 1}\nb: 2"))"#),
            r#"{"a":1,"b":2}"#
        );
        assert_eq!(st(r#"yamldecode("a: \"\\t\"").a"#), "\t");
        assert_eq!(
            call_err(r#"yamldecode("")"#),
            "Call to function \"yamldecode\" failed: on line 1, column 1: missing start of document."
        );
        assert_eq!(
            call_err(r#"yamldecode("? [1]\n: 2")"#),
            "Call to function \"yamldecode\" failed: only strings are allowed as mapping keys."
        );
        for bad in [
            r#"a: [1"#,
            "a: b: c",
            r#"- a\nb: 1"#,
            r#"---\na: 1\n---\nb: 2"#,
        ] {
            call_err(&format!("yamldecode(\"{bad}\")"));
        }
        assert_eq!(ev(r#"can(yamldecode("a: [1"))"#), Value::bool(false));
    }

    #[test]
    fn tfvars_and_expressions() {
        assert_eq!(
            st(
                r#"provider::terraform::encode_tfvars({b = 1, a = "x", c = [1, 2], d = {x = 1, yy = true}})"#
            ),
            "a = \"x\"\nb = 1\nc = [1, 2]\nd = {\n  x  = 1\n  yy = true\n}\n"
        );
        assert_eq!(
            st(
                r#"provider::terraform::encode_tfvars({a = 1, bbb = 2, cc = {x = 1, yyy = [{z = 1}, {}]}, d = 1, "e-f" = 2})"#
            ),
            "a   = 1\nbbb = 2\ncc = {\n  x = 1\n  yyy = [{\n    z = 1\n  }, {}]\n}\nd   = 1\ne-f = 2\n"
        );
        assert_eq!(
            st(r#"provider::terraform::encode_expr({a = 1, bb = [1, "x", null], c = {}})"#),
            "{\n  a  = 1\n  bb = [1, \"x\", null]\n  c  = {}\n}"
        );
        assert_eq!(
            st("provider::terraform::encode_expr([{a = 1}, {b = 2}])"),
            "[{\n  a = 1\n  }, {\n  b = 2\n}]"
        );
        assert_eq!(
            st(
                r#"provider::terraform::encode_expr({a = [{b = 1, cc = {d = 1}}], c = 1, "x y" = "\u0001é"})"#
            ),
            "{\n  a = [{\n    b = 1\n    cc = {\n      d = 1\n    }\n  }]\n  c     = 1\n  \"x y\" = \"\\u0001é\"\n}"
        );
        assert_eq!(
            st(r#"provider::terraform::encode_expr(var.map)"#),
            "{\n  \"1a\" = 1\n  b    = 2\n}"
        );
        assert_eq!(
            st(r#"provider::terraform::encode_expr("a$${b}\n%%{")"#),
            r#""a$${b}\n%%{""#
        );
        assert_eq!(
            arg_err("provider::terraform::encode_expr(null)"),
            "Invalid value for \"value\" parameter: argument must not be null."
        );
        assert_eq!(
            call_err(r#"provider::terraform::encode_tfvars({"a b" = 1})"#),
            "Call to function \"provider::terraform::encode_tfvars\" failed: invalid variable name \"a b\": must be a valid identifier, per Terraform's rules for input variable declarations."
        );
        assert_eq!(
            call_err("provider::terraform::encode_tfvars([1])"),
            "Call to function \"provider::terraform::encode_tfvars\" failed: invalid value to encode: must be an object whose attribute names will become the encoded variable names."
        );
        assert_eq!(
            st(r#"jsonencode(provider::terraform::decode_tfvars("a = 1\nb = [1, 2]"))"#),
            r#"{"a":1,"b":[1,2]}"#
        );
        assert_eq!(
            call_err(r#"provider::terraform::decode_tfvars("a = x")"#),
            "Call to function \"provider::terraform::decode_tfvars\" failed: invalid expression for variable \"a\": <decode_tfvars argument>:1,5-6: Variables not allowed; Variables may not be used here.."
        );
        assert_eq!(
            call_err(r#"provider::terraform::decode_tfvars("a = upper(\"x\")")"#),
            "Call to function \"provider::terraform::decode_tfvars\" failed: invalid expression for variable \"a\": <decode_tfvars argument>:1,5-15: Function calls not allowed; Functions may not be called here.."
        );
        assert_eq!(
            call_err(r#"provider::terraform::decode_tfvars("a = 1\na = 2")"#),
            "Call to function \"provider::terraform::decode_tfvars\" failed: invalid tfvars syntax: <decode_tfvars argument>:2,1-2: Attribute redefined; The argument \"a\" was already set at <decode_tfvars argument>:1,1-2. Each argument may be set only once.."
        );
        assert_eq!(
            call_err(r#"provider::terraform::decode_tfvars("a { }")"#),
            "Call to function \"provider::terraform::decode_tfvars\" failed: invalid tfvars content: <decode_tfvars argument>:1,1-2: Unexpected \"a\" block; Blocks are not allowed here.."
        );
        assert!(
            call_err(r#"provider::terraform::decode_tfvars("a = 1 +")"#)
                .starts_with("Call to function \"provider::terraform::decode_tfvars\" failed: invalid tfvars syntax: <decode_tfvars argument>:1,")
        );
    }
}
