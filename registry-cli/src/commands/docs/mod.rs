//! `registry docs markdown [table|document]|markdown-document|asciidoc
//! [table]|json|yaml|toml|xml|pretty|tfvars hcl|tfvars json|inject <DIR>`:
//! terraform-docs compatible output; `registry docs <DIR>` alone is a run
//! driven by `.terraform-docs.yml` ([`configured`]). Exit 0 when every file
//! parsed; 1 when some did not (with `file:line:column` diagnostics on
//! stderr, while stdout still carries the documentation of everything else).

mod configured;

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use registry_core::{Error, ModuleFiles, Problem, Result};
use registry_docs::tfdocs::{Flavor, Format, Settings, SortBy, render};

use super::CmdResult;

/// `registry docs` subcommands.
#[derive(Debug, Subcommand)]
pub enum DocsCommand {
    /// terraform-docs' `markdown table` (the block between its markers, without them).
    Markdown(DocsArgs),
    /// terraform-docs' `markdown document`.
    MarkdownDocument(DocsArgs),
    /// terraform-docs' `json`.
    Json(DocsArgs),
    /// terraform-docs' `yaml`.
    Yaml(DocsArgs),
    /// terraform-docs' `toml`.
    Toml(DocsArgs),
    /// terraform-docs' `xml`.
    Xml(DocsArgs),
    /// terraform-docs' `pretty` (coloured unless `--color false`).
    Pretty(DocsArgs),
    /// terraform-docs' `asciidoc table` and `asciidoc document` (`asciidoc` alone is the table).
    #[command(subcommand)]
    Asciidoc(AsciidocCommand),
    /// terraform-docs' `tfvars hcl` and `tfvars json`: every input with its default.
    #[command(subcommand)]
    Tfvars(TfvarsCommand),
    /// Rewrite the block between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` in a file.
    Inject(InjectArgs),
    /// Everything from `.terraform-docs.yml` (`formatter`, `content`, `output`,
    /// `recursive`, `version`), as `terraform-docs DIR`; `registry docs DIR` runs this.
    Run(configured::RunArgs),
}

/// `registry docs asciidoc` formats.
#[derive(Debug, Subcommand)]
pub enum AsciidocCommand {
    /// Tables (terraform-docs' `asciidoc table`).
    Table(DocsArgs),
    /// One block per item (terraform-docs' `asciidoc document`).
    Document(DocsArgs),
}

/// The words `registry docs` takes before a directory.
const SUBCOMMANDS: &[&str] = &[
    "markdown",
    "markdown-document",
    "json",
    "yaml",
    "toml",
    "xml",
    "pretty",
    "asciidoc",
    "tfvars",
    "inject",
    "run",
    "help",
    "-h",
    "--help",
];

/// terraform-docs' two-word formatter names, as `registry docs` takes them:
/// `markdown table` and `markdown document` become `markdown` and
/// `markdown-document`, and a bare `asciidoc` is `asciidoc table`.
pub fn terraform_docs_words(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let word = |args: &[std::ffi::OsString], i: usize| {
        args.get(i)
            .and_then(|a| a.to_str())
            .unwrap_or("")
            .to_string()
    };
    if word(&args, 1) != "docs" {
        return args;
    }
    if !SUBCOMMANDS.contains(&word(&args, 2).as_str()) && args.len() > 2 {
        // `registry docs [FLAGS] DIR`: terraform-docs' configured run.
        args.insert(2, "run".into());
        return args;
    }
    match (word(&args, 2).as_str(), word(&args, 3).as_str()) {
        ("markdown", "table") => {
            args.remove(3);
        }
        ("markdown", "document") => {
            args.remove(3);
            args[2] = "markdown-document".into();
        }
        ("asciidoc", next) if !matches!(next, "table" | "document" | "help" | "-h" | "--help") => {
            args.insert(3, "table".into());
        }
        _ => {}
    }
    args
}

/// `registry docs tfvars` formats.
#[derive(Debug, Subcommand)]
pub enum TfvarsCommand {
    /// `name = value` lines (terraform-docs' `tfvars hcl`).
    Hcl(DocsArgs),
    /// One JSON object (terraform-docs' `tfvars json`).
    Json(DocsArgs),
}

