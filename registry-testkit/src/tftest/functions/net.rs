//! CIDR functions: `cidrhost`, `cidrnetmask`, `cidrsubnet` and
//! `cidrsubnets` over IPv4 and IPv6, with the address parsing (leading
//! zeros allowed), arithmetic and messages of Terraform's Go libraries.

use super::{FnEnv, FnError, Function, Functions, Param, str_arg};
use crate::tftest::value::{Number, Type, Value};

/// A parsed CIDR prefix: the network address (host bits cleared), its
/// prefix length, and the address size in bits (32 or 128).
#[derive(Debug, Clone, Copy)]
struct Cidr {
    ip: u128,
    prefix: u32,
    bits: u32,
    /// An IPv4 address written in IPv6 form (`::ffff:10.0.0.0`).
    v4_mapped: bool,
}

fn dtoi(s: &str) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    for c in s.bytes() {
        if !c.is_ascii_digit() {
            break;
        }
        n = n * 10 + u32::from(c - b'0');
        if n >= 0xFF_FFFF {
            return None;
        }
        i += 1;
    }
    if i == 0 { None } else { Some((n, i)) }
}

fn xtoi(s: &str) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    for c in s.chars() {
        let Some(d) = c.to_digit(16) else { break };
        n = n * 16 + d;
        if n >= 0xFF_FFFF {
            return None;
        }
        i += 1;
    }
    if i == 0 { None } else { Some((n, i)) }
}

fn parse_ipv4(mut s: &str) -> Option<[u8; 4]> {
    let mut p = [0u8; 4];
    for (i, o) in p.iter_mut().enumerate() {
        if s.is_empty() {
            return None;
        }
        if i > 0 {
            s = s.strip_prefix('.')?;
        }
        let (n, c) = dtoi(s)?;
        if n > 0xff {
            return None;
        }
        s = &s[c..];
        *o = n as u8;
    }
    if s.is_empty() { Some(p) } else { None }
}

