//! The [`AuditLog`](registry_core::AuditLog) conformance suite.

use std::sync::Arc;

use chrono::{Duration, Utc};
use futures::future::BoxFuture;
use registry_core::{
    AuditEvent, AuditLog, AuditOutcome, AuditQuery, AuditVerification, GENESIS_HASH,
};

/// Runs one SQL statement against the log's database, bypassing the log (to
/// play the part of someone editing the table by hand).
pub type RawSql<'a> = &'a (dyn Fn(String) -> BoxFuture<'static, ()> + Sync);

fn event(action: &str, target: &str, at: chrono::DateTime<Utc>) -> AuditEvent {
    AuditEvent {
        at,
        actor: "token:t1".into(),
        action: action.into(),
        target: target.into(),
        outcome: AuditOutcome::Success,
        detail: Some("tab\there, newline\nthere".into()),
        request_id: Some("req-1".into()),
        client_addr: Some("127.0.0.1".into()),
    }
}

/// Append, list with filters and paging, append concurrently, then find edits
/// and removals made behind the log's back. `log` must be empty.
pub async fn run_all(log: Arc<dyn AuditLog>, raw_sql: RawSql<'_>) {
    assert_eq!(
        log.verify().await.unwrap(),
        AuditVerification::Intact { records: 0 }
    );

    let t0 = Utc::now() - Duration::hours(2);
    let t1 = Utc::now();
    log.record(event("publish", "acme/vpc/aws/1.0.0", t0))
        .await
        .unwrap();
    log.record(event("publish", "my_ns/vpc/aws/1.0.0", t0))
        .await
        .unwrap();
    log.record(event("yank", "myXns/vpc/aws/1.0.0", t1))
        .await
        .unwrap();
    log.record(event("delete", "ACME/dns/aws/2.0.0", t1))
        .await
        .unwrap();
    log.record(event("publish", "acmecorp/vpc/aws/1.0.0", t1))
        .await
        .unwrap();

    let all = log.list(&AuditQuery::default()).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(all[0].prev_hash, GENESIS_HASH);
    for w in all.windows(2) {
        assert_eq!(
            w[1].prev_hash, w[0].hash,
            "each record links to the one before"
        );
    }
    assert_eq!(
        all[0].event.detail.as_deref(),
        Some("tab\there, newline\nthere")
    );
    assert_eq!(all[2].event.action, "yank");

    let acme = log
        .list(&AuditQuery {
            namespace: Some("Acme".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        acme.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 4],
        "namespace match is exact and case-insensitive"
    );
    let underscore = log
        .list(&AuditQuery {
            namespace: Some("my_ns".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        underscore.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![2],
        "`_` is not a wildcard"
    );
    let recent = log
        .list(&AuditQuery {
            since: Some(t1 - Duration::minutes(1)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        recent.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );
    let page = log
        .list(&AuditQuery {
            after: Some(2),
            limit: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3, 4]);

    // Concurrent appends still form one chain with no gaps.
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let log = log.clone();
            tokio::spawn(async move {
                log.record(event(
                    "publish",
                    &format!("load/m{i}/aws/1.0.0"),
                    Utc::now(),
                ))
                .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(
        log.verify().await.unwrap(),
        AuditVerification::Intact { records: 21 }
    );
    let all = log
        .list(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=21).collect::<Vec<_>>()
    );

    // An edit behind the log's back is found at the edited record ...
    raw_sql("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 3".into()).await;
    match log.verify().await.unwrap() {
        AuditVerification::Broken { seq, reason } => {
            assert_eq!(seq, 3);
            assert!(reason.contains("changed"), "{reason}");
        }
        other => panic!("an edited record went unnoticed: {other:?}"),
    }
    raw_sql("UPDATE audit_events SET actor = 'token:t1' WHERE seq = 3".into()).await;
    assert_eq!(
        log.verify().await.unwrap(),
        AuditVerification::Intact { records: 21 }
    );

    // ... a removal at the record after the gap ...
    raw_sql("DELETE FROM audit_events WHERE seq = 7".into()).await;
    assert!(matches!(
        log.verify().await.unwrap(),
        AuditVerification::Broken { seq: 8, .. }
    ));

    // ... and a removal at the end against the head.
    raw_sql("DELETE FROM audit_events WHERE seq >= 7".into()).await;
    match log.verify().await.unwrap() {
        AuditVerification::Broken { seq, reason } => {
            assert_eq!(seq, 7);
            assert!(reason.contains("removed"), "{reason}");
        }
        other => panic!("a truncated log went unnoticed: {other:?}"),
    }
}
