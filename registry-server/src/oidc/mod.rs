//! Trusted publishing: a CI job's OIDC identity token exchanged for a
//! short-lived publish token of one namespace, under a policy an admin
//! stored (issuer, audience, claim globs). The token's signature (the
//! issuer's published keys, `issuers.rs`), `iss`, `aud`, `exp` and `nbf`
//! are checked; every exchange is audited with the claims that matched.

mod issuers;
mod sign_in;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, Validation};
use registry_core::{
    Actor, Error, ErrorKind, NewToken, Registry, RequestContext, Result, Role, TokenRequest,
    TokenStore, TrustedPublisher, TrustedPublisherRequest, TrustedPublisherStore,
};
use serde_json::Value;

pub use issuers::IssuerKeys;
pub use sign_in::{
    OidcLoginConfig, OidcSignIn, PENDING_COOKIE, PENDING_TTL, Person, RoleMapping, parse_role_map,
};

/// The longest an exchanged token lives.
pub const EXCHANGED_TOKEN_TTL: chrono::Duration = chrono::Duration::hours(1);

/// The largest identity token read.
const MAX_JWT_BYTES: usize = 16 * 1024;

/// Signature algorithms accepted: the asymmetric ones OIDC issuers use
/// (never `none`, never a shared secret).
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// A publish token made from an identity token.
#[derive(Debug)]
pub struct Exchanged {
    /// The token (its secret shown once).
    pub token: NewToken,
    /// The policy that matched.
    pub publisher: TrustedPublisher,
}

/// The trusted publisher policies and the exchange.
#[derive(Clone)]
pub struct TrustedPublishing {
    registry: Registry,
    store: Arc<dyn TrustedPublisherStore>,
    tokens: Arc<dyn TokenStore>,
    keys: Arc<IssuerKeys>,
}

impl std::fmt::Debug for TrustedPublishing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedPublishing")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

fn unauthenticated(why: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unauthenticated, why.into())
}

impl TrustedPublishing {
    /// Policies in `store`, tokens minted in `tokens`, issuers' keys
    /// fetched with `trust`.
    pub fn new(
        registry: Registry,
        store: Arc<dyn TrustedPublisherStore>,
        tokens: Arc<dyn TokenStore>,
        trust: &crate::trust::ClientTrust,
    ) -> Result<Self> {
        Ok(TrustedPublishing {
            registry,
            store,
            tokens,
            keys: Arc::new(IssuerKeys::new(trust)?),
        })
    }

    /// Store a policy (admins).
    pub async fn add(
        &self,
        ctx: &RequestContext,
        request: TrustedPublisherRequest,
    ) -> Result<TrustedPublisher> {
        self.registry
            .authorize_admin(ctx, "trusted-publisher.add")
            .await?;
        let result = self.add_checked(request).await;
        let target = match &result {
            Ok(p) => format!("trusted-publishers/{}", p.id),
            Err(_) => "trusted-publishers".to_string(),
        };
        self.registry
            .record_outcome(ctx, "trusted-publisher.add", &target, &result)
            .await;
        result
    }

    async fn add_checked(&self, request: TrustedPublisherRequest) -> Result<TrustedPublisher> {
        request.check()?;
        let publisher = TrustedPublisher {
            id: new_id(),
            namespace: request.namespace.to_ascii_lowercase(),
            issuer: request.issuer.trim_end_matches('/').to_string(),
            audience: request.audience,
            claims: request.claims,
            created_at: Utc::now(),
        };
        self.store.add_trusted_publisher(&publisher).await?;
        Ok(publisher)
    }

    /// Every policy (admins).
    pub async fn list(&self, ctx: &RequestContext) -> Result<Vec<TrustedPublisher>> {
        self.registry
            .authorize_admin(ctx, "trusted-publisher.list")
            .await?;
        self.store.trusted_publishers().await
    }

    /// Remove a policy (admins); tokens it made run out by themselves
    /// within the hour (or `registry token revoke` them).
    pub async fn remove(&self, ctx: &RequestContext, id: &str) -> Result<TrustedPublisher> {
        self.registry
            .authorize_admin(ctx, "trusted-publisher.remove")
            .await?;
        let result = self.store.remove_trusted_publisher(id).await;
        self.registry
            .record_outcome(
                ctx,
                "trusted-publisher.remove",
                &format!("trusted-publishers/{id}"),
                &result,
            )
            .await;
        result
    }

