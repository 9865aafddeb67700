//! Terraform's JSON configuration syntax (`.tf.json`): the same declarations
//! as HCL, read from objects.

use serde_json::Value;

use crate::model::*;

fn s(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn entries(v: Option<&Value>) -> Vec<(&String, &Value)> {
    // A block type maps labels to bodies; bodies may also be arrays of bodies.
    match v {
        Some(Value::Object(m)) => m
            .iter()
            .flat_map(|(k, v)| match v {
                Value::Array(items) => items.iter().map(|i| (k, i)).collect::<Vec<_>>(),
                other => vec![(k, other)],
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Read one parsed `.tf.json` document into the model.
pub(crate) fn read_json(file: &str, doc: &Value, model: &mut ModuleModel) {
    let pos = || Position {
        file: file.to_string(),
        line: 1,
    };
    for (name, body) in entries(doc.get("variable")) {
        model.variables.push(Variable {
            name: name.clone(),
            type_expr: s(body.get("type")),
            description: s(body.get("description")),
            default: body.get("default").cloned(),
            sensitive: body
                .get("sensitive")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            nullable: body.get("nullable").and_then(Value::as_bool),
            validations: Vec::new(),
            comment: None,
            position: pos(),
        });
    }
    for (name, body) in entries(doc.get("output")) {
        model.outputs.push(OutputValue {
            name: name.clone(),
            description: s(body.get("description")),
            sensitive: body
                .get("sensitive")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            value_expr: s(body.get("value")),
            comment: None,
            position: pos(),
        });
    }
    for (name, body) in entries(doc.get("module")) {
        model.module_calls.push(ModuleCallDecl {
            name: name.clone(),
            source: s(body.get("source")).unwrap_or_default(),
            version: s(body.get("version")),
            comment: None,
            position: pos(),
        });
    }
    for (mode, key) in [
        (ResourceMode::Managed, "resource"),
        (ResourceMode::Data, "data"),
    ] {
        for (rtype, by_name) in entries(doc.get(key)) {
            for (name, body) in entries(Some(by_name)) {
                model.resources.push(ResourceDecl {
                    mode,
                    resource_type: rtype.clone(),
                    name: name.clone(),
                    provider: s(body.get("provider")),
                    comment: None,
                    position: pos(),
                });
            }
        }
    }
    for (_, tf) in entries(Some(
        &serde_json::json!({ "t": doc.get("terraform").cloned().unwrap_or(Value::Null) }),
    )) {
        if let Some(v) = s(tf.get("required_version")) {
            model.required_version = Some(v);
        }
        for (name, req) in entries(tf.get("required_providers")) {
            model.required_providers.push(match req {
                Value::String(v) => RequiredProvider {
                    name: name.clone(),
                    version: Some(v.clone()),
                    ..Default::default()
                },
                obj => RequiredProvider {
                    name: name.clone(),
                    source: s(obj.get("source")),
                    version: s(obj.get("version")),
                    aliases: Vec::new(),
                },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_configuration_is_read() {
        let doc = serde_json::json!({
            "variable": {"region": {"type": "string", "default": "eu-west-1"}},
            "output": {"id": {"value": "${aws_vpc.this.id}", "description": "Id."}},
            "resource": {"aws_vpc": {"this": {"cidr_block": "10.0.0.0/16"}}},
            "module": {"net": {"source": "acme/net/aws", "version": "1.0.0"}},
            "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "~> 5.0"}}}
        });
        let mut m = ModuleModel::default();
        read_json("main.tf.json", &doc, &mut m);
        assert_eq!(m.variables[0].default, Some(serde_json::json!("eu-west-1")));
        assert_eq!(m.outputs[0].description.as_deref(), Some("Id."));
        assert_eq!(m.resources[0].resource_type, "aws_vpc");
        assert_eq!(m.module_calls[0].version.as_deref(), Some("1.0.0"));
        assert_eq!(
            m.required_providers[0].source.as_deref(),
            Some("hashicorp/aws")
        );
    }
}
