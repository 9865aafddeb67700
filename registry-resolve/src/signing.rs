//! Module signatures in minisign's format.
//!
//! The signed text is the canonical manifest (`address …`, `version …`,
//! `sha256 …`, `h1 …`, each line ending in `\n`), signed with Ed25519 over its
//! BLAKE2b-512 prehash; the trusted comment carries the address and version
//! (`timestamp:<unix>\tmodule:<address>\tversion:<version>`), so a signature
//! cannot be replayed onto another module or version. `minisign -V -m
//! manifest.txt -x manifest.txt.minisig -P <key>` checks the same files.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use registry_core::{
    Error, ErrorKind, Result, SignatureStatus, SignatureVerifier, SignedManifest, SigningKeyStore,
};

/// A new key pair in minisign's text formats.
pub struct GeneratedKey {
    /// Key id (16 upper-case hex digits).
    pub key_id: String,
    /// The public key line (`RW…`), what registries trust.
    pub public_key: String,
    /// The `minisign.pub` file contents.
    pub public_key_file: String,
    /// The unencrypted secret key file contents (keep it secret).
    pub secret_key_file: String,
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("key_id", &self.key_id)
            .field("public_key", &self.public_key)
            .field("secret_key_file", &"***")
            .finish()
    }
}

fn key_id_of(keynum: &[u8]) -> String {
    let mut b = [0u8; 8];
    b.copy_from_slice(&keynum[..8.min(keynum.len())]);
    format!("{:016X}", u64::from_le_bytes(b))
}

fn sign_err(e: impl fmt::Display) -> Error {
    Error::invalid_input(format!("signing failed: {e}"))
}

/// Generate an unencrypted minisign key pair.
pub fn generate_key() -> Result<GeneratedKey> {
    let kp = minisign::KeyPair::generate_unencrypted_keypair().map_err(sign_err)?;
    Ok(GeneratedKey {
        key_id: key_id_of(kp.pk.keynum()),
        public_key: kp.pk.to_base64(),
        public_key_file: kp.pk.to_box().map_err(sign_err)?.to_string(),
        secret_key_file: kp
            .sk
            .to_box(Some("registry module signing key"))
            .map_err(sign_err)?
            .to_string(),
    })
}

/// The trusted comment bound to a manifest.
pub fn trusted_comment(manifest: &SignedManifest, timestamp: i64) -> String {
    format!(
        "timestamp:{timestamp}\tmodule:{}\tversion:{}",
        manifest.address, manifest.version
    )
}

/// Sign a manifest with an unencrypted secret key file's contents; returns
/// the `.minisig` text.
pub fn sign_manifest(secret_key_file: &str, manifest: &SignedManifest) -> Result<String> {
    let boxed = minisign::SecretKeyBox::from_string(secret_key_file).map_err(sign_err)?;
    let sk = minisign::SecretKey::from_unencrypted_box(boxed).map_err(sign_err)?;
    let pk = minisign::PublicKey::from_secret_key(&sk).map_err(sign_err)?;
    let comment = trusted_comment(manifest, chrono::Utc::now().timestamp());
    let untrusted = format!("signature from registry key {}", key_id_of(pk.keynum()));
    let data = manifest.canonical();
    let sig = minisign::sign(
        Some(&pk),
        &sk,
        data.as_bytes(),
        Some(comment.as_str()),
        Some(untrusted.as_str()),
    )
    .map_err(sign_err)?;
    Ok(sig.into_string())
}

/// The key id a `.minisig` text was made with.
pub fn signature_key_id(minisig: &str) -> Result<String> {
    use base64::Engine as _;
    let line = minisig.lines().nth(1).ok_or_else(|| {
        Error::invalid_input("malformed signature: expected minisign's four lines")
    })?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(line.trim())
        .map_err(|_| {
            Error::invalid_input("malformed signature: the signature line is not base64")
        })?;
    if raw.len() != 74 {
        return Err(Error::invalid_input(
            "malformed signature: wrong signature length",
        ));
    }
    Ok(key_id_of(&raw[2..10]))
}

