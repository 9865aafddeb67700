//! # registry-server
//!
//! The registry's network face, as a library other services mount, and the
//! assembly of a complete [`registry_core::Registry`] from configuration
//! ([`open_registry`]): the embedded default is SQLite and a blob folder in
//! one data directory, with nothing to install.
#![warn(missing_docs)]

mod assembly;
pub mod grant;
#[cfg(feature = "grpc")]
pub mod grpc;
pub mod http;
pub mod limits;
pub mod metrics;
mod serve;

pub use assembly::{
    ChangeFollower, OpenedRegistry, RegistryConfig, catch_up, open_registry, open_registry_with,
};
pub use limits::{LimitClass, Limiter, RateLimit, RateLimits};
pub use serve::{CHANGE_POLL, RunningServer, ServeConfig, install_crypto_provider, start};

/// The README's code examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
