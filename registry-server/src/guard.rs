//! The guard every request passes first, whatever its protocol: a request
//! id, the client's address (forwarded headers believed only from trusted
//! proxies), one authentication of the bearer token (refused and audited
//! when it does not authenticate; throttled per address after repeated
//! failures, while valid tokens from that address keep working), and the
//! read or write rate limit of the token, or of the address when anonymous.
//!
//! The guard knows no protocol itself. Each front end (the HTTP API, gRPC,
//! the web UI) describes its requests through [`FrontEnd`]: which requests
//! are its own, which of them only read, which need no guard at all, and
//! how a refusal is shown to its clients (a JSON error, a gRPC status, a
//! redirect to sign-in).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use rand::RngCore;
use registry_core::{Error, ErrorKind, RequestContext, SessionInfo, TokenInfo};

use crate::limits::{LimitClass, RetryAfter};
use crate::state::AppState;

/// One kind of client the server answers: how the guard classifies its
/// requests and renders its refusals.
pub trait FrontEnd: Send + Sync + 'static {
    /// Whether this front end serves the request.
    fn claims(&self, req: &Request) -> bool;
    /// Whether the request only reads (counted against the read limit).
    fn is_read(&self, req: &Request) -> bool;
    /// Requests that pass without the guard (health checks, sign-in pages,
    /// static assets).
    fn is_exempt(&self, _req: &Request) -> bool {
        false
    }
    /// A refusal (`Unauthenticated`, `RateLimited`, …) in this front end's form.
    fn refuse(&self, error: Error) -> Response;
    /// The web session secret the request carries (a cookie), for front
    /// ends that keep sessions; a bearer token wins over it.
    fn session_secret(&self, _req: &Request) -> Option<String> {
        None
    }
}

/// The front ends in the order they are asked; the last one answers every
/// request the others do not claim.
#[derive(Clone)]
pub struct FrontEnds(Arc<Vec<Arc<dyn FrontEnd>>>);

impl FrontEnds {
    /// Front ends asked in this order; `fallback` takes what none claims.
    pub fn new(mut claimers: Vec<Arc<dyn FrontEnd>>, fallback: Arc<dyn FrontEnd>) -> Self {
        claimers.push(fallback);
        FrontEnds(Arc::new(claimers))
    }

    fn of(&self, req: &Request) -> &Arc<dyn FrontEnd> {
        let (fallback, claimers) = self.0.split_last().expect("a fallback front end");
        claimers.iter().find(|f| f.claims(req)).unwrap_or(fallback)
    }
}

/// The token the guard authenticated.
#[derive(Debug, Clone)]
struct Authenticated(TokenInfo);

/// The web session the request was authenticated by, if any.
#[derive(Debug, Clone)]
struct WebSession(SessionInfo);

/// The request id the guard assigned.
#[derive(Debug, Clone)]
struct RequestId(String);

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(next_request_id)
}

