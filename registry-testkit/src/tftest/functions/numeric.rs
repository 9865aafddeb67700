//! Numeric functions. `log` and `pow` go through 64-bit floating point
//! as Terraform's do (so `pow(3, 40)` is `12157665459056929000`); the
//! others are exact.

use bigdecimal::Zero;
use bigdecimal::num_bigint::BigUint;

use super::strings::go_int;
use super::{FnEnv, FnError, Function, Functions, Param, num_arg};
use crate::tftest::value::{Number, Type, Value, go_quote};

fn n(name: &'static str) -> Param {
    Param::new(name, Type::Number)
}

/// A floating-point result as Terraform keeps it; Terraform's infinities
/// have no exact-decimal equivalent here, and NaN panics in Terraform.
fn float_result(f: f64) -> Result<Value, FnError> {
    if f.is_nan() {
        return Err(FnError::call(
            "panic in function implementation: Float.SetFloat64(NaN)",
        ));
    }
    Number::from_f64(f).map(Value::number).ok_or_else(|| {
        FnError::call(format!(
            "the result is {}Inf, which cannot be represented as a number here",
            if f < 0.0 { "-" } else { "+" }
        ))
    })
}

/// Go's `math.Frexp`: `x = frac × 2^exp` with `frac` in [½, 1).
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (mut x, mut e) = (x, 0);
    if x.abs() < f64::MIN_POSITIVE {
        x *= (1u64 << 52) as f64;
        e = -52;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i32 - 1022;
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (frac, e)
}

/// Go's `math.Ldexp`.
fn ldexp(frac: f64, exp: i32) -> f64 {
    let (mut f, mut e) = (frac, exp);
    while e > 1023 {
        f *= 2f64.powi(1023);
        e -= 1023;
    }
    while e < -1022 {
        f *= 2f64.powi(-1022);
        e += 1022;
    }
    f * 2f64.powi(e)
}

/// Go's `math.Log` (FreeBSD's algorithm and constants, given by their
/// bits), so results match Terraform's to the last bit.
fn go_log(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const L1: f64 = f64::from_bits(0x3fe5_5555_5555_5593);
    const L2: f64 = f64::from_bits(0x3fd9_9999_9997_fa04);
    const L3: f64 = f64::from_bits(0x3fd2_4924_9422_9359);
    const L4: f64 = f64::from_bits(0x3fcc_71c5_1d8e_78af);
    const L5: f64 = f64::from_bits(0x3fc7_4664_96cb_03de);
    const L6: f64 = f64::from_bits(0x3fc3_9a09_d078_c69f);
    const L7: f64 = f64::from_bits(0x3fc2_f112_df3e_5244);
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    let (mut f1, mut ki) = frexp(x);
    if f1 < std::f64::consts::SQRT_2 / 2.0 {
        f1 *= 2.0;
        ki -= 1;
    }
    let f = f1 - 1.0;
    let k = ki as f64;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let s4 = s2 * s2;
    let t1 = s2 * (L1 + s4 * (L3 + s4 * (L5 + s4 * L7)));
    let t2 = s4 * (L2 + s4 * (L4 + s4 * L6));
    let r = t1 + t2;
    let hfsq = 0.5 * f * f;
    k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)
}

fn is_odd_int(y: f64) -> bool {
    y.fract() == 0.0 && y.abs() < 9007199254740992.0 && (y as i64) & 1 == 1
}

/// Go's `math.Pow` (repeated squaring for the whole part of the power).
fn go_pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 {
        return if y < 0.0 {
            if x.is_sign_negative() && is_odd_int(y) {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        } else if x.is_sign_negative() && is_odd_int(y) {
            x
        } else {
            0.0
        };
    }
    if y.is_infinite() {
        return if x == -1.0 {
            1.0
        } else if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if x.is_infinite() {
        if x < 0.0 {
            return go_pow(1.0 / x, -y);
        }
        return if y < 0.0 { 0.0 } else { f64::INFINITY };
    }
    if y == 0.5 {
        return x.sqrt();
    }
    if y == -0.5 {
        return 1.0 / x.sqrt();
    }
    let (mut yi, mut yf) = (y.abs().trunc(), y.abs().fract());
    if yf != 0.0 && x < 0.0 {
        return f64::NAN;
    }
    if yi >= 2f64.powi(63) {
        return if x == -1.0 {
            1.0
        } else if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let mut a1 = 1.0;
    let mut ae: i32 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1.0;
        }
        a1 = (yf * go_log(x)).exp();
    }
    let (mut x1, mut xe) = frexp(x);
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae)
}

