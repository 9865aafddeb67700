//! Date and time functions: RFC 3339 timestamps parsed with the rules
//! and messages of Go's `time.Parse` (as Terraform reports them),
//! `formatdate`'s format language, and Go duration strings.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Timelike, Utc};

use super::{FnEnv, FnError, Function, Functions, Param, str_arg};
use crate::tftest::value::{Type, Value, go_quote};

/// How Go's `time` package quotes text in its errors.
fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || (c as u32) < 0x20 {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

const BAD: &str = "not a valid RFC3339 timestamp";

/// Two digits (or one, when `fixed` is false) at the start of `s`.
fn getnum(s: &str, fixed: bool) -> Option<(u32, &str)> {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if !b.get(1).is_some_and(u8::is_ascii_digit) {
        if fixed {
            return None;
        }
        return Some((u32::from(b[0] - b'0'), &s[1..]));
    }
    Some((
        u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0'),
        &s[2..],
    ))
}

fn cannot(value: &str, what: &str) -> String {
    if value.is_empty() {
        format!("{BAD}: end of string before {what}")
    } else {
        format!("{BAD}: cannot use {} as {what}", go_quote(value))
    }
}

fn expect<'a>(value: &'a str, sep: &str) -> Result<&'a str, String> {
    if let Some(rest) = value.strip_prefix(sep) {
        return Ok(rest);
    }
    Err(match sep {
        "T" => format!("{BAD}: missing required time introducer 'T'"),
        _ if value.is_empty() => format!("{BAD}: end of string where {sep:?} is expected"),
        _ => format!("{BAD}: found {} where {sep:?} is expected", go_quote(value)),
    })
}

/// Parse an RFC 3339 timestamp as Terraform does (Go's `time.Parse`
/// with `time.RFC3339`), with Terraform's wording of the failures.
pub(crate) fn parse_timestamp(ts: &str) -> Result<DateTime<FixedOffset>, String> {
    let mut value = ts;
    // Year: four digits.
    let b = value.as_bytes();
    if b.len() < 4 || !b[0].is_ascii_digit() || !b[..4].iter().all(u8::is_ascii_digit) {
        return Err(cannot(value, "year"));
    }
    let year: i32 = value[..4].parse().map_err(|_| cannot(value, "year"))?;
    value = &value[4..];
    value = expect(value, "-")?;
    let (month, rest) = getnum(value, true).ok_or_else(|| cannot(value, "month"))?;
    if !(1..=12).contains(&month) {
        return Err(cannot(rest, "month"));
    }
    value = expect(rest, "-")?;
    let (day, rest) = getnum(value, true).ok_or_else(|| cannot(value, "day of month"))?;
    value = expect(rest, "T")?;
    let (hour, rest) = getnum(value, false).ok_or_else(|| cannot(value, "hour"))?;
    if value.len() - rest.len() == 1 && rest.starts_with(':') {
        return Err(format!("{BAD}: hour must have exactly two digits"));
    }
    if hour > 24 {
        return Err(format!("{BAD}: hour must be between 0 and 23 inclusive"));
    }
    if hour == 24 {
        return Err(cannot(rest, "hour"));
    }
    value = expect(rest, ":")?;
    let (minute, rest) = getnum(value, true).ok_or_else(|| cannot(value, "minute"))?;
    if minute >= 60 {
        return Err(cannot(rest, "minute"));
    }
    value = expect(rest, ":")?;
    let (second, rest) = getnum(value, true).ok_or_else(|| cannot(value, "second"))?;
    if second >= 60 {
        return Err(cannot(rest, "second"));
    }
    value = rest;
    let mut nanos = 0u32;
    let vb = value.as_bytes();
    if vb.len() >= 2 && (vb[0] == b'.' || vb[0] == b',') && vb[1].is_ascii_digit() {
        let n = 1 + vb[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let digits = &value[1..n.min(10)];
        nanos = digits.parse::<u32>().unwrap_or(0) * 10u32.pow(9 - digits.len() as u32);
        value = &value[n..];
    }
    let offset: i32;
    if let Some(rest) = value.strip_prefix('Z') {
        offset = 0;
        value = rest;
    } else {
        let vb = value.as_bytes();
        if vb.len() < 6 || vb[3] != b':' {
            return Err(cannot(value, "UTC offset"));
        }
        let hold = value;
        let hh = getnum(&value[1..3], true);
        let mm = getnum(&value[4..6], true);
        let rest = &value[6..];
        let (Some((hh, _)), Some((mm, _))) = (hh, mm) else {
            return Err(cannot(hold, "UTC offset"));
        };
        if hh > 24 || mm > 60 {
            return Err(cannot(rest, "UTC offset"));
        }
        let secs = (hh * 3600 + mm * 60) as i32;
        offset = match vb[0] {
            b'+' => secs,
            b'-' => -secs,
            _ => return Err(cannot(hold, "UTC offset")),
        };
        value = rest;
    }
    if !value.is_empty() {
        return Err(cannot(value, "timestamp segment"));
    }
    let date = NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| format!("{BAD}: day out of range"))?;
    let naive = date
        .and_hms_nano_opt(hour, minute, second, nanos)
        .ok_or_else(|| format!("{BAD}: day out of range"))?;
    let tz = FixedOffset::east_opt(offset).ok_or_else(|| cannot("", "UTC offset"))?;
    naive
        .and_local_timezone(tz)
        .single()
        .ok_or_else(|| format!("{BAD}: day out of range"))
}

