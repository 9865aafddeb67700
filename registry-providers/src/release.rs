//! A provider release's files as Terraform names them, its `SHA256SUMS`
//! document, and the hashes lock files carry: `zh:` (the zip's SHA-256)
//! and `h1:` (Go's `dirhash.HashZip` over the zip's contents).

use std::collections::BTreeMap;
use std::io::Read;

use registry_core::{Error, FileDigest, Hash1, Result, Sha256Digest, Sha256Hasher, TreeHasher};

/// Most bytes a provider zip may unpack to while its `h1:` is computed (a
/// large provider binary is a few hundred MiB; more is a zip bomb).
pub const MAX_UNPACKED_BYTES: u64 = 2 << 30;

/// A platform a release is built for (`linux`, `amd64`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    /// Operating system, as Go names it (`linux`, `darwin`, `windows`).
    pub os: String,
    /// Architecture, as Go names it (`amd64`, `arm64`).
    pub arch: String,
}

impl Platform {
    /// A platform whose names are lowercase letters and digits (Go's
    /// `GOOS`/`GOARCH` words), refused otherwise by name.
    pub fn new(os: &str, arch: &str) -> Result<Self> {
        for (what, v) in [("operating system", os), ("architecture", arch)] {
            if v.is_empty()
                || v.len() > 32
                || !v
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            {
                return Err(Error::invalid_input(format!(
                    "{what} {v:?} is not a platform word (lowercase letters and digits, as Go names them)"
                )));
            }
        }
        Ok(Platform {
            os: os.to_string(),
            arch: arch.to_string(),
        })
    }

    /// `os_arch`, as file names and network mirrors write it.
    pub fn key(&self) -> String {
        format!("{}_{}", self.os, self.arch)
    }
}

/// `terraform-provider-TYPE_VERSION_OS_ARCH.zip`.
pub fn zip_name(provider_type: &str, version: &str, platform: &Platform) -> String {
    format!(
        "terraform-provider-{provider_type}_{version}_{}.zip",
        platform.key()
    )
}

/// `terraform-provider-TYPE_VERSION_SHA256SUMS`.
pub fn sums_name(provider_type: &str, version: &str) -> String {
    format!("terraform-provider-{provider_type}_{version}_SHA256SUMS")
}

/// `terraform-provider-TYPE_VERSION_SHA256SUMS.sig`.
pub fn signature_name(provider_type: &str, version: &str) -> String {
    format!("{}.sig", sums_name(provider_type, version))
}

/// Read `terraform-provider-TYPE_VERSION_OS_ARCH.zip` back into its
/// platform, when it is a file of that release.
pub fn platform_of(file_name: &str, provider_type: &str, version: &str) -> Option<Platform> {
    let rest = file_name
        .strip_prefix(&format!("terraform-provider-{provider_type}_{version}_"))?
        .strip_suffix(".zip")?;
    let (os, arch) = rest.split_once('_')?;
    Platform::new(os, arch).ok()
}

/// A `SHA256SUMS` document: one `HEX  FILENAME` line per file, as
/// Terraform reads it (a line it cannot read makes it drop the whole
/// document from lock files, so parsing here is strict).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sha256Sums {
    entries: BTreeMap<String, Sha256Digest>,
}

impl Sha256Sums {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add `name` with the SHA-256 of its bytes.
    pub fn insert(&mut self, name: &str, digest: Sha256Digest) {
        self.entries.insert(name.to_string(), digest);
    }

    /// Read a document; an error names the first line that is not
    /// `<64 hex>  <file name>`, and a file named twice.
    pub fn parse(text: &str) -> Result<Self> {
        let mut entries = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = || {
                Error::invalid_input(format!(
                    "SHA256SUMS line {} is not \"<64 hex digits>  <file name>\"",
                    n + 1
                ))
            };
            let (hex, name) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
            let name = name.trim_start().trim_start_matches('*');
            if hex.len() != 64 || name.is_empty() || name.contains(['/', '\\']) {
                return Err(bad());
            }
            let digest: Sha256Digest = hex.to_ascii_lowercase().parse().map_err(|_| bad())?;
            if entries.insert(name.to_string(), digest).is_some() {
                return Err(Error::invalid_input(format!(
                    "SHA256SUMS names {name} twice"
                )));
            }
        }
        Ok(Sha256Sums { entries })
    }

    /// The document's text, sorted by file name, as `shasum -a 256` writes it.
    pub fn to_text(&self) -> String {
        self.entries
            .iter()
            .map(|(name, d)| format!("{}  {name}\n", d.hex()))
            .collect()
    }

    /// The digest listed for `name`.
    pub fn digest_of(&self, name: &str) -> Option<&Sha256Digest> {
        self.entries.get(name)
    }

    /// Every file and its digest, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Sha256Digest)> {
        self.entries.iter().map(|(n, d)| (n.as_str(), d))
    }
}

