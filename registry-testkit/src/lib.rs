//! # registry-testkit
//!
//! Conformance suites every backend of every core trait must pass (plain
//! async functions over trait objects, as object_store's `integration.rs`
//! does), fixtures to build modules, and helpers for backend tests that need
//! a live service. With the `engine` feature: [`tftest`], the `.tftest.hcl`
//! engine (core's `TestRunner`), and [`validate`], the validation rules
//! that read configuration as the engine does.
//!
//! ```
//! use std::sync::Arc;
//! use registry_core::{memory::*, StorageStack};
//! use registry_testkit::conformance::storage::{run_all, StorageHarness};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let blobs = Arc::new(MemoryBlobStore::new());
//! let stack = StorageStack::new(Arc::new(MemoryMetadataStore::new()), blobs.clone());
//! let harness = StorageHarness::new(Arc::new(stack), blobs);
//! run_all(&harness).await;
//! # }
//! ```
#![warn(missing_docs)]

pub mod conformance;
pub mod env;
pub mod fixtures;
pub mod mocks;
#[cfg(feature = "engine")]
pub mod tftest;
#[cfg(feature = "engine")]
pub mod validate;
