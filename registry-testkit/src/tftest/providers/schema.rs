//! Provider schemas: which attributes a resource type has, their types,
//! and which are required, optional or computed. Read from `terraform
//! providers schema -json` output, or from the compact bundled form
//! (`scripts/strip-provider-schema.py`) decompressed once and parsed one
//! type at a time.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value as Json;

use crate::tftest::config::Mode;
use crate::tftest::value::Type;

/// How a nested block (or nested attribute) repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one, as an object.
    Single,
    /// Exactly one, always present.
    Group,
    /// A list of them.
    List,
    /// A set of them.
    Set,
    /// A map of them, by label.
    Map,
}

impl Nesting {
    fn parse(s: &str) -> Nesting {
        match s {
            "single" => Nesting::Single,
            "group" => Nesting::Group,
            "set" => Nesting::Set,
            "map" => Nesting::Map,
            _ => Nesting::List,
        }
    }
}

/// One attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Its type.
    pub ty: Type,
    /// Must be set.
    pub required: bool,
    /// May be set.
    pub optional: bool,
    /// The provider computes it when not set.
    pub computed: bool,
    /// Sensitive.
    pub sensitive: bool,
    /// Write-only (never stored or read back).
    pub write_only: bool,
    /// Nested attributes (`nested_type`).
    pub nested: Option<(Nesting, BTreeMap<String, Attribute>)>,
}

/// A nested block type.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockType {
    /// How it repeats.
    pub nesting: Nesting,
    /// Its contents.
    pub block: Schema,
}

/// A resource type's (or a nested block's) schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    /// Attributes by name.
    pub attributes: BTreeMap<String, Attribute>,
    /// Nested block types by name.
    pub blocks: BTreeMap<String, BlockType>,
}

impl Attribute {
    /// The type values of this attribute have, nested attributes included.
    pub fn value_type(&self) -> Type {
        match &self.nested {
            None => self.ty.clone(),
            Some((nesting, attrs)) => {
                let obj = Type::Object(
                    attrs
                        .iter()
                        .map(|(k, a)| (k.clone(), a.value_type()))
                        .collect(),
                );
                match nesting {
                    Nesting::Single | Nesting::Group => obj,
                    Nesting::List => Type::list(obj),
                    Nesting::Set => Type::set(obj),
                    Nesting::Map => Type::map(obj),
                }
            }
        }
    }
}

impl Schema {
    /// The object type of a value of this block.
    pub fn value_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|(k, a)| (k.clone(), a.value_type()))
            .collect();
        for (k, b) in &self.blocks {
            let obj = b.block.value_type();
            attrs.insert(
                k.clone(),
                match b.nesting {
                    Nesting::Single | Nesting::Group => obj,
                    Nesting::List => Type::list(obj),
                    Nesting::Set => Type::set(obj),
                    Nesting::Map => Type::map(obj),
                },
            );
        }
        Type::Object(attrs)
    }
}

/// A cty type from its JSON form (`"string"`, `["list", "string"]`).
pub fn cty_type(j: &Json) -> Type {
    match j {
        Json::String(s) => match s.as_str() {
            "string" => Type::String,
            "number" => Type::Number,
            "bool" => Type::Bool,
            _ => Type::Dynamic,
        },
        Json::Array(parts) => match (parts.first().and_then(Json::as_str), parts.get(1)) {
            (Some("list"), Some(e)) => Type::list(cty_type(e)),
            (Some("set"), Some(e)) => Type::set(cty_type(e)),
            (Some("map"), Some(e)) => Type::map(cty_type(e)),
            (Some("tuple"), Some(Json::Array(ts))) => {
                Type::Tuple(ts.iter().map(cty_type).collect())
            }
            (Some("object"), Some(Json::Object(m))) => {
                Type::Object(m.iter().map(|(k, v)| (k.clone(), cty_type(v))).collect())
            }
            _ => Type::Dynamic,
        },
        _ => Type::Dynamic,
    }
}

fn compact_attr(j: &Json) -> Option<Attribute> {
    let parts = j.as_array()?;
    let flags = parts.get(1).and_then(Json::as_str).unwrap_or_default();
    let nested = parts.get(2).and_then(|n| {
        let mode = Nesting::parse(n.get("m")?.as_str()?);
        let attrs = n
            .get("a")?
            .as_object()?
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), compact_attr(v)?)))
            .collect();
        Some((mode, attrs))
    });
    Some(Attribute {
        ty: parts.first().map(cty_type).unwrap_or(Type::Dynamic),
        required: flags.contains('r'),
        optional: flags.contains('o'),
        computed: flags.contains('c'),
        sensitive: flags.contains('s'),
        write_only: flags.contains('w'),
        nested,
    })
}

