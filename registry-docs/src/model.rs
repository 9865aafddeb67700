//! The module model: what a module directory declares, with source positions.

use registry_core::{
    Input, InputValidation, ModuleCall, ModuleInterface, Output, Problem, ProviderRequirement,
    Resource,
};
use serde::{Deserialize, Serialize};

/// Where a declaration is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// File name relative to the module directory.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// A `validation` block of a variable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    /// The condition expression as written.
    pub condition: String,
    /// The error message.
    pub error_message: String,
}

/// A `variable` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    /// Name.
    pub name: String,
    /// Type constraint as written in the source.
    pub type_expr: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Default value (`Some(Null)` for an explicit `default = null`).
    pub default: Option<serde_json::Value>,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// `nullable`, when set.
    pub nullable: Option<bool>,
    /// Validation rules.
    pub validations: Vec<Validation>,
    /// The `#`/`//` comment lines right above the block, joined with spaces.
    pub comment: Option<String>,
    /// Where it is declared.
    pub position: Position,
}

impl Variable {
    /// Whether a caller must set it.
    pub fn required(&self) -> bool {
        self.default.is_none()
    }
}

/// An `output` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputValue {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// The value expression as written.
    pub value_expr: Option<String>,
    /// The `#`/`//` comment lines right above the block, joined with spaces.
    pub comment: Option<String>,
    /// Where it is declared.
    pub position: Position,
}

/// An entry of `terraform { required_providers { ... } }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredProvider {
    /// Local name.
    pub name: String,
    /// Source address.
    pub source: Option<String>,
    /// Version constraints (one per declaration).
    pub version: Option<String>,
    /// `configuration_aliases`.
    pub aliases: Vec<String>,
}

/// A `provider` configuration block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderConfig {
    /// Provider local name.
    pub name: String,
    /// `alias`, if set.
    pub alias: Option<String>,
    /// Where it is declared.
    pub position: Position,
}

/// Managed (`resource`) or `data`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceMode {
    /// `resource`.
    #[default]
    Managed,
    /// `data`.
    Data,
}

/// A `resource` or `data` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceDecl {
    /// Mode.
    pub mode: ResourceMode,
    /// Type (`aws_vpc`).
    pub resource_type: String,
    /// Name.
    pub name: String,
    /// Explicit `provider` reference, if any.
    pub provider: Option<String>,
    /// The `#`/`//` comment lines right above the block, joined with spaces.
    pub comment: Option<String>,
    /// Where it is declared.
    pub position: Position,
}

impl ResourceDecl {
    /// The provider's local name: the explicit reference, or the type's prefix.
    pub fn provider_name(&self) -> String {
        match &self.provider {
            Some(p) => p.split('.').next().unwrap_or(p).to_string(),
            None => self
                .resource_type
                .split('_')
                .next()
                .unwrap_or(&self.resource_type)
                .to_string(),
        }
    }
}

/// A `module` call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleCallDecl {
    /// Label.
    pub name: String,
    /// `source`.
    pub source: String,
    /// `version`, if set.
    pub version: Option<String>,
    /// The `#`/`//` comment lines right above the block, joined with spaces.
    pub comment: Option<String>,
    /// Where it is declared.
    pub position: Position,
}

/// Everything one module directory declares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModuleModel {
    /// Directory relative to the module root (`""` for the root).
    pub path: String,
    /// Header comment of `main.tf`.
    pub header: Option<String>,
    /// `required_version` constraints.
    pub required_version: Option<String>,
    /// Variables, sorted by name.
    pub variables: Vec<Variable>,
    /// Outputs, sorted by name.
    pub outputs: Vec<OutputValue>,
    /// Required providers, sorted by name.
    pub required_providers: Vec<RequiredProvider>,
    /// Provider configurations.
    pub provider_configs: Vec<ProviderConfig>,
    /// Resources and data sources.
    pub resources: Vec<ResourceDecl>,
    /// Module calls, sorted by name.
    pub module_calls: Vec<ModuleCallDecl>,
    /// Local value names.
    pub locals: Vec<String>,
    /// README text.
    pub readme: Option<String>,
    /// Problems reading files; the rest is still described.
    pub diagnostics: Vec<Problem>,
}

impl ModuleModel {
    /// The type `o`'s value expression states ([`crate::output_type`]).
    pub fn output_type(&self, o: &OutputValue) -> Option<String> {
        use crate::output_type::{TypeHint, hint, normalized};
        // The expression is a slice of a file that parsed (and passed the
        // bracket pre-check), so parsing it again is cheap.
        let e = hcl::edit::parser::parse_expr(o.value_expr.as_deref()?).ok()?;
        match hint(&e) {
            TypeHint::Known(t) => Some(t.to_string()),
            TypeHint::Input(name) => self
                .variables
                .iter()
                .find(|v| v.name == name)?
                .type_expr
                .as_deref()
                .map(normalized),
            TypeHint::Unknown => None,
        }
    }

    /// The registry's summary of this directory.
    pub fn interface(&self) -> ModuleInterface {
        let mut providers: Vec<ProviderRequirement> = self
            .required_providers
            .iter()
            .map(|p| ProviderRequirement {
                name: p.name.clone(),
                source: p.source.clone(),
                version: p.version.clone(),
            })
            .collect();
        for r in &self.resources {
            let name = r.provider_name();
            if !providers.iter().any(|p| p.name == name) {
                providers.push(ProviderRequirement {
                    name,
                    source: None,
                    version: None,
                });
            }
        }
        providers.sort_by(|a, b| a.name.cmp(&b.name));
        ModuleInterface {
            path: self.path.clone(),
            inputs: self
                .variables
                .iter()
                .map(|v| Input {
                    name: v.name.clone(),
                    type_expr: v.type_expr.clone(),
                    description: v.description.clone(),
                    default: v.default.clone(),
                    required: v.required(),
                    sensitive: v.sensitive,
                    validations: Some(
                        v.validations
                            .iter()
                            .map(|r| InputValidation {
                                condition: r.condition.clone(),
                                error_message: r.error_message.clone(),
                            })
                            .collect(),
                    ),
                })
                .collect(),
            outputs: self
                .outputs
                .iter()
                .map(|o| Output {
                    name: o.name.clone(),
                    description: o.description.clone(),
                    sensitive: o.sensitive,
                    value_type: self.output_type(o),
                })
                .collect(),
            providers,
            dependencies: self
                .module_calls
                .iter()
                .map(|m| ModuleCall {
                    name: m.name.clone(),
                    source: m.source.clone(),
                    version: m.version.clone(),
                })
                .collect(),
            resources: self
                .resources
                .iter()
                .map(|r| Resource {
                    resource_type: r.resource_type.clone(),
                    name: r.name.clone(),
                    mode: match r.mode {
                        ResourceMode::Managed => "managed".into(),
                        ResourceMode::Data => "data".into(),
                    },
                })
                .collect(),
            required_version: self.required_version.clone(),
            readme: self.readme.clone(),
        }
    }
}
