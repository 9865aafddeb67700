//! Test files (`.tftest.hcl`, `.tftest.json`) as Terraform 1.11 reads
//! them: file-level `variables`, `provider` and `mock_provider` blocks,
//! overrides, and `run` blocks with their commands, variables, alternate
//! modules, provider maps, assertions, expected failures, plan options
//! and state keys. Load-time mistakes are diagnostics with Terraform's
//! wording; a file with any does not run.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::tftest::config::body::{Attr, Block, Body, Expr, parse_hcl, parse_json};
use crate::tftest::config::module::{Rule, keyword, reference_list};
use crate::tftest::config::types::constant;
use crate::tftest::diag::{Diagnostic, Diagnostics, SourceFile, SourceRange};
use crate::tftest::eval::{references, traversal_text};
use crate::tftest::value::Value;

/// `command`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `plan`: nothing is applied; computed values stay unknown.
    Plan,
    /// `apply` (the default).
    Apply,
}

/// When an override (or mock default) takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Already at plan.
    Plan,
    /// Only at apply (the default): planned values stay unknown.
    Apply,
}

/// What an override replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideKind {
    /// `override_resource`.
    Resource,
    /// `override_data`.
    Data,
    /// `override_module`.
    Module,
}

/// Where an override is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideSource {
    /// In a run block.
    Run,
    /// At the top of the file.
    File,
    /// Inside a `mock_provider` block (or its `.tfmock.hcl` files).
    MockProvider,
}

/// An `override_resource`, `override_data` or `override_module` block.
#[derive(Debug, Clone)]
pub struct Override {
    /// What it replaces.
    pub kind: OverrideKind,
    /// The target address (`aws_instance.web`, `module.m[0]`).
    pub target: String,
    /// `values` (`outputs` for modules), constants only.
    pub values: Value,
    /// `override_during`, when the block sets it.
    pub during: Option<Phase>,
    /// Where it is written.
    pub source: OverrideSource,
    /// Its `target` attribute's range.
    pub target_range: Option<SourceRange>,
    /// Its `values` attribute's range (for "mocked data defined at").
    pub values_range: Option<SourceRange>,
}

/// A `mock_resource` or `mock_data` block.
#[derive(Debug, Clone)]
pub struct MockDefaults {
    /// `defaults`.
    pub defaults: Value,
    /// `override_during`.
    pub during: Option<Phase>,
    /// The `defaults` range.
    pub range: Option<SourceRange>,
}

/// A `provider` or `mock_provider` block of a test file.
#[derive(Debug, Clone)]
pub struct TestProvider {
    /// The provider's local name.
    pub name: String,
    /// `alias`.
    pub alias: Option<String>,
    /// `mock_provider` (else a real `provider` configuration).
    pub mock: bool,
    /// The mock's `override_during`.
    pub during: Option<Phase>,
    /// `mock_resource` blocks by type.
    pub mock_resources: BTreeMap<String, MockDefaults>,
    /// `mock_data` blocks by type.
    pub mock_data: BTreeMap<String, MockDefaults>,
    /// Overrides inside the mock.
    pub overrides: Vec<Override>,
    /// The block.
    pub block: Block,
}

impl TestProvider {
    /// `name` or `name.alias`.
    pub fn key(&self) -> String {
        match &self.alias {
            Some(a) => format!("{}.{a}", self.name),
            None => self.name.clone(),
        }
    }
}

/// `plan_options`.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// `mode = refresh-only`.
    pub refresh_only: bool,
    /// `refresh = false`.
    pub no_refresh: bool,
    /// `replace = […]`.
    pub replace: Vec<String>,
    /// `target = […]`.
    pub target: Vec<String>,
}