fn parse_ipv6(mut s: &str) -> Option<[u8; 16]> {
    let mut ip = [0u8; 16];
    let mut ellipsis: Option<usize> = None;
    if s.starts_with("::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Some(ip);
        }
    }
    let mut i = 0;
    while i < 16 {
        let (n, c) = xtoi(s)?;
        if n > 0xffff {
            return None;
        }
        if s.as_bytes().get(c) == Some(&b'.') {
            if ellipsis.is_none() && i != 12 {
                return None;
            }
            if i + 4 > 16 {
                return None;
            }
            let v4 = parse_ipv4(s)?;
            ip[i..i + 4].copy_from_slice(&v4);
            s = "";
            i += 4;
            break;
        }
        ip[i] = (n >> 8) as u8;
        ip[i + 1] = n as u8;
        i += 2;
        s = &s[c..];
        if s.is_empty() {
            break;
        }
        if !s.starts_with(':') || s.len() == 1 {
            return None;
        }
        s = &s[1..];
        if s.starts_with(':') {
            if ellipsis.is_some() {
                return None;
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return None;
    }
    if i < 16 {
        let e = ellipsis?;
        let n = 16 - i;
        for j in (e..i).rev() {
            ip[j + n] = ip[j];
        }
        for b in ip.iter_mut().skip(e).take(n) {
            *b = 0;
        }
    } else if ellipsis.is_some() {
        return None;
    }
    Some(ip)
}

fn mask(prefix: u32, bits: u32) -> u128 {
    let all = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    if prefix == 0 {
        0
    } else {
        (all << (bits - prefix)) & all
    }
}

/// Parse `addr/len` as Terraform's `ipaddr.ParseCIDR` does.
fn parse_cidr(s: &str) -> Result<Cidr, String> {
    let bad = || format!("invalid CIDR address: {s}");
    let (addr, len) = s.split_once('/').ok_or_else(bad)?;
    let (ip, bits, v4_mapped) = match parse_ipv4(addr) {
        Some(v4) => (u128::from(u32::from_be_bytes(v4)), 32, false),
        None => {
            let v6 = parse_ipv6(addr).ok_or_else(bad)?;
            let mapped = v6[..10].iter().all(|&b| b == 0) && v6[10] == 0xff && v6[11] == 0xff;
            (u128::from_be_bytes(v6), 128, mapped)
        }
    };
    let (prefix, used) = dtoi(len).ok_or_else(bad)?;
    if used != len.len() || prefix > bits {
        return Err(bad());
    }
    Ok(Cidr {
        ip: ip & mask(prefix, bits),
        prefix,
        bits,
        v4_mapped,
    })
}

/// An address as Go's `net.IP.String` writes it.
fn ip_text(ip: u128, bits: u32) -> String {
    if bits == 32 {
        let b = (ip as u32).to_be_bytes();
        return format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
    }
    let b = ip.to_be_bytes();
    if b[..10].iter().all(|&x| x == 0) && b[10] == 0xff && b[11] == 0xff {
        return format!("{}.{}.{}.{}", b[12], b[13], b[14], b[15]);
    }
    let groups: Vec<u16> = (0..8)
        .map(|i| u16::from_be_bytes([b[2 * i], b[2 * i + 1]]))
        .collect();
    let (mut e0, mut e1) = (usize::MAX, usize::MAX);
    let mut best = 0;
    let mut i = 0;
    while i < 8 {
        let mut j = i;
        while j < 8 && groups[j] == 0 {
            j += 1;
        }
        if j > i && j - i > best {
            best = j - i;
            e0 = i;
            e1 = j;
            i = j;
        }
        i += 1;
    }
    if best < 2 {
        e0 = usize::MAX;
        e1 = usize::MAX;
    }
    let mut out = String::new();
    let mut k = 0;
    while k < 8 {
        if k == e0 {
            out.push_str("::");
            k = e1;
            continue;
        }
        if !out.is_empty() && !out.ends_with(':') {
            out.push(':');
        }
        out.push_str(&format!("{:x}", groups[k]));
        k += 1;
    }
    out
}

fn whole(n: &Number) -> Result<i128, FnError> {
    if !n.is_integer() {
        return Err(FnError::call("value must be a whole number"));
    }
    n.to_string()
        .parse::<i128>()
        .map_err(|_| FnError::call("value is too large"))
}

fn int_value(n: &Number) -> Result<i64, String> {
    n.to_i64().ok_or_else(|| {
        "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
            .to_string()
    })
}

fn invalid(e: String) -> FnError {
    FnError::call(format!("invalid CIDR expression: {e}"))
}

fn num(a: &[Value], i: usize) -> Number {
    a[i].as_number().cloned().unwrap_or_else(Number::zero)
}

fn cidrhost(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let host = num(a, 1);
    let hostnum = whole(&host).map_err(|_| {
        if host.is_integer() {
            FnError::call(format!(
                "prefix of {} does not accommodate a host numbered {host}",
                parse_cidr(str_arg(a, 0)).map(|c| c.prefix).unwrap_or(0)
            ))
        } else {
            FnError::call("value must be a whole number")
        }
    })?;
    let c = parse_cidr(str_arg(a, 0)).map_err(invalid)?;
    let host_len = c.bits - c.prefix;
    let max: i128 = if host_len >= 127 {
        i128::MAX
    } else {
        (1i128 << host_len) - 1
    };
    let mut n = hostnum;
    let check = if n < 0 {
        let m = -n - 1;
        n = max - m;
        m
    } else {
        n
    };
    if check > max {
        return Err(FnError::call(format!(
            "prefix of {} does not accommodate a host numbered {n}",
            c.prefix
        )));
    }
    // Go's library shifts an IPv4-mapped address's host number as if the
    // address were 32 bits long but writes it into all 128 (a quirk kept).
    let ip = if c.v4_mapped {
        c.ip | ((n as u128) << 96)
    } else {
        c.ip | (n as u128)
    };
    Ok(Value::string(ip_text(ip, c.bits)))
}

fn cidrnetmask(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let c = parse_cidr(str_arg(a, 0)).map_err(invalid)?;
    if c.bits != 32 && !c.v4_mapped {
        return Err(FnError::call(format!(
            "IPv6 addresses cannot have a netmask: {}",
            str_arg(a, 0)
        )));
    }
    Ok(Value::string(ip_text(mask(c.prefix, c.bits), c.bits)))
}

/// `ip | num << shift` as Go's `big.Int` computes it (a negative result
/// is written as its absolute value).
fn insert_num(ip: u128, num: i128, shift: u32, bits: u32) -> Result<u128, FnError> {
    let too_big = || FnError::call("the subnet number is too large for the address");
    let v = if num >= 0 {
        (num as u128).checked_shl(shift).ok_or_else(too_big)? | ip
    } else {
        let shifted = num
            .checked_mul(1i128 << shift.min(126))
            .ok_or_else(too_big)?;
        let ored = shifted | (ip as i128);
        ored.unsigned_abs()
    };
    let all = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    Ok(v & all)
}

fn cidrsubnet(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let newbits = int_value(&num(a, 1)).map_err(FnError::call)?;
    let netnum_n = num(a, 2);
    let netnum = whole(&netnum_n)?;
    let c = parse_cidr(str_arg(a, 0)).map_err(invalid)?;
    let new_prefix = i64::from(c.prefix) + newbits;
    if new_prefix > i64::from(c.bits) || new_prefix < 0 {
        return Err(FnError::call(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            c.prefix
        )));
    }
    let max: u64 = if (0..64).contains(&newbits) {
        (1u64 << newbits) - 1
    } else {
        u64::MAX
    };
    if (netnum.unsigned_abs() as u64) > max {
        return Err(FnError::call(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum_n}"
        )));
    }
    let new_prefix = new_prefix as u32;
    let ip = insert_num(c.ip, netnum, c.bits - new_prefix, c.bits)?;
    Ok(Value::string(format!(
        "{}/{new_prefix}",
        ip_text(ip, c.bits)
    )))
}

