//! What terraform-docs documents about one module directory, built from the
//! parsed [`ModuleModel`] with terraform-docs' rules (types from defaults,
//! descriptions from comments, `terraform-docs-ignore`, providers from
//! resources, requirement rows, resource links, `?ref=` module versions).

use std::collections::BTreeMap;

use registry_core::ModuleFiles;
use serde_json::Value;

use super::settings::{Settings, SortBy};
use crate::model::{ModuleModel, Position, ResourceMode};

/// An input variable as documented.
#[derive(Debug, Clone, PartialEq)]
pub struct DocInput {
    /// Name.
    pub name: String,
    /// Type as written, or guessed from the default.
    pub type_expr: String,
    /// Description (attribute, or comment with read-comments).
    pub description: String,
    /// Default (`Some(Null)` for `default = null`).
    pub default: Option<Value>,
    /// No default.
    pub required: bool,
    /// Declared at.
    pub position: Position,
}

impl DocInput {
    /// terraform-docs' `GetValue`: the default as indented JSON; `""` when required.
    pub fn value(&self) -> String {
        match &self.default {
            None => String::new(),
            Some(v) => super::gojson::to_string(v, false),
        }
    }
}

/// An output as documented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocOutput {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Declared at.
    pub position: Position,
    /// Its value, when output values are shown (`<sensitive>` for a
    /// sensitive one).
    pub value: Option<Value>,
    /// Marked sensitive in the values.
    pub sensitive: bool,
}

impl DocOutput {
    /// What terraform-docs' templates show as the value: `<sensitive>`, or
    /// `GetValue` (indented JSON, HTML-escaped as Go's `MarshalIndent`
    /// escapes it; `""` for null or when values are off).
    pub fn shown_value(&self) -> String {
        if self.sensitive {
            return super::output_values::SENSITIVE.to_string();
        }
        match &self.value {
            None | Some(Value::Null) => String::new(),
            Some(v) => super::gojson::to_string(v, true),
        }
    }
}

/// A provider used by the module's resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocProvider {
    /// Local name.
    pub name: String,
    /// Alias, if any.
    pub alias: Option<String>,
    /// Locked version or constraints.
    pub version: String,
    /// First use.
    pub position: Position,
}

impl DocProvider {
    /// `name` or `name.alias`.
    pub fn full_name(&self) -> String {
        match &self.alias {
            Some(a) => format!("{}.{a}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A requirement row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRequirement {
    /// `terraform` or a provider name.
    pub name: String,
    /// One constraint.
    pub version: String,
}

/// A resource or data source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocResource {
    /// `managed` or `data`.
    pub mode: ResourceMode,
    /// Provider local name.
    pub provider_name: String,
    /// Provider source (`hashicorp/aws`).
    pub provider_source: String,
    /// Type without the provider prefix (`instance`).
    pub type_name: String,
    /// Resource name.
    pub name: String,
    /// Docs version (`latest` or an exact pin).
    pub version: String,
    /// Comment description.
    pub description: String,
    /// Declared at.
    pub position: Position,
}

impl DocResource {
    /// `aws_instance.web`.
    pub fn spec(&self) -> String {
        format!("{}_{}.{}", self.provider_name, self.type_name, self.name)
    }

    /// `resource` or `data source`.
    pub fn mode_name(&self) -> &'static str {
        match self.mode {
            ResourceMode::Managed => "resource",
            ResourceMode::Data => "data source",
        }
    }

    /// The provider docs URL, when the source is a registry `namespace/name`.
    pub fn url(&self) -> Option<String> {
        if self.provider_source.matches('/').count() > 1 {
            return None;
        }
        let kind = match self.mode {
            ResourceMode::Managed => "resources",
            ResourceMode::Data => "data-sources",
        };
        Some(format!(
            "https://registry.terraform.io/providers/{}/{}/docs/{kind}/{}",
            self.provider_source, self.version, self.type_name
        ))
    }
}

/// A module call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocModuleCall {
    /// Label.
    pub name: String,
    /// Source (without a `?ref=` turned into the version).
    pub source: String,
    /// Version.
    pub version: String,
    /// Comment description.
    pub description: String,
    /// Declared at.
    pub position: Position,
}

/// Everything documented about a module directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocModule {
    /// Header text.
    pub header: String,
    /// Footer text.
    pub footer: String,
    /// Inputs.
    pub inputs: Vec<DocInput>,
    /// Module calls.
    pub modules: Vec<DocModuleCall>,
    /// Outputs.
    pub outputs: Vec<DocOutput>,
    /// Providers.
    pub providers: Vec<DocProvider>,
    /// Requirements.
    pub requirements: Vec<DocRequirement>,
    /// Resources.
    pub resources: Vec<DocResource>,
}

fn ignored(comment: &Option<String>) -> bool {
    comment
        .as_deref()
        .is_some_and(|c| c.contains("terraform-docs-ignore"))
}