/// A `run` block.
#[derive(Debug, Clone)]
pub struct Run {
    /// Its name.
    pub name: String,
    /// `command`.
    pub command: Command,
    /// `variables`.
    pub variables: BTreeMap<String, Attr>,
    /// `module { source }`: an alternate module, relative to the root.
    pub module: Option<String>,
    /// `providers = { aws = aws.mocked }`.
    pub providers: Option<BTreeMap<String, String>>,
    /// Where each `providers` value (the test file's provider) is written,
    /// by the key it is given for.
    pub provider_ranges: BTreeMap<String, Option<SourceRange>>,
    /// `assert` blocks.
    pub asserts: Vec<Rule>,
    /// `expect_failures`, as written, with ranges.
    pub expect_failures: Vec<(String, Option<SourceRange>)>,
    /// The `expect_failures` attribute's range.
    pub expect_failures_range: Option<SourceRange>,
    /// `plan_options`.
    pub plan_options: PlanOptions,
    /// `state_key`.
    pub state_key: Option<String>,
    /// Overrides in the run.
    pub overrides: Vec<Override>,
    /// The block.
    pub block: Block,
}

impl Run {
    /// How Terraform names it in diagnostics (`run "x"`).
    pub fn context(&self) -> String {
        format!("run {:?}", self.name)
    }
}

/// A test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// Its path relative to the module root (`tests/a.tftest.hcl`).
    pub name: String,
    /// Its source.
    pub source: Arc<SourceFile>,
    /// File-level `variables`.
    pub variables: BTreeMap<String, Attr>,
    /// `provider` and `mock_provider` blocks, by key (`aws`, `aws.west`).
    pub providers: BTreeMap<String, TestProvider>,
    /// File-level overrides.
    pub overrides: Vec<Override>,
    /// The runs, in file order.
    pub runs: Vec<Run>,
    /// Load-time problems (the file does not run when any is an error).
    pub diagnostics: Diagnostics,
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
}

fn unsupported_attrs(body: &Body, allowed: &[&str], diags: &mut Diagnostics) {
    for a in body.attrs.values() {
        if !allowed.contains(&a.name.as_str()) {
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!("An argument named {:?} is not expected here.", a.name),
                )
                .at(a.range.clone()),
            );
        }
    }
}

fn unsupported_blocks(body: &Body, allowed: &[&str], diags: &mut Diagnostics) {
    for b in &body.blocks {
        if !allowed.contains(&b.ty.as_str()) {
            diags.push(
                Diagnostic::error(
                    "Unsupported block type",
                    format!("Blocks of type {:?} are not expected here.", b.ty),
                )
                .at(b.header.clone()),
            );
        }
    }
}

fn phase(a: Option<&Attr>, diags: &mut Diagnostics) -> Option<Phase> {
    let a = a?;
    match keyword(a).as_deref() {
        Some("plan") => Some(Phase::Plan),
        Some("apply") => Some(Phase::Apply),
        _ => {
            diags.push(
                Diagnostic::error(
                    "Invalid override_during value",
                    "The override_during attribute must be a value of plan or apply.",
                )
                .at(a.expr.range()),
            );
            None
        }
    }
}

/// The constant value of an attribute (`values`, `defaults`), or the
/// diagnostic Terraform gives when it refers to something.
fn constant_attr(a: &Attr, what: &str, diags: &mut Diagnostics) -> Value {
    let refs = references(&a.expr.expr);
    if let Some(r) = refs.first() {
        diags.push(
            Diagnostic::error("Variables not allowed", "Variables may not be used here.")
                .at(r.span.clone().map(|s| a.expr.file.range(s))),
        );
        return Value::empty_object();
    }
    match constant(&a.expr.expr) {
        Some(v) if v.as_entries().is_some() => v,
        Some(_) => {
            diags.push(
                Diagnostic::error(
                    format!("Invalid {what} attribute"),
                    format!("The {what} attribute must be an object."),
                )
                .at(a.expr.range()),
            );
            Value::empty_object()
        }
        None => {
            diags.push(
                Diagnostic::error(
                    "Function calls not allowed",
                    "Functions may not be called here.",
                )
                .at(a.expr.range()),
            );
            Value::empty_object()
        }
    }
}

