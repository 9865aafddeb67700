//! [`TfDocsGenerator`]: the core `DocGenerator` — terraform-docs compatible
//! docs, a JSON Schema of the inputs and outputs, and usage examples.

use async_trait::async_trait;
use hcl::edit::expr::{Expression, ObjectKey};
use registry_core::inspect_archive;
use registry_core::{
    ApiDoc, ArchiveLimits, DocGenerator, Documentation, Example, Module, ModuleFiles,
    ModuleInterface, Result,
};
use serde_json::{Map, Value, json};

use crate::model::{ModuleModel, Variable};
use crate::parse::parse_module_dir;
use crate::tfdocs::{Flavor, Format, render, settings_for};

/// Generates documentation, schemas and examples from a module's archive.
#[derive(Debug, Clone, Copy, Default)]
pub struct TfDocsGenerator;

async fn files_of(module: &Module) -> Result<ModuleFiles> {
    Ok(inspect_archive(&module.archive, &ArchiveLimits::default())
        .await?
        .files)
}

/// The JSON Schema of a Terraform type expression.
pub fn type_schema(e: &Expression) -> Value {
    match e {
        Expression::Variable(v) => primitive(v.as_str()),
        // Legacy quoted types: "string", "list", "map".
        Expression::String(s) => primitive(s.as_str()),
        Expression::Parenthesis(p) => type_schema(p.inner()),
        Expression::FuncCall(call) => {
            let args: Vec<&Expression> = call.args.iter().collect();
            let arg = |i: usize| args.get(i).map(|a| type_schema(a)).unwrap_or(json!({}));
            match call.name.name.as_str() {
                "list" => json!({"type": "array", "items": arg(0)}),
                "set" => json!({"type": "array", "items": arg(0), "uniqueItems": true}),
                "map" => json!({"type": "object", "additionalProperties": arg(0)}),
                "tuple" => match args.first() {
                    Some(Expression::Array(items)) => {
                        let items: Vec<Value> = items.iter().map(type_schema).collect();
                        let n = items.len();
                        json!({"type": "array", "prefixItems": items, "minItems": n, "maxItems": n})
                    }
                    _ => json!({"type": "array"}),
                },
                "object" => match args.first() {
                    Some(Expression::Object(obj)) => {
                        let mut props = Map::new();
                        let mut required = Vec::new();
                        for (k, v) in obj.iter() {
                            let key = match k {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => {
                                    s.as_str().to_string()
                                }
                                ObjectKey::Expression(other) => other.to_string(),
                            };
                            let (schema, optional) = attribute_schema(v.expr());
                            if !optional {
                                required.push(Value::String(key.clone()));
                            }
                            props.insert(key, schema);
                        }
                        json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
                    }
                    _ => json!({"type": "object"}),
                },
                _ => json!({}),
            }
        }
        _ => json!({}),
    }
}

/// An object attribute's schema and whether it is `optional(...)`.
fn attribute_schema(e: &Expression) -> (Value, bool) {
    if let Expression::FuncCall(call) = e
        && call.name.name.as_str() == "optional"
    {
        let args: Vec<&Expression> = call.args.iter().collect();
        let mut schema = args.first().map(|a| type_schema(a)).unwrap_or(json!({}));
        if let (Some(default), Some(obj)) = (args.get(1), schema.as_object_mut()) {
            obj.insert("default".into(), crate::parse::to_json(default));
        }
        return (schema, true);
    }
    (type_schema(e), false)
}

fn primitive(name: &str) -> Value {
    match name {
        "string" => json!({"type": "string"}),
        "number" => json!({"type": "number"}),
        "bool" => json!({"type": "boolean"}),
        "list" => json!({"type": "array"}),
        "map" => json!({"type": "object"}),
        _ => json!({}),
    }
}

fn variable_schema(v: &Variable) -> Value {
    let mut schema = v
        .type_expr
        .as_deref()
        .and_then(|t| hcl::edit::parser::parse_expr(t).ok())
        .map(|e| type_schema(&e))
        .unwrap_or(json!({}));
    let obj = schema.as_object_mut().expect("schemas are objects");
    let mut description = v.description.clone().unwrap_or_default();
    if !v.validations.is_empty() {
        let rules: Vec<String> = v
            .validations
            .iter()
            .map(|r| format!("{} (`{}`)", r.error_message, r.condition))
            .collect();
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&format!("Validation: {}", rules.join("; ")));
        obj.insert(
            "x-terraform-validations".into(),
            Value::Array(
                v.validations
                    .iter()
                    .map(|r| json!({"condition": r.condition, "error_message": r.error_message}))
                    .collect(),
            ),
        );
    }
    if !description.is_empty() {
        obj.insert("description".into(), Value::String(description));
    }
    if let Some(d) = &v.default {
        obj.insert("default".into(), d.clone());
    }
    if v.sensitive {
        obj.insert("writeOnly".into(), Value::Bool(true));
    }
    if v.nullable == Some(false) {
        obj.insert("x-terraform-nullable".into(), Value::Bool(false));
    }
    schema
}

