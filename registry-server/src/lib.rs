//! # registry-server
//!
//! The registry's network face, as a library other services mount, and the
//! assembly of a complete [`registry_core::Registry`] from configuration
//! ([`open_registry`]): the embedded default is SQLite and a blob folder in
//! one data directory, with nothing to install.
#![warn(missing_docs)]

//!
//! | module | what |
//! |---|---|
//! | [`app`] | the whole server as one router: HTTP API and gRPC behind one guard |
//! | [`state`] | what handlers share, built with [`AppState::builder`] |
//! | [`guard`] | authentication, request ids, rate limits and refusals for every protocol |
//! | [`http`] | the HTTP API's handlers, typed views and extractors |
//! | `grpc` | the gRPC service (feature `grpc`) |
//! | [`grant`], [`limits`], [`metrics`] | archive grants, rate limits, Prometheus metrics |
//! | [`conn`] | per-connection limits: head, idle and body timeouts, most connections |
//! | [`hygiene`] | headers on every answer, JSON for bare errors, request size limits |
//! | [`trust`] | client-side TLS trust for every outbound connection (CLI and server) |

pub mod app;
mod assembly;
pub mod conn;
pub mod grant;
#[cfg(feature = "grpc")]
pub mod grpc;
pub mod guard;
pub mod http;
pub mod hygiene;
pub mod limits;
pub mod login;
pub mod metrics;
pub mod mirror;
pub mod oidc;
pub mod repos;
mod serve;
pub mod state;
#[cfg(feature = "testing")]
pub mod testing;
pub mod trust;
#[cfg(feature = "ui")]
pub mod ui;

pub use assembly::{
    ChangeFollower, OpenedRegistry, RegistryConfig, SearchLocation, catch_up, open_registry,
    open_registry_with,
};
pub use limits::{LimitClass, Limiter, RateLimit, RateLimits};
pub use serve::{
    CHANGE_POLL, DEFAULT_SESSION_TTL, RunningServer, ServeConfig, install_crypto_provider, start,
};
pub use state::{AppState, AppStateBuilder, WebSessions};

/// The README's code examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
