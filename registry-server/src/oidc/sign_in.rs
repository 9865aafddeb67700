//! People signing in to the web UI through an OpenID provider: the
//! authorization-code flow with PKCE, the ID token checked against the
//! provider's keys (`iss`, `aud`, `exp`, `nonce`), and the person's groups
//! (`--oidc-roles-claim`) mapped to roles by `--oidc-role-map`. The web
//! UI's pages (`ui/pages/sso.rs`) turn the result into a session.
//!
//! What the browser carries between the two legs (state, nonce, PKCE
//! verifier, where to return) is a cookie signed with the grant key, so
//! any server process may take the callback.

use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use jsonwebtoken::Validation;
use registry_core::{Error, ErrorKind, Grant, Result, Role};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::issuers::{IssuerKeys, read_json};
use crate::grant::GrantKey;

/// How long a sign-in at the provider may take.
pub const PENDING_TTL: std::time::Duration = std::time::Duration::from_secs(900);

/// The cookie holding a pending sign-in.
pub const PENDING_COOKIE: &str = "registry_oidc";

/// One group's role: `group=namespace:role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleMapping {
    /// The group, as the roles claim names it.
    pub group: String,
    /// What its members may do.
    pub grant: Grant,
}

/// Read `platform-admins=*:admin,team-a=acme:publisher`.
pub fn parse_role_map(text: &str) -> Result<Vec<RoleMapping>> {
    let bad = |part: &str, why: &str| {
        Error::invalid_input(format!(
            "--oidc-role-map {part:?}: {why}; write GROUP=NAMESPACE:ROLE, comma-separated (platform-admins=*:admin,team-a=acme:publisher)"
        ))
    };
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (group, grant) = part.rsplit_once('=').ok_or_else(|| bad(part, "no ="))?;
        let (namespace, role) = grant
            .split_once(':')
            .ok_or_else(|| bad(part, "no : between namespace and role"))?;
        if group.trim().is_empty() {
            return Err(bad(part, "no group"));
        }
        if namespace != "*" {
            registry_core::validate_namespace(namespace).map_err(|e| bad(part, e.message()))?;
        }
        let role: Role = role.parse().map_err(|e: Error| bad(part, e.message()))?;
        out.push(RoleMapping {
            group: group.trim().to_string(),
            grant: Grant {
                namespace: namespace.to_ascii_lowercase(),
                role,
            },
        });
    }
    if out.is_empty() {
        return Err(bad(text, "it maps no group"));
    }
    Ok(out)
}

/// How people sign in through an OpenID provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OidcLoginConfig {
    /// The provider (`https://login.example.com/realms/acme`).
    pub issuer: String,
    /// This registry's client id there.
    pub client_id: String,
    /// Its client secret (`--oidc-client-secret-file`).
    #[serde(skip)]
    pub client_secret: Option<SecretString>,
    /// The ID token claim listing the person's groups (default `groups`).
    pub roles_claim: String,
    /// Groups to roles.
    pub role_map: Vec<RoleMapping>,
    /// The scopes asked for (default `openid profile email`).
    pub scopes: String,
}

/// Who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The provider's subject.
    pub subject: String,
    /// A name to show (`preferred_username`, `email`, `name` or the subject).
    pub name: String,
    /// The groups the roles claim listed.
    pub groups: Vec<String>,
    /// What they may do here: the mapped roles, strongest first.
    pub grants: Vec<Grant>,
    /// Where the browser returns.
    pub next: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    verifier: String,
    next: String,
}

fn random_text() -> String {
    use rand::RngCore as _;
    let mut random = [0u8; 32];
    rand::rng().fill_bytes(&mut random);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
}

fn refused(why: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unauthenticated, why.into())
}

/// Signing in through the configured provider.
#[derive(Clone)]
pub struct OidcSignIn {
    config: Arc<OidcLoginConfig>,
    keys: Arc<IssuerKeys>,
}

impl std::fmt::Debug for OidcSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSignIn")
            .field("issuer", &self.config.issuer)
            .field("client_id", &self.config.client_id)
            .finish_non_exhaustive()
    }
}

impl OidcSignIn {
    /// Sign-in through `config`'s provider, reached with `trust`.
    pub fn new(config: OidcLoginConfig, trust: &crate::trust::ClientTrust) -> Result<Self> {
        let issuer = url::Url::parse(&config.issuer)
            .map_err(|e| Error::invalid_input(format!("--oidc-issuer {:?}: {e}", config.issuer)))?;
        if !super::issuers::fetchable(&issuer) {
            return Err(Error::invalid_input(format!(
                "--oidc-issuer {:?} must be an https URL",
                config.issuer
            )));
        }
        if config.client_id.is_empty() {
            return Err(Error::invalid_input("--oidc-client-id is required"));
        }
        Ok(OidcSignIn {
            config: Arc::new(config),
            keys: Arc::new(IssuerKeys::new(trust)?),
        })
    }