/// JSON Schemas (draft 2020-12) of a module directory's inputs and outputs.
pub fn api_doc(model: &ModuleModel, title: &str) -> ApiDoc {
    let mut props = Map::new();
    let mut required = Vec::new();
    for v in &model.variables {
        if v.default.is_none() {
            required.push(Value::String(v.name.clone()));
        }
        props.insert(v.name.clone(), variable_schema(v));
    }
    let mut outs = Map::new();
    for o in &model.outputs {
        let mut s = Map::new();
        if let Some(d) = &o.description {
            s.insert("description".into(), Value::String(d.clone()));
        }
        if o.sensitive {
            s.insert("writeOnly".into(), Value::Bool(true));
        }
        outs.insert(o.name.clone(), Value::Object(s));
    }
    ApiDoc {
        inputs_schema: json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": format!("{title} inputs"),
            "type": "object",
            "properties": props,
            "required": required,
            "additionalProperties": false,
        }),
        outputs_schema: json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": format!("{title} outputs"),
            "type": "object",
            "properties": outs,
        }),
    }
}

/// A typed placeholder for a required input.
fn placeholder(type_expr: Option<&str>) -> String {
    let t = type_expr.unwrap_or("any").trim().trim_matches('"');
    let head = t.split('(').next().unwrap_or(t).trim();
    match head {
        "string" => "\"\"".into(),
        "number" => "0".into(),
        "bool" => "false".into(),
        "list" | "set" | "tuple" => "[]".into(),
        "map" | "object" => "{}".into(),
        _ => "null".into(),
    }
}

/// A `module` block calling `source` with every required input filled with a
/// typed placeholder and every optional input listed, commented, with its default.
pub fn usage_example(
    call: &str,
    source: &str,
    version: Option<&str>,
    iface: &ModuleInterface,
) -> String {
    let mut s = format!("module \"{call}\" {{\n  source  = \"{source}\"\n");
    if let Some(v) = version {
        s.push_str(&format!("  version = \"{v}\"\n"));
    }
    let (required, optional): (Vec<_>, Vec<_>) = iface.inputs.iter().partition(|i| i.required);
    if !required.is_empty() {
        s.push_str("\n  # Required inputs\n");
        for i in required {
            let ty = i.type_expr.as_deref().unwrap_or("any").replace('\n', " ");
            s.push_str(&format!(
                "  {} = {} # {ty}\n",
                i.name,
                placeholder(i.type_expr.as_deref())
            ));
        }
    }
    if !optional.is_empty() {
        s.push_str("\n  # Optional inputs\n");
        for i in optional {
            let d = i
                .default
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_else(|| "null".into());
            s.push_str(&format!("  # {} = {d}\n", i.name));
        }
    }
    s.push_str("}\n");
    s
}