/// A time as Go's `Format(time.RFC3339)` writes it.
pub(crate) fn format_rfc3339(t: &DateTime<FixedOffset>) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        offset_text(t, true, true)
    )
}

fn offset_text(t: &DateTime<FixedOffset>, colon: bool, z_for_utc: bool) -> String {
    let off = t.offset().local_minus_utc();
    if off == 0 && z_for_utc {
        return "Z".into();
    }
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.abs();
    if colon {
        format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
    } else {
        format!("{sign}{:02}{:02}", a / 3600, a % 3600 / 60)
    }
}

/// Parse a Go duration string (`1h30m`, `-1.5h`, `300ms`) into nanoseconds.
pub(crate) fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next()
        && (c == '-' || c == '+')
    {
        neg = c == '-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u128 = 0;
        for &c in &b[..int_len] {
            v = v * 10 + u128::from(c - b'0');
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        s = &s[int_len..];
        let mut frac: u128 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if let Some(rest) = s.strip_prefix('.') {
            let fb = rest.as_bytes();
            let n = fb.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut overflow = false;
            for &c in &fb[..n] {
                if overflow {
                    continue;
                }
                if frac > ((1u128 << 63) - 1) / 10 {
                    overflow = true;
                    continue;
                }
                frac = frac * 10 + u128::from(c - b'0');
                scale *= 10.0;
            }
            post = n > 0;
            s = &rest[n..];
        }
        if int_len == 0 && !post {
            return Err(invalid());
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map(|(i, _)| i)
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                time_quote(orig)
            ));
        }
        let u = &s[..unit_len];
        s = &s[unit_len..];
        let unit: u128 = match u {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(u),
                    time_quote(orig)
                ));
            }
        };
        if v > (1u128 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if frac > 0 {
            v += (frac as f64 * (unit as f64 / scale)) as u128;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        total += v;
        if total > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((total as i128).wrapping_neg() as i64);
    }
    if total > (1u128 << 63) - 1 {
        return Err(invalid());
    }
    Ok(total as i64)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The tokens of a `formatdate` format: quoted literals, runs of one
/// letter, and other text.
fn format_tokens(f: &str) -> Vec<&str> {
    let b = f.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i] == b'\'' {
            if b.get(i + 1) == Some(&b'\'') {
                i += 2;
            } else {
                i += 1;
                loop {
                    if i >= b.len() {
                        break;
                    }
                    if b[i] == b'\'' {
                        if b.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
            }
        } else if b[i].is_ascii_alphabetic() {
            let c = b[i];
            while i < b.len() && b[i] == c {
                i += 1;
            }
        } else {
            while i < b.len() && b[i] != b'\'' && !b[i].is_ascii_alphabetic() {
                i += 1;
            }
        }
        out.push(&f[start..i]);
    }
    out
}

fn formatdate(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let t = parse_timestamp(str_arg(a, 1)).map_err(|e| FnError::arg(1, e))?;
    let mut out = String::new();
    for tok in format_tokens(str_arg(a, 0)) {
        let b = tok.as_bytes();
        let n = b.len();
        let verb = |msg: &str| {
            FnError::arg(
                0,
                format!("invalid date format verb {}{msg}", go_quote(tok)),
            )
        };
        match b[0] {
            b'\'' => {
                if n == 1 || b[n - 1] != b'\'' {
                    return Err(FnError::arg(0, "unterminated literal '"));
                }
                if n == 2 {
                    out.push('\'');
                } else {
                    out.push_str(&tok[1..n - 1].replace("''", "'"));
                }
            }
            b'Y' => match n {
                2 => out.push_str(&format!("{:02}", t.year() % 100)),
                4 => out.push_str(&format!("{:04}", t.year())),
                _ => return Err(verb(": year must either be \"YY\" or \"YYYY\"")),
            },
            b'M' => match n {
                1 => out.push_str(&t.month().to_string()),
                2 => out.push_str(&format!("{:02}", t.month())),
                3 => out.push_str(&MONTHS[t.month0() as usize][..3]),
                4 => out.push_str(MONTHS[t.month0() as usize]),
                _ => {
                    return Err(verb(": month must be \"M\", \"MM\", \"MMM\", or \"MMMM\""));
                }
            },
            b'D' => match n {
                1 => out.push_str(&t.day().to_string()),
                2 => out.push_str(&format!("{:02}", t.day())),
                _ => return Err(verb(": day of month must either be \"D\" or \"DD\"")),
            },
            b'E' => {
                let d = DAYS[t.weekday().num_days_from_monday() as usize];
                match n {
                    3 => out.push_str(&d[..3]),
                    4 => out.push_str(d),
                    _ => {
                        return Err(verb(": day of week must either be \"EEE\" or \"EEEE\""));
                    }
                }
            }
            b'h' => match n {
                1 => out.push_str(&t.hour().to_string()),
                2 => out.push_str(&format!("{:02}", t.hour())),
                _ => return Err(verb(": 24-hour must either be \"h\" or \"hh\"")),
            },
            b'H' => {
                let h = match t.hour() % 12 {
                    0 => 12,
                    h => h,
                };
                match n {
                    1 => out.push_str(&h.to_string()),
                    2 => out.push_str(&format!("{h:02}")),
                    _ => return Err(verb(": 12-hour must either be \"H\" or \"HH\"")),
                }
            }
            b'A' | b'a' => {
                if n != 2 {
                    let c = b[0] as char;
                    return Err(verb(&format!(": must be \"{c}{c}\"")));
                }
                let pm = t.hour() >= 12;
                out.push_str(match (b[0] == b'A', pm) {
                    (true, false) => "AM",
                    (true, true) => "PM",
                    (false, false) => "am",
                    (false, true) => "pm",
                });
            }
            b'm' => match n {
                1 => out.push_str(&t.minute().to_string()),
                2 => out.push_str(&format!("{:02}", t.minute())),
                _ => return Err(verb(": minute must either be \"m\" or \"mm\"")),
            },
            b's' => match n {
                1 => out.push_str(&t.second().to_string()),
                2 => out.push_str(&format!("{:02}", t.second())),
                _ => return Err(verb(": second must either be \"s\" or \"ss\"")),
            },
            b'Z' => match n {
                1 => out.push_str(&offset_text(&t, true, true)),
                3 => {
                    let s = offset_text(&t, false, false);
                    out.push_str(if s == "+0000" { "UTC" } else { &s });
                }
                4 => out.push_str(&offset_text(&t, false, false)),
                5 => out.push_str(&offset_text(&t, true, false)),
                _ => return Err(verb(": timezone must be Z, ZZZZ, or ZZZZZ")),
            },
            c if c.is_ascii_alphabetic() => return Err(verb("")),
            _ => out.push_str(tok),
        }
    }
    Ok(Value::string(out))
}

fn timeadd(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let t = parse_timestamp(str_arg(a, 0)).map_err(FnError::call)?;
    let d = parse_duration(str_arg(a, 1)).map_err(FnError::call)?;
    let sum = t
        .checked_add_signed(Duration::nanoseconds(d))
        .ok_or_else(|| FnError::call("the resulting timestamp is out of range"))?;
    Ok(Value::string(format_rfc3339(&sum)))
}

fn timecmp(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let x = parse_timestamp(str_arg(a, 0)).map_err(|e| FnError::arg(0, e))?;
    let y = parse_timestamp(str_arg(a, 1)).map_err(|e| FnError::arg(1, e))?;
    Ok(Value::number(match x.cmp(&y) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }))
}

