//! Limits on each connection a listener accepts, so that slow or silent
//! clients cannot hold the server's descriptors and tasks: how long a
//! request's head may take to arrive, how long a kept-alive connection may
//! wait for its next request, how long a request body may take, and how
//! many connections may be open at once.
//!
//! hyper times the head of every HTTP/1 request from the moment the
//! connection waits for it (after connecting, or after the previous
//! response), so the wait of a kept-alive connection and the head that
//! follows share one timer: a kept-alive connection is closed when its next
//! request's head is not complete within the idle plus the header timeout.
//! hyper's HTTP/2 has no such timer (it answers pings forever), so every
//! connection also carries its own: with no request in flight and no byte
//! read or written for the idle plus the header timeout, it is closed.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body::Frame;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Each listener's connection limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectionLimits {
    /// The most time a request's head may take, counted from when the
    /// connection opens (first request) or its first byte (later ones).
    pub header_timeout: Duration,
    /// The most time a kept-alive connection waits for its next request.
    pub idle_timeout: Duration,
    /// The most time a request body may take to arrive, from its head.
    pub body_timeout: Duration,
    /// The most connections open at once; more are closed on arrival.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(120),
            max_connections: 1024,
        }
    }
}

impl ConnectionLimits {
    /// Refuse limits that would switch a guard off or never let a request in.
    pub fn validate(&self) -> registry_core::Result<()> {
        let zero = |name: &str| {
            registry_core::Error::invalid_input(format!("--{name} must be more than zero"))
        };
        if self.header_timeout.is_zero() {
            return Err(zero("http-header-timeout"));
        }
        if self.idle_timeout.is_zero() {
            return Err(zero("http-idle-timeout"));
        }
        if self.body_timeout.is_zero() {
            return Err(zero("http-body-timeout"));
        }
        if self.max_connections == 0 {
            return Err(zero("max-connections"));
        }
        Ok(())
    }

    /// Apply the head and idle timeouts to a server's HTTP machinery.
    pub fn configure<A: axum_server::Address, Acc>(
        &self,
        server: axum_server::Server<A, Acc>,
    ) -> axum_server::Server<A, Acc> {
        let mut server = server.first_request_timeout(self.header_timeout);
        server
            .http_builder()
            .http1()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(self.idle_timeout + self.header_timeout)
            .max_buf_size(crate::hygiene::HYPER_MAX_BUF)
            .max_headers(crate::hygiene::HYPER_MAX_HEADERS);
        server
    }
}

/// An acceptor that admits at most so many connections at once: a
/// connection holds its place until it closes; one arriving when every
/// place is taken is closed at once. Each connection is closed once idle
/// (no request in flight, no byte moved) for the idle time.
#[derive(Debug, Clone)]
pub struct LimitedAcceptor<A> {
    inner: A,
    places: Arc<Semaphore>,
    idle: Duration,
}

impl<A> LimitedAcceptor<A> {
    /// `inner`, admitting at most `max` connections at once, each closed
    /// after `idle` without a request in flight or a byte moved.
    pub fn new(inner: A, max: usize, idle: Duration) -> Self {
        LimitedAcceptor {
            inner,
            places: Arc::new(Semaphore::new(max)),
            idle,
        }
    }
}

impl<A, I, S> axum_server::accept::Accept<I, S> for LimitedAcceptor<A>
where
    A: axum_server::accept::Accept<Counted<I>, S>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = A::Stream;
    type Service = InFlight<A::Service>;
    type Future = Pin<Box<dyn Future<Output = io::Result<(A::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        match self.places.clone().try_acquire_owned() {
            Ok(permit) => {
                let in_flight = Arc::new(AtomicUsize::new(0));
                let counted = Counted {
                    inner: stream,
                    _place: permit,
                    idle: IdleClose::new(in_flight.clone(), self.idle),
                };
                let accepted = self.inner.accept(counted, service);
                Box::pin(async move {
                    let (stream, service) = accepted.await?;
                    Ok((stream, InFlight { service, in_flight }))
                })
            }
            Err(_) => {
                tracing::warn!("connection limit reached; closing a new connection");
                Box::pin(std::future::ready(Err(io::Error::other(
                    "connection limit reached",
                ))))
            }
        }
    }
}

/// A connection's service, counting the connection's requests in flight
/// (a connection waiting on its own handler is not idle).
#[derive(Debug, Clone)]
pub struct InFlight<S> {
    service: S,
    in_flight: Arc<AtomicUsize>,
}

impl<S, R> tower_service::Service<R> for InFlight<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlightGuard(self.in_flight.clone());
        let answer = self.service.call(request);
        Box::pin(async move {
            let _guard = guard;
            answer.await
        })
    }
}

/// One request in flight, until dropped.
struct InFlightGuard(Arc<AtomicUsize>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The idle timer of one connection.
#[derive(Debug)]
struct IdleClose {
    in_flight: Arc<AtomicUsize>,
    after: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl IdleClose {
    fn new(in_flight: Arc<AtomicUsize>, after: Duration) -> Self {
        IdleClose {
            in_flight,
            after,
            timer: Box::pin(tokio::time::sleep(after)),
        }
    }

    /// Bytes moved: the idle time starts again.
    fn active(&mut self) {
        let next = tokio::time::Instant::now() + self.after;
        self.timer.as_mut().reset(next);
    }

    /// On a read that would wait: has the connection been idle for the
    /// whole idle time? A request in flight keeps restarting it.
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            self.active();
            return false;
        }
        self.timer.as_mut().poll(cx).is_ready()
    }
}

/// A connection holding its place under the connection limit, closed when
/// idle.
#[derive(Debug)]
pub struct Counted<S> {
    inner: S,
    _place: OwnedSemaphorePermit,
    idle: IdleClose,
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.idle.active();
                }
                Poll::Ready(Ok(()))
            }
            // Idle too long: end of stream, and hyper closes the connection.
            Poll::Pending if self.idle.expired(cx) => Poll::Ready(Ok(())),
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.idle.active();
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.idle.active();
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Middleware giving every request body `limit` to arrive in full: a body
/// still arriving then fails, and the handler reading it answers 400
/// naming the body timeout.
pub async fn body_deadline(limit: Duration, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let body = Body::new(DeadlineBody {
        inner: body,
        deadline: Box::pin(tokio::time::sleep(limit)),
        limit,
    });
    next.run(Request::from_parts(parts, body)).await
}

/// The error of a body that did not arrive in time.
#[derive(Debug)]
pub struct BodyTimedOut(pub Duration);

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body did not arrive within {} s (the body timeout)",
            self.0.as_secs_f64()
        )
    }
}

impl std::error::Error for BodyTimedOut {}

struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut(self.limit)))));
        }
        Pin::new(&mut self.inner)
            .poll_frame(cx)
            .map(|f| f.map(|r| r.map_err(Into::into)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
