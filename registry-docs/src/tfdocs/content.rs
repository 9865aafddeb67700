//! `content` of `.terraform-docs.yml`: a Go text/template (run by gotmpl)
//! over the formatter's sections, as terraform-docs runs it. Only the
//! markdown and asciidoc formatters take it; the others ignore it.
//!
//! The data is terraform-docs': `.Content` (the whole default document),
//! `.Header`, `.Footer`, `.Inputs`, `.Modules`, `.Outputs`, `.Providers`,
//! `.Requirements` and `.Resources` (each section as the formatter writes
//! it, heading included; `""` when hidden), `.Module` (the documented
//! module, with terraform-docs' field names) and `.Config` (sections and
//! settings). Functions: Go's built-ins, terraform-docs' own (`default`,
//! `indent`, `name`, `ternary`, `tostring`, `trim*`, `sanitize*`,
//! `anchorName*`), `include`, and sprig's functions (`tfdocs/sprig/`: all
//! but those reading the environment, files or network, and the random
//! ones).

use std::sync::Arc;

use gotmpl::{TemplateError, Value};

fn fail(name: &str, why: impl std::fmt::Display) -> TemplateError {
    TemplateError::Exec(format!("error calling {name}: {why}"))
}
use registry_core::{Error, Result};

use super::docmodel::DocModule;
use super::markdown::Flavor;
use super::sanitize;
use super::settings::{Sections, Settings};
use super::sprig::{self, arg, str_arg};
use super::{Format, format_doc};

/// Reads a file for `include`, by its path relative to the module root.
pub type Include = Arc<dyn Fn(&str) -> std::result::Result<String, String> + Send + Sync>;

/// Whether `format` takes a `content` template.
pub fn takes_content(format: Format) -> bool {
    matches!(
        format,
        Format::MarkdownTable
            | Format::MarkdownDocument
            | Format::AsciidocTable
            | Format::AsciidocDocument
    )
}

/// `doc` in `format`, through `template` when the format takes one (an
/// empty template is the default document). One trailing newline of the
/// template's result is dropped, as terraform-docs drops it.
pub fn render(
    doc: &DocModule,
    settings: &Settings,
    format: Format,
    flavor: Flavor,
    template: &str,
    include: Include,
) -> Result<String> {
    let whole = format_doc(doc, settings, format, flavor);
    if template.is_empty() || !takes_content(format) {
        return Ok(whole);
    }
    let section = |only: Sections| {
        let mut s = settings.clone();
        s.sections = only;
        format_doc(doc, &s, format, flavor)
    };
    let on = settings.sections;
    let only = |pick: fn(&mut Sections, &Sections)| {
        let mut s = Sections::NONE;
        pick(&mut s, &on);
        section(s)
    };
    let data = Value::from_entries([
        ("Content".to_string(), Value::from(whole)),
        ("Header".into(), only(|s, on| s.header = on.header).into()),
        ("Footer".into(), only(|s, on| s.footer = on.footer).into()),
        ("Inputs".into(), only(|s, on| s.inputs = on.inputs).into()),
        (
            "Modules".into(),
            only(|s, on| s.modules = on.modules).into(),
        ),
        (
            "Outputs".into(),
            only(|s, on| s.outputs = on.outputs).into(),
        ),
        (
            "Providers".into(),
            only(|s, on| s.providers = on.providers).into(),
        ),
        (
            "Requirements".into(),
            only(|s, on| s.requirements = on.requirements).into(),
        ),
        (
            "Resources".into(),
            only(|s, on| {
                s.resources = on.resources;
                s.data_sources = on.data_sources;
            })
            .into(),
        ),
        ("Module".into(), module_value(doc)),
        ("Config".into(), config_value(settings)),
    ]);
    let rendered = functions(gotmpl::Template::new("content"), settings, include)
        .parse(template)
        .and_then(|t| t.execute_to_string(&data))
        .map_err(|e| Error::invalid_input(format!("content: {e}")))?;
    Ok(rendered
        .strip_suffix('\n')
        .map(str::to_string)
        .unwrap_or(rendered))
}

fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::from_entries(entries.map(|(k, v)| (k.to_string(), v)))
}

