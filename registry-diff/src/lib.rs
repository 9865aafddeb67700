//! # registry-diff
//!
//! The API of a module version, compared with another: inputs, outputs,
//! resources, data sources, module calls, providers and `required_version`
//! added, removed or changed, in the root module and each submodule, each
//! change classed breaking or not, for `registry diff`, the server's
//! `…/diff/FROM...TO` and the semver guard on publish.
//!
//! Breaking: a removed input or output (or submodule), a new required
//! input, an input whose default was removed, an input type that no longer
//! accepts what it did ([`types`]), an output that became sensitive or
//! whose type changed (where both expressions state it), a
//! provider whose source changed, and a provider or Terraform constraint
//! that no longer admits versions it did ([`constraints`]).
//!
//! ```
//! use registry_core::{Input, ModuleSummary};
//! let old = ModuleSummary::default();
//! let mut new = ModuleSummary::default();
//! new.root.inputs.push(Input { name: "region".into(), required: true, ..Input::default() });
//! let diff = registry_diff::diff(&old, &new);
//! assert!(diff.is_breaking());
//! assert_eq!(diff.changes[0].detail, "new required input");
//! ```
#![warn(missing_docs)]

pub mod constraints;
pub mod types;

use registry_core::{Input, ModuleInterface, ModuleSummary};
use serde::{Deserialize, Serialize};

use constraints::lost_version;
use types::Ty;

/// What changed about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// New in the newer version.
    Added,
    /// Gone from the newer version.
    Removed,
    /// In both, different.
    Changed,
}

/// What kind of item changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    /// A `variable`.
    Input,
    /// An `output`.
    Output,
    /// A `resource`.
    Resource,
    /// A `data` source.
    DataSource,
    /// A `module` call.
    ModuleCall,
    /// A required provider.
    Provider,
    /// `required_version`.
    RequiredVersion,
    /// A submodule (`modules/…`).
    Submodule,
}

impl Item {
    fn word(self) -> &'static str {
        match self {
            Item::Input => "input",
            Item::Output => "output",
            Item::Resource => "resource",
            Item::DataSource => "data source",
            Item::ModuleCall => "module call",
            Item::Provider => "provider",
            Item::RequiredVersion => "required_version",
            Item::Submodule => "submodule",
        }
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The module directory it is in (`""` for the root, `modules/sub`).
    pub path: String,
    /// What kind of item.
    pub item: Item,
    /// Its name (`region`, `aws_vpc.this`, `aws`).
    pub name: String,
    /// Added, removed or changed.
    pub kind: ChangeKind,
    /// Whether a caller of the older version may break on the newer.
    pub breaking: bool,
    /// What changed, in words (`type string → number: string values are not number`).
    pub detail: String,
}

/// Every change from one version to another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiDiff {
    /// The changes, by module path, then in the order inputs, outputs,
    /// resources, data sources, module calls, providers, `required_version`.
    pub changes: Vec<Change>,
}

impl ApiDiff {
    /// Whether any change is breaking.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.breaking)
    }

    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.breaking)
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = match self.kind {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        };
        let at = if self.path.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.path)
        };
        let breaking = if self.breaking { " (breaking)" } else { "" };
        write!(
            f,
            "{mark} {at}{} {}: {}{breaking}",
            self.item.word(),
            self.name,
            self.detail
        )
    }
}

/// The changes from `old` to `new`: the root module, then submodules by path.
pub fn diff(old: &ModuleSummary, new: &ModuleSummary) -> ApiDiff {
    let mut out = Diff::default();
    out.interface(&old.root, &new.root);
    for o in &old.submodules {
        match new.submodules.iter().find(|n| n.path == o.path) {
            Some(n) => out.interface(o, n),
            None => out.push(
                &o.path,
                Item::Submodule,
                &o.path,
                ChangeKind::Removed,
                true,
                "removed",
            ),
        }
    }
    for n in &new.submodules {
        if !old.submodules.iter().any(|o| o.path == n.path) {
            out.push(
                &n.path,
                Item::Submodule,
                &n.path,
                ChangeKind::Added,
                false,
                "added",
            );
        }
    }
    ApiDiff {
        changes: out.changes,
    }
}

#[derive(Default)]
struct Diff {
    changes: Vec<Change>,
}

/// Items of one kind in both versions, matched by name.
fn pair<'a, T>(
    old: &'a [T],
    new: &'a [T],
    name: impl Fn(&T) -> String,
) -> Vec<(String, Option<&'a T>, Option<&'a T>)> {
    let mut names: Vec<String> = old.iter().chain(new).map(&name).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            let o = old.iter().find(|x| name(x) == n);
            let w = new.iter().find(|x| name(x) == n);
            (n, o, w)
        })
        .collect()
}