    /// The provider's URL.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Where to send the browser, and the pending sign-in's cookie value.
    pub async fn start(
        &self,
        key: &GrantKey,
        redirect_uri: &str,
        next: &str,
        now: DateTime<Utc>,
    ) -> Result<(url::Url, String)> {
        let discovery = self.keys.discovery(&self.config.issuer).await?;
        let endpoint = discovery.authorization_endpoint.ok_or_else(|| {
            Error::new(
                ErrorKind::Upstream,
                "the OpenID provider names no authorization_endpoint",
            )
        })?;
        let pending = Pending {
            state: random_text(),
            nonce: random_text(),
            verifier: random_text(),
            next: next.to_string(),
        };
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            <sha2::Sha256 as sha2::Digest>::digest(pending.verifier.as_bytes()),
        );
        let mut url = url::Url::parse(&endpoint)
            .map_err(|e| Error::new(ErrorKind::Upstream, format!("authorization_endpoint: {e}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &self.config.scopes)
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        let json = serde_json::to_string(&pending)
            .map_err(|e| Error::new(ErrorKind::Backend, e.to_string()))?;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.as_bytes());
        let grant = key.sign_for_ttl(&pending_subject(&payload), now, None, PENDING_TTL);
        Ok((url, format!("{payload}~{grant}")))
    }

    /// Finish a sign-in: the callback's `code` and `state` against the
    /// pending cookie, the code traded at the token endpoint, the ID token
    /// checked, the groups mapped.
    pub async fn finish(
        &self,
        key: &GrantKey,
        cookie: Option<&str>,
        code: &str,
        state: &str,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<Person> {
        let pending = read_pending(key, cookie, now)?;
        if !registry_core::constant_time_eq(pending.state.as_bytes(), state.as_bytes()) {
            return Err(refused(
                "the sign-in's state does not match this browser's; start again",
            ));
        }
        let discovery = self.keys.discovery(&self.config.issuer).await?;
        let token_endpoint = discovery.token_endpoint.ok_or_else(|| {
            Error::new(
                ErrorKind::Upstream,
                "the OpenID provider names no token_endpoint",
            )
        })?;
        let mut request = self.keys.http().post(&token_endpoint).form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", &pending.verifier),
            ("client_id", &self.config.client_id),
        ]);
        if let Some(secret) = &self.config.client_secret {
            request = request.basic_auth(&self.config.client_id, Some(secret.expose_secret()));
        }
        let response = request.send().await.map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!(
                    "the OpenID provider's token endpoint: {}",
                    crate::mirror::error_chain(&e)
                ),
            )
        })?;
        let status = response.status();
        let answer: Value = read_json(&self.config.issuer, &token_endpoint, response).await?;
        if !status.is_success() {
            return Err(refused(format!(
                "the OpenID provider refused the code: {} {}",
                answer["error"].as_str().unwrap_or("error"),
                answer["error_description"].as_str().unwrap_or_default()
            )));
        }
        let id_token = answer["id_token"]
            .as_str()
            .ok_or_else(|| refused("the OpenID provider sent no id_token"))?;
        let claims = self.check_id_token(id_token, &pending.nonce).await?;
        let subject = claims["sub"]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| refused("the ID token names no subject"))?
            .to_string();
        let name = ["preferred_username", "email", "name"]
            .iter()
            .find_map(|c| claims[*c].as_str())
            .unwrap_or(&subject)
            .chars()
            .take(100)
            .collect();
        let groups = groups_of(&claims[self.config.roles_claim.as_str()]);
        let grants = self.grants_of(&groups);
        if grants.is_empty() {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!(
                    "you signed in as {name}, but none of your groups ({}) has a role in this registry (claim {:?}, --oidc-role-map)",
                    if groups.is_empty() {
                        "none".to_string()
                    } else {
                        groups.join(", ")
                    },
                    self.config.roles_claim
                ),
            ));
        }
        Ok(Person {
            subject,
            name,
            groups,
            grants,
            next: pending.next,
        })
    }

    async fn check_id_token(&self, id_token: &str, nonce: &str) -> Result<Value> {
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|e| refused(format!("the ID token is not a JWT: {e}")))?;
        if !super::ALGORITHMS.contains(&header.alg) {
            return Err(refused(format!(
                "the ID token is signed with {:?}; only public-key signatures are accepted",
                header.alg
            )));
        }
        let key = self
            .keys
            .key(&self.config.issuer, header.kid.as_deref())
            .await?;
        let mut validation = Validation::new(header.alg);
        let issuer = self.config.issuer.trim_end_matches('/');
        validation.set_issuer(&[issuer.to_string(), format!("{issuer}/")]);
        validation.set_audience(&[&self.config.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
            .map_err(|e| refused(super::refusal_of(&e, &self.config.issuer)))?;
        if data.claims["nonce"].as_str() != Some(nonce) {
            return Err(refused(
                "the ID token's nonce is not this sign-in's (a replayed token?)",
            ));
        }
        Ok(data.claims)
    }

    /// The roles `groups` map to, strongest first, one per namespace.
    pub fn grants_of(&self, groups: &[String]) -> Vec<Grant> {
        let mut grants: Vec<Grant> = Vec::new();
        for m in &self.config.role_map {
            if !groups.contains(&m.group) {
                continue;
            }
            match grants.iter_mut().find(|g| g.namespace == m.grant.namespace) {
                Some(g) if g.role < m.grant.role => g.role = m.grant.role,
                Some(_) => {}
                None => grants.push(m.grant.clone()),
            }
        }
        grants.sort_by(|a, b| {
            b.role
                .cmp(&a.role)
                .then_with(|| (a.namespace != "*").cmp(&(b.namespace != "*")))
        });
        grants
    }
}

