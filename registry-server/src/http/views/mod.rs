//! Every JSON body the HTTP API answers with, as typed views: the public
//! registry's shapes (registry.terraform.io `/v1/modules`) plus lifecycle,
//! integrity and policy fields of our own. Each derives `ToSchema`, so the
//! OpenAPI document describes exactly what is sent, and `Deserialize`, so
//! clients (the CLI) read the same types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use registry_core::{
    ChainedAuditEvent, Example, LifecycleState, ModuleInterface, ModuleRecord, NamespacePolicy,
    Problem,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod checks;
mod diff;
mod providers;
mod repositories;

pub use checks::{
    ChecksSummaryView, TestDiagnosticView, TestFileView, TestReportView, TestRunView,
};
pub use providers::{
    EmptyView, GpgPublicKeyView, MirrorArchiveView, MirrorIndexView, MirrorVersionView,
    ProviderDownloadView, ProviderFileView, ProviderKeyView, ProviderKeysView, ProviderListView,
    ProviderPlatformView, ProviderReleaseView, ProviderVersionView, ProviderVersionsView,
    RevocationView, SigningKeysView,
};
pub use repositories::{
    AddedRepositoryView, ExchangedTokenView, RepositoriesView, RepositoryReleaseView,
    RepositoryStatusView, RepositoryView, TrustedPublisherView, TrustedPublishersView,
};
// The UI's diff page words changes as the API does.
#[cfg(feature = "ui")]
pub(crate) use diff::word;
pub use diff::{ChangeView, DiffView};

/// Service discovery (`/.well-known/terraform.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DiscoveryView {
    /// Where the modules API lives.
    #[serde(rename = "modules.v1")]
    pub modules_v1: String,
    /// Where the provider registry API lives.
    #[serde(rename = "providers.v1", default)]
    pub providers_v1: String,
    /// How `terraform login` gets a token (with the web UI only).
    #[serde(rename = "login.v1", default, skip_serializing_if = "Option::is_none")]
    pub login_v1: Option<LoginDiscoveryView>,
}

/// `login.v1`: Terraform's OAuth client configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginDiscoveryView {
    /// The client id (`terraform-cli`).
    pub client: String,
    /// `["authz_code"]`.
    pub grant_types: Vec<String>,
    /// The authorization page.
    pub authz: String,
    /// The token endpoint.
    pub token: String,
    /// The first and last local port Terraform may listen on.
    pub ports: Vec<u16>,
}

/// A deprecation notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeprecationView {
    /// Why the version should no longer be used.
    pub reason: String,
    /// What to use instead.
    pub successor: Option<String>,
    /// When it was deprecated.
    pub deprecated_at: DateTime<Utc>,
}

/// A yank notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct YankView {
    /// Why the version was withdrawn.
    pub reason: Option<String>,
    /// When it was yanked.
    pub yanked_at: DateTime<Utc>,
}

/// A problem found in a module (a validation finding, a warning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProblemView {
    /// The stable id of the rule that found it (`hcl-parse`, `tests`).
    pub id: String,
    /// `error`, `warning` or `info`.
    #[schema(value_type = String)]
    pub severity: registry_core::Severity,
    /// The file, relative to the module root.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl From<&Problem> for ProblemView {
    fn from(p: &Problem) -> Self {
        ProblemView {
            id: p.id.clone(),
            severity: p.severity,
            file: p.file.clone(),
            line: p.line,
            column: p.column,
            message: p.message.clone(),
            hint: p.hint.clone(),
        }
    }
}

/// A module version as listings show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModuleView {
    /// `namespace/name/system/version`.
    pub id: String,
    /// Who published it (a token id).
    pub owner: String,
    /// Namespace, in the case of its first publish.
    pub namespace: String,
    /// Module name.
    pub name: String,
    /// The version as published.
    pub version: String,
    /// The target system (the public registry calls it provider).
    pub provider: String,
    /// Short description.
    pub description: String,
    /// Source repository URL.
    pub source: String,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// Downloads counted.
    pub downloads: u64,
    /// Whether the version carries a signature that verified against a
    /// trusted key when it was published.
    pub verified: bool,
    /// The minisign signature it was published with, to verify offline
    /// (`minisign -V` against the canonical manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Set when deprecated.
    pub deprecation: Option<DeprecationView>,
    /// Set when yanked.
    pub yanked: Option<YankView>,
    /// `active`, `deprecated` or `yanked`.
    #[schema(value_type = String)]
    pub state: LifecycleState,
    /// sha256 of the archive (hex).
    pub sha256: String,
    /// `h1:` hash of the unpacked tree.
    pub h1: String,
    /// Archive size in bytes.
    pub size: u64,
    /// The registry a mirrored copy comes from (absent for this registry's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirrored_from: Option<String>,
    /// What publishing found but let through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ProblemView>,
}