fn cidrsubnets(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let c = parse_cidr(str_arg(a, 0))
        .map_err(|e| FnError::arg(0, format!("invalid CIDR expression: {e}")))?;
    let lengths = &a[1..];
    if lengths.is_empty() {
        return Ok(Value::list(Type::String, vec![]));
    }
    let full = if c.bits == 128 {
        u128::MAX
    } else {
        (1u128 << c.bits) - 1
    };
    let first = int_value(&num(a, 1)).map_err(|e| FnError::arg(1, e))? + i64::from(c.prefix);
    let first = first.clamp(0, i64::from(c.bits)) as u32;
    // The subnet just below the base address, of the first length.
    let mut cur_ip = c.ip.wrapping_sub(1) & full & mask(first, c.bits);
    let mut cur_len = first;
    let mut out = Vec::with_capacity(lengths.len());
    for (i, arg) in lengths.iter().enumerate() {
        let n = arg.as_number().cloned().unwrap_or_else(Number::zero);
        let len = int_value(&n).map_err(|e| FnError::arg(i + 1, e))?;
        if len < 1 {
            return Err(FnError::arg(
                i + 1,
                "must extend prefix by at least one bit",
            ));
        }
        if len > 32 {
            return Err(FnError::arg(
                i + 1,
                "may not extend prefix by more than 32 bits",
            ));
        }
        let len = len as u32 + c.prefix;
        if len > c.bits {
            let proto = if c.bits == 32 { "IPv4" } else { "IPv6" };
            return Err(FnError::arg(
                i + 1,
                format!(
                    "would extend prefix to {len} bits, which is too long for an {proto} address"
                ),
            ));
        }
        let cur_last = cur_ip | (!mask(cur_len, c.bits) & full);
        let sub = cur_last & mask(len, c.bits);
        let last = sub | (!mask(len, c.bits) & full);
        let next_last = last.wrapping_add(1) & full;
        let next = next_last & mask(len, c.bits);
        let rollover = next_last == 0;
        let contained = next & mask(c.prefix, c.bits) == c.ip;
        if rollover || !contained {
            return Err(FnError::arg(
                i + 1,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {len} bits after {}/{cur_len}",
                    ip_text(cur_ip, c.bits)
                ),
            ));
        }
        cur_ip = next;
        cur_len = len;
        out.push(Value::string(format!("{}/{len}", ip_text(next, c.bits))));
    }
    Ok(Value::list(Type::String, out))
}

