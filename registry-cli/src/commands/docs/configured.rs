//! `registry docs DIR` (`registry docs run DIR`): terraform-docs' run with
//! no formatter word, everything from `.terraform-docs.yml`: `formatter`,
//! `content`, `output` (`file`, `mode`, `template`), `recursive`, `version`
//! and the rendering settings. Files are written, and checked with
//! `--output-check`, byte for byte as terraform-docs writes them.
//!
//! Where we differ, on purpose: with no configuration file found we say so
//! and exit 2 (terraform-docs prints its help and exits 0), and
//! `--output-check` reports every stale file before exiting 1 (terraform-docs
//! stops at the first).

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use registry_core::{Error, Result};
use registry_docs::tfdocs::config::{RunConfig, formatter, merge_yaml};
use registry_docs::tfdocs::content::Include;
use registry_docs::tfdocs::output::Output;
use registry_docs::tfdocs::output_values::OutputValues;
use registry_docs::tfdocs::{Flavor, render_with_content};
use registry_resolve::Constraints;

use super::{DocsArgs, block_flavor, read_dir_files, report};
use crate::commands::CmdResult;

/// The terraform-docs versions whose output we write: 0.21 and later pad
/// table separators, 0.16 to 0.20 do not.
const EMULATED: &[(&str, Flavor)] = &[
    ("0.21.0", Flavor::Padded),
    ("0.20.0", Flavor::Compact),
    ("0.19.0", Flavor::Compact),
    ("0.18.0", Flavor::Compact),
    ("0.17.0", Flavor::Compact),
    ("0.16.0", Flavor::Compact),
];

/// The largest file `include` reads.
const MAX_INCLUDE_BYTES: u64 = 4 * 1024 * 1024;

/// `registry docs run` options: the rendering flags, then terraform-docs'
/// output and recursion flags. `--output-*` win over the file;
/// `--recursive*` are defaults the file's `recursive` keys override, as in
/// terraform-docs.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    docs: DocsArgs,
    /// File to write, relative to the module directory (`output.file`).
    #[arg(long)]
    output_file: Option<String>,
    /// `inject` or `replace` (`output.mode`).
    #[arg(long)]
    output_mode: Option<String>,
    /// Template around the content (`output.template`).
    #[arg(long)]
    output_template: Option<String>,
    /// Change nothing; exit 1 when an output file is out of date.
    #[arg(long)]
    output_check: bool,
    /// Document the submodules too (`recursive.enabled`).
    #[arg(long)]
    recursive: bool,
    /// Folder of submodules (`recursive.path`, default `modules`).
    #[arg(long)]
    recursive_path: Option<String>,
    /// Document the module itself as well as its submodules.
    #[arg(long)]
    recursive_include_main: Option<bool>,
}

/// Where terraform-docs looks for its configuration when `-c` is not
/// given: the module directory, its `.config`, the current directory, its
/// `.config`, then `~/.tfdocs.d`; in each, `.terraform-docs.` with viper's
/// extensions in viper's order.
pub fn find_config(module_dir: &Path) -> Option<PathBuf> {
    let mut dirs = vec![
        module_dir.to_path_buf(),
        module_dir.join(".config"),
        PathBuf::from("."),
        PathBuf::from(".config"),
    ];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".tfdocs.d"));
    }
    dirs.iter().find_map(|d| {
        ["json", "yaml", "yml"]
            .iter()
            .map(|ext| d.join(format!(".terraform-docs.{ext}")))
            .find(|p| p.is_file())
    })
}

impl RunArgs {
    /// The run's keys for one module: flags terraform-docs takes as
    /// defaults, then the file, then the flags that win over it.
    fn run_config(&self, text: &str) -> Result<RunConfig> {
        let mut run = RunConfig::default();
        run.recursive.enabled = self.recursive;
        if let Some(p) = &self.recursive_path {
            run.recursive.path = p.clone();
        }
        if let Some(m) = self.recursive_include_main {
            run.recursive.include_main = m;
        }
        run.apply_yaml(text)?;
        if let Some(f) = &self.output_file {
            run.output.file = f.clone();
        }
        if let Some(m) = &self.output_mode {
            run.output.mode = m.clone();
        }
        if let Some(t) = &self.output_template {
            run.output.template = t.clone();
        }
        run.validate()?;
        Ok(run)
    }
}

