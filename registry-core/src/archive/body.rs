//! Archive bodies: bytes in memory, or a spooled file on disk.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use tokio::io::AsyncReadExt;

use crate::error::{Error, Result};

/// The bytes of a module archive, held in memory or in a temporary file that
/// is removed when the last clone is dropped. Cheap to clone.
#[derive(Clone)]
pub enum ArchiveBody {
    /// In memory.
    Memory(Bytes),
    /// Spooled to a temporary file.
    File(Arc<SpoolFile>),
}

/// A temporary file holding a spooled archive; deleted on drop.
pub struct SpoolFile {
    pub(crate) path: tempfile::TempPath,
    pub(crate) len: u64,
}

impl SpoolFile {
    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Debug for SpoolFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpoolFile")
            .field("path", &self.path.to_string_lossy())
            .field("len", &self.len)
            .finish()
    }
}

impl fmt::Debug for ArchiveBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchiveBody::Memory(b) => write!(f, "ArchiveBody::Memory({} bytes)", b.len()),
            ArchiveBody::File(s) => write!(f, "ArchiveBody::File({s:?})"),
        }
    }
}

impl From<Bytes> for ArchiveBody {
    fn from(b: Bytes) -> Self {
        ArchiveBody::Memory(b)
    }
}

impl From<Vec<u8>> for ArchiveBody {
    fn from(b: Vec<u8>) -> Self {
        ArchiveBody::Memory(b.into())
    }
}

/// Size of the chunks a file-backed body is streamed in.
pub const STREAM_CHUNK: usize = 256 * 1024;

impl ArchiveBody {
    /// Size in bytes.
    pub fn len(&self) -> u64 {
        match self {
            ArchiveBody::Memory(b) => b.len() as u64,
            ArchiveBody::File(s) => s.len,
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Read the whole body into memory.
    pub async fn to_bytes(&self) -> Result<Bytes> {
        match self {
            ArchiveBody::Memory(b) => Ok(b.clone()),
            ArchiveBody::File(s) => Ok(tokio::fs::read(s.path()).await?.into()),
        }
    }

    /// A blocking reader over the body (for use on a blocking thread).
    pub fn blocking_reader(&self) -> Result<Box<dyn ReadSeek>> {
        match self {
            ArchiveBody::Memory(b) => Ok(Box::new(std::io::Cursor::new(b.clone()))),
            ArchiveBody::File(s) => Ok(Box::new(std::io::BufReader::with_capacity(
                64 * 1024,
                std::fs::File::open(s.path())?,
            ))),
        }
    }

    /// The first `n` bytes (fewer if the body is shorter).
    pub async fn head(&self, n: usize) -> Result<Vec<u8>> {
        match self {
            ArchiveBody::Memory(b) => Ok(b[..n.min(b.len())].to_vec()),
            ArchiveBody::File(s) => {
                let f = tokio::fs::File::open(s.path()).await?;
                let mut buf = Vec::with_capacity(n);
                f.take(n as u64).read_to_end(&mut buf).await?;
                Ok(buf)
            }
        }
    }

    /// Stream the body in chunks without holding it whole in memory.
    pub fn stream(&self) -> BoxStream<'static, Result<Bytes>> {
        match self {
            ArchiveBody::Memory(b) => stream::once(futures::future::ready(Ok(b.clone()))).boxed(),
            ArchiveBody::File(s) => {
                let spool = s.clone();
                stream::once(async move { tokio::fs::File::open(spool.path()).await })
                    .flat_map(move |opened| match opened {
                        Err(e) => stream::once(futures::future::ready(Err(Error::from(e)))).boxed(),
                        Ok(file) => stream::unfold(Some(file), |state| async move {
                            let mut file = state?;
                            let mut buf = vec![0u8; STREAM_CHUNK];
                            match file.read(&mut buf).await {
                                Ok(0) => None,
                                Ok(n) => {
                                    buf.truncate(n);
                                    Some((Ok(Bytes::from(buf)), Some(file)))
                                }
                                Err(e) => Some((Err(Error::from(e)), None)),
                            }
                        })
                        .boxed(),
                    })
                    .boxed()
            }
        }
    }
}

/// `Read + Seek + Send`, for zip archives which need to seek.
pub trait ReadSeek: Read + std::io::Seek + Send {}
impl<T: Read + std::io::Seek + Send> ReadSeek for T {}
