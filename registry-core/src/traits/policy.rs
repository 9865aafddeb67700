//! One publishing policy per namespace: whether publishes must be signed,
//! how validation findings count, whether the module's tests run, whether
//! a release may break the one before it.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How validation findings count on publish: off, report only, or the
/// lowest severity that refuses the publish (findings below it are stored
/// with the version as warnings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationPolicy {
    /// Rules do not run.
    Off,
    /// Findings are reported as warnings; the publish goes through.
    Warn,
    /// Error findings refuse the publish (warnings are reported).
    #[default]
    Error,
    /// Warnings refuse it too.
    Warning,
    /// Any finding refuses it, down to info.
    Info,
}

impl ValidationPolicy {
    /// Whether a finding of `severity` refuses the publish.
    pub fn refuses(self, severity: crate::error::Severity) -> bool {
        use crate::error::Severity as S;
        match self {
            ValidationPolicy::Off | ValidationPolicy::Warn => false,
            ValidationPolicy::Error => severity >= S::Error,
            ValidationPolicy::Warning => severity >= S::Warning,
            ValidationPolicy::Info => true,
        }
    }
}

/// Whether the module's `.tftest.hcl` tests run on publish.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestsPolicy {
    /// Tests do not run.
    #[default]
    Off,
    /// Tests run and their results are stored; failures do not refuse.
    Run,
    /// Tests run and a failure or error refuses the publish.
    Require,
}

/// Whether a release that is not a new major (for `0.x`, not a new minor)
/// may break callers of the highest lower release.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SemverGuard {
    /// Not checked.
    #[default]
    Off,
    /// Breaking changes are stored with the version as warnings.
    Warn,
    /// Breaking changes refuse the publish (422, each listed).
    Refuse,
}

/// A namespace's publishing rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct NamespacePolicy {
    /// Unsigned publishes are refused.
    pub require_signatures: bool,
    /// How validation findings count.
    pub validation: ValidationPolicy,
    /// Whether tests run.
    pub tests: TestsPolicy,
    /// Whether a release may break the one before it.
    pub semver_guard: SemverGuard,
}

impl NamespacePolicy {
    /// The keys [`NamespacePolicy::set`] takes, with their values.
    pub const KEYS: &'static [(&'static str, &'static str)] = &[
        ("require-signatures", "true|false"),
        ("validation", "off|warn|error|warning|info"),
        ("tests", "off|run|require"),
        ("semver-guard", "off|warn|refuse"),
    ];

    /// Change one setting from its text form (`validation=warn`), naming
    /// the key or value that is wrong.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let bad_value = |allowed: &str| {
            Error::invalid_input(format!(
                "invalid value {value:?} for policy key {key}: use {allowed}"
            ))
        };
        match key {
            "require-signatures" => {
                self.require_signatures = match value.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "1" => true,
                    "false" | "no" | "off" | "0" => false,
                    _ => return Err(bad_value("true or false")),
                }
            }
            "validation" => {
                self.validation = value
                    .parse()
                    .map_err(|_| bad_value("off, warn, error, warning or info"))?
            }
            "tests" => {
                self.tests = value
                    .parse()
                    .map_err(|_| bad_value("off, run or require"))?
            }
            "semver-guard" => {
                self.semver_guard = value
                    .parse()
                    .map_err(|_| bad_value("off, warn or refuse"))?
            }
            _ => {
                let known: Vec<&str> = Self::KEYS.iter().map(|(k, _)| *k).collect();
                return Err(Error::invalid_input(format!(
                    "unknown policy key {key:?}; known keys: {}",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Apply `KEY=VALUE` assignments in order.
    pub fn apply_assignments<'a>(
        &mut self,
        assignments: impl IntoIterator<Item = &'a str>,
    ) -> Result<()> {
        for a in assignments {
            let (k, v) = a
                .split_once('=')
                .ok_or_else(|| Error::invalid_input(format!("expected KEY=VALUE, got {a:?}")))?;
            self.set(k.trim(), v.trim())?;
        }
        Ok(())
    }

    /// The settings as `KEY=VALUE` lines, in [`NamespacePolicy::KEYS`] order.
    pub fn assignments(&self) -> Vec<String> {
        vec![
            format!("require-signatures={}", self.require_signatures),
            format!("validation={}", self.validation),
            format!("tests={}", self.tests),
            format!("semver-guard={}", self.semver_guard),
        ]
    }
}

macro_rules! text_enum {
    ($t:ty { $($v:ident = $s:literal),+ }) => {
        impl $t {
            /// The setting's text form.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $t {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s.to_ascii_lowercase().as_str() {
                    $($s => Ok(Self::$v),)+
                    _ => Err(Error::invalid_input(format!("unknown setting {s:?}"))),
                }
            }
        }
    };
}

text_enum!(ValidationPolicy { Off = "off", Warn = "warn", Error = "error", Warning = "warning", Info = "info" });
text_enum!(TestsPolicy { Off = "off", Run = "run", Require = "require" });
text_enum!(SemverGuard { Off = "off", Warn = "warn", Refuse = "refuse" });

/// Where namespace policies are kept (the metadata database).
#[async_trait]
pub trait PolicyStore: Send + Sync + fmt::Debug + 'static {
    /// A namespace's policy (the default when none was set).
    async fn policy(&self, namespace: &str) -> Result<NamespacePolicy>;
    /// Replace a namespace's policy.
    async fn set_policy(&self, namespace: &str, policy: &NamespacePolicy) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_round_trip_and_bad_ones_name_the_problem() {
        let mut p = NamespacePolicy::default();
        assert_eq!(p.validation, ValidationPolicy::Error);
        p.apply_assignments([
            "validation=warn",
            "tests = require",
            "require-signatures=yes",
            "semver-guard=refuse",
        ])
        .unwrap();
        assert_eq!(
            p.assignments(),
            [
                "require-signatures=true",
                "validation=warn",
                "tests=require",
                "semver-guard=refuse"
            ]
        );
        let mut q = NamespacePolicy::default();
        q.apply_assignments(p.assignments().iter().map(String::as_str))
            .unwrap();
        assert_eq!(p, q);
        let e = p.set("validation", "loud").unwrap_err().to_string();
        assert!(
            e.contains("\"loud\"") && e.contains("off, warn, error, warning or info"),
            "{e}"
        );
        let e = p.set("semver", "x").unwrap_err().to_string();
        assert!(
            e.contains("unknown policy key \"semver\"") && e.contains("tests"),
            "{e}"
        );
        assert!(p.apply_assignments(["validation"]).is_err());
    }

    #[test]
    fn policies_serialize_with_kebab_keys_and_defaults() {
        let p: NamespacePolicy = serde_json::from_str(r#"{"tests":"run"}"#).unwrap();
        assert_eq!(p.tests, TestsPolicy::Run);
        assert_eq!(p.validation, ValidationPolicy::Error);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["require-signatures"], false);
    }
}