fn utc_text(t: DateTime<Utc>) -> String {
    format_rfc3339(&t.fixed_offset())
}

fn timestamp(_: &FnEnv, _: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(utc_text(Utc::now())))
}

fn plantimestamp(env: &FnEnv, _: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(utc_text(env.plan_timestamp)))
}

/// Register the date and time functions.
pub fn register(f: &mut Functions) {
    let s = |name: &'static str| Param::new(name, Type::String);
    f.add(
        "formatdate",
        Function::new(vec![s("format"), s("time")], Type::String, formatdate),
    );
    f.add(
        "timeadd",
        Function::new(vec![s("timestamp"), s("duration")], Type::String, timeadd),
    );
    f.add(
        "timecmp",
        Function::new(
            vec![s("timestamp_a"), s("timestamp_b")],
            Type::Number,
            timecmp,
        ),
    );
    f.add("timestamp", Function::new(vec![], Type::String, timestamp));
    f.add(
        "plantimestamp",
        Function::new(vec![], Type::String, plantimestamp),
    );
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use crate::tftest::eval::{MapScope, eval_text};
    use crate::tftest::functions::{FnEnv, Functions};
    use crate::tftest::value::Value;

    fn ev(text: &str) -> Value {
        eval_text(text, &MapScope::default(), &Functions::default())
            .unwrap_or_else(|d| panic!("{text}: {d}"))
    }

    fn st(text: &str) -> String {
        ev(text).as_str().expect("a string").to_string()
    }

    fn err(text: &str) -> (String, String) {
        let d = eval_text(text, &MapScope::default(), &Functions::default()).expect_err(text);
        (d.summary, d.detail)
    }

    #[test]
    fn timeadd_matches_terraform() {
        assert_eq!(
            st(r#"timeadd("2017-11-22T00:00:00Z", "10m")"#),
            "2017-11-22T00:10:00Z"
        );
        assert_eq!(
            st(r#"timeadd("2017-11-22T00:00:00+05:30", "-1.5h")"#),
            "2017-11-21T22:30:00+05:30"
        );
        assert_eq!(
            st(r#"timeadd("2017-11-22T00:00:00.999999999+00:00", "1ns")"#),
            "2017-11-22T00:00:01Z"
        );
        assert_eq!(
            st(r#"timeadd("2017-11-22T00:00:00Z", "1h30m15s500ms1us1µs")"#),
            "2017-11-22T01:30:15Z"
        );
        let cases = [
            (
                r#""2017-11-22", "1h""#,
                "not a valid RFC3339 timestamp: missing required time introducer 'T'",
            ),
            (
                r#""2017-11-22T00:00:00Z", "1""#,
                "time: missing unit in duration \"1\"",
            ),
            (
                r#""2017-11-22T00:00:00Z", "1x""#,
                "time: unknown unit \"x\" in duration \"1x\"",
            ),
            (
                r#""2017-11-22T00:00:00Z", """#,
                "time: invalid duration \"\"",
            ),
            (
                r#""2017-11-22T00:00:00Z", "1h-1m""#,
                "time: unknown unit \"h-\" in duration \"1h-1m\"",
            ),
            (
                r#""2017-13-22T00:00:00Z", "1h""#,
                "not a valid RFC3339 timestamp: cannot use \"-22T00:00:00Z\" as month",
            ),
            (
                r#""2017-02-30T00:00:00Z", "1h""#,
                "not a valid RFC3339 timestamp: day out of range",
            ),
            (
                r#""2017-11-22T00:00:00Zabc", "1h""#,
                "not a valid RFC3339 timestamp: cannot use \"abc\" as timestamp segment",
            ),
            (
                r#""2017-11-22T25:00:00Z", "1h""#,
                "not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive",
            ),
            (
                r#""x", "1h""#,
                "not a valid RFC3339 timestamp: cannot use \"x\" as year",
            ),
            (
                r#""", "1h""#,
                "not a valid RFC3339 timestamp: end of string before year",
            ),
            (
                r#""2017-11-22T1:00:00Z", "1h""#,
                "not a valid RFC3339 timestamp: hour must have exactly two digits",
            ),
            (
                r#""2017-11-22T00:00:00", "1h""#,
                "not a valid RFC3339 timestamp: end of string before UTC offset",
            ),
            (
                r#""2017-11-22T00:00:00+0530", "1h""#,
                "not a valid RFC3339 timestamp: cannot use \"+0530\" as UTC offset",
            ),
        ];
        for (args, want) in cases {
            let expr = format!("timeadd({args})");
            assert_eq!(
                err(&expr),
                (
                    "Error in function call".to_string(),
                    format!("Call to function \"timeadd\" failed: {want}.")
                ),
                "{expr}"
            );
        }
    }

    #[test]
    fn timestamps_parse_as_terraform_parses_them() {
        let cases = [
            ("2017-11-22T00:60:00Z", "cannot use \":00Z\" as minute"),
            ("2017-11-22T00:00:60Z", "cannot use \"Z\" as second"),
            (
                "2017-11-22T00:00:00+25:00",
                "end of string before UTC offset",
            ),
            ("2017-11-32T00:00:00Z", "day out of range"),
            (
                "2017-1-22T00:00:00Z",
                "cannot use \"1-22T00:00:00Z\" as month",
            ),
            (
                "2017-11-2T00:00:00Z",
                "cannot use \"2T00:00:00Z\" as day of month",
            ),
            ("2017-11-22T00:0:00Z", "cannot use \"0:00Z\" as minute"),
            ("2017-11-22T00:00:0Z", "cannot use \"0Z\" as second"),
            (
                "2017-11-22t00:00:00Z",
                "missing required time introducer 'T'",
            ),
            ("2017-11-22T00:00:00z", "cannot use \"z\" as UTC offset"),
            ("2017-11-22T00:00:00.Z", "cannot use \".Z\" as UTC offset"),
            (
                "2017-11-22T0000:00Z",
                "found \"00:00Z\" where \":\" is expected",
            ),
            ("2017-11-22T00:00", "end of string where \":\" is expected"),
            ("20171122", "found \"1122\" where \"-\" is expected"),
            ("2017-11", "end of string where \"-\" is expected"),
            ("2017-11-22T", "end of string before hour"),
            (
                "+2017-11-22T00:00:00Z",
                "cannot use \"+2017-11-22T00:00:00Z\" as year",
            ),
            (
                "2017-00-22T00:00:00Z",
                "cannot use \"-22T00:00:00Z\" as month",
            ),
            ("2017-11-00T00:00:00Z", "day out of range"),
            ("2017-11-22T24:00:00Z", "cannot use \":00:00Z\" as hour"),
            (
                "2017-11-22T00:00:00+05:3",
                "cannot use \"+05:3\" as UTC offset",
            ),
        ];
        for (ts, want) in cases {
            let expr = format!("timecmp(\"{ts}\", \"2017-11-22T00:00:00Z\")");
            assert_eq!(
                err(&expr),
                (
                    "Invalid function argument".to_string(),
                    format!(
                        "Invalid value for \"timestamp_a\" parameter: not a valid RFC3339 timestamp: {want}."
                    )
                ),
                "{expr}"
            );
        }
        assert_eq!(
            ev(r#"timecmp("2017-11-22T00:00:00Z", "2017-11-22T05:30:00+05:30")"#),
            Value::number(0)
        );
        assert_eq!(
            ev(r#"timecmp("2017-11-22T00:00:00+05:60", "2017-11-22T00:00:00Z")"#),
            Value::number(-1)
        );
        assert_eq!(
            ev(r#"timecmp("2017-11-22T00:00:00,5Z", "2017-11-22T00:00:00Z")"#),
            Value::number(1)
        );
        assert_eq!(
            ev(r#"timecmp("2017-11-22T00:00:00.1234567891Z", "2017-11-22T00:00:00Z")"#),
            Value::number(1)
        );
        assert_eq!(
            ev(r#"timecmp("2017-11-22T00:00:00-00:00", "2017-11-22T00:00:00Z")"#),
            Value::number(0)
        );
        assert_eq!(
            err(r#"timecmp("2017-11-22T00:00:01Z", "x")"#).1,
            "Invalid value for \"timestamp_b\" parameter: not a valid RFC3339 timestamp: cannot use \"x\" as year."
        );
    }

    #[test]
    fn formatdate_matches_terraform() {
        assert_eq!(
            st(r#"formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")"#),
            "02 Jan 2018 23:12 UTC"
        );
        assert_eq!(
            st(
                r#"formatdate("EEEE, DD-MMM-YY hh:mm:ss ZZZZZ Z ZZZZ ZZZ", "2018-01-02T23:12:01-08:00")"#
            ),
            "Tuesday, 02-Jan-18 23:12:01 -08:00 -08:00 -0800 -0800"
        );
        assert_eq!(
            st(r#"formatdate("h'h' mm 'o''clock' '' H HH AA aa M D s", "2018-01-02T03:04:05Z")"#),
            "3h 04 o'clock ' 3 03 AM am 1 2 5"
        );
        assert_eq!(
            st(r#"formatdate("MMMM EEE HH aa", "2018-07-08T12:00:00Z")"#),
            "July Sun 12 pm"
        );
        let cases = [
            (
                "YYY",
                "invalid date format verb \"YYY\": year must either be \"YY\" or \"YYYY\"",
            ),
            (
                "ZZ",
                "invalid date format verb \"ZZ\": timezone must be Z, ZZZZ, or ZZZZZ",
            ),
            ("x", "invalid date format verb \"x\""),
            ("'abc", "unterminated literal '"),
            ("AAA", "invalid date format verb \"AAA\": must be \"AA\""),
        ];
        for (format, want) in cases {
            let expr = format!("formatdate(\"{format}\", \"2018-01-02T23:12:01Z\")");
            assert_eq!(
                err(&expr).1,
                format!("Invalid value for \"format\" parameter: {want}."),
                "{expr}"
            );
        }
        assert_eq!(
            err(r#"formatdate("YYYY", "2018-01-02")"#).1,
            "Invalid value for \"time\" parameter: not a valid RFC3339 timestamp: missing required time introducer 'T'."
        );
    }

    #[test]
    fn now_and_plan_time() {
        let now = st("timestamp()");
        assert!(super::parse_timestamp(&now).is_ok(), "{now}");
        assert!(now.ends_with('Z'));
        let at = chrono::Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap();
        let f = Functions::builtin(FnEnv {
            plan_timestamp: at,
            ..FnEnv::default()
        });
        let v = eval_text("plantimestamp()", &MapScope::default(), &f).unwrap();
        assert_eq!(v, Value::string("2024-05-06T07:08:09Z"));
    }
}
