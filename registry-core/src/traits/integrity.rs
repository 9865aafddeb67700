//! Hashing the unpacked module tree and checking signatures.

use std::fmt::Debug;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::address::ModuleAddress;
use crate::archive::FileDigest;
use crate::digest::Sha256Digest;
use crate::error::{Error, ErrorKind, Result};
use crate::version::Version;

/// Computes the hash of an unpacked module tree from its file manifest.
pub trait TreeHasher: Send + Sync + Debug + 'static {
    /// The tree hash, with its scheme prefix (`h1:...`).
    fn tree_hash(&self, manifest: &[FileDigest]) -> Result<String>;
}

/// Go's `dirhash.Hash1`, as Go modules and Terraform provider locks use it:
/// sha256 over the sorted lines `"<hex sha256>  <path>\n"`, base64, `h1:` prefix.
///
/// ```
/// use registry_core::{FileDigest, Hash1, Sha256Digest, TreeHasher};
/// let files = ["abc", "xyz"].map(|n| FileDigest {
///     path: n.into(),
///     size: 12,
///     sha256: Sha256Digest::of(format!("data for {n}").as_bytes()),
/// });
/// assert_eq!(Hash1.tree_hash(&files).unwrap(), "h1:EP6WfDoQTSk9klnxcjriWJOGztueJUywHNmWeq+efB8=");
/// assert_eq!(Hash1.tree_hash(&[]).unwrap(), "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Hash1;

impl TreeHasher for Hash1 {
    fn tree_hash(&self, manifest: &[FileDigest]) -> Result<String> {
        let mut files: Vec<&FileDigest> = manifest.iter().collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut h = Sha256::new();
        for f in files {
            if f.path.contains('\n') {
                return Err(Error::invalid_input(format!(
                    "file name {:?} contains a newline",
                    f.path
                )));
            }
            h.update(format!("{}  {}\n", f.sha256.hex(), f.path).as_bytes());
        }
        Ok(format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(h.finalize())
        ))
    }
}

/// The facts a module signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedManifest {
    /// The module address.
    pub address: ModuleAddress,
    /// The version.
    pub version: Version,
    /// sha256 of the archive.
    pub sha256: Sha256Digest,
    /// h1 of the unpacked tree.
    pub h1: String,
}

impl SignedManifest {
    /// The canonical text that is signed: four `\n`-terminated lines.
    pub fn canonical(&self) -> String {
        format!(
            "address {}\nversion {}\nsha256 {}\nh1 {}\n",
            self.address, self.version, self.sha256, self.h1
        )
    }
}

/// The outcome of a signature check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum SignatureStatus {
    /// No signature was given and none is required.
    Unsigned,
    /// The signature verified with the named key.
    Verified {
        /// The key id that verified it.
        key_id: String,
    },
}

/// Checks a publish's signature against the namespace's trusted keys.
#[async_trait::async_trait]
pub trait SignatureVerifier: Send + Sync + Debug + 'static {
    /// Check `signature` (if any) over `manifest`. An [`ErrorKind::Integrity`]
    /// error when it does not verify or when the namespace requires one and none is given.
    async fn verify(
        &self,
        manifest: &SignedManifest,
        signature: Option<&str>,
    ) -> Result<SignatureStatus>;
}

/// A public key trusted to sign a namespace's modules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedKey {
    /// Namespace (lowercase), or `*`.
    pub namespace: String,
    /// Key id (16 upper-case hex digits, as minisign shows it).
    pub key_id: String,
    /// The public key (minisign base64 line, `RW…`).
    pub public_key: String,
    /// When it was added.
    pub added_at: chrono::DateTime<chrono::Utc>,
    /// After this it no longer verifies new publishes.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Where trusted keys and per-namespace signing policy live.
#[async_trait::async_trait]
pub trait SigningKeyStore: Send + Sync + Debug + 'static {
    /// Trust a key for a namespace (several keys at once allow rotation).
    async fn add_key(&self, key: &TrustedKey) -> Result<()>;
    /// Stop trusting a key in a namespace.
    async fn remove_key(&self, namespace: &str, key_id: &str) -> Result<()>;
    /// Change when a trusted key stops being trusted (`None`: never);
    /// `NotFound` when it is not trusted for the namespace.
    async fn set_key_expiry(
        &self,
        namespace: &str,
        key_id: &str,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<()>;
    /// Keys trusted for a namespace (its own and `*`).
    async fn keys_for(&self, namespace: &str) -> Result<Vec<TrustedKey>>;
    /// Every trusted key.
    async fn all_keys(&self) -> Result<Vec<TrustedKey>>;
}

/// Requires no signatures and refuses to store one it cannot check.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSignatures;

#[async_trait::async_trait]
impl SignatureVerifier for NoSignatures {
    async fn verify(
        &self,
        _m: &SignedManifest,
        signature: Option<&str>,
    ) -> Result<SignatureStatus> {
        match signature {
            None => Ok(SignatureStatus::Unsigned),
            Some(_) => Err(Error::new(
                ErrorKind::Unsupported,
                "a signature was given but no trusted keys are configured",
            )),
        }
    }
}