/// Register the CIDR functions.
pub fn register(f: &mut Functions) {
    let s = |name: &'static str| Param::new(name, Type::String);
    let n = |name: &'static str| Param::new(name, Type::Number);
    f.add(
        "cidrhost",
        Function::new(vec![s("prefix"), n("hostnum")], Type::String, cidrhost),
    );
    f.add(
        "cidrnetmask",
        Function::new(vec![s("prefix")], Type::String, cidrnetmask),
    );
    f.add(
        "cidrsubnet",
        Function::new(
            vec![s("prefix"), n("newbits"), n("netnum")],
            Type::String,
            cidrsubnet,
        ),
    );
    f.add(
        "cidrsubnets",
        Function::new(vec![s("prefix")], Type::list(Type::String), cidrsubnets)
            .variadic(n("newbits")),
    );
}

#[cfg(test)]
mod tests {
    use crate::tftest::eval::{MapScope, eval_text};
    use crate::tftest::functions::Functions;
    use crate::tftest::value::{Type, Value};

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

    fn call_err(text: &str) -> String {
        let (summary, detail) = err(text);
        assert_eq!(summary, "Error in function call", "{text}");
        detail
    }

    fn strings(v: &[&str]) -> Value {
        Value::list(Type::String, v.iter().map(|s| Value::string(*s)).collect())
    }