/// Check a `.minisig` over a manifest with one public key (`RW…` line).
/// `Integrity` when it does not verify or its trusted comment names another
/// module or version.
pub fn verify_manifest(public_key: &str, minisig: &str, manifest: &SignedManifest) -> Result<()> {
    let pk = minisign_verify::PublicKey::from_base64(public_key.trim())
        .map_err(|e| Error::invalid_input(format!("invalid public key: {e}")))?;
    let sig = minisign_verify::Signature::decode(minisig)
        .map_err(|e| Error::invalid_input(format!("malformed signature: {e}")))?;
    pk.verify(manifest.canonical().as_bytes(), &sig, false)
        .map_err(|e| {
            Error::new(
                ErrorKind::Integrity,
                format!(
                    "the signature of {} {} does not verify: {e}",
                    manifest.address, manifest.version
                ),
            )
        })?;
    let comment = sig.trusted_comment();
    let fields: Vec<&str> = comment.split('\t').collect();
    let wants_module = format!("module:{}", manifest.address);
    let wants_version = format!("version:{}", manifest.version);
    if !fields.iter().any(|f| f.eq_ignore_ascii_case(&wants_module))
        || !fields.contains(&wants_version.as_str())
    {
        return Err(Error::new(
            ErrorKind::Integrity,
            format!(
                "the signature was made for another module or version (trusted comment {comment:?})"
            ),
        ));
    }
    Ok(())
}

/// Verifies signed publishes against the trusted keys of their namespace
/// (whether a namespace requires signatures is its policy, which the
/// `Registry` checks before it asks).
#[derive(Debug, Clone)]
pub struct KeyringVerifier {
    store: Arc<dyn SigningKeyStore>,
}

impl KeyringVerifier {
    /// A verifier over a key store.
    pub fn new(store: Arc<dyn SigningKeyStore>) -> Self {
        KeyringVerifier { store }
    }
}

#[async_trait]
impl SignatureVerifier for KeyringVerifier {
    async fn verify(
        &self,
        manifest: &SignedManifest,
        signature: Option<&str>,
    ) -> Result<SignatureStatus> {
        let ns = manifest.address.namespace_key();
        let Some(sig) = signature else {
            return Ok(SignatureStatus::Unsigned);
        };
        let key_id = signature_key_id(sig)?;
        let now = chrono::Utc::now();
        let keys = self.store.keys_for(&ns).await?;
        let key = keys
            .iter()
            .find(|k| k.key_id == key_id && k.expires_at.is_none_or(|e| e > now))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Integrity,
                    format!("the signing key {key_id} is not trusted (or has expired) for namespace {:?}", manifest.address.namespace()),
                )
            })?;
        verify_manifest(&key.public_key, sig, manifest)?;
        Ok(SignatureStatus::Verified { key_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use registry_core::{Sha256Digest, Version};

    fn manifest(addr: &str, v: &str) -> SignedManifest {
        SignedManifest {
            address: addr.parse().unwrap(),
            version: Version::parse(v).unwrap(),
            sha256: Sha256Digest::of(b"archive"),
            h1: "h1:abc=".into(),
        }
    }

    #[test]
    fn sign_then_verify_and_refuse_replays() {
        let key = generate_key().unwrap();
        assert_eq!(key.key_id.len(), 16);
        let m = manifest("acme/vpc/aws", "1.0.0");
        assert_eq!(
            m.canonical(),
            format!(
                "address acme/vpc/aws\nversion 1.0.0\nsha256 {}\nh1 h1:abc=\n",
                Sha256Digest::of(b"archive")
            )
        );
        let sig = sign_manifest(&key.secret_key_file, &m).unwrap();
        assert_eq!(signature_key_id(&sig).unwrap(), key.key_id);
        verify_manifest(&key.public_key, &sig, &m).unwrap();
        // Another version or module: the manifest differs, so the signature fails.
        for other in [
            manifest("acme/vpc/aws", "1.0.1"),
            manifest("acme/other/aws", "1.0.0"),
        ] {
            let e = verify_manifest(&key.public_key, &sig, &other).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Integrity);
        }
        let stranger = generate_key().unwrap();
        assert!(verify_manifest(&stranger.public_key, &sig, &m).is_err());
        assert!(!format!("{key:?}").contains(&key.secret_key_file));
    }
}
