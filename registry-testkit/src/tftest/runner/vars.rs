//! Variable values for a run, with Terraform's precedence: the run's
//! `variables`, the file's, the test directory's `terraform.tfvars` and
//! `*.auto.tfvars` (for files in it), `-var`/`-var-file` in order, the
//! root's `*.auto.tfvars`, its `terraform.tfvars`, `TF_VAR_*`, and the
//! variable's default (applied by the engine).

use std::collections::BTreeMap;
use std::path::Path;

use crate::tftest::config::body::{Expr, parse_hcl};
use crate::tftest::diag::{Diagnostic, SourceFile, SourceRange};
use crate::tftest::eval::{EvalCtx, Scope, eval};
use crate::tftest::functions::Functions;
use crate::tftest::value::Value;

/// One value from outside the test files, still as text or expression.
#[derive(Debug, Clone)]
pub enum Raw {
    /// From `-var NAME=VALUE` or `TF_VAR_NAME`: a literal for string
    /// variables, an expression otherwise.
    Text(String, &'static str),
    /// From a `.tfvars` file: an expression.
    Expr(Expr),
}

/// Values from outside the test files, by name, in precedence layers.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// Lowest first; later layers win.
    layers: Vec<BTreeMap<String, Raw>>,
    /// The test directory's tfvars (only for files in that directory).
    test_dir: Vec<BTreeMap<String, Raw>>,
}

fn tfvars(path: &Path, name: &str) -> Result<BTreeMap<String, Raw>, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(
            "Failed to read variables file",
            format!("{}: {e}", path.display()),
        )
    })?;
    let file = SourceFile::new(name, text);
    let body = parse_hcl(&file)?;
    Ok(body
        .attrs
        .into_iter()
        .map(|(k, a)| (k, Raw::Expr(a.expr)))
        .collect())
}

fn auto_tfvars(dir: &Path, prefix: &str) -> Result<Vec<BTreeMap<String, Raw>>, Diagnostic> {
    let mut layers = Vec::new();
    let plain = dir.join("terraform.tfvars");
    if plain.is_file() {
        layers.push(tfvars(&plain, &format!("{prefix}terraform.tfvars"))?);
    }
    let mut autos: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".auto.tfvars"))
                .collect()
        })
        .unwrap_or_default();
    autos.sort();
    for a in autos {
        layers.push(tfvars(&dir.join(&a), &format!("{prefix}{a}"))?);
    }
    Ok(layers)
}

impl Globals {
    /// Gather values from the environment (`TF_VAR_*` in `env`), the
    /// root's tfvars files, `-var`/`-var-file` (`cli`, in command-line
    /// order) and the test directory's tfvars.
    pub fn gather(
        root: &Path,
        test_dir: &str,
        env: &BTreeMap<String, String>,
        cli: &[CliVar],
    ) -> Result<Globals, Diagnostic> {
        let mut g = Globals::default();
        let envs: BTreeMap<String, Raw> = env
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.strip_prefix("TF_VAR_")?.to_string(),
                    Raw::Text(v.clone(), "environment variable"),
                ))
            })
            .collect();
        g.layers.push(envs);
        g.layers.extend(auto_tfvars(root, "")?);
        for c in cli {
            match c {
                CliVar::Value(name, value) => {
                    g.layers.push(BTreeMap::from([(
                        name.clone(),
                        Raw::Text(value.clone(), "command line"),
                    )]));
                }
                CliVar::File(path) => {
                    let p = root.join(path);
                    g.layers.push(tfvars(&p, &path.display().to_string())?);
                }
            }
        }
        let td = root.join(test_dir);
        if td.is_dir() {
            g.test_dir = auto_tfvars(&td, &format!("{}/", test_dir.trim_end_matches('/')))?;
        }
        Ok(g)
    }

    /// The raw value of `name` for a file in (or not in) the test directory.
    fn raw(&self, name: &str, in_test_dir: bool) -> Option<&Raw> {
        if in_test_dir && let Some(r) = self.test_dir.iter().rev().find_map(|l| l.get(name)) {
            return Some(r);
        }
        self.layers.iter().rev().find_map(|l| l.get(name))
    }

    /// The global value of `name`: literal text for a variable the module
    /// declares as a string, else an expression.
    pub fn value(
        &self,
        name: &str,
        as_literal_string: bool,
        in_test_dir: bool,
        functions: &Functions,
    ) -> Option<Result<(Value, Option<SourceRange>), Diagnostic>> {
        Some(match self.raw(name, in_test_dir)? {
            Raw::Text(t, _) if as_literal_string => Ok((Value::string(t.clone()), None)),
            Raw::Text(t, from) => Expr::parse(&format!("<value for var.{name}>"), t)
                .map_err(|d| {
                    Diagnostic::error(
                        d.summary,
                        format!("The value for var.{name} from the {from} is not a valid expression: {}", d.detail),
                    )
                })
                .and_then(|e| constant_value(&e, functions).map(|v| (v, None)))
                .map_err(without_source),
            Raw::Expr(e) => constant_value(e, functions).map(|v| (v, e.range())),
        })
    }
}

/// One `-var` or `-var-file` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliVar {
    /// `-var NAME=VALUE`.
    Value(String, String),
    /// `-var-file FILE`.
    File(std::path::PathBuf),
}

struct Constants;

impl Scope for Constants {
    fn reference(
        &self,
        _root: &str,
        _attrs: &[&str],
        range: &SourceRange,
    ) -> Result<(Value, usize), Diagnostic> {
        Err(
            Diagnostic::error("Variables not allowed", "Variables may not be used here.")
                .at(Some(range.clone())),
        )
    }
}

/// The diagnostic with its file's text left out: Terraform has no source
/// for a value given on the command line or in the environment, so it
/// prints "(source code not available)".
fn without_source(mut d: Diagnostic) -> Diagnostic {
    if let Some(r) = &mut d.range {
        r.file = SourceFile::new(r.file.name.clone(), "");
    }
    d
}

fn constant_value(e: &Expr, functions: &Functions) -> Result<Value, Diagnostic> {
    let cx = EvalCtx::new(&e.file, &Constants, functions);
    eval(&e.expr, &cx)
}
