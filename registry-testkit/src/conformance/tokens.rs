//! The [`TokenStore`](registry_core::TokenStore) conformance suite.

use chrono::{Duration, Utc};
use registry_core::{ErrorKind, Role, TokenRequest, TokenStore};

fn request(ns: &str, role: Role) -> TokenRequest {
    TokenRequest {
        namespace: ns.into(),
        role,
        description: Some("test".into()),
        expires_at: None,
        also: Vec::new(),
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

    sessions(store).await;
}

/// Web sessions: opened for a token, they authenticate as it, end on
/// sign-out, on expiry and when the token is revoked; only hashes kept.
async fn sessions(store: &dyn TokenStore) {
    let now = Utc::now();
    let t = store
        .create(&request("acme", Role::Publisher), now)
        .await
        .unwrap();
    let first = store
        .open_session(
            &t.info.id,
            now + Duration::hours(12),
            Some("Chromium\n<b>"),
            now,
        )
        .await
        .unwrap();
    assert!(first.secret.starts_with("rgs_"));
    assert!(!format!("{first:?}").contains(&first.secret));
    assert_eq!(
        first.info.client.as_deref(),
        Some("Chromium<b>"),
        "control characters are dropped from what the browser said"
    );
    let (s, token) = store.session(&first.secret, now).await.unwrap();
    assert_eq!(
        (s.id.as_str(), token.id.as_str()),
        (first.info.id.as_str(), t.info.id.as_str())
    );
    assert_eq!(token.role, Role::Publisher);

    // A session secret is not a token, nor the reverse, and forgeries fail.
    assert_eq!(
        store
            .authenticate(&first.secret, now)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unauthenticated
    );
    for junk in [
        t.secret.clone(),
        format!("{}x", first.secret),
        "rgs_".into(),
        String::new(),
    ] {
        assert_eq!(
            store.session(&junk, now).await.unwrap_err().kind(),
            ErrorKind::Unauthenticated,
            "{junk}"
        );
    }

    // Expiry.
    assert_eq!(
        store
            .session(&first.secret, now + Duration::hours(13))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unauthenticated
    );

    // Listed newest first; ending one leaves the other working.
    let later = now + Duration::seconds(1);
    let second = store
        .open_session(&t.info.id, now + Duration::hours(1), None, later)
        .await
        .unwrap();
    let listed = store.sessions(&t.info.id).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, [second.info.id.as_str(), first.info.id.as_str()]);
    let ended = store.revoke_session(&first.info.id, later).await.unwrap();
    assert!(ended.revoked_at.is_some());
    assert!(store.session(&first.secret, later).await.is_err());
    assert!(store.session(&second.secret, later).await.is_ok());
    assert_eq!(
        store
            .revoke_session(&first.info.id, later)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let shown = store
        .revoke_session(&second.secret, later)
        .await
        .unwrap_err()
        .to_string();
    assert!(!shown.contains(&second.secret), "{shown}");

    // Revoking the token ends every session it opened.
    store.revoke(&t.info.id, later).await.unwrap();
    assert_eq!(
        store
            .session(&second.secret, later)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unauthenticated
    );
    assert!(store.sessions("no-such-token").await.unwrap().is_empty());
}
