//! A Terraform module as the engine evaluates it: variables, locals,
//! outputs, managed, data and ephemeral resources, module calls, checks,
//! provider requirements and configurations, loaded from `.tf`, `.tofu`
//! and `.tf.json` files (override files merged after the others).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::body::{Attr, Block, Body, Expr, parse_hcl, parse_json};
use super::types::Constraint;
use crate::tftest::diag::{Diagnostic, Diagnostics, SourceFile, SourceRange};
use crate::tftest::eval::traversal_text;

/// The most bytes of configuration one module may hold.
pub const MAX_MODULE_BYTES: u64 = 16 << 20;

/// A custom condition (`validation`, `precondition`, `postcondition`,
/// check `assert`).
#[derive(Debug, Clone)]
pub struct Rule {
    /// `condition`.
    pub condition: Expr,
    /// `error_message`.
    pub error_message: Expr,
    /// The block.
    pub range: Option<SourceRange>,
    /// The block's header (`validation`), for "checked by the rule at".
    pub header: Option<SourceRange>,
}

/// An input variable.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// `type` (`any` when none).
    pub constraint: Constraint,
    /// `default`.
    pub default: Option<Expr>,
    /// `sensitive`.
    pub sensitive: bool,
    /// `nullable` (default true).
    pub nullable: bool,
    /// `ephemeral`.
    pub ephemeral: bool,
    /// `validation` blocks.
    pub validations: Vec<Rule>,
    /// `description`, when it is a literal string.
    pub description: Option<String>,
    /// The block header (`variable "x"`).
    pub header: Option<SourceRange>,
}

/// A local value.
#[derive(Debug, Clone)]
pub struct Local {
    /// Its name.
    pub name: String,
    /// Its expression.
    pub expr: Expr,
}

/// An output value.
#[derive(Debug, Clone)]
pub struct Output {
    /// Its name.
    pub name: String,
    /// `value`.
    pub value: Option<Expr>,
    /// `sensitive`.
    pub sensitive: bool,
    /// `ephemeral`.
    pub ephemeral: bool,
    /// `precondition` blocks.
    pub preconditions: Vec<Rule>,
    /// `depends_on`.
    pub depends_on: Vec<String>,
    /// `description`, when it is a literal string.
    pub description: Option<String>,
    /// The block header.
    pub header: Option<SourceRange>,
}

/// What kind of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// `resource`.
    Managed,
    /// `data`.
    Data,
    /// `ephemeral`.
    Ephemeral,
}

/// A resource, data source or ephemeral resource block.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its kind.
    pub mode: Mode,
    /// Its type (`aws_instance`).
    pub ty: String,
    /// Its name.
    pub name: String,
    /// `provider = aws.west`: local name and alias.
    pub provider: Option<(String, Option<String>)>,
    /// `count`.
    pub count: Option<Expr>,
    /// `for_each`.
    pub for_each: Option<Expr>,
    /// `depends_on`.
    pub depends_on: Vec<String>,
    /// The body, without the meta-arguments.
    pub body: Body,
    /// `lifecycle { precondition }`.
    pub preconditions: Vec<Rule>,
    /// `lifecycle { postcondition }`.
    pub postconditions: Vec<Rule>,
    /// The check block this data source is scoped in, if any.
    pub in_check: Option<String>,
    /// The block.
    pub block: Block,
}

impl Resource {
    /// `aws_instance.web`, `data.aws_ami.x`, `ephemeral.random_password.p`.
    pub fn address(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.ty, self.name),
            Mode::Data => format!("data.{}.{}", self.ty, self.name),
            Mode::Ephemeral => format!("ephemeral.{}.{}", self.ty, self.name),
        }
    }

    /// The provider's local name: given by `provider`, else the type's prefix.
    pub fn provider_name(&self) -> String {
        match &self.provider {
            Some((n, _)) => n.clone(),
            None => self.ty.split('_').next().unwrap_or(&self.ty).to_string(),
        }
    }
}

