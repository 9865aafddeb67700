//! terraform-docs compatible output, byte for byte, with
//! `.terraform-docs.yml` settings: `markdown table`, `markdown document`,
//! `asciidoc table`, `asciidoc document`,
//! `pretty`, and the data formats `json`, `yaml`, `toml`, `xml`, `tfvars
//! hcl` and `tfvars json` (each an encoder over one document, [`tree`]).

pub mod asciidoc;
pub mod config;
pub mod content;
pub mod docmodel;
pub mod gojson;
pub mod json;
pub mod markdown;
pub mod output;
pub mod output_values;
pub mod pretty;
pub mod sanitize;
pub mod settings;
mod sprig;
pub mod tfvars;
pub mod toml;
pub mod tree;
pub mod xml;
pub mod yaml;

use registry_core::{ModuleFiles, Problem};

pub use docmodel::DocModule;
pub use markdown::Flavor;
pub use settings::{Settings, SortBy};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `markdown table`.
    MarkdownTable,
    /// `markdown document`.
    MarkdownDocument,
    /// `json`.
    Json,
    /// `tfvars hcl`.
    TfvarsHcl,
    /// `tfvars json`.
    TfvarsJson,
    /// `yaml`.
    Yaml,
    /// `toml`.
    Toml,
    /// `xml`.
    Xml,
    /// `pretty`.
    Pretty,
    /// `asciidoc table`.
    AsciidocTable,
    /// `asciidoc document`.
    AsciidocDocument,
}

/// Settings for directory `dir`: terraform-docs' defaults, then the
/// directory's `.terraform-docs.yml` if it has one.
pub fn settings_for(files: &ModuleFiles, dir: &str) -> registry_core::Result<Settings> {
    let mut s = Settings::default();
    let path = if dir.is_empty() {
        ".terraform-docs.yml".to_string()
    } else {
        format!("{dir}/.terraform-docs.yml")
    };
    if let Some(text) = files.text(&path) {
        s.apply_yaml(text)?;
    }
    Ok(s)
}

/// Render directory `dir` of `files`. Returns the text (no trailing newline)
/// and the files that did not parse (the rest is still documented).
pub fn render(
    files: &ModuleFiles,
    dir: &str,
    settings: &Settings,
    format: Format,
    flavor: Flavor,
) -> (String, Vec<Problem>) {
    let model = crate::parse::parse_module_dir(files, dir);
    let doc = docmodel::build(files, dir, &model, settings);
    (
        format_doc(&doc, settings, format, flavor),
        model.diagnostics,
    )
}

/// Directory `dir` of `files` through a `content` template (see
/// [`content::render`]); the files that did not parse come back too.
pub fn render_with_content(
    files: &ModuleFiles,
    dir: &str,
    settings: &Settings,
    format: Format,
    flavor: Flavor,
    template: &str,
    include: content::Include,
) -> registry_core::Result<(String, Vec<Problem>)> {
    let model = crate::parse::parse_module_dir(files, dir);
    let doc = docmodel::build(files, dir, &model, settings);
    let text = content::render(&doc, settings, format, flavor, template, include)?;
    Ok((text, model.diagnostics))
}

/// `doc` in `format` (no trailing newline).
pub fn format_doc(doc: &DocModule, settings: &Settings, format: Format, flavor: Flavor) -> String {
    match format {
        Format::MarkdownTable => markdown::table(doc, settings, flavor),
        Format::MarkdownDocument => markdown::document(doc, settings),
        Format::Json => json::render(doc, settings),
        Format::TfvarsHcl => tfvars::hcl(doc, settings),
        Format::TfvarsJson => tfvars::json(doc),
        Format::Yaml => yaml::render(doc, settings),
        Format::Toml => toml::render(doc, settings),
        Format::Xml => xml::render(doc, settings),
        Format::Pretty => pretty::render(doc, settings),
        Format::AsciidocTable => asciidoc::table(doc, settings),
        Format::AsciidocDocument => asciidoc::document(doc, settings),
    }
}
