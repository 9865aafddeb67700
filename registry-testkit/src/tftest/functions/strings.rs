//! String functions, with Go's semantics where Terraform inherits them:
//! `format` follows cty's printf dialect (Go's number formatting on
//! 512-bit floats), `regex` and `replace` follow RE2 as Go implements it
//! (ASCII `\d`, `\w`, `\s` and `\b`), and "characters" are grapheme
//! clusters.

use std::cmp::Ordering;
use std::sync::LazyLock;

use bigdecimal::num_bigint::BigUint;
use bigdecimal::{One, Zero};
use regex::Regex;

use super::{FnEnv, FnError, Function, Functions, Param, str_arg};
use crate::tftest::budget;
use crate::tftest::value::{Kind, Number, Type, Value, convert, go_quote};

fn s(name: &'static str) -> Param {
    Param::new(name, Type::String)
}

// ---------------------------------------------------------------------
// Grapheme clusters

static GRAPHEME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\r\n|[\p{gcb=Control}\p{gcb=CR}\p{gcb=LF}]",
        r"|\p{gcb=Prepend}*(?:",
        r"\p{gcb=Regional_Indicator}\p{gcb=Regional_Indicator}",
        r"|\p{gcb=L}*(?:\p{gcb=V}+|\p{gcb=LV}\p{gcb=V}*|\p{gcb=LVT})\p{gcb=T}*",
        r"|\p{gcb=L}+|\p{gcb=T}+",
        r"|\p{Extended_Pictographic}(?:\p{gcb=Extend}*\x{200D}\p{Extended_Pictographic})*",
        r"|[^\p{gcb=Control}\p{gcb=CR}\p{gcb=LF}]",
        r")[\p{gcb=Extend}\p{gcb=ZWJ}\p{gcb=SpacingMark}]*",
        r"|(?s:.)"
    ))
    .expect("grapheme pattern")
});

/// The user-perceived characters (extended grapheme clusters) of `s`, as
/// Terraform counts them for `length`, `substr` and `strrev`.
pub(crate) fn graphemes(s: &str) -> Vec<&str> {
    GRAPHEME.find_iter(s).map(|m| m.as_str()).collect()
}

// ---------------------------------------------------------------------
// Numbers as Go's big.Float formats them

/// A number as a decimal digit string: `0.mant × 10^exp`.
struct Decimal {
    mant: Vec<u8>,
    exp: i64,
    /// How the 512-bit binary float Terraform holds compares with the
    /// exact decimal (decides rounding exactly half-way).
    binary: Ordering,
}

const TEN: i64 = 10;

impl Decimal {
    fn of(n: &Number) -> Decimal {
        let x = n.abs();
        let int_part = x.floor();
        let int_text = int_part.to_string();
        let mut frac = x.sub(&int_part);
        let mut frac_digits = Vec::new();
        let ten = Number::from(TEN);
        while !frac.is_zero() && frac_digits.len() < 1200 {
            frac = frac.mul(&ten);
            let d = frac.floor();
            frac_digits.push(b'0' + d.to_i64().unwrap_or(0) as u8);
            frac = frac.sub(&d);
        }
        let mut mant: Vec<u8>;
        let mut exp: i64;
        if int_text != "0" {
            mant = int_text.into_bytes();
            exp = mant.len() as i64;
            mant.extend_from_slice(&frac_digits);
        } else {
            let zeros = frac_digits.iter().take_while(|d| **d == b'0').count();
            mant = frac_digits[zeros..].to_vec();
            exp = -(zeros as i64);
        }
        while mant.last() == Some(&b'0') {
            mant.pop();
        }
        if mant.is_empty() {
            exp = 0;
        }
        let binary = binary_direction(&mant, exp);
        Decimal { mant, exp, binary }
    }

    fn round(&mut self, n: i64) {
        if n < 0 || n as usize >= self.mant.len() {
            return;
        }
        let n = n as usize;
        let up = if self.mant[n] == b'5' && n + 1 == self.mant.len() {
            match self.binary {
                Ordering::Greater => true,
                Ordering::Less => false,
                Ordering::Equal => n > 0 && (self.mant[n - 1] - b'0') & 1 == 1,
            }
        } else {
            self.mant[n] >= b'5'
        };
        if up {
            let mut i = n;
            while i > 0 && self.mant[i - 1] >= b'9' {
                i -= 1;
            }
            if i == 0 {
                self.mant = vec![b'1'];
                self.exp += 1;
            } else {
                self.mant[i - 1] += 1;
                self.mant.truncate(i);
            }
        } else {
            self.mant.truncate(n);
            while self.mant.last() == Some(&b'0') {
                self.mant.pop();
            }
            if self.mant.is_empty() {
                self.exp = 0;
            }
        }
    }

    fn at(&self, i: i64) -> u8 {
        if i >= 0 && (i as usize) < self.mant.len() {
            self.mant[i as usize]
        } else {
            b'0'
        }
    }
}

/// How the nearest 512-bit binary float to `0.mant × 10^exp` compares
/// with it.
fn binary_direction(mant: &[u8], exp: i64) -> Ordering {
    if mant.is_empty() {
        return Ordering::Equal;
    }
    let Some(digits) = BigUint::parse_bytes(mant, 10) else {
        return Ordering::Equal;
    };
    let shift = exp - mant.len() as i64;
    let (num, den) = if shift >= 0 {
        (
            digits * BigUint::from(10u32).pow(shift as u32),
            BigUint::one(),
        )
    } else {
        (digits, BigUint::from(10u32).pow((-shift) as u32))
    };
    let mut e: i64 = num.bits() as i64 - den.bits() as i64 - 512;
    for _ in 0..4 {
        let (q, r, d) = if e >= 0 {
            let d = &den << (e as usize);
            (&num / &d, &num % &d, d)
        } else {
            let n = &num << ((-e) as usize);
            (&n / &den, &n % &den, den.clone())
        };
        match q.bits() {
            b if b > 512 => e += 1,
            b if b < 512 => e -= 1,
            _ => {
                if r.is_zero() {
                    return Ordering::Equal;
                }
                let twice = &r << 1usize;
                return match twice.cmp(&d) {
                    Ordering::Greater => Ordering::Greater,
                    Ordering::Less => Ordering::Less,
                    Ordering::Equal if q.bit(0) => Ordering::Greater,
                    Ordering::Equal => Ordering::Less,
                };
            }
        }
    }
    Ordering::Equal
}

fn fmt_e(out: &mut String, fmt: u8, prec: i64, d: &Decimal) {
    out.push(d.mant.first().map(|c| *c as char).unwrap_or('0'));
    if prec > 0 {
        out.push('.');
        let m = d.mant.len().min(prec as usize + 1);
        let mut i = 1;
        if i < m {
            out.push_str(std::str::from_utf8(&d.mant[i..m]).unwrap_or_default());
            i = m;
        }
        while i as i64 <= prec {
            out.push('0');
            i += 1;
        }
    }
    out.push(fmt as char);
    let mut exp = if d.mant.is_empty() { 0 } else { d.exp - 1 };
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

fn fmt_f(out: &mut String, prec: i64, d: &Decimal) {
    if d.exp > 0 {
        let m = d.mant.len().min(d.exp as usize);
        out.push_str(std::str::from_utf8(&d.mant[..m]).unwrap_or_default());
        for _ in m as i64..d.exp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            out.push(d.at(d.exp + i) as char);
        }
    }
}

/// Go's `big.Float.Text(fmt, prec)` without the sign (`prec` negative:
/// the shortest form).
fn float_text(n: &Number, fmt: u8, prec: i64) -> String {
    let mut d = Decimal::of(n);
    let mut prec = prec;
    let shortest = prec < 0;
    if shortest {
        prec = match fmt {
            b'e' | b'E' => d.mant.len() as i64 - 1,
            b'f' => (d.mant.len() as i64 - d.exp).max(0),
            _ => d.mant.len() as i64,
        };
    } else {
        match fmt {
            b'e' | b'E' => d.round(1 + prec),
            b'f' => d.round(d.exp + prec),
            _ => {
                if prec == 0 {
                    prec = 1;
                }
                d.round(prec);
            }
        }
    }
    let mut out = String::new();
    match fmt {
        b'e' | b'E' => fmt_e(&mut out, fmt, prec, &d),
        b'f' => fmt_f(&mut out, prec, &d),
        _ => {
            let mut eprec = prec;
            if eprec > d.mant.len() as i64 && d.mant.len() as i64 >= d.exp {
                eprec = d.mant.len() as i64;
            }
            if shortest {
                eprec = 6;
            }
            let exp = d.exp - 1;
            let e = if fmt == b'G' { b'E' } else { b'e' };
            if exp < -4 || exp >= eprec {
                if prec > d.mant.len() as i64 {
                    prec = d.mant.len() as i64;
                }
                fmt_e(&mut out, e, prec - 1, &d);
            } else {
                if prec > d.exp {
                    prec = d.mant.len() as i64;
                }
                fmt_f(&mut out, (prec - d.exp).max(0), &d);
            }
        }
    }
    out
}