fn parse_override(b: &Block, source: OverrideSource, diags: &mut Diagnostics) -> Option<Override> {
    let kind = match b.ty.as_str() {
        "override_resource" => OverrideKind::Resource,
        "override_data" => OverrideKind::Data,
        _ => OverrideKind::Module,
    };
    let values_key = if kind == OverrideKind::Module {
        "outputs"
    } else {
        "values"
    };
    unsupported_attrs(&b.body, &["target", values_key, "override_during"], diags);
    let Some(target_attr) = b.body.attr("target") else {
        diags.push(
            Diagnostic::error(
                "Missing target attribute",
                format!("{} blocks must specify a target address.", b.ty),
            )
            .at(b.header.clone()),
        );
        return None;
    };
    let Some(target) = traversal_text(&target_attr.expr.expr) else {
        diags.push(
            Diagnostic::error(
                "Invalid target attribute",
                "The target must be a resource, data source or module address.",
            )
            .at(target_attr.expr.range()),
        );
        return None;
    };
    let is_data = target.starts_with("data.");
    let is_module = target.starts_with("module.");
    let (ok, what) = match kind {
        OverrideKind::Resource => (!is_data && !is_module, "resources"),
        OverrideKind::Data => (is_data, "data sources"),
        OverrideKind::Module => (is_module, "modules"),
    };
    if !ok {
        diags.push(
            Diagnostic::error(
                "Invalid override target",
                format!(
                    "You can only target {what} from {} blocks, not {target}.",
                    b.ty
                ),
            )
            .at(target_attr.expr.range()),
        );
        return None;
    }
    let values_attr = b.body.attr(values_key);
    let values = values_attr
        .map(|a| constant_attr(a, values_key, diags))
        .unwrap_or_else(Value::empty_object);
    Some(Override {
        kind,
        target,
        values,
        during: phase(b.body.attr("override_during"), diags),
        source,
        target_range: target_attr.expr.range(),
        values_range: values_attr.and_then(|a| a.range.clone()),
    })
}

fn parse_overrides(body: &Body, source: OverrideSource, diags: &mut Diagnostics) -> Vec<Override> {
    let mut out: Vec<Override> = Vec::new();
    for b in &body.blocks {
        if !matches!(
            b.ty.as_str(),
            "override_resource" | "override_data" | "override_module"
        ) {
            continue;
        }
        if let Some(o) = parse_override(b, source, diags) {
            if out.iter().any(|x| x.target == o.target && x.kind == o.kind) {
                diags.push(
                    Diagnostic::error(
                        format!("Duplicate {} block", b.ty),
                        format!(
                            "An {} block targeting {} has already been defined.",
                            b.ty, o.target
                        ),
                    )
                    .at(b.header.clone()),
                );
                continue;
            }
            out.push(o);
        }
    }
    out
}

fn mock_blocks(
    body: &Body,
    ty: &str,
    into: &mut BTreeMap<String, MockDefaults>,
    diags: &mut Diagnostics,
) {
    for b in body.blocks_of(ty) {
        if b.labels.len() != 1 {
            diags.push(
                Diagnostic::error(
                    format!("Missing type for {ty}"),
                    format!("All {ty} blocks must have 1 labels (type)."),
                )
                .at(b.header.clone()),
            );
            continue;
        }
        unsupported_attrs(&b.body, &["defaults", "override_during"], diags);
        let name = b.label(0).to_string();
        if into.contains_key(&name) {
            diags.push(
                Diagnostic::error(
                    format!("Duplicate {ty} block"),
                    format!("A {ty} block for {name} has already been defined."),
                )
                .at(b.header.clone()),
            );
            continue;
        }
        let defaults = b
            .body
            .attr("defaults")
            .map(|a| constant_attr(a, "defaults", diags))
            .unwrap_or_else(Value::empty_object);
        into.insert(
            name,
            MockDefaults {
                defaults,
                during: phase(b.body.attr("override_during"), diags),
                range: b.body.attr("defaults").and_then(|a| a.range.clone()),
            },
        );
    }
}