    /// Exchange an identity token for a publish token, or say what did
    /// not match (`Unauthenticated`).
    pub async fn exchange(&self, ctx: &RequestContext, jwt: &str) -> Result<Exchanged> {
        let result = self.exchange_checked(jwt).await;
        let target = match &result {
            Ok((e, matched)) => format!("trusted-publishers/{} {matched}", e.publisher.id),
            Err(_) => "trusted-publishers".to_string(),
        };
        match &result {
            Ok(_) => {
                self.registry
                    .record_success(ctx, "oidc.exchange", &target)
                    .await
            }
            Err(e) => {
                self.registry
                    .record_refusal(ctx, "oidc.exchange", &target, e)
                    .await
            }
        }
        result.map(|(e, _)| e)
    }

    async fn exchange_checked(&self, jwt: &str) -> Result<(Exchanged, String)> {
        let jwt = jwt.trim();
        if jwt.is_empty() || jwt.len() > MAX_JWT_BYTES {
            return Err(unauthenticated(
                "the identity token is empty or over 16 KiB",
            ));
        }
        let header = jsonwebtoken::decode_header(jwt)
            .map_err(|e| unauthenticated(format!("the identity token is not a JWT: {e}")))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(unauthenticated(format!(
                "the identity token is signed with {:?}; only an issuer's public-key signatures are accepted",
                header.alg
            )));
        }
        let (issuer, raw_issuer) = unverified_issuer(jwt)?;
        let policies: Vec<TrustedPublisher> = self
            .store
            .trusted_publishers()
            .await?
            .into_iter()
            .filter(|p| p.issuer == issuer)
            .collect();
        if policies.is_empty() {
            return Err(unauthenticated(format!(
                "no trusted publisher accepts tokens from issuer {issuer:?}"
            )));
        }
        let key = self.keys.key(&issuer, header.kid.as_deref()).await?;
        let mut validation = Validation::new(header.alg);
        // As the token spells it (`https://tenant.auth0.com/`); policies
        // name it without the trailing slash.
        validation.set_issuer(&[&raw_issuer]);
        let audiences: Vec<&str> = policies.iter().map(|p| p.audience.as_str()).collect();
        validation.set_audience(&audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
            .map_err(|e| unauthenticated(refusal_of(&e, &issuer)))?;
        let claims = data.claims;
        let mut reasons = Vec::new();
        for p in policies {
            match mismatch(&p, &claims) {
                None => {
                    let matched = matched_claims(&p, &claims);
                    let token = self.mint(&p, &claims, &matched).await?;
                    return Ok((
                        Exchanged {
                            token,
                            publisher: p,
                        },
                        matched,
                    ));
                }
                Some(why) => reasons.push(format!("trusted publisher {}: {why}", p.id)),
            }
        }
        Err(unauthenticated(format!(
            "no trusted publisher matches the identity token ({})",
            reasons.join("; ")
        )))
    }

    async fn mint(&self, p: &TrustedPublisher, claims: &Value, matched: &str) -> Result<NewToken> {
        let now = Utc::now();
        let token_exp = claims["exp"]
            .as_i64()
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
        let expires_at = match token_exp {
            Some(e) if e < now + EXCHANGED_TOKEN_TTL => e,
            _ => now + EXCHANGED_TOKEN_TTL,
        };
        let request = TokenRequest {
            namespace: p.namespace.clone(),
            role: Role::Publisher,
            description: Some(truncate(
                &format!("trusted publisher {}: {matched}", p.id),
                300,
            )),
            expires_at: Some(expires_at),
            also: Vec::new(),
        };
        self.tokens.create(&request, now).await
    }
}

/// The `iss` of a token before its signature is checked, without and with
/// its trailing slash: only to pick the issuer whose keys check it.
fn unverified_issuer(jwt: &str) -> Result<(String, String)> {
    use base64::Engine as _;
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| unauthenticated("the identity token is not a JWT"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| unauthenticated("the identity token's claims are not base64url"))?;
    let claims: Value = serde_json::from_slice(&bytes)
        .map_err(|_| unauthenticated("the identity token's claims are not JSON"))?;
    claims["iss"]
        .as_str()
        .map(|s| (s.trim_end_matches('/').to_string(), s.to_string()))
        .ok_or_else(|| unauthenticated("the identity token names no issuer (iss)"))
}

/// Why jsonwebtoken refused a token, in words that say what to fix.
fn refusal_of(e: &jsonwebtoken::errors::Error, issuer: &str) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::ExpiredSignature => "the identity token has expired (exp)".into(),
        K::ImmatureSignature => "the identity token is not valid yet (nbf)".into(),
        K::InvalidAudience => {
            "the identity token's audience (aud) is not one a trusted publisher of its issuer accepts".into()
        }
        K::InvalidIssuer => format!("the identity token's issuer is not {issuer}"),
        K::InvalidSignature => {
            format!("the identity token's signature does not verify with issuer {issuer}'s keys")
        }
        K::MissingRequiredClaim(c) => format!("the identity token has no {c} claim"),
        other => format!("the identity token is refused: {other:?}"),
    }
}

