//! Conformance suites, one module per trait.

/// The `AuditLog` suite.
pub mod audit;
/// The `PolicyStore` suite.
pub mod policy;
/// The `ModuleStorage` suite.
pub mod storage;

/// The `TokenStore` suite.
pub mod tokens;
