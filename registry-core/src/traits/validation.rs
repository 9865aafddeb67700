//! Validation rules run on publish, and the built-in set.

use std::fmt::Debug;
use std::sync::Arc;

use crate::address::ModuleAddress;
use crate::archive::{ArchiveInspection, is_source_file, parent_dir};
use crate::error::Problem;
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

/// One check a module must pass to be published.
pub trait ValidationRule: Send + Sync + Debug + 'static {
    /// A short, stable name (shown with each problem).
    fn name(&self) -> &str;
    /// Every problem found; empty when the module passes.
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem>;
}

/// The root of the module holds at least one `.tf`, `.tofu` or `.tf.json` file.
#[derive(Debug, Clone, Copy, Default)]
pub struct RootHasConfiguration;

impl ValidationRule for RootHasConfiguration {
    fn name(&self) -> &str {
        "root-configuration"
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
            vec![Problem::new(
                self.name(),
                "the module root has no .tf, .tofu or .tf.json file",
            )]
        }
    }
}

/// Every configuration file parses (the inspector's diagnostics become problems).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConfigurationParses;

impl ValidationRule for ConfigurationParses {
    fn name(&self) -> &str {
        "hcl-parse"
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        ctx.diagnostics
            .iter()
            .map(|d| Problem {
                rule: self.name().to_string(),
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
    fn name(&self) -> &str {
        "valid-names"
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
                    out.push(Problem::new(
                        self.name(),
                        format!("{kind} name {name:?} in {dir} is not a valid identifier"),
                    ));
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