fn type_of(type_expr: Option<&str>, default: Option<&Value>) -> String {
    if let Some(t) = type_expr {
        let t = t.trim();
        // Legacy quoted types (`type = "string"`) print without quotes.
        if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
            return t[1..t.len() - 1].to_string();
        }
        return t.to_string();
    }
    match default {
        Some(Value::String(_)) => "string".into(),
        Some(Value::Number(_)) => "number".into(),
        Some(Value::Bool(_)) => "bool".into(),
        Some(Value::Array(_)) => "list".into(),
        Some(Value::Object(_)) => "map".into(),
        _ => "any".into(),
    }
}

/// terraform-docs' `resourceVersion`: an exact pin, else `latest`.
fn resource_version(constraint: Option<&str>) -> String {
    let Some(c) = constraint else {
        return "latest".into();
    };
    let parts: Vec<&str> = c.split(' ').collect();
    match parts.as_slice() {
        [one] => {
            let first = one.chars().next().unwrap_or(' ');
            if first.is_ascii_digit() {
                one.to_string()
            } else if first == '=' {
                one[1..].to_string()
            } else {
                "latest".into()
            }
        }
        ["=", v] => v.to_string(),
        _ => "latest".into(),
    }
}

/// Provider versions from `.terraform.lock.hcl`, keyed by `namespace/type`.
fn locked_versions(files: &ModuleFiles, dir: &str) -> BTreeMap<String, String> {
    let path = if dir.is_empty() {
        ".terraform.lock.hcl".to_string()
    } else {
        format!("{dir}/.terraform.lock.hcl")
    };
    let mut out = BTreeMap::new();
    let Some(text) = files.text(&path) else {
        return out;
    };
    if registry_core::hcl_brackets::check_hcl_brackets(text).is_err() {
        return out;
    }
    let Ok(body) = hcl::edit::parser::parse_body(text) else {
        return out;
    };
    for block in body.get_blocks("provider") {
        let Some(addr) = block.labels.first().map(|l| l.as_str().to_string()) else {
            continue;
        };
        let short: Vec<&str> = addr.rsplitn(3, '/').collect();
        let key = if short.len() >= 2 {
            format!("{}/{}", short[1], short[0])
        } else {
            addr.clone()
        };
        if let Some(a) = block.body.get_attribute("version")
            && let hcl::Value::String(v) = hcl::Value::from(hcl::Expression::from(a.value.clone()))
        {
            out.insert(key.to_ascii_lowercase(), v);
        }
    }
    out
}

fn read_section(files: &ModuleFiles, dir: &str, name: &str, model: &ModuleModel) -> String {
    let path = if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    };
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".tf") || lower.ends_with(".tofu") {
        if lower == "main.tf" && path.ends_with("main.tf") {
            return model.header.clone().unwrap_or_default();
        }
        return files
            .text(&path)
            .map(crate::parse::header_comment_block)
            .unwrap_or_default()
            .unwrap_or_default();
    }
    files.text(&path).unwrap_or_default().to_string()
}