/// A number as Terraform writes it in strings and JSON (`Text('f', -1)`).
pub(crate) fn number_string(n: &Number) -> String {
    let t = float_text(n, b'f', -1);
    if n.is_negative() && !n.is_zero() {
        format!("-{t}")
    } else {
        t
    }
}

// ---------------------------------------------------------------------
// JSON as cty writes it (for `%#v`)

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
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json(v: &Value, out: &mut String) {
    match v.kind() {
        Kind::Null(_) | Kind::Unknown { .. } => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => out.push_str(&number_string(n)),
        Kind::String(s) => json_string(s, out),
        Kind::List(_, items) | Kind::Set(_, items) | Kind::Tuple(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(x, out);
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
                json(x, out);
            }
            out.push('}');
        }
    }
}

// ---------------------------------------------------------------------
// format

#[derive(Default)]
struct Verb<'a> {
    raw: &'a str,
    offset: usize,
    arg_num: usize,
    mode: u8,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    prec: Option<usize>,
    width: Option<usize>,
}

/// A character as Go's `%q` writes a rune.
fn quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '\\' => "'\\\\'".into(),
        '\n' => "'\\n'".into(),
        '\r' => "'\\r'".into(),
        '\t' => "'\\t'".into(),
        '\u{7}' => "'\\a'".into(),
        '\u{8}' => "'\\b'".into(),
        '\u{c}' => "'\\f'".into(),
        '\u{b}' => "'\\v'".into(),
        c if c.is_control() => {
            if (c as u32) < 0x100 {
                format!("'\\x{:02x}'", c as u32)
            } else {
                format!("'\\u{:04x}'", c as u32)
            }
        }
        c => format!("'{c}'"),
    }
}

/// The widest field and longest precision honoured (a budget against
/// `%999999999d`; Go's own printf stops at a million too).
const MAX_FIELD: usize = 1_000_000;

fn format_fsm(fmt: &str, args: &[Value]) -> Result<String, String> {
    let b = fmt.as_bytes();
    let mut out = String::new();
    let mut next_arg = 1usize;
    let mut p = 0usize;
    let invalid = |p: usize| format!("invalid format string starting at offset {p}");
    let unrecognized = |p: usize| {
        let c = fmt[p..].chars().next().unwrap_or('\0');
        format!(
            "unrecognized format character {} at offset {p}",
            quote_rune(c)
        )
    };
    while p < b.len() {
        if b[p] != b'%' {
            let c = fmt[p..].chars().next().unwrap_or('\0');
            out.push(c);
            p += c.len_utf8();
            continue;
        }
        let ts = p;
        p += 1;
        if p >= b.len() {
            return Err(invalid(p));
        }
        if b[p] == b'%' {
            out.push('%');
            p += 1;
            continue;
        }
        let mut verb = Verb {
            arg_num: next_arg,
            offset: ts,
            ..Verb::default()
        };
        while p < b.len() {
            match b[p] {
                b'0' => verb.zero = true,
                b'#' => verb.sharp = true,
                b'-' => verb.minus = true,
                b'+' => verb.plus = true,
                b' ' => verb.space = true,
                _ => break,
            }
            p += 1;
        }
        if p < b.len() && b[p] == b'[' {
            p += 1;
            if p >= b.len() {
                return Err(invalid(p));
            }
            if !(b'1'..=b'9').contains(&b[p]) {
                return Err(unrecognized(p));
            }
            let mut n = 0usize;
            while p < b.len() && b[p].is_ascii_digit() {
                n = n.saturating_mul(10).saturating_add((b[p] - b'0') as usize);
                p += 1;
            }
            if p >= b.len() {
                return Err(invalid(p));
            }
            if b[p] != b']' {
                return Err(unrecognized(p));
            }
            p += 1;
            verb.arg_num = n;
        }
        if p < b.len() && (b'1'..=b'9').contains(&b[p]) {
            let mut n = 0usize;
            while p < b.len() && b[p].is_ascii_digit() {
                n = n.saturating_mul(10).saturating_add((b[p] - b'0') as usize);
                p += 1;
            }
            verb.width = Some(n.min(MAX_FIELD));
        }
        if p < b.len() && b[p] == b'.' {
            p += 1;
            let mut n = 0usize;
            while p < b.len() && b[p].is_ascii_digit() {
                n = n.saturating_mul(10).saturating_add((b[p] - b'0') as usize);
                p += 1;
            }
            verb.prec = Some(n.min(MAX_FIELD));
        }
        if p >= b.len() {
            return Err(invalid(p));
        }
        if !b[p].is_ascii_alphabetic() {
            return Err(unrecognized(p));
        }
        verb.mode = b[p];
        verb.raw = &fmt[ts..=p];
        p += 1;
        format_append(&verb, &mut out, args)?;
        budget::check_string_len(out.len())?;
        next_arg = verb.arg_num + 1;
    }
    Ok(out)
}

fn pad_width(verb: &Verb<'_>, s: String) -> String {
    let Some(width) = verb.width else {
        return s;
    };
    let len = graphemes(&s).len();
    if len >= width {
        return s;
    }
    let pad = (if verb.zero { "0" } else { " " }).repeat(width - len);
    if verb.minus { s + &pad } else { pad + &s }
}

/// cty's message when a value does not convert to a primitive type.
fn required(arg: &Value, what: &str) -> &'static str {
    match (arg.ty(), what) {
        (Type::String, "number") => "a number is required",
        (Type::String, _) => "a bool is required",
        (_, "number") => "number required",
        _ => "bool required",
    }
}

fn format_append(verb: &Verb<'_>, out: &mut String, args: &[Value]) -> Result<(), String> {
    let raw = go_quote(verb.raw);
    let at = verb.offset;
    let Some(arg) = verb.arg_num.checked_sub(1).and_then(|i| args.get(i)) else {
        return Err(format!(
            "not enough arguments for {raw} at {at}: need index {} but have {} total",
            verb.arg_num,
            args.len()
        ));
    };
    if verb.mode != b'v' && arg.is_null() {
        return Err(format!(
            "unsupported value for {raw} at {at}: null value cannot be formatted"
        ));
    }
    let unsupported = |msg: &str| format!("unsupported value for {raw} at {at}: {msg}");
    match verb.mode {
        b'v' => {
            if !verb.sharp && !arg.is_null() {
                match arg.kind() {
                    Kind::String(s) => {
                        out.push_str(&pad_width(verb, s.clone()));
                        return Ok(());
                    }
                    Kind::Number(n) => {
                        let mut t = float_text(n, b'g', -1);
                        if n.is_negative() && !n.is_zero() {
                            t.insert(0, '-');
                        }
                        out.push_str(&pad_width(verb, t));
                        return Ok(());
                    }
                    _ => {}
                }
            }
            let mut j = String::new();
            json(arg, &mut j);
            out.push_str(&pad_width(verb, j));
            Ok(())
        }
        b't' => {
            let v = convert(arg, &Type::Bool).map_err(|_| unsupported(required(arg, "bool")))?;
            out.push_str(if v.as_bool() == Some(true) {
                "true"
            } else {
                "false"
            });
            Ok(())
        }
        b'b' | b'd' | b'o' | b'x' | b'X' | b'e' | b'E' | b'f' | b'g' | b'G' => {
            let v =
                convert(arg, &Type::Number).map_err(|_| unsupported(required(arg, "number")))?;
            let n = v.as_number().cloned().unwrap_or_else(Number::zero);
            if matches!(verb.mode, b'b' | b'd' | b'o' | b'x' | b'X') {
                if !n.is_integer() {
                    return Err(unsupported("an integer is required"));
                }
                out.push_str(&format_integer(verb, &n));
            } else {
                out.push_str(&format_float(verb, &n));
            }
            Ok(())
        }
        b's' | b'q' => {
            let text = match arg.kind() {
                Kind::Number(n) => number_string(n),
                _ => convert(arg, &Type::String)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .ok_or_else(|| unsupported("string required"))?,
            };
            let text = match verb.prec {
                Some(p) if p > 0 => graphemes(&text).into_iter().take(p).collect(),
                _ => text,
            };
            if verb.mode == b's' {
                out.push_str(&pad_width(verb, text));
            } else {
                let mut j = String::new();
                json_string(&text, &mut j);
                out.push_str(&pad_width(verb, j));
            }
            Ok(())
        }
        m => Err(format!(
            "unsupported format verb {} in {raw} at offset {at}",
            quote_rune(m as char)
        )),
    }
}

