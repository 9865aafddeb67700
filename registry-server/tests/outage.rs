//! Backend outages (#12, faults): PostgreSQL, the object store and Redis
//! behind a fault-injecting TCP proxy of this test (the shared servers
//! themselves are never stopped). The proxy either cuts every connection
//! and refuses new ones (down) or holds them open and forwards nothing
//! (stalled: the slowest a backend can be). Either way, reads answer a
//! clear 503 with `Retry-After` within a bounded time, or, for Redis (a
//! cache and the shared rate limits), answer as usual without it; the
//! server keeps serving what needs no database, and once the proxy lets
//! traffic through again, the same server recovers without a restart.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use common::live;
use registry_core::Role;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

const OPEN: u8 = 0;
const DOWN: u8 = 1;
const STALLED: u8 = 2;

/// A TCP proxy that can fail: `down` closes every connection it carries
/// and refuses new ones, `stall` keeps them (and accepts new ones) but
/// forwards nothing, until `up`.
struct FaultProxy {
    addr: SocketAddr,
    mode: Arc<AtomicU8>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    _accept: JoinHandle<()>,
}

impl FaultProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(AtomicU8::new(OPEN));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (m, l) = (mode.clone(), links.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if m.load(Ordering::SeqCst) == DOWN {
                    drop(client);
                    continue;
                }
                let m = m.clone();
                l.lock().await.push(tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (client_in, client_out) = client.into_split();
                    let (server_in, server_out) = server.into_split();
                    tokio::join!(
                        pump(client_in, server_out, &m),
                        pump(server_in, client_out, &m)
                    );
                }));
            }
        });
        FaultProxy {
            addr,
            mode,
            links,
            _accept: accept,
        }
    }

    async fn down(&self) {
        self.mode.store(DOWN, Ordering::SeqCst);
        for link in self.links.lock().await.drain(..) {
            link.abort();
        }
    }

    fn stall(&self) {
        self.mode.store(STALLED, Ordering::SeqCst);
    }

    fn up(&self) {
        self.mode.store(OPEN, Ordering::SeqCst);
    }
}

