//! Envelope encryption of archives at rest (AES-256-GCM).
//!
//! Each blob gets a fresh random data key; the archive is sealed with it and
//! the data key is sealed with the newest master key. The blob starts with a
//! header naming the master key by id, so old blobs stay readable after a
//! rotation without being rewritten:
//!
//! ```text
//! "RGE1" | key id (8) | wrap nonce (12) | wrapped data key (48) | data nonce (12) | ciphertext + tag
//! ```
//!
//! Blobs stay addressed by the sha256 of the plaintext, and the storage
//! verifies that digest after decryption, so tampering is caught twice.

use std::fmt;
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use async_trait::async_trait;
use base64::Engine as _;
use bytes::Bytes;
use rand::RngCore;
use registry_core::{ArchiveBody, BlobInfo, BlobStore, Error, ErrorKind, Result, Sha256Digest};

const MAGIC: &[u8; 4] = b"RGE1";
const HEADER: usize = 4 + 8 + 12 + 48 + 12;

/// A 32-byte master key and its id (the first 8 bytes of its sha256).
#[derive(Clone)]
pub struct MasterKey {
    id: [u8; 8],
    cipher: Aes256Gcm,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({})", hex::encode(self.id))
    }
}

impl MasterKey {
    /// A key from 32 raw bytes.
    pub fn new(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(Error::invalid_input(format!(
                "encryption keys must be 32 bytes, got {}",
                bytes.len()
            )));
        }
        let digest = Sha256Digest::of(bytes);
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest.as_bytes()[..8]);
        Ok(MasterKey {
            id,
            cipher: Aes256Gcm::new_from_slice(bytes)
                .map_err(|_| Error::invalid_input("bad key"))?,
        })
    }

    /// The key's id, in hex.
    pub fn id_hex(&self) -> String {
        hex::encode(self.id)
    }
}

/// Parse keys given as base64 text separated by commas, spaces or newlines
/// (`REGISTRY_ENCRYPTION_KEYS`, or a key file); the first encrypts new blobs.
pub fn parse_keys(text: &str) -> Result<Vec<MasterKey>> {
    let keys: Vec<MasterKey> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, s)| {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| {
                    Error::invalid_input(format!("encryption key #{} is not base64", i + 1))
                })?;
            MasterKey::new(&raw).map_err(|e| {
                Error::invalid_input(format!("encryption key #{}: {}", i + 1, e.message()))
            })
        })
        .collect::<Result<_>>()?;
    if keys.is_empty() {
        return Err(Error::invalid_input("no encryption keys given"));
    }
    Ok(keys)
}

/// A blob store that encrypts what it writes and decrypts what it reads.
#[derive(Clone)]
pub struct EncryptedBlobStore {
    inner: Arc<dyn BlobStore>,
    keys: Arc<Vec<MasterKey>>,
}

impl fmt::Debug for EncryptedBlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<String> = self.keys.iter().map(MasterKey::id_hex).collect();
        f.debug_struct("EncryptedBlobStore")
            .field("inner", &self.inner)
            .field("key_ids", &ids)
            .finish()
    }
}

fn integrity(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Integrity, msg)
}

impl EncryptedBlobStore {
    /// Wrap `inner`; `keys[0]` encrypts new blobs, every key decrypts.
    pub fn new(inner: Arc<dyn BlobStore>, keys: Vec<MasterKey>) -> Result<Self> {
        if keys.is_empty() {
            return Err(Error::invalid_input(
                "at least one encryption key is needed",
            ));
        }
        Ok(EncryptedBlobStore {
            inner,
            keys: Arc::new(keys),
        })
    }

    fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        seal_with(&self.keys, plaintext)
    }

    fn open(&self, blob: &[u8]) -> Result<Vec<u8>> {
        open_with(&self.keys, blob)
    }
}