fn parse_provider(b: &Block, root: &Path, diags: &mut Diagnostics) -> TestProvider {
    let mock = b.ty == "mock_provider";
    let alias = b
        .body
        .attr("alias")
        .and_then(|a| match a.expr.expr.as_ref() {
            hcl_edit::expr::Expression::String(s) => Some(s.value().clone()),
            _ => keyword(a),
        });
    let mut p = TestProvider {
        name: b.label(0).to_string(),
        alias,
        mock,
        during: None,
        mock_resources: BTreeMap::new(),
        mock_data: BTreeMap::new(),
        overrides: Vec::new(),
        block: b.clone(),
    };
    if !mock {
        return p;
    }
    unsupported_attrs(&b.body, &["alias", "source", "override_during"], diags);
    unsupported_blocks(
        &b.body,
        &[
            "mock_resource",
            "mock_data",
            "override_resource",
            "override_data",
        ],
        diags,
    );
    p.during = phase(b.body.attr("override_during"), diags);
    mock_blocks(&b.body, "mock_resource", &mut p.mock_resources, diags);
    mock_blocks(&b.body, "mock_data", &mut p.mock_data, diags);
    p.overrides = parse_overrides(&b.body, OverrideSource::MockProvider, diags);
    if let Some(src) = b.body.attr("source") {
        let dir = match src.expr.expr.as_ref() {
            hcl_edit::expr::Expression::String(s) => s.value().clone(),
            _ => String::new(),
        };
        load_mock_dir(&mut p, root, &dir, src, diags);
    }
    p
}