fn position(p: &crate::model::Position) -> Value {
    map([
        ("Filename", p.file.as_str().into()),
        ("Line", Value::Int(p.line as i64)),
    ])
}

/// The documented module, with the field (and method) names terraform-docs'
/// templates use.
fn module_value(doc: &DocModule) -> Value {
    let input = |i: &super::docmodel::DocInput| {
        map([
            ("Name", i.name.as_str().into()),
            ("Type", i.type_expr.as_str().into()),
            ("Description", i.description.as_str().into()),
            ("Default", i.value().into()),
            ("GetValue", i.value().into()),
            ("Required", Value::Bool(i.required)),
            ("Position", position(&i.position)),
        ])
    };
    let list = |v: Vec<Value>| Value::from(v);
    map([
        ("Header", doc.header.as_str().into()),
        ("Footer", doc.footer.as_str().into()),
        ("Inputs", list(doc.inputs.iter().map(input).collect())),
        (
            "RequiredInputs",
            list(
                doc.inputs
                    .iter()
                    .filter(|i| i.required)
                    .map(input)
                    .collect(),
            ),
        ),
        (
            "OptionalInputs",
            list(
                doc.inputs
                    .iter()
                    .filter(|i| !i.required)
                    .map(input)
                    .collect(),
            ),
        ),
        (
            "Outputs",
            list(
                doc.outputs
                    .iter()
                    .map(|o| {
                        map([
                            ("Name", o.name.as_str().into()),
                            ("Description", o.description.as_str().into()),
                            ("GetValue", o.shown_value().into()),
                            ("Sensitive", Value::Bool(o.sensitive)),
                            ("Position", position(&o.position)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "Providers",
            list(
                doc.providers
                    .iter()
                    .map(|p| {
                        map([
                            ("Name", p.name.as_str().into()),
                            ("Alias", p.alias.clone().unwrap_or_default().into()),
                            ("Version", p.version.as_str().into()),
                            ("FullName", p.full_name().into()),
                            ("Position", position(&p.position)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "Requirements",
            list(
                doc.requirements
                    .iter()
                    .map(|r| {
                        map([
                            ("Name", r.name.as_str().into()),
                            ("Version", r.version.as_str().into()),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "Resources",
            list(
                doc.resources
                    .iter()
                    .map(|r| {
                        let mode = match r.mode {
                            crate::model::ResourceMode::Managed => "managed",
                            crate::model::ResourceMode::Data => "data",
                        };
                        map([
                            ("Type", r.type_name.as_str().into()),
                            ("Name", r.name.as_str().into()),
                            ("ProviderName", r.provider_name.as_str().into()),
                            ("ProviderSource", r.provider_source.as_str().into()),
                            ("Mode", mode.into()),
                            ("GetMode", r.mode_name().into()),
                            ("Spec", r.spec().into()),
                            ("URL", r.url().unwrap_or_default().into()),
                            ("Version", r.version.as_str().into()),
                            ("Description", r.description.as_str().into()),
                            ("Position", position(&r.position)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "ModuleCalls",
            list(
                doc.modules
                    .iter()
                    .map(|m| {
                        map([
                            ("Name", m.name.as_str().into()),
                            ("Source", m.source.as_str().into()),
                            ("Version", m.version.as_str().into()),
                            ("Description", m.description.as_str().into()),
                            ("Position", position(&m.position)),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

/// `.Config`: which sections show and the settings, by terraform-docs' names.
fn config_value(s: &Settings) -> Value {
    let sec = s.sections;
    map([
        (
            "Sections",
            map([
                ("Header", Value::Bool(sec.header)),
                ("Footer", Value::Bool(sec.footer)),
                ("Inputs", Value::Bool(sec.inputs)),
                ("ModuleCalls", Value::Bool(sec.modules)),
                ("Outputs", Value::Bool(sec.outputs)),
                ("Providers", Value::Bool(sec.providers)),
                ("Requirements", Value::Bool(sec.requirements)),
                ("Resources", Value::Bool(sec.resources)),
                ("DataSources", Value::Bool(sec.data_sources)),
            ]),
        ),
        (
            "Settings",
            map([
                ("Anchor", Value::Bool(s.anchor)),
                ("Color", Value::Bool(s.color)),
                ("Default", Value::Bool(s.default)),
                ("Description", Value::Bool(s.description)),
                ("Escape", Value::Bool(s.escape)),
                ("HideEmpty", Value::Bool(s.hide_empty)),
                ("HTML", Value::Bool(s.html)),
                ("Indent", Value::Int(s.indent as i64)),
                ("LockFile", Value::Bool(s.lockfile)),
                ("ReadComments", Value::Bool(s.read_comments)),
                ("Required", Value::Bool(s.required)),
                ("Type", Value::Bool(s.type_column)),
                ("Sensitive", Value::Bool(s.sensitive)),
            ]),
        ),
        (
            "OutputValues",
            map([("Enabled", Value::Bool(s.output_values.is_some()))]),
        ),
        ("HeaderFrom", s.header_from.as_str().into()),
        (
            "FooterFrom",
            s.footer_from.clone().unwrap_or_default().into(),
        ),
    ])
}

/// Register the sprig functions, then terraform-docs' own and `include`
/// (which win where names clash, as in terraform-docs).
fn functions(t: gotmpl::Template, s: &Settings, include: Include) -> gotmpl::Template {
    let t = sprig::register(t);
    let (indent, escape, html, anchor) = (s.indent, s.escape, s.html, s.anchor);
    let string = |f: fn(&str, &str) -> String, name: &'static str| {
        move |args: &[Value]| -> gotmpl::Result<Value> {
            Ok(f(&str_arg(name, args, 0)?, &str_arg(name, args, 1)?).into())
        }
    };
    t.func("include", move |args| {
        let path = str_arg("include", args, 0)?;
        let body = include(&path).map_err(|e| fail("include", e))?;
        Ok(body.strip_suffix('\n').unwrap_or(&body).to_string().into())
    })
    // terraform-docs: default(default, value).
    .func("default", |args| {
        let (d, v) = (arg("default", args, 0)?, arg("default", args, 1)?);
        Ok(if v.is_truthy() { v.clone() } else { d.clone() })
    })
    .func("indent", move |args| {
        let extra = arg("indent", args, 0)?.as_int().unwrap_or(0);
        let ch = str_arg("indent", args, 1)?;
        let n = (indent as i64 + extra).clamp(0, 64) as usize;
        Ok(ch.repeat(n).into())
    })
    .func("name", move |args| {
        Ok(sanitize::sanitize_name(&str_arg("name", args, 0)?, escape).into())
    })
    .func("ternary", |args| {
        let c = arg("ternary", args, 0)?.is_truthy();
        Ok(arg("ternary", args, if c { 1 } else { 2 })?.clone())
    })
    .func("tostring", |args| Ok(str_arg("tostring", args, 0)?.into()))
    .func("toString", |args| Ok(str_arg("toString", args, 0)?.into()))
    .func(
        "trim",
        string(
            |cut, s| s.trim_matches(|c| cut.contains(c)).to_string(),
            "trim",
        ),
    )
    .func(
        "trimLeft",
        string(
            |cut, s| s.trim_start_matches(|c| cut.contains(c)).to_string(),
            "trimLeft",
        ),
    )
    .func(
        "trimRight",
        string(
            |cut, s| s.trim_end_matches(|c| cut.contains(c)).to_string(),
            "trimRight",
        ),
    )
    .func(
        "trimPrefix",
        string(
            |p, s| s.strip_prefix(p).unwrap_or(s).to_string(),
            "trimPrefix",
        ),
    )
    .func(
        "trimSuffix",
        string(
            |p, s| s.strip_suffix(p).unwrap_or(s).to_string(),
            "trimSuffix",
        ),
    )
    .func("sanitizeSection", move |args| {
        Ok(sanitize::sanitize_section(&str_arg("sanitizeSection", args, 0)?, escape, html).into())
    })
    .func("sanitizeDoc", |args| {
        Ok(sanitize::sanitize_document(&str_arg("sanitizeDoc", args, 0)?).into())
    })
    .func("sanitizeMarkdownTbl", move |args| {
        Ok(sanitize::sanitize_markdown_table(
            &str_arg("sanitizeMarkdownTbl", args, 0)?,
            escape,
            html,
        )
        .into())
    })
    .func("sanitizeAsciidocTbl", move |args| {
        Ok(
            sanitize::sanitize_asciidoc_table(&str_arg("sanitizeAsciidocTbl", args, 0)?, escape)
                .into(),
        )
    })
    .func("anchorNameMarkdown", move |args| {
        let (p, v) = (
            str_arg("anchorNameMarkdown", args, 0)?,
            str_arg("anchorNameMarkdown", args, 1)?,
        );
        Ok(sanitize::anchor_markdown(&p, &v, anchor, escape).into())
    })
    .func("anchorNameAsciidoc", move |args| {
        let (p, v) = (
            str_arg("anchorNameAsciidoc", args, 0)?,
            str_arg("anchorNameAsciidoc", args, 1)?,
        );
        Ok(sanitize::anchor_asciidoc(&p, &v, anchor, escape).into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfdocs::docmodel::{DocInput, DocModule};

    fn doc() -> DocModule {
        DocModule {
            header: "# Module\n\nDoes things.".into(),
            inputs: vec![DocInput {
                name: "region".into(),
                type_expr: "string".into(),
                description: "Where.".into(),
                default: None,
                required: true,
                position: crate::model::Position {
                    file: "variables.tf".into(),
                    line: 3,
                },
            }],
            ..DocModule::default()
        }
    }

    fn no_files() -> Include {
        Arc::new(|p: &str| Err(format!("open {p}: no such file or directory")))
    }

    fn run(template: &str) -> Result<String> {
        render(
            &doc(),
            &Settings::default(),
            Format::MarkdownTable,
            Flavor::Padded,
            template,
            no_files(),
        )
    }

    #[test]
    fn sections_are_what_the_formatter_writes_for_each() {
        assert_eq!(run("{{ .Header }}").unwrap(), "# Module\n\nDoes things.");
        let inputs = run("{{ .Inputs }}").unwrap();
        assert!(
            inputs.starts_with("## Inputs\n\n| Name | Description |"),
            "{inputs}"
        );
        assert!(!inputs.ends_with('\n'));
        assert_eq!(run("{{ .Outputs }}").unwrap(), "## Outputs\n\nNo outputs.");
        assert_eq!(run("").unwrap(), run("{{ .Content }}").unwrap());
        let mut hidden = Settings::default();
        hidden.sections.outputs = false;
        let out = render(
            &doc(),
            &hidden,
            Format::MarkdownTable,
            Flavor::Padded,
            "[{{ .Outputs }}]",
            no_files(),
        )
        .unwrap();
        assert_eq!(out, "[]", "a hidden section is empty");
    }

    #[test]
    fn the_module_and_functions_are_terraform_docs_names() {
        let t = "{{ range .Module.Inputs }}- {{ .Name }} ({{ .Position.Filename }}#{{ .Position.Line }}){{ end }}\n";
        assert_eq!(
            run(t).unwrap(),
            "- region (variables.tf#3)",
            "one trailing newline dropped"
        );
        assert_eq!(run("{{ indent 1 \"#\" }} T").unwrap(), "### T");
        assert_eq!(
            run("{{ default \"none\" \"\" }}/{{ \"x\" | upper }}").unwrap(),
            "none/X"
        );
        assert_eq!(run("{{ ternary true \"a\" \"b\" }}").unwrap(), "a");
    }

    #[test]
    fn include_and_template_errors_are_named() {
        let e = run("{{ include \"examples/x.tf\" }}")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("error calling include") && e.contains("examples/x.tf"),
            "{e}"
        );
        let e = run("{{ .Inputs ").unwrap_err().to_string();
        assert!(e.starts_with("content:"), "{e}");
        let files: Include = Arc::new(|p: &str| Ok(format!("<{p}>\n")));
        let out = render(
            &doc(),
            &Settings::default(),
            Format::MarkdownTable,
            Flavor::Padded,
            "```hcl\n{{ include \"examples/main.tf\" }}\n```",
            files,
        )
        .unwrap();
        assert_eq!(out, "```hcl\n<examples/main.tf>\n```");
        // Formatters without templates ignore it.
        let json = render(
            &doc(),
            &Settings::default(),
            Format::Json,
            Flavor::Padded,
            "{{ .Header }}",
            no_files(),
        )
        .unwrap();
        assert!(json.starts_with('{'));
    }
}
