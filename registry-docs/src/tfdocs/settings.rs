//! terraform-docs settings: the defaults of its CLI, and the keys of
//! `.terraform-docs.yml` we honour (sections show/hide, sort, anchor, escape,
//! html, default, required, type, indent, hide-empty, read-comments,
//! lockfile, sensitive, header-from, footer-from).

use registry_core::{Error, Result};
use serde::Deserialize;

/// How inputs, outputs and module calls are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// By name.
    Name,
    /// Required inputs first, then by name.
    Required,
    /// By type, then by name.
    Type,
}

/// Which sections are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sections {
    /// The header (from `header-from`, default `main.tf`).
    pub header: bool,
    /// The footer (only when `footer-from` is set).
    pub footer: bool,
    /// Inputs.
    pub inputs: bool,
    /// Module calls.
    pub modules: bool,
    /// Outputs.
    pub outputs: bool,
    /// Providers.
    pub providers: bool,
    /// Requirements.
    pub requirements: bool,
    /// Managed resources.
    pub resources: bool,
    /// Data sources.
    pub data_sources: bool,
}

impl Sections {
    /// Every section off (`sections.hide: [all]`).
    pub const NONE: Sections = Sections {
        header: false,
        footer: false,
        inputs: false,
        modules: false,
        outputs: false,
        providers: false,
        requirements: false,
        resources: false,
        data_sources: false,
    };
}