/// The digits of a whole number in `base`.
fn integer_digits(n: &Number, base: u32) -> String {
    let text = n.abs().to_string();
    if base == 10 {
        return text;
    }
    BigUint::parse_bytes(text.as_bytes(), 10)
        .map(|u| u.to_str_radix(base))
        .unwrap_or(text)
}

/// Go's `big.Int` formatting for `%b %d %o %x %X`.
fn format_integer(verb: &Verb<'_>, n: &Number) -> String {
    let base = match verb.mode {
        b'b' => 2,
        b'o' => 8,
        b'x' | b'X' => 16,
        _ => 10,
    };
    let mut digits = integer_digits(n, base);
    if verb.mode == b'X' {
        digits = digits.to_uppercase();
    }
    let sign = if n.is_negative() && !n.is_zero() {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let prefix = match (verb.sharp, verb.mode) {
        (true, b'b') => "0b",
        (true, b'o') => "0",
        (true, b'x') => "0x",
        (true, b'X') => "0X",
        _ => "",
    };
    let mut zeros = 0;
    if let Some(p) = verb.prec {
        if digits.len() < p {
            zeros = p - digits.len();
        } else if digits == "0" && p == 0 {
            return String::new();
        }
    }
    let (mut left, mut right) = (0, 0);
    let length = sign.len() + prefix.len() + zeros + digits.len();
    if let Some(w) = verb.width
        && length < w
    {
        let d = w - length;
        if verb.minus {
            right = d;
        } else if verb.zero && verb.prec.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    format!(
        "{}{sign}{prefix}{}{digits}{}",
        " ".repeat(left),
        "0".repeat(zeros),
        " ".repeat(right)
    )
}

/// Go's `big.Float` formatting for `%e %E %f %g %G`.
fn format_float(verb: &Verb<'_>, n: &Number) -> String {
    let prec = match (verb.prec, verb.mode) {
        (Some(p), _) => p as i64,
        (None, b'g' | b'G') => -1,
        (None, _) => 6,
    };
    let buf = float_text(n, verb.mode, prec);
    let sign = if n.is_negative() && !n.is_zero() {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let mut padding = 0;
    if let Some(w) = verb.width
        && w > sign.len() + buf.len()
    {
        padding = w - sign.len() - buf.len();
    }
    if verb.zero && !verb.minus {
        format!("{sign}{}{buf}", "0".repeat(padding))
    } else if verb.minus {
        format!("{sign}{buf}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{buf}", " ".repeat(padding))
    }
}

fn format(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    // An argument of no particular type (the `null` literal) leaves the
    // result unknown, as cty does for parameters without dynamic types.
    if a[1..].iter().any(|v| v.ty() == Type::Dynamic) {
        return Ok(Value::unknown_not_null(Type::String));
    }
    format_fsm(str_arg(a, 0), &a[1..])
        .map(Value::string)
        .map_err(FnError::call)
}

fn formatlist(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let fmt = str_arg(a, 0);
    let args = &a[1..];
    if args.iter().any(|v| v.ty() == Type::Dynamic) {
        return Ok(Value::unknown_not_null(Type::list(Type::String)));
    }
    if args.is_empty() {
        let s = format_fsm(fmt, args).map_err(FnError::call)?;
        return Ok(Value::list(Type::String, vec![Value::string(s)]));
    }
    let mut iter_len: Option<(usize, usize)> = None;
    let mut unknown = false;
    for (i, arg) in args.iter().enumerate() {
        let ty = arg.ty();
        if !matches!(ty, Type::List(_) | Type::Set(_) | Type::Tuple(_)) || arg.is_null() {
            continue;
        }
        let len = match (&ty, arg.length()) {
            (_, Some(l)) => l,
            (Type::Tuple(ts), None) => ts.len(),
            _ => {
                unknown = true;
                continue;
            }
        };
        match iter_len {
            None => iter_len = Some((len, i)),
            Some((l, j)) if l != len => {
                return Err(FnError::arg(
                    i + 1,
                    format!(
                        "argument {} has length {len}, which is inconsistent with argument {} of length {l}",
                        i + 1,
                        j + 1
                    ),
                ));
            }
            _ => {}
        }
        if arg.is_unknown() {
            unknown = true;
        }
    }
    if unknown {
        return Ok(Value::unknown_not_null(Type::list(Type::String)));
    }
    let n = match iter_len {
        Some((0, _)) => return Ok(Value::list(Type::String, Vec::new())),
        Some((l, _)) => l,
        None => 1,
    };
    let mut out = Vec::with_capacity(n);
    // The strings of the list in all, against the value size budget.
    let mut total = 0usize;
    for it in 0..n {
        let call: Vec<Value> = args
            .iter()
            .map(|arg| match arg.as_elements() {
                Some(items) if arg.is_sequence_type() => items[it].clone(),
                _ => arg.clone(),
            })
            .collect();
        if call.iter().any(|v| !v.is_wholly_known()) {
            out.push(Value::unknown_not_null(Type::String));
            continue;
        }
        let s = format_fsm(fmt, &call)
            .map_err(|e| FnError::call(format!("error on format iteration {it}: {e}")))?;
        total = total.saturating_add(s.len());
        budget::check_string_len(total / 4).map_err(FnError::call)?;
        out.push(Value::string(s));
    }
    Ok(Value::list(Type::String, out))
}

// ---------------------------------------------------------------------
// Regular expressions: Go's RE2 dialect on the regex crate

/// A pattern in Go's syntax, ready for the regex crate, with the names of
/// its capture groups in order (`None` for unnamed ones).
struct GoPattern {
    rust: String,
    names: Vec<Option<String>>,
}

/// A Go `regexp/syntax` error: its code and the part of the pattern.
struct GoRegexError {
    code: &'static str,
    expr: String,
}

const PERL_ASCII: [(char, &str, &str); 3] = [
    ('d', "0-9", "[0-9]"),
    ('w', "0-9A-Za-z_", "[0-9A-Za-z_]"),
    ('s', "\\t\\n\\x0C\\r ", "[\\t\\n\\x0C\\r ]"),
];

fn perl_class(c: char, in_class: bool) -> Option<String> {
    let (lower, negated) = (c.to_ascii_lowercase(), c.is_ascii_uppercase());
    let (_, inner, outer) = PERL_ASCII.iter().find(|(k, _, _)| *k == lower)?;
    Some(match (in_class, negated) {
        (true, false) => (*inner).to_string(),
        (true, true) => format!("[^{inner}]"),
        (false, false) => (*outer).to_string(),
        (false, true) => format!("[^{inner}]"),
    })
}

/// A `{n}`, `{n,}` or `{n,m}` repetition at the start of `s`: its length
/// and whether its counts are valid for Go.
fn repeat_at(s: &str) -> Option<(usize, bool)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'{') {
        return None;
    }
    let mut i = 1;
    let num = |i: &mut usize| -> Option<u64> {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        (*i > st).then(|| s[st..*i].parse::<u64>().unwrap_or(u64::MAX))
    };
    let lo = num(&mut i)?;
    let mut hi = Some(lo);
    if i < b.len() && b[i] == b',' {
        i += 1;
        hi = if i < b.len() && b[i].is_ascii_digit() {
            Some(num(&mut i)?)
        } else {
            None
        };
    }
    if i >= b.len() || b[i] != b'}' {
        return None;
    }
    let ok = lo <= 1000 && hi.is_none_or(|h| h <= 1000 && h >= lo);
    Some((i + 1, ok))
}

fn translate_regex(p: &str) -> Result<GoPattern, GoRegexError> {
    let mut out = String::with_capacity(p.len() + 8);
    let mut names: Vec<Option<String>> = Vec::new();
    let chars: Vec<(usize, char)> = p.char_indices().collect();
    let mut i = 0;
    // Where the last repetition operator started, if the previous item
    // was one (Go refuses `a**`).
    let mut last_repeat: Option<usize> = None;
    let err = |code: &'static str, expr: &str| GoRegexError {
        code,
        expr: expr.to_string(),
    };
    while i < chars.len() {
        let (pos, c) = chars[i];
        let mut this_repeat = None;
        match c {
            '\\' => {
                let Some(&(_, e)) = chars.get(i + 1) else {
                    return Err(err("trailing backslash at end of expression", ""));
                };
                match e {
                    'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                        out.push_str(&perl_class(e, false).unwrap_or_default());
                        i += 2;
                    }
                    'b' | 'B' => {
                        out.push_str(&format!("(?-u:\\{e})"));
                        i += 2;
                    }
                    'Q' => {
                        let start = chars.get(i + 2).map(|c| c.0).unwrap_or(p.len());
                        let end = p[start..].find("\\E").map(|e| start + e);
                        let lit = &p[start..end.unwrap_or(p.len())];
                        out.push_str(&format!("(?:{})", regex::escape(lit)));
                        let skip_to = end.map(|e| e + 2).unwrap_or(p.len());
                        while i < chars.len() && chars[i].0 < skip_to {
                            i += 1;
                        }
                    }
                    '0'..='7' => {
                        // Octal: a lone 1-7 is a backreference in Perl.
                        let mut j = i + 1;
                        let mut v = 0u32;
                        while j < chars.len() && j < i + 4 && ('0'..='7').contains(&chars[j].1) {
                            v = v * 8 + chars[j].1.to_digit(8).unwrap_or(0);
                            j += 1;
                        }
                        if e != '0' && j == i + 2 {
                            return Err(err("invalid escape sequence", &format!("\\{e}")));
                        }
                        out.push_str(&format!("\\x{{{v:x}}}"));
                        i = j;
                    }
                    '8' | '9' => {
                        return Err(err("invalid escape sequence", &format!("\\{e}")));
                    }
                    '<' | '>' => {
                        out.push(e);
                        i += 2;
                    }
                    'x' | 'p' | 'P' if chars.get(i + 2).map(|c| c.1) == Some('{') => {
                        let open = chars[i + 2].0;
                        let end = p[open..].find('}').map(|e| open + e + 1).unwrap_or(p.len());
                        out.push_str(&p[pos..end]);
                        while i < chars.len() && chars[i].0 < end {
                            i += 1;
                        }
                    }
                    'a' | 'f' | 't' | 'n' | 'r' | 'v' | 'A' | 'z' | 'x' | 'p' | 'P' => {
                        out.push('\\');
                        out.push(e);
                        i += 2;
                    }
                    e if e.is_ascii_alphanumeric() => {
                        return Err(err("invalid escape sequence", &format!("\\{e}")));
                    }
                    e => {
                        out.push('\\');
                        out.push(e);
                        i += 2;
                    }
                }
            }
            '[' => {
                let start = pos;
                out.push('[');
                i += 1;
                if chars.get(i).map(|c| c.1) == Some('^') {
                    out.push('^');
                    i += 1;
                }
                let mut first = true;
                let mut prev_char: Option<(char, usize)> = None;
                loop {
                    let Some(&(cpos, cc)) = chars.get(i) else {
                        return Err(err("missing closing ]", &p[start..]));
                    };
                    if cc == ']' && !first {
                        out.push(']');
                        i += 1;
                        break;
                    }
                    first = false;
                    match cc {
                        '\\' => {
                            let Some(&(_, e)) = chars.get(i + 1) else {
                                return Err(err("missing closing ]", &p[start..]));
                            };
                            if let Some(cls) = perl_class(e, true) {
                                out.push_str(&cls);
                                prev_char = None;
                            } else if e.is_ascii_alphanumeric()
                                && !matches!(e, 'a' | 'f' | 't' | 'n' | 'r' | 'v' | 'x' | 'p' | 'P')
                            {
                                return Err(err("invalid escape sequence", &format!("\\{e}")));
                            } else {
                                out.push('\\');
                                out.push(e);
                                prev_char = None;
                            }
                            i += 2;
                        }
                        '[' if p[cpos..].starts_with("[:") => {
                            match p[cpos + 2..].find(":]") {
                                Some(end) => {
                                    out.push_str(&p[cpos..cpos + 2 + end + 2]);
                                    let skip_to = cpos + 2 + end + 2;
                                    while i < chars.len() && chars[i].0 < skip_to {
                                        i += 1;
                                    }
                                }
                                None => {
                                    out.push_str("\\[");
                                    i += 1;
                                }
                            }
                            prev_char = None;
                        }
                        '-' if prev_char.is_some()
                            && chars.get(i + 1).is_some_and(|n| n.1 == '\\')
                            && chars.get(i + 2).is_some_and(|n| "dDsSwW".contains(n.1)) =>
                        {
                            let e = chars[i + 2].1;
                            return Err(err("invalid escape sequence", &format!("\\{e}")));
                        }
                        '-' if prev_char.is_some()
                            && chars.get(i + 1).is_some_and(|n| n.1 != ']' && n.1 != '\\') =>
                        {
                            let (lo, lo_pos) = prev_char.unwrap_or(('\0', cpos));
                            let (hpos, hi) = chars[i + 1];
                            if hi < lo {
                                return Err(err(
                                    "invalid character class range",
                                    &p[lo_pos..hpos + hi.len_utf8()],
                                ));
                            }
                            out.push('-');
                            out.push(hi);
                            prev_char = None;
                            i += 2;
                        }
                        '[' | '&' | '~' | '-' => {
                            out.push('\\');
                            out.push(cc);
                            prev_char = Some((cc, cpos));
                            i += 1;
                        }
                        cc => {
                            out.push(cc);
                            prev_char = Some((cc, cpos));
                            i += 1;
                        }
                    }
                }
            }
            '(' => {
                let rest = &p[pos..];
                let named = ["(?P<", "(?<"]
                    .iter()
                    .find(|pre| rest.starts_with(**pre))
                    .copied();
                if let Some(pre) = named {
                    let name_start = pos + pre.len();
                    let Some(close) = p[name_start..].find('>') else {
                        return Err(err("invalid named capture", rest));
                    };
                    let name = &p[name_start..name_start + close];
                    let valid =
                        !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                    if !valid {
                        return Err(err("invalid named capture", &rest[..pre.len() + close + 1]));
                    }
                    // Go allows names the regex crate does not (`1a`,
                    // repeated names): the group is numbered instead and
                    // its name kept here.
                    names.push(Some(name.to_string()));
                    out.push('(');
                    let skip_to = name_start + close + 1;
                    while i < chars.len() && chars[i].0 < skip_to {
                        i += 1;
                    }
                } else if rest.starts_with("(?") {
                    // Flags (`(?i)`, `(?s:`) or something Go refuses.
                    let mut j = 2;
                    let rb = rest.as_bytes();
                    while j < rb.len() && matches!(rb[j], b'i' | b'm' | b's' | b'U' | b'-') {
                        j += 1;
                    }
                    if j >= rb.len() || !(rb[j] == b')' || rb[j] == b':') {
                        let end = (j + 1).min(rest.len());
                        let end = (end..=rest.len())
                            .find(|e| rest.is_char_boundary(*e))
                            .unwrap_or(rest.len());
                        return Err(err("invalid or unsupported Perl syntax", &rest[..end]));
                    }
                    out.push_str(&rest[..=j]);
                    let skip_to = pos + j + 1;
                    while i < chars.len() && chars[i].0 < skip_to {
                        i += 1;
                    }
                } else {
                    names.push(None);
                    out.push('(');
                    i += 1;
                }
            }
            '*' | '+' | '?' | '{' => {
                let (len, valid) = if c == '{' {
                    match repeat_at(&p[pos..]) {
                        Some(r) => r,
                        None => {
                            out.push_str("\\{");
                            i += 1;
                            last_repeat = None;
                            continue;
                        }
                    }
                } else {
                    (1, true)
                };
                let mut end = pos + len;
                if p[end..].starts_with('?') {
                    end += 1;
                }
                if let Some(prev) = last_repeat {
                    return Err(err("invalid nested repetition operator", &p[prev..end]));
                }
                if !valid {
                    return Err(err("invalid repeat count", &p[pos..pos + len]));
                }
                out.push_str(&p[pos..end]);
                while i < chars.len() && chars[i].0 < end {
                    i += 1;
                }
                this_repeat = Some(pos);
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
        last_repeat = this_repeat;
    }
    Ok(GoPattern { rust: out, names })
}

/// Go's error code for a regex crate error.
fn rust_error_code(e: &regex::Error) -> &'static str {
    let msg = e.to_string();
    let table: [(&str, &str); 10] = [
        ("unclosed group", "missing closing )"),
        ("unopened group", "unexpected )"),
        ("unclosed character class", "missing closing ]"),
        (
            "invalid character class range",
            "invalid character class range",
        ),
        (
            "repetition operator missing expression",
            "missing argument to repetition operator",
        ),
        ("repetition", "invalid repeat count"),
        ("escape", "invalid escape sequence"),
        ("capture group", "invalid named capture"),
        ("look-around", "invalid or unsupported Perl syntax"),
        ("flag", "invalid or unsupported Perl syntax"),
    ];
    table
        .iter()
        .find(|(k, _)| msg.contains(k))
        .map(|(_, v)| *v)
        .unwrap_or("invalid regexp")
}

