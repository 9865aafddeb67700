//! terraform-docs' `json` formatter: its keys, key order, two-space
//! indentation, `null` for empty strings, and HTML escaping when `escape` is on.

use super::docmodel::DocModule;
use super::gojson;
use super::settings::Settings;

struct W<'a> {
    out: String,
    escape: bool,
    _s: &'a Settings,
}

impl W<'_> {
    fn s(&self, v: &str) -> String {
        gojson::string(v, self.escape)
    }

    /// `types.String`: empty is `null`.
    fn ns(&self, v: &str) -> String {
        if v.is_empty() {
            "null".into()
        } else {
            self.s(v)
        }
    }

    fn object(&mut self, indent: &str, fields: &[(&str, String)]) {
        self.out.push_str("{\n");
        for (i, (k, v)) in fields.iter().enumerate() {
            self.out.push_str(&format!("{indent}  {}: {v}", self.s(k)));
            if i + 1 < fields.len() {
                self.out.push(',');
            }
            self.out.push('\n');
        }
        self.out.push_str(indent);
        self.out.push('}');
    }

    fn list(&mut self, key: &str, items: Vec<Vec<(&str, String)>>, last: bool) {
        self.out.push_str(&format!("  {}: ", self.s(key)));
        if items.is_empty() {
            self.out.push_str("[]");
        } else {
            self.out.push_str("[\n");
            let n = items.len();
            for (i, fields) in items.into_iter().enumerate() {
                self.out.push_str("    ");
                self.object("    ", &fields);
                if i + 1 < n {
                    self.out.push(',');
                }
                self.out.push('\n');
            }
            self.out.push_str("  ]");
        }
        if !last {
            self.out.push(',');
        }
        self.out.push('\n');
    }
}

/// The `json` document (no trailing newline).
pub fn render(doc: &DocModule, settings: &Settings) -> String {
    let sec = &settings.sections;
    let mut w = W {
        out: String::from("{\n"),
        escape: settings.escape,
        _s: settings,
    };
    let header = if sec.header {
        w.s(&doc.header)
    } else {
        w.s("")
    };
    let footer = if sec.footer {
        w.s(&doc.footer)
    } else {
        w.s("")
    };
    w.out.push_str(&format!(
        "  \"header\": {header},\n  \"footer\": {footer},\n"
    ));

    let inputs = if sec.inputs {
        doc.inputs
            .iter()
            .map(|i| {
                let default = match &i.default {
                    None => "null".to_string(),
                    Some(v) => {
                        let mut s = String::new();
                        gojson::write(v, settings.escape, 3, &mut s);
                        s
                    }
                };
                vec![
                    ("name", w.s(&i.name)),
                    ("type", w.ns(&i.type_expr)),
                    ("description", w.ns(&i.description)),
                    ("default", default),
                    ("required", i.required.to_string()),
                ]
            })
            .collect()
    } else {
        Vec::new()
    };
    w.list("inputs", inputs, false);

    let modules = if sec.modules {
        doc.modules
            .iter()
            .map(|m| {
                vec![
                    ("name", w.s(&m.name)),
                    ("source", w.ns(&m.source)),
                    ("version", w.ns(&m.version)),
                    ("description", w.ns(&m.description)),
                ]
            })
            .collect()
    } else {
        Vec::new()
    };
    w.list("modules", modules, false);

    let outputs = if sec.outputs {
        doc.outputs
            .iter()
            .map(|o| {
                vec![
                    ("name", w.s(&o.name)),
                    ("description", w.ns(&o.description)),
                ]
            })
            .collect()
    } else {
        Vec::new()
    };
    w.list("outputs", outputs, false);

    let providers = if sec.providers {
        doc.providers
            .iter()
            .map(|p| {
                vec![
                    ("name", w.s(&p.name)),
                    ("alias", w.ns(p.alias.as_deref().unwrap_or(""))),
                    ("version", w.ns(&p.version)),
                ]
            })
            .collect()
    } else {
        Vec::new()
    };
    w.list("providers", providers, false);

    let requirements = if sec.requirements {
        doc.requirements
            .iter()
            .map(|r| vec![("name", w.s(&r.name)), ("version", w.ns(&r.version))])
            .collect()
    } else {
        Vec::new()
    };
    w.list("requirements", requirements, false);

    let resources = if sec.resources || sec.data_sources {
        doc.resources
            .iter()
            .filter(|r| match r.mode {
                crate::model::ResourceMode::Managed => sec.resources,
                crate::model::ResourceMode::Data => sec.data_sources,
            })
            .map(|r| {
                vec![
                    ("type", w.s(&r.type_name)),
                    ("name", w.s(&r.name)),
                    ("provider", w.s(&r.provider_name)),
                    ("source", w.s(&r.provider_source)),
                    (
                        "mode",
                        w.s(match r.mode {
                            crate::model::ResourceMode::Managed => "managed",
                            crate::model::ResourceMode::Data => "data",
                        }),
                    ),
                    ("version", w.s(&r.version)),
                    ("description", w.ns(&r.description)),
                ]
            })
            .collect()
    } else {
        Vec::new()
    };
    w.list("resources", resources, true);
    w.out.push('}');
    w.out
}