/// Options shared by the formats; flags win over `.terraform-docs.yml`.
#[derive(Debug, Args)]
pub struct DocsArgs {
    /// Module directory.
    dir: PathBuf,
    /// Configuration file, relative to the current directory (default: the
    /// first `.terraform-docs.yml` in DIR, DIR/.config, ., ./.config, ~/.tfdocs.d).
    #[arg(short = 'c', long)]
    config: Option<PathBuf>,
    /// File the header comes from (default main.tf).
    #[arg(long)]
    header_from: Option<String>,
    /// File the footer comes from.
    #[arg(long)]
    footer_from: Option<String>,
    /// Sections to show (comma-separated; the rest are hidden).
    #[arg(long, value_delimiter = ',')]
    show: Vec<String>,
    /// Sections to hide (comma-separated).
    #[arg(long, value_delimiter = ',')]
    hide: Vec<String>,
    /// Sort by name, required or type.
    #[arg(long)]
    sort_by: Option<String>,
    /// Keep source order.
    #[arg(long)]
    no_sort: bool,
    /// Anchors on names.
    #[arg(long)]
    anchor: Option<bool>,
    /// Escape special characters.
    #[arg(long)]
    escape: Option<bool>,
    /// HTML in tables.
    #[arg(long)]
    html: Option<bool>,
    /// Default column.
    #[arg(long)]
    default: Option<bool>,
    /// Required column.
    #[arg(long)]
    required: Option<bool>,
    /// Type column.
    #[arg(long = "type")]
    type_column: Option<bool>,
    /// Heading level.
    #[arg(long)]
    indent: Option<usize>,
    /// Drop empty sections.
    #[arg(long)]
    hide_empty: Option<bool>,
    /// Read provider versions from .terraform.lock.hcl.
    #[arg(long)]
    lockfile: Option<bool>,
    /// Colour in `pretty`.
    #[arg(long)]
    color: Option<bool>,
    /// Descriptions as comments in `tfvars hcl`.
    #[arg(long)]
    description: Option<bool>,
    /// Write the table separators of terraform-docs 0.16–0.20 (`|------|`).
    #[arg(long)]
    compact: bool,
    /// The Sensitive column next to output values.
    #[arg(long)]
    sensitive: Option<bool>,
    /// Show outputs' values (`output-values.enabled`), from `--output-values-from`.
    #[arg(long)]
    output_values: bool,
    /// `terraform output -json` of the module, relative to the current directory.
    #[arg(long)]
    output_values_from: Option<PathBuf>,
}

/// `registry docs inject` options.
#[derive(Debug, Args)]
pub struct InjectArgs {
    #[command(flatten)]
    docs: DocsArgs,
    /// File to update, relative to the module directory.
    #[arg(long, default_value = "README.md")]
    file: String,
    /// Change nothing; exit 1 when the file is out of date.
    #[arg(long)]
    check: bool,
}

const BEGIN: &str = "<!-- BEGIN_TF_DOCS -->";
const END: &str = "<!-- END_TF_DOCS -->";

/// Every regular file directly in `dir` (what terraform-docs reads).
pub fn read_dir_files(dir: &Path) -> Result<ModuleFiles> {
    let mut files = ModuleFiles::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::invalid_input(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_file() && entry.metadata()?.len() <= 4 * 1024 * 1024 {
            files.insert(
                entry.file_name().to_string_lossy().to_string(),
                std::fs::read(entry.path())?,
            );
        }
    }
    Ok(files)
}