/// A compiled Go pattern.
struct GoRegex {
    re: Regex,
    names: Vec<Option<String>>,
}

fn compile_go(p: &str) -> Result<GoRegex, GoRegexError> {
    let t = translate_regex(p)?;
    match Regex::new(&t.rust) {
        Ok(re) => Ok(GoRegex { re, names: t.names }),
        Err(e) => Err(GoRegexError {
            code: rust_error_code(&e),
            expr: p.to_string(),
        }),
    }
}

/// What `regex` returns for a pattern: a string, a tuple of its groups,
/// or an object of its named groups.
fn regex_result_type(re: &GoRegex) -> Result<Type, String> {
    let unnamed = re.names.iter().filter(|n| n.is_none()).count();
    let named: Vec<&String> = re.names.iter().flatten().collect();
    match (unnamed, named.len()) {
        (0, 0) => Ok(Type::String),
        (u, n) if u > 0 && n > 0 => {
            Err("invalid regexp pattern: cannot mix both named and unnamed capture groups".into())
        }
        (u, _) if u > 0 => Ok(Type::Tuple(vec![Type::String; u])),
        _ => Ok(Type::Object(
            named
                .into_iter()
                .map(|n| (n.clone(), Type::String))
                .collect(),
        )),
    }
}

fn regex_result(re: &GoRegex, caps: &regex::Captures<'_>, ty: &Type) -> Value {
    let group = |i: usize| {
        caps.get(i)
            .map(|m| Value::string(m.as_str()))
            .unwrap_or_else(|| Value::null(Type::String))
    };
    match ty {
        Type::String => group(0),
        Type::Tuple(ts) => Value::tuple((1..=ts.len()).map(group).collect()),
        _ => Value::object(
            re.names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| n.as_ref().map(|n| (n.clone(), group(i + 1))))
                .collect(),
        ),
    }
}

