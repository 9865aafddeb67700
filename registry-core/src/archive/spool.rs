//! Receive an archive as a stream: hash it and enforce the size limit as it
//! arrives, keeping small archives in memory and spooling large ones to disk.

use std::path::Path;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use super::body::{ArchiveBody, SpoolFile};
use crate::digest::{Sha256Digest, Sha256Hasher};
use crate::error::{Error, ErrorKind, Result};

/// Archives up to this size stay in memory; larger ones go to a temporary file.
pub(crate) const MEMORY_SPOOL_LIMIT: usize = 8 * 1024 * 1024;

/// An archive received in full: its body, sha256 and size.
#[derive(Debug, Clone)]
pub struct SpooledArchive {
    /// The bytes, in memory or on disk.
    pub body: ArchiveBody,
    /// sha256 of the bytes.
    pub sha256: Sha256Digest,
    /// Size in bytes.
    pub size: u64,
}

fn too_large(max: u64) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("archive exceeds the compressed size limit of {max} bytes"),
    )
    .with_context("limit", "max_compressed_bytes")
}

/// Take an archive already in memory.
pub fn spool_bytes(bytes: Bytes, max_compressed: u64) -> Result<SpooledArchive> {
    if bytes.len() as u64 > max_compressed {
        return Err(too_large(max_compressed));
    }
    Ok(SpooledArchive {
        sha256: Sha256Digest::of(&bytes),
        size: bytes.len() as u64,
        body: ArchiveBody::Memory(bytes),
    })
}

/// Receive a stream of chunks. Fails with [`ErrorKind::TooLarge`] as soon as
/// more than `max_compressed` bytes arrive; a failed or aborted stream leaves
/// nothing behind (the temporary file is removed).
pub async fn spool_stream<S, E>(
    mut stream: S,
    tmp_dir: Option<&Path>,
    max_compressed: u64,
) -> Result<SpooledArchive>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin + Send,
    E: Into<Error>,
{
    let mut hasher = Sha256Hasher::new();
    let mut mem = BytesMut::new();
    let mut file: Option<(tokio::fs::File, tempfile::TempPath)> = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(Into::into)?;
        hasher.update(&chunk);
        if hasher.len() > max_compressed {
            return Err(too_large(max_compressed));
        }
        match &mut file {
            Some((f, _)) => f.write_all(&chunk).await?,
            None if mem.len() + chunk.len() <= MEMORY_SPOOL_LIMIT => mem.extend_from_slice(&chunk),
            None => {
                let named = match tmp_dir {
                    Some(d) => {
                        tokio::fs::create_dir_all(d).await?;
                        tempfile::Builder::new().prefix("upload-").tempfile_in(d)?
                    }
                    None => tempfile::Builder::new().prefix("upload-").tempfile()?,
                };
                let (std_file, path) = named.into_parts();
                let mut f = tokio::fs::File::from_std(std_file);
                f.write_all(&mem).await?;
                f.write_all(&chunk).await?;
                mem = BytesMut::new();
                file = Some((f, path));
            }
        }
    }
    let size = hasher.len();
    let sha256 = hasher.finish();
    let body = match file {
        Some((mut f, path)) => {
            f.flush().await?;
            f.sync_all().await?;
            ArchiveBody::File(Arc::new(SpoolFile { path, len: size }))
        }
        None => ArchiveBody::Memory(mem.freeze()),
    };
    Ok(SpooledArchive { body, sha256, size })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    fn chunks(n: usize, size: usize) -> impl Stream<Item = Result<Bytes>> + Unpin + Send {
        stream::iter((0..n).map(move |i| Ok(Bytes::from(vec![i as u8; size]))))
    }

    #[tokio::test]
    async fn small_archives_stay_in_memory() {
        let s = spool_stream(chunks(3, 10), None, 1000).await.unwrap();
        assert!(matches!(s.body, ArchiveBody::Memory(_)));
        assert_eq!(s.size, 30);
        let all = s.body.to_bytes().await.unwrap();
        assert_eq!(s.sha256, Sha256Digest::of(&all));
    }

    #[tokio::test]
    async fn large_archives_spool_to_disk_and_stream_back() {
        let dir = tempfile::tempdir().unwrap();
        let s = spool_stream(chunks(40, 300 * 1024), Some(dir.path()), u64::MAX)
            .await
            .unwrap();
        let path = match &s.body {
            ArchiveBody::File(f) => f.path().to_path_buf(),
            _ => panic!("expected a spooled file"),
        };
        assert!(path.exists());
        let mut streamed = Vec::new();
        let mut st = s.body.stream();
        while let Some(c) = st.next().await {
            streamed.extend_from_slice(&c.unwrap());
        }
        assert_eq!(streamed.len() as u64, s.size);
        assert_eq!(Sha256Digest::of(&streamed), s.sha256);
        drop(st);
        drop(s);
        assert!(!path.exists(), "spool file is removed on drop");
    }

    #[tokio::test]
    async fn over_limit_fails_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let e = spool_stream(chunks(40, 300 * 1024), Some(dir.path()), 9 * 1024 * 1024)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
