//! JSON shapes of the public registry's API (registry.terraform.io `/v1/modules`),
//! plus lifecycle fields of our own.

use registry_core::{ModuleInterface, ModuleRecord};
use serde_json::{Value, json};

fn default_as_string(v: &Option<Value>) -> String {
    // The public registry gives defaults as a string of JSON (`"\"us-east-1\""`,
    // `"{}"`), and `""` when there is none.
    match v {
        None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn provider_namespace(source: Option<&str>) -> String {
    source
        .and_then(|s| {
            let parts: Vec<&str> = s.split('/').collect();
            (parts.len() >= 2).then(|| parts[parts.len() - 2].to_string())
        })
        .unwrap_or_default()
}

/// One module directory (`root`, a submodule or an example).
pub fn interface(iface: &ModuleInterface, name: &str) -> Value {
    let empty = iface.inputs.is_empty() && iface.outputs.is_empty() && iface.resources.is_empty();
    json!({
        "path": iface.path,
        "name": name,
        "readme": iface.readme.clone().unwrap_or_default(),
        "empty": empty,
        "inputs": iface.inputs.iter().map(|i| json!({
            "name": i.name,
            "type": i.type_expr.clone().unwrap_or_else(|| "any".into()),
            "description": i.description.clone().unwrap_or_default(),
            "default": default_as_string(&i.default),
            "required": i.required,
            "sensitive": i.sensitive,
        })).collect::<Vec<_>>(),
        "outputs": iface.outputs.iter().map(|o| json!({
            "name": o.name,
            "description": o.description.clone().unwrap_or_default(),
            "sensitive": o.sensitive,
        })).collect::<Vec<_>>(),
        "dependencies": iface.dependencies.iter().map(|d| json!({
            "name": d.name,
            "source": d.source,
            "version": d.version.clone().unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "provider_dependencies": iface.providers.iter().map(|p| json!({
            "name": p.name,
            "namespace": provider_namespace(p.source.as_deref()),
            "source": p.source.clone().unwrap_or_default(),
            "version": p.version.clone().unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "resources": iface.resources.iter().map(|r| json!({
            "name": r.name,
            "type": r.resource_type,
        })).collect::<Vec<_>>(),
    })
}

fn dir_name(path: &str, fallback: &str) -> String {
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(fallback)
        .to_string()
}

/// The list-entry module object.
pub fn module(r: &ModuleRecord) -> Value {
    let m = &r.metadata;
    let deprecation =
        m.lifecycle.deprecated.as_ref().map(
            |d| json!({ "reason": d.reason, "successor": d.successor, "deprecated_at": d.at }),
        );
    let yanked = m
        .lifecycle
        .yanked
        .as_ref()
        .map(|y| json!({ "reason": y.reason, "yanked_at": y.at }));
    json!({
        "id": format!("{}/{}", r.address, r.version),
        "owner": m.owner.clone().unwrap_or_default(),
        "namespace": r.address.namespace(),
        "name": r.address.name(),
        "version": r.version.as_str(),
        "provider": r.address.system(),
        "description": m.description.clone().unwrap_or_default(),
        "source": m.source_url.clone().unwrap_or_default(),
        "published_at": m.published_at,
        "downloads": m.downloads,
        "verified": false,
        "deprecation": deprecation,
        "yanked": yanked,
        "state": m.lifecycle.state(),
        "sha256": m.sha256.hex(),
        "h1": m.h1,
        "size": m.size,
    })
}

/// The detail object: the module plus root, submodules, examples, providers and versions.
pub fn detail(r: &ModuleRecord, versions: &[String], providers: &[String]) -> Value {
    let mut v = module(r);
    let s = &r.metadata.summary;
    let obj = v.as_object_mut().expect("module is an object");
    obj.insert("root".into(), interface(&s.root, r.address.name()));
    obj.insert(
        "submodules".into(),
        Value::Array(
            s.submodules
                .iter()
                .map(|i| interface(i, &dir_name(&i.path, "submodule")))
                .collect(),
        ),
    );
    obj.insert(
        "examples".into(),
        Value::Array(
            s.examples
                .iter()
                .map(|i| interface(i, &dir_name(&i.path, "example")))
                .collect(),
        ),
    );
    obj.insert("providers".into(), json!(providers));
    obj.insert("versions".into(), json!(versions));
    v
}

fn protocol_deps(iface: &ModuleInterface) -> Value {
    json!({
        "path": iface.path,
        "providers": iface.providers.iter().map(|p| json!({
            "name": p.name,
            "namespace": provider_namespace(p.source.as_deref()),
            "source": p.source.clone().unwrap_or_default(),
            "version": p.version.clone().unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "dependencies": iface.dependencies.iter().map(|d| json!({
            "name": d.name,
            "source": d.source,
            "version": d.version.clone().unwrap_or_default(),
        })).collect::<Vec<_>>(),
    })
}

/// The protocol's `/versions` response.
pub fn versions(source: &str, records: &[ModuleRecord]) -> Value {
    json!({
        "modules": [{
            "source": source,
            "versions": records.iter().map(|r| {
                let s = &r.metadata.summary;
                let mut root = protocol_deps(&s.root);
                if let Some(o) = root.as_object_mut() {
                    o.remove("path");
                }
                json!({
                    "version": r.version.as_str(),
                    "root": root,
                    "submodules": s.submodules.iter().map(protocol_deps).collect::<Vec<_>>(),
                })
            }).collect::<Vec<_>>(),
        }]
    })
}

/// The paging `meta` object, as the public registry writes it.
pub fn meta(limit: usize, offset: usize, has_more: bool, base: &str, extra_query: &str) -> Value {
    let url = |o: usize| {
        let mut q = format!("limit={limit}");
        if o > 0 {
            q.push_str(&format!("&offset={o}"));
        }
        if !extra_query.is_empty() {
            q.push('&');
            q.push_str(extra_query);
        }
        format!("{base}?{q}")
    };
    let mut m = serde_json::Map::new();
    m.insert("limit".into(), json!(limit));
    m.insert("current_offset".into(), json!(offset));
    if has_more {
        m.insert("next_offset".into(), json!(offset + limit));
        m.insert("next_url".into(), json!(url(offset + limit)));
    }
    if offset > 0 {
        let prev = offset.saturating_sub(limit);
        m.insert("prev_offset".into(), json!(prev));
        m.insert("prev_url".into(), json!(url(prev)));
    }
    Value::Object(m)
}