impl From<&ModuleRecord> for ModuleView {
    fn from(r: &ModuleRecord) -> Self {
        let m = &r.metadata;
        ModuleView {
            id: format!("{}/{}", r.address, r.version),
            owner: m.owner.clone().unwrap_or_default(),
            namespace: r.address.namespace().to_string(),
            name: r.address.name().to_string(),
            version: r.version.as_str().to_string(),
            provider: r.address.system().to_string(),
            description: m.description.clone().unwrap_or_default(),
            source: m.source_url.clone().unwrap_or_default(),
            published_at: m.published_at,
            downloads: m.downloads,
            verified: m.signature.is_some(),
            signature: m.signature.clone(),
            deprecation: m.lifecycle.deprecated.as_ref().map(|d| DeprecationView {
                reason: d.reason.clone(),
                successor: d.successor.clone(),
                deprecated_at: d.at,
            }),
            yanked: m.lifecycle.yanked.as_ref().map(|y| YankView {
                reason: y.reason.clone(),
                yanked_at: y.at,
            }),
            state: m.lifecycle.state(),
            sha256: m.sha256.hex(),
            h1: m.h1.clone(),
            size: m.size,
            mirrored_from: r.address.host().map(str::to_string),
            warnings: m.warnings.iter().map(ProblemView::from).collect(),
        }
    }
}

/// An input variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InputView {
    /// Name.
    pub name: String,
    /// Type expression as written (`any` when none).
    #[serde(rename = "type")]
    pub type_expr: String,
    /// Description.
    pub description: String,
    /// The default as a string of JSON (`"\"us-east-1\""`), `""` when none.
    pub default: String,
    /// Whether a value must be given.
    pub required: bool,
    /// Whether the value is sensitive.
    pub sensitive: bool,
}

/// An output value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OutputView {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Whether the value is sensitive.
    pub sensitive: bool,
}

/// A module call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DependencyView {
    /// The call's name.
    pub name: String,
    /// Its source.
    pub source: String,
    /// Its version constraint (`""` when none).
    pub version: String,
}

/// A required provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProviderDependencyView {
    /// Local name.
    pub name: String,
    /// The provider's namespace (from its source).
    pub namespace: String,
    /// Source address.
    pub source: String,
    /// Version constraint.
    pub version: String,
}

/// A managed or data resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResourceView {
    /// Name.
    pub name: String,
    /// Resource type.
    #[serde(rename = "type")]
    pub resource_type: String,
}

/// One module directory: the root, a submodule or an example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InterfaceView {
    /// Path inside the archive (`""` for the root).
    pub path: String,
    /// Display name.
    pub name: String,
    /// The directory's README.
    pub readme: String,
    /// Whether it declares nothing.
    pub empty: bool,
    /// Inputs.
    pub inputs: Vec<InputView>,
    /// Outputs.
    pub outputs: Vec<OutputView>,
    /// Module calls.
    pub dependencies: Vec<DependencyView>,
    /// Required providers.
    pub provider_dependencies: Vec<ProviderDependencyView>,
    /// Resources.
    pub resources: Vec<ResourceView>,
}

fn dependencies(iface: &ModuleInterface) -> Vec<DependencyView> {
    registry_core::protocol::calls(iface)
        .into_iter()
        .map(Into::into)
        .collect()
}

fn providers(iface: &ModuleInterface) -> Vec<ProviderDependencyView> {
    registry_core::protocol::providers(iface)
        .into_iter()
        .map(Into::into)
        .collect()
}

