//! Conformance suites, one module per trait.

/// The `ModuleStorage` suite.
pub mod storage;

/// The `TokenStore` suite.
pub mod tokens;