fn pattern(p: &str) -> Result<(GoRegex, Type), FnError> {
    let re = compile_go(p).map_err(|e| {
        FnError::arg(
            0,
            format!("invalid regexp pattern: {} in {}", e.code, e.expr),
        )
    })?;
    let ty = regex_result_type(&re).map_err(|e| FnError::arg(0, e))?;
    Ok((re, ty))
}

fn regex_fn(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    if a[0].is_unknown() {
        return Ok(Value::unknown(Type::Dynamic));
    }
    let (re, ty) = pattern(str_arg(a, 0))?;
    if a[1].is_unknown() {
        return Ok(Value::unknown_not_null(ty));
    }
    let text = str_arg(a, 1);
    let caps = re
        .re
        .captures(text)
        .ok_or_else(|| FnError::call("pattern did not match any part of the given string"))?;
    Ok(regex_result(&re, &caps, &ty))
}

fn regexall(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    if a[0].is_unknown() {
        return Ok(Value::unknown_not_null(Type::list(Type::Dynamic)));
    }
    let (re, ty) = pattern(str_arg(a, 0))?;
    if a[1].is_unknown() {
        return Ok(Value::unknown_not_null(Type::list(ty)));
    }
    let text = str_arg(a, 1);
    let mut items = Vec::new();
    for c in re.re.captures_iter(text) {
        budget::check_elements(items.len() + 1).map_err(FnError::call)?;
        items.push(regex_result(&re, &c, &ty));
    }
    Ok(Value::list(ty, items))
}

/// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}` and `$$` in a
/// replacement (a name is the longest run of letters, digits and `_`; an
/// unknown name or group gives nothing).
fn go_expand(
    template: &str,
    caps: &regex::Captures<'_>,
    names: &[Option<String>],
    out: &mut String,
) {
    let is_name = |c: char| c.is_alphanumeric() || c == '_';
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with("$$") {
            out.push('$');
            rest = &rest[2..];
            continue;
        }
        let after = &rest[1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) if end > 0 && inner[..end].chars().all(is_name) => {
                    (&inner[..end], end + 3)
                }
                _ => ("", 0),
            }
        } else {
            let end = after
                .char_indices()
                .find(|(_, c)| !is_name(*c))
                .map(|(i, _)| i)
                .unwrap_or(after.len());
            (&after[..end], end + 1)
        };
        if name.is_empty() {
            out.push('$');
            rest = &rest[1..];
            continue;
        }
        let group = match name.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => names
                .iter()
                .position(|n| n.as_deref() == Some(name))
                .map(|i| i + 1),
        };
        if let Some(m) = group.and_then(|g| caps.get(g)) {
            out.push_str(m.as_str());
        }
        rest = &rest[consumed..];
    }
    out.push_str(rest);
}

fn replace(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let (text, sub, with) = (str_arg(a, 0), str_arg(a, 1), str_arg(a, 2));
    if sub.len() > 1 && sub.starts_with('/') && sub.ends_with('/') {
        let re = compile_go(&sub[1..sub.len() - 1]).map_err(|e| {
            FnError::call(format!("error parsing regexp: {}: `{}`", e.code, e.expr))
        })?;
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for caps in re.re.captures_iter(text) {
            let m = caps.get(0).expect("group 0");
            out.push_str(&text[last..m.start()]);
            go_expand(with, &caps, &re.names, &mut out);
            budget::check_string_len(out.len()).map_err(FnError::call)?;
            last = m.end();
        }
        out.push_str(&text[last..]);
        return Ok(Value::string(out));
    }
    // The result's length, known before building it (an empty `sub`
    // matches between every two characters).
    let matches = if sub.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(sub).count()
    };
    let len = (text.len() - matches * sub.len()).saturating_add(matches.saturating_mul(with.len()));
    budget::check_string_len(len).map_err(FnError::call)?;
    Ok(Value::string(text.replace(sub, with)))
}

// ---------------------------------------------------------------------
// The simple ones

/// Go's `unicode.ToUpper`/`ToLower`: one character for one.
fn map_case(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            let mut m: Vec<char> = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            match (m.len(), c) {
                (1, _) => m.remove(0),
                (_, 'İ') if !upper => 'i',
                _ => c,
            }
        })
        .collect()
}

fn title_case(c: char) -> char {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => 'ǅ',
        'Ǉ' | 'ǈ' | 'ǉ' => 'ǈ',
        'Ǌ' | 'ǋ' | 'ǌ' => 'ǋ',
        'Ǳ' | 'ǲ' | 'ǳ' => 'ǲ',
        c => {
            let m: Vec<char> = c.to_uppercase().collect();
            if m.len() == 1 { m[0] } else { c }
        }
    }
}

fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    c.is_whitespace()
}

fn upper(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(map_case(str_arg(a, 0), true)))
}

fn lower(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(map_case(str_arg(a, 0), false)))
}

fn title(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let mut prev = ' ';
    let out: String = str_arg(a, 0)
        .chars()
        .map(|c| {
            let r = if is_separator(prev) { title_case(c) } else { c };
            prev = c;
            r
        })
        .collect();
    Ok(Value::string(out))
}

fn startswith(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let prefix = str_arg(a, 1);
    if a[0].is_unknown() {
        // A known prefix of the string may already decide it.
        let known = a[0].string_prefix().unwrap_or_default();
        return Ok(if prefix.is_empty() || known.starts_with(prefix) {
            Value::bool(true)
        } else if !prefix.starts_with(known) {
            Value::bool(false)
        } else {
            Value::unknown_not_null(Type::Bool)
        });
    }
    Ok(Value::bool(str_arg(a, 0).starts_with(prefix)))
}

fn endswith(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::bool(str_arg(a, 0).ends_with(str_arg(a, 1))))
}

fn strcontains(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::bool(str_arg(a, 0).contains(str_arg(a, 1))))
}

fn chomp(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(str_arg(a, 0).trim_end_matches(['\r', '\n'])))
}

/// A whole number argument as Go's `gocty` reads it into an `int`.
pub(crate) fn go_int(v: &Value) -> Result<i64, String> {
    v.as_number().and_then(Number::to_i64).ok_or_else(|| {
        "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
            .to_string()
    })
}

fn indent(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let n = go_int(&a[0]).map_err(FnError::call)?;
    if n < 0 {
        return Err(FnError::call(
            "panic in function implementation: strings: negative Repeat count",
        ));
    }
    let text = str_arg(a, 1);
    let lines = text.matches('\n').count();
    let len = (n as usize)
        .checked_mul(lines)
        .and_then(|x| x.checked_add(text.len()))
        .unwrap_or(usize::MAX);
    budget::check_string_len(len).map_err(FnError::call)?;
    let pad = format!("\n{}", " ".repeat(if lines == 0 { 0 } else { n as usize }));
    Ok(Value::string(text.replace('\n', &pad)))
}