impl From<registry_core::protocol::ProtocolCall> for DependencyView {
    fn from(c: registry_core::protocol::ProtocolCall) -> Self {
        DependencyView {
            name: c.name,
            source: c.source,
            version: c.version,
        }
    }
}

impl From<registry_core::protocol::ProtocolProvider> for ProviderDependencyView {
    fn from(p: registry_core::protocol::ProtocolProvider) -> Self {
        ProviderDependencyView {
            name: p.name,
            namespace: p.namespace,
            source: p.source,
            version: p.version,
        }
    }
}

impl InterfaceView {
    /// The view of a module directory shown under `name`.
    pub fn new(iface: &ModuleInterface, name: &str) -> Self {
        InterfaceView {
            path: iface.path.clone(),
            name: name.to_string(),
            readme: iface.readme.clone().unwrap_or_default(),
            empty: iface.inputs.is_empty()
                && iface.outputs.is_empty()
                && iface.resources.is_empty(),
            inputs: iface
                .inputs
                .iter()
                .map(|i| InputView {
                    name: i.name.clone(),
                    type_expr: i.type_expr.clone().unwrap_or_else(|| "any".into()),
                    description: i.description.clone().unwrap_or_default(),
                    // The public registry gives defaults as a string of JSON.
                    default: i
                        .default
                        .as_ref()
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    required: i.required,
                    sensitive: i.sensitive,
                })
                .collect(),
            outputs: iface
                .outputs
                .iter()
                .map(|o| OutputView {
                    name: o.name.clone(),
                    description: o.description.clone().unwrap_or_default(),
                    sensitive: o.sensitive,
                })
                .collect(),
            dependencies: dependencies(iface),
            provider_dependencies: providers(iface),
            resources: iface
                .resources
                .iter()
                .map(|r| ResourceView {
                    name: r.name.clone(),
                    resource_type: r.resource_type.clone(),
                })
                .collect(),
        }
    }
}

fn dir_name(path: &str, fallback: &str) -> String {
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(fallback)
        .to_string()
}

/// A module version in detail: the listing fields plus the root module,
/// submodules, examples, providers and the module's listed versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModuleDetailView {
    /// The listing fields.
    #[serde(flatten)]
    pub module: ModuleView,
    /// The root module.
    pub root: InterfaceView,
    /// Submodules under `modules/`.
    pub submodules: Vec<InterfaceView>,
    /// Examples under `examples/`.
    pub examples: Vec<InterfaceView>,
    /// Target systems this module is published for.
    pub providers: Vec<String>,
    /// The module's listed versions.
    pub versions: Vec<String>,
    /// What publishing checked (tests and validation), when it checked anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<ChecksSummaryView>,
}

impl ModuleDetailView {
    /// The detail of `record`, with the module's listed `versions`.
    pub fn new(record: &ModuleRecord, versions: Vec<String>) -> Self {
        let s = &record.metadata.summary;
        ModuleDetailView {
            module: ModuleView::from(record),
            root: InterfaceView::new(&s.root, record.address.name()),
            submodules: s
                .submodules
                .iter()
                .map(|i| InterfaceView::new(i, &dir_name(&i.path, "submodule")))
                .collect(),
            examples: s
                .examples
                .iter()
                .map(|i| InterfaceView::new(i, &dir_name(&i.path, "example")))
                .collect(),
            providers: vec![record.address.system().to_string()],
            versions,
            checks: record.metadata.checks.as_ref().map(Into::into),
        }
    }
}

