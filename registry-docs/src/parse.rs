//! Parse a module directory's `.tf`, `.tofu` and `.tf.json` files into a [`ModuleModel`].

use hcl::edit::Span;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, Body};
use registry_core::{ModuleFiles, Problem};

use crate::model::*;

/// Parse every configuration file directly inside `dir` of `files`.
/// A file that does not parse becomes a diagnostic; the rest is still read.
pub fn parse_module_dir(files: &ModuleFiles, dir: &str) -> ModuleModel {
    let mut model = ModuleModel {
        path: dir.to_string(),
        ..Default::default()
    };
    let mut overrides: Vec<(&str, &[u8])> = Vec::new();
    for (path, bytes) in files.in_dir(dir) {
        let name = path.rsplit('/').next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        if is_override_file(&lower) {
            overrides.push((path, bytes));
            continue;
        }
        if lower == "readme.md" || lower == "readme" {
            model.readme = String::from_utf8(bytes.to_vec()).ok();
            continue;
        }
        read_config_file(&mut model, path, bytes);
    }
    // Override files apply after every primary file, in name order, as
    // Terraform loads them.
    overrides.sort_by_key(|(path, _)| path.rsplit('/').next().unwrap_or(path).to_string());
    for (path, bytes) in overrides {
        apply_override_file(&mut model, path, bytes);
    }
    model.variables.sort_by(|a, b| a.name.cmp(&b.name));
    model.outputs.sort_by(|a, b| a.name.cmp(&b.name));
    model.required_providers.sort_by(|a, b| a.name.cmp(&b.name));
    model.module_calls.sort_by(|a, b| a.name.cmp(&b.name));
    model
}

/// A configuration file, parsed.
enum Parsed {
    Hcl(Body),
    Json(serde_json::Value),
}

/// Read one `.tf`/`.tofu` (HCL) or `.tf.json`/`.tofu.json` file into `into`
/// (other files are ignored). A file that is not UTF-8 or does not parse
/// becomes a positioned diagnostic in `into`; otherwise its text and parsed
/// form are returned.
fn read_config_file<'a>(
    into: &mut ModuleModel,
    path: &str,
    bytes: &'a [u8],
) -> Option<(&'a str, Parsed)> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let is_hcl = lower.ends_with(".tf") || lower.ends_with(".tofu");
    let is_json = lower.ends_with(".tf.json") || lower.ends_with(".tofu.json");
    if !is_hcl && !is_json {
        return None;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        into.diagnostics
            .push(Problem::new("hcl-parse", "file is not valid UTF-8").at(path, None, None));
        return None;
    };
    if is_hcl {
        if let Err(e) = registry_core::hcl_brackets::check_hcl_brackets(text) {
            into.diagnostics
                .push(Problem::new("hcl-parse", e.message()).at(
                    path,
                    Some(e.line() as u32),
                    Some(e.column() as u32),
                ));
            return None;
        }
        match hcl::edit::parser::parse_body(text) {
            Ok(body) => {
                FileReader {
                    file: name,
                    text,
                    model: into,
                }
                .read_body(&body);
                if lower == "main.tf" {
                    into.header = header_comment(text);
                }
                Some((text, Parsed::Hcl(body)))
            }
            Err(e) => {
                let loc = e.location();
                into.diagnostics
                    .push(Problem::new("hcl-parse", e.message().to_string()).at(
                        path,
                        Some(loc.line() as u32),
                        Some(loc.column() as u32),
                    ));
                None
            }
        }
    } else {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => {
                crate::json_config::read_json(name, &v, into);
                Some((text, Parsed::Json(v)))
            }
            Err(e) => {
                into.diagnostics
                    .push(Problem::new("hcl-parse", e.to_string()).at(
                        path,
                        Some(e.line() as u32),
                        Some(e.column() as u32),
                    ));
                None
            }
        }
    }
}

/// The line (1-based) on which `b` starts in `text`.
fn line_of(text: &str, b: &Block) -> u32 {
    let offset = b.span().map_or(0, |r| r.start);
    text[..offset.min(text.len())].matches('\n').count() as u32 + 1
}

/// Terraform's override files: `override.tf`, `*_override.tf` (and the
/// `.tf.json`, `.tofu`, `.tofu.json` forms).
pub fn is_override_file(lower_name: &str) -> bool {
    let stem = [".tf.json", ".tofu.json", ".tf", ".tofu"]
        .iter()
        .find_map(|ext| lower_name.strip_suffix(ext));
    stem.is_some_and(|s| s == "override" || s.ends_with("_override"))
}