    #[test]
    fn cidrhost_matches_terraform() {
        let cases = [
            (r#""10.12.112.0/20", 16"#, "10.12.112.16"),
            (r#""10.12.112.0/20", 268"#, "10.12.113.12"),
            (r#""10.12.112.0/20", -1"#, "10.12.127.255"),
            (r#""10.12.112.0/20", 4095"#, "10.12.127.255"),
            (
                r#""fd00:fd12:3456:7890:00a2::/72", 34"#,
                "fd00:fd12:3456:7890::22",
            ),
            (r#""010.0.0.0/8", 1"#, "10.0.0.1"),
            (r#""10.1.2.3/8", 1"#, "10.0.0.1"),
            (r#""::ffff:10.0.0.0/104", 1"#, "0:1::ffff:a00:0"),
        ];
        for (args, want) in cases {
            assert_eq!(st(&format!("cidrhost({args})")), want, "{args}");
        }
        let errors = [
            (
                r#""10.12.112.0/20", 4096"#,
                "prefix of 20 does not accommodate a host numbered 4096",
            ),
            (
                r#""10.12.112.0/20", -4097"#,
                "prefix of 20 does not accommodate a host numbered -1",
            ),
            (
                r#""10.0.0.0", 1"#,
                "invalid CIDR expression: invalid CIDR address: 10.0.0.0",
            ),
            (
                r#""10.0.0.0/33", 1"#,
                "invalid CIDR expression: invalid CIDR address: 10.0.0.0/33",
            ),
            (r#""10.1.2.3/8", 1.5"#, "value must be a whole number"),
            (
                r#""10.0.0.0/8", 1e30"#,
                "prefix of 8 does not accommodate a host numbered 1000000000000000000000000000000",
            ),
        ];
        for (args, want) in errors {
            assert_eq!(
                call_err(&format!("cidrhost({args})")),
                format!("Call to function \"cidrhost\" failed: {want}."),
                "{args}"
            );
        }
        assert_eq!(
            ev(r#"can(cidrhost("10.0.0.0/8", 1e9))"#),
            Value::bool(false)
        );
    }

    #[test]
    fn cidrnetmask_and_cidrsubnet_match_terraform() {
        assert_eq!(st(r#"cidrnetmask("172.16.0.0/12")"#), "255.240.0.0");
        assert_eq!(st(r#"cidrnetmask("10.0.0.0/0")"#), "0.0.0.0");
        assert_eq!(
            call_err(r#"cidrnetmask("fd00::/64")"#),
            "Call to function \"cidrnetmask\" failed: IPv6 addresses cannot have a netmask: fd00::/64."
        );
        let cases = [
            (r#""172.16.0.0/12", 4, 2"#, "172.18.0.0/16"),
            (r#""10.1.2.0/24", 4, 15"#, "10.1.2.240/28"),
            (
                r#""fd00:fd12:3456:7890::/56", 16, 162"#,
                "fd00:fd12:3456:7800:a200::/72",
            ),
            (r#""10.0.0.0/8", -1, 1"#, "10.0.0.0/7"),
            (r#""10.0.0.0/8", 8, -1"#, "0.1.0.0/16"),
            (r#""0.0.0.0/0", 32, 1"#, "0.0.0.1/32"),
        ];
        for (args, want) in cases {
            assert_eq!(st(&format!("cidrsubnet({args})")), want, "{args}");
        }
        let errors = [
            (
                r#""10.1.2.0/24", 4, 16"#,
                "prefix extension of 4 does not accommodate a subnet numbered 16",
            ),
            (
                r#""10.1.2.0/24", 10, 1"#,
                "insufficient address space to extend prefix of 24 by 10",
            ),
            (
                r#""10.0.0.0/8", 33, 1"#,
                "insufficient address space to extend prefix of 8 by 33",
            ),
            (
                r#""10.0.0.0/8", 33, 1"#,
                "insufficient address space to extend prefix of 8 by 33",
            ),
            (
                r#""10.0.0.0/33", 1, 1"#,
                "invalid CIDR expression: invalid CIDR address: 10.0.0.0/33",
            ),
        ];
        for (args, want) in errors {
            assert_eq!(
                call_err(&format!("cidrsubnet({args})")),
                format!("Call to function \"cidrsubnet\" failed: {want}."),
                "{args}"
            );
        }
        assert_eq!(
            ev(r#"can(cidrsubnet("10.1.2.0/24", 4, 16))"#),
            Value::bool(false)
        );
    }

    #[test]
    fn cidrsubnets_match_terraform() {
        assert_eq!(
            ev(r#"cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)"#),
            strings(&[
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20"
            ])
        );
        assert_eq!(
            ev(r#"cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)"#),
            strings(&[
                "fd00:fd12:3456:7800::/72",
                "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72",
                "fd00:fd12:3456:7800:300::/88",
            ])
        );
        assert_eq!(ev(r#"cidrsubnets("10.1.0.0/16")"#), strings(&[]));
        let errors = [
            ("0", "must extend prefix by at least one bit"),
            ("33", "may not extend prefix by more than 32 bits"),
        ];
        for (args, want) in errors {
            assert_eq!(
                err(&format!("cidrsubnets(\"10.1.0.0/16\", {args})")),
                (
                    "Invalid function argument".to_string(),
                    format!("Invalid value for \"newbits\" parameter: {want}.")
                )
            );
        }
        assert_eq!(
            err(r#"cidrsubnets("10.1.0.0/24", 16)"#).1,
            "Invalid value for \"newbits\" parameter: would extend prefix to 40 bits, which is too long for an IPv4 address."
        );
        assert_eq!(
            err(r#"cidrsubnets("10.1.0.0/24", 1, 1, 1)"#).1,
            "Invalid value for \"newbits\" parameter: not enough remaining address space for a subnet with a prefix of 25 bits after 10.1.0.128/25."
        );
        assert_eq!(
            err(r#"cidrsubnets("nope", 1)"#).1,
            "Invalid value for \"prefix\" parameter: invalid CIDR expression: invalid CIDR address: nope."
        );
    }

    #[test]
    fn addresses_print_as_go_prints_them() {
        assert_eq!(super::ip_text(0, 128), "::");
        assert_eq!(super::ip_text(1, 128), "::1");
        assert_eq!(
            super::ip_text(0x2001_0db8_0000_0000_0001_0000_0000_0001, 128),
            "2001:db8::1:0:0:1"
        );
        assert_eq!(
            super::ip_text(0x2001_0db8_0000_0001_0000_0000_0000_0000, 128),
            "2001:db8:0:1::"
        );
        assert!(super::parse_cidr("1::2::3/64").is_err());
        assert!(super::parse_cidr("1.2.3/8").is_err());
        assert!(super::parse_cidr("::1.2.3.4/120").is_ok());
    }
}
