//! Terraform configuration as the engine runs it: the generic block tree
//! of a file (HCL or JSON), type constraints, and the module model.

pub mod body;
pub mod json_body;
pub mod module;
pub mod types;

pub use module::{
    Check, Import, Local, Mode, Module, ModuleCall, Output, Removal, Resource, Rule, Variable,
};
