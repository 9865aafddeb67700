//! The document terraform-docs' data formatters (`json`, `yaml`, and the
//! rest) encode: its keys in its struct order, with the sections that are
//! off left empty, so each format is only an encoder over this tree.

use serde_json::Value;

use super::docmodel::DocModule;
use super::settings::Settings;
use crate::model::ResourceMode;

/// One value of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null` (an empty `types.String`).
    Null,
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
    /// An input's default, as the module wrote it (`null` when absent).
    Value(Value),
    /// A list.
    List(Vec<Node>),
    /// An object, keys in order.
    Map(Vec<(&'static str, Node)>),
    /// A field tagged `omitempty` for TOML only (an output's `value` and
    /// `sensitive`): BurntSushi/toml leaves it out when empty, the other
    /// encoders write it as the node it wraps.
    OmitEmpty(Box<Node>),
}

impl Node {
    /// Go's notion of empty for `omitempty`: false, `""`, null, no items.
    pub fn is_go_empty(&self) -> bool {
        match self {
            Node::Null => true,
            Node::Bool(b) => !b,
            Node::Str(s) => s.is_empty(),
            Node::Value(v) => match v {
                Value::Null => true,
                Value::Bool(b) => !b,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                Value::Number(_) => false,
            },
            Node::List(items) => items.is_empty(),
            Node::Map(fields) => fields.is_empty(),
            Node::OmitEmpty(inner) => inner.is_go_empty(),
        }
    }
}

/// `types.String`: empty is `null`.
fn text(s: &str) -> Node {
    if s.is_empty() {
        Node::Null
    } else {
        Node::Str(s.to_string())
    }
}

fn s(v: &str) -> Node {
    Node::Str(v.to_string())
}

/// The document: `header`, `footer`, `inputs`, `modules`, `outputs`,
/// `providers`, `requirements`, `resources`.
pub fn document(doc: &DocModule, settings: &Settings) -> Vec<(&'static str, Node)> {
    let sec = &settings.sections;
    let list = |on: bool, items: Vec<Node>| Node::List(if on { items } else { Vec::new() });
    let inputs = doc
        .inputs
        .iter()
        .map(|i| {
            Node::Map(vec![
                ("name", s(&i.name)),
                ("type", text(&i.type_expr)),
                ("description", text(&i.description)),
                // An absent default is a null value (a nil map to TOML).
                (
                    "default",
                    Node::Value(i.default.clone().unwrap_or(Value::Null)),
                ),
                ("required", Node::Bool(i.required)),
            ])
        })
        .collect();
    let modules = doc
        .modules
        .iter()
        .map(|m| {
            Node::Map(vec![
                ("name", s(&m.name)),
                ("source", text(&m.source)),
                ("version", text(&m.version)),
                ("description", text(&m.description)),
            ])
        })
        .collect();
    let outputs = doc
        .outputs
        .iter()
        .map(|o| {
            let mut fields = vec![("name", s(&o.name)), ("description", text(&o.description))];
            if let Some(v) = &o.value {
                let omit = |n: Node| Node::OmitEmpty(Box::new(n));
                fields.push(("value", omit(Node::Value(v.clone()))));
                fields.push(("sensitive", omit(Node::Bool(o.sensitive))));
            }
            Node::Map(fields)
        })
        .collect();
    let providers = doc
        .providers
        .iter()
        .map(|p| {
            Node::Map(vec![
                ("name", s(&p.name)),
                ("alias", text(p.alias.as_deref().unwrap_or(""))),
                ("version", text(&p.version)),
            ])
        })
        .collect();
    let requirements = doc
        .requirements
        .iter()
        .map(|r| Node::Map(vec![("name", s(&r.name)), ("version", text(&r.version))]))
        .collect();
    let resources = doc
        .resources
        .iter()
        .filter(|r| match r.mode {
            ResourceMode::Managed => sec.resources,
            ResourceMode::Data => sec.data_sources,
        })
        .map(|r| {
            Node::Map(vec![
                ("type", s(&r.type_name)),
                ("name", s(&r.name)),
                ("provider", s(&r.provider_name)),
                ("source", s(&r.provider_source)),
                (
                    "mode",
                    s(match r.mode {
                        ResourceMode::Managed => "managed",
                        ResourceMode::Data => "data",
                    }),
                ),
                ("version", s(&r.version)),
                ("description", text(&r.description)),
            ])
        })
        .collect();
    vec![
        ("header", s(if sec.header { &doc.header } else { "" })),
        ("footer", s(if sec.footer { &doc.footer } else { "" })),
        ("inputs", list(sec.inputs, inputs)),
        ("modules", list(sec.modules, modules)),
        ("outputs", list(sec.outputs, outputs)),
        ("providers", list(sec.providers, providers)),
        ("requirements", list(sec.requirements, requirements)),
        ("resources", Node::List(resources)),
    ]
}