/// A module call.
#[derive(Debug, Clone)]
pub struct ModuleCall {
    /// Its name.
    pub name: String,
    /// `source`.
    pub source: String,
    /// `version`.
    pub version: Option<String>,
    /// `count`.
    pub count: Option<Expr>,
    /// `for_each`.
    pub for_each: Option<Expr>,
    /// Input values, by variable name.
    pub inputs: BTreeMap<String, Expr>,
    /// `providers = { aws = aws.west }`.
    pub providers: BTreeMap<String, String>,
    /// `depends_on`.
    pub depends_on: Vec<String>,
    /// The block.
    pub block: Block,
}

/// A `check` block.
#[derive(Debug, Clone)]
pub struct Check {
    /// Its name.
    pub name: String,
    /// Its `assert` blocks.
    pub asserts: Vec<Rule>,
    /// The block.
    pub block: Block,
}

/// A provider's requirement (`required_providers`).
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderRequirement {
    /// `source` (`hashicorp/aws`), normalised without the registry host.
    pub source: String,
    /// `version`.
    pub version: Option<String>,
    /// `configuration_aliases`.
    pub aliases: Vec<String>,
    /// `source` was written (not implied from the local name).
    pub explicit_source: bool,
    /// Where it is declared.
    pub range: Option<SourceRange>,
}

/// A `provider` block.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The local name.
    pub name: String,
    /// `alias`.
    pub alias: Option<String>,
    /// The block.
    pub block: Block,
}

/// A module.
#[derive(Debug, Clone, Default)]
pub struct Module {
    /// The directory it was loaded from.
    pub dir: PathBuf,
    /// Every file, by name.
    pub files: BTreeMap<String, Arc<SourceFile>>,
    /// Variables.
    pub variables: BTreeMap<String, Variable>,
    /// Locals.
    pub locals: BTreeMap<String, Local>,
    /// Outputs.
    pub outputs: BTreeMap<String, Output>,
    /// Resources by address.
    pub resources: BTreeMap<String, Resource>,
    /// Module calls.
    pub calls: BTreeMap<String, ModuleCall>,
    /// Checks.
    pub checks: BTreeMap<String, Check>,
    /// `required_providers`, by local name.
    pub required_providers: BTreeMap<String, ProviderRequirement>,
    /// `provider` blocks.
    pub provider_configs: Vec<ProviderConfig>,
    /// `required_version`.
    pub required_version: Option<String>,
    /// `moved` blocks, in order: (from, to) addresses.
    pub moves: Vec<(String, String)>,
    /// `import` blocks.
    pub imports: Vec<Import>,
    /// `removed` blocks.
    pub removals: Vec<Removal>,
    /// Problems found while loading (a module with errors does not run).
    pub diagnostics: Diagnostics,
}

/// An `import` block: the object with this id becomes `to`.
#[derive(Debug, Clone)]
pub struct Import {
    /// The resource instance address it imports into.
    pub to: String,
    /// The id expression.
    pub id: Expr,
}

/// A `removed` block: the object at `from` leaves the state.
#[derive(Debug, Clone)]
pub struct Removal {
    /// The resource (or module) address.
    pub from: String,
    /// `lifecycle { destroy }` (true unless set false): destroyed, or only
    /// forgotten.
    pub destroy: bool,
}

fn is_config_file(name: &str) -> bool {
    name.ends_with(".tf")
        || name.ends_with(".tofu")
        || name.ends_with(".tf.json")
        || name.ends_with(".tofu.json")
}

fn is_override(name: &str) -> bool {
    let stem = name
        .trim_end_matches(".json")
        .trim_end_matches(".tf")
        .trim_end_matches(".tofu");
    stem == "override" || stem.ends_with("_override")
}

fn bool_attr(body: &Body, name: &str) -> Option<bool> {
    let a = body.attr(name)?;
    match a.expr.expr.as_ref() {
        hcl_edit::expr::Expression::Bool(b) => Some(*b.value()),
        _ => None,
    }
}