/// Seal `plaintext` with a fresh data key wrapped by `keys[0]`, in the
/// format above.
pub(crate) fn seal_with(keys: &[MasterKey], plaintext: &[u8]) -> Result<Vec<u8>> {
    let master = keys
        .first()
        .ok_or_else(|| Error::invalid_input("at least one encryption key is needed"))?;
    let mut rng = rand::rng();
    let mut dek = [0u8; 32];
    let mut wrap_nonce = [0u8; 12];
    let mut data_nonce = [0u8; 12];
    rng.fill_bytes(&mut dek);
    rng.fill_bytes(&mut wrap_nonce);
    rng.fill_bytes(&mut data_nonce);
    let wrapped = master
        .cipher
        .encrypt(Nonce::from_slice(&wrap_nonce), dek.as_slice())
        .map_err(|_| Error::new(ErrorKind::Backend, "key wrapping failed"))?;
    let data_cipher = Aes256Gcm::new_from_slice(&dek)
        .map_err(|_| Error::new(ErrorKind::Backend, "bad data key"))?;
    let sealed = data_cipher
        .encrypt(Nonce::from_slice(&data_nonce), plaintext)
        .map_err(|_| Error::new(ErrorKind::Backend, "encryption failed"))?;
    let mut out = Vec::with_capacity(HEADER + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&master.id);
    out.extend_from_slice(&wrap_nonce);
    out.extend_from_slice(&wrapped);
    out.extend_from_slice(&data_nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Open what [`seal_with`] sealed with any of `keys`.
pub(crate) fn open_with(keys: &[MasterKey], blob: &[u8]) -> Result<Vec<u8>> {
    if blob.len() < HEADER || &blob[..4] != MAGIC {
        return Err(integrity(
            "stored blob is not an encrypted archive (missing header)",
        ));
    }
    let id = &blob[4..12];
    let master = keys.iter().find(|k| k.id == id).ok_or_else(|| {
        integrity(format!(
            "blob was encrypted with key {} which is not configured",
            hex::encode(id)
        ))
    })?;
    let dek = master
        .cipher
        .decrypt(Nonce::from_slice(&blob[12..24]), &blob[24..72])
        .map_err(|_| integrity("blob data key does not decrypt (tampered or wrong key)"))?;
    let data_cipher = Aes256Gcm::new_from_slice(&dek).map_err(|_| integrity("bad data key"))?;
    data_cipher
        .decrypt(Nonce::from_slice(&blob[72..84]), &blob[84..])
        .map_err(|_| integrity("blob does not decrypt (tampered)"))
}

#[async_trait]
impl BlobStore for EncryptedBlobStore {
    async fn put(&self, digest: &Sha256Digest, body: &ArchiveBody) -> Result<()> {
        // Rewritten even when present, as the inner store does (fresh time for GC).
        let plain = body.to_bytes().await?;
        let sealed = self.seal(&plain)?;
        self.inner.put(digest, &ArchiveBody::from(sealed)).await
    }

    async fn get(&self, digest: &Sha256Digest) -> Result<Bytes> {
        let blob = self.inner.get(digest).await?;
        Ok(Bytes::from(self.open(&blob)?))
    }

    async fn exists(&self, digest: &Sha256Digest) -> Result<bool> {
        self.inner.exists(digest).await
    }

    async fn delete(&self, digest: &Sha256Digest) -> Result<()> {
        self.inner.delete(digest).await
    }

    async fn list(&self) -> Result<Vec<BlobInfo>> {
        self.inner.list().await
    }
}

/// The blob store of a registry configured without encryption keys: it
/// reads blobs as they are, but recognises an encrypted envelope and says
/// that its key is missing (naming the key id) instead of letting the
/// bytes fail their digest as if corrupt.
#[derive(Debug, Clone)]
pub struct UnkeyedBlobStore {
    inner: Arc<dyn BlobStore>,
}

impl UnkeyedBlobStore {
    /// Wrap `inner`.
    pub fn new(inner: Arc<dyn BlobStore>) -> Self {
        UnkeyedBlobStore { inner }
    }
}

#[async_trait]
impl BlobStore for UnkeyedBlobStore {
    async fn put(&self, digest: &Sha256Digest, body: &ArchiveBody) -> Result<()> {
        self.inner.put(digest, body).await
    }

    async fn get(&self, digest: &Sha256Digest) -> Result<Bytes> {
        let blob = self.inner.get(digest).await?;
        // Archives start with gzip's or zip's magic, never with ours.
        if blob.len() >= HEADER && &blob[..4] == MAGIC {
            return Err(Error::new(
                ErrorKind::Misconfigured,
                format!(
                    "blob {digest} is encrypted with key {}, but no encryption keys are configured: set REGISTRY_ENCRYPTION_KEYS or --encryption-key-file",
                    hex::encode(&blob[4..12])
                ),
            ));
        }
        Ok(blob)
    }

    async fn exists(&self, digest: &Sha256Digest) -> Result<bool> {
        self.inner.exists(digest).await
    }

    async fn delete(&self, digest: &Sha256Digest) -> Result<()> {
        self.inner.delete(digest).await
    }

    async fn list(&self) -> Result<Vec<BlobInfo>> {
        self.inner.list().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use registry_core::memory::MemoryBlobStore;

    #[tokio::test]
    async fn an_encrypted_blob_read_without_keys_names_the_missing_key() {
        let raw: Arc<dyn BlobStore> = Arc::new(MemoryBlobStore::new());
        let keyed = EncryptedBlobStore::new(raw.clone(), parse_keys(&key(7)).unwrap()).unwrap();
        let plain = b"\x1f\x8b archive bytes".to_vec();
        let digest = Sha256Digest::of(&plain);
        keyed
            .put(&digest, &ArchiveBody::from(plain.clone()))
            .await
            .unwrap();
        let unkeyed = UnkeyedBlobStore::new(raw.clone());
        let e = unkeyed.get(&digest).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misconfigured);
        let id = parse_keys(&key(7)).unwrap()[0].id_hex();
        assert!(
            e.to_string().contains(&id) && e.to_string().contains("no encryption keys"),
            "{e}"
        );
        // Plain blobs pass through untouched.
        let other = Sha256Digest::of(b"plain");
        unkeyed
            .put(&other, &ArchiveBody::from(b"plain".to_vec()))
            .await
            .unwrap();
        assert_eq!(&unkeyed.get(&other).await.unwrap()[..], b"plain");
    }

    fn key(b: u8) -> String {
        base64::engine::general_purpose::STANDARD.encode([b; 32])
    }

    #[tokio::test]
    async fn round_trip_rotation_and_tamper_detection() {
        let raw = Arc::new(MemoryBlobStore::new());
        let a = EncryptedBlobStore::new(raw.clone(), parse_keys(&key(1)).unwrap()).unwrap();
        let data = b"archive bytes".to_vec();
        let d = Sha256Digest::of(&data);
        a.put(&d, &ArchiveBody::from(data.clone())).await.unwrap();
        let stored = raw.get(&d).await.unwrap();
        assert!(
            !stored.windows(data.len()).any(|w| w == data.as_slice()),
            "plaintext never hits the store"
        );
        assert_eq!(a.get(&d).await.unwrap().as_ref(), data.as_slice());

        // Rotate: a new first key; the old blob still reads, new blobs use the new key.
        let b = EncryptedBlobStore::new(
            raw.clone(),
            parse_keys(&format!("{},{}", key(2), key(1))).unwrap(),
        )
        .unwrap();
        assert_eq!(b.get(&d).await.unwrap().as_ref(), data.as_slice());
        let data2 = b"second".to_vec();
        let d2 = Sha256Digest::of(&data2);
        b.put(&d2, &ArchiveBody::from(data2.clone())).await.unwrap();
        let e = a.get(&d2).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Integrity);
        assert!(e.to_string().contains("not configured"), "{e}");

        let mut tampered = stored.to_vec();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        raw.corrupt(&d, Bytes::from(tampered));
        assert_eq!(a.get(&d).await.unwrap_err().kind(), ErrorKind::Integrity);
    }

    #[test]
    fn bad_keys_are_named_and_debug_hides_them() {
        assert!(
            parse_keys("not-base64!")
                .unwrap_err()
                .to_string()
                .contains("#1")
        );
        let short = base64::engine::general_purpose::STANDARD.encode([0u8; 16]);
        assert!(
            parse_keys(&format!("{},{short}", key(1)))
                .unwrap_err()
                .to_string()
                .contains("#2")
        );
        let store = EncryptedBlobStore::new(
            Arc::new(MemoryBlobStore::new()),
            parse_keys(&key(7)).unwrap(),
        )
        .unwrap();
        let shown = format!("{store:?}");
        assert!(!shown.contains(&key(7)), "{shown}");
    }
}