/// Read `*.tfmock.hcl` / `*.tfmock.json` files of a mock data directory
/// (relative to the module root); entries written inline win.
fn load_mock_dir(
    p: &mut TestProvider,
    root: &Path,
    dir: &str,
    src: &Attr,
    diags: &mut Diagnostics,
) {
    let path = root.join(dir);
    let inside = path
        .canonicalize()
        .ok()
        .zip(root.canonicalize().ok())
        .is_some_and(|(p, r)| p.starts_with(r));
    let entries = match std::fs::read_dir(&path) {
        Ok(e) if inside => e,
        _ => {
            diags.push(
                Diagnostic::error(
                    "Failed to read mock data directory",
                    format!("Mock data directory {dir} does not exist or cannot be read."),
                )
                .at(src.expr.range()),
            );
            return;
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tfmock.hcl") || n.ends_with(".tfmock.json"))
        .collect();
    names.sort();
    for n in names {
        let Ok(text) = std::fs::read_to_string(path.join(&n)) else {
            continue;
        };
        let file = SourceFile::new(format!("{}/{n}", dir.trim_end_matches('/')), text);
        let body = if n.ends_with(".json") {
            parse_json(&file)
        } else {
            parse_hcl(&file)
        };
        let body = match body {
            Ok(b) => b,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let mut res = BTreeMap::new();
        let mut data = BTreeMap::new();
        mock_blocks(&body, "mock_resource", &mut res, diags);
        mock_blocks(&body, "mock_data", &mut data, diags);
        for (k, v) in res {
            p.mock_resources.entry(k).or_insert(v);
        }
        for (k, v) in data {
            p.mock_data.entry(k).or_insert(v);
        }
        for o in parse_overrides(&body, OverrideSource::MockProvider, diags) {
            if !p.overrides.iter().any(|x| x.target == o.target) {
                p.overrides.push(o);
            }
        }
    }
}

fn parse_run(b: &Block, diags: &mut Diagnostics) -> Option<Run> {
    let name = b.label(0).to_string();
    if !is_identifier(&name) {
        diags.push(
            Diagnostic::error(
                "Invalid run block name",
                "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.",
            )
            .at(b.label_ranges.first().cloned().flatten().or(b.header.clone())),
        );
        return None;
    }
    unsupported_attrs(
        &b.body,
        &["command", "providers", "expect_failures", "state_key"],
        diags,
    );
    unsupported_blocks(
        &b.body,
        &[
            "variables",
            "module",
            "assert",
            "plan_options",
            "override_resource",
            "override_data",
            "override_module",
        ],
        diags,
    );
    let command = match b.body.attr("command") {
        None => Command::Apply,
        Some(a) => match keyword(a).as_deref() {
            Some("apply") => Command::Apply,
            Some("plan") => Command::Plan,
            _ => {
                diags.push(
                    Diagnostic::error(
                        "Invalid \"command\" keyword",
                        "The \"command\" argument requires one of the following keywords without quotes: apply or plan.",
                    )
                    .at(a.expr.range()),
                );
                Command::Apply
            }
        },
    };
    fn single<'b>(b: &'b Block, ty: &'static str, diags: &mut Diagnostics) -> Option<&'b Block> {
        let mut it = b.body.blocks_of(ty);
        let first = it.next();
        if let Some(second) = it.next() {
            diags.push(
                Diagnostic::error(
                    format!("Multiple {ty:?} blocks"),
                    format!("This run block already has a {ty} block defined."),
                )
                .at(second.header.clone()),
            );
        }
        first
    }
    let variables = single(b, "variables", diags)
        .map(|v| v.body.attrs.clone())
        .unwrap_or_default();
    let module = single(b, "module", diags).and_then(|m| {
        unsupported_attrs(&m.body, &["source", "version"], diags);
        match m.body.attr("source").map(|a| a.expr.expr.as_ref()) {
            Some(hcl_edit::expr::Expression::String(s)) => Some(s.value().clone()),
            _ => {
                diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        "The argument \"source\" is required, but no definition was found.",
                    )
                    .at(m.header.clone()),
                );
                None
            }
        }
    });
    let plan_options = single(b, "plan_options", diags)
        .map(|p| {
            unsupported_attrs(&p.body, &["mode", "refresh", "replace", "target"], diags);
            let mode = p.body.attr("mode").and_then(|a| {
                let k = keyword(a);
                if !matches!(k.as_deref(), Some("normal") | Some("refresh-only")) {
                    diags.push(
                        Diagnostic::error(
                            "Invalid \"mode\" keyword",
                            // (Terraform's text has no closing period.)
                            "The \"mode\" argument requires one of the following keywords without quotes: normal or refresh-only",
                        )
                        .at(a.expr.range()),
                    );
                }
                k
            });
            PlanOptions {
                refresh_only: mode.as_deref() == Some("refresh-only"),
                no_refresh: matches!(
                    p.body.attr("refresh").map(|a| a.expr.expr.as_ref()),
                    Some(hcl_edit::expr::Expression::Bool(v)) if !*v.value()
                ),
                replace: reference_list(p.body.attr("replace")),
                target: reference_list(p.body.attr("target")),
            }
        })
        .unwrap_or_default();
    let mut provider_ranges = BTreeMap::new();
    let providers = b
        .body
        .attr("providers")
        .map(|a| match a.expr.expr.as_ref() {
            hcl_edit::expr::Expression::Object(o) => o
                .iter()
                .filter_map(|(k, v)| {
                    let key = match k {
                        hcl_edit::expr::ObjectKey::Ident(i) => i.value().as_str().to_string(),
                        hcl_edit::expr::ObjectKey::Expression(e) => traversal_text(e)?,
                    };
                    let range = hcl_edit::Span::span(v.expr()).map(|s| a.expr.file.range(s));
                    provider_ranges.insert(key.clone(), range);
                    Some((key, traversal_text(v.expr())?))
                })
                .collect(),
            _ => BTreeMap::new(),
        });
    let mut expect_failures = Vec::new();
    let expect_attr = b.body.attr("expect_failures");
    if let Some(a) = expect_attr
        && let hcl_edit::expr::Expression::Array(items) = a.expr.expr.as_ref()
    {
        for item in items.iter() {
            let range = hcl_edit::Span::span(item).map(|s| a.expr.file.range(s));
            match traversal_text(item) {
                Some(t) => expect_failures.push((t, range)),
                None => diags.push(
                    Diagnostic::error(
                        "Invalid `expect_failures` reference",
                        "expect_failures entries must be references to checkable objects.",
                    )
                    .at(range),
                ),
            }
        }
    }
    let asserts: Vec<Rule> = b
        .body
        .blocks_of("assert")
        .filter_map(|a| {
            let cond = a.body.attr("condition");
            let Some(cond) = cond else {
                diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        "The argument \"condition\" is required, but no definition was found.",
                    )
                    .at(a.header.clone()),
                );
                return None;
            };
            if references(&cond.expr.expr).is_empty() {
                diags.push(
                    Diagnostic::error(
                        "Invalid assert expression",
                        "The condition expression must refer to at least one object from elsewhere in the configuration, or else its result would not be checking anything.",
                    )
                    .at(cond.expr.range())
                    .in_context(Some(&format!("run {name:?}"))),
                );
                return None;
            }
            Some(Rule {
                condition: cond.expr.clone(),
                error_message: a
                    .body
                    .attr("error_message")
                    .map(|m| m.expr.clone())
                    .unwrap_or_else(|| Expr::string(&cond.expr.file, "")),
                range: a.range.clone(),
                header: a.header.clone(),
            })
        })
        .collect();
    let state_key = b
        .body
        .attr("state_key")
        .and_then(|a| match a.expr.expr.as_ref() {
            hcl_edit::expr::Expression::String(s) => Some(s.value().clone()),
            _ => constant(&a.expr.expr).and_then(|v| v.as_str().map(str::to_string)),
        });
    Some(Run {
        name,
        command,
        variables,
        module,
        providers,
        provider_ranges,
        asserts,
        expect_failures,
        expect_failures_range: expect_attr.and_then(|a| a.expr.range()),
        plan_options,
        state_key,
        overrides: parse_overrides(&b.body, OverrideSource::Run, diags),
        block: b.clone(),
    })
}

