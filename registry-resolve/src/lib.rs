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
pub mod graph;
mod integrity;
pub mod lockfile;
mod manager;
mod select;
pub mod signing;
mod source;

pub use constraint::{Constraint, Constraints, Operator};
pub use graph::{
    Catalog, ModuleGraph, ResolvedCall, RootCall, resolve_compatible, resolve_unified,
};
pub use integrity::{
    UnlockedModule, VerifiedModule, hash_dir, unlocked_installed, verify_installed,
};
pub use lockfile::{LOCK_FILE, LockFile, LockedModule};
pub use manager::TerraformVersionManager;
pub use select::{
    NoMatch, Selection, parse_constraint, prerelease_requested_exactly, select, select_parsed,
};
pub use signing::{KeyringVerifier, generate_key, sign_manifest, verify_manifest};
pub use source::RegistrySource;
