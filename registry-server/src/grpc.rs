//! The gRPC service (feature `grpc`): publish (client-streamed), get, list,
//! versions, resolve, search, lifecycle, delete and download (server-streamed),
//! on the same port, `Registry`, tokens and rate limits as the HTTP API.
//!
//! Requests pass the same guard as HTTP first (token authentication, the
//! auth-failure block and rate limits); [`GrpcFrontEnd`] tells it which
//! requests are gRPC, which methods only read, and renders its refusals as
//! gRPC statuses (`UNAUTHENTICATED`, `RESOURCE_EXHAUSTED`).

use std::pin::Pin;

use futures::{Stream, StreamExt};
use registry_core::{
    Error, ErrorKind, Filter, LifecycleChange, ModuleAddress, ModuleId, ModuleRecord,
    PublishRequest, RequestContext, SearchQuery,
};
use tonic::{Request, Response, Status, Streaming};

use crate::guard::FrontEnd;
use crate::state::AppState;

/// Generated protobuf types and the service/client of `proto/registry.proto`.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod pb {
    tonic::include_proto!("registry.v1");
}

use pb::registry_server::Registry as RegistryService;
pub use pb::registry_server::RegistryServer;

/// The gRPC path prefix of the service (`/registry.v1.Registry/`).
pub const PATH_PREFIX: &str = "/registry.v1.Registry/";

/// Methods that only read (rate-limited as reads).
pub fn is_read_method(path: &str) -> bool {
    matches!(
        path.strip_prefix(PATH_PREFIX),
        Some("Get" | "List" | "Versions" | "Resolve" | "Search" | "Download")
    )
}

/// The gRPC service as the guard sees it: requests with an
/// `application/grpc` content type; `Get`, `List`, `Versions`, `Resolve`,
/// `Search` and `Download` read; refusals are gRPC statuses.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrpcFrontEnd;

impl FrontEnd for GrpcFrontEnd {
    fn claims(&self, req: &axum::extract::Request) -> bool {
        req.headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/grpc"))
    }

    fn is_read(&self, req: &axum::extract::Request) -> bool {
        is_read_method(req.uri().path())
    }

    fn refuse(&self, error: Error) -> axum::response::Response {
        status_of(&error).into_http()
    }
}

/// Largest single gRPC message accepted (publish chunks should be smaller).
pub const MAX_MESSAGE_BYTES: usize = 4 << 20;
const DOWNLOAD_CHUNK: usize = 256 << 10;

/// The service over a shared [`AppState`].
#[derive(Debug, Clone)]
pub struct GrpcRegistry {
    state: AppState,
}

impl GrpcRegistry {
    /// A service over the state the HTTP router uses.
    pub fn new(state: AppState) -> Self {
        GrpcRegistry { state }
    }

    /// The tonic service, ready to mount.
    pub fn into_server(self) -> RegistryServer<GrpcRegistry> {
        RegistryServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }
}

/// A registry error as a gRPC status (backend internals are not sent).
pub fn status_of(e: &Error) -> Status {
    let mut msg = e.message().to_string();
    for p in e.problems() {
        msg.push_str("; ");
        msg.push_str(&p.to_string());
    }
    match e.kind() {
        ErrorKind::NotFound => Status::not_found(msg),
        ErrorKind::AlreadyExists => Status::already_exists(msg),
        ErrorKind::InvalidInput | ErrorKind::ValidationFailed => Status::invalid_argument(msg),
        ErrorKind::TooLarge | ErrorKind::QuotaExceeded | ErrorKind::RateLimited => {
            Status::resource_exhausted(msg)
        }
        ErrorKind::Conflict => Status::failed_precondition(msg),
        ErrorKind::Integrity => Status::data_loss(msg),
        ErrorKind::Unauthenticated => Status::unauthenticated(msg),
        ErrorKind::PermissionDenied => Status::permission_denied(msg),
        ErrorKind::Unsupported => Status::unimplemented(msg),
        ErrorKind::Upstream => Status::unavailable(msg),
        ErrorKind::Misconfigured => {
            tracing::error!(error = %e, "gRPC request failed");
            Status::internal("the registry's storage refused its credentials")
        }
        _ => {
            tracing::error!(error = %e, "gRPC request failed");
            Status::unavailable("the registry's storage failed; try again later")
        }
    }
}

fn st(e: Error) -> Status {
    status_of(&e)
}

fn ctx_of<T>(req: &Request<T>) -> RequestContext {
    crate::guard::context_of(req.extensions())
}

fn module_address(m: Option<&pb::ModuleRef>) -> Result<ModuleAddress, Status> {
    let m = m.ok_or_else(|| Status::invalid_argument("module is required"))?;
    format!("{}/{}/{}", m.namespace, m.name, m.system)
        .parse()
        .map_err(st)
}