/// Copy one direction of a link, holding each chunk while stalled.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mode: &AtomicU8,
) {
    let mut buf = vec![0; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while mode.load(Ordering::SeqCst) == STALLED {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// Poll `url` until it answers 200 (within 60 s of the backend's return),
/// and say how long that took.
async fn await_recovery(live: &common::Live, url: &str) -> Duration {
    let since = Instant::now();
    loop {
        let r = live.http.get(url).send().await.unwrap();
        if r.status() == StatusCode::OK {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "no recovery: still {}",
            r.status()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A GET answered within `within`, or the test fails naming the hang.
async fn get_within(
    live: &common::Live,
    url: &str,
    within: Duration,
) -> (reqwest::Response, Duration) {
    let started = Instant::now();
    let r = tokio::time::timeout(within * 2, live.http.get(url).send())
        .await
        .unwrap_or_else(|_| panic!("no answer from {url} within {:?}", within * 2))
        .unwrap();
    let took = started.elapsed();
    assert!(took < within, "{url} took {took:?}");
    (r, took)
}

/// A fault proxy in front of the service a `scheme://host:port/…` URL names
/// (`default_port` when it names none), and the URL rewritten to go through it.
async fn behind_proxy(service: &str, default_port: u16) -> (FaultProxy, String) {
    let mut url = url::Url::parse(service).unwrap();
    let upstream: SocketAddr = format!(
        "{}:{}",
        url.host_str().unwrap(),
        url.port().unwrap_or(default_port)
    )
    .parse()
    .unwrap();
    let proxy = FaultProxy::start(upstream).await;
    url.set_port(Some(proxy.addr.port())).unwrap();
    (proxy, url.to_string())
}

/// A server on PostgreSQL through a fault proxy, with one published
/// version; `None` (skipped) without a database.
async fn server_on_proxied_postgres() -> Option<(FaultProxy, common::Live)> {
    let pg = registry_testkit::env::service_url("REGISTRY_TEST_POSTGRES_URL", "backend outage")?;
    let (proxy, db) = behind_proxy(&pg, 5432).await;
    let schema = registry_testkit::env::unique_name("outage");
    let live = live(move |c| {
        c.registry.storage.database_url = Some(db);
        c.registry.storage.database_schema = Some(schema);
        c.registry.storage.memory_cache_bytes = 0;
        c.rate_limits = registry_server::RateLimits::unlimited();
    })
    .await;
    publish_one(&live).await;
    Some((proxy, live))
}

async fn publish_one(live: &common::Live) {
    let token = live.token("acme", Role::Publisher).await;
    let r = live
        .put_archive(
            &token,
            "/v1/modules/acme/m/null/1.0.0",
            registry_core::testing::simple_module(&[]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_is_a_503_with_retry_after_and_recovers_without_restart() {
    let Some((proxy, live)) = server_on_proxied_postgres().await else {
        return;
    };
    let versions = live.url("/v1/modules/acme/m/null/versions");
    assert_eq!(
        live.http.get(&versions).send().await.unwrap().status(),
        StatusCode::OK
    );

    proxy.down().await;
    let (r, took) = get_within(&live, &versions, Duration::from_secs(15)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["errors"][0]
            .as_str()
            .unwrap()
            .contains("try again later"),
        "{body}"
    );
    // What needs no database still answers.
    let r = live.http.get(live.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    proxy.up();
    let recovered = await_recovery(&live, &versions).await;
    let body = live
        .http
        .get(&versions)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("1.0.0"), "{body}");
    eprintln!(
        "outage answered 503 in {took:?}; recovered {recovered:?} after the database came back"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_database_is_a_503_within_bounded_time_and_recovers() {
    let Some((proxy, live)) = server_on_proxied_postgres().await else {
        return;
    };
    let versions = live.url("/v1/modules/acme/m/null/versions");
    assert_eq!(
        live.http.get(&versions).send().await.unwrap().status(),
        StatusCode::OK
    );

    // Connections stay open and the database never answers: pooled
    // connections mid-query as well as new ones, under a load of sixteen
    // concurrent readers (as many as the pool holds).
    proxy.stall();
    let started = Instant::now();
    let mut load = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (http, url) = (live.http.clone(), versions.clone());
        load.spawn(async move { http.get(&url).send().await.map(|r| r.status()) });
    }
    let (r, took) = get_within(&live, &versions, Duration::from_secs(25)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    while let Some(status) = load.join_next().await {
        assert_eq!(status.unwrap().unwrap(), StatusCode::SERVICE_UNAVAILABLE);
    }
    let all = started.elapsed();
    assert!(
        all < Duration::from_secs(25),
        "the loaded outage took {all:?}"
    );
    let r = live.http.get(live.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    proxy.up();
    let recovered = await_recovery(&live, &versions).await;
    eprintln!(
        "a stalled database answered 503 in {took:?} (17 concurrent readers all in {all:?}); recovered {recovered:?} after"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_down_or_stalled_slows_nothing_and_is_used_again_once_back() {
    let Some(redis) =
        registry_testkit::env::service_url("REGISTRY_TEST_REDIS_URL", "backend outage")
    else {
        return;
    };
    let (proxy, cache) = behind_proxy(&redis, 6379).await;
    let prefix = registry_testkit::env::unique_name("outage");
    let mut direct = redis::Client::open(redis.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    // Redis holds the cache and the shared rate limits, reads included.
    let p = prefix.clone();
    let live = live(move |c| {
        c.registry.storage.cache_url = Some(cache);
        c.registry.storage.cache_prefix = Some(p);
        c.rate_limits.reads = registry_server::RateLimit::new(100_000, Duration::from_secs(60));
    })
    .await;
    publish_one(&live).await;
    let versions = live.url("/v1/modules/acme/m/null/versions");
    let download = live.url("/v1/modules/acme/m/null/1.0.0/download");
    for url in [&versions, &download] {
        let (r, _) = get_within(&live, url, Duration::from_secs(5)).await;
        assert!(r.status().is_success(), "{url}: {}", r.status());
    }

    for (what, fault) in [("down", DOWN), ("stalled", STALLED)] {
        if fault == DOWN {
            proxy.down().await;
        } else {
            proxy.stall();
        }
        for url in [&versions, &download] {
            let (r, took) = get_within(&live, url, Duration::from_secs(5)).await;
            assert!(
                r.status().is_success(),
                "Redis {what}: {url}: {}",
                r.status()
            );
            eprintln!("Redis {what}: {url} answered {} in {took:?}", r.status());
        }
        // The first failure opens a back-off: the next requests skip Redis
        // instead of each waiting out its deadline (250 ms a call).
        let started = Instant::now();
        for _ in 0..10 {
            let r = live.http.get(&versions).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "Redis {what}");
        }
        let ten = started.elapsed();
        eprintln!("Redis {what}: ten more listings in {ten:?}");
        // Each would wait out the 250 ms deadline without the back-off (2.5 s).
        assert!(
            ten < Duration::from_secs(2),
            "Redis {what}: ten listings took {ten:?}"
        );

        proxy.up();
        // Back: once the back-off is over the rate limits live in Redis
        // again (their keys reappear), without a restart.
        let since = Instant::now();
        loop {
            let _: () = redis::cmd("DEL")
                .arg(limit_keys(&mut direct, &prefix).await)
                .arg(format!("{prefix}:none"))
                .query_async(&mut direct)
                .await
                .unwrap();
            let r = live.http.get(&versions).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            if !limit_keys(&mut direct, &prefix).await.is_empty() {
                break;
            }
            assert!(
                since.elapsed() < Duration::from_secs(30),
                "Redis {what}: never used again"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        eprintln!(
            "Redis {what}: used again {:?} after it came back",
            since.elapsed()
        );
    }
}

/// The shared rate limits' keys under `prefix`.
async fn limit_keys(redis: &mut redis::aio::MultiplexedConnection, prefix: &str) -> Vec<String> {
    redis::cmd("KEYS")
        .arg(format!("{prefix}:rl:*"))
        .query_async(redis)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_object_store_outage_is_a_503_within_seconds_and_recovers() {
    let Some(s3) = registry_testkit::env::service_url("REGISTRY_TEST_S3_URL", "backend outage")
    else {
        return;
    };
    // s3://bucket/prefix?endpoint=http://HOST:PORT&…: the endpoint goes
    // through the proxy.
    let (base, query) = s3.split_once('?').expect("S3 URL with options");
    let (bucket, _) = base.rsplit_once('/').expect("s3://bucket/prefix");
    let endpoint = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("endpoint="))
        .expect("an endpoint option");
    let upstream: SocketAddr = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let proxy = FaultProxy::start(upstream).await;
    let proxied = query.replace(endpoint, &format!("http://{}", proxy.addr));
    let blob_url = format!(
        "{bucket}/{}?{proxied}",
        registry_testkit::env::unique_name("outage")
    );
    let live = live(move |c| {
        c.registry.storage.blob_url = Some(blob_url);
        c.registry.storage.memory_cache_bytes = 0;
        c.rate_limits = registry_server::RateLimits::unlimited();
    })
    .await;
    publish_one(&live).await;
    let archive = live.url("/v1/modules/acme/m/null/1.0.0/archive.tar.gz");
    assert_eq!(
        live.http.get(&archive).send().await.unwrap().status(),
        StatusCode::OK
    );

    proxy.down().await;
    let (r, took) = get_within(&live, &archive, Duration::from_secs(20)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    // Metadata lives elsewhere: listings still answer.
    let r = live
        .http
        .get(live.url("/v1/modules/acme/m/null/versions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    proxy.up();
    let recovered = await_recovery(&live, &archive).await;
    eprintln!("object store outage answered 503 in {took:?}; recovered {recovered:?} after");

    // Stalled: connections open, nothing answers.
    proxy.stall();
    let (r, took) = get_within(&live, &archive, Duration::from_secs(40)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    proxy.up();
    let recovered = await_recovery(&live, &archive).await;
    eprintln!("a stalled object store answered 503 in {took:?}; recovered {recovered:?} after");
}
