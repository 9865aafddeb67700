//! The gRPC service against a live server: round trips of every call with a
//! generated client, and the same tokens, roles and rate limits as HTTP.
#![cfg(feature = "grpc")]

use std::time::Duration;

use registry_core::testing::simple_module;
use registry_core::{Role, Sha256Digest};
use registry_server::RateLimit;
use registry_server::grpc::pb::registry_client::RegistryClient;
use registry_server::grpc::pb::{self, lifecycle_request::Change, publish_message::Part};
use tonic::transport::Channel;
use tonic::{Code, Request};

mod common;

use common::{Live, live};

impl Live {
    async fn client(&self) -> RegistryClient<Channel> {
        RegistryClient::connect(format!("http://{}", self.server.addr))
            .await
            .unwrap()
    }
}

fn authed<T>(msg: T, token: &str) -> Request<T> {
    let mut r = Request::new(msg);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

fn module(ns: &str, name: &str) -> pb::ModuleRef {
    pb::ModuleRef {
        namespace: ns.into(),
        name: name.into(),
        system: "null".into(),
    }
}

fn version(ns: &str, name: &str, v: &str) -> pb::VersionRef {
    pb::VersionRef {
        module: Some(module(ns, name)),
        version: v.into(),
    }
}

/// A publish stream: the header, then the archive in 1 KiB chunks.
fn publish_stream(v: pb::VersionRef, archive: &[u8]) -> Vec<pb::PublishMessage> {
    let mut msgs = vec![pb::PublishMessage {
        part: Some(Part::Header(pb::PublishHeader {
            version: Some(v),
            description: "Greets.".into(),
            ..Default::default()
        })),
    }];
    msgs.extend(archive.chunks(1024).map(|c| pb::PublishMessage {
        part: Some(Part::Chunk(bytes::Bytes::copy_from_slice(c))),
    }));
    msgs
}

fn archive(version: &str) -> Vec<u8> {
    // Big enough to span several chunks each way.
    let filler: String = (0..3000)
        .map(|i| format!("# line {i} of version {version}\n"))
        .collect();
    simple_module(&[("notes.tf", &filler)])
}

#[tokio::test]
async fn every_call_round_trips_through_a_generated_client() {
    let live = live(|_| {}).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let admin = live.token("*", Role::Admin).await;
    let mut c = live.client().await;

    let a1 = archive("1.0.0");
    let got = c
        .publish(authed(
            futures::stream::iter(publish_stream(version("acme", "hello", "1.0.0"), &a1)),
            &publisher,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.id, "acme/hello/null/1.0.0");
    assert_eq!(got.sha256, Sha256Digest::of(&a1).hex());
    assert_eq!(got.description, "Greets.");
    assert_eq!(got.state, "active");
    for v in ["1.1.0", "2.0.0"] {
        let a = archive(v);
        c.publish(authed(
            futures::stream::iter(publish_stream(version("acme", "hello", v), &a)),
            &publisher,
        ))
        .await
        .unwrap();
    }
    // The same version again is refused.
    let e = c
        .publish(authed(
            futures::stream::iter(publish_stream(version("acme", "hello", "1.0.0"), &a1)),
            &publisher,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists, "{e:?}");

    let got = c
        .get(version("acme", "hello", "1.1.0"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.r#ref.unwrap().version, "1.1.0");
    let e = c.get(version("acme", "hello", "9.9.9")).await.unwrap_err();
    assert_eq!(e.code(), Code::NotFound);

    let vs = c
        .versions(module("acme", "hello"))
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(vs, ["1.0.0", "1.1.0", "2.0.0"]);
    let r = c
        .resolve(pb::ResolveRequest {
            module: Some(module("acme", "hello")),
            constraint: "~> 1.0".into(),
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner().id, "acme/hello/null/1.1.0");
    let e = c
        .resolve(pb::ResolveRequest {
            module: Some(module("acme", "hello")),
            constraint: "> 5".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound, "{e:?}");

    // Paging through List.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list(pb::ListRequest {
                namespace: "acme".into(),
                limit: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.versions.into_iter().map(|v| v.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen.len(), 3, "{seen:?}");

    let hits = c
        .search(pb::SearchRequest {
            query: "hello".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        hits.hits[0].id, "acme/hello/null/2.0.0",
        "latest version found by name"
    );

    // Download streams the exact bytes back in chunks.
    let mut stream = c
        .download(version("acme", "hello", "1.0.0"))
        .await
        .unwrap()
        .into_inner();
    let mut back = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.message().await.unwrap() {
        back.extend_from_slice(&chunk.data);
        chunks += 1;
    }
    assert_eq!(back, a1);
    assert!(chunks >= 1);

    // Lifecycle: yank hides 2.0.0 from versions and resolution.
    let y = c
        .change_lifecycle(authed(
            pb::LifecycleRequest {
                version: Some(version("acme", "hello", "2.0.0")),
                change: Some(Change::Yank(pb::Yank {
                    reason: "broken".into(),
                })),
            },
            &publisher,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (y.state.as_str(), y.yank_reason.as_str()),
        ("yanked", "broken")
    );
    let vs = c
        .versions(module("acme", "hello"))
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(vs, ["1.0.0", "1.1.0"]);
    let d = c
        .change_lifecycle(authed(
            pb::LifecycleRequest {
                version: Some(version("acme", "hello", "1.0.0")),
                change: Some(Change::Deprecate(pb::Deprecate {
                    reason: "old".into(),
                    successor: "1.1.0".into(),
                })),
            },
            &publisher,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (d.state.as_str(), d.successor.as_str()),
        ("deprecated", "1.1.0")
    );

    // Delete needs an admin.
    let e = c
        .delete(authed(version("acme", "hello", "1.1.0"), &publisher))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
    c.delete(authed(version("acme", "hello", "1.1.0"), &admin))
        .await
        .unwrap();
    assert_eq!(
        c.get(version("acme", "hello", "1.1.0"))
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );

    // The audit log has the gRPC publishes like any other.
    let records = live
        .server
        .opened
        .audit
        .list(&registry_core::AuditQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        records
            .iter()
            .any(|r| r.event.action == "publish" && r.event.target == "acme/hello/null/2.0.0")
    );
}

#[tokio::test]
async fn bad_requests_and_credentials_get_grpc_codes() {
    let live =
        live(|c| c.rate_limits.auth_failures = RateLimit::new(2, Duration::from_secs(60))).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let mut c = live.client().await;
    let a = archive("1.0.0");
    // No token: refused by the registry.
    let e = c
        .publish(futures::stream::iter(publish_stream(
            version("acme", "m", "1.0.0"),
            &a,
        )))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
    // A token for another namespace.
    let e = c
        .publish(authed(
            futures::stream::iter(publish_stream(version("other", "m", "1.0.0"), &a)),
            &publisher,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
    // No header first.
    let chunk_only = vec![pb::PublishMessage {
        part: Some(Part::Chunk(bytes::Bytes::from_static(b"x"))),
    }];
    let e = c
        .publish(authed(futures::stream::iter(chunk_only), &publisher))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("header"), "{}", e.message());
    // Not an archive.
    let e = c
        .publish(authed(
            futures::stream::iter(publish_stream(
                version("acme", "m", "1.0.0"),
                b"not an archive",
            )),
            &publisher,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
    // Bad names.
    let e = c
        .get(version("acme", "bad name", "1.0.0"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    // Bad tokens: refused by the guard as gRPC errors, then the address is blocked.
    for _ in 0..3 {
        let e = c
            .versions(authed(module("acme", "m"), "rgt_nope_nope"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
    }
    let e = c
        .versions(authed(module("acme", "m"), "rgt_nope_again"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");
    assert!(
        e.message().contains("failed authentications"),
        "{}",
        e.message()
    );
    // A valid token from the blocked address still works.
    c.versions(authed(module("acme", "m"), &publisher))
        .await
        .expect("a valid token is not locked out by bad ones");
}

#[tokio::test]
async fn grpc_writes_share_the_rate_limit_with_http() {
    let live = live(|c| c.rate_limits.writes = RateLimit::new(2, Duration::from_secs(60))).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let mut c = live.client().await;
    for v in ["1.0.0", "1.0.1"] {
        let a = archive(v);
        c.publish(authed(
            futures::stream::iter(publish_stream(version("acme", "m", v), &a)),
            &publisher,
        ))
        .await
        .unwrap();
    }
    // Reads are not writes.
    for _ in 0..10 {
        c.versions(authed(module("acme", "m"), &publisher))
            .await
            .unwrap();
    }
    let a = archive("1.0.2");
    let e = c
        .publish(authed(
            futures::stream::iter(publish_stream(version("acme", "m", "1.0.2"), &a)),
            &publisher,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");
    // The same token over HTTP has no budget left either.
    let r = reqwest::Client::new()
        .put(format!(
            "{}/v1/modules/acme/m/null/1.0.2",
            live.server.url()
        ))
        .bearer_auth(&publisher)
        .body(a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
}
