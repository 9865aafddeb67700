//! The [`TokenStore`](registry_core::TokenStore) conformance suite.

use chrono::{Duration, Utc};
use registry_core::{ErrorKind, Role, TokenRequest, TokenStore};

fn request(ns: &str, role: Role) -> TokenRequest {
    TokenRequest {
        namespace: ns.into(),
        role,
        description: Some("test".into()),
        expires_at: None,
    }
}

/// Create, authenticate, expire, revoke, and refuse look-alike secrets.
pub async fn run_all(store: &dyn TokenStore) {
    let now = Utc::now();
    let t = store
        .create(&request("acme", Role::Publisher), now)
        .await
        .unwrap();
    let info = store
        .authenticate(&t.secret, now)
        .await
        .expect("fresh token authenticates");
    assert_eq!(info.id, t.info.id);
    assert_eq!(info.role, Role::Publisher);
    assert_eq!(info.namespace, "acme");

    // A secret with the right id but the wrong random part does not authenticate.
    let forged = format!("{}x", t.secret);
    let e = store.authenticate(&forged, now).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    for junk in ["", "Bearer", "rgt_", "rgt_nope_abc", "not-a-token"] {
        assert_eq!(
            store.authenticate(junk, now).await.unwrap_err().kind(),
            ErrorKind::Unauthenticated
        );
    }

    let expiring = TokenRequest {
        expires_at: Some(now + Duration::hours(1)),
        ..request("*", Role::Admin)
    };
    let x = store.create(&expiring, now).await.unwrap();
    assert!(store.authenticate(&x.secret, now).await.is_ok());
    let later = now + Duration::hours(2);
    assert_eq!(
        store
            .authenticate(&x.secret, later)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unauthenticated
    );

    let revoked = store.revoke(&t.info.id, now).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(
        store.authenticate(&t.secret, now).await.unwrap_err().kind(),
        ErrorKind::Unauthenticated
    );
    assert_eq!(
        store.revoke(&t.info.id, now).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    let all = store.list().await.unwrap();
    assert!(all.iter().any(|i| i.id == x.info.id));
    assert!(all.iter().all(|i| !format!("{i:?}").contains(&x.secret)));

    let e = store
        .create(&request("bad ns!", Role::Reader), now)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}
