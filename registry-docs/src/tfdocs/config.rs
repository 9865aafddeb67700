//! The keys of `.terraform-docs.yml` that drive a whole run rather than the
//! rendering (those are [`Settings`](super::Settings)): `formatter`,
//! `version`, `content`, `output`, `recursive` and `output-values`, with
//! terraform-docs' defaults, formatter names, and how a submodule's file
//! merges over the root's.

use registry_core::{Error, Result};
use serde::Deserialize;
use serde_yaml_ng::Value as Yaml;

use super::Format;
use super::output::DEFAULT_TEMPLATE;

/// `output`: where a configured run writes (`file` empty: standard output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputConfig {
    /// File, relative to the module directory unless absolute.
    pub file: String,
    /// `inject` or `replace`.
    pub mode: String,
    /// Template around the content.
    pub template: String,
}

/// `recursive`: document the submodules under `path` too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecursiveConfig {
    /// On.
    pub enabled: bool,
    /// Folder of submodules, relative to the module directory.
    pub path: String,
    /// Document the module itself as well.
    pub include_main: bool,
}

/// `output-values`: outputs' values from `terraform output -json`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutputValuesConfig {
    /// On.
    pub enabled: bool,
    /// The JSON file.
    pub from: String,
}

/// Everything a configured run takes from the file besides [`Settings`](super::Settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    /// `formatter`, as written (see [`formatter`]).
    pub formatter: String,
    /// `version`: a constraint on the terraform-docs version.
    pub version: String,
    /// `content`: a template over the sections.
    pub content: String,
    /// `output`.
    pub output: OutputConfig,
    /// `recursive`.
    pub recursive: RecursiveConfig,
    /// `output-values`.
    pub output_values: OutputValuesConfig,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            formatter: String::new(),
            version: String::new(),
            content: String::new(),
            output: OutputConfig {
                file: String::new(),
                mode: "inject".into(),
                template: DEFAULT_TEMPLATE.into(),
            },
            recursive: RecursiveConfig {
                enabled: false,
                path: "modules".into(),
                include_main: true,
            },
            output_values: OutputValuesConfig::default(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct FileOutput {
    file: Option<String>,
    mode: Option<String>,
    template: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct FileRecursive {
    enabled: Option<bool>,
    path: Option<String>,
    include_main: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct FileOutputValues {
    enabled: Option<bool>,
    from: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct FileRun {
    formatter: Option<String>,
    version: Option<String>,
    content: Option<String>,
    output: Option<FileOutput>,
    recursive: Option<FileRecursive>,
    output_values: Option<FileOutputValues>,
}

impl RunConfig {
    /// Apply a configuration file's keys over these (keys it does not set
    /// stay); a value of the wrong kind is an error naming the file's key.
    pub fn apply_yaml(&mut self, text: &str) -> Result<()> {
        let f: FileRun = serde_yaml_ng::from_str(text)
            .map_err(|e| Error::invalid_input(format!(".terraform-docs.yml: {e}")))?;
        macro_rules! set {
            ($from:expr => $to:expr) => {
                if let Some(v) = $from {
                    $to = v;
                }
            };
        }
        set!(f.formatter => self.formatter);
        set!(f.version => self.version);
        set!(f.content => self.content);
        if let Some(o) = f.output {
            set!(o.file => self.output.file);
            set!(o.mode => self.output.mode);
            set!(o.template => self.output.template);
        }
        if let Some(r) = f.recursive {
            set!(r.enabled => self.recursive.enabled);
            set!(r.path => self.recursive.path);
            set!(r.include_main => self.recursive.include_main);
        }
        if let Some(v) = f.output_values {
            set!(v.enabled => self.output_values.enabled);
            set!(v.from => self.output_values.from);
        }
        Ok(())
    }

    /// terraform-docs' checks of a run's keys, with its messages.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::invalid_input(m.to_string()));
        if self.formatter.is_empty() {
            return bad("value of 'formatter' can't be empty");
        }
        if self.recursive.enabled && self.recursive.path.is_empty() {
            return bad("value of '--recursive-path' can't be empty");
        }
        if self.output_values.enabled && self.output_values.from.is_empty() {
            return bad("value of '--output-values-from' is missing");
        }
        Ok(())
    }
}

/// The format a `formatter` name stands for: terraform-docs' names and
/// short forms (`md`, `adoc`, `tbl`, `doc`), matched exactly.
pub fn formatter(name: &str) -> Option<Format> {
    let (kind, style) = match name.split_once(' ') {
        Some((k, s)) => (k, Some(s)),
        None => (name, None),
    };
    let table = matches!(style, None | Some("table" | "tbl"));
    let document = matches!(style, Some("document" | "doc"));
    Some(match kind {
        "markdown" | "md" if table => Format::MarkdownTable,
        "markdown" | "md" if document => Format::MarkdownDocument,
        "asciidoc" | "adoc" if table => Format::AsciidocTable,
        "asciidoc" | "adoc" if document => Format::AsciidocDocument,
        "tfvars" => match style {
            Some("hcl") => Format::TfvarsHcl,
            Some("json") => Format::TfvarsJson,
            _ => return None,
        },
        _ if style.is_some() => return None,
        "json" => Format::Json,
        "pretty" => Format::Pretty,
        "toml" => Format::Toml,
        "xml" => Format::Xml,
        "yaml" => Format::Yaml,
        _ => return None,
    })
}

/// A submodule's configuration file over the root's, as terraform-docs
/// merges them: mappings key by key, other values replaced; when the
/// submodule sets `sections.show` or `sections.hide`, the root's lists go.
pub fn merge_yaml(root: &str, submodule: &str) -> Result<String> {
    let parse = |t: &str| {
        serde_yaml_ng::from_str::<Yaml>(t)
            .map_err(|e| Error::invalid_input(format!(".terraform-docs.yml: {e}")))
    };
    let mut base = parse(root)?;
    let over = parse(submodule)?;
    let sets_sections = over
        .get("sections")
        .is_some_and(|s| s.get("show").is_some() || s.get("hide").is_some());
    if sets_sections && let Some(Yaml::Mapping(s)) = base.get_mut("sections") {
        s.remove("show");
        s.remove("hide");
    }
    merge(&mut base, over);
    serde_yaml_ng::to_string(&base).map_err(|e| Error::invalid_input(e.to_string()))
}

fn merge(base: &mut Yaml, over: Yaml) {
    match (base, over) {
        (Yaml::Mapping(b), Yaml::Mapping(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (_, Yaml::Null) => {}
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatter_names_are_terraform_docs_names() {
        for (name, f) in [
            ("markdown", Format::MarkdownTable),
            ("md tbl", Format::MarkdownTable),
            ("markdown table", Format::MarkdownTable),
            ("md doc", Format::MarkdownDocument),
            ("markdown document", Format::MarkdownDocument),
            ("adoc", Format::AsciidocTable),
            ("asciidoc document", Format::AsciidocDocument),
            ("tfvars hcl", Format::TfvarsHcl),
            ("tfvars json", Format::TfvarsJson),
            ("json", Format::Json),
            ("pretty", Format::Pretty),
            ("xml", Format::Xml),
        ] {
            assert_eq!(formatter(name), Some(f), "{name}");
        }
        for bad in ["Markdown", "md  table", "json table", "tfvars", "html", ""] {
            assert_eq!(formatter(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn keys_apply_over_defaults_and_are_checked() {
        let mut c = RunConfig::default();
        c.apply_yaml("formatter: md\noutput:\n  file: README.md\nrecursive:\n  enabled: true\n")
            .unwrap();
        assert_eq!(c.formatter, "md");
        assert_eq!(c.output.file, "README.md");
        assert_eq!(c.output.mode, "inject", "unset keys keep their default");
        assert_eq!(c.recursive.path, "modules");
        c.validate().unwrap();
        let e = RunConfig::default().validate().unwrap_err().to_string();
        assert!(e.contains("value of 'formatter' can't be empty"), "{e}");
        let mut v = RunConfig::default();
        v.apply_yaml("formatter: md\noutput-values:\n  enabled: true\n")
            .unwrap();
        assert!(
            v.validate()
                .unwrap_err()
                .to_string()
                .contains("output-values-from")
        );
        assert!(RunConfig::default().apply_yaml("recursive: [1]\n").is_err());
    }

    #[test]
    fn a_submodule_file_merges_over_the_roots() {
        let root =
            "formatter: md\nsections:\n  show: [inputs]\nsettings:\n  indent: 3\n  anchor: false\n";
        let merged = merge_yaml(
            root,
            "sections:\n  hide: [outputs]\nsettings:\n  indent: 4\n",
        )
        .unwrap();
        let v: Yaml = serde_yaml_ng::from_str(&merged).unwrap();
        assert_eq!(v["formatter"], Yaml::from("md"));
        assert!(v["sections"].get("show").is_none(), "the root's lists go");
        assert_eq!(v["sections"]["hide"][0], Yaml::from("outputs"));
        assert_eq!(v["settings"]["indent"], Yaml::from(4));
        assert_eq!(v["settings"]["anchor"], Yaml::from(false));
    }
}