fn pending_subject(payload: &str) -> String {
    format!("oidc-sign-in\n{payload}")
}

fn read_pending(key: &GrantKey, cookie: Option<&str>, now: DateTime<Utc>) -> Result<Pending> {
    let expired = || refused("this sign-in has expired or began in another browser; start again");
    let cookie = cookie.ok_or_else(expired)?;
    let (payload, grant) = cookie.split_once('~').ok_or_else(expired)?;
    if !key.verify(&pending_subject(payload), grant, now) {
        return Err(expired());
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| expired())?;
    serde_json::from_slice(&json).map_err(|_| expired())
}

/// A roles claim's groups: a list of strings, or one string of them.
fn groups_of(claim: &Value) -> Vec<String> {
    match claim {
        Value::Array(all) => all
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in(map: &str) -> OidcSignIn {
        OidcSignIn::new(
            OidcLoginConfig {
                issuer: "https://login.example.com".into(),
                client_id: "registry".into(),
                client_secret: None,
                roles_claim: "groups".into(),
                role_map: parse_role_map(map).unwrap(),
                scopes: "openid".into(),
            },
            &crate::trust::ClientTrust::new(&[]).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn groups_map_to_the_strongest_role_per_namespace() {
        let s = sign_in(
            "platform-admins=*:admin, team-a=acme:publisher,readers=acme:reader,b=beta:reader",
        );
        let grants = s.grants_of(&["readers".into(), "team-a".into(), "b".into()]);
        assert_eq!(
            grants,
            [
                Grant {
                    namespace: "acme".into(),
                    role: Role::Publisher
                },
                Grant {
                    namespace: "beta".into(),
                    role: Role::Reader
                }
            ]
        );
        assert_eq!(s.grants_of(&["platform-admins".into()])[0].namespace, "*");
        assert!(s.grants_of(&["strangers".into()]).is_empty());
        for bad in [
            "team-a",
            "team-a=acme",
            "=acme:reader",
            "a=acme:owner",
            "a=bad ns:reader",
        ] {
            assert!(parse_role_map(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_pending_cookie_is_signed_and_expires() {
        let key = GrantKey::new(vec![3u8; 32]).unwrap();
        let now = Utc::now();
        let pending = Pending {
            state: "s".into(),
            nonce: "n".into(),
            verifier: "v".into(),
            next: "/account".into(),
        };
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_string(&pending).unwrap());
        let grant = key.sign_for_ttl(&pending_subject(&payload), now, None, PENDING_TTL);
        let cookie = format!("{payload}~{grant}");
        assert_eq!(
            read_pending(&key, Some(&cookie), now).unwrap().next,
            "/account"
        );
        let later = now + chrono::Duration::hours(1);
        assert!(read_pending(&key, Some(&cookie), later).is_err());
        let first = if payload.starts_with('e') { "f" } else { "e" };
        let forged = format!("{first}{}~{grant}", &payload[1..]);
        assert!(read_pending(&key, Some(&forged), now).is_err());
        assert_eq!(groups_of(&serde_json::json!("a, b c")), ["a", "b c"]);
    }
}
