//! Extractors that parse and check a request's parts once, for every
//! handler: who is calling ([`Ctx`]), which module or version the path
//! names ([`ModulePath`], [`VersionPath`], [`NamespacePath`]), and query
//! strings and JSON bodies whose rejections are `{"errors": [...]}` like
//! every other error ([`ApiQuery`], [`ApiJson`]).

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use registry_core::{Error, ModuleAddress, ModuleId, RequestContext, Version, validate_namespace};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::guard;
use crate::state::AppState;

/// The request context of a call: the token the guard authenticated (or
/// anonymous), the request id and the client address.
#[derive(Debug, Clone)]
pub struct Ctx(pub RequestContext);

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if guard::guarded(&parts.extensions) {
            return Ok(Ctx(guard::context_of(&parts.extensions)));
        }
        // Without the guard in front (a router assembled by hand), authenticate here.
        guard::authenticate_unguarded(state, &parts.headers, &parts.extensions, parts.uri.path())
            .await
            .map(Ctx)
            .map_err(ApiError)
    }
}

/// A module's path segments. `host` names the registry a mirrored module
/// comes from; routes of this registry's own modules have no host segment.
#[derive(Debug, Deserialize)]
struct RawModule {
    #[serde(default)]
    host: Option<String>,
    ns: String,
    name: String,
    system: String,
}

impl RawModule {
    fn address(&self) -> Result<ModuleAddress, Error> {
        let a = ModuleAddress::new(&self.ns, &self.name, &self.system)?;
        match &self.host {
            Some(h) => a.with_host(h),
            None => Ok(a),
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawVersion {
    #[serde(default)]
    host: Option<String>,
    ns: String,
    name: String,
    system: String,
    version: String,
}

async fn path_of<T: DeserializeOwned + Send>(
    parts: &mut Parts,
    state: &AppState,
) -> Result<T, ApiError> {
    Path::<T>::from_request_parts(parts, state)
        .await
        .map(|Path(t)| t)
        .map_err(|e| {
            ApiError(Error::invalid_input(format!(
                "invalid path: {}",
                e.body_text()
            )))
        })
}

/// The module a path names (`{ns}/{name}/{system}`), checked.
#[derive(Debug, Clone)]
pub struct ModulePath(pub ModuleAddress);

impl FromRequestParts<AppState> for ModulePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let raw: RawModule = path_of(parts, state).await?;
        Ok(ModulePath(raw.address()?))
    }
}

/// The version a path names (`{ns}/{name}/{system}/{version}`), checked.
#[derive(Debug, Clone)]
pub struct VersionPath(pub ModuleId);

impl FromRequestParts<AppState> for VersionPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let raw: RawVersion = path_of(parts, state).await?;
        let address = RawModule {
            host: raw.host,
            ns: raw.ns,
            name: raw.name,
            system: raw.system,
        }
        .address()?;
        let version =
            Version::parse(&raw.version).map_err(|e| e.with_context("module", &address))?;
        Ok(VersionPath(ModuleId::new(address, version)))
    }
}

#[derive(Debug, Deserialize)]
struct RawNamespace {
    ns: String,
}

/// The namespace a path names (`{ns}`), checked.
#[derive(Debug, Clone)]
pub struct NamespacePath(pub String);

impl FromRequestParts<AppState> for NamespacePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let raw: RawNamespace = path_of(parts, state).await?;
        validate_namespace(&raw.ns)?;
        Ok(NamespacePath(raw.ns))
    }
}

/// A query string; a malformed one is a JSON `400` naming the parameter.
#[derive(Debug, Clone, Default)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(t)| ApiQuery(t))
            .map_err(|e| {
                ApiError(Error::invalid_input(format!(
                    "invalid query: {}",
                    e.body_text()
                )))
            })
    }
}

/// A JSON body; a malformed one (bad JSON, wrong fields, wrong content
/// type) is a JSON `400` saying what is wrong.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(t)| ApiJson(t))
            .map_err(|e| {
                ApiError(Error::invalid_input(format!(
                    "invalid JSON body: {}",
                    e.body_text()
                )))
            })
    }
}

/// An optional JSON body: absent (empty) is `None`; present but malformed
/// is a JSON `400`, never silently ignored.
#[derive(Debug, Clone)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                ApiError(Error::invalid_input(format!(
                    "the body could not be read: {}",
                    e.body_text()
                )))
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        serde_json::from_slice(&bytes)
            .map(|t| OptionalJson(Some(t)))
            .map_err(|e| ApiError(Error::invalid_input(format!("invalid JSON body: {e}"))))
    }
}