/// A process-unique request id: a random per-process prefix and a counter.
fn next_request_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        rand::rng().fill_bytes(&mut b);
        hex::encode(b)
    });
    format!("{prefix}-{:x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The bearer token of a request, if it carries one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The client's address as the guard resolved it (see [`resolve_client`]).
#[derive(Debug, Clone)]
struct ClientAddr(String);

fn client_addr(ext: &axum::http::Extensions) -> Option<String> {
    if let Some(ClientAddr(a)) = ext.get::<ClientAddr>() {
        return Some(a.clone());
    }
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// The client behind a connection from `peer`: the peer itself, unless it
/// is a trusted proxy; then the right-most address of `X-Forwarded-For`
/// that is not a trusted proxy (each proxy appends who it heard from, so
/// only the entries our proxies added are believed). A malformed entry
/// ends the walk at the last address believed.
pub fn resolve_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// Whether the guard has already seen this request.
pub fn guarded(ext: &axum::http::Extensions) -> bool {
    ext.get::<RequestId>().is_some()
}

/// The web session the guard authenticated the request by, if it was one.
pub fn session_of(ext: &axum::http::Extensions) -> Option<&SessionInfo> {
    ext.get::<WebSession>().map(|WebSession(s)| s)
}

/// The request context the guard established: who is calling (the
/// authenticated token, or anonymous), the request id and the client
/// address.
pub fn context_of(ext: &axum::http::Extensions) -> RequestContext {
    let mut ctx = RequestContext::anonymous();
    ctx.request_id = Some(match ext.get::<RequestId>() {
        Some(RequestId(id)) => id.clone(),
        None => next_request_id(),
    });
    ctx.client_addr = client_addr(ext);
    if let Some(Authenticated(info)) = ext.get::<Authenticated>() {
        ctx.actor = info.actor();
    }
    ctx
}

/// Authenticate a presented token outside the guard (a router assembled
/// without it): the caller's context, or the refusal, audited.
pub async fn authenticate_unguarded(
    state: &AppState,
    headers: &HeaderMap,
    ext: &axum::http::Extensions,
    target: &str,
) -> Result<RequestContext, Error> {
    let mut ctx = context_of(ext);
    ctx.request_id = Some(request_id(headers));
    if let Some(token) = bearer(headers) {
        match state.tokens().authenticate(token, chrono::Utc::now()).await {
            Ok(info) => ctx.actor = info.actor(),
            Err(e) => {
                state
                    .registry()
                    .record_refusal(&ctx, "authenticate", target, &e)
                    .await;
                return Err(e);
            }
        }
    }
    Ok(ctx)
}

fn too_many(
    state: &AppState,
    front: &dyn FrontEnd,
    class: LimitClass,
    wait: RetryAfter,
) -> Response {
    state.metrics().rate_limited(class.as_str());
    let what = match class {
        LimitClass::Read => "reads",
        LimitClass::Write => "writes",
        LimitClass::AuthFailure => "failed authentications from this address",
    };
    let secs = wait.header_secs();
    let message = format!("rate limit exceeded for {what}; retry in {secs} s");
    let mut resp = front.refuse(Error::new(ErrorKind::RateLimited, message));
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

/// The guard, as axum middleware over [`AppState`] and the [`FrontEnds`].
pub async fn guard(
    State((state, fronts)): State<(AppState, FrontEnds)>,
    mut req: Request,
    next: Next,
) -> Response {
    let front = fronts.of(&req).clone();
    if front.is_exempt(&req) {
        return next.run(req).await;
    }
    let id = request_id(req.headers());
    req.extensions_mut().insert(RequestId(id.clone()));
    let addr = match req.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(c) => resolve_client(c.0.ip(), req.headers(), state.trusted_proxies()).to_string(),
        None => "unknown".into(),
    };
    req.extensions_mut().insert(ClientAddr(addr.clone()));
    let limiter = state.limiter().clone();
    let mut key = format!("addr:{addr}");
    let is_read = front.is_read(&req);
    let mut anonymous = true;
    if let Some(token) = bearer(req.headers()) {
        // A valid token works whatever others at its address did: only
        // failures are throttled, and a throttled failure is not audited.
        match state.tokens().authenticate(token, chrono::Utc::now()).await {
            Ok(info) => {
                key = format!("token:{}", info.id);
                anonymous = false;
                req.extensions_mut().insert(Authenticated(info));
            }
            Err(e) => {
                if let Some(wait) = limiter.auth_blocked(&addr).await {
                    return too_many(&state, front.as_ref(), LimitClass::AuthFailure, wait);
                }
                limiter.auth_failed(&addr).await;
                let mut ctx = RequestContext::anonymous();
                ctx.request_id = Some(id);
                ctx.client_addr = Some(addr);
                let target = req.uri().path().to_string();
                state
                    .registry()
                    .record_refusal(&ctx, "authenticate", &target, &e)
                    .await;
                return front.refuse(e);
            }
        }
    } else if let Some(secret) = front.session_secret(&req) {
        // An ended or unknown session reads as signed out: public pages
        // keep working, and the page offers sign-in again.
        if let Ok((session, info)) = state.tokens().session(&secret, chrono::Utc::now()).await {
            key = format!("token:{}", info.id);
            anonymous = false;
            req.extensions_mut().insert(Authenticated(info));
            req.extensions_mut().insert(WebSession(session));
        }
    }
    // Anonymous requests that need a token (every one under
    // --require-auth, writes otherwise) count as failed authentications
    // of their address, and are refused early while it is blocked.
    let needs_token = anonymous && (state.require_auth() || !is_read);
    if needs_token && let Some(wait) = limiter.auth_blocked(&addr).await {
        return too_many(&state, front.as_ref(), LimitClass::AuthFailure, wait);
    }
    let class = if is_read {
        LimitClass::Read
    } else {
        LimitClass::Write
    };
    if let Err(wait) = limiter.check(class, &key).await {
        return too_many(&state, front.as_ref(), class, wait);
    }
    let resp = next.run(req).await;
    if anonymous && resp.status() == axum::http::StatusCode::UNAUTHORIZED {
        limiter.auth_failed(&addr).await;
    }
    resp
}