/// One top-level block of an override file: its type, labels, the
/// arguments and nested block types it sets, and its line.
struct OverrideBlock {
    kind: String,
    labels: Vec<String>,
    keys: Vec<String>,
    line: u32,
}

fn override_blocks_hcl(text: &str, body: &Body) -> Vec<OverrideBlock> {
    body.blocks()
        .map(|b| OverrideBlock {
            kind: b.ident.as_str().to_string(),
            labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
            keys: b
                .body
                .attributes()
                .map(|a| a.key.as_str().to_string())
                .chain(b.body.blocks().map(|n| n.ident.as_str().to_string()))
                .collect(),
            line: line_of(text, b),
        })
        .collect()
}

fn override_blocks_json(doc: &serde_json::Value) -> Vec<OverrideBlock> {
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    let Some(top) = doc.as_object() else {
        return out;
    };
    for (kind, v) in top {
        match kind.as_str() {
            "variable" | "output" | "module" | "provider" => {
                for (name, body) in v.as_object().into_iter().flatten() {
                    out.push(OverrideBlock {
                        kind: kind.clone(),
                        labels: vec![name.clone()],
                        keys: keys(body),
                        line: 1,
                    });
                }
            }
            "resource" | "data" => {
                for (t, by_name) in v.as_object().into_iter().flatten() {
                    for (name, body) in by_name.as_object().into_iter().flatten() {
                        out.push(OverrideBlock {
                            kind: kind.clone(),
                            labels: vec![t.clone(), name.clone()],
                            keys: keys(body),
                            line: 1,
                        });
                    }
                }
            }
            "terraform" | "locals" => out.push(OverrideBlock {
                kind: kind.clone(),
                labels: Vec::new(),
                keys: keys(v),
                line: 1,
            }),
            _ => {}
        }
    }
    out
}

/// Merge one override file into `model` as Terraform does: each block
/// replaces the arguments it sets in the block it overrides (nested
/// `validation` blocks replace all of them; `required_providers` entries
/// replace the same provider's entry). A block with nothing to override is
/// a diagnostic, as it is an error to Terraform.
fn apply_override_file(model: &mut ModuleModel, path: &str, bytes: &[u8]) {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut scratch = ModuleModel::default();
    let parsed = read_config_file(&mut scratch, path, bytes);
    model.diagnostics.append(&mut scratch.diagnostics);
    let blocks = match parsed {
        Some((text, Parsed::Hcl(body))) => override_blocks_hcl(text, &body),
        Some((_, Parsed::Json(v))) => override_blocks_json(&v),
        None => return,
    };
    for b in blocks {
        let has = |k: &str| b.keys.iter().any(|x| x == k);
        let l0 = b.labels.first().map(String::as_str).unwrap_or("");
        let l1 = b.labels.get(1).map(String::as_str).unwrap_or("");
        let missing = |what: String| {
            Problem::new(
                "override",
                format!("{what} in {name} has no base block to override"),
            )
            .at(path, Some(b.line), None)
        };
        match b.kind.as_str() {
            "variable" => {
                let (Some(v), Some(o)) = (
                    model.variables.iter_mut().find(|v| v.name == l0),
                    scratch.variables.iter().find(|v| v.name == l0),
                ) else {
                    model.diagnostics.push(missing(format!("variable {l0:?}")));
                    continue;
                };
                if has("type") {
                    v.type_expr = o.type_expr.clone();
                }
                if has("default") {
                    v.default = o.default.clone();
                }
                if has("description") {
                    v.description = o.description.clone();
                }
                if has("sensitive") {
                    v.sensitive = o.sensitive;
                }
                if has("nullable") {
                    v.nullable = o.nullable;
                }
                if has("validation") {
                    v.validations = o.validations.clone();
                }
            }
            "output" => {
                let (Some(v), Some(o)) = (
                    model.outputs.iter_mut().find(|v| v.name == l0),
                    scratch.outputs.iter().find(|v| v.name == l0),
                ) else {
                    model.diagnostics.push(missing(format!("output {l0:?}")));
                    continue;
                };
                if has("description") {
                    v.description = o.description.clone();
                }
                if has("sensitive") {
                    v.sensitive = o.sensitive;
                }
                if has("value") {
                    v.value_expr = o.value_expr.clone();
                }
            }
            "resource" | "data" => {
                let mode = if b.kind == "data" {
                    ResourceMode::Data
                } else {
                    ResourceMode::Managed
                };
                let same =
                    |r: &&ResourceDecl| r.mode == mode && r.resource_type == l0 && r.name == l1;
                let over = scratch.resources.iter().find(same);
                let Some(r) = model.resources.iter_mut().find(|r| same(&&**r)) else {
                    model
                        .diagnostics
                        .push(missing(format!("{} {l0}.{l1}", b.kind)));
                    continue;
                };
                if has("provider") {
                    r.provider = over.and_then(|o| o.provider.clone());
                }
            }
            "module" => {
                let (Some(m), Some(o)) = (
                    model.module_calls.iter_mut().find(|m| m.name == l0),
                    scratch.module_calls.iter().find(|m| m.name == l0),
                ) else {
                    model.diagnostics.push(missing(format!("module {l0:?}")));
                    continue;
                };
                if has("source") {
                    m.source = o.source.clone();
                }
                if has("version") {
                    m.version = o.version.clone();
                }
            }
            "terraform" => {
                if has("required_version") {
                    model.required_version = scratch.required_version.clone();
                }
                for p in &scratch.required_providers {
                    match model
                        .required_providers
                        .iter_mut()
                        .find(|r| r.name == p.name)
                    {
                        Some(r) => *r = p.clone(),
                        None => model.required_providers.push(p.clone()),
                    }
                }
            }
            "locals" => {
                for l in &scratch.locals {
                    if !model.locals.contains(l) {
                        model.locals.push(l.clone());
                    }
                }
            }
            _ => {}
        }
    }
}