/// Paging, as the public registry writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PageMetaView {
    /// Page size.
    pub limit: usize,
    /// This page's offset.
    pub current_offset: usize,
    /// The next page's offset, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<usize>,
    /// The next page's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_url: Option<String>,
    /// The previous page's offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_offset: Option<usize>,
    /// The previous page's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_url: Option<String>,
    /// Listings: the next page's `cursor`, when there is one; a page
    /// reached by cursor costs the same at any depth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl PageMetaView {
    /// The meta of a page at `offset` of `base`; query strings are built by
    /// the URL library, so search text such as `a&b` or `c#` survives into
    /// the next page's URL.
    pub fn new(
        limit: usize,
        offset: usize,
        has_more: bool,
        base: &str,
        extra: &[(&str, &str)],
    ) -> Self {
        let url = |o: usize| {
            let at = o.to_string();
            Self::url(
                base,
                limit,
                (o > 0).then_some(("offset", at.as_str())),
                extra,
            )
        };
        let next = has_more.then(|| offset.saturating_add(limit));
        let prev = (offset > 0).then(|| offset.saturating_sub(limit));
        PageMetaView {
            limit,
            current_offset: offset,
            next_offset: next,
            next_url: next.map(url),
            prev_offset: prev,
            prev_url: prev.map(url),
            next_cursor: None,
        }
    }

    /// With the next page's cursor; a page reached by cursor links the next
    /// one by cursor too.
    pub fn with_next_cursor(
        mut self,
        cursor: String,
        by_cursor: bool,
        base: &str,
        extra: &[(&str, &str)],
    ) -> Self {
        if by_cursor {
            let limit = self.limit;
            self.next_url = Some(Self::url(base, limit, Some(("cursor", &cursor)), extra));
        }
        self.next_cursor = Some(cursor);
        self
    }

    fn url(
        base: &str,
        limit: usize,
        position: Option<(&str, &str)>,
        extra: &[(&str, &str)],
    ) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("limit", &limit.to_string());
        q.extend_pairs(position);
        q.extend_pairs(extra);
        format!("{base}?{}", q.finish())
    }
}

/// A page of modules, each with its latest version (listings and search).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModuleListView {
    /// Paging.
    pub meta: PageMetaView,
    /// The modules.
    pub modules: Vec<ModuleView>,
}

/// Providers and module calls of one directory, as the protocol lists them.
///
/// Read leniently from upstreams: the protocol asks only for `version`, so
/// a missing list is an empty one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProtocolDepsView {
    /// Required providers.
    #[serde(default)]
    pub providers: Vec<ProviderDependencyView>,
    /// Module calls.
    #[serde(default)]
    pub dependencies: Vec<DependencyView>,
}

/// A submodule's dependencies in the protocol's versions list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProtocolSubmoduleView {
    /// Its path.
    pub path: String,
    /// Required providers.
    pub providers: Vec<ProviderDependencyView>,
    /// Module calls.
    pub dependencies: Vec<DependencyView>,
}

/// One listed version in the protocol's versions list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProtocolVersionView {
    /// The version.
    pub version: String,
    /// The root module's dependencies (empty when an upstream leaves them out).
    #[serde(default)]
    pub root: ProtocolDepsView,
    /// Each submodule's.
    #[serde(default)]
    pub submodules: Vec<ProtocolSubmoduleView>,
    /// Set when the version is deprecated; Terraform 1.10 and later warn
    /// at `init` with this reason (and link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation: Option<ProtocolDeprecationView>,
}

/// A deprecation as the protocol's versions list carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProtocolDeprecationView {
    /// Why, and what to use instead.
    pub reason: String,
    /// A URL with more, when the successor is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl From<registry_core::protocol::ProtocolDeprecation> for ProtocolDeprecationView {
    fn from(d: registry_core::protocol::ProtocolDeprecation) -> Self {
        ProtocolDeprecationView {
            reason: d.reason,
            link: d.link,
        }
    }
}

impl From<registry_core::ProtocolVersion> for ProtocolVersionView {
    fn from(v: registry_core::ProtocolVersion) -> Self {
        let list = |providers: Vec<registry_core::protocol::ProtocolProvider>| {
            providers.into_iter().map(Into::into).collect()
        };
        let calls = |calls: Vec<registry_core::protocol::ProtocolCall>| {
            calls.into_iter().map(Into::into).collect()
        };
        ProtocolVersionView {
            version: v.version,
            root: ProtocolDepsView {
                providers: list(v.root.providers),
                dependencies: calls(v.root.dependencies),
            },
            submodules: v
                .submodules
                .into_iter()
                .map(|s| ProtocolSubmoduleView {
                    path: s.path,
                    providers: list(s.providers),
                    dependencies: calls(s.dependencies),
                })
                .collect(),
            deprecation: v.deprecation.map(Into::into),
        }
    }
}