fn abs(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::number(num_arg(a, 0).abs()))
}

fn ceil(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::number(num_arg(a, 0).ceil()))
}

fn floor(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::number(num_arg(a, 0).floor()))
}

fn log(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let (num, base) = (num_arg(a, 0).to_f64(), num_arg(a, 1).to_f64());
    float_result(go_log(num) / go_log(base))
}

fn pow(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let (num, power) = (num_arg(a, 0).to_f64(), num_arg(a, 1).to_f64());
    float_result(go_pow(num, power))
}

fn signum(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let i = go_int(&a[0]).map_err(FnError::call)?;
    Ok(Value::number(i.signum()))
}

fn extreme(a: &[Value], max: bool) -> Result<Value, FnError> {
    let mut best: Option<Number> = None;
    for i in 0..a.len() {
        let x = num_arg(a, i);
        best = Some(match best {
            None => x,
            Some(b) if (max && x > b) || (!max && x < b) => x,
            Some(b) => b,
        });
    }
    best.map(Value::number)
        .ok_or_else(|| FnError::call("must pass at least one number"))
}

fn max(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    extreme(a, true)
}

fn min(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    extreme(a, false)
}

/// Go's `big.Int.SetString(s, base)`: an optional sign, then digits
/// (letters case-insensitive up to base 36; above it `a`–`z` are 10–35
/// and `A`–`Z` 36–61).
fn parse_int(s: &str, base: u32) -> Option<Number> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut acc = BigUint::zero();
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        acc = acc * base + d;
    }
    let n = Number::parse(&acc.to_string())?;
    Some(if neg { n.neg() } else { n })
}

