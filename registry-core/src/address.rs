//! Module addresses: `namespace/name/system`, with the Terraform registry's naming rules.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::version::Version;

const MAX_LEN: usize = 64;

/// Path segments the HTTP API uses as routes; they can never be namespaces.
pub const RESERVED_NAMESPACES: &[&str] = &["search", "modules", "v1", "api", "well-known"];

fn check_name_part(what: &str, s: &str) -> Result<()> {
    let bad = |why: &str| Error::invalid_input(format!("invalid module {what} {s:?}: {why}"));
    if s.is_empty() || s.len() > MAX_LEN {
        return Err(bad("must be 1 to 64 characters"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(bad(&format!(
            "character {c:?} is not allowed (letters, digits, '-' and '_' only)"
        )));
    }
    let first = s.chars().next().unwrap_or('-');
    let last = s.chars().last().unwrap_or('-');
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Err(bad("must start and end with a letter or digit"));
    }
    Ok(())
}

/// Check a namespace: letters, digits, `-`, `_`; 1–64 characters; starts and
/// ends with a letter or digit; not a reserved route word.
pub fn validate_namespace(s: &str) -> Result<()> {
    check_name_part("namespace", s)?;
    if RESERVED_NAMESPACES
        .iter()
        .any(|r| r.eq_ignore_ascii_case(s))
    {
        return Err(Error::invalid_input(format!(
            "invalid module namespace {s:?}: the word is reserved by the registry API"
        )));
    }
    Ok(())
}

/// Check a module name: the same rules as a namespace (without the reserved words).
pub fn validate_name(s: &str) -> Result<()> {
    check_name_part("name", s)
}

/// Check a target system: lowercase letters and digits, 1–64 characters.
pub fn validate_system(s: &str) -> Result<()> {
    if s.is_empty() || s.len() > MAX_LEN {
        return Err(Error::invalid_input(format!(
            "invalid module system {s:?}: must be 1 to 64 characters"
        )));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        return Err(Error::invalid_input(format!(
            "invalid module system {s:?}: character {c:?} is not allowed (lowercase letters and digits only)"
        )));
    }
    Ok(())
}

/// Check a registry host (`registry.terraform.io`, `127.0.0.1:8443`):
/// lowercase letters, digits, `-`, `.` and an optional `:port`; it must
/// hold a dot or a port, since a bare word is a namespace (as Terraform
/// reads module sources).
pub fn validate_host(s: &str) -> Result<()> {
    let bad = |why: &str| Error::invalid_input(format!("invalid registry host {s:?}: {why}"));
    if s.is_empty() || s.len() > 253 {
        return Err(bad("must be 1 to 253 characters"));
    }
    let (name, port) = match s.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (s, None),
    };
    if let Some(p) = port
        && (p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad("the port must be 1 to 5 digits"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(bad(&format!(
            "character {c:?} is not allowed (lowercase letters, digits, '-', '.' and a :port)"
        )));
    }
    if name
        .split('.')
        .any(|label| label.is_empty() || label.starts_with('-') || label.ends_with('-'))
    {
        return Err(bad(
            "each dot-separated label must be non-empty and not start or end with '-'",
        ));
    }
    if !name.contains('.') && port.is_none() {
        return Err(bad(
            "a host holds a dot or a port (a bare word is a namespace)",
        ));
    }
    Ok(())
}

/// Whether the first segment of a source address is a registry host.
fn looks_like_host(s: &str) -> bool {
    s.contains('.') || s.contains(':')
}

/// A module address `[host/]namespace/name/system`, such as
/// `hashicorp/consul/aws`. Addresses of this registry have no host; a
/// module mirrored from another registry keeps that registry's host
/// (`registry.terraform.io/hashicorp/consul/aws`), so it can never collide
/// with a local module of the same namespace and name.
///
/// Namespace and name match case-insensitively ([`ModuleAddress::key`]) and
/// keep the case they were written with; hosts are lowercase.
///
/// ```
/// use registry_core::ModuleAddress;
/// let a: ModuleAddress = "Acme/VPC/aws".parse().unwrap();
/// let b: ModuleAddress = "acme/vpc/aws".parse().unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.to_string(), "Acme/VPC/aws");
/// assert!("acme/vpc/AWS".parse::<ModuleAddress>().is_err());
///
/// let mirrored: ModuleAddress = "registry.terraform.io/Acme/vpc/aws".parse().unwrap();
/// assert_eq!(mirrored.host(), Some("registry.terraform.io"));
/// assert_ne!(mirrored, a);
/// assert_eq!(mirrored.key(), "registry.terraform.io/acme/vpc/aws");
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModuleAddress {
    host: Option<String>,
    namespace: String,
    name: String,
    system: String,
}

impl ModuleAddress {
    /// Build and validate an address.
    pub fn new(
        namespace: impl Into<String>,
        name: impl Into<String>,
        system: impl Into<String>,
    ) -> Result<Self> {
        let (namespace, name, system) = (namespace.into(), name.into(), system.into());
        validate_namespace(&namespace)?;
        validate_name(&name)?;
        validate_system(&system)?;
        Ok(ModuleAddress {
            host: None,
            namespace,
            name,
            system,
        })
    }

    /// The same module as served by another registry (`host`, lowercased).
    pub fn with_host(mut self, host: &str) -> Result<Self> {
        let host = host.to_ascii_lowercase();
        validate_host(&host)?;
        self.host = Some(host);
        Ok(self)
    }

    /// The same module with its namespace and name spelled as given (the
    /// case of its first publish, which a store keeps); the host stays.
    pub fn respelled(&self, namespace: &str, name: &str) -> Result<Self> {
        if !namespace.eq_ignore_ascii_case(&self.namespace)
            || !name.eq_ignore_ascii_case(&self.name)
        {
            return Err(Error::invalid_input(format!(
                "{namespace}/{name} is not a respelling of {self}"
            )));
        }
        Ok(ModuleAddress {
            namespace: namespace.to_string(),
            name: name.to_string(),
            ..self.clone()
        })
    }

    /// The host of the registry this module is mirrored from; `None` for
    /// this registry's own modules.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The namespace as written.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The module name as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The target system (provider name), always lowercase.
    pub fn system(&self) -> &str {
        &self.system
    }

    /// The case-folded identity used for lookups and uniqueness
    /// (`[host/]namespace/name/system`).
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}",
            self.namespace_key(),
            self.name.to_ascii_lowercase(),
            self.system
        )
    }

    /// The case-folded namespace, under its host for a mirrored module
    /// (`registry.terraform.io/hashicorp`).
    pub fn namespace_key(&self) -> String {
        match &self.host {
            Some(h) => format!("{h}/{}", self.namespace.to_ascii_lowercase()),
            None => self.namespace.to_ascii_lowercase(),
        }
    }
}