/// The table style a `version` constraint asks for, or its refusal in
/// terraform-docs' words.
fn version_flavor(constraint: &str) -> Result<Option<Flavor>> {
    if constraint.trim().is_empty() {
        return Ok(None);
    }
    let (newest, _) = EMULATED[0];
    let refuse = |shown: &str| {
        Error::invalid_input(format!("current version: {newest}, constraints: '{shown}'"))
    };
    let c = Constraints::parse(constraint).map_err(|_| refuse(""))?;
    EMULATED
        .iter()
        .find(|(v, _)| c.matches(&v.parse().expect("emulated version")))
        .map(|(_, f)| Some(*f))
        .ok_or_else(|| refuse(&c.to_string()))
}

/// `dir` joined with `file` and cleaned lexically, as Go's `filepath.Join`
/// prints it (`./README.md` is `README.md`).
fn joined(dir: &Path, file: &str) -> PathBuf {
    let path = Path::new(file);
    let whole = if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    };
    let mut out = PathBuf::new();
    for c in whole.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `include` reads files relative to the module directory, as terraform-docs
/// does, but only inside it: no absolute paths, no `..` out of it, no
/// symbolic link leading out of it (a configuration may come with a
/// module from anyone).
fn include_from(dir: &Path) -> Include {
    let dir = dir.to_path_buf();
    Arc::new(move |p: &str| {
        let outside = || format!("{p}: include reads only files inside the module directory");
        let path = dir.join(relative_inside(p).ok_or_else(outside)?);
        let meta = std::fs::metadata(&path).map_err(|e| format!("open {}: {e}", path.display()))?;
        let (real, real_root) = (path.canonicalize(), dir.canonicalize());
        if let (Ok(real), Ok(real_root)) = (real, real_root)
            && !real.starts_with(&real_root)
        {
            return Err(outside());
        }
        if meta.len() > MAX_INCLUDE_BYTES {
            return Err(format!(
                "{} is larger than {MAX_INCLUDE_BYTES} bytes",
                path.display()
            ));
        }
        std::fs::read_to_string(&path).map_err(|e| format!("open {}: {e}", path.display()))
    })
}

/// `p` cleaned lexically, when it stays inside the folder it is relative to.
fn relative_inside(p: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in Path::new(p).components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// `output-values.from`: `terraform output -json` of the module, read
/// relative to the current directory as terraform-docs reads it.
pub fn load_output_values(from: &str) -> Result<OutputValues> {
    if from.is_empty() {
        return Err(Error::invalid_input(
            "value of '--output-values-from' is missing",
        ));
    }
    let text = std::fs::read_to_string(from).map_err(|e| {
        Error::invalid_input(format!(
            "caught error while reading the terraform outputs file at {from}: {e}"
        ))
    })?;
    OutputValues::parse(&text, from)
}

/// The submodule folders directly under `root/path`, in name order.
fn submodules(root: &Path, path: &str) -> Result<Vec<PathBuf>> {
    let dir = joined(root, path);
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        Error::invalid_input(format!(
            "recursive.path: cannot read {}: {e}",
            dir.display()
        ))
    })?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Run it.