/// One module in the protocol's versions list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProtocolModuleView {
    /// `namespace/name/system` (empty when an upstream leaves it out).
    #[serde(default)]
    pub source: String,
    /// Its listed versions.
    pub versions: Vec<ProtocolVersionView>,
}

/// The Module Registry Protocol's `/versions` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VersionsView {
    /// Always one module.
    pub modules: Vec<ProtocolModuleView>,
}

impl VersionsView {
    /// The versions list of `source` from its listed records.
    pub fn new(source: &str, records: &[ModuleRecord]) -> Self {
        VersionsView {
            modules: vec![ProtocolModuleView {
                source: source.to_string(),
                versions: records
                    .iter()
                    .map(|r| registry_core::ProtocolVersion::of(r).into())
                    .collect(),
            }],
        }
    }
}

/// A JSON Schema document (draft 2020-12) of a module's inputs or outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JsonSchemaView {
    /// The JSON Schema dialect.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
    /// Always `object`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// One JSON Schema per input or output, by name.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, Object>)]
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Inputs that must be given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    /// Every other keyword of the document (any JSON value:
    /// `additionalProperties` is often `false`).
    #[serde(flatten)]
    #[schema(value_type = BTreeMap<String, serde_json::Value>)]
    pub other: BTreeMap<String, serde_json::Value>,
}

impl JsonSchemaView {
    /// A schema document as the doc generator wrote it.
    pub fn from_value(v: serde_json::Value) -> Result<Self, registry_core::Error> {
        serde_json::from_value(v).map_err(|e| {
            registry_core::Error::new(
                registry_core::ErrorKind::Integrity,
                "the generated schema is not a JSON Schema object",
            )
            .with_source(e)
        })
    }
}

/// JSON Schema of a version's inputs and outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiDocView {
    /// The inputs, as one object schema.
    pub inputs_schema: JsonSchemaView,
    /// The outputs, as one object schema.
    pub outputs_schema: JsonSchemaView,
}

/// A usage example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExampleView {
    /// `generated`, or the example folder's name.
    pub name: String,
    /// Path inside the module (`""` for the generated one).
    pub path: String,
    /// What it shows.
    pub description: Option<String>,
    /// HCL.
    pub code: String,
}

impl From<&Example> for ExampleView {
    fn from(e: &Example) -> Self {
        ExampleView {
            name: e.name.clone(),
            path: e.path.clone(),
            description: e.description.clone(),
            code: e.code.clone(),
        }
    }
}

/// A version's usage examples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExamplesView {
    /// The generated example first, then the module's own.
    pub examples: Vec<ExampleView>,
}

/// The documentation of a version in terraform-docs' `json` format (what
/// `terraform-docs json` prints; documented here, served byte for byte).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TfDocsView {
    /// The header text.
    pub header: Option<String>,
    /// The footer text.
    pub footer: Option<String>,
    /// Inputs.
    #[schema(value_type = Vec<Object>)]
    pub inputs: Vec<serde_json::Value>,
    /// Module calls.
    #[schema(value_type = Vec<Object>)]
    pub modules: Vec<serde_json::Value>,
    /// Outputs.
    #[schema(value_type = Vec<Object>)]
    pub outputs: Vec<serde_json::Value>,
    /// Providers.
    #[schema(value_type = Vec<Object>)]
    pub providers: Vec<serde_json::Value>,
    /// Requirements.
    #[schema(value_type = Vec<Object>)]
    pub requirements: Vec<serde_json::Value>,
    /// Resources and data sources.
    #[schema(value_type = Vec<Object>)]
    pub resources: Vec<serde_json::Value>,
}

/// The result of rebuilding the search index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReindexView {
    /// Versions indexed.
    pub indexed: usize,
}

/// One audit record with its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditRecordView {
    /// Sequence number in the chain.
    pub seq: u64,
    /// What happened.
    pub event: AuditEventView,
    /// The previous record's hash.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

/// What an audit record says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEventView {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (a token id, `system` or `anonymous`; never a secret).
    pub actor: String,
    /// What (`publish`, `yank`, `authenticate`, …).
    pub action: String,
    /// On what.
    pub target: String,
    /// `success`, `denied` or `failed`.
    pub outcome: String,
    /// Why, for refusals and failures.
    pub detail: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// The client address.
    pub client_addr: Option<String>,
}