impl PartialEq for ModuleAddress {
    fn eq(&self, other: &Self) -> bool {
        self.host == other.host
            && self.namespace.eq_ignore_ascii_case(&other.namespace)
            && self.name.eq_ignore_ascii_case(&other.name)
            && self.system == other.system
    }
}

impl Eq for ModuleAddress {}

impl std::hash::Hash for ModuleAddress {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // The same bytes as `key()`, without building it.
        if let Some(h) = &self.host {
            state.write(h.as_bytes());
            state.write_u8(b'/');
        }
        for b in self.namespace.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(b'/');
        for b in self.name.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(b'/');
        state.write(self.system.as_bytes());
    }
}

impl PartialOrd for ModuleAddress {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ModuleAddress {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for ModuleAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(h) = &self.host {
            write!(f, "{h}/")?;
        }
        write!(f, "{}/{}/{}", self.namespace, self.name, self.system)
    }
}

impl fmt::Debug for ModuleAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModuleAddress({self})")
    }
}

impl FromStr for ModuleAddress {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [ns, name, system] => ModuleAddress::new(*ns, *name, *system),
            [host, ns, name, system] if looks_like_host(host) => {
                ModuleAddress::new(*ns, *name, *system)?.with_host(host)
            }
            _ => Err(Error::invalid_input(format!(
                "invalid module address {s:?}: expected namespace/name/system (or host/namespace/name/system)"
            ))),
        }
    }
}

impl TryFrom<String> for ModuleAddress {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<ModuleAddress> for String {
    fn from(a: ModuleAddress) -> String {
        a.to_string()
    }
}

/// One published version of one module: `namespace/name/system/version`.
///
/// ```
/// use registry_core::ModuleId;
/// let id: ModuleId = "acme/vpc/aws/1.2.0".parse().unwrap();
/// assert_eq!(id.address.to_string(), "acme/vpc/aws");
/// assert_eq!(id.version.as_str(), "1.2.0");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModuleId {
    /// The module address.
    pub address: ModuleAddress,
    /// The version.
    pub version: Version,
}