fn join(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let sep = str_arg(a, 0);
    let lists = &a[1..];
    if lists.is_empty() {
        return Err(FnError::call("at least one list is required"));
    }
    let mut items = Vec::new();
    for (ai, list) in lists.iter().enumerate() {
        for (ei, v) in list.as_elements().unwrap_or_default().iter().enumerate() {
            match v.as_str() {
                Some(s) => items.push(s),
                None if lists.len() > 1 => {
                    return Err(FnError::arg(
                        ai + 1,
                        format!(
                            "element {ei} of list {} is null; cannot concatenate null values",
                            ai + 1
                        ),
                    ));
                }
                None => {
                    return Err(FnError::arg(
                        ai + 1,
                        format!("element {ei} is null; cannot concatenate null values"),
                    ));
                }
            }
        }
    }
    let len = items
        .iter()
        .map(|s| s.len())
        .sum::<usize>()
        .saturating_add(sep.len().saturating_mul(items.len().saturating_sub(1)));
    budget::check_string_len(len).map_err(FnError::call)?;
    Ok(Value::string(items.join(sep)))
}

fn split(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let (sep, text) = (str_arg(a, 0), str_arg(a, 1));
    let parts: Vec<Value> = if sep.is_empty() {
        text.chars().map(|c| Value::string(c.to_string())).collect()
    } else {
        text.split(sep).map(Value::string).collect()
    };
    Ok(Value::list(Type::String, parts))
}

fn strrev(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let g = graphemes(str_arg(a, 0));
    Ok(Value::string(g.into_iter().rev().collect::<String>()))
}

fn substr(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let text = str_arg(a, 0);
    let mut offset = go_int(&a[1]).map_err(FnError::call)?;
    let length = go_int(&a[2]).map_err(FnError::call)?;
    let g = graphemes(text);
    if offset < 0 {
        offset += g.len() as i64;
    }
    let start = offset.max(0) as usize;
    if start >= g.len() {
        return Ok(Value::string(""));
    }
    let rest = &g[start..];
    let take = if length < 0 {
        rest.len()
    } else {
        (length as usize).min(rest.len())
    };
    Ok(Value::string(rest[..take].concat()))
}

fn trim(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let cut: Vec<char> = str_arg(a, 1).chars().collect();
    Ok(Value::string(
        str_arg(a, 0).trim_matches(|c| cut.contains(&c)),
    ))
}

fn trimprefix(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let (text, pre) = (str_arg(a, 0), str_arg(a, 1));
    Ok(Value::string(text.strip_prefix(pre).unwrap_or(text)))
}

fn trimsuffix(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let (text, suf) = (str_arg(a, 0), str_arg(a, 1));
    Ok(Value::string(text.strip_suffix(suf).unwrap_or(text)))
}

fn trimspace(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(str_arg(a, 0).trim()))
}

