//! `registry test [DIR]`: run a module's `.tftest.hcl` files in-process
//! (mock and utility providers, no Terraform, no credentials), printing
//! what `terraform test` prints; `--json`, `--junit-xml`, `--github`,
//! `--markdown` for CI. Always runs a folder here: no server setting from
//! the environment switches it. Exit 0 when all pass, 1 on a failure or
//! error, 2 on a usage error.

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use clap::Args;
use registry_core::{ArchiveBody, ArchiveLimits, Error, ModuleId, Result, Version, unpack_archive};
use registry_testkit::tftest::report::{
    HumanOptions, Stream, github_annotations, human, json_stream, junit_xml, markdown,
};
use registry_testkit::tftest::runner::{CliVar, TestOptions, run_suite};
use secrecy::SecretString;

use super::{CmdResult, parse_address};
use crate::client::{RegistryClient, RemoteRegistry};

/// `registry test` options.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The module directory (default: the current folder).
    dir: Option<PathBuf>,
    /// The test directory, relative to the module (Terraform's -test-directory).
    #[arg(long, default_value = "tests")]
    test_directory: String,
    /// Only this test file, relative to the module (repeatable; Terraform's -filter).
    #[arg(long = "filter", value_name = "FILE")]
    filters: Vec<String>,
    /// A variable value, NAME=VALUE (repeatable; Terraform's -var).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// A variables file (repeatable; Terraform's -var-file).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// `terraform providers schema -json` output for mocked providers
    /// (repeatable; AWS and null are bundled).
    #[arg(long = "provider-schema", value_name = "FILE")]
    provider_schemas: Vec<PathBuf>,
    /// Print Terraform's machine-readable JSON stream instead of text.
    #[arg(long)]
    json: bool,
    /// Also write Terraform's JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    junit_xml: Option<PathBuf>,
    /// Also print GitHub workflow annotations for every diagnostic.
    #[arg(long)]
    github: bool,
    /// Also write a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// No colours.
    #[arg(long)]
    no_color: bool,
    /// Show each run's duration.
    #[arg(long)]
    timings: bool,
    /// Seed of generated mock values (the same seed, the same values).
    #[arg(long, default_value_t = 0x7e57)]
    seed: u64,
    /// Download this published version (NS/NAME/SYSTEM/VERSION, digest
    /// checked) from --server and run its tests here.
    #[arg(long, value_name = "NS/NAME/SYSTEM/VERSION", requires = "server")]
    published: Option<String>,
    /// The registry to download --published from (never read from the environment).
    #[arg(long)]
    server: Option<String>,
    /// Token for --server.
    #[arg(long, hide_env_values = true)]
    token: Option<SecretString>,
    /// Extra CA certificate for --server (repeatable).
    #[arg(long)]
    ca_cert: Vec<PathBuf>,
}

/// Which kind each `--var` / `--var-file` on the command line was, in
/// order (clap keeps each kind's values apart; Terraform lets a later one
/// of either kind win).
fn var_order(args: impl IntoIterator<Item = String>) -> Vec<bool> {
    let mut order = Vec::new();
    for a in args {
        if a == "--" {
            break;
        }
        match a.split_once('=').map(|(k, _)| k).unwrap_or(&a) {
            "--var" => order.push(false),
            "--var-file" => order.push(true),
            _ => {}
        }
    }
    order
}

fn cli_vars(a: &TestArgs, order: &[bool]) -> Result<Vec<CliVar>> {
    let mut values = Vec::new();
    for v in &a.vars {
        let (k, val) = v
            .split_once('=')
            .ok_or_else(|| Error::invalid_input(format!("--var expects NAME=VALUE, got {v:?}")))?;
        values.push(CliVar::Value(k.to_string(), val.to_string()));
    }
    let files: Vec<CliVar> = a.var_files.iter().cloned().map(CliVar::File).collect();
    let counted = order.iter().filter(|f| !**f).count() == values.len()
        && order.iter().filter(|f| **f).count() == files.len();
    if !counted {
        // Not what the raw arguments say (given some other way): values, then files.
        values.extend(files);
        return Ok(values);
    }
    let (mut values, mut files) = (values.into_iter(), files.into_iter());
    Ok(order
        .iter()
        .filter_map(|is_file| {
            if *is_file {
                files.next()
            } else {
                values.next()
            }
        })
        .collect())
}