/// The header of a `.tf` file as terraform-docs reads it: the `/* … */`
/// (or `/** … */`) comment starting on the first line; `//` and `#` comments
/// are not headers. ` * text` lines lose the `* `, a bare ` *` is an empty line.
pub fn header_comment(text: &str) -> Option<String> {
    header_comment_block(text).filter(|h| !h.is_empty())
}

/// [`header_comment`], but `Some("")` for a comment with no text.
pub fn header_comment_block(text: &str) -> Option<String> {
    let mut lines = Vec::new();
    let mut any = false;
    for line in text.split('\n') {
        let tmp = line.trim();
        if !(tmp.starts_with("/*") || tmp.starts_with('*') || tmp.starts_with("*/")) {
            break;
        }
        any = true;
        if tmp.starts_with("/*") || tmp.starts_with("*/") {
            continue;
        }
        if tmp == "*" {
            lines.push(String::new());
            continue;
        }
        let l = line.trim_start_matches(' ').trim_end_matches(['\r', '\n']);
        lines.push(l.strip_prefix("* ").unwrap_or(l).to_string());
    }
    any.then(|| lines.join("\n"))
}

struct FileReader<'a> {
    file: &'a str,
    text: &'a str,
    model: &'a mut ModuleModel,
}

/// The source text of an expression.
fn source_of(text: &str, e: &Expression) -> Option<String> {
    e.span()
        .and_then(|r| text.get(r))
        .map(|s| s.trim().to_string())
}