/// Register the string functions.
pub fn register(f: &mut Functions) {
    let s1 = |imp| Function::new(vec![s("str")], Type::String, imp);
    let s2 = |second, ret, imp| Function::new(vec![s("str"), s(second)], ret, imp);
    f.add("upper", s1(upper));
    f.add("lower", s1(lower));
    f.add("title", s1(title));
    f.add("chomp", s1(chomp));
    f.add("strrev", s1(strrev));
    f.add("trimspace", s1(trimspace));
    f.add(
        "startswith",
        Function::new(
            vec![s("str").unknowns(), s("prefix")],
            Type::Bool,
            startswith,
        ),
    );
    f.add("endswith", s2("suffix", Type::Bool, endswith));
    f.add("strcontains", s2("substr", Type::Bool, strcontains));
    f.add("trim", s2("cutset", Type::String, trim));
    f.add("trimprefix", s2("prefix", Type::String, trimprefix));
    f.add("trimsuffix", s2("suffix", Type::String, trimsuffix));
    f.add(
        "format",
        Function::new(vec![s("format")], Type::String, format)
            .variadic(Param::new("args", Type::Dynamic).nullable()),
    );
    f.add(
        "formatlist",
        Function::new(vec![s("format")], Type::list(Type::String), formatlist)
            .variadic(Param::new("args", Type::Dynamic).nullable().unknowns()),
    );
    f.add(
        "indent",
        Function::new(
            vec![Param::new("spaces", Type::Number), s("str")],
            Type::String,
            indent,
        ),
    );
    f.add(
        "join",
        Function::new(vec![s("separator")], Type::String, join)
            .variadic(Param::new("lists", Type::list(Type::String))),
    );
    f.add(
        "split",
        Function::new(
            vec![s("separator"), s("str")],
            Type::list(Type::String),
            split,
        ),
    );
    f.add(
        "regex",
        Function::new(
            vec![s("pattern").unknowns(), s("string").unknowns()],
            Type::Dynamic,
            regex_fn,
        ),
    );
    f.add(
        "regexall",
        Function::new(
            vec![s("pattern").unknowns(), s("string").unknowns()],
            Type::list(Type::Dynamic),
            regexall,
        ),
    );
    f.add(
        "replace",
        Function::new(
            vec![s("str"), s("substr"), s("replace")],
            Type::String,
            replace,
        ),
    );
    f.add(
        "substr",
        Function::new(
            vec![
                s("str"),
                Param::new("offset", Type::Number),
                Param::new("length", Type::Number),
            ],
            Type::String,
            substr,
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::tftest::eval::{MapScope, eval_text};
    use crate::tftest::functions::Functions;
    use crate::tftest::value::{Type, Value};

    fn ev(text: &str) -> Value {
        eval_text(text, &MapScope::default(), &Functions::default())
            .unwrap_or_else(|d| panic!("{text}: {d:?}"))
    }

    fn s(text: &str) -> String {
        ev(text)
            .as_str()
            .unwrap_or_else(|| panic!("{text}: not a string"))
            .to_string()
    }

    fn err(text: &str) -> (String, String) {
        let d = eval_text(text, &MapScope::default(), &Functions::default()).expect_err("an error");
        (d.summary, d.detail)
    }

    fn detail(text: &str) -> String {
        err(text).1
    }

    #[test]
    fn format_verbs_match_go() {
        assert_eq!(
            s(
                r#"format("%5s|%-5s|%.2s|%05d|%+d|% d|%x|%X|%o|%b", "ab", "ab", "abc", 42, 5, 5, 255, 255, 8, 5)"#
            ),
            "   ab|ab   |ab|00042|+5| 5|ff|FF|10|101"
        );
        assert_eq!(
            s(
                r#"format("%f|%.2f|%e|%g|%G|%E|%.3e|%10.3f|%-10.1f|", 3.14159, 2.675, 1234.5678, 0.0001, 1e21, 1.5, 123456, 3.14159, 2.25)"#
            ),
            "3.141590|2.67|1.234568e+03|0.0001|1E+21|1.500000E+00|1.235e+05|     3.142|2.2       |"
        );
        assert_eq!(
            s(r#"format("%v|%v|%v|%v|%#v|%#v", "s", 1.5, true, [1, "a"], "s", {a = 1})"#),
            r#"s|1.5|true|[1,"a"]|"s"|{"a":1}"#
        );
        assert_eq!(s(r#"format("%q|%q", "a\"b", 5)"#), r#""a\"b"|"5""#);
        assert_eq!(s(r#"format("%q", "<a>&")"#), r#""\u003ca\u003e\u0026""#);
        assert_eq!(s(r#"format("%[2]s %[1]s %s", "a", "b")"#), "b a b");
        assert_eq!(s(r#"format("%%|100%%")"#), "%|100%");
        assert_eq!(s(r#"format("%v", 1000000)"#), "1e+06");
        assert_eq!(s(r#"format("%v", 123456789012)"#), "1.23456789012e+11");
        assert_eq!(s(r#"format("%g", 100000)"#), "100000");
        assert_eq!(s(r#"format("%v", 1e-7)"#), "1e-07");
        assert_eq!(s(r#"format("%.3g", 1234.5)"#), "1.23e+03");
        assert_eq!(
            s(r#"format("%d", 12345678901234567890)"#),
            "12345678901234567890"
        );
        assert_eq!(s(r#"format("%s", 1e25)"#), "10000000000000000000000000");
        assert_eq!(s(r#"format("%#x %#o %#b", 255, 8, 5)"#), "0xff 010 0b101");
        assert_eq!(
            s(r#"format("%08.3f|%+.2e|% .1f", 3.14159, 12345.678, 2.5)"#),
            "0003.142|+1.23e+04| 2.5"
        );
        assert_eq!(s(r#"format("%x", -255)"#), "-ff");
        assert_eq!(s(r#"format("%.0f %.0f %.0f", 0.5, 1.5, 2.5)"#), "0 2 2");
        assert_eq!(
            s(r#"format("%.2f %.2f %.1f %.1f", 0.125, 0.375, 0.25, 0.35)"#),
            "0.12 0.38 0.2 0.3",
            "ties round as the 512-bit binary value does"
        );
        assert_eq!(s(r#"format("%.0e %.0e", 25, 35)"#), "2e+01 4e+01");
        assert_eq!(
            s(r#"format("%5d|%-5d|%5.3d|%.0d|%+.3x", 3, 3, 7, 0, 10)"#),
            "    3|3    |  007||+00a"
        );
        assert_eq!(s(r#"format("%06d|%-06d|", -42, 42)"#), "-00042|42    |");
        assert_eq!(s(r#"format("%e|%g", 0, 0)"#), "0.000000e+00|0");
        assert_eq!(s(r#"format("%f", 1e20)"#), "100000000000000000000.000000");
        assert_eq!(
            s(r#"format("%10.2q|%-5q|%5t|", "abc", "a", true)"#),
            "      \"ab\"|\"a\"  |true|"
        );
        assert_eq!(s(r#"format("%v", tostring(null))"#), "null");
        assert_eq!(
            s(r#"format("%#v", [1.5, 1e25, true, null])"#),
            "[1.5,10000000000000000000000000,true,null]"
        );
        assert!(ev(r#"format("%s", null)"#).is_unknown(), "an untyped null");
    }

    /// `format` of numbers, as `terraform console` (v1.11.4) printed them.
    const NUMBER_FORMATS: &str = r#"
format("%.1g", 1.005)	"1"
format("%-10.2e", 0.5)	"5.00e-01  "
format("%.1f", 123456789)	"123456789.0"
format("%.2f", 1e-7)	"0.00"
format("%.0f", 0.15)	"0"
format("%-10.2e", -0.0001)	"-1.00e-04 "
format("%.2g", -2.5)	"-2.5"
format("%E", 0.05)	"5.000000E-02"
format("%.1e", 0.35)	"3.5e-01"
format("%E", 1e100)	"1.000000E+100"
format("%.10g", 2.675)	"2.675"
format("%08.2f", 1.5)	"00001.50"
format("%+g", 1.35)	"+1.35"
format("%s", 1.5)	"1.5"
format("%g", 0.2)	"0.2"
format("%+g", 0.125)	"+0.125"
format("%.3g", 0.3)	"0.3"
format("%.2e", 0.375)	"3.75e-01"
format("%.2g", 0.2)	"0.2"
format("%08.2f", 1e-7)	"00000.00"
format("%f", 1.005)	"1.005000"
format("%s", 1.45)	"1.45"
format("%.1f", 1e21)	"1000000000000000000000.0"
format("%.2f", 0)	"0.00"
format("%E", 0.125)	"1.250000E-01"
format("%.1f", 1.005)	"1.0"
format("%v", 1)	"1"
format("%f", 5e-324)	"0.000000"
format("%e", 3.14159265358979)	"3.141593e+00"
format("%.1g", 1e-7)	"1e-07"
format("%#v", 1e-7)	"0.0000001"
format("%f", 99.995)	"99.995000"
format("%.2g", 2.5)	"2.5"
format("%.0e", 1.25)	"1e+00"
format("%.17g", 0.125)	"0.125"
format("%.1f", 0.3)	"0.3"
format("%e", 0.375)	"3.750000e-01"
format("%+g", 1.25)	"+1.25"
format("%f", 0)	"0.000000"
format("%.17g", 1e21)	"1e+21"
format("%q", 12345.6789)	"\"12345.6789\""
format("%G", 5e-324)	"5E-324"
format("%e", 1.005)	"1.005000e+00"
format("%v", 0.15)	"0.15"
format("%.2e", -1)	"-1.00e+00"
format("%q", 1.5)	"\"1.5\""
format("%.0e", 99.995)	"1e+02"
format("%s", 5e-324)	"0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005"
format("%.2f", 0.3)	"0.30"
format("%.0e", -0.0001)	"-1e-04"
format("%.3f", 0.000123456)	"0.000"
format("%e", 1e-7)	"1.000000e-07"
format("%.0e", 3.14159265358979)	"3e+00"
format("%10.3f", 42.42)	"    42.420"
format("%v", 1.5)	"1.5"
format("%.0f", 0.35)	"0"
format("%.3g", 1.005)	"1"
format("%.1f", 99.995)	"100.0"
format("% .3f", 2.5)	" 2.500"
format("%.2f", 42.42)	"42.42"
format("%v|%s", 0, 0)	"0|0"
format("%v|%s", 1, 1)	"1|1"
format("%v|%s", -1, -1)	"-1|-1"
format("%v|%s", 0.5, 0.5)	"0.5|0.5"
format("%v|%s", 1.5, 1.5)	"1.5|1.5"
format("%v|%s", 2.5, 2.5)	"2.5|2.5"
format("%v|%s", -2.5, -2.5)	"-2.5|-2.5"
format("%v|%s", 0.125, 0.125)	"0.125|0.125"
format("%v|%s", 0.375, 0.375)	"0.375|0.375"
format("%v|%s", 1.005, 1.005)	"1.005|1.005"
format("%v|%s", 2.675, 2.675)	"2.675|2.675"
format("%v|%s", 0.35, 0.35)	"0.35|0.35"
format("%v|%s", 0.45, 0.45)	"0.45|0.45"
format("%v|%s", 1e21, 1e21)	"1e+21|1000000000000000000000"
format("%v|%s", 1e-7, 1e-7)	"1e-07|0.0000001"
format("%v|%s", 123456789, 123456789)	"1.23456789e+08|123456789"
format("%v|%s", 0.000123456, 0.000123456)	"0.000123456|0.000123456"
format("%v|%s", 99.995, 99.995)	"99.995|99.995"
format("%v|%s", 9.9999, 9.9999)	"9.9999|9.9999"
format("%v|%s", -0.0001, -0.0001)	"-0.0001|-0.0001"
format("%v|%s", 12345.6789, 12345.6789)	"12345.6789|12345.6789"
format("%v|%s", 1e100, 1e100)	"1e+100|10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
format("%v|%s", 3.14159265358979, 3.14159265358979)	"3.14159265358979|3.14159265358979"
format("%v|%s", 0.1, 0.1)	"0.1|0.1"
format("%v|%s", 0.2, 0.2)	"0.2|0.2"
format("%v|%s", 0.3, 0.3)	"0.3|0.3"
format("%v|%s", 100, 100)	"100|100"
format("%v|%s", 1000000, 1000000)	"1e+06|1000000"
format("%v|%s", 7.5e-5, 7.5e-5)	"7.5e-05|0.000075"
format("%v|%s", 42.42, 42.42)	"42.42|42.42"
format("%v|%s", 1.25, 1.25)	"1.25|1.25"
format("%v|%s", 1.35, 1.35)	"1.35|1.35"
format("%v|%s", 1.45, 1.45)	"1.45|1.45"
format("%v|%s", 5e-324, 5e-324)	"5e-324|0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005"
format("%v|%s", 0.05, 0.05)	"0.05|0.05"
format("%v|%s", 0.15, 0.15)	"0.15|0.15"
format("%v|%s", 0.25, 0.25)	"0.25|0.25"
"#;

    #[test]
    fn number_formats_match_terraform_console() {
        for line in NUMBER_FORMATS.lines().filter(|l| !l.is_empty()) {
            let (expr, want) = line.split_once('\t').expect("tab");
            assert_eq!(ev(expr).to_string(), want, "{expr}");
        }
    }

    #[test]
    fn format_errors() {
        let call = "Error in function call".to_string();
        assert_eq!(
            err(r#"format("%d", 1.5)"#),
            (
                call.clone(),
                "Call to function \"format\" failed: unsupported value for \"%d\" at 0: an integer is required.".into()
            )
        );
        let cases = [
            (
                r#"format("%s")"#,
                "not enough arguments for \"%s\" at 0: need index 1 but have 0 total",
            ),
            (
                r#"format("%s %s", "a")"#,
                "not enough arguments for \"%s\" at 3: need index 2 but have 1 total",
            ),
            (
                r#"format("%z", 1)"#,
                "unsupported format verb 'z' in \"%z\" at offset 0",
            ),
            (
                r#"format("abc %")"#,
                "invalid format string starting at offset 5",
            ),
            (
                r#"format("%[0]d", 1)"#,
                "unrecognized format character '0' at offset 2",
            ),
            (
                r#"format("%*d", 1, 2)"#,
                "unrecognized format character '*' at offset 1",
            ),
            (
                r#"format("%d", "x")"#,
                "unsupported value for \"%d\" at 0: a number is required",
            ),
            (
                r#"format("%s", [1])"#,
                "unsupported value for \"%s\" at 0: string required",
            ),
            (
                r#"format("%t", 1)"#,
                "unsupported value for \"%t\" at 0: bool required",
            ),
            (
                r#"format("%s", tostring(null))"#,
                "unsupported value for \"%s\" at 0: null value cannot be formatted",
            ),
        ];
        for (expr, msg) in cases {
            assert_eq!(
                detail(expr),
                format!("Call to function \"format\" failed: {msg}."),
                "{expr}"
            );
        }
    }

    #[test]
    fn formatlist_iterates() {
        let l = ev(r#"formatlist("%s-%s", ["a", "b"], "x")"#);
        assert_eq!(l.ty(), Type::list(Type::String));
        assert_eq!(l.to_string(), r#"["a-x", "b-x"]"#);
        assert_eq!(ev(r#"formatlist("%s", "a")"#).to_string(), r#"["a"]"#);
        assert_eq!(ev(r#"formatlist("%s", [])"#).to_string(), "[]");
        assert_eq!(
            detail(r#"formatlist("%s-%s", ["a", "b"], ["c"])"#),
            "Invalid value for \"args\" parameter: argument 2 has length 1, which is inconsistent with argument 1 of length 2."
        );
        assert_eq!(
            detail(r#"formatlist("%d", ["a"])"#),
            "Call to function \"formatlist\" failed: error on format iteration 0: unsupported value for \"%d\" at 0: a number is required."
        );
    }

    #[test]
    fn regex_follows_go() {
        assert_eq!(s(r#"regex("[a-z]+", "123abc456")"#), "abc");
        assert_eq!(
            ev(r#"regex("(\\d+)-(\\d+)", "x 10-20 y")"#).to_string(),
            r#"["10", "20"]"#
        );
        let o = ev(r#"regex("(?P<a>\\d+)-(?P<b>\\d+)", "x 10-20 y")"#);
        assert_eq!(o.to_string(), r#"{a = "10", b = "20"}"#);
        let t = ev(r#"regex("(a)|(b)", "b")"#);
        assert!(t.as_elements().unwrap()[0].is_null());
        assert_eq!(s(r#"regex("\\d+", "١٢٣ 42")"#), "42", "ASCII digits only");
        assert_eq!(s(r#"regex("\\w+", "héllo")"#), "h");
        assert_eq!(s(r#"regex("\\Qa.b\\E", "xa.b")"#), "a.b");
        assert_eq!(s(r#"regex("[a[]+", "x[a")"#), "[a");
        assert_eq!(s(r#"regex("[\\d]+", "a12")"#), "12");
        assert_eq!(
            ev(r#"regex("(?P<a>x)(?P<a>y)", "xy")"#).to_string(),
            r#"{a = "y"}"#
        );
        let all = ev(r#"regexall("(\\d)(\\w)", "1a2b")"#);
        assert_eq!(all.to_string(), r#"[["1", "a"], ["2", "b"]]"#);
        assert_eq!(
            all.ty(),
            Type::list(Type::Tuple(vec![Type::String, Type::String]))
        );
        assert_eq!(ev(r#"regexall("x", "abc")"#).ty(), Type::list(Type::String));
    }

    #[test]
    fn regex_errors() {
        let bad = |p: &str, msg: &str| {
            assert_eq!(
                detail(&format!("regex({p:?}, \"abc\")")),
                format!("Invalid value for \"pattern\" parameter: invalid regexp pattern: {msg}."),
                "{p}"
            );
        };
        bad("(", "missing closing ) in (");
        bad("a)", "unexpected ) in a)");
        bad("a**", "invalid nested repetition operator in **");
        bad("a++", "invalid nested repetition operator in ++");
        bad("[z-a]", "invalid character class range in z-a");
        bad("\\q", "invalid escape sequence in \\q");
        bad("*", "missing argument to repetition operator in *");
        bad("[a", "missing closing ] in [a");
        bad("a{2,1}", "invalid repeat count in {2,1}");
        bad("a{1001}", "invalid repeat count in {1001}");
        bad("(?=a)", "invalid or unsupported Perl syntax in (?=");
        bad("(?P<>a)", "invalid named capture in (?P<>");
        bad("a\\", "trailing backslash at end of expression in ");
        bad(
            "(\\d+)-(?P<b>\\d+)",
            "cannot mix both named and unnamed capture groups",
        );
        assert_eq!(
            err(r#"regex("x", "abc")"#),
            (
                "Error in function call".into(),
                "Call to function \"regex\" failed: pattern did not match any part of the given string.".into()
            )
        );
    }

    #[test]
    fn replace_and_split() {
        assert_eq!(s(r#"replace("hello world", "o", "0")"#), "hell0 w0rld");
        assert_eq!(
            s(r#"replace("hello world", "/o(.)/", "[$1]")"#),
            "hell[ ]w[r]ld"
        );
        assert_eq!(
            s(r#"replace("hello", "/(?P<x>l+)/", "<$${x}>")"#),
            "he<ll>o"
        );
        assert_eq!(s(r#"replace("hello", "/l/", "$$")"#), "he$$o");
        assert_eq!(s(r#"replace("hello", "/l/", "$1x")"#), "heo");
        assert_eq!(s(r#"replace("a/b/", "/", "x")"#), "axbx");
        assert_eq!(s(r#"replace("hello", "", "-")"#), "-h-e-l-l-o-");
        assert_eq!(
            detail(r#"replace("hello", "/(/", "x")"#),
            "Call to function \"replace\" failed: error parsing regexp: missing closing ): `(`."
        );
        assert_eq!(
            ev(r#"split(",", "a,b,,c")"#).to_string(),
            r#"["a", "b", "", "c"]"#
        );
        assert_eq!(ev(r#"split(",", "")"#).to_string(), r#"[""]"#);
        assert_eq!(ev(r#"split("", "abc")"#).to_string(), r#"["a", "b", "c"]"#);
    }

    #[test]
    fn simple_string_functions() {
        assert_eq!(s(r#"chomp("a\n\r\n\n")"#), "a");
        assert_eq!(s(r#"chomp("a\n ")"#), "a\n ");
        assert_eq!(s(r#"indent(2, "a\nb\n")"#), "a\n  b\n  ");
        assert_eq!(s(r#"join("-", ["a"], ["b", "c"])"#), "a-b-c");
        assert_eq!(s(r#"join(",", [1, true])"#), "1,true");
        assert_eq!(s(r#"strrev("héllo")"#), "olléh");
        assert_eq!(s("strrev(\"e\\u0301x\")"), "xe\u{301}");
        assert_eq!(s(r#"substr("hello world", 1, 4)"#), "ello");
        assert_eq!(s(r#"substr("hello", -3, -1)"#), "llo");
        assert_eq!(s(r#"substr("hello", -10, 2)"#), "he");
        assert_eq!(s(r#"substr("hello", 10, 2)"#), "");
        assert_eq!(s(r#"substr("hello", 0, -2)"#), "hello");
        assert_eq!(s("substr(\"e\\u0301x\", 0, 1)"), "e\u{301}");
        assert_eq!(
            s(r#"title("hello world-foo_bar o'neil 123abc")"#),
            "Hello World-Foo_bar O'Neil 123abc"
        );
        assert_eq!(s(r#"trim("?!hello?!", "!?")"#), "hello");
        assert_eq!(s(r#"trimprefix("helloworld", "hello")"#), "world");
        assert_eq!(s(r#"trimsuffix("helloworld", "world")"#), "hello");
        assert_eq!(s("trimspace(\"  \\n\\t hi \\r\\n\")"), "hi");
        assert_eq!(s(r#"upper("héllo ß")"#), "HÉLLO ß");
        assert_eq!(s(r#"lower("HÉLLO Σ")"#), "héllo σ");
        assert_eq!(ev(r#"strcontains("hello", "ell")"#), Value::bool(true));
        assert_eq!(ev(r#"startswith("hello", "")"#), Value::bool(true));
        assert_eq!(ev(r#"endswith("hello", "lo")"#), Value::bool(true));
    }

    #[test]
    fn string_argument_errors() {
        assert_eq!(
            err(r#"join(",", [null])"#).1,
            "Invalid value for \"lists\" parameter: element 0 is null; cannot concatenate null values."
        );
        assert_eq!(
            detail(r#"join(",", ["a"], [null])"#),
            "Invalid value for \"lists\" parameter: element 0 of list 2 is null; cannot concatenate null values."
        );
        assert_eq!(
            detail(r#"join("-")"#),
            "Call to function \"join\" failed: at least one list is required."
        );
        assert_eq!(
            detail(r#"substr("hello", 1.5, 2)"#),
            "Call to function \"substr\" failed: value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
        assert_eq!(
            detail("upper(null)"),
            "Invalid value for \"str\" parameter: argument must not be null."
        );
    }
}