fn version_id(v: Option<&pb::VersionRef>) -> Result<ModuleId, Status> {
    let v = v.ok_or_else(|| Status::invalid_argument("version is required"))?;
    let address = module_address(v.module.as_ref())?;
    let version = v.version.parse().map_err(st)?;
    Ok(ModuleId::new(address, version))
}

fn to_pb(r: &ModuleRecord) -> pb::ModuleVersion {
    let m = &r.metadata;
    let l = &m.lifecycle;
    pb::ModuleVersion {
        id: format!("{}/{}", r.address, r.version),
        r#ref: Some(pb::VersionRef {
            module: Some(pb::ModuleRef {
                namespace: r.address.namespace().to_string(),
                name: r.address.name().to_string(),
                system: r.address.system().to_string(),
            }),
            version: r.version.to_string(),
        }),
        description: m.description.clone().unwrap_or_default(),
        owner: m.owner.clone().unwrap_or_default(),
        source_url: m.source_url.clone().unwrap_or_default(),
        published_at: m.published_at.to_rfc3339(),
        size: m.size,
        sha256: m.sha256.hex(),
        h1: m.h1.clone(),
        state: serde_json::to_value(l.state())
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        deprecation_reason: l
            .deprecated
            .as_ref()
            .map(|d| d.reason.clone())
            .unwrap_or_default(),
        successor: l
            .deprecated
            .as_ref()
            .and_then(|d| d.successor.clone())
            .unwrap_or_default(),
        yank_reason: l
            .yanked
            .as_ref()
            .and_then(|y| y.reason.clone())
            .unwrap_or_default(),
        downloads: m.downloads,
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<pb::ArchiveChunk, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl RegistryService for GrpcRegistry {
    async fn publish(
        &self,
        request: Request<Streaming<pb::PublishMessage>>,
    ) -> Result<Response<pb::ModuleVersion>, Status> {
        let ctx = ctx_of(&request);
        let mut stream = request.into_inner();
        let header = match stream.message().await? {
            Some(pb::PublishMessage {
                part: Some(pb::publish_message::Part::Header(h)),
            }) => h,
            _ => {
                return Err(Status::invalid_argument(
                    "the first message of a publish must be its header",
                ));
            }
        };
        let id = version_id(header.version.as_ref())?;
        let version = header
            .version
            .as_ref()
            .map(|v| v.version.clone())
            .unwrap_or_default();
        let req = PublishRequest {
            description: non_empty(&header.description),
            source_url: non_empty(&header.source_url),
            signature: non_empty(&header.signature),
            ..PublishRequest::new(id.address.clone(), version)
        };
        let body = stream
            .map(|m| match m {
                Ok(pb::PublishMessage {
                    part: Some(pb::publish_message::Part::Chunk(b)),
                }) => Ok(b),
                Ok(_) => Err(Error::invalid_input(
                    "after the header, a publish carries only archive chunks",
                )),
                Err(s) => Err(Error::invalid_input(format!(
                    "the upload failed: {}",
                    s.message()
                ))),
            })
            .boxed();
        let record = self
            .state
            .registry()
            .publish(&ctx, req, body)
            .await
            .map_err(st)?;
        Ok(Response::new(to_pb(&record)))
    }

    async fn get(
        &self,
        request: Request<pb::VersionRef>,
    ) -> Result<Response<pb::ModuleVersion>, Status> {
        let ctx = ctx_of(&request);
        let id = version_id(Some(request.get_ref()))?;
        let record = self.state.registry().get(&ctx, &id).await.map_err(st)?;
        Ok(Response::new(to_pb(&record)))
    }

    async fn list(
        &self,
        request: Request<pb::ListRequest>,
    ) -> Result<Response<pb::ListResponse>, Status> {
        let ctx = ctx_of(&request);
        let q = request.into_inner();
        let filter = Filter {
            namespace: non_empty(&q.namespace),
            name: non_empty(&q.name),
            system: non_empty(&q.system),
            include_yanked: q.include_yanked,
            limit: if q.limit == 0 {
                registry_core::DEFAULT_PAGE_SIZE
            } else {
                (q.limit as usize).min(registry_core::DEFAULT_PAGE_SIZE)
            },
            after: if q.page_token.is_empty() {
                None
            } else {
                Some(registry_core::Cursor::decode(&q.page_token).map_err(st)?)
            },
            ..Filter::default()
        };
        let page = self
            .state
            .registry()
            .list(&ctx, &filter)
            .await
            .map_err(st)?;
        Ok(Response::new(pb::ListResponse {
            versions: page.items.iter().map(to_pb).collect(),
            next_page_token: page.next.map(|c| c.encode()).unwrap_or_default(),
        }))
    }

    async fn versions(
        &self,
        request: Request<pb::ModuleRef>,
    ) -> Result<Response<pb::VersionsResponse>, Status> {
        let ctx = ctx_of(&request);
        let address = module_address(Some(request.get_ref()))?;
        let records = self
            .state
            .registry()
            .versions(&ctx, &address)
            .await
            .map_err(st)?;
        Ok(Response::new(pb::VersionsResponse {
            versions: records.iter().map(|r| r.version.to_string()).collect(),
        }))
    }

    async fn resolve(
        &self,
        request: Request<pb::ResolveRequest>,
    ) -> Result<Response<pb::ModuleVersion>, Status> {
        let ctx = ctx_of(&request);
        let q = request.get_ref();
        let address = module_address(q.module.as_ref())?;
        let constraint = if q.constraint.trim().is_empty() {
            ">= 0.0.0"
        } else {
            q.constraint.as_str()
        };
        let record = self
            .state
            .registry()
            .resolve(&ctx, &address, constraint)
            .await
            .map_err(st)?;
        Ok(Response::new(to_pb(&record)))
    }

    async fn search(
        &self,
        request: Request<pb::SearchRequest>,
    ) -> Result<Response<pb::SearchResponse>, Status> {
        let ctx = ctx_of(&request);
        let q = request.into_inner();
        if q.query.trim().is_empty() {
            return Err(Status::invalid_argument("query is required"));
        }
        let query = SearchQuery {
            text: q.query,
            namespace: non_empty(&q.namespace),
            system: non_empty(&q.system),
            provider: None,
            signed: None,
            tests: None,
            all_versions: false,
            limit: if q.limit == 0 {
                20
            } else {
                (q.limit as usize).min(100)
            },
            offset: 0,
        };
        let results = self
            .state
            .registry()
            .search(&ctx, &query)
            .await
            .map_err(st)?;
        Ok(Response::new(pb::SearchResponse {
            hits: results
                .hits
                .iter()
                .map(|h| pb::SearchHit {
                    id: h.id.to_string(),
                    score: h.score,
                    description: h.description.clone().unwrap_or_default(),
                })
                .collect(),
            total: results.total as u64,
        }))
    }

    async fn change_lifecycle(
        &self,
        request: Request<pb::LifecycleRequest>,
    ) -> Result<Response<pb::ModuleVersion>, Status> {
        use pb::lifecycle_request::Change;
        let ctx = ctx_of(&request);
        let q = request.into_inner();
        let id = version_id(q.version.as_ref())?;
        let change = match q.change {
            Some(Change::Deprecate(d)) => LifecycleChange::Deprecate {
                reason: d.reason,
                successor: non_empty(&d.successor),
            },
            Some(Change::Undeprecate(_)) => LifecycleChange::Undeprecate,
            Some(Change::Yank(y)) => LifecycleChange::Yank {
                reason: non_empty(&y.reason),
            },
            Some(Change::Unyank(_)) => LifecycleChange::Unyank,
            None => {
                return Err(Status::invalid_argument(
                    "change is required: deprecate, undeprecate, yank or unyank",
                ));
            }
        };
        let record = self
            .state
            .registry()
            .change_lifecycle(&ctx, &id, change)
            .await
            .map_err(st)?;
        Ok(Response::new(to_pb(&record)))
    }

    async fn delete(
        &self,
        request: Request<pb::VersionRef>,
    ) -> Result<Response<pb::DeleteResponse>, Status> {
        let ctx = ctx_of(&request);
        let id = version_id(Some(request.get_ref()))?;
        self.state.registry().delete(&ctx, &id).await.map_err(st)?;
        Ok(Response::new(pb::DeleteResponse { id: id.to_string() }))
    }

    type DownloadStream = ChunkStream;

    async fn download(
        &self,
        request: Request<pb::VersionRef>,
    ) -> Result<Response<Self::DownloadStream>, Status> {
        let ctx = ctx_of(&request);
        let id = version_id(Some(request.get_ref()))?;
        let module = self
            .state
            .registry()
            .download(&ctx, &id)
            .await
            .map_err(st)?;
        let chunks = module.archive.stream().flat_map(|part| {
            let pieces: Vec<Result<pb::ArchiveChunk, Status>> = match part {
                Ok(bytes) => (0..bytes.len())
                    .step_by(DOWNLOAD_CHUNK)
                    .map(|i| {
                        Ok(pb::ArchiveChunk {
                            data: bytes.slice(i..(i + DOWNLOAD_CHUNK).min(bytes.len())),
                        })
                    })
                    .collect(),
                Err(e) => vec![Err(st(e))],
            };
            futures::stream::iter(pieces)
        });
        Ok(Response::new(Box::pin(chunks)))
    }
}