/// Rendering settings; `Default` is terraform-docs' CLI default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Sections to render.
    pub sections: Sections,
    /// Sorting (`None`: source order).
    pub sort: Option<SortBy>,
    /// `<a name>` anchors on names.
    pub anchor: bool,
    /// Escape `_` in markdown; HTML-escape in JSON.
    pub escape: bool,
    /// `<br/>` and `<pre>` in tables.
    pub html: bool,
    /// The Default column.
    pub default: bool,
    /// The Required column.
    pub required: bool,
    /// The Type column.
    pub type_column: bool,
    /// Heading level (`##` for 2).
    pub indent: usize,
    /// Drop empty sections entirely.
    pub hide_empty: bool,
    /// Use leading comments as descriptions.
    pub read_comments: bool,
    /// Provider versions from `.terraform.lock.hcl`.
    pub lockfile: bool,
    /// Descriptions as comments in `tfvars hcl`.
    pub description: bool,
    /// Colour in `pretty`.
    pub color: bool,
    /// The Sensitive column or line next to output values.
    pub sensitive: bool,
    /// Outputs' values (`output-values`), when shown.
    pub output_values: Option<super::output_values::OutputValues>,
    /// File the header comes from.
    pub header_from: String,
    /// File the footer comes from.
    pub footer_from: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sections: Sections {
                header: true,
                footer: false,
                inputs: true,
                modules: true,
                outputs: true,
                providers: true,
                requirements: true,
                resources: true,
                data_sources: true,
            },
            sort: Some(SortBy::Name),
            anchor: true,
            escape: true,
            html: true,
            default: true,
            required: true,
            type_column: true,
            indent: 2,
            hide_empty: false,
            read_comments: true,
            lockfile: true,
            description: false,
            color: true,
            sensitive: true,
            output_values: None,
            header_from: "main.tf".into(),
            footer_from: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct FileSections {
    #[serde(default)]
    show: Vec<String>,
    #[serde(default)]
    hide: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct FileSort {
    enabled: Option<bool>,
    by: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct FileSettings {
    anchor: Option<bool>,
    escape: Option<bool>,
    html: Option<bool>,
    default: Option<bool>,
    required: Option<bool>,
    #[serde(rename = "type")]
    type_column: Option<bool>,
    indent: Option<usize>,
    hide_empty: Option<bool>,
    read_comments: Option<bool>,
    lockfile: Option<bool>,
    description: Option<bool>,
    color: Option<bool>,
    sensitive: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct FileConfig {
    header_from: Option<String>,
    footer_from: Option<String>,
    sections: Option<FileSections>,
    sort: Option<FileSort>,
    settings: Option<FileSettings>,
}

const SECTION_NAMES: &[&str] = &[
    "all",
    "data-sources",
    "footer",
    "header",
    "inputs",
    "modules",
    "outputs",
    "providers",
    "requirements",
    "resources",
];

fn set_section(s: &mut Sections, name: &str, on: bool) {
    match name {
        "data-sources" => s.data_sources = on,
        "footer" => s.footer = on,
        "header" => s.header = on,
        "inputs" => s.inputs = on,
        "modules" => s.modules = on,
        "outputs" => s.outputs = on,
        "providers" => s.providers = on,
        "requirements" => s.requirements = on,
        "resources" => s.resources = on,
        _ => {}
    }
}

impl Settings {
    /// Apply a `.terraform-docs.yml` over these settings. Unknown keys are
    /// ignored (as terraform-docs ignores the formatter-specific ones we do
    /// not use); bad values are errors naming the key.
    pub fn apply_yaml(&mut self, text: &str) -> Result<()> {
        let cfg: FileConfig = serde_yaml_ng::from_str(text)
            .map_err(|e| Error::invalid_input(format!(".terraform-docs.yml: {e}")))?;
        if let Some(h) = cfg.header_from {
            self.header_from = h;
        }
        if let Some(f) = cfg.footer_from.filter(|f| !f.is_empty()) {
            self.footer_from = Some(f);
            self.sections.footer = true;
        }
        if let Some(sec) = cfg.sections {
            if !sec.show.is_empty() && !sec.hide.is_empty() {
                return Err(Error::invalid_input(
                    ".terraform-docs.yml: sections.show and sections.hide cannot be used together",
                ));
            }
            for name in sec.show.iter().chain(&sec.hide) {
                if !SECTION_NAMES.contains(&name.as_str()) {
                    return Err(Error::invalid_input(format!(
                        ".terraform-docs.yml: unknown section {name:?}"
                    )));
                }
            }
            if !sec.show.is_empty() && !sec.show.iter().any(|s| s == "all") {
                let footer = self.sections.footer;
                self.sections = Sections::NONE;
                for n in &sec.show {
                    set_section(&mut self.sections, n, true);
                }
                self.sections.footer = self.sections.footer && footer;
            }
            for n in &sec.hide {
                if n == "all" {
                    self.sections = Sections::NONE;
                }
                set_section(&mut self.sections, n, false);
            }
        }
        if let Some(sort) = cfg.sort {
            let by = match sort.by.as_deref() {
                None | Some("name") => SortBy::Name,
                Some("required") => SortBy::Required,
                Some("type") => SortBy::Type,
                Some(other) => {
                    return Err(Error::invalid_input(format!(
                        ".terraform-docs.yml: sort.by {other:?} is not name, required or type"
                    )));
                }
            };
            self.sort = if sort.enabled.unwrap_or(true) {
                Some(by)
            } else {
                None
            };
        }
        if let Some(s) = cfg.settings {
            macro_rules! take {
                ($($f:ident),*) => { $( if let Some(v) = s.$f { self.$f = v; } )* };
            }
            take!(
                anchor,
                escape,
                html,
                default,
                required,
                type_column,
                hide_empty,
                read_comments,
                lockfile,
                description,
                color,
                sensitive
            );
            if let Some(i) = s.indent {
                self.indent = if (1..=5).contains(&i) { i } else { 2 };
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_overrides_defaults() {
        let mut s = Settings::default();
        s.apply_yaml("formatter: markdown table\nfooter-from: footer.md\nsections:\n  hide: [providers]\nsort:\n  by: required\nsettings:\n  anchor: false\n  indent: 3\n").unwrap();
        assert!(s.sections.footer && !s.sections.providers && s.sections.inputs);
        assert_eq!(s.sort, Some(SortBy::Required));
        assert!(!s.anchor);
        assert_eq!(s.indent, 3);
        let mut t = Settings::default();
        t.apply_yaml("sections:\n  show: [inputs, outputs]\nsort:\n  enabled: false\n")
            .unwrap();
        assert!(
            t.sections.inputs && t.sections.outputs && !t.sections.header && !t.sections.resources
        );
        assert_eq!(t.sort, None);
        assert!(
            Settings::default()
                .apply_yaml("sections:\n  show: [bogus]\n")
                .unwrap_err()
                .to_string()
                .contains("bogus")
        );
        assert!(
            Settings::default()
                .apply_yaml("sort:\n  by: size\n")
                .is_err()
        );
    }
}