impl DocsArgs {
    /// The configuration file's text: `--config`, or the first found where
    /// terraform-docs looks.
    fn config_text(&self) -> Result<Option<(PathBuf, String)>> {
        let path = match &self.config {
            Some(p) => {
                if !p.is_file() {
                    return Err(Error::invalid_input(format!(
                        "config file {} not found",
                        p.display()
                    )));
                }
                p.clone()
            }
            None => match configured::find_config(&self.dir) {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::invalid_input(format!("{}: {e}", path.display())))?;
        Ok(Some((path, text)))
    }

    /// terraform-docs' defaults, then the configuration `config` (its
    /// text), then the flags.
    fn settings_from(&self, config: Option<&str>) -> Result<Settings> {
        let mut s = Settings::default();
        let mut values = registry_docs::tfdocs::config::RunConfig::default().output_values;
        if let Some(text) = config {
            s.apply_yaml(text)?;
            let mut run = registry_docs::tfdocs::config::RunConfig::default();
            run.apply_yaml(text)?;
            values = run.output_values;
        }
        if self.output_values {
            values.enabled = true;
        }
        if let Some(from) = &self.output_values_from {
            values.from = from.display().to_string();
        }
        if values.enabled {
            s.output_values = Some(configured::load_output_values(&values.from)?);
        }
        let mut yaml = String::new();
        if !self.show.is_empty() {
            yaml.push_str(&format!("sections:\n  show: [{}]\n", self.show.join(", ")));
        }
        if !self.hide.is_empty() {
            yaml.push_str(&format!("sections:\n  hide: [{}]\n", self.hide.join(", ")));
        }
        if !yaml.is_empty() {
            s.apply_yaml(&yaml)?;
        }
        if let Some(h) = &self.header_from {
            s.header_from = h.clone();
        }
        if let Some(f) = &self.footer_from {
            s.footer_from = Some(f.clone());
            s.sections.footer = true;
        }
        if let Some(by) = &self.sort_by {
            s.sort = Some(match by.as_str() {
                "name" => SortBy::Name,
                "required" => SortBy::Required,
                "type" => SortBy::Type,
                other => {
                    return Err(Error::invalid_input(format!(
                        "--sort-by {other:?}: use name, required or type"
                    )));
                }
            });
        }
        if self.no_sort {
            s.sort = None;
        }
        macro_rules! over {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { s.$f = v; } )* };
        }
        over!(
            anchor,
            escape,
            html,
            default,
            required,
            type_column,
            hide_empty,
            lockfile,
            color,
            description,
            sensitive
        );
        if let Some(i) = self.indent {
            s.indent = if (1..=5).contains(&i) { i } else { 2 };
        }
        Ok(s)
    }

    fn render(&self, format: Format) -> Result<(String, Vec<Problem>)> {
        self.render_as(format, None)
    }

    /// Render with the table separators `existing` uses (an injected
    /// block's), unless `--compact` says otherwise.
    fn render_as(
        &self,
        format: Format,
        existing: Option<Flavor>,
    ) -> Result<(String, Vec<Problem>)> {
        let files = read_dir_files(&self.dir)?;
        let config = self.config_text()?;
        let settings = self.settings_from(config.as_ref().map(|(_, t)| t.as_str()))?;
        let flavor = if self.compact {
            Flavor::Compact
        } else {
            existing.unwrap_or(Flavor::Padded)
        };
        Ok(render(&files, "", &settings, format, flavor))
    }
}

pub(crate) fn report(problems: &[Problem]) -> i32 {
    for p in problems {
        eprintln!("{p}");
    }
    i32::from(!problems.is_empty())
}

/// The table separator style of the docs block in `text`, if it has one
/// with a table: `|------|` (terraform-docs 0.16–0.20) or `| ---- |`
/// (0.21+), so that a README terraform-docs left up to date stays so.
pub fn block_flavor(text: &str) -> Option<Flavor> {
    let (b, e) = (text.find(BEGIN)?, text.find(END)?);
    let block = text.get(b..e)?;
    // The separator under one of its own tables' `| Name |` rows, in its
    // sections (a table in the header may use either style).
    let lines: Vec<&str> = block.lines().map(str::trim_end).collect();
    let section = |l: &str| {
        let title = l.trim_start_matches('#');
        title.len() < l.len()
            && matches!(
                title,
                " Requirements" | " Providers" | " Modules" | " Resources" | " Inputs" | " Outputs"
            )
    };
    let first_section = lines.iter().position(|l| section(l))?;
    lines[first_section..]
        .windows(2)
        .find(|w| {
            w[0].starts_with("| Name |")
                && w[1].starts_with('|')
                && w[1].contains('-')
                && w[1].chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
        })
        .map(|w| w[1])
        .map(|sep| {
            if sep.contains(' ') {
                Flavor::Padded
            } else {
                Flavor::Compact
            }
        })
}

/// The file text with the docs block replaced (or appended).
pub fn injected(existing: Option<&str>, content: &str) -> String {
    let block = format!("{BEGIN}\n{content}\n{END}");
    match existing {
        None => format!("{block}\n"),
        Some(text) => match (text.find(BEGIN), text.find(END)) {
            (Some(b), Some(e)) if e > b => {
                format!("{}{block}{}", &text[..b], &text[e + END.len()..])
            }
            _ => {
                let sep = if text.is_empty() || text.ends_with("\n\n") {
                    ""
                } else if text.ends_with('\n') {
                    "\n"
                } else {
                    "\n\n"
                };
                format!("{text}{sep}{block}\n")
            }
        },
    }
}

