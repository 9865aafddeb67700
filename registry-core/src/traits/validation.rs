//! Validation rules run on publish (and by `registry validate`), and the
//! built-in set that needs only the archive and its parsed summary. Rules
//! that evaluate configuration (types, references, conditions) live with
//! the engine in registry-testkit and register the same way.

use std::fmt::Debug;
use std::sync::Arc;

use crate::address::ModuleAddress;
use crate::archive::{ArchiveInspection, is_source_file, parent_dir};
use crate::error::{Problem, Severity};
use crate::module::ModuleSummary;
use crate::version::Version;

/// Everything a rule may look at.
#[derive(Debug, Clone, Copy)]
pub struct ValidationContext<'a> {
    /// The module address being published.
    pub address: &'a ModuleAddress,
    /// The version being published.
    pub version: &'a Version,
    /// The archive's files and manifest.
    pub archive: &'a ArchiveInspection,
    /// The parsed summary.
    pub summary: &'a ModuleSummary,
    /// Problems the inspector found reading files.
    pub diagnostics: &'a [Problem],
}

/// One check a module should pass. Implement it and register it with
/// [`RegistryBuilder::add_validation_rule`](crate::RegistryBuilder::add_validation_rule).
///
/// ```
/// use registry_core::{Problem, Severity, ValidationContext, ValidationRule};
///
/// /// Every module must say what it is for.
/// #[derive(Debug)]
/// struct HasDescription;
///
/// impl ValidationRule for HasDescription {
///     fn id(&self) -> &str {
///         "acme-description"
///     }
///     fn severity(&self) -> Severity {
///         Severity::Warning
///     }
///     fn hint(&self) -> Option<&str> {
///         Some("start the README with a paragraph saying what the module does")
///     }
///     fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
///         match &ctx.summary.root.readme {
///             Some(text) if !text.trim().is_empty() => Vec::new(),
///             _ => vec![self.problem("the module has no README text")],
///         }
///     }
/// }
/// ```
pub trait ValidationRule: Send + Sync + Debug + 'static {
    /// A short, stable id (`hcl-parse`), shown with each problem and used
    /// to refer to the rule in policies and reports.
    fn id(&self) -> &str;
    /// The severity of the rule's problems unless a problem says otherwise.
    fn severity(&self) -> Severity {
        Severity::Error
    }
    /// How to fix what the rule finds, in general.
    fn hint(&self) -> Option<&str> {
        None
    }
    /// Every problem found; empty when the module passes.
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem>;
    /// A problem of this rule: its id, severity and hint.
    fn problem(&self, message: impl Into<String>) -> Problem
    where
        Self: Sized,
    {
        let p = Problem::new(self.id(), message).with_severity(self.severity());
        match self.hint() {
            Some(h) => p.with_hint(h),
            None => p,
        }
    }
}

/// The root of the module holds at least one `.tf`, `.tofu` or `.tf.json` file.
#[derive(Debug, Clone, Copy, Default)]
pub struct RootHasConfiguration;

impl ValidationRule for RootHasConfiguration {
    fn id(&self) -> &str {
        "root-configuration"
    }
    fn hint(&self) -> Option<&str> {
        Some("put the module's .tf files at the archive's root (or in one top-level folder)")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let found = ctx
            .archive
            .manifest
            .iter()
            .any(|f| parent_dir(&f.path).is_empty() && is_source_file(&f.path));
        if found {
            Vec::new()
        } else {
            vec![self.problem("the module root has no .tf, .tofu or .tf.json file")]
        }
    }
}

/// Every configuration file parses (the inspector's diagnostics become problems).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConfigurationParses;

impl ValidationRule for ConfigurationParses {
    fn id(&self) -> &str {
        "hcl-parse"
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        ctx.diagnostics
            .iter()
            .map(|d| Problem {
                id: self.id().to_string(),
                ..d.clone()
            })
            .collect()
    }
}

/// Whether `s` is a valid Terraform identifier (letters, digits, `_`, `-`; not starting with a digit or `-`).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Input, output, resource and module call names are valid identifiers.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidNames;

impl ValidationRule for ValidNames {
    fn id(&self) -> &str {
        "valid-names"
    }
    fn hint(&self) -> Option<&str> {
        Some("names start with a letter or underscore and hold only letters, digits, '_' and '-'")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let mut out = Vec::new();
        let s = ctx.summary;
        for iface in std::iter::once(&s.root).chain(&s.submodules) {
            let dir = if iface.path.is_empty() {
                "."
            } else {
                &iface.path
            };
            let names = iface
                .inputs
                .iter()
                .map(|i| ("variable", &i.name))
                .chain(iface.outputs.iter().map(|o| ("output", &o.name)))
                .chain(iface.resources.iter().map(|r| ("resource", &r.name)))
                .chain(iface.dependencies.iter().map(|m| ("module", &m.name)));
            for (kind, name) in names {
                if !is_identifier(name) {
                    out.push(self.problem(format!(
                        "{kind} name {name:?} in {dir} is not a valid identifier"
                    )));
                }
            }
        }
        out
    }
}

/// The built-in rule set: [`RootHasConfiguration`], [`ConfigurationParses`], [`ValidNames`].
pub fn builtin_rules() -> Vec<Arc<dyn ValidationRule>> {
    vec![
        Arc::new(RootHasConfiguration),
        Arc::new(ConfigurationParses),
        Arc::new(ValidNames),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        for ok in ["a", "_x", "my-var", "v2"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "2x", "-x", "a.b", "a b"] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }
}