/// An expression as a JSON value (literals, collections, templates without interpolation).
pub(crate) fn to_json(e: &Expression) -> serde_json::Value {
    let expr: hcl::Expression = e.clone().into();
    let value: hcl::Value = expr.into();
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn string_of(e: &Expression) -> Option<String> {
    match to_json(e) {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn bool_of(e: &Expression) -> Option<bool> {
    match to_json(e) {
        serde_json::Value::Bool(b) => Some(b),
        _ => None,
    }
}

fn label(b: &Block, i: usize) -> Option<String> {
    b.labels.get(i).map(|l| l.as_str().to_string())
}

impl FileReader<'_> {
    fn position(&self, b: &Block) -> Position {
        Position {
            file: self.file.to_string(),
            line: line_of(self.text, b),
        }
    }

    /// terraform-docs' `loadComments`: the contiguous `#`/`//` lines (at
    /// column 0) right above the block, trimmed and joined with spaces.
    fn comment(&self, b: &Block) -> Option<String> {
        let line = self.position(b).line as usize;
        let mut collected: Vec<String> = Vec::new();
        for l in self.text.split('\n').take(line.saturating_sub(1)) {
            let l = l.trim_end_matches('\r');
            if l.starts_with('#') || l.starts_with("//") {
                let t = l.trim();
                let t = t.strip_prefix('#').unwrap_or(t);
                let t = t.strip_prefix("//").unwrap_or(t);
                collected.push(t.trim().to_string());
            } else {
                collected.clear();
            }
        }
        (!collected.is_empty()).then(|| collected.join(" "))
    }

    fn attr<'b>(&self, body: &'b Body, key: &str) -> Option<&'b Expression> {
        body.get_attribute(key).map(|a| &a.value)
    }

    fn read_body(&mut self, body: &Body) {
        for block in body.blocks() {
            match block.ident.as_str() {
                "variable" => self.variable(block),
                "output" => self.output(block),
                "terraform" => self.terraform(block),
                "provider" => {
                    if let Some(name) = label(block, 0) {
                        let alias = self.attr(&block.body, "alias").and_then(string_of);
                        let position = self.position(block);
                        self.model.provider_configs.push(ProviderConfig {
                            name,
                            alias,
                            position,
                        });
                    }
                }
                "resource" | "data" => {
                    if let (Some(t), Some(n)) = (label(block, 0), label(block, 1)) {
                        let provider = self.attr(&block.body, "provider").and_then(|e| match e {
                            Expression::String(_) => string_of(e),
                            other => source_of(self.text, other),
                        });
                        let position = self.position(block);
                        let comment = self.comment(block);
                        self.model.resources.push(ResourceDecl {
                            comment,
                            mode: if block.ident.as_str() == "data" {
                                ResourceMode::Data
                            } else {
                                ResourceMode::Managed
                            },
                            resource_type: t,
                            name: n,
                            provider,
                            position,
                        });
                    }
                }
                "module" => {
                    if let Some(name) = label(block, 0) {
                        let source = self
                            .attr(&block.body, "source")
                            .and_then(string_of)
                            .unwrap_or_default();
                        let version = self.attr(&block.body, "version").and_then(string_of);
                        let position = self.position(block);
                        let comment = self.comment(block);
                        self.model.module_calls.push(ModuleCallDecl {
                            comment,
                            name,
                            source,
                            version,
                            position,
                        });
                    }
                }
                "locals" => {
                    for a in block.body.attributes() {
                        self.model.locals.push(a.key.as_str().to_string());
                    }
                }
                _ => {}
            }
        }
    }

    fn variable(&mut self, b: &Block) {
        let Some(name) = label(b, 0) else { return };
        let body = &b.body;
        let validations = body
            .get_blocks("validation")
            .map(|v| Validation {
                condition: self
                    .attr(&v.body, "condition")
                    .and_then(|e| source_of(self.text, e))
                    .unwrap_or_default(),
                error_message: self
                    .attr(&v.body, "error_message")
                    .and_then(string_of)
                    .unwrap_or_default(),
            })
            .collect();
        let var = Variable {
            name,
            type_expr: self
                .attr(body, "type")
                .and_then(|e| source_of(self.text, e)),
            description: self.attr(body, "description").and_then(string_of),
            default: self.attr(body, "default").map(to_json),
            sensitive: self
                .attr(body, "sensitive")
                .and_then(bool_of)
                .unwrap_or(false),
            nullable: self.attr(body, "nullable").and_then(bool_of),
            validations,
            comment: self.comment(b),
            position: self.position(b),
        };
        self.model.variables.push(var);
    }

    fn output(&mut self, b: &Block) {
        let Some(name) = label(b, 0) else { return };
        let body = &b.body;
        let out = OutputValue {
            name,
            description: self.attr(body, "description").and_then(string_of),
            sensitive: self
                .attr(body, "sensitive")
                .and_then(bool_of)
                .unwrap_or(false),
            value_expr: self
                .attr(body, "value")
                .and_then(|e| source_of(self.text, e)),
            comment: self.comment(b),
            position: self.position(b),
        };
        self.model.outputs.push(out);
    }

    fn terraform(&mut self, b: &Block) {
        if let Some(v) = self.attr(&b.body, "required_version").and_then(string_of) {
            self.model.required_version = Some(v);
        }
        for rp in b.body.get_blocks("required_providers") {
            for a in rp.body.attributes() {
                let name = a.key.as_str().to_string();
                let req = match &a.value {
                    Expression::Object(obj) => {
                        let mut r = RequiredProvider {
                            name,
                            ..Default::default()
                        };
                        for (k, v) in obj.iter() {
                            let key = match k {
                                hcl::edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                                hcl::edit::expr::ObjectKey::Expression(e) => {
                                    string_of(e).unwrap_or_default()
                                }
                            };
                            match key.as_str() {
                                "source" => r.source = string_of(v.expr()),
                                "version" => r.version = string_of(v.expr()),
                                "configuration_aliases" => {
                                    if let Expression::Array(arr) = v.expr() {
                                        r.aliases = arr
                                            .iter()
                                            .filter_map(|e| source_of(self.text, e))
                                            .collect();
                                    }
                                }
                                _ => {}
                            }
                        }
                        r
                    }
                    other => RequiredProvider {
                        name,
                        version: string_of(other),
                        ..Default::default()
                    },
                };
                self.model.required_providers.push(req);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> ModuleFiles {
        let mut f = ModuleFiles::new();
        for (p, c) in list {
            f.insert(*p, c.to_string());
        }
        f
    }

    const MAIN: &str = r#"/**
 * # VPC module
 *
 * Creates a VPC.
 */
terraform {
  required_version = ">= 1.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
      configuration_aliases = [aws.peer]
    }
    random = ">= 3.0"
  }
}

variable "cidr" {
  type        = string
  description = "The CIDR block."
  default     = "10.0.0.0/16"
  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "Must be a CIDR."
  }
}

variable "tags" {
  type = map(object({
    name = string
  }))
  sensitive = true
}

resource "aws_vpc" "this" {
  cidr_block = var.cidr
}

data "aws_region" "current" {}

module "subnets" {
  source  = "acme/subnets/aws"
  version = "~> 1.2"
}

locals {
  a = 1
}

output "vpc_id" {
  value       = aws_vpc.this.id
  description = "The VPC id."
}
"#;

    #[test]
    fn a_module_is_read_into_its_model() {
        let m = parse_module_dir(&files(&[("main.tf", MAIN), ("README.md", "# hi")]), "");
        assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
        assert_eq!(m.header.as_deref(), Some("# VPC module\n\nCreates a VPC."));
        assert_eq!(m.required_version.as_deref(), Some(">= 1.0"));
        assert_eq!(m.variables.len(), 2);
        let cidr = &m.variables[0];
        assert_eq!(cidr.name, "cidr");
        assert_eq!(cidr.type_expr.as_deref(), Some("string"));
        assert_eq!(cidr.default, Some(serde_json::json!("10.0.0.0/16")));
        assert_eq!(cidr.validations[0].condition, "can(cidrhost(var.cidr, 0))");
        assert_eq!(cidr.validations[0].error_message, "Must be a CIDR.");
        assert_eq!(cidr.position.line, 18);
        let tags = &m.variables[1];
        assert_eq!(
            tags.type_expr.as_deref(),
            Some("map(object({\n    name = string\n  }))")
        );
        assert!(tags.required() && tags.sensitive);
        assert_eq!(
            m.required_providers[0].source.as_deref(),
            Some("hashicorp/aws")
        );
        assert_eq!(
            m.required_providers[0].aliases,
            vec!["aws.peer".to_string()]
        );
        assert_eq!(m.required_providers[1].version.as_deref(), Some(">= 3.0"));
        assert_eq!(m.resources.len(), 2);
        assert_eq!(m.resources[1].mode, ResourceMode::Data);
        assert_eq!(m.module_calls[0].source, "acme/subnets/aws");
        assert_eq!(m.module_calls[0].version.as_deref(), Some("~> 1.2"));
        assert_eq!(m.outputs[0].value_expr.as_deref(), Some("aws_vpc.this.id"));
        assert_eq!(m.locals, vec!["a".to_string()]);
        assert_eq!(m.readme.as_deref(), Some("# hi"));
        let iface = m.interface();
        assert_eq!(iface.providers.len(), 2);
        assert_eq!(iface.inputs[1].name, "tags");
        assert!(iface.inputs[1].required);
    }

    #[test]
    fn a_broken_file_is_a_positioned_diagnostic_and_the_rest_is_read() {
        let m = parse_module_dir(
            &files(&[
                ("broken.tf", "variable \"a\" {\n  type = \n}\n"),
                ("ok.tf", "variable \"b\" {}\n"),
            ]),
            "",
        );
        assert_eq!(m.diagnostics.len(), 1);
        let d = &m.diagnostics[0];
        assert_eq!(d.file.as_deref(), Some("broken.tf"));
        assert_eq!(d.line, Some(2));
        assert!(d.column.is_some());
        assert_eq!(m.variables.len(), 1);
        assert_eq!(m.variables[0].name, "b");
    }

    #[test]
    fn unclosed_brackets_are_refused_before_the_parser_with_their_position() {
        // The shape of the fuzzer's input that held hcl-edit for over 10 s
        // (fuzz/corpus/hcl_module/unclosed-object-chain.tf): a chain of
        // unclosed `+{`, refused by the linear pre-check instead.
        let text = format!("locv = x{}", "+{xx+xx=xH+{xX+x".repeat(40));
        let m = parse_module_dir(
            &files(&[("main.tf", &text), ("ok.tf", "variable \"b\" {}\n")]),
            "",
        );
        assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
        let d = &m.diagnostics[0];
        assert_eq!(d.id, "hcl-parse");
        assert_eq!(d.message, "`{` is never closed");
        assert_eq!((d.file.as_deref(), d.line), (Some("main.tf"), Some(1)));
        assert_eq!(m.variables.len(), 1);
    }

    #[test]
    fn override_files_merge_as_terraform_merges_them() {
        let m = parse_module_dir(
            &files(&[
                (
                    "main.tf",
                    r#"terraform {
  required_version = ">= 1.0"
  required_providers {
    aws    = { source = "hashicorp/aws", version = "~> 4.0" }
    random = { source = "hashicorp/random" }
  }
}
variable "name" {
  type        = string
  description = "Base description."
  default     = "a"
  validation {
    condition     = length(var.name) > 0
    error_message = "Empty."
  }
}
variable "kept" {
  description = "Untouched."
}
output "id" {
  description = "The id."
  value       = var.name
}
module "vpc" {
  source  = "acme/vpc/aws"
  version = "1.0.0"
}
resource "aws_s3_bucket" "b" {}
"#,
                ),
                // Applied after `a_override.tf` (name order), so its default wins.
                (
                    "override.tf",
                    "variable \"name\" {\n  default = \"from-override\"\n}\n",
                ),
                (
                    "a_override.tf",
                    r#"variable "name" {
  default   = "from-a"
  sensitive = true
  validation {
    condition     = var.name != "x"
    error_message = "No x."
  }
}
output "id" {
  value = "changed"
}
module "vpc" {
  version = "2.0.0"
}
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}
resource "aws_s3_bucket" "b" {
  provider = aws.east
}
variable "ghost" {
  default = 1
}
"#,
                ),
                (
                    "b_override.tf.json",
                    r#"{"variable": {"kept": {"description": "From JSON."}}}"#,
                ),
            ]),
            "",
        );
        let var = |n: &str| m.variables.iter().find(|v| v.name == n).unwrap();
        let name = var("name");
        assert_eq!(name.default, Some(serde_json::json!("from-override")));
        assert_eq!(name.description.as_deref(), Some("Base description."));
        assert_eq!(name.type_expr.as_deref(), Some("string"));
        assert!(name.sensitive);
        assert_eq!(name.validations.len(), 1);
        assert_eq!(name.validations[0].error_message, "No x.");
        assert_eq!(name.position.file, "main.tf", "the base block's position");
        assert_eq!(var("kept").description.as_deref(), Some("From JSON."));
        let id = m.outputs.iter().find(|o| o.name == "id").unwrap();
        assert_eq!(id.description.as_deref(), Some("The id."));
        assert_eq!(id.value_expr.as_deref(), Some("\"changed\""));
        assert_eq!(m.module_calls[0].source, "acme/vpc/aws");
        assert_eq!(m.module_calls[0].version.as_deref(), Some("2.0.0"));
        assert_eq!(m.required_version.as_deref(), Some(">= 1.5"));
        let aws = m
            .required_providers
            .iter()
            .find(|p| p.name == "aws")
            .unwrap();
        assert_eq!(aws.version.as_deref(), Some("~> 5.0"));
        assert!(m.required_providers.iter().any(|p| p.name == "random"));
        assert_eq!(m.resources[0].provider.as_deref(), Some("aws.east"));
        assert!(m.variables.iter().all(|v| v.name != "ghost"));
        assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
        let d = &m.diagnostics[0];
        assert!(d.message.contains("\"ghost\""), "{}", d.message);
        assert_eq!(d.file.as_deref(), Some("a_override.tf"));
        assert_eq!(d.line, Some(24));
    }

    #[test]
    fn header_comment_follows_terraform_docs() {
        assert_eq!(
            header_comment("/**\n * # Title\n *\n * * item\n *   code\n */\nx = 1").as_deref(),
            Some("# Title\n\n* item\n  code")
        );
        assert_eq!(
            header_comment("# a\n# b\nresource {}"),
            None,
            "only block comments are headers"
        );
        assert_eq!(header_comment("// a\n\nx"), None);
        assert_eq!(header_comment("\n/* not on the first line */"), None);
        assert_eq!(header_comment("variable \"x\" {}"), None);
    }
}