impl From<&ChainedAuditEvent> for AuditRecordView {
    fn from(r: &ChainedAuditEvent) -> Self {
        let e = &r.event;
        AuditRecordView {
            seq: r.seq,
            event: AuditEventView {
                at: e.at,
                actor: e.actor.clone(),
                action: e.action.clone(),
                target: e.target.clone(),
                outcome: match e.outcome {
                    registry_core::AuditOutcome::Success => "success",
                    registry_core::AuditOutcome::Denied => "denied",
                    registry_core::AuditOutcome::Failed => "failed",
                }
                .to_string(),
                detail: e.detail.clone(),
                request_id: e.request_id.clone(),
                client_addr: e.client_addr.clone(),
            },
            prev_hash: r.prev_hash.clone(),
            hash: r.hash.clone(),
        }
    }
}

/// A page of audit records, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditPageView {
    /// The records.
    pub records: Vec<AuditRecordView>,
    /// The `after` of the next page, when there may be one.
    pub next_after: Option<u64>,
}

/// The audit chain walked end to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditVerificationView {
    /// Whether every record is where the chain says.
    pub intact: bool,
    /// Records checked (when intact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    /// The first broken record (when not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<u64>,
    /// What is wrong with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A namespace's publishing policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicyView {
    /// The namespace.
    pub namespace: String,
    /// Unsigned publishes are refused.
    #[serde(rename = "require-signatures")]
    pub require_signatures: bool,
    /// `off`, `warn` or `error`: how validation findings count.
    pub validation: String,
    /// `off`, `run` or `require`: whether the module's tests run.
    pub tests: String,
    /// `off`, `warn` or `refuse`: whether a release may break the one before it.
    #[serde(rename = "semver-guard", default = "off")]
    pub semver_guard: String,
}

fn off() -> String {
    "off".into()
}

impl PolicyView {
    /// The view of `namespace`'s policy.
    pub fn new(namespace: &str, p: &NamespacePolicy) -> Self {
        PolicyView {
            namespace: namespace.to_string(),
            require_signatures: p.require_signatures,
            validation: p.validation.to_string(),
            tests: p.tests.to_string(),
            semver_guard: p.semver_guard.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use registry_core::{Deprecation, ModuleCall, ModuleInterface, ProviderRequirement, Yank};

    use super::VersionsView;

    /// The stored document served by `/versions` is byte for byte the JSON
    /// of the OpenAPI view over the listed records.
    #[tokio::test]
    async fn the_versions_document_is_the_views_json() {
        let mut records = Vec::new();
        for (i, v) in ["1.0.0", "1.1.0", "2.0.0-rc.1"].iter().enumerate() {
            let mut r = registry_testkit::fixtures::module("acme/Net/aws", v, v)
                .await
                .record();
            let s = &mut r.metadata.summary;
            s.root.providers = vec![ProviderRequirement {
                name: "aws".into(),
                source: Some("hashicorp/aws".into()),
                version: (i > 0).then(|| ">= 5.0".into()),
            }];
            s.root.dependencies = vec![ModuleCall {
                name: "sg".into(),
                source: "acme/sg/aws".into(),
                version: None,
            }];
            s.submodules = vec![ModuleInterface {
                path: "modules/\"quoted\"".into(),
                ..Default::default()
            }];
            records.push(r);
        }
        records[0].metadata.lifecycle.deprecated = Some(Deprecation {
            reason: "use <2>".into(),
            successor: Some("acme/net2/aws".into()),
            at: chrono::Utc::now(),
        });
        records[1].metadata.lifecycle.yanked = Some(Yank {
            reason: None,
            at: chrono::Utc::now(),
        });
        let listed: Vec<_> = records
            .iter()
            .filter(|r| r.metadata.lifecycle.is_listed())
            .cloned()
            .collect();
        let view = VersionsView::new(&listed[0].address.to_string(), &listed);
        let document = registry_core::VersionsDocument::from_records(&records)
            .unwrap()
            .unwrap();
        assert_eq!(
            String::from_utf8(document.answer()).unwrap(),
            serde_json::to_string(&view).unwrap()
        );
    }
}