fn string_attr(body: &Body, name: &str) -> Option<String> {
    let a = body.attr(name)?;
    match a.expr.expr.as_ref() {
        hcl_edit::expr::Expression::String(s) => Some(s.value().clone()),
        hcl_edit::expr::Expression::HeredocTemplate(h) => Some(
            h.template
                .iter()
                .filter_map(|e| match e {
                    hcl_edit::template::Element::Literal(l) => Some(l.value().clone()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// A keyword attribute (`command = plan`), written bare or quoted.
pub fn keyword(a: &Attr) -> Option<String> {
    match a.expr.static_form().as_ref() {
        hcl_edit::expr::Expression::Variable(v) => Some(v.value().as_str().to_string()),
        hcl_edit::expr::Expression::String(s) => Some(s.value().clone()),
        _ => None,
    }
}

/// An attribute holding one static address (`from = aws_instance.a`).
fn address_attr(b: &Block, name: &str) -> Option<String> {
    traversal_text(&b.body.attr(name)?.expr.static_form())
}

/// A list of static references (`depends_on = [aws_instance.a]`).
pub fn reference_list(a: Option<&Attr>) -> Vec<String> {
    let Some(a) = a else { return Vec::new() };
    match a.expr.expr.as_ref() {
        hcl_edit::expr::Expression::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                // JSON: each reference is a string of native syntax.
                hcl_edit::expr::Expression::String(s) if a.expr.file.name.ends_with(".json") => {
                    Some(s.value().clone())
                }
                _ => traversal_text(i),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn rules(body: &Body, ty: &str) -> Vec<Rule> {
    body.blocks_of(ty)
        .filter_map(|b| {
            let condition = b.body.attr("condition")?.expr.clone();
            Some(Rule {
                error_message: b
                    .body
                    .attr("error_message")
                    .map(|a| a.expr.clone())
                    .unwrap_or_else(|| Expr::string(&condition.file, "")),
                condition,
                range: b.range.clone(),
                header: b.header.clone(),
            })
        })
        .collect()
}

fn without(body: &Body, attrs: &[&str], blocks: &[&str]) -> Body {
    let mut b = body.clone();
    for a in attrs {
        b.attrs.remove(*a);
    }
    b.blocks.retain(|x| !blocks.contains(&x.ty.as_str()));
    b
}

impl Module {
    /// Load the module in `dir` (configuration files only, in name
    /// order; override files after the rest).
    pub fn load(dir: &Path, display_prefix: &str) -> Module {
        let mut m = Module {
            dir: dir.to_path_buf(),
            ..Module::default()
        };
        let mut names: Vec<String> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| is_config_file(n))
                .collect(),
            Err(e) => {
                m.diagnostics.push(Diagnostic::error(
                    "Failed to read module directory",
                    format!(
                        "Module directory {} does not exist or cannot be read: {e}.",
                        dir.display()
                    ),
                ));
                return m;
            }
        };
        names.sort();
        let mut total = 0u64;
        let mut sources = Vec::new();
        for name in names {
            let path = dir.join(&name);
            let text = match std::fs::metadata(&path) {
                Ok(md) if total + md.len() > MAX_MODULE_BYTES => {
                    m.diagnostics.push(Diagnostic::error(
                        "Module too large",
                        format!(
                            "The module's configuration passes {} bytes.",
                            MAX_MODULE_BYTES
                        ),
                    ));
                    return m;
                }
                Ok(md) => {
                    total += md.len();
                    match std::fs::read_to_string(&path) {
                        Ok(t) => t,
                        Err(e) => {
                            m.diagnostics.push(Diagnostic::error(
                                "Failed to read file",
                                format!("{}: {e}", path.display()),
                            ));
                            continue;
                        }
                    }
                }
                Err(e) => {
                    m.diagnostics.push(Diagnostic::error(
                        "Failed to read file",
                        format!("{}: {e}", path.display()),
                    ));
                    continue;
                }
            };
            sources.push((name, text));
        }
        m.add_sources(display_prefix, sources);
        m
    }

    /// A module from its configuration files' texts, by file name (the
    /// files of one directory, as an archive holds them); names are shown
    /// under `display_prefix`.
    pub fn from_sources(
        dir: &Path,
        display_prefix: &str,
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Module {
        let mut m = Module {
            dir: dir.to_path_buf(),
            ..Module::default()
        };
        m.add_sources(
            display_prefix,
            sources
                .into_iter()
                .filter(|(n, _)| is_config_file(n))
                .collect(),
        );
        m
    }

    /// Parse and add files in Terraform's order: name order, override
    /// files after the rest.
    fn add_sources(&mut self, display_prefix: &str, mut sources: Vec<(String, String)>) {
        sources.sort_by(|a, b| a.0.cmp(&b.0));
        let (primary, overrides): (Vec<_>, Vec<_>) =
            sources.into_iter().partition(|(n, _)| !is_override(n));
        for ((name, text), is_ovr) in primary
            .into_iter()
            .map(|s| (s, false))
            .chain(overrides.into_iter().map(|s| (s, true)))
        {
            let display = if display_prefix.is_empty() {
                name.clone()
            } else {
                format!("{display_prefix}/{name}")
            };
            let file = SourceFile::new(display.clone(), text);
            self.files.insert(display, file.clone());
            let body = if name.ends_with(".json") {
                parse_json(&file)
            } else {
                parse_hcl(&file)
            };
            match body {
                Ok(body) => self.add_body(&body, is_ovr),
                Err(d) => self.diagnostics.push(d),
            }
        }
    }

    /// Add a file's blocks (merged into existing ones for override files).
    pub fn add_body(&mut self, body: &Body, is_override: bool) {
        for b in &body.blocks {
            match b.ty.as_str() {
                "variable" => self.add_variable(b, is_override),
                "locals" => {
                    for a in b.body.attrs.values() {
                        self.locals.insert(
                            a.name.clone(),
                            Local {
                                name: a.name.clone(),
                                expr: a.expr.clone(),
                            },
                        );
                    }
                }
                "output" => self.add_output(b, is_override),
                "resource" | "data" | "ephemeral" => self.add_resource(b, None, is_override),
                "module" => self.add_call(b, is_override),
                "check" => self.add_check(b),
                "terraform" => self.add_terraform(b),
                "provider" => self.provider_configs.push(ProviderConfig {
                    name: b.label(0).to_string(),
                    alias: b
                        .body
                        .attr("alias")
                        .and_then(|a| match a.expr.expr.as_ref() {
                            hcl_edit::expr::Expression::String(s) => Some(s.value().clone()),
                            _ => None,
                        }),
                    block: b.clone(),
                }),
                "moved" => {
                    if let (Some(from), Some(to)) = (address_attr(b, "from"), address_attr(b, "to"))
                    {
                        self.moves.push((from, to));
                    }
                }
                "import" => {
                    if let (Some(to), Some(id)) = (address_attr(b, "to"), b.body.attr("id")) {
                        self.imports.push(Import {
                            to,
                            id: id.expr.clone(),
                        });
                    }
                }
                "removed" => {
                    if let Some(from) = address_attr(b, "from") {
                        let destroy = b
                            .body
                            .blocks_of("lifecycle")
                            .filter_map(|l| l.body.attr("destroy"))
                            .all(|d| !matches!(d.expr.static_form().as_ref(), hcl_edit::expr::Expression::Bool(v) if !*v.value()));
                        self.removals.push(Removal { from, destroy });
                    }
                }
                other => self.diagnostics.push(
                    Diagnostic::error(
                        "Unsupported block type",
                        format!("Blocks of type {other:?} are not expected here."),
                    )
                    .at(b.header.clone()),
                ),
            }
        }
        if !body.attrs.is_empty() {
            for a in body.attrs.values() {
                self.diagnostics.push(
                    Diagnostic::error(
                        "Unsupported argument",
                        format!("An argument named {:?} is not expected here.", a.name),
                    )
                    .at(a.range.clone()),
                );
            }
        }
    }

    fn duplicate(&mut self, what: &str, name: &str, b: &Block) {
        self.diagnostics.push(
            Diagnostic::error(
                format!("Duplicate {what} declaration"),
                format!("A {what} named {name:?} was already declared. {what} names must be unique within a module."),
            )
            .at(b.header.clone()),
        );
    }

    fn add_variable(&mut self, b: &Block, is_override: bool) {
        let name = b.label(0).to_string();
        let constraint = match b.body.attr("type") {
            Some(t) => match Constraint::parse(&t.expr.static_form()) {
                Ok(c) => c,
                Err(detail) => {
                    self.diagnostics.push(
                        Diagnostic::error("Invalid type specification", detail).at(t.expr.range()),
                    );
                    Constraint::Any
                }
            },
            None => Constraint::Any,
        };
        let v = Variable {
            name: name.clone(),
            constraint,
            default: b.body.attr("default").map(|a| a.expr.clone()),
            sensitive: bool_attr(&b.body, "sensitive").unwrap_or(false),
            nullable: bool_attr(&b.body, "nullable").unwrap_or(true),
            ephemeral: bool_attr(&b.body, "ephemeral").unwrap_or(false),
            validations: rules(&b.body, "validation"),
            description: string_attr(&b.body, "description"),
            header: b.header.clone(),
        };
        match self.variables.get_mut(&name) {
            Some(existing) if is_override => {
                if b.body.attr("type").is_some() {
                    existing.constraint = v.constraint;
                }
                if v.default.is_some() {
                    existing.default = v.default;
                }
                if b.body.attr("sensitive").is_some() {
                    existing.sensitive = v.sensitive;
                }
                if b.body.attr("nullable").is_some() {
                    existing.nullable = v.nullable;
                }
                if !v.validations.is_empty() {
                    existing.validations = v.validations;
                }
                if v.description.is_some() {
                    existing.description = v.description;
                }
            }
            Some(_) => self.duplicate("variable", &name, b),
            None => {
                self.variables.insert(name, v);
            }
        }
    }

    fn add_output(&mut self, b: &Block, is_override: bool) {
        let name = b.label(0).to_string();
        let o = Output {
            name: name.clone(),
            value: b.body.attr("value").map(|a| a.expr.clone()),
            sensitive: bool_attr(&b.body, "sensitive").unwrap_or(false),
            ephemeral: bool_attr(&b.body, "ephemeral").unwrap_or(false),
            preconditions: rules(&b.body, "precondition"),
            depends_on: reference_list(b.body.attr("depends_on")),
            description: string_attr(&b.body, "description"),
            header: b.header.clone(),
        };
        match self.outputs.get_mut(&name) {
            Some(existing) if is_override => {
                if o.description.is_some() {
                    existing.description = o.description.clone();
                }
                if o.value.is_some() {
                    existing.value = o.value;
                }
                if b.body.attr("sensitive").is_some() {
                    existing.sensitive = o.sensitive;
                }
                if !o.preconditions.is_empty() {
                    existing.preconditions = o.preconditions;
                }
            }
            Some(_) => self.duplicate("output", &name, b),
            None => {
                if o.value.is_none() {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "Missing required argument",
                            "The argument \"value\" is required, but no definition was found.",
                        )
                        .at(b.header.clone()),
                    );
                }
                self.outputs.insert(name, o);
            }
        }
    }

    fn add_resource(&mut self, b: &Block, in_check: Option<&str>, is_override: bool) {
        let mode = match b.ty.as_str() {
            "data" => Mode::Data,
            "ephemeral" => Mode::Ephemeral,
            _ => Mode::Managed,
        };
        let provider = b.body.attr("provider").and_then(|a| {
            let t = traversal_text(&a.expr.static_form())?;
            Some(match t.split_once('.') {
                Some((n, alias)) => (n.to_string(), Some(alias.to_string())),
                None => (t, None),
            })
        });
        let lifecycle: Vec<&Block> = b.body.blocks_of("lifecycle").collect();
        let pre = lifecycle
            .iter()
            .flat_map(|l| rules(&l.body, "precondition"))
            .collect();
        let post = lifecycle
            .iter()
            .flat_map(|l| rules(&l.body, "postcondition"))
            .collect();
        let r = Resource {
            mode,
            ty: b.label(0).to_string(),
            name: b.label(1).to_string(),
            provider,
            count: b.body.attr("count").map(|a| a.expr.clone()),
            for_each: b.body.attr("for_each").map(|a| a.expr.clone()),
            depends_on: reference_list(b.body.attr("depends_on")),
            body: without(
                &b.body,
                &["count", "for_each", "provider", "depends_on"],
                &["lifecycle", "provisioner", "connection"],
            ),
            preconditions: pre,
            postconditions: post,
            in_check: in_check.map(str::to_string),
            block: b.clone(),
        };
        if r.count.is_some() && r.for_each.is_some() {
            self.diagnostics.push(
                Diagnostic::error(
                    "Invalid combination of \"count\" and \"for_each\"",
                    "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.",
                )
                .at(b.header.clone()),
            );
        }
        let addr = r.address();
        match self.resources.get_mut(&addr) {
            Some(existing) if is_override => {
                for (k, a) in &r.body.attrs {
                    existing.body.attrs.insert(k.clone(), a.clone());
                }
                let new_types: Vec<&str> = r.body.blocks.iter().map(|x| x.ty.as_str()).collect();
                if !new_types.is_empty() {
                    existing
                        .body
                        .blocks
                        .retain(|x| !new_types.contains(&x.ty.as_str()));
                    existing.body.blocks.extend(r.body.blocks.clone());
                }
                if r.count.is_some() {
                    existing.count = r.count;
                }
                if r.for_each.is_some() {
                    existing.for_each = r.for_each;
                }
            }
            Some(_) => {
                let what = match mode {
                    Mode::Managed => "resource",
                    Mode::Data => "data resource",
                    Mode::Ephemeral => "ephemeral resource",
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        format!("Duplicate {what} \"{}\" configuration", r.ty),
                        format!("A {} resource named {:?} was already declared. Resource names must be unique per type in each module.", r.ty, r.name),
                    )
                    .at(b.header.clone()),
                );
            }
            None => {
                self.resources.insert(addr, r);
            }
        }
    }

    fn add_call(&mut self, b: &Block, is_override: bool) {
        let name = b.label(0).to_string();
        let string = |n: &str| {
            b.body.attr(n).and_then(|a| match a.expr.expr.as_ref() {
                hcl_edit::expr::Expression::String(s) => Some(s.value().clone()),
                _ => None,
            })
        };
        let providers = b
            .body
            .attr("providers")
            .and_then(|a| match a.expr.expr.as_ref() {
                hcl_edit::expr::Expression::Object(o) => Some(
                    o.iter()
                        .filter_map(|(k, v)| {
                            let key = match k {
                                hcl_edit::expr::ObjectKey::Ident(i) => {
                                    i.value().as_str().to_string()
                                }
                                hcl_edit::expr::ObjectKey::Expression(e) => traversal_text(e)?,
                            };
                            Some((key, traversal_text(v.expr())?))
                        })
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default();
        let meta = [
            "source",
            "version",
            "count",
            "for_each",
            "providers",
            "depends_on",
        ];
        let call = ModuleCall {
            name: name.clone(),
            source: string("source").unwrap_or_default(),
            version: string("version"),
            count: b.body.attr("count").map(|a| a.expr.clone()),
            for_each: b.body.attr("for_each").map(|a| a.expr.clone()),
            inputs: b
                .body
                .attrs
                .iter()
                .filter(|(k, _)| !meta.contains(&k.as_str()))
                .map(|(k, a)| (k.clone(), a.expr.clone()))
                .collect(),
            providers,
            depends_on: reference_list(b.body.attr("depends_on")),
            block: b.clone(),
        };
        match self.calls.get_mut(&name) {
            Some(existing) if is_override => existing.inputs.extend(call.inputs),
            Some(_) => self.duplicate("module call", &name, b),
            None => {
                self.calls.insert(name, call);
            }
        }
    }

    fn add_check(&mut self, b: &Block) {
        let name = b.label(0).to_string();
        for d in b.body.blocks_of("data") {
            self.add_resource(d, Some(&name), false);
        }
        self.checks.insert(
            name.clone(),
            Check {
                name,
                asserts: rules(&b.body, "assert"),
                block: b.clone(),
            },
        );
    }

    fn add_terraform(&mut self, b: &Block) {
        if let Some(a) = b.body.attr("required_version")
            && let hcl_edit::expr::Expression::String(s) = a.expr.expr.as_ref()
        {
            self.required_version = Some(s.value().clone());
        }
        for rp in b.body.blocks_of("required_providers") {
            for a in rp.body.attrs.values() {
                let req = match a.expr.expr.as_ref() {
                    hcl_edit::expr::Expression::Object(o) => {
                        let mut req = ProviderRequirement {
                            source: format!("hashicorp/{}", a.name),
                            version: None,
                            aliases: Vec::new(),
                            explicit_source: false,
                            range: a.range.clone(),
                        };
                        for (k, v) in o.iter() {
                            let key = match k {
                                hcl_edit::expr::ObjectKey::Ident(i) => {
                                    i.value().as_str().to_string()
                                }
                                hcl_edit::expr::ObjectKey::Expression(e) => match e {
                                    hcl_edit::expr::Expression::String(s) => s.value().clone(),
                                    other => traversal_text(other).unwrap_or_default(),
                                },
                            };
                            match (key.as_str(), v.expr()) {
                                ("source", hcl_edit::expr::Expression::String(s)) => {
                                    req.source = normalise_source(s.value());
                                    req.explicit_source = true;
                                }
                                ("version", hcl_edit::expr::Expression::String(s)) => {
                                    req.version = Some(s.value().clone())
                                }
                                (
                                    "configuration_aliases",
                                    hcl_edit::expr::Expression::Array(items),
                                ) => {
                                    req.aliases = items
                                        .iter()
                                        .filter_map(traversal_text)
                                        .filter_map(|t| {
                                            t.split_once('.').map(|(_, a)| a.to_string())
                                        })
                                        .collect();
                                }
                                _ => {}
                            }
                        }
                        req
                    }
                    // Legacy form: `aws = "~> 5.0"`.
                    hcl_edit::expr::Expression::String(s) => ProviderRequirement {
                        source: format!("hashicorp/{}", a.name),
                        version: Some(s.value().clone()),
                        aliases: Vec::new(),
                        explicit_source: false,
                        range: a.range.clone(),
                    },
                    _ => continue,
                };
                self.required_providers.insert(a.name.clone(), req);
            }
        }
    }

    /// The provider source of a local provider name (`aws` → `hashicorp/aws`).
    pub fn provider_source(&self, local: &str) -> String {
        match self.required_providers.get(local) {
            Some(r) => r.source.clone(),
            None if local == "terraform" => "terraform.io/builtin/terraform".into(),
            None => format!("hashicorp/{local}"),
        }
    }
}

/// A provider source without the default registry host, lowercased
/// (`registry.terraform.io/hashicorp/aws` → `hashicorp/aws`).
pub fn normalise_source(s: &str) -> String {
    let s = s.to_ascii_lowercase();
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        [host, ns, name]
            if *host == "registry.terraform.io" || *host == "registry.opentofu.org" =>
        {
            format!("{ns}/{name}")
        }
        [name] => format!("hashicorp/{name}"),
        _ => s,
    }
}
