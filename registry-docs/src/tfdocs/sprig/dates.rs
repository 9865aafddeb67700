//! sprig's date functions (`now`, `date`, `dateInZone`, `htmlDate`,
//! `htmlDateInZone`, `unixEpoch`, `dateModify`, `toDate`, `duration`,
//! `ago`), with Go's reference-time layouts (`2006-01-02 15:04:05`).
//!
//! The template language has no time type, so a time travels between
//! functions as the text Go prints for one (`2006-01-02 15:04:05.999999999
//! -0700 MST`); a time given as an integer is Unix seconds, as in sprig.
//! Like sprig, `date` reads anything else as the current time, and
//! `dateInZone` reads an unknown zone as UTC. Zones are IANA names
//! (chrono-tz), `UTC` or `Local`.

use chrono::{DateTime, Datelike, FixedOffset, Local, Offset, TimeZone, Timelike, Utc};
use gotmpl::{Template, Value};

use super::{arg, fail, str_arg, text};

/// A time as Go prints `time.Time` (without the monotonic reading).
fn go_string<Tz: TimeZone>(t: &DateTime<Tz>, zone: &str) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let mut s = format(t, "2006-01-02 15:04:05.999999999 -0700 ", zone);
    s.push_str(zone);
    s
}

/// The abbreviation printed for the process's local zone at `offset`:
/// `UTC` at zero, else the offset as Go prints a zone without a name
/// (`+0530`, `-03`); chrono reads no abbreviation from the system.
fn local_abbreviation(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    if secs == 0 {
        return "UTC".to_string();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if m == 0 {
        format!("{sign}{h:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

/// A time value read back: the text [`go_string`] writes, RFC 3339, or
/// Unix seconds.
fn parse_time(v: &Value) -> Option<DateTime<FixedOffset>> {
    match v {
        Value::Int(n) => Utc.timestamp_opt(*n, 0).single().map(|t| t.fixed_offset()),
        Value::Uint(n) => Utc
            .timestamp_opt(i64::try_from(*n).ok()?, 0)
            .single()
            .map(|t| t.fixed_offset()),
        Value::Float(f) => Utc
            .timestamp_opt(*f as i64, 0)
            .single()
            .map(|t| t.fixed_offset()),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                return Some(t);
            }
            // `2006-01-02 15:04:05.999 -0700 MST`: drop the abbreviation.
            let head = s.rsplit_once(' ').map(|(h, _)| h).unwrap_or(s);
            DateTime::parse_from_str(head, "%Y-%m-%d %H:%M:%S%.f %z")
                .or_else(|_| DateTime::parse_from_str(head, "%Y-%m-%d %H:%M:%S %z"))
                .ok()
        }
        _ => None,
    }
}

/// `t` in the zone `name` (IANA, `UTC`, `Local`; unknown names as UTC),
/// with that zone's abbreviation.
fn in_zone(t: DateTime<FixedOffset>, name: &str) -> (DateTime<FixedOffset>, String) {
    if name == "Local" {
        let local = t.with_timezone(&Local);
        let offset = local.offset().fix();
        return (local.fixed_offset(), local_abbreviation(offset));
    }
    match name.parse::<chrono_tz::Tz>() {
        Ok(tz) if name != "UTC" && !name.is_empty() => {
            let there = t.with_timezone(&tz);
            let abbr = there.format("%Z").to_string();
            (there.fixed_offset(), abbr)
        }
        _ => (t.with_timezone(&Utc).fixed_offset(), "UTC".to_string()),
    }
}

/// Render `t` with a Go layout (`Mon Jan _2 15:04:05 MST 2006`).
fn format<Tz: TimeZone>(t: &DateTime<Tz>, layout: &str, zone: &str) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let offset = t.offset().fix().local_minus_utc();
    let mut out = String::with_capacity(layout.len() + 8);
    let mut rest = layout;
    while !rest.is_empty() {
        let (piece, len) = chunk(t, rest, offset, zone);
        out.push_str(&piece);
        rest = &rest[len..];
    }
    out
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
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn zone_offset(offset: i32, colon: bool, seconds: bool, hours_only: bool, z: bool) -> String {
    if z && offset == 0 {
        return "Z".to_string();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    let sep = if colon { ":" } else { "" };
    let mut out = format!("{sign}{h:02}");
    if !hours_only {
        out.push_str(&format!("{sep}{m:02}"));
    }
    if seconds {
        out.push_str(&format!("{sep}{s:02}"));
    }
    out
}

/// The next piece of `layout` rendered for `t`, and how many bytes of the
/// layout it used (Go's `nextStdChunk`, in its order of precedence).
fn chunk<Tz: TimeZone>(t: &DateTime<Tz>, layout: &str, offset: i32, zone: &str) -> (String, usize) {
    let starts = |p: &str| layout.starts_with(p);
    let month = t.month0() as usize;
    let weekday = t.weekday().num_days_from_sunday() as usize;
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    let pick = |token: &str, text: String| Some((text, token.len()));
    let found = if starts("January") {
        pick("January", MONTHS[month].to_string())
    } else if starts("Jan") {
        pick("Jan", MONTHS[month][..3].to_string())
    } else if starts("Monday") {
        pick("Monday", DAYS[weekday].to_string())
    } else if starts("Mon") {
        pick("Mon", DAYS[weekday][..3].to_string())
    } else if starts("MST") {
        pick("MST", zone.to_string())
    } else if starts("01") {
        pick("01", format!("{:02}", t.month()))
    } else if starts("02") {
        pick("02", format!("{:02}", t.day()))
    } else if starts("03") {
        pick("03", format!("{hour12:02}"))
    } else if starts("04") {
        pick("04", format!("{:02}", t.minute()))
    } else if starts("05") {
        pick("05", format!("{:02}", t.second()))
    } else if starts("06") {
        pick("06", format!("{:02}", t.year().rem_euclid(100)))
    } else if starts("002") {
        pick("002", format!("{:03}", t.ordinal()))
    } else if starts("15") {
        pick("15", format!("{:02}", t.hour()))
    } else if starts("1") {
        pick("1", t.month().to_string())
    } else if starts("2006") {
        pick("2006", format!("{:04}", t.year()))
    } else if starts("2") {
        pick("2", t.day().to_string())
    } else if starts("__2") {
        pick("__2", format!("{:>3}", t.ordinal()))
    } else if starts("_2") && !starts("_2006") {
        pick("_2", format!("{:>2}", t.day()))
    } else if starts("3") {
        pick("3", hour12.to_string())
    } else if starts("4") {
        pick("4", t.minute().to_string())
    } else if starts("5") {
        pick("5", t.second().to_string())
    } else if starts("PM") {
        pick("PM", if t.hour() >= 12 { "PM" } else { "AM" }.to_string())
    } else if starts("pm") {
        pick("pm", if t.hour() >= 12 { "pm" } else { "am" }.to_string())
    } else if let Some((token, text)) = offset_token(layout, offset) {
        Some((text, token))
    } else {
        fraction(t, layout)
    };
    found.unwrap_or_else(|| {
        let c = layout.chars().next().unwrap_or(' ');
        (c.to_string(), c.len_utf8())
    })
}

/// A zone-offset token (`-0700`, `Z07:00`, …) at the start of `layout`.
fn offset_token(layout: &str, offset: i32) -> Option<(usize, String)> {
    // (token, colon, seconds, hours only), longest first as Go matches.
    const TOKENS: [(&str, bool, bool, bool); 5] = [
        ("070000", false, true, false),
        ("07:00:00", true, true, false),
        ("0700", false, false, false),
        ("07:00", true, false, false),
        ("07", false, false, true),
    ];
    let (z, body) = match layout.as_bytes().first()? {
        b'-' => (false, &layout[1..]),
        b'Z' => (true, &layout[1..]),
        _ => return None,
    };
    TOKENS.iter().find_map(|(tok, colon, secs, hours)| {
        body.starts_with(tok)
            .then(|| (tok.len() + 1, zone_offset(offset, *colon, *secs, *hours, z)))
    })
}

/// Fractional seconds (`.000` fixed width, `.999` trailing zeros trimmed)
/// at the start of `layout`.
fn fraction<Tz: TimeZone>(t: &DateTime<Tz>, layout: &str) -> Option<(String, usize)> {
    let b = layout.as_bytes();
    if !(b.first() == Some(&b'.') || b.first() == Some(&b',')) {
        return None;
    }
    let digit = *b.get(1)?;
    if digit != b'0' && digit != b'9' {
        return None;
    }
    let n = b[1..].iter().take_while(|c| **c == digit).count();
    if b.get(1 + n).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let nanos = format!("{:09}", t.nanosecond() % 1_000_000_000);
    let width = n.min(9);
    let mut digits = nanos[..width].to_string();
    if digit == b'9' {
        while digits.ends_with('0') {
            digits.pop();
        }
        if digits.is_empty() {
            return Some((String::new(), n + 1));
        }
    }
    Some((format!("{}{digits}", b[0] as char), n + 1))
}

/// Go's `time.Duration.String` for a number of nanoseconds.
fn duration_string(nanos: i128) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    if n < 1_000_000_000 {
        let (unit, div) = if n < 1_000 {
            ("ns", 1)
        } else if n < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{sign}{}{unit}", trimmed(n, div));
    }
    let (h, rem) = (n / 3_600_000_000_000, n % 3_600_000_000_000);
    let (m, rem) = (rem / 60_000_000_000, rem % 60_000_000_000);
    let secs = trimmed(rem, 1_000_000_000);
    match (h, m) {
        (0, 0) => format!("{sign}{secs}s"),
        (0, m) => format!("{sign}{m}m{secs}s"),
        (h, m) => format!("{sign}{h}h{m}m{secs}s"),
    }
}

/// `n / div` with its fraction, trailing zeros trimmed (`1.5`, `2`).
fn trimmed(n: u128, div: u128) -> String {
    let whole = n / div;
    let frac = n % div;
    if frac == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let digits = format!("{frac:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Go's `time.ParseDuration` (`-1.5h`, `10m30s`), in nanoseconds.
fn parse_duration(s: &str) -> Option<i128> {
    let (neg, mut rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    let mut total: f64 = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * scale;
    }
    let n = total.round() as i128;
    Some(if neg { -n } else { n })
}

fn now_value() -> Value {
    let t = Local::now();
    let abbr = local_abbreviation(t.offset().fix());
    go_string(&t, &abbr).into()
}

/// `date`/`dateInZone`: the time argument, or now for anything else.
fn time_or_now(v: &Value) -> DateTime<FixedOffset> {
    parse_time(v).unwrap_or_else(|| Utc::now().fixed_offset())
}

fn render_in(layout: &str, t: DateTime<FixedOffset>, zone: &str) -> Value {
    let (there, abbr) = in_zone(t, zone);
    format(&there, layout, &abbr).into()
}

/// Register the date functions on `t`.
pub(super) fn register(t: Template) -> Template {
    t.func("now", |_| Ok(now_value()))
        .func("date", |a| {
            let layout = str_arg("date", a, 0)?;
            Ok(render_in(&layout, time_or_now(arg("date", a, 1)?), "Local"))
        })
        .func("dateInZone", |a| {
            let layout = str_arg("dateInZone", a, 0)?;
            let t = time_or_now(arg("dateInZone", a, 1)?);
            Ok(render_in(&layout, t, &str_arg("dateInZone", a, 2)?))
        })
        .func("htmlDate", |a| {
            Ok(render_in(
                "2006-01-02",
                time_or_now(arg("htmlDate", a, 0)?),
                "Local",
            ))
        })
        .func("htmlDateInZone", |a| {
            let t = time_or_now(arg("htmlDateInZone", a, 0)?);
            Ok(render_in(
                "2006-01-02",
                t,
                &str_arg("htmlDateInZone", a, 1)?,
            ))
        })
        .func("unixEpoch", |a| {
            Ok(time_or_now(arg("unixEpoch", a, 0)?)
                .timestamp()
                .to_string()
                .into())
        })
        .func("dateModify", |a| {
            let by = str_arg("dateModify", a, 0)?;
            let t = time_or_now(arg("dateModify", a, 1)?);
            // sprig returns the time unchanged when the duration is bad.
            let Some(nanos) = parse_duration(&by) else {
                return Ok(a[1].clone());
            };
            let moved = t + chrono::Duration::nanoseconds(nanos as i64);
            let (there, abbr) = in_zone(moved, "Local");
            Ok(go_string(&there, &abbr).into())
        })
        .func("toDate", |a| {
            let layout = str_arg("toDate", a, 0)?;
            let s = str_arg("toDate", a, 1)?;
            let parsed = parse_with_layout(&layout, &s)
                .ok_or_else(|| fail("toDate", format!("cannot parse {s:?} as {layout:?}")))?;
            let (there, abbr) = in_zone(parsed, "Local");
            Ok(go_string(&there, &abbr).into())
        })
        .func("duration", |a| {
            let secs: i128 = text(arg("duration", a, 0)?).trim().parse().unwrap_or(0);
            Ok(duration_string(secs.saturating_mul(1_000_000_000)).into())
        })
        .func("ago", |a| {
            let t = time_or_now(arg("ago", a, 0)?);
            let secs = (Utc::now().fixed_offset() - t).num_seconds();
            Ok(duration_string(i128::from(secs) * 1_000_000_000).into())
        })
}

/// Parse `s` with a Go layout, by translating the layout to chrono's
/// format language (the common tokens); a time without a zone is local,
/// as Go's `time.ParseInLocation(…, time.Local)` reads it.
fn parse_with_layout(layout: &str, s: &str) -> Option<DateTime<FixedOffset>> {
    const TOKENS: [(&str, &str); 22] = [
        ("January", "%B"),
        ("Jan", "%b"),
        ("Monday", "%A"),
        ("Mon", "%a"),
        ("MST", "%Z"),
        ("2006", "%Y"),
        ("Z07:00", "%:z"),
        ("-07:00", "%:z"),
        ("-0700", "%z"),
        ("01", "%m"),
        ("02", "%d"),
        ("03", "%I"),
        ("04", "%M"),
        ("05", "%S"),
        ("06", "%y"),
        ("15", "%H"),
        ("_2", "%e"),
        ("PM", "%p"),
        (".000000000", "%.9f"),
        (".000000", "%.6f"),
        (".000", "%.3f"),
        ("1", "%-m"),
    ];
    let mut fmt = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for (go, chrono_fmt) in TOKENS {
            if let Some(after) = rest.strip_prefix(go) {
                fmt.push_str(chrono_fmt);
                rest = after;
                continue 'outer;
            }
        }
        let c = rest.chars().next()?;
        match c {
            '2' => fmt.push_str("%-d"),
            '3' => fmt.push_str("%-I"),
            '4' => fmt.push_str("%-M"),
            '5' => fmt.push_str("%-S"),
            '%' => fmt.push_str("%%"),
            c => fmt.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    // Go's `Z07:00` reads `Z` for UTC; chrono's `%:z` wants `+00:00`.
    let utc_z;
    let s = match (layout.contains("Z07:00"), s.strip_suffix('Z')) {
        (true, Some(head)) => {
            utc_z = format!("{head}+00:00");
            utc_z.as_str()
        }
        _ => s,
    };
    if let Ok(t) = DateTime::parse_from_str(s, &fmt) {
        return Some(t);
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, &fmt)
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(s, &fmt)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.fixed_offset())
}

#[cfg(test)]
mod tests {
    use super::super::run;
    use super::*;

    #[test]
    fn go_layouts_render_as_go_renders_them() {
        // 1700000000 is Tue, 14 Nov 2023 22:13:20 UTC.
        assert_eq!(
            run(r#"{{ dateInZone "Mon Jan _2 15:04:05 MST 2006" 1700000000 "UTC" }}"#),
            "Tue Nov 14 22:13:20 UTC 2023"
        );
        assert_eq!(
            run(r#"{{ dateInZone "2006-01-02T15:04:05Z07:00" 1700000000 "UTC" }}"#),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            run(r#"{{ dateInZone "02 Jan 06 15:04 -0700 MST" 1700000000 "Europe/Berlin" }}"#),
            "14 Nov 23 23:13 +0100 CET"
        );
        assert_eq!(
            run(r#"{{ dateInZone "3:04PM, January 2 (002)" 1700000000 "America/New_York" }}"#),
            "5:13PM, November 14 (318)"
        );
        assert_eq!(
            run(r#"{{ htmlDateInZone 1700000000 "Asia/Kolkata" }}"#),
            "2023-11-15"
        );
        assert_eq!(run(r#"{{ unixEpoch 1700000000 }}"#), "1700000000");
        // An unknown zone is UTC, as sprig reads it.
        assert_eq!(
            run(r#"{{ dateInZone "15:04 MST" 1700000000 "Mars/Olympus" }}"#),
            "22:13 UTC"
        );
    }

    #[test]
    fn times_travel_between_functions_as_go_prints_them() {
        let now = run("{{ now }}");
        assert!(
            DateTime::parse_from_str(now.rsplit_once(' ').unwrap().0, "%Y-%m-%d %H:%M:%S%.f %z")
                .is_ok(),
            "{now}"
        );
        // toDate reads a zoneless time as local, as Go does.
        let midnight = Local
            .with_ymd_and_hms(2024, 2, 29, 0, 0, 0)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
            + chrono::Duration::hours(36);
        assert_eq!(
            run(
                r#"{{ dateInZone "2006-01-02 15:04" (toDate "2006-01-02" "2024-02-29" | dateModify "36h") "UTC" }}"#
            ),
            midnight.format("%Y-%m-%d %H:%M").to_string()
        );
        assert_eq!(
            run(
                r#"{{ toDate "2006-01-02T15:04:05Z07:00" "2024-02-29T10:00:00Z" | dateModify "-1.5h" | unixEpoch }}"#
            ),
            (1_709_200_800 - 5_400).to_string()
        );
        assert_eq!(
            run(r#"{{ duration 95 }} {{ duration 3600 }} {{ duration 0 }}"#),
            "1m35s 1h0m0s 0s"
        );
        assert_eq!(run(r#"{{ ago now }}"#), "0s");
    }

    #[test]
    fn durations_print_and_parse_as_go() {
        assert_eq!(duration_string(1_500), "1.5µs");
        assert_eq!(duration_string(2_500_000_000), "2.5s");
        assert_eq!(duration_string(-90_000_000_000), "-1m30s");
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("-1.5h"), Some(-5_400_000_000_000));
        assert_eq!(parse_duration("10x"), None);
    }
}
