//! # registry-storage
//!
//! Durable storage for the module registry: metadata in SQLite (the embedded
//! default) or PostgreSQL via sqlx with embedded migrations, archives in any
//! `object_store` backend (local folder, memory, S3, Azure Blob, GCS),
//! content-addressed by sha256, and a two-tier cache (in-process `moka`, plus
//! Redis shared between server processes). Each backend sits behind a cargo
//! feature of the same name; the defaults (`sqlite`, `fs`) give the embedded
//! registry with nothing to install.
//!
//! ```
//! use registry_storage::{open_storage, StorageConfig};
//! use registry_core::ModuleStorage;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> registry_core::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let opened = open_storage(&StorageConfig::embedded(dir.path())).await?;
//! let versions = opened.stack.versions(&"acme/vpc/aws".parse()?).await?;
//! assert!(versions.is_empty());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod blob;
pub mod cache;
mod config;
mod error;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod open;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "fs"))]
mod private_dir;
mod sealer;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;

pub use blob::{BlobUrl, ObjectBlobStore, open_blob_url};
pub use cache::MemoryCache;
pub use config::StorageConfig;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use open::{OpenedStorage, default_database_url, open_storage};
pub use sealer::{KeySealer, SECRETS_KEY_FILE};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::{AbortOnDrop, CHANGE_CHANNEL, SchemaStatus, SqlMetadataStore};