impl TestFile {
    /// Parse a test file named `name` (relative to the module root) from
    /// `text`; `root` is the module root (mock data directories are
    /// relative to it).
    pub fn parse(name: &str, text: &str, root: &Path) -> TestFile {
        let source = SourceFile::new(name, text);
        let mut tf = TestFile {
            name: name.to_string(),
            source: source.clone(),
            variables: BTreeMap::new(),
            providers: BTreeMap::new(),
            overrides: Vec::new(),
            runs: Vec::new(),
            diagnostics: Vec::new(),
        };
        let body = if name.ends_with(".json") {
            parse_json(&source)
        } else {
            parse_hcl(&source)
        };
        let body = match body {
            Ok(b) => b,
            Err(d) => {
                tf.diagnostics.push(d);
                return tf;
            }
        };
        let diags = &mut tf.diagnostics;
        unsupported_attrs(&body, &[], diags);
        unsupported_blocks(
            &body,
            &[
                "run",
                "variables",
                "provider",
                "mock_provider",
                "override_resource",
                "override_data",
                "override_module",
            ],
            diags,
        );
        let mut vars = body.blocks_of("variables");
        let first = vars.next();
        if let Some(v) = first {
            tf.variables = v.body.attrs.clone();
        }
        for extra in vars {
            let at = first
                .and_then(|f| f.header.as_ref())
                .map(|r| format!(" at {r}"))
                .unwrap_or_default();
            diags.push(
                Diagnostic::error(
                    "Multiple \"variables\" blocks",
                    format!("This test file already has a variables block defined{at}."),
                )
                .at(extra.header.clone()),
            );
        }
        for b in body
            .blocks
            .iter()
            .filter(|b| b.ty == "provider" || b.ty == "mock_provider")
        {
            let p = parse_provider(b, root, diags);
            let key = p.key();
            if tf.providers.contains_key(&key) {
                diags.push(
                    Diagnostic::error(
                        "Duplicate provider block",
                        format!("A provider for {key} is already defined."),
                    )
                    .at(b.header.clone()),
                );
                continue;
            }
            tf.providers.insert(key, p);
        }
        tf.overrides = parse_overrides(&body, OverrideSource::File, diags);
        let mut seen: BTreeMap<String, Option<SourceRange>> = BTreeMap::new();
        for b in body.blocks_of("run") {
            if let Some(first) = seen.get(b.label(0)) {
                let at = first
                    .as_ref()
                    .map(|r| format!(" block defined at {r}"))
                    .unwrap_or_default();
                diags.push(
                    Diagnostic::error(
                        "Duplicate \"run\" block names",
                        format!("This test file already has a run named {}{at}.", b.label(0)),
                    )
                    .at(b.header.clone()),
                );
                continue;
            }
            seen.insert(b.label(0).to_string(), b.header.clone());
            if let Some(r) = parse_run(b, diags) {
                tf.runs.push(r);
            }
        }
        tf
    }
}