/// A claim's value as the policy's glob sees it.
fn claim_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) => Some(v.to_string()),
        _ => None,
    }
}

/// What in `claims` a policy does not accept, if anything.
fn mismatch(p: &TrustedPublisher, claims: &Value) -> Option<String> {
    let aud_ok = match &claims["aud"] {
        Value::String(a) => *a == p.audience,
        Value::Array(all) => all.iter().any(|a| a.as_str() == Some(&p.audience)),
        _ => false,
    };
    if !aud_ok {
        return Some(format!("the audience is not {:?}", p.audience));
    }
    for (name, glob) in &p.claims {
        let Some(value) = claim_text(&claims[name]) else {
            return Some(format!("the token has no {name} claim"));
        };
        let matcher = globset::GlobBuilder::new(glob)
            .literal_separator(false)
            .build()
            .map(|g| g.compile_matcher());
        match matcher {
            Ok(m) if m.is_match(&value) => {}
            Ok(_) => return Some(format!("claim {name} is {value:?}, not {glob}")),
            Err(e) => return Some(format!("claim {name}: the pattern {glob:?} is broken: {e}")),
        }
    }
    None
}

/// `name=value` of each claim a policy bound, for the audit record.
fn matched_claims(p: &TrustedPublisher, claims: &Value) -> String {
    let mut parts = vec![format!(
        "sub={}",
        claim_text(&claims["sub"]).unwrap_or_default()
    )];
    for name in p.claims.keys().filter(|n| *n != "sub") {
        parts.push(format!(
            "{name}={}",
            claim_text(&claims[name]).unwrap_or_default()
        ));
    }
    parts.join(" ")
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn new_id() -> String {
    use rand::RngCore as _;
    let mut random = [0u8; 6];
    rand::rng().fill_bytes(&mut random);
    hex::encode(random)
}

/// The context an exchange is audited in: the identity it proved, if any.
pub fn exchange_context(base: &RequestContext) -> RequestContext {
    let mut ctx = base.clone();
    if matches!(ctx.actor, Actor::Anonymous) {
        ctx.actor = Actor::Service {
            name: "oidc-exchange".into(),
            grants: Vec::new(),
        };
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn policy(claims: &[(&str, &str)]) -> TrustedPublisher {
        TrustedPublisher {
            id: "p1".into(),
            namespace: "acme".into(),
            issuer: "https://issuer.example".into(),
            audience: "registry".into(),
            claims: claims
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn claims_are_matched_by_glob_and_mismatches_named() {
        let p = policy(&[("repository", "acme/*"), ("ref", "refs/tags/v*")]);
        let good = serde_json::json!({"aud": "registry", "repository": "acme/vpc", "ref": "refs/tags/v1.0.0", "sub": "repo:acme/vpc:ref:refs/tags/v1.0.0"});
        assert_eq!(mismatch(&p, &good), None);
        assert_eq!(
            matched_claims(&p, &good),
            "sub=repo:acme/vpc:ref:refs/tags/v1.0.0 ref=refs/tags/v1.0.0 repository=acme/vpc"
        );
        let other_repo = serde_json::json!({"aud": ["x", "registry"], "repository": "evil/vpc", "ref": "refs/tags/v1"});
        assert_eq!(
            mismatch(&p, &other_repo).unwrap(),
            "claim repository is \"evil/vpc\", not acme/*"
        );
        let other_aud =
            serde_json::json!({"aud": "else", "repository": "acme/vpc", "ref": "refs/tags/v1"});
        assert!(mismatch(&p, &other_aud).unwrap().contains("audience"));
        let missing = serde_json::json!({"aud": "registry", "repository": "acme/vpc"});
        assert_eq!(
            mismatch(&p, &missing).unwrap(),
            "the token has no ref claim"
        );
    }

    #[test]
    fn the_issuer_is_read_before_the_signature_only_to_pick_keys() {
        use base64::Engine as _;
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let jwt = format!(
            "{}.{}.sig",
            enc.encode(r#"{"alg":"RS256"}"#),
            enc.encode(r#"{"iss":"https://issuer.example/"}"#)
        );
        assert_eq!(unverified_issuer(&jwt).unwrap().0, "https://issuer.example");
        assert!(unverified_issuer("garbage").is_err());
    }
}