fn first_paragraph(text: &str) -> Option<String> {
    text.split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#'))
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[async_trait]
impl DocGenerator for TfDocsGenerator {
    async fn generate(&self, module: &Module) -> Result<Documentation> {
        let files = files_of(module).await?;
        let settings = settings_for(&files, "")?;
        let (markdown, diagnostics) =
            render(&files, "", &settings, Format::MarkdownTable, Flavor::Padded);
        let (json, _) = render(&files, "", &settings, Format::Json, Flavor::Padded);
        Ok(Documentation {
            markdown,
            json,
            diagnostics,
        })
    }

    async fn generate_api(&self, module: &Module) -> Result<ApiDoc> {
        let files = files_of(module).await?;
        Ok(api_doc(
            &parse_module_dir(&files, ""),
            &module.address.to_string(),
        ))
    }

    async fn generate_examples(&self, module: &Module) -> Result<Vec<Example>> {
        let files = files_of(module).await?;
        let summary = &module.metadata.summary;
        let name = module.address.name().replace('-', "_");
        let mut out = vec![Example {
            name: "generated".into(),
            path: String::new(),
            description: Some(format!(
                "Calling {} {} with every input",
                module.address, module.version
            )),
            code: usage_example(
                &name,
                &module.address.to_string(),
                Some(&format!("~> {}", module.version.canonical())),
                &summary.root,
            ),
        }];
        for sub in &summary.submodules {
            let sub_name = sub
                .path
                .rsplit('/')
                .next()
                .unwrap_or(&sub.path)
                .replace('-', "_");
            out.push(Example {
                name: format!("generated-{sub_name}"),
                path: sub.path.clone(),
                description: Some(format!("Calling the {} submodule", sub.path)),
                code: usage_example(
                    &sub_name,
                    &format!("{}//{}", module.address, sub.path),
                    Some(&format!("~> {}", module.version.canonical())),
                    sub,
                ),
            });
        }
        for ex in &summary.examples {
            let main = files
                .text(&format!("{}/main.tf", ex.path))
                .unwrap_or_default()
                .to_string();
            let description = ex
                .readme
                .as_deref()
                .and_then(first_paragraph)
                .or_else(|| crate::parse::header_comment(&main));
            // Relative calls of the module itself name this registry, so a
            // copy installs what is published.
            let code = crate::example_sources::rewrite_relative_sources(
                &main,
                &ex.path,
                &module.address.to_string(),
                &format!("~> {}", module.version.canonical()),
            );
            out.push(Example {
                name: ex.path.rsplit('/').next().unwrap_or(&ex.path).to_string(),
                path: ex.path.clone(),
                description,
                code,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(t: &str) -> Value {
        type_schema(&hcl::edit::parser::parse_expr(t).unwrap())
    }

    #[test]
    fn terraform_types_become_json_schema() {
        assert_eq!(schema("string"), json!({"type": "string"}));
        assert_eq!(
            schema("list(number)"),
            json!({"type": "array", "items": {"type": "number"}})
        );
        assert_eq!(schema("set(string)")["uniqueItems"], json!(true));
        assert_eq!(
            schema("map(bool)"),
            json!({"type": "object", "additionalProperties": {"type": "boolean"}})
        );
        assert_eq!(
            schema("tuple([string, number])")["prefixItems"][1],
            json!({"type": "number"})
        );
        let o = schema(
            "object({ name = string, size = optional(number, 3), tags = optional(map(string)) })",
        );
        assert_eq!(o["required"], json!(["name"]));
        assert_eq!(
            o["properties"]["size"],
            json!({"type": "number", "default": 3})
        );
        assert_eq!(o["additionalProperties"], json!(false));
        assert_eq!(schema("any"), json!({}));
        assert_eq!(schema("\"map\""), json!({"type": "object"}));
    }

    #[test]
    fn api_doc_carries_validation_rules_and_required_inputs() {
        let mut f = ModuleFiles::new();
        f.insert(
            "main.tf",
            "variable \"cidr\" {\n  type = string\n  description = \"CIDR.\"\n  validation {\n    condition = can(cidrhost(var.cidr, 0))\n    error_message = \"Must be a CIDR.\"\n  }\n}\nvariable \"n\" {\n  type = number\n  default = 2\n}\noutput \"id\" {\n  value = 1\n  description = \"Id.\"\n  sensitive = true\n}\n",
        );
        let api = api_doc(&parse_module_dir(&f, ""), "acme/vpc/aws");
        let i = &api.inputs_schema;
        assert_eq!(i["required"], json!(["cidr"]));
        assert_eq!(i["properties"]["n"]["default"], json!(2));
        assert!(
            i["properties"]["cidr"]["description"]
                .as_str()
                .unwrap()
                .contains("Validation: Must be a CIDR. (`can(cidrhost(var.cidr, 0))`)")
        );
        assert_eq!(
            i["properties"]["cidr"]["x-terraform-validations"][0]["error_message"],
            json!("Must be a CIDR.")
        );
        assert_eq!(
            api.outputs_schema["properties"]["id"],
            json!({"description": "Id.", "writeOnly": true})
        );
    }

    #[test]
    fn usage_example_fills_required_and_lists_optional() {
        let iface = ModuleInterface {
            inputs: vec![
                registry_core::Input {
                    name: "name".into(),
                    type_expr: Some("string".into()),
                    required: true,
                    ..Default::default()
                },
                registry_core::Input {
                    name: "tags".into(),
                    type_expr: Some("map(string)".into()),
                    required: true,
                    ..Default::default()
                },
                registry_core::Input {
                    name: "shout".into(),
                    type_expr: Some("bool".into()),
                    default: Some(json!(false)),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let code = usage_example("greeting", "example/greeting/null", Some("~> 1.0"), &iface);
        assert_eq!(
            code,
            "module \"greeting\" {\n  source  = \"example/greeting/null\"\n  version = \"~> 1.0\"\n\n  # Required inputs\n  name = \"\" # string\n  tags = {} # map(string)\n\n  # Optional inputs\n  # shout = false\n}\n"
        );
    }
}
