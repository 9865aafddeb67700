//! Trusted publishing against an https OpenID issuer on loopback (its
//! discovery document and JWKS fetched with the configured trust): a CI
//! job's identity token exchanged for a short-lived publish token of one
//! namespace; expired, wrong-audience, wrong-issuer, wrong-claim,
//! foreign-key and shared-secret tokens refused, each naming why.

mod common;

use common::{Live, live};
use registry_core::Role;
use registry_server::testing::OidcIssuer;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(live: &Live, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut req = live.http.post(live.url(path)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn exchange(live: &Live, jwt: &str) -> (StatusCode, Value) {
    post(live, "/v1/oidc/exchange", None, json!({ "token": jwt })).await
}

fn module_archive() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), "variable \"x\" {}\n").unwrap();
    registry_core::pack_dir(dir.path()).unwrap()
}

#[tokio::test]
async fn an_identity_token_becomes_a_short_lived_publish_token_and_bad_ones_are_refused() {
    let issuer = OidcIssuer::start().await;
    let other_issuer = OidcIssuer::start().await;
    let ca = issuer.cert_file().to_path_buf();
    // Every refused exchange counts as a failed authentication of the
    // address (and would block it after a few): unlimited for this test.
    let live = live(move |c| {
        c.ca_certs = vec![ca];
        c.rate_limits = registry_server::RateLimits::unlimited();
    })
    .await;
    let admin = live.token("*", Role::Admin).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let policy = json!({
        "namespace": "acme",
        "issuer": issuer.url(),
        "audience": "registry.example.com",
        "claims": {"repository": "acme/*", "ref": "refs/tags/v*"},
    });

    // Policies are for admins, and must bind the job.
    let (s, _) = post(
        &live,
        "/v1/trusted-publishers",
        Some(&publisher),
        policy.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut unbound = policy.clone();
    unbound["claims"] = json!({"ref": "refs/tags/*"});
    let (s, e) = post(&live, "/v1/trusted-publishers", Some(&admin), unbound).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(e.to_string().contains("every job"), "{e}");
    let (s, stored) = post(
        &live,
        "/v1/trusted-publishers",
        Some(&admin),
        policy.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{stored}");
    let id = stored["id"].as_str().unwrap().to_string();

    // A good token: a publish token of acme, for an hour at most.
    let claims = issuer.github_claims("registry.example.com", "acme/vpc", "refs/tags/v1.0.0");
    let (s, got) = exchange(&live, &issuer.sign(&claims)).await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["namespace"], "acme");
    assert_eq!(got["trusted_publisher"], id.as_str());
    let token = got["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("rgt_"));
    let expires: chrono::DateTime<chrono::Utc> =
        got["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(
        expires <= chrono::Utc::now() + chrono::Duration::minutes(6),
        "never past the identity token's own expiry: {expires}"
    );
    let r = live
        .put_archive(&token, "/v1/modules/acme/vpc/aws/1.0.0", module_archive())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = live
        .put_archive(&token, "/v1/modules/other/vpc/aws/1.0.0", module_archive())
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "its namespace only");

    // Each bad token is refused with what did not match.
    let now = chrono::Utc::now().timestamp();
    let mut expired = claims.clone();
    expired["exp"] = json!(now - 600);
    expired["nbf"] = json!(now - 900);
    let mut early = claims.clone();
    early["nbf"] = json!(now + 600);
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!("someone-else");
    let mut wrong_repo = claims.clone();
    wrong_repo["repository"] = json!("evil/vpc");
    let mut branch = claims.clone();
    branch["ref"] = json!("refs/heads/main");
    let mut no_exp = claims.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    let foreign_issuer = other_issuer.sign(&other_issuer.github_claims(
        "registry.example.com",
        "acme/vpc",
        "refs/tags/v1",
    ));
    let mut forged_iss = claims.clone();
    forged_iss["iss"] = json!(other_issuer.url());
    let cases: Vec<(&str, String, &str)> = vec![
        ("expired", issuer.sign(&expired), "expired"),
        ("not yet valid", issuer.sign(&early), "not valid yet"),
        ("wrong audience", issuer.sign(&wrong_aud), "audience"),
        (
            "wrong repository",
            issuer.sign(&wrong_repo),
            "claim repository is \"evil/vpc\", not acme/*",
        ),
        (
            "a branch",
            issuer.sign(&branch),
            "claim ref is \"refs/heads/main\"",
        ),
        ("no expiry", issuer.sign(&no_exp), "exp"),
        (
            "an issuer no policy trusts",
            foreign_issuer,
            "no trusted publisher accepts tokens from issuer",
        ),
        (
            "a stranger's key",
            issuer.sign_as_stranger(&claims),
            "signature",
        ),
        ("a shared secret", issuer.sign_with_secret(&claims), "HS256"),
        (
            "another issuer's key, our issuer's name",
            other_issuer.sign(&claims),
            "signature",
        ),
        (
            "the other issuer claiming to be ours",
            issuer.sign(&forged_iss),
            "no trusted publisher accepts",
        ),
        ("garbage", "not.a.jwt".to_string(), "not a JWT"),
    ];
    for (what, jwt, named) in cases {
        let (s, e) = exchange(&live, &jwt).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{what}: {e}");
        let said = e["errors"][0].as_str().unwrap_or_default();
        assert!(said.contains(named), "{what}: {said}");
    }

    // Every exchange is audited, a good one with the claims that matched.
    let audit: Value = live
        .http
        .get(live.url("/v1/audit?limit=1000"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let exchanges: Vec<&Value> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["event"])
        .filter(|e| e["action"] == "oidc.exchange")
        .collect();
    // The good one and the first refusals of this caller one by one (the
    // rest of a flood of refusals is summed up when the window ends).
    assert!(exchanges.len() >= 2 && exchanges.len() < 13, "{audit}");
    assert!(
        exchanges
            .iter()
            .any(|r| r["detail"] == "the identity token has expired (exp)"),
        "a refusal says why: {exchanges:?}"
    );
    assert!(
        exchanges.iter().any(|r| r["outcome"] == "success"
            && r["target"]
                .as_str()
                .unwrap()
                .contains("repository=acme/vpc")),
        "{exchanges:?}"
    );

    // A removed policy accepts nothing more.
    let r = live
        .http
        .delete(live.url(&format!("/v1/trusted-publishers/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, _) = exchange(&live, &issuer.sign(&claims)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
