//! Rules about how a module is laid out and what it depends on: provider
//! requirements, `required_version`, a README, examples that work, pinned
//! registry calls, local sources inside the archive.

use std::collections::BTreeSet;

use registry_core::{ModuleAddress, Problem, Severity, ValidationContext, ValidationRule};

use super::model::{Modules, problem_at};
use crate::tftest::config::{Module, ModuleCall};

fn is_example(dir: &str) -> bool {
    dir == "examples" || dir.starts_with("examples/")
}

/// Every provider a module uses is declared in `required_providers` with
/// a `source` and a version constraint.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProviderRequirements;

impl ValidationRule for ProviderRequirements {
    fn id(&self) -> &str {
        "provider-requirements"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn hint(&self) -> Option<&str> {
        Some(
            "declare it: terraform { required_providers { NAME = { source = \"NS/NAME\", version = \">= X.Y\" } } }",
        )
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let modules = Modules::of(&ctx.archive.files);
        let mut out = Vec::new();
        for m in modules.by_dir.values() {
            let mut used: Vec<(String, String, Option<crate::tftest::diag::SourceRange>)> =
                Vec::new();
            for r in m.resources.values() {
                used.push((r.provider_name(), r.address(), r.block.header.clone()));
            }
            for p in &m.provider_configs {
                used.push((
                    p.name.clone(),
                    format!("provider {:?}", p.name),
                    p.block.header.clone(),
                ));
            }
            let mut seen = BTreeSet::new();
            for (name, by, range) in used {
                if name == "terraform" || !seen.insert(name.clone()) {
                    continue;
                }
                let msg = match m.required_providers.get(&name) {
                    None => format!(
                        "provider {name:?} (used by {by}) is not declared in required_providers"
                    ),
                    Some(r) if !r.explicit_source => {
                        format!(
                            "provider {name:?} is declared in required_providers without a source"
                        )
                    }
                    Some(r) if r.version.is_none() => {
                        format!(
                            "provider {name:?} is declared in required_providers without a version constraint"
                        )
                    }
                    Some(_) => continue,
                };
                let at = m
                    .required_providers
                    .get(&name)
                    .and_then(|r| r.range.clone())
                    .or(range);
                out.push(problem_at(self.problem(msg), at.as_ref()));
            }
        }
        out
    }
}

/// The root module says which Terraform versions it works with.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequiredVersion;

impl ValidationRule for RequiredVersion {
    fn id(&self) -> &str {
        "required-version"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn hint(&self) -> Option<&str> {
        Some("add terraform { required_version = \">= 1.5\" } (the oldest release it works with)")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        match Modules::of(&ctx.archive.files).root() {
            Some(root) if root.required_version.is_none() => {
                vec![self.problem("the root module does not set terraform { required_version }")]
            }
            _ => Vec::new(),
        }
    }
}

/// The module has a README at its root (the registry's front page for it).
#[derive(Debug, Clone, Copy, Default)]
pub struct HasReadme;

impl ValidationRule for HasReadme {
    fn id(&self) -> &str {
        "readme"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn hint(&self) -> Option<&str> {
        Some("add a README.md saying what the module does and how to call it")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let has =
            ctx.archive.manifest.iter().any(|f| {
                !f.path.contains('/') && f.path.to_ascii_lowercase().starts_with("readme")
            });
        if has {
            Vec::new()
        } else {
            vec![self.problem("the module has no README at its root")]
        }
    }
}

/// A local source (`./x`, `../x`) joined to the calling folder, with `..`
/// applied; `None` when it climbs out of the archive.
fn resolve_local(dir: &str, source: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for c in source.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

/// A registry module address (`ns/name/system`, `host/ns/name/system`),
/// not a git, HTTP or other source.
fn is_registry_source(source: &str) -> bool {
    if source.contains("::")
        || source.contains('?')
        || is_local(source)
        || source.starts_with("git@")
    {
        return false;
    }
    let source = source.split("//").next().unwrap_or(source);
    let parts: Vec<&str> = source.split('/').collect();
    let hosted = match parts.len() {
        3 => !parts[0].contains('.'),
        4 => parts[0].contains('.') && !matches!(parts[0], "github.com" | "bitbucket.org"),
        _ => false,
    };
    hosted && source.parse::<ModuleAddress>().is_ok()
}

/// Registry module calls carry a version constraint (without one,
/// `terraform init` takes whatever is newest).
#[derive(Debug, Clone, Copy, Default)]
pub struct PinnedRegistryCalls;

impl ValidationRule for PinnedRegistryCalls {
    fn id(&self) -> &str {
        "module-version"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn hint(&self) -> Option<&str> {
        Some("add version = \"~> X.Y\" to the module block")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let modules = Modules::of(&ctx.archive.files);
        let mut out = Vec::new();
        for m in modules.by_dir.values() {
            for c in m.calls.values() {
                if is_registry_source(&c.source) && c.version.as_deref().is_none_or(str::is_empty) {
                    out.push(problem_at(
                        self.problem(format!(
                            "module {:?} calls registry module {} without a version constraint",
                            c.name, c.source
                        )),
                        c.block.header.as_ref(),
                    ));
                }
            }
        }
        out
    }
}

/// Local module sources stay inside the archive (a `../..` that climbs
/// out works on the author's machine and nowhere else).
#[derive(Debug, Clone, Copy, Default)]
pub struct SourcesInsideArchive;

impl ValidationRule for SourcesInsideArchive {
    fn id(&self) -> &str {
        "source-escape"
    }
    fn hint(&self) -> Option<&str> {
        Some("ship the called module inside this one, or call it by a registry or git address")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let modules = Modules::of(&ctx.archive.files);
        let mut out = Vec::new();
        for (dir, m) in &modules.by_dir {
            for c in m.calls.values().filter(|c| is_local(&c.source)) {
                let msg = match resolve_local(dir, &c.source) {
                    None => format!(
                        "module {:?} has source {:?}, which is outside the module archive",
                        c.name, c.source
                    ),
                    Some(target) if !modules.by_dir.contains_key(&target) => format!(
                        "module {:?} has source {:?}, but the archive holds no configuration at {}",
                        c.name,
                        c.source,
                        if target.is_empty() {
                            "its root"
                        } else {
                            &target
                        }
                    ),
                    Some(_) => continue,
                };
                out.push(problem_at(self.problem(msg), c.block.header.as_ref()));
            }
        }
        out
    }
}

/// The variables a call must set and does not.
fn missing_inputs(call: &ModuleCall, target: &Module) -> Vec<String> {
    target
        .variables
        .values()
        .filter(|v| v.default.is_none() && !call.inputs.contains_key(&v.name))
        .map(|v| v.name.clone())
        .collect()
}

/// Each example's calls of the module (or its submodules) give every
/// required input.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExamplesGiveRequiredInputs;

impl ValidationRule for ExamplesGiveRequiredInputs {
    fn id(&self) -> &str {
        "example-inputs"
    }
    fn hint(&self) -> Option<&str> {
        Some("set every variable without a default in the example's module block")
    }
    fn check(&self, ctx: &ValidationContext<'_>) -> Vec<Problem> {
        let modules = Modules::of(&ctx.archive.files);
        let mut out = Vec::new();
        for (dir, m) in modules.by_dir.iter().filter(|(d, _)| is_example(d)) {
            for c in m.calls.values().filter(|c| is_local(&c.source)) {
                let Some(target) =
                    resolve_local(dir, &c.source).and_then(|t| modules.by_dir.get(&t))
                else {
                    continue;
                };
                let missing = missing_inputs(c, target);
                if !missing.is_empty() {
                    out.push(problem_at(
                        self.problem(format!(
                            "example {dir} calls {} without the required input{} {}",
                            c.source,
                            if missing.len() == 1 { "" } else { "s" },
                            missing
                                .iter()
                                .map(|n| format!("{n:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                        c.block.header.as_ref(),
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_sources_resolve_and_escapes_are_caught() {
        assert_eq!(
            resolve_local("examples/basic", "../..").as_deref(),
            Some("")
        );
        assert_eq!(
            resolve_local("", "./modules/x").as_deref(),
            Some("modules/x")
        );
        assert_eq!(
            resolve_local("modules/a", "../b").as_deref(),
            Some("modules/b")
        );
        assert_eq!(resolve_local("", "../other"), None);
        assert_eq!(resolve_local("examples/x", "../../../y"), None);
    }

    #[test]
    fn registry_sources_are_told_from_others() {
        for yes in [
            "acme/vpc/aws",
            "registry.example.com/acme/vpc/aws",
            "acme/vpc/aws//modules/x",
        ] {
            assert!(is_registry_source(yes), "{yes}");
        }
        for no in [
            "./local",
            "github.com/acme/vpc",
            "git::https://example.com/vpc.git",
            "https://example.com/vpc.zip",
            "git@github.com:acme/vpc.git",
            "s3::https://bucket/vpc.zip",
        ] {
            assert!(!is_registry_source(no), "{no}");
        }
    }
}
