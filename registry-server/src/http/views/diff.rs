//! The module API diff of two versions, as the API shows it.

use registry_core::ModuleRecord;
use serde::Serialize;
use utoipa::ToSchema;

/// One change of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    /// The module directory (`""` for the root, `modules/sub`).
    pub path: String,
    /// `input`, `output`, `resource`, `data_source`, `module_call`,
    /// `provider`, `required_version` or `submodule`.
    pub item: String,
    /// Its name.
    pub name: String,
    /// `added`, `removed` or `changed`.
    pub kind: String,
    /// Whether callers of the older version may break on the newer.
    pub breaking: bool,
    /// What changed, in words.
    pub detail: String,
}

/// The changes from one version to another.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffView {
    /// The older version.
    pub from: String,
    /// The newer version.
    pub to: String,
    /// Whether any change is breaking.
    pub breaking: bool,
    /// The changes.
    pub changes: Vec<ChangeView>,
}

impl DiffView {
    /// The view of `d`, the diff from `old` to `new`.
    pub fn new(old: &ModuleRecord, new: &ModuleRecord, d: &registry_diff::ApiDiff) -> Self {
        DiffView {
            from: old.version.to_string(),
            to: new.version.to_string(),
            breaking: d.is_breaking(),
            changes: d
                .changes
                .iter()
                .map(|c| ChangeView {
                    path: c.path.clone(),
                    item: word(&c.item),
                    name: c.name.clone(),
                    kind: word(&c.kind),
                    breaking: c.breaking,
                    detail: c.detail.clone(),
                })
                .collect(),
        }
    }
}

/// A diff enum in the API's word for it (`data_source`, `added`).
pub(crate) fn word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
