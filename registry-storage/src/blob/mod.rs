//! Content-addressed archive blobs on any `object_store` backend.

mod encrypted;
mod url;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use bytes::BytesMut;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use registry_core::{ArchiveBody, BlobInfo, BlobStore, Error, ErrorKind, Result, Sha256Digest};

use crate::error::from_object_store;

pub use self::encrypted::{EncryptedBlobStore, MasterKey, UnkeyedBlobStore, parse_keys};
pub(crate) use self::encrypted::{open_with, seal_with};
pub use self::url::{BlobUrl, open_blob_url};

/// Bodies at least this large are uploaded in parts rather than held whole in memory.
const MULTIPART_THRESHOLD: u64 = 8 * 1024 * 1024;

/// Size of each uploaded part (S3 requires at least 5 MiB for all but the last).
const PART_SIZE: usize = 8 * 1024 * 1024;

/// A [`BlobStore`] over an [`ObjectStore`]: each archive is stored once under
/// `<prefix>/sha256/<first two hex digits>/<hex digest>`.
#[derive(Debug, Clone)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    backend: &'static str,
}

impl ObjectBlobStore {
    /// Wrap an object store; `backend` names it in errors (`fs`, `s3`, ...).
    pub fn new(
        store: Arc<dyn ObjectStore>,
        prefix: impl Into<Path>,
        backend: &'static str,
    ) -> Self {
        ObjectBlobStore {
            store,
            prefix: prefix.into(),
            backend,
        }
    }

    /// The underlying object store.
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The backend name.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Where a digest's blob lives.
    pub fn path_of(&self, digest: &Sha256Digest) -> Path {
        let hex = digest.hex();
        self.prefix
            .clone()
            .join("sha256")
            .join(&hex[..2])
            .join(hex.as_str())
    }

    fn err(&self, what: &str, e: object_store::Error) -> Error {
        from_object_store(self.backend, what, e)
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, digest: &Sha256Digest, body: &ArchiveBody) -> Result<()> {
        // Always written, even when the blob exists: the bytes are the same
        // (content-addressed), it saves a round trip on every new archive, and
        // a fresh modification time keeps a re-published blob inside the
        // garbage collector's grace period.
        let path = self.path_of(digest);
        match body {
            ArchiveBody::File(_) if body.len() >= MULTIPART_THRESHOLD => {
                let mut upload = self
                    .store
                    .put_multipart(&path)
                    .await
                    .map_err(|e| self.err("multipart upload start", e))?;
                let mut buf = BytesMut::new();
                let mut chunks = body.stream();
                loop {
                    let next = chunks.next().await;
                    let done = next.is_none();
                    match next {
                        Some(Err(e)) => {
                            let _ = upload.abort().await;
                            return Err(e);
                        }
                        Some(Ok(c)) => buf.extend_from_slice(&c),
                        None => {}
                    }
                    if buf.len() >= PART_SIZE || (done && !buf.is_empty()) {
                        let part = PutPayload::from(buf.split().freeze());
                        if let Err(e) = upload.put_part(part).await {
                            let _ = upload.abort().await;
                            return Err(self.err("multipart upload part", e));
                        }
                    }
                    if done {
                        break;
                    }
                }
                upload
                    .complete()
                    .await
                    .map_err(|e| self.err("multipart upload finish", e))?;
            }
            _ => {
                let bytes = body.to_bytes().await?;
                self.store
                    .put(&path, PutPayload::from(bytes))
                    .await
                    .map_err(|e| self.err("put", e))?;
            }
        }
        Ok(())
    }

    async fn get(&self, digest: &Sha256Digest) -> Result<Bytes> {
        let path = self.path_of(digest);
        let result = self
            .store
            .get(&path)
            .await
            .map_err(|e| self.err("get", e))?;
        result.bytes().await.map_err(|e| self.err("get", e))
    }

    async fn exists(&self, digest: &Sha256Digest) -> Result<bool> {
        match self.store.head(&self.path_of(digest)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.err("head", e)),
        }
    }

    async fn delete(&self, digest: &Sha256Digest) -> Result<()> {
        match self.store.delete(&self.path_of(digest)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.err("delete", e)),
        }
    }

    async fn list(&self) -> Result<Vec<BlobInfo>> {
        let prefix = self.prefix.clone().join("sha256");
        let metas: Vec<_> = self
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|e| self.err("list", e))?;
        let mut out = Vec::with_capacity(metas.len());
        for m in metas {
            let Some(name) = m.location.filename() else {
                continue;
            };
            // Skip anything that is not one of ours (temporary upload files, strays).
            let Ok(digest) = name.parse::<Sha256Digest>() else {
                continue;
            };
            out.push(BlobInfo {
                digest,
                size: m.size,
                last_modified: m.last_modified,
            });
        }
        Ok(out)
    }
}

/// Fail with a clear message when a feature needed for a URL scheme is off.
#[allow(dead_code)] // unused when every backend feature is on
pub(crate) fn feature_off(scheme: &str, feature: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!("blob URL scheme {scheme:?} needs registry-storage's `{feature}` feature"),
    )
}
