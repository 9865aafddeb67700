//! Terraform numbers: exact decimals (`0.1 + 0.2 == 0.3`, big integers
//! stay exact), so arithmetic never panics or loses integers the way
//! floating point would.

use std::fmt;
use std::str::FromStr;

use bigdecimal::{BigDecimal, One, RoundingMode, Signed, ToPrimitive, Zero};

/// Significant digits a non-integer result keeps (Terraform prints
/// `1/3` as `0.3333333333333333`).
const FRACTION_DIGITS: u64 = 16;

/// Digits kept while dividing, before the result is rounded for display.
const DIVISION_PRECISION: u64 = 40;

/// A number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(BigDecimal);

impl Number {
    /// Zero.
    pub fn zero() -> Number {
        Number(BigDecimal::zero())
    }

    /// Parse a literal (`1`, `-2.5`, `1e3`).
    pub fn parse(s: &str) -> Option<Number> {
        let t = s.trim();
        if t.is_empty() || t.starts_with('+') && t.len() == 1 {
            return None;
        }
        BigDecimal::from_str(t.strip_prefix('+').unwrap_or(t))
            .ok()
            .map(|d| Number(d.normalized()))
    }

    /// Whether it is a whole number.
    pub fn is_integer(&self) -> bool {
        self.0.is_integer()
    }

    /// As an `i64`, when it is a whole number that fits.
    pub fn to_i64(&self) -> Option<i64> {
        if self.is_integer() {
            self.0.to_i64()
        } else {
            None
        }
    }

    /// As an `f64` (for functions that need floating point).
    pub fn to_f64(&self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }

    /// From an `f64` (`None` for NaN and infinities).
    pub fn from_f64(f: f64) -> Option<Number> {
        if !f.is_finite() {
            return None;
        }
        Number::parse(&format!("{f}"))
    }

    /// Whether it is below zero.
    pub fn is_negative(&self) -> bool {
        self.0.is_negative()
    }

    /// Whether it is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// `self + other`.
    pub fn add(&self, other: &Number) -> Number {
        Number((&self.0 + &other.0).normalized())
    }

    /// `self - other`.
    pub fn sub(&self, other: &Number) -> Number {
        Number((&self.0 - &other.0).normalized())
    }

    /// `self * other`.
    pub fn mul(&self, other: &Number) -> Number {
        Number((&self.0 * &other.0).normalized())
    }

    /// `self / other`; `None` when dividing by zero.
    pub fn div(&self, other: &Number) -> Option<Number> {
        if other.0.is_zero() {
            return None;
        }
        let q = (&self.0 / &other.0).with_prec(DIVISION_PRECISION);
        Some(Number(q.normalized()))
    }

    /// `self % other` as Terraform computes it: the remainder of truncated
    /// division, taking the sign of `self`; `x % 0` is `x`.
    pub fn rem(&self, other: &Number) -> Number {
        if other.0.is_zero() {
            return self.clone();
        }
        Number((&self.0 % &other.0).normalized())
    }

    /// `-self`.
    pub fn neg(&self) -> Number {
        Number(-self.0.clone())
    }

    /// Rounded down to a whole number.
    pub fn floor(&self) -> Number {
        Number(self.0.with_scale_round(0, RoundingMode::Floor).normalized())
    }

    /// Rounded up to a whole number.
    pub fn ceil(&self) -> Number {
        Number(
            self.0
                .with_scale_round(0, RoundingMode::Ceiling)
                .normalized(),
        )
    }

    /// The absolute value.
    pub fn abs(&self) -> Number {
        Number(self.0.abs())
    }

    /// `self` raised to a whole power (exact), or through floating point.
    pub fn pow(&self, exp: &Number) -> Option<Number> {
        if let Some(e) = exp.to_i64()
            && (0..=1024).contains(&e)
        {
            let mut acc = BigDecimal::one();
            for _ in 0..e {
                acc = &acc * &self.0;
            }
            return Some(Number(acc.normalized()));
        }
        Number::from_f64(self.to_f64().powf(exp.to_f64()))
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number(BigDecimal::from(i))
    }
}

impl From<i32> for Number {
    fn from(i: i32) -> Self {
        Number(BigDecimal::from(i))
    }
}

impl From<usize> for Number {
    fn from(i: usize) -> Self {
        Number(BigDecimal::from(i as u64))
    }
}

impl From<u64> for Number {
    fn from(i: u64) -> Self {
        Number(BigDecimal::from(i))
    }
}

impl fmt::Display for Number {
    /// Whole numbers in full; others to 16 significant digits, without
    /// trailing zeros and never in exponent form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = if self.0.is_integer() {
            self.0.with_scale(0)
        } else {
            self.0.with_prec(FRACTION_DIGITS).normalized()
        };
        let (digits, scale) = d.as_bigint_and_exponent();
        let neg = digits.is_negative();
        let mut s = digits.abs().to_string();
        if scale <= 0 {
            for _ in 0..(-scale) {
                s.push('0');
            }
        } else {
            let scale = scale as usize;
            if s.len() <= scale {
                s = format!("{}{s}", "0".repeat(scale - s.len() + 1));
            }
            s.insert(s.len() - scale, '.');
            while s.ends_with('0') {
                s.pop();
            }
            if s.ends_with('.') {
                s.pop();
            }
        }
        if neg && s != "0" {
            f.write_str("-")?;
        }
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn arithmetic_is_exact_and_prints_as_terraform() {
        assert_eq!(n("0.1").add(&n("0.2")).to_string(), "0.3");
        assert_eq!(n("7").div(&n("2")).unwrap().to_string(), "3.5");
        assert_eq!(
            n("1").div(&n("3")).unwrap().to_string(),
            "0.3333333333333333"
        );
        assert_eq!(
            n("9007199254740993").add(&n("0")).to_string(),
            "9007199254740993"
        );
        assert_eq!(n("-7").rem(&n("3")).to_string(), "-1");
        assert_eq!(n("5").rem(&n("0")).to_string(), "5");
        assert!(n("1").div(&n("0")).is_none());
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(n("2.50").to_string(), "2.5");
        assert_eq!(n("-0.5").floor().to_string(), "-1");
        assert_eq!(n("2").pow(&n("10")).unwrap().to_string(), "1024");
        assert_eq!(n("100").to_string(), "100");
    }
}
