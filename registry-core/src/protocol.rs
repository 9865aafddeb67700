//! The Module Registry Protocol's versions list as a stored projection.
//!
//! A module's `/versions` answer needs, per listed version, only its
//! number, the providers and module calls of each module directory, and a
//! deprecation notice. Stores keep that projection encoded beside each
//! version ([`ProtocolVersion::encode`]) and the module's whole list ready to
//! serve ([`VersionsDocument`]), so answering reads one row and decodes no
//! record. The server's OpenAPI views describe the same JSON.

use serde::{Deserialize, Serialize};

use crate::{
    Deprecation, Lifecycle, ModuleAddress, ModuleInterface, ModuleRecord, ModuleSummary, Result,
    Version,
};

/// A required provider as the protocol lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolProvider {
    /// Local name.
    pub name: String,
    /// The provider's namespace (from its source; `""` when unknown).
    pub namespace: String,
    /// Source address (`""` when not given).
    pub source: String,
    /// Version constraint (`""` when none).
    pub version: String,
}

/// A module call as the protocol lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolCall {
    /// The call's name.
    pub name: String,
    /// Its source.
    pub source: String,
    /// Its version constraint (`""` when none).
    pub version: String,
}

/// The root module's providers and calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolDependencies {
    /// Required providers.
    #[serde(default)]
    pub providers: Vec<ProtocolProvider>,
    /// Module calls.
    #[serde(default)]
    pub dependencies: Vec<ProtocolCall>,
}

/// A submodule's providers and calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolSubmodule {
    /// Its path.
    pub path: String,
    /// Required providers.
    pub providers: Vec<ProtocolProvider>,
    /// Module calls.
    pub dependencies: Vec<ProtocolCall>,
}

/// A deprecation as the protocol carries it (Terraform 1.10 and later warn
/// at `init` with the reason and link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolDeprecation {
    /// Why, and what to use instead.
    pub reason: String,
    /// A URL with more, when the successor is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl From<&Deprecation> for ProtocolDeprecation {
    fn from(d: &Deprecation) -> Self {
        let is_url = |s: &str| s.starts_with("https://") || s.starts_with("http://");
        ProtocolDeprecation {
            reason: match d.successor.as_deref() {
                Some(s) if !is_url(s) => format!("{}; use {s}", d.reason),
                _ => d.reason.clone(),
            },
            link: d.successor.clone().filter(|s| is_url(s)),
        }
    }
}

/// One listed version in the protocol's versions list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolVersion {
    /// The version as published.
    pub version: String,
    /// The root module's dependencies.
    #[serde(default)]
    pub root: ProtocolDependencies,
    /// Each submodule's.
    #[serde(default)]
    pub submodules: Vec<ProtocolSubmodule>,
    /// Set when the version is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation: Option<ProtocolDeprecation>,
}

fn provider_namespace(source: Option<&str>) -> String {
    source
        .and_then(|s| {
            let parts: Vec<&str> = s.split('/').collect();
            (parts.len() >= 2).then(|| parts[parts.len() - 2].to_string())
        })
        .unwrap_or_default()
}

/// The required providers of a module directory, as the protocol lists them.
pub fn providers(iface: &ModuleInterface) -> Vec<ProtocolProvider> {
    iface
        .providers
        .iter()
        .map(|p| ProtocolProvider {
            name: p.name.clone(),
            namespace: provider_namespace(p.source.as_deref()),
            source: p.source.clone().unwrap_or_default(),
            version: p.version.clone().unwrap_or_default(),
        })
        .collect()
}

/// The module calls of a module directory, as the protocol lists them.
pub fn calls(iface: &ModuleInterface) -> Vec<ProtocolCall> {
    iface
        .dependencies
        .iter()
        .map(|d| ProtocolCall {
            name: d.name.clone(),
            source: d.source.clone(),
            version: d.version.clone().unwrap_or_default(),
        })
        .collect()
}

impl ProtocolVersion {
    /// The entry of `record` with the lifecycle `lifecycle` (which may be
    /// newer than the record's).
    pub fn with_lifecycle(record: &ModuleRecord, lifecycle: &Lifecycle) -> Self {
        Self::new(&record.version, &record.metadata.summary, lifecycle)
    }

    /// The entry of `version` with the module directories of `summary`.
    pub fn new(version: &Version, summary: &ModuleSummary, lifecycle: &Lifecycle) -> Self {
        let s = summary;
        ProtocolVersion {
            version: version.as_str().to_string(),
            root: ProtocolDependencies {
                providers: providers(&s.root),
                dependencies: calls(&s.root),
            },
            submodules: s
                .submodules
                .iter()
                .map(|i| ProtocolSubmodule {
                    path: i.path.clone(),
                    providers: providers(i),
                    dependencies: calls(i),
                })
                .collect(),
            deprecation: lifecycle.deprecated.as_ref().map(Into::into),
        }
    }

    /// The entry of `record` as it stands.
    pub fn of(record: &ModuleRecord) -> Self {
        Self::with_lifecycle(record, &record.metadata.lifecycle)
    }

    /// The entry's JSON, as stored and served.
    pub fn encode(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| crate::Error::invalid_input("version entry not encodable").with_source(e))
    }
}

/// A module's listed versions, ready to serve: its address as first
/// published and the JSON array of its listed versions' [`ProtocolVersion`]s
/// in publish order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionsDocument {
    /// The module, spelled as first published.
    pub address: ModuleAddress,
    /// `[entry, …]` of the listed (not yanked) versions; `[]` when none.
    pub versions: std::sync::Arc<str>,
}

impl VersionsDocument {
    /// The document of `records` (every version of one module, yanked ones
    /// left out here); `None` when `records` is empty.
    pub fn from_records(records: &[ModuleRecord]) -> Result<Option<Self>> {
        let Some(first) = records.first() else {
            return Ok(None);
        };
        let mut versions = String::from("[");
        for r in records.iter().filter(|r| r.metadata.lifecycle.is_listed()) {
            if versions.len() > 1 {
                versions.push(',');
            }
            versions.push_str(&ProtocolVersion::of(r).encode()?);
        }
        versions.push(']');
        Ok(Some(VersionsDocument {
            address: first.address.clone(),
            versions: versions.into(),
        }))
    }

    /// The listed versions, decoded.
    pub fn entries(&self) -> Result<Vec<ProtocolVersion>> {
        serde_json::from_str(&self.versions).map_err(|e| {
            crate::Error::new(
                crate::ErrorKind::Integrity,
                format!("the versions document of {} is not valid", self.address),
            )
            .with_source(e)
        })
    }

    /// Whether no version is listed.
    pub fn is_empty(&self) -> bool {
        self.versions.as_ref() == "[]"
    }

    /// The protocol's whole answer:
    /// `{"modules":[{"source":"NS/NAME/SYSTEM","versions":[…]}]}`.
    pub fn answer(&self) -> Vec<u8> {
        let source = serde_json::to_string(&self.address.to_string()).unwrap_or_default();
        let mut out = Vec::with_capacity(self.versions.len() + source.len() + 40);
        out.extend_from_slice(b"{\"modules\":[{\"source\":");
        out.extend_from_slice(source.as_bytes());
        out.extend_from_slice(b",\"versions\":");
        out.extend_from_slice(self.versions.as_bytes());
        out.extend_from_slice(b"}]}");
        out
    }
}
