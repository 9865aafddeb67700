//! # registry-docs
//!
//! Reads Terraform/OpenTofu modules: parses `.tf`, `.tofu` and `.tf.json`
//! files with hcl-rs (hcl-edit, for source positions and types as written)
//! into a [`ModuleModel`], and implements the registry's
//! [`registry_core::ModuleInspector`] with it ([`HclInspector`]).
//!
//! ```
//! use registry_core::{ModuleFiles, ModuleInspector};
//! use registry_docs::HclInspector;
//!
//! let mut files = ModuleFiles::new();
//! files.insert("main.tf", "variable \"region\" {\n  type = string\n}\n");
//! let inspection = HclInspector.inspect(&files);
//! assert_eq!(inspection.summary.root.inputs[0].name, "region");
//! assert!(inspection.diagnostics.is_empty());
//! ```
#![warn(missing_docs)]

mod example_sources;
mod generator;
mod inspector;
mod json_config;
pub mod model;
pub mod output_type;
mod parse;
#[cfg(feature = "search")]
pub mod search;
pub mod tfdocs;
mod usage;

pub use generator::{TfDocsGenerator, api_doc, type_schema, usage_example};
pub use inspector::{HclInspector, module_dirs, parse_all};
pub use model::ModuleModel;
pub use parse::{header_comment, header_comment_block, parse_module_dir};
#[cfg(feature = "search")]
pub use search::TantivySearchIndex;
pub use usage::{InputKind, UsageProblem, hcl_string, usage_block};
