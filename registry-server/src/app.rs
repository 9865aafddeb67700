//! The whole server as one axum [`Router`]: the HTTP API and, with the
//! `grpc` feature, the gRPC service on the same port, and with `ui` the
//! web UI, behind one guard
//! (tokens, rate limits, refusals in each client's own form) and one
//! observer (request metrics by route).

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;

use crate::guard::{FrontEnd, FrontEnds, guard};
use crate::http::ApiError;
use crate::state::AppState;

/// The front ends besides the HTTP API, in the order the guard asks them.
fn claimers() -> Vec<Arc<dyn FrontEnd>> {
    vec![
        #[cfg(feature = "grpc")]
        Arc::new(crate::grpc::GrpcFrontEnd),
        #[cfg(feature = "ui")]
        crate::ui::front_end(),
    ]
}

/// Every route the server answers, guarded, ready to serve or mount.
pub fn router(state: AppState) -> Router {
    let (router, _) = crate::http::routes().split_for_parts();
    #[cfg(feature = "ui")]
    let router = router.merge(crate::ui::routes());
    #[cfg(feature = "grpc")]
    let router = router.route_service(
        &format!("{}{{*method}}", crate::grpc::PATH_PREFIX),
        crate::grpc::GrpcRegistry::new(state.clone()).into_server(),
    );
    let fronts = FrontEnds::new(claimers(), crate::http::front_end());
    router
        .fallback(|| async { ApiError::from(registry_core::Error::not_found("no such route")) })
        .layer(middleware::from_fn_with_state(
            (state.clone(), fronts),
            guard,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn(crate::hygiene::hygiene))
        .with_state(state)
}

/// Count and time every request by its route template (never the raw path,
/// so labels stay bounded and carry no secrets).
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    state
        .metrics()
        .http(&route, &method, resp.status().as_u16(), started.elapsed());
    resp
}