impl Diff {
    fn push(
        &mut self,
        path: &str,
        item: Item,
        name: &str,
        kind: ChangeKind,
        breaking: bool,
        detail: impl Into<String>,
    ) {
        self.changes.push(Change {
            path: path.to_string(),
            item,
            name: name.to_string(),
            kind,
            breaking,
            detail: detail.into(),
        });
    }

    fn interface(&mut self, old: &ModuleInterface, new: &ModuleInterface) {
        let path = new.path.as_str();
        self.inputs(path, old, new);
        self.outputs(path, old, new);
        for (item, mode) in [(Item::Resource, "managed"), (Item::DataSource, "data")] {
            let of = |i: &ModuleInterface| {
                i.resources
                    .iter()
                    .filter(|r| r.mode == mode)
                    .map(|r| format!("{}.{}", r.resource_type, r.name))
                    .collect::<Vec<_>>()
            };
            for (name, o, n) in pair(&of(old), &of(new), |s| s.clone()) {
                match (o, n) {
                    (Some(_), None) => {
                        self.push(path, item, &name, ChangeKind::Removed, false, "removed")
                    }
                    (None, Some(_)) => {
                        self.push(path, item, &name, ChangeKind::Added, false, "added")
                    }
                    _ => {}
                }
            }
        }
        for (name, o, n) in pair(&old.dependencies, &new.dependencies, |c| c.name.clone()) {
            match (o, n) {
                (Some(_), None) => self.push(
                    path,
                    Item::ModuleCall,
                    &name,
                    ChangeKind::Removed,
                    false,
                    "removed",
                ),
                (None, Some(n)) => self.push(
                    path,
                    Item::ModuleCall,
                    &name,
                    ChangeKind::Added,
                    false,
                    format!("added ({})", n.source),
                ),
                (Some(o), Some(n)) if o != n => {
                    let detail = format!(
                        "{} {} → {} {}",
                        o.source,
                        o.version.as_deref().unwrap_or("(any version)"),
                        n.source,
                        n.version.as_deref().unwrap_or("(any version)")
                    );
                    self.push(
                        path,
                        Item::ModuleCall,
                        &name,
                        ChangeKind::Changed,
                        false,
                        detail,
                    );
                }
                _ => {}
            }
        }
        self.providers(path, old, new);
        if old.required_version != new.required_version {
            let (o, n) = (
                old.required_version.as_deref(),
                new.required_version.as_deref(),
            );
            let lost = lost_version(o, n);
            let mut detail = format!("{} → {}", o.unwrap_or("(any)"), n.unwrap_or("(any)"));
            if let Some(v) = &lost {
                detail.push_str(&format!(": Terraform {v} is no longer admitted"));
            }
            self.push(
                path,
                Item::RequiredVersion,
                "terraform",
                ChangeKind::Changed,
                lost.is_some(),
                detail,
            );
        }
    }

    fn inputs(&mut self, path: &str, old: &ModuleInterface, new: &ModuleInterface) {
        for (name, o, n) in pair(&old.inputs, &new.inputs, |i| i.name.clone()) {
            match (o, n) {
                (Some(_), None) => self.push(
                    path,
                    Item::Input,
                    &name,
                    ChangeKind::Removed,
                    true,
                    "removed",
                ),
                (None, Some(n)) if n.required => self.push(
                    path,
                    Item::Input,
                    &name,
                    ChangeKind::Added,
                    true,
                    "new required input",
                ),
                (None, Some(_)) => self.push(
                    path,
                    Item::Input,
                    &name,
                    ChangeKind::Added,
                    false,
                    "new optional input",
                ),
                (Some(o), Some(n)) => {
                    if o.type_expr != n.type_expr {
                        let shown = |t: &Option<String>| t.clone().unwrap_or_else(|| "any".into());
                        let refusal = match (
                            Ty::parse(o.type_expr.as_deref()),
                            Ty::parse(n.type_expr.as_deref()),
                        ) {
                            (Ok(ot), Ok(nt)) => nt.refuses(&ot),
                            (_, Err(e)) => Some(format!("the new type does not parse: {e}")),
                            (Err(_), Ok(_)) => None,
                        };
                        let mut detail =
                            format!("type {} → {}", shown(&o.type_expr), shown(&n.type_expr));
                        if let Some(why) = &refusal {
                            detail.push_str(&format!(": {why}"));
                        }
                        self.push(
                            path,
                            Item::Input,
                            &name,
                            ChangeKind::Changed,
                            refusal.is_some(),
                            detail,
                        );
                    }
                    if !o.required && n.required {
                        self.push(
                            path,
                            Item::Input,
                            &name,
                            ChangeKind::Changed,
                            true,
                            "its default was removed: now required",
                        );
                    } else if o.default != n.default && n.default.is_some() {
                        let shown = |d: &Option<serde_json::Value>| {
                            d.as_ref().map_or("(none)".to_string(), |v| v.to_string())
                        };
                        let detail =
                            format!("default {} → {}", shown(&o.default), shown(&n.default));
                        self.push(path, Item::Input, &name, ChangeKind::Changed, false, detail);
                    }
                    self.validations(path, &name, o, n);
                }
                (None, None) => {}
            }
        }
    }