/// Run a docs subcommand.
pub async fn run(c: DocsCommand) -> CmdResult {
    match c {
        DocsCommand::Markdown(a) => print_format(&a, Format::MarkdownTable),
        DocsCommand::MarkdownDocument(a) => print_format(&a, Format::MarkdownDocument),
        DocsCommand::Json(a) => print_format(&a, Format::Json),
        DocsCommand::Yaml(a) => print_format(&a, Format::Yaml),
        DocsCommand::Toml(a) => print_format(&a, Format::Toml),
        DocsCommand::Xml(a) => print_format(&a, Format::Xml),
        DocsCommand::Pretty(a) => print_format(&a, Format::Pretty),
        DocsCommand::Asciidoc(AsciidocCommand::Table(a)) => print_format(&a, Format::AsciidocTable),
        DocsCommand::Asciidoc(AsciidocCommand::Document(a)) => {
            print_format(&a, Format::AsciidocDocument)
        }
        DocsCommand::Tfvars(TfvarsCommand::Hcl(a)) => print_format(&a, Format::TfvarsHcl),
        DocsCommand::Tfvars(TfvarsCommand::Json(a)) => print_format(&a, Format::TfvarsJson),
        DocsCommand::Run(a) => configured::run(a),
        DocsCommand::Inject(a) => {
            let path = a.docs.dir.join(&a.file);
            let existing = match std::fs::read_to_string(&path) {
                Ok(t) => Some(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e.into()),
            };
            let style = existing.as_deref().and_then(block_flavor);
            let (content, problems) = a.docs.render_as(Format::MarkdownTable, style)?;
            let next = injected(existing.as_deref(), &content);
            let code = report(&problems);
            if existing.as_deref() == Some(next.as_str()) {
                return Ok(code);
            }
            if a.check {
                eprintln!(
                    "{} is out of date; run `registry docs inject {}`",
                    path.display(),
                    a.docs.dir.display()
                );
                return Ok(1);
            }
            std::fs::write(&path, next)?;
            eprintln!("updated {}", path.display());
            Ok(code)
        }
    }
}

fn print_format(a: &DocsArgs, format: Format) -> CmdResult {
    let (text, problems) = a.render(format)?;
    println!("{text}");
    Ok(report(&problems))
}

#[cfg(test)]
mod tests {
    use super::{block_flavor, injected};
    use registry_docs::tfdocs::Flavor;

    #[test]
    fn an_injected_block_keeps_its_separator_style() {
        let block = |table: &str| {
            format!(
                "# M\n\n<!-- BEGIN_TF_DOCS -->\n## Requirements\n\n{table}\n<!-- END_TF_DOCS -->\n"
            )
        };
        assert_eq!(
            block_flavor(&block("| Name | Version |\n|------|---------|\n| a | 1 |")),
            Some(Flavor::Compact)
        );
        assert_eq!(
            block_flavor(&block("| Name | Version |\n| ---- | ------- |\n| a | 1 |")),
            Some(Flavor::Padded)
        );
        assert_eq!(block_flavor(&block("No requirements.")), None);
        assert_eq!(block_flavor("|------|\n"), None, "outside a block");
        let header_table = "<!-- BEGIN_TF_DOCS -->\n| Name | D |\n|------|---|\n\n## Inputs\n\n| Name | Description |\n| ---- | ----------- |\n<!-- END_TF_DOCS -->";
        assert_eq!(
            block_flavor(header_table),
            Some(Flavor::Padded),
            "a header's own table does not decide"
        );
    }

    #[test]
    fn injection_replaces_appends_or_creates() {
        assert_eq!(
            injected(None, "X"),
            "<!-- BEGIN_TF_DOCS -->\nX\n<!-- END_TF_DOCS -->\n"
        );
        let existing = "# T\n\n<!-- BEGIN_TF_DOCS -->\nold\n<!-- END_TF_DOCS -->\ntail\n";
        assert_eq!(
            injected(Some(existing), "new"),
            "# T\n\n<!-- BEGIN_TF_DOCS -->\nnew\n<!-- END_TF_DOCS -->\ntail\n"
        );
        assert_eq!(
            injected(Some("# T\n"), "X"),
            "# T\n\n<!-- BEGIN_TF_DOCS -->\nX\n<!-- END_TF_DOCS -->\n"
        );
    }
}
