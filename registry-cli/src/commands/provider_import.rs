//! Reading a folder `terraform providers mirror DIR` wrote: the packed
//! layout, `HOST/NAMESPACE/TYPE/` holding `index.json`, one
//! `VERSION.json` per version (its archives by `OS_ARCH`, each with a
//! relative `url` and `hashes`) and the zips. Every zip is checked against
//! the `h1:` hashes Terraform recorded for it before anything is sent.

use std::path::{Path, PathBuf};

use registry_core::{Error, ProviderAddress, Result, Version};
use serde::Deserialize;

/// One version found in the folder.
#[derive(Debug, Clone)]
pub struct MirroredRelease {
    /// `HOST/NAMESPACE/TYPE`.
    pub address: ProviderAddress,
    /// The version.
    pub version: Version,
    /// Each zip's name and path.
    pub zips: Vec<(String, PathBuf)>,
}

#[derive(Debug, Deserialize)]
struct VersionFile {
    archives: std::collections::BTreeMap<String, Archive>,
}

#[derive(Debug, Deserialize)]
struct Archive {
    url: String,
    #[serde(default)]
    hashes: Vec<String>,
}

fn subdirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)
        .map_err(|e| Error::invalid_input(format!("cannot read {}: {e}", dir.display())))?
    {
        let e = e?;
        if e.file_type()?.is_dir() {
            out.push(e.path());
        }
    }
    out.sort();
    Ok(out)
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every version under `dir`, its zips checked against their `h1:`.
pub fn mirrored_releases(dir: &Path) -> Result<Vec<MirroredRelease>> {
    let mut out = Vec::new();
    for host in subdirs(dir)? {
        for ns in subdirs(&host)? {
            for ty in subdirs(&ns)? {
                let address = ProviderAddress::new(&name_of(&ns), &name_of(&ty))?
                    .with_host(&name_of(&host))?;
                out.extend(releases_in(&ty, &address)?);
            }
        }
    }
    Ok(out)
}

fn releases_in(dir: &Path, address: &ProviderAddress) -> Result<Vec<MirroredRelease>> {
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && name_of(p) != "index.json")
        .collect();
    files.sort();
    for file in files {
        let stem = name_of(&file).trim_end_matches(".json").to_string();
        let version = Version::parse(&stem)
            .map_err(|e| e.with_context("file", file.display().to_string()))?;
        let text = std::fs::read_to_string(&file)?;
        let parsed: VersionFile = serde_json::from_str(&text).map_err(|e| {
            Error::invalid_input(format!("{} is not a VERSION.json: {e}", file.display()))
        })?;
        let mut zips = Vec::new();
        for (platform, archive) in &parsed.archives {
            if archive.url.contains(['/', '\\', ':']) || archive.url.starts_with('.') {
                return Err(Error::invalid_input(format!(
                    "{}: {platform} names {:?}, not a file beside it",
                    file.display(),
                    archive.url
                )));
            }
            let path = dir.join(&archive.url);
            let bytes = read_zip(&path)?;
            let h1 = registry_providers::release::h1_hash(&bytes)?;
            let zh = format!("zh:{}", registry_core::Sha256Digest::of(&bytes).hex());
            // Every hash recorded must hold, and at least one must be there:
            // a zip no hash vouches for is not imported.
            let recorded: Vec<&str> = archive
                .hashes
                .iter()
                .map(String::as_str)
                .filter(|h| h.starts_with("h1:") || h.starts_with("zh:"))
                .collect();
            let holds = |scheme: &str, ours: &str| {
                let of: Vec<&&str> = recorded.iter().filter(|h| h.starts_with(scheme)).collect();
                of.is_empty() || of.iter().any(|h| **h == ours)
            };
            if recorded.is_empty() || !holds("h1:", &h1) || !holds("zh:", &zh) {
                return Err(Error::new(
                    registry_core::ErrorKind::Integrity,
                    format!(
                        "{} does not match the hashes {} records for it (its {h1}, {zh}; recorded: {}); nothing was imported",
                        path.display(),
                        file.display(),
                        if recorded.is_empty() {
                            "none".to_string()
                        } else {
                            archive.hashes.join(", ")
                        }
                    ),
                ));
            }
            zips.push((archive.url.clone(), path));
        }
        out.push(MirroredRelease {
            address: address.clone(),
            version,
            zips,
        });
    }
    Ok(out)
}

/// A zip beside its VERSION.json: a regular file (not a link to elsewhere),
/// at most the size a provider zip may be.
fn read_zip(path: &Path) -> Result<Vec<u8>> {
    let cannot =
        |e: std::io::Error| Error::invalid_input(format!("cannot read {}: {e}", path.display()));
    let meta = std::fs::symlink_metadata(path).map_err(cannot)?;
    if !meta.file_type().is_file() {
        return Err(Error::invalid_input(format!(
            "{} is not a regular file (a link or a folder); nothing was imported",
            path.display()
        )));
    }
    let max = registry_server::http::providers::MAX_PROVIDER_FILE_BYTES;
    if meta.len() > max {
        return Err(Error::new(
            registry_core::ErrorKind::TooLarge,
            format!("{} is over {max} bytes", path.display()),
        ));
    }
    std::fs::read(path).map_err(cannot)
}