/// `zh:` and the zip's SHA-256 in hex: how lock files name the archive.
pub fn zh_hash(zip: &[u8]) -> String {
    format!("zh:{}", Sha256Digest::of(zip).hex())
}

/// `h1:` of a provider zip: Go's `dirhash.HashZip` with `Hash1`, over
/// every entry's name and contents. The zip is read, never unpacked to
/// disk; past [`MAX_UNPACKED_BYTES`] it is refused.
pub fn h1_hash(zip: &[u8]) -> Result<String> {
    h1_hash_of(std::io::Cursor::new(zip))
}

/// [`h1_hash`] of a zip read from `reader` (a spooled upload on disk).
pub fn h1_hash_of(reader: impl Read + std::io::Seek) -> Result<String> {
    let mut archive = zip::ZipArchive::new(reader)
        .map_err(|e| Error::invalid_input(format!("not a zip archive: {e}")))?;
    let mut manifest = Vec::with_capacity(archive.len());
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| Error::invalid_input(format!("zip entry {i}: {e}")))?;
        let name = entry
            .name()
            .map_err(|e| Error::invalid_input(format!("zip entry {i}: {e}")))?
            .to_string();
        let mut hasher = Sha256Hasher::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| Error::invalid_input(format!("zip entry {name}: {e}")))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_UNPACKED_BYTES {
                return Err(Error::new(
                    registry_core::ErrorKind::TooLarge,
                    format!("the zip unpacks to more than {MAX_UNPACKED_BYTES} bytes"),
                ));
            }
            hasher.update(&buf[..n]);
        }
        let size = hasher.len();
        manifest.push(FileDigest {
            path: name,
            size,
            sha256: hasher.finish(),
        });
    }
    Hash1.tree_hash(&manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in files {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn h1_is_go_dirhash_over_the_zip_contents() {
        let zip = zip_of(&[
            ("terraform-provider-null_v2.1.2_x4", b"binary"),
            ("LICENSE", b"text"),
        ]);
        // dirhash.Hash1: sha256 over sorted "%x  %s\n" lines, base64.
        let lines = format!(
            "{}  LICENSE\n{}  terraform-provider-null_v2.1.2_x4\n",
            hex::encode(sha2::Sha256::digest(b"text")),
            hex::encode(sha2::Sha256::digest(b"binary"))
        );
        use base64::Engine as _;
        let want = format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(lines))
        );
        assert_eq!(h1_hash(&zip).unwrap(), want);
        assert_eq!(
            zh_hash(&zip),
            format!("zh:{}", hex::encode(sha2::Sha256::digest(&zip)))
        );
        assert!(
            h1_hash(b"not a zip")
                .unwrap_err()
                .to_string()
                .contains("not a zip")
        );
    }

    #[test]
    fn sums_round_trip_and_bad_lines_are_named() {
        let mut s = Sha256Sums::new();
        s.insert("b.zip", Sha256Digest::of(b"b"));
        s.insert("a.zip", Sha256Digest::of(b"a"));
        let text = s.to_text();
        assert!(text.starts_with(&format!("{}  a.zip\n", Sha256Digest::of(b"a").hex())));
        assert_eq!(Sha256Sums::parse(&text).unwrap(), s);
        let upper = text
            .to_uppercase()
            .replace(".ZIP", ".zip")
            .replace("A.zip", "a.zip")
            .replace("B.zip", "b.zip");
        assert_eq!(Sha256Sums::parse(&upper).unwrap(), s);
        for (bad, says) in [
            ("abc  a.zip\n", "line 1"),
            (&format!("{}\n", "a".repeat(64)), "line 1"),
            (&format!("{}  ../a.zip\n", "a".repeat(64)), "line 1"),
            (
                &format!("{h}  a.zip\n{h}  a.zip\n", h = "a".repeat(64)),
                "twice",
            ),
        ] {
            let e = Sha256Sums::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn names_and_platforms() {
        let p = Platform::new("linux", "amd64").unwrap();
        assert_eq!(
            zip_name("null", "2.1.2", &p),
            "terraform-provider-null_2.1.2_linux_amd64.zip"
        );
        assert_eq!(
            signature_name("null", "2.1.2"),
            "terraform-provider-null_2.1.2_SHA256SUMS.sig"
        );
        assert_eq!(
            platform_of(
                "terraform-provider-null_2.1.2_darwin_arm64.zip",
                "null",
                "2.1.2"
            ),
            Some(Platform::new("darwin", "arm64").unwrap())
        );
        assert_eq!(
            platform_of(
                "terraform-provider-null_2.1.3_linux_amd64.zip",
                "null",
                "2.1.2"
            ),
            None
        );
        assert!(Platform::new("Linux", "amd64").is_err());
        assert!(Platform::new("linux", "../x").is_err());
    }
}