fn parseint(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let (num, base) = (&a[0], &a[1]);
    let marks = num.deep_marks().union(base.deep_marks());
    if num.is_unknown() && num.ty() == Type::Dynamic {
        return Ok(Value::unknown(Type::Dynamic).with_marks(marks));
    }
    if num.ty() != Type::String {
        return Err(FnError::arg(
            0,
            format!(
                "first argument must be a string, not {}",
                num.ty().friendly()
            ),
        ));
    }
    if num.is_unknown() || base.is_unknown() {
        return Ok(Value::unknown_not_null(Type::Number).with_marks(marks));
    }
    let b = go_int(base).map_err(|e| FnError::arg(1, e))?;
    if !(2..=62).contains(&b) {
        return Err(FnError::arg(
            1,
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    let text = num.as_str().unwrap_or_default();
    match parse_int(text, b as u32) {
        Some(n) => Ok(Value::number(n).with_marks(marks)),
        None => {
            let shown = if num.deep_marks().sensitive {
                "(sensitive value)".to_string()
            } else {
                go_quote(text)
            };
            let base_shown = if base.deep_marks().sensitive {
                "(sensitive value)".to_string()
            } else {
                b.to_string()
            };
            Err(FnError::arg(
                0,
                format!("cannot parse {shown} as a base {base_shown} integer"),
            ))
        }
    }
}

/// Register the numeric functions.
pub fn register(f: &mut Functions) {
    let one = |imp| Function::new(vec![n("num")], Type::Number, imp);
    f.add("abs", one(abs));
    f.add("ceil", one(ceil));
    f.add("floor", one(floor));
    f.add("signum", one(signum));
    f.add(
        "log",
        Function::new(vec![n("num"), n("base")], Type::Number, log),
    );
    f.add(
        "pow",
        Function::new(vec![n("num"), n("power")], Type::Number, pow),
    );
    f.add(
        "max",
        Function::new(vec![], Type::Number, max).variadic(n("numbers")),
    );
    f.add(
        "min",
        Function::new(vec![], Type::Number, min).variadic(n("numbers")),
    );
    f.add(
        "parseint",
        Function::new(
            vec![
                Param::new("number", Type::Dynamic).unknowns(),
                n("base").unknowns(),
            ],
            Type::Number,
            parseint,
        )
        .marked(),
    );
}

#[cfg(test)]
mod tests {
    use crate::tftest::eval::{MapScope, eval_text};
    use crate::tftest::functions::Functions;
    use crate::tftest::value::{Number, Type, Value};

    fn ev(text: &str) -> Value {
        let mut names = MapScope::default();
        names
            .0
            .insert("u".into(), Value::unknown_not_null(Type::String));
        eval_text(text, &names, &Functions::default()).unwrap_or_else(|d| panic!("{text}: {d:?}"))
    }

    fn shown(text: &str) -> String {
        ev(text).to_string()
    }

    fn err(text: &str) -> (String, String) {
        let d = eval_text(text, &MapScope::default(), &Functions::default()).expect_err(text);
        (d.summary, d.detail)
    }

    #[test]
    fn exact_functions() {
        assert_eq!(shown("abs(-1.5)"), "1.5");
        assert_eq!(shown("abs(-0)"), "0");
        assert_eq!(shown("ceil(1.2)"), "2");
        assert_eq!(shown("ceil(-1.2)"), "-1");
        assert_eq!(shown("floor(-1.2)"), "-2");
        assert_eq!(shown("floor(5)"), "5");
        assert_eq!(shown("ceil(1e30 + 0.5)"), "1000000000000000000000000000001");
        assert_eq!(shown("ceil(0.1 + 0.2)"), "1");
        assert_eq!(shown("max(1, 5, 3)"), "5");
        assert_eq!(shown("min(1.5, -2)"), "-2");
        assert_eq!(shown("max([1, 2]...)"), "2");
        assert_eq!(shown("max(\"3\", 2)"), "3");
        assert_eq!(shown("signum(-5)"), "-1");
        assert_eq!(shown("signum(0)"), "0");
        assert_eq!(shown("signum(7)"), "1");
    }

    fn num(text: &str) -> Value {
        Value::number(Number::parse(text).unwrap())
    }

    #[test]
    fn floating_point_functions() {
        let cases = [
            ("log(100, 10)", "2"),
            ("log(16, 4)", "2"),
            ("log(8, 2)", "3"),
            ("log(1, 10)", "0"),
            ("log(1000, 10)", "2.9999999999999996"),
            ("pow(2, 10)", "1024"),
            ("pow(2, 0.5)", "1.4142135623730951"),
            ("pow(2, -1)", "0.5"),
            ("pow(0, 0)", "1"),
            ("pow(1.1, 2)", "1.2100000000000002"),
            ("pow(3, 40)", "12157665459056929000"),
            ("pow(2, 100)", "1267650600228229400000000000000"),
            ("pow(10, 20)", "100000000000000000000"),
        ];
        for (expr, want) in cases {
            assert_eq!(ev(expr), num(want), "{expr}");
        }
    }

    #[test]
    fn parseint_bases() {
        assert_eq!(shown("parseint(\"FF\", 16)"), "255");
        assert_eq!(shown("parseint(\"-ff\", 16)"), "-255");
        assert_eq!(shown("parseint(\"+12\", 10)"), "12");
        assert_eq!(shown("parseint(\"zz\", 36)"), "1295");
        assert_eq!(shown("parseint(\"Zz\", 62)"), "3817");
        assert_eq!(shown("parseint(\"101\", 2)"), "5");
        assert!(ev("parseint(u, 10)").is_unknown());
    }

    #[test]
    fn numeric_errors() {
        let inv = |param: &str, msg: &str| {
            (
                "Invalid function argument".to_string(),
                format!("Invalid value for \"{param}\" parameter: {msg}."),
            )
        };
        let call = |name: &str, msg: &str| {
            (
                "Error in function call".to_string(),
                format!("Call to function \"{name}\" failed: {msg}."),
            )
        };
        let whole =
            "value must be a whole number, between -9223372036854775808 and 9223372036854775807";
        assert_eq!(err("max()"), call("max", "must pass at least one number"));
        assert_eq!(err("signum(0.5)"), call("signum", whole));
        assert_eq!(
            err("parseint(\"12\", 1)"),
            inv(
                "base",
                "base must be a whole number between 2 and 62 inclusive"
            )
        );
        assert_eq!(
            err("parseint(\"1_000\", 10)"),
            inv("number", "cannot parse \"1_000\" as a base 10 integer")
        );
        assert_eq!(
            err("parseint(\"0x12\", 16)"),
            inv("number", "cannot parse \"0x12\" as a base 16 integer")
        );
        assert_eq!(
            err("parseint(\"\", 10)"),
            inv("number", "cannot parse \"\" as a base 10 integer")
        );
        assert_eq!(
            err("parseint(12, 10)"),
            inv("number", "first argument must be a string, not number")
        );
        assert_eq!(err("parseint(\"12\", 2.5)"), inv("base", whole));
        assert_eq!(
            err("parseint(sensitive(\"x\"), 10)"),
            inv(
                "number",
                "cannot parse (sensitive value) as a base 10 integer"
            )
        );
        assert_eq!(
            err("log(-1, 10)"),
            call(
                "log",
                "panic in function implementation: Float.SetFloat64(NaN)"
            )
        );
        assert_eq!(
            err("abs(\"x\")").1,
            "Invalid value for \"num\" parameter: a number is required."
        );
    }
}