/// Build the documented view of directory `dir`.
pub fn build(
    files: &ModuleFiles,
    dir: &str,
    model: &ModuleModel,
    settings: &Settings,
) -> DocModule {
    let mut doc = DocModule {
        header: if settings.sections.header {
            read_section(files, dir, &settings.header_from, model)
        } else {
            String::new()
        },
        footer: match (&settings.footer_from, settings.sections.footer) {
            (Some(f), true) => read_section(files, dir, f, model),
            _ => String::new(),
        },
        ..Default::default()
    };
    let comment_or = |desc: &Option<String>, comment: &Option<String>| -> String {
        match desc {
            Some(d) => d.replace("\r\n", "\n"),
            None if settings.read_comments => comment.clone().unwrap_or_default(),
            None => String::new(),
        }
    };

    for v in model.variables.iter().filter(|v| !ignored(&v.comment)) {
        doc.inputs.push(DocInput {
            name: v.name.clone(),
            type_expr: type_of(v.type_expr.as_deref(), v.default.as_ref()),
            description: comment_or(&v.description, &v.comment),
            default: v.default.clone(),
            required: v.default.is_none(),
            position: v.position.clone(),
        });
    }
    for o in model.outputs.iter().filter(|o| !ignored(&o.comment)) {
        let (value, sensitive) = match &settings.output_values {
            Some(values) => {
                let (v, s) = values.shown(&o.name);
                (Some(v), s)
            }
            None => (None, false),
        };
        doc.outputs.push(DocOutput {
            name: o.name.clone(),
            description: comment_or(&o.description, &o.comment),
            position: o.position.clone(),
            value,
            sensitive,
        });
    }
    for m in model.module_calls.iter().filter(|m| !ignored(&m.comment)) {
        let (source, version) = match (&m.version, m.source.rfind("?ref=")) {
            (None, Some(i)) => (m.source[..i].to_string(), m.source[i + 5..].to_string()),
            (v, _) => (m.source.clone(), v.clone().unwrap_or_default()),
        };
        doc.modules.push(DocModuleCall {
            name: m.name.clone(),
            source,
            version,
            description: if settings.read_comments {
                m.comment.clone().unwrap_or_default()
            } else {
                String::new()
            },
            position: m.position.clone(),
        });
    }

    let required: BTreeMap<&str, &crate::model::RequiredProvider> = model
        .required_providers
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let locks = if settings.lockfile {
        locked_versions(files, dir)
    } else {
        BTreeMap::new()
    };
    for r in model.resources.iter().filter(|r| !ignored(&r.comment)) {
        let provider_ref = r.provider.clone().unwrap_or_default();
        let (pname, alias) = match provider_ref.split_once('.') {
            Some((n, a)) => (n.to_string(), Some(a.to_string())),
            None if !provider_ref.is_empty() => (provider_ref.clone(), None),
            None => (
                r.resource_type
                    .split('_')
                    .next()
                    .unwrap_or(&r.resource_type)
                    .to_string(),
                None,
            ),
        };
        let req = required.get(pname.as_str());
        let source = req
            .and_then(|p| p.source.clone())
            .unwrap_or_else(|| format!("hashicorp/{pname}"));
        let constraint = req.and_then(|p| p.version.clone());
        doc.resources.push(DocResource {
            mode: r.mode,
            provider_name: pname.clone(),
            provider_source: source.clone(),
            type_name: r
                .resource_type
                .strip_prefix(&format!("{pname}_"))
                .unwrap_or(&r.resource_type)
                .to_string(),
            name: r.name.clone(),
            version: resource_version(constraint.as_deref()),
            description: if settings.read_comments {
                r.comment.clone().unwrap_or_default()
            } else {
                String::new()
            },
            position: r.position.clone(),
        });
        if !doc
            .providers
            .iter()
            .any(|p| p.name == pname && p.alias == alias)
        {
            let version = locks
                .get(&source.to_ascii_lowercase())
                .cloned()
                .or(constraint)
                .unwrap_or_default();
            doc.providers.push(DocProvider {
                name: pname,
                alias,
                version,
                position: r.position.clone(),
            });
        }
    }

    if let Some(tv) = &model.required_version {
        doc.requirements.push(DocRequirement {
            name: "terraform".into(),
            version: tv.clone(),
        });
    }
    let mut provs: Vec<&crate::model::RequiredProvider> = model.required_providers.iter().collect();
    provs.sort_by(|a, b| a.name.cmp(&b.name));
    for p in provs {
        if let Some(v) = &p.version {
            doc.requirements.push(DocRequirement {
                name: p.name.clone(),
                version: v.clone(),
            });
        }
    }

    sort(&mut doc, settings);
    doc
}

fn by_position(a: &Position, b: &Position) -> std::cmp::Ordering {
    (a.file.as_str(), a.line).cmp(&(b.file.as_str(), b.line))
}

fn sort(doc: &mut DocModule, settings: &Settings) {
    match settings.sort {
        None => {
            doc.inputs
                .sort_by(|a, b| by_position(&a.position, &b.position));
            doc.outputs
                .sort_by(|a, b| by_position(&a.position, &b.position));
            doc.modules
                .sort_by(|a, b| by_position(&a.position, &b.position));
            doc.providers
                .sort_by(|a, b| by_position(&a.position, &b.position));
        }
        Some(by) => {
            match by {
                SortBy::Name => doc.inputs.sort_by(|a, b| a.name.cmp(&b.name)),
                SortBy::Required => doc
                    .inputs
                    .sort_by(|a, b| b.required.cmp(&a.required).then(a.name.cmp(&b.name))),
                SortBy::Type => doc
                    .inputs
                    .sort_by(|a, b| a.type_expr.cmp(&b.type_expr).then(a.name.cmp(&b.name))),
            }
            doc.outputs.sort_by(|a, b| a.name.cmp(&b.name));
            match by {
                SortBy::Type => doc
                    .modules
                    .sort_by(|a, b| a.source.cmp(&b.source).then(a.name.cmp(&b.name))),
                _ => doc.modules.sort_by(|a, b| a.name.cmp(&b.name)),
            }
            doc.providers
                .sort_by(|a, b| a.name.cmp(&b.name).then(a.alias.cmp(&b.alias)));
        }
    }
    // Resources: always managed before data, then by spec, then name.
    doc.resources.sort_by(|a, b| {
        let mode = |m: ResourceMode| if m == ResourceMode::Managed { 0 } else { 1 };
        mode(a.mode)
            .cmp(&mode(b.mode))
            .then(a.spec().cmp(&b.spec()))
            .then(a.name.cmp(&b.name))
    });
}
