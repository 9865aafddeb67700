//! The validation framework's rules that read configuration the way the
//! engine does (types, references, conditions, layout), beside core's
//! built-in three. Each implements core's
//! [`registry_core::ValidationRule`] with a stable id, a
//! severity and a fix hint, and reports file, line and column.
//!
//! | id | severity | finds |
//! |---|---|---|
//! | `root-configuration` (core) | error | no configuration at the archive's root |
//! | `hcl-parse` (core) | error | a file that does not parse |
//! | `valid-names` (core) | error | names that are not identifiers |
//! | `variable-default-type` | error | a default that does not conform to its type |
//! | `variable-default-validation` | error | a default its own validation refuses |
//! | `undeclared-reference` | error | `var.x`, `local.x`, `module.x`, resources and data sources not declared |
//! | `source-escape` | error | a local module source outside the archive (or with nothing there) |
//! | `example-inputs` | error | an example's call that leaves a required input unset |
//! | `provider-requirements` | warning | a provider used without a `required_providers` source and constraint |
//! | `required-version` | warning | a root module without `required_version` |
//! | `unused-declaration` | warning | variables and locals nothing refers to |
//! | `missing-description` | warning | variables and outputs without a description |
//! | `module-version` | warning | a registry module call without a version constraint |
//! | `readme` | warning | no README at the root |

mod declarations;
mod layout;
pub mod model;
mod values;

use std::sync::Arc;

use registry_core::{ValidationRule, builtin_rules};

pub use declarations::{Descriptions, UndeclaredReferences, UnusedDeclarations};
pub use layout::{
    ExamplesGiveRequiredInputs, HasReadme, PinnedRegistryCalls, ProviderRequirements,
    RequiredVersion, SourcesInsideArchive,
};
pub use values::{DefaultsMatchTypes, DefaultsPassValidation};

/// The engine-backed rules (without core's built-in ones).
pub fn engine_rules() -> Vec<Arc<dyn ValidationRule>> {
    vec![
        Arc::new(DefaultsMatchTypes),
        Arc::new(DefaultsPassValidation),
        Arc::new(UndeclaredReferences),
        Arc::new(SourcesInsideArchive),
        Arc::new(ExamplesGiveRequiredInputs),
        Arc::new(ProviderRequirements),
        Arc::new(RequiredVersion),
        Arc::new(UnusedDeclarations),
        Arc::new(Descriptions),
        Arc::new(PinnedRegistryCalls),
        Arc::new(HasReadme),
    ]
}

/// Every rule: core's built-in ones, then the engine-backed ones. What
/// `registry validate` and a registry with the `tests` feature run.
pub fn all_rules() -> Vec<Arc<dyn ValidationRule>> {
    let mut rules = builtin_rules();
    rules.extend(engine_rules());
    rules
}