/// A schema from the compact form.
fn compact_schema(j: &Json) -> Schema {
    let attributes = j
        .get("a")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), compact_attr(v)?)))
                .collect()
        })
        .unwrap_or_default();
    let blocks = j
        .get("b")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    let parts = v.as_array()?;
                    Some((
                        k.clone(),
                        BlockType {
                            nesting: Nesting::parse(parts.first()?.as_str()?),
                            block: compact_schema(parts.get(1)?),
                        },
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Schema { attributes, blocks }
}

fn full_attr(j: &Json) -> Attribute {
    let flag = |k: &str| j.get(k).and_then(Json::as_bool).unwrap_or(false);
    Attribute {
        ty: j.get("type").map(cty_type).unwrap_or(Type::Dynamic),
        required: flag("required"),
        optional: flag("optional"),
        computed: flag("computed"),
        sensitive: flag("sensitive"),
        write_only: flag("write_only"),
        nested: j.get("nested_type").map(|n| {
            (
                Nesting::parse(
                    n.get("nesting_mode")
                        .and_then(Json::as_str)
                        .unwrap_or("single"),
                ),
                n.get("attributes")
                    .and_then(Json::as_object)
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), full_attr(v))).collect())
                    .unwrap_or_default(),
            )
        }),
    }
}

/// A schema from `terraform providers schema -json`'s `block` object.
fn full_schema(j: &Json) -> Schema {
    Schema {
        attributes: j
            .get("attributes")
            .and_then(Json::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), full_attr(v))).collect())
            .unwrap_or_default(),
        blocks: j
            .get("block_types")
            .and_then(Json::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            BlockType {
                                nesting: Nesting::parse(
                                    v.get("nesting_mode")
                                        .and_then(Json::as_str)
                                        .unwrap_or("list"),
                                ),
                                block: v.get("block").map(full_schema).unwrap_or_default(),
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The schemas of one provider.
#[derive(Debug, Default)]
pub struct ProviderSchema {
    /// The provider's source (`hashicorp/aws`).
    pub source: String,
    /// Unparsed compact lines by (mode, type), parsed on first use.
    raw: BTreeMap<(Mode, String), String>,
    parsed: Mutex<BTreeMap<(Mode, String), Arc<Schema>>>,
}

impl ProviderSchema {
    /// The schema of a resource type, if the provider has it.
    pub fn get(&self, mode: Mode, ty: &str) -> Option<Arc<Schema>> {
        let key = (mode, ty.to_string());
        let mut parsed = self.parsed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = parsed.get(&key) {
            return Some(s.clone());
        }
        let raw = self.raw.get(&key)?;
        let schema = Arc::new(compact_schema(&serde_json::from_str(raw).ok()?));
        parsed.insert(key, schema.clone());
        Some(schema)
    }

    /// Whether it has a type.
    pub fn has(&self, mode: Mode, ty: &str) -> bool {
        let key = (mode, ty.to_string());
        self.raw.contains_key(&key)
            || self
                .parsed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains_key(&key)
    }
}

fn source_of(full: &str) -> String {
    crate::tftest::config::module::normalise_source(full)
}

/// `terraform providers schema -json` of Terraform 1.11's built-in
/// provider (descriptions left out), so `mock_provider "terraform"`
/// knows which attributes are computed and of what type.
const BUILTIN_TERRAFORM: &str = r#"{"format_version":"1.0","provider_schemas":{"terraform.io/builtin/terraform":{
"resource_schemas":{"terraform_data":{"version":0,"block":{"attributes":{
"id":{"type":"string","computed":true},
"input":{"type":"dynamic","optional":true},
"output":{"type":"dynamic","computed":true},
"triggers_replace":{"type":"dynamic","optional":true}}}}},
"data_source_schemas":{"terraform_remote_state":{"version":0,"block":{"attributes":{
"backend":{"type":"string","required":true},
"config":{"type":"dynamic","optional":true},
"defaults":{"type":"dynamic","optional":true},
"outputs":{"type":"dynamic","computed":true},
"workspace":{"type":"string","optional":true}}}}}}}}"#;

/// Schemas of several providers, by source.
#[derive(Debug, Default)]
pub struct Schemas {
    providers: BTreeMap<String, Arc<ProviderSchema>>,
}