impl ModuleId {
    /// Pair an address and a version.
    pub fn new(address: ModuleAddress, version: Version) -> Self {
        ModuleId { address, version }
    }

    /// The case-folded, version-normalised identity used for uniqueness.
    pub fn key(&self) -> String {
        format!("{}/{}", self.address.key(), self.version.key())
    }
}

impl fmt::Display for ModuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.version)
    }
}

impl fmt::Debug for ModuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModuleId({self})")
    }
}

impl FromStr for ModuleId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let (addr, version) = s.rsplit_once('/').ok_or_else(|| {
            Error::invalid_input(format!(
                "invalid module id {s:?}: expected namespace/name/system/version"
            ))
        })?;
        Ok(ModuleId {
            address: addr.parse()?,
            version: version.parse()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_parse() {
        for s in [
            "hashicorp/consul/aws",
            "a/b/c",
            "my_org/my-module/azurerm",
            "A1/B_2-c/gcp2",
        ] {
            let a: ModuleAddress = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
        }
        let long = "a".repeat(64);
        assert!(ModuleAddress::new(&long, &long, &long).is_ok());
    }

    #[test]
    fn invalid_addresses_name_the_bad_part() {
        let cases = [
            ("-acme/vpc/aws", "namespace"),
            ("acme_/vpc/aws", "namespace"),
            ("acme/v.pc/aws", "name"),
            ("acme/vpc/AWS", "system"),
            ("acme/vpc/a-ws", "system"),
            ("acme/vpc", "namespace/name/system"),
            ("acme/vpc/aws/x", "namespace/name/system"),
            ("acme/vpc/aws/x/y", "namespace/name/system"),
            ("search/vpc/aws", "reserved"),
            ("/vpc/aws", "namespace"),
        ];
        for (s, needle) in cases {
            let e = s.parse::<ModuleAddress>().unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
            assert!(e.to_string().contains(needle), "{s}: {e}");
        }
        let long = "a".repeat(65);
        assert!(ModuleAddress::new(&long, "x", "y").is_err());
    }

    #[test]
    fn namespace_and_name_compare_case_insensitively() {
        let a: ModuleAddress = "Acme/Vpc/aws".parse().unwrap();
        let b: ModuleAddress = "ACME/vpc/aws".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.key(), "acme/vpc/aws");
        use std::hash::{BuildHasher, RandomState};
        let h = RandomState::new();
        assert_eq!(h.hash_one(&a), h.hash_one(&b));
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&b));
    }

    #[test]
    fn hosted_addresses_are_distinct_from_local_ones() {
        let local: ModuleAddress = "hashicorp/consul/aws".parse().unwrap();
        let mirrored: ModuleAddress = "Registry.Terraform.io/hashicorp/consul/aws"
            .parse()
            .unwrap();
        assert_eq!(mirrored.host(), Some("registry.terraform.io"));
        assert_eq!(
            mirrored.to_string(),
            "registry.terraform.io/hashicorp/consul/aws"
        );
        assert_ne!(local, mirrored);
        assert_ne!(local.key(), mirrored.key());
        assert_eq!(mirrored.namespace_key(), "registry.terraform.io/hashicorp");
        let id: ModuleId = "127.0.0.1:8443/acme/vpc/aws/1.0.0".parse().unwrap();
        assert_eq!(id.address.host(), Some("127.0.0.1:8443"));
        let back: ModuleAddress =
            serde_json::from_value(serde_json::to_value(&mirrored).unwrap()).unwrap();
        assert_eq!(back, mirrored);
        for bad in [
            "x/acme/vpc/aws",
            "exa mple.com/a/b/c",
            "a..b/a/b/c",
            "host:99999x/a/b/c",
            "-a.b/a/b/c",
        ] {
            assert!(bad.parse::<ModuleAddress>().is_err(), "{bad}");
        }
    }

    #[test]
    fn module_id_round_trips() {
        let id: ModuleId = "acme/vpc/aws/v1.2".parse().unwrap();
        assert_eq!(id.to_string(), "acme/vpc/aws/v1.2");
        assert_eq!(id.key(), "acme/vpc/aws/1.2");
        assert!("acme/vpc/aws/not.a.version".parse::<ModuleId>().is_err());
    }
}
