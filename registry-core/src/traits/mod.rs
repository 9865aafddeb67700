//! The traits backends and collaborators implement.

pub mod audit;
pub mod auth;
pub mod cache;
pub mod clock;
pub mod compat;
pub mod docs;
pub mod inspect;
pub mod integrity;
pub mod observer;
pub mod policy;
pub mod providers;
pub mod repositories;
pub mod search;
pub mod sessions;
pub mod storage;
pub mod test_runner;
pub mod tokens;
pub mod trusted_publishers;
pub mod validation;
pub mod version_manager;