impl Schemas {
    /// The provider schemas bundled with the engine (AWS 5.100, null 2.1
    /// and Terraform's built-in `terraform` provider).
    pub fn bundled() -> &'static Schemas {
        static BUNDLED: OnceLock<Schemas> = OnceLock::new();
        BUNDLED.get_or_init(|| {
            let mut s = Schemas::default();
            for gz in [
                &include_bytes!("../../../schemas/hashicorp-aws-5.100.0.tfschema.gz")[..],
                &include_bytes!("../../../schemas/hashicorp-null-2.1.2.tfschema.gz")[..],
            ] {
                let mut text = String::new();
                if flate2::read::GzDecoder::new(gz)
                    .read_to_string(&mut text)
                    .is_ok()
                {
                    s.add_compact(&text);
                }
            }
            // (A constant document: it always parses.)
            let _ = s.add_json(BUILTIN_TERRAFORM);
            s
        })
    }

    fn add_compact(&mut self, text: &str) {
        let mut current: Option<ProviderSchema> = None;
        for line in text.lines() {
            let Some((tag, rest)) = line.split_once(' ') else {
                continue;
            };
            if tag == "P" {
                if let Some(p) = current.take() {
                    self.providers.insert(p.source.clone(), Arc::new(p));
                }
                current = Some(ProviderSchema {
                    source: source_of(rest),
                    ..ProviderSchema::default()
                });
                continue;
            }
            let mode = match tag {
                "R" => Mode::Managed,
                "D" => Mode::Data,
                "E" => Mode::Ephemeral,
                _ => continue,
            };
            if let (Some(p), Some((ty, json))) = (current.as_mut(), rest.split_once(' ')) {
                p.raw.insert((mode, ty.to_string()), json.to_string());
            }
        }
        if let Some(p) = current.take() {
            self.providers.insert(p.source.clone(), Arc::new(p));
        }
    }

    /// Add the providers of a `terraform providers schema -json` document
    /// (they replace bundled ones of the same source).
    pub fn add_json(&mut self, doc: &str) -> Result<usize, String> {
        let j: Json = serde_json::from_str(doc).map_err(|e| format!("not JSON: {e}"))?;
        let ps = j
            .get("provider_schemas")
            .and_then(Json::as_object)
            .ok_or("no provider_schemas object (expected the output of `terraform providers schema -json`)")?;
        let mut n = 0;
        for (source, p) in ps {
            let mut parsed = BTreeMap::new();
            for (key, mode) in [
                ("resource_schemas", Mode::Managed),
                ("data_source_schemas", Mode::Data),
                ("ephemeral_resource_schemas", Mode::Ephemeral),
            ] {
                for (ty, s) in p.get(key).and_then(Json::as_object).into_iter().flatten() {
                    if let Some(b) = s.get("block") {
                        parsed.insert((mode, ty.clone()), Arc::new(full_schema(b)));
                    }
                }
            }
            self.providers.insert(
                source_of(source),
                Arc::new(ProviderSchema {
                    source: source_of(source),
                    raw: BTreeMap::new(),
                    parsed: Mutex::new(parsed),
                }),
            );
            n += 1;
        }
        Ok(n)
    }

    /// The bundled schemas plus those in `docs` (JSON texts).
    pub fn with_extra(docs: &[String]) -> Result<Schemas, String> {
        let mut s = Schemas::default();
        for (k, v) in &Schemas::bundled().providers {
            s.providers.insert(k.clone(), v.clone());
        }
        for d in docs {
            s.add_json(d)?;
        }
        Ok(s)
    }

    /// A provider's schemas by source (`hashicorp/aws`).
    pub fn provider(&self, source: &str) -> Option<Arc<ProviderSchema>> {
        self.providers.get(&source_of(source)).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_aws_schema_knows_computed_attributes() {
        let aws = Schemas::bundled()
            .provider("hashicorp/aws")
            .expect("bundled aws");
        let q = aws.get(Mode::Managed, "aws_sqs_queue").unwrap();
        let arn = &q.attributes["arn"];
        assert!(arn.computed && !arn.optional);
        assert_eq!(arn.ty, Type::String);
        assert!(q.attributes["name"].optional && q.attributes["name"].computed);
        let ami = aws.get(Mode::Data, "aws_ami").unwrap();
        assert!(ami.attributes.contains_key("image_id"));
        assert!(aws.get(Mode::Managed, "aws_nothing").is_none());
        let null = Schemas::bundled()
            .provider("registry.terraform.io/hashicorp/null")
            .unwrap();
        assert!(null.has(Mode::Managed, "null_resource"));
    }

    #[test]
    fn full_schema_documents_are_read() {
        let doc = r#"{"format_version":"1.0","provider_schemas":{"registry.terraform.io/acme/x":{"resource_schemas":{"x_thing":{"version":0,"block":{"attributes":{"id":{"type":"string","computed":true},"tags":{"type":["map","string"],"optional":true}},"block_types":{"rule":{"nesting_mode":"list","block":{"attributes":{"port":{"type":"number","required":true}}}}}}}}}}}"#;
        let mut s = Schemas::default();
        assert_eq!(s.add_json(doc), Ok(1));
        let x = s
            .provider("acme/x")
            .unwrap()
            .get(Mode::Managed, "x_thing")
            .unwrap();
        assert!(x.attributes["id"].computed);
        assert_eq!(x.blocks["rule"].nesting, Nesting::List);
        assert!(
            x.value_type()
                .to_string()
                .contains("rule=list(object({port=number}))")
        );
    }
}