async fn fetch_published(a: &TestArgs, spec: &str, into: &Path) -> Result<PathBuf> {
    let (addr, version) = spec.rsplit_once('/').ok_or_else(|| {
        Error::invalid_input(format!(
            "--published expects NS/NAME/SYSTEM/VERSION, got {spec:?}"
        ))
    })?;
    let id = ModuleId::new(parse_address(addr)?, Version::parse(version)?);
    let server = a.server.as_deref().unwrap_or_default();
    let client = RemoteRegistry::connect(server, a.token.clone(), &a.ca_cert).await?;
    let (bytes, digest) = client.download(&id).await?;
    match digest {
        Some(d) => d.verify(&bytes)?,
        None => {
            return Err(Error::new(
                registry_core::ErrorKind::Integrity,
                format!("the server gave no digest for {id}; refusing to run unverified code"),
            ));
        }
    }
    // Publish's checks apply: no links, nothing outside the folder, limits.
    let inspection =
        unpack_archive(&ArchiveBody::Memory(bytes), &ArchiveLimits::default(), into).await?;
    Ok(match inspection.root_dir {
        Some(r) => into.join(r),
        None => into.to_path_buf(),
    })
}

/// Run the tests.
pub async fn run(a: TestArgs) -> CmdResult {
    let scratch = tempfile::tempdir()?;
    let dir = match &a.published {
        Some(spec) => fetch_published(&a, spec, scratch.path()).await?,
        None => a.dir.clone().unwrap_or_else(|| PathBuf::from(".")),
    };
    if !dir.is_dir() {
        return Err(Error::invalid_input(format!(
            "{} is not a module directory",
            dir.display()
        )));
    }
    let mut schemas = Vec::new();
    for p in &a.provider_schemas {
        schemas.push(std::fs::read_to_string(p).map_err(|e| {
            Error::invalid_input(format!("cannot read provider schema {}: {e}", p.display()))
        })?);
    }
    let env: BTreeMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("TF_VAR_"))
        .collect();
    let opts = TestOptions {
        test_directory: a.test_directory.clone(),
        filters: a.filters.clone(),
        vars: cli_vars(&a, &var_order(std::env::args()))?,
        env,
        provider_schemas: schemas,
        seed: a.seed,
        ..TestOptions::default()
    };
    let suite = tokio::task::spawn_blocking(move || run_suite(&dir, &opts))
        .await
        .map_err(|e| {
            Error::new(registry_core::ErrorKind::Backend, "the test run failed").with_source(e)
        })?;
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    if a.json {
        let _ = stdout.write_all(json_stream(&suite, env!("CARGO_PKG_VERSION")).as_bytes());
    } else {
        let o = HumanOptions {
            color: !a.no_color && std::io::stdout().is_terminal(),
            width: 78,
            timings: a.timings,
        };
        for (stream, text) in human(&suite, &o) {
            let _ = match stream {
                Stream::Stdout => stdout.write_all(text.as_bytes()),
                Stream::Stderr => stderr.write_all(text.as_bytes()),
            };
        }
    }
    if a.github {
        let _ = stdout.write_all(github_annotations(&suite, "").as_bytes());
    }
    let _ = stdout.flush();
    if let Some(p) = &a.junit_xml {
        std::fs::write(p, junit_xml(&suite)).map_err(|e| {
            Error::invalid_input(format!(
                "error saving JUnit XML to file {}: {e}",
                p.display()
            ))
        })?;
    }
    if let Some(p) = &a.markdown {
        let title = "registry test";
        std::fs::write(p, markdown(&suite, title))
            .map_err(|e| Error::invalid_input(format!("cannot write {}: {e}", p.display())))?;
    }
    Ok(suite.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_and_var_file_keep_their_command_line_order() {
        let raw = [
            "registry",
            "test",
            "--var-file",
            "a.tfvars",
            "--var=x=1",
            "--var",
            "y=2",
            "--var-file=b.tfvars",
        ]
        .map(String::from);
        let order = var_order(raw);
        assert_eq!(order, [true, false, false, true]);
    }
}
