//! Registry module source addresses as written in `module` blocks:
//! `[host/]namespace/name/system[//subdir]`.

use std::fmt;

use registry_core::ModuleAddress;

/// A module `source` that names a registry module.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistrySource {
    /// `registry.example.com` or `127.0.0.1:8443`; `None` means the public registry.
    pub host: Option<String>,
    /// The module.
    pub address: ModuleAddress,
    /// A `//subdir` inside the package, if any.
    pub subdir: Option<String>,
}

impl RegistrySource {
    /// Parse a source; `None` when it is not a registry address (a local
    /// path, a git or HTTP URL, a `github.com/…` shorthand, …).
    pub fn parse(source: &str) -> Option<Self> {
        if source.starts_with("./")
            || source.starts_with("../")
            || source.starts_with('/')
            || source.contains("::")
            || source.contains("://")
        {
            return None;
        }
        let (pkg, subdir) = match source.split_once("//") {
            Some((p, s)) => (
                p,
                Some(s.trim_matches('/').to_string()).filter(|s| !s.is_empty()),
            ),
            None => (source, None),
        };
        let parts: Vec<&str> = pkg.split('/').collect();
        let (host, rest) = match parts.len() {
            3 => (None, &parts[..]),
            4 => {
                let h = parts[0];
                // A registry host has a dot or a port (an IP address has both).
                if !(h.contains('.') || h.contains(':')) {
                    return None;
                }
                (Some(h.to_ascii_lowercase()), &parts[1..])
            }
            _ => return None,
        };
        let address = ModuleAddress::new(rest[0], rest[1], rest[2]).ok()?;
        Some(RegistrySource {
            host,
            address,
            subdir,
        })
    }
}

impl fmt::Display for RegistrySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(h) = &self.host {
            write!(f, "{h}/")?;
        }
        write!(f, "{}", self.address)?;
        if let Some(s) = &self.subdir {
            write!(f, "//{s}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_sources_are_recognised() {
        let s = RegistrySource::parse("127.0.0.1:8443/acme/vpc/aws//modules/sub").unwrap();
        assert_eq!(s.host.as_deref(), Some("127.0.0.1:8443"));
        assert_eq!(s.address.to_string(), "acme/vpc/aws");
        assert_eq!(s.subdir.as_deref(), Some("modules/sub"));
        assert_eq!(s.to_string(), "127.0.0.1:8443/acme/vpc/aws//modules/sub");
        assert!(
            RegistrySource::parse("hashicorp/consul/aws")
                .unwrap()
                .host
                .is_none()
        );
        assert!(RegistrySource::parse("Registry.Example.com/a/b/c").is_some());
        for not in [
            "./modules/x",
            "../x",
            "github.com/hashicorp/example",
            "git::https://example.com/x.git",
            "https://example.com/x.zip",
            "localhost/a/b/c",
            "a/b",
            "s3::https://bucket/x.zip",
        ] {
            assert!(RegistrySource::parse(not).is_none(), "{not}");
        }
    }
}
