//! The `.tftest.hcl` engine: Terraform's test files run in-process against
//! mock and in-process providers, with Terraform's semantics (as of
//! Terraform 1.11) and its three report formats.
//!
//! | module | what |
//! |---|---|
//! | [`value`] | Terraform's values and types: unknowns, marks, conversion |
//! | [`budget`] | limits for untrusted modules: run time, instances, module depth, value sizes |
//! | [`eval`] | the expression evaluator over hcl-edit's syntax tree |
//! | [`functions`] | Terraform's built-in functions |
//! | [`diag`] | diagnostics with source ranges and values |
//! | [`config`] | the module model: variables, resources, outputs, checks, … |
//! | [`testfile`] | `.tftest.hcl` files: runs, mocks, overrides |
//! | [`providers`] | mock providers, schemas, and the in-process utility providers |
//! | [`engine`] | evaluating a module: plan and apply, conditions, child modules |
//! | [`runner`] | running test files: discovery, variables, state keys, teardown |
//! | [`report`] | terminal, JSON stream, JUnit, GitHub annotations, Markdown |
//! | [`syntax`] | block outlines and spanned JSON, for diagnostics' context and ranges |
//! | [`test_runner`] | the engine as core's `TestRunner` (publish gate) |

// Diagnostics are the error type throughout the engine: built once per
// failing expression and carried to the report, so their size on the
// error path costs nothing worth boxing every `?` for.
#![allow(clippy::result_large_err)]

pub mod budget;
pub mod config;
pub mod diag;
pub mod engine;
pub mod eval;
pub mod functions;
pub mod providers;
pub mod report;
pub mod runner;
pub mod syntax;
pub mod test_runner;
pub mod testfile;
pub mod value;
