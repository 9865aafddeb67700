//! Documentation generation (implemented by registry-docs).

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::{Problem, Result};
use crate::module::Module;

/// Rendered documentation of a module.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Documentation {
    /// terraform-docs compatible markdown (the block between its markers).
    pub markdown: String,
    /// terraform-docs compatible JSON.
    pub json: String,
    /// Files that could not be parsed; the documentation covers the rest.
    pub diagnostics: Vec<Problem>,
}

/// Machine-readable interface of a module.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiDoc {
    /// JSON Schema of the module's inputs.
    pub inputs_schema: serde_json::Value,
    /// JSON Schema of the module's outputs.
    pub outputs_schema: serde_json::Value,
}

/// A usage example.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// Example name (`basic`, or `generated` for the generated one).
    pub name: String,
    /// Path inside the module (`examples/basic`), empty for a generated example.
    pub path: String,
    /// What it shows.
    pub description: Option<String>,
    /// HCL code.
    pub code: String,
}

/// The spec's `DocGenerator`.
#[async_trait]
pub trait DocGenerator: Send + Sync + Debug + 'static {
    /// Markdown and JSON documentation.
    async fn generate(&self, module: &Module) -> Result<Documentation>;
    /// Input/output schema.
    async fn generate_api(&self, module: &Module) -> Result<ApiDoc>;
    /// Usage examples: one generated, plus those under `examples/`.
    async fn generate_examples(&self, module: &Module) -> Result<Vec<Example>>;
}
