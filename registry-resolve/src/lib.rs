//! # registry-resolve
//!
//! Terraform-exact versions and constraints (hashicorp/go-version's grammar
//! and semantics, ported with its test tables), Terraform's choice of a
//! module version, and the [`TerraformVersionManager`] that plugs them into
//! the registry.
//!
//! ```
//! use registry_resolve::select;
//! let listed = ["1.0.0", "1.1.0", "2.0.0"];
//! let chosen = select(Some("~> 1.0"), &listed).unwrap();
//! assert_eq!(listed[chosen.index], "1.1.0");
//! ```
#![warn(missing_docs)]

mod constraint;
mod manager;
mod select;

pub use constraint::{Constraint, Constraints, Operator};
pub use manager::TerraformVersionManager;
pub use select::{
    NoMatch, Selection, parse_constraint, prerelease_requested_exactly, select, select_parsed,
};