    /// Validation rules of an input both versions recorded: a new rule may
    /// refuse a value the older version took (breaking); a dropped one
    /// only widens what is accepted.
    fn validations(&mut self, path: &str, name: &str, old: &Input, new: &Input) {
        let (Some(o), Some(n)) = (&old.validations, &new.validations) else {
            return;
        };
        for rule in n
            .iter()
            .filter(|r| !o.iter().any(|x| x.condition == r.condition))
        {
            let detail = format!("new validation rule: {}", rule.condition);
            self.push(path, Item::Input, name, ChangeKind::Changed, true, detail);
        }
        for rule in o
            .iter()
            .filter(|r| !n.iter().any(|x| x.condition == r.condition))
        {
            let detail = format!("validation rule dropped: {}", rule.condition);
            self.push(path, Item::Input, name, ChangeKind::Changed, false, detail);
        }
    }

    fn outputs(&mut self, path: &str, old: &ModuleInterface, new: &ModuleInterface) {
        for (name, o, n) in pair(&old.outputs, &new.outputs, |o| o.name.clone()) {
            match (o, n) {
                (Some(_), None) => self.push(
                    path,
                    Item::Output,
                    &name,
                    ChangeKind::Removed,
                    true,
                    "removed",
                ),
                (None, Some(_)) => {
                    self.push(path, Item::Output, &name, ChangeKind::Added, false, "added")
                }
                (Some(o), Some(n)) if !o.sensitive && n.sensitive => self.push(
                    path,
                    Item::Output,
                    &name,
                    ChangeKind::Changed,
                    true,
                    "now sensitive: callers using it where sensitive values are not allowed fail",
                ),
                (Some(o), Some(n)) if o.sensitive && !n.sensitive => self.push(
                    path,
                    Item::Output,
                    &name,
                    ChangeKind::Changed,
                    false,
                    "no longer sensitive",
                ),
                (Some(o), Some(n)) => {
                    if let (Some(was), Some(is)) = (&o.value_type, &n.value_type)
                        && was != is
                    {
                        let detail = format!("type changed from {was} to {is}");
                        self.push(
                            path,
                            Item::Output,
                            &name,
                            ChangeKind::Changed,
                            true,
                            &detail,
                        );
                    }
                }
                _ => {}
            }
        }
    }

    fn providers(&mut self, path: &str, old: &ModuleInterface, new: &ModuleInterface) {
        for (name, o, n) in pair(&old.providers, &new.providers, |p| p.name.clone()) {
            match (o, n) {
                (Some(_), None) => self.push(
                    path,
                    Item::Provider,
                    &name,
                    ChangeKind::Removed,
                    false,
                    "no longer required",
                ),
                (None, Some(n)) => {
                    let detail = format!(
                        "newly required ({} {})",
                        n.source.as_deref().unwrap_or(&name),
                        n.version.as_deref().unwrap_or("(any version)")
                    );
                    self.push(
                        path,
                        Item::Provider,
                        &name,
                        ChangeKind::Added,
                        false,
                        detail,
                    );
                }
                (Some(o), Some(n)) => {
                    if o.source != n.source {
                        let detail = format!(
                            "source {} → {}",
                            o.source.as_deref().unwrap_or("(default)"),
                            n.source.as_deref().unwrap_or("(default)")
                        );
                        self.push(
                            path,
                            Item::Provider,
                            &name,
                            ChangeKind::Changed,
                            true,
                            detail,
                        );
                    }
                    if o.version != n.version {
                        let lost = lost_version(o.version.as_deref(), n.version.as_deref());
                        let mut detail = format!(
                            "version {} → {}",
                            o.version.as_deref().unwrap_or("(any)"),
                            n.version.as_deref().unwrap_or("(any)")
                        );
                        if let Some(v) = &lost {
                            detail.push_str(&format!(": {v} is no longer admitted"));
                        }
                        self.push(
                            path,
                            Item::Provider,
                            &name,
                            ChangeKind::Changed,
                            lost.is_some(),
                            detail,
                        );
                    }
                }
                (None, None) => {}
            }
        }
    }
}

/// The semver guard's check ([`registry_core::CompatibilityCheck`]) by the
/// module API diff: each breaking change, as `registry diff` prints it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiCompatibility;

impl registry_core::CompatibilityCheck for ApiCompatibility {
    fn breaking_changes(&self, old: &ModuleSummary, new: &ModuleSummary) -> Vec<String> {
        diff(old, new)
            .breaking()
            .map(|c| {
                let at = if c.path.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", c.path)
                };
                format!("{at}{} {}: {}", c.item.word(), c.name, c.detail)
            })
            .collect()
    }
}
