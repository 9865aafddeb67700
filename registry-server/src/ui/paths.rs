//! What a UI path names, checked once by the API's own extractors; a
//! malformed address is shown as a page rather than a JSON error.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use registry_core::{Error, ModuleAddress, ModuleId};

use crate::http::extract::{ModulePath, NamespacePath, VersionPath};
use crate::state::AppState;
use crate::ui::UiError;

/// The module (`{ns}/{name}/{system}`) a page's path names.
#[derive(Debug, Clone)]
pub struct PageModule(pub ModuleAddress);

impl FromRequestParts<AppState> for PageModule {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, UiError> {
        let ModulePath(a) = ModulePath::from_request_parts(parts, state).await?;
        Ok(PageModule(a))
    }
}

/// The version (`{ns}/{name}/{system}/{version}`) a page's path names.
#[derive(Debug, Clone)]
pub struct PageVersion(pub ModuleId);

impl FromRequestParts<AppState> for PageVersion {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, UiError> {
        let VersionPath(id) = VersionPath::from_request_parts(parts, state).await?;
        Ok(PageVersion(id))
    }
}

/// The namespace (`{ns}`) a page's path names.
#[derive(Debug, Clone)]
pub struct PageNamespace(pub String);

impl FromRequestParts<AppState> for PageNamespace {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, UiError> {
        let NamespacePath(ns) = NamespacePath::from_request_parts(parts, state).await?;
        Ok(PageNamespace(ns))
    }
}

/// The rest of a page's path after the version: `{*path}` (a file, a
/// submodule, an example) or `{range}` (a diff).
#[derive(Debug, Clone)]
pub struct PageRest(pub String);

impl FromRequestParts<AppState> for PageRest {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, UiError> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| Error::invalid_input(format!("invalid path: {}", e.body_text())))?;
        let rest = params
            .get("path")
            .or_else(|| params.get("range"))
            .cloned()
            .unwrap_or_default();
        Ok(PageRest(rest))
    }
}