pub fn run(a: RunArgs) -> CmdResult {
    let Some((config_path, root_text)) = a.docs.config_text()? else {
        return Err(Error::invalid_input(format!(
            "no .terraform-docs.yml in {}, its .config, the current directory, ./.config or ~/.tfdocs.d: \
             add one with `formatter:`, or name a formatter (`registry docs markdown table {}`)",
            a.docs.dir.display(),
            a.docs.dir.display()
        )));
    };
    let root = a.run_config(&root_text)?;
    let version_style = version_flavor(&root.version)?;
    let config_name = config_path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| ".terraform-docs.yml".into());

    let mut modules = Vec::new();
    if !root.recursive.enabled || root.recursive.include_main {
        modules.push((a.docs.dir.clone(), root_text.clone()));
    }
    if root.recursive.enabled {
        for sub in submodules(&a.docs.dir, &root.recursive.path)? {
            let own = sub.join(&config_name);
            let text = match std::fs::read_to_string(&own) {
                Ok(t) => merge_yaml(&root_text, &t)?,
                Err(_) => root_text.clone(),
            };
            modules.push((sub, text));
        }
    }

    let mut code = 0;
    for (dir, text) in modules {
        let run = a.run_config(&text)?;
        if root.recursive.enabled && run.output.file.is_empty() {
            return Err(Error::invalid_input(
                "value of '--output-file' cannot be empty with '--recursive'",
            ));
        }
        let format = formatter(&run.formatter).ok_or_else(|| {
            Error::invalid_input(format!("formatter '{}' not found", run.formatter))
        })?;
        let files = read_dir_files(&dir)?;
        let settings = a.docs.settings_from(Some(&text))?;
        let target = (!run.output.file.is_empty()).then(|| joined(&dir, &run.output.file));
        let existing = match &target {
            Some(p) => match std::fs::read_to_string(p) {
                Ok(t) => Some(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(Error::invalid_input(format!("{}: {e}", p.display()))),
            },
            None => None,
        };
        // --compact, else the version constraint, else the style the file
        // already uses, else terraform-docs 0.21's.
        let flavor = if a.docs.compact {
            Flavor::Compact
        } else {
            version_style
                .or_else(|| existing.as_deref().and_then(block_flavor))
                .unwrap_or(Flavor::Padded)
        };
        let (content, problems) = render_with_content(
            &files,
            "",
            &settings,
            format,
            flavor,
            &run.content,
            include_from(&dir),
        )?;
        code |= report(&problems);
        let Some(path) = target else {
            println!("{content}");
            continue;
        };
        let next = Output::new(&run.output.mode, &run.output.template)?
            .apply(existing.as_deref(), &content)?;
        if a.output_check {
            match &existing {
                Some(old) if *old == next => println!("{} is up to date", path.display()),
                Some(_) => {
                    eprintln!("{} is out of date", path.display());
                    code = 1;
                }
                None => {
                    eprintln!("{} is out of date (it does not exist)", path.display());
                    code = 1;
                }
            }
            continue;
        }
        std::fs::write(&path, next)
            .map_err(|e| Error::invalid_input(format!("{}: {e}", path.display())))?;
        println!("{} updated successfully", path.display());
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_constraint_picks_the_table_style_or_is_refused() {
        assert_eq!(version_flavor("").unwrap(), None);
        assert_eq!(
            version_flavor(">= 0.16.0, < 1.0.0").unwrap(),
            Some(Flavor::Padded)
        );
        assert_eq!(version_flavor("~> 0.19.0").unwrap(), Some(Flavor::Compact));
        assert_eq!(version_flavor("< 0.21").unwrap(), Some(Flavor::Compact));
        let e = version_flavor(">= 1.0.0").unwrap_err().to_string();
        assert_eq!(e, "current version: 0.21.0, constraints: '>= 1.0.0'");
        let e = version_flavor("nonsense").unwrap_err().to_string();
        assert_eq!(e, "current version: 0.21.0, constraints: ''");
    }

    #[cfg(unix)]
    #[test]
    fn include_stays_inside_the_module() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("examples")).unwrap();
        std::fs::write(d.path().join("examples/main.tf"), "x\n").unwrap();
        let include = include_from(d.path());
        assert_eq!(include("examples/../examples/main.tf").unwrap(), "x\n");
        for bad in ["../secret", "/etc/passwd", "examples/../../x"] {
            let e = include(bad).unwrap_err();
            assert!(e.contains("inside the module directory"), "{bad}: {e}");
        }
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), d.path().join("link")).unwrap();
        assert!(
            include("link")
                .unwrap_err()
                .contains("inside the module directory")
        );
    }

    #[test]
    fn paths_print_as_go_joins_them() {
        assert_eq!(
            joined(Path::new("."), "README.md"),
            PathBuf::from("README.md")
        );
        assert_eq!(
            joined(Path::new("./mod"), "docs/../README.md"),
            PathBuf::from("mod/README.md")
        );
        assert_eq!(
            joined(Path::new("mod"), "/abs/x.md"),
            PathBuf::from("/abs/x.md")
        );
    }
}
