//! For tests here and in the CLI (feature `testing`): an OpenID issuer the
//! way CI systems run one, over https on loopback, serving its discovery
//! document and JWKS and signing identity tokens (ES256), plus a stranger's
//! key to sign tokens it never published.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::Json;
use axum::routing::get;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// A running issuer; stops when dropped.
pub struct OidcIssuer {
    url: String,
    cert_file: PathBuf,
    _dir: tempfile::TempDir,
    handle: axum_server::Handle<SocketAddr>,
    key: EncodingKey,
    stranger: EncodingKey,
}

impl std::fmt::Debug for OidcIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcIssuer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Drop for OidcIssuer {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// The key id the issuer publishes its key under.
pub const KEY_ID: &str = "test-key-1";

fn es256_key() -> (EncodingKey, Value) {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("an EC key");
    let raw = pair.public_key_raw();
    // Uncompressed point: 0x04, then x and y (32 bytes each).
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwk = json!({
        "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": KEY_ID,
        "x": enc.encode(&raw[1..33]), "y": enc.encode(&raw[33..65]),
    });
    let key = EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).expect("a PEM key");
    (key, jwk)
}

impl OidcIssuer {
    /// Start an issuer on a free loopback port, with a fresh self-signed
    /// certificate (trust it with [`OidcIssuer::cert_file`]).
    pub async fn start() -> OidcIssuer {
        let dir = tempfile::tempdir().expect("a temp dir");
        let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).expect("a cert");
        let cert_file = dir.path().join("issuer.pem");
        let key_file = dir.path().join("issuer-key.pem");
        std::fs::write(&cert_file, ck.cert.pem()).expect("write cert");
        std::fs::write(&key_file, ck.signing_key.serialize_pem()).expect("write key");
        let (key, jwk) = es256_key();
        let (stranger, _) = es256_key();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let addr = listener.local_addr().expect("its address");
        let url = format!("https://127.0.0.1:{}", addr.port());
        let discovery = json!({
            "issuer": url,
            "jwks_uri": format!("{url}/jwks"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
        });
        let jwks = json!({ "keys": [jwk] });
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || {
                    let d = discovery.clone();
                    async move { Json(d) }
                }),
            )
            .route(
                "/jwks",
                get(move || {
                    let k = jwks.clone();
                    async move { Json(k) }
                }),
            );
        let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert_file, &key_file)
            .await
            .expect("TLS config");
        let handle = axum_server::Handle::new();
        let server = axum_server::from_tcp_rustls(listener, tls)
            .expect("a TLS listener")
            .handle(handle.clone());
        tokio::spawn(async move { server.serve(app.into_make_service()).await });
        handle.listening().await.expect("the issuer listens");
        OidcIssuer {
            url,
            cert_file,
            _dir: dir,
            handle,
            key,
            stranger,
        }
    }

    /// The issuer URL (`iss`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its certificate, to trust (`--ca-cert`).
    pub fn cert_file(&self) -> &Path {
        &self.cert_file
    }

    /// Claims as GitHub Actions writes them for `repository` at `git_ref`,
    /// for `audience`, valid for five minutes.
    pub fn github_claims(&self, audience: &str, repository: &str, git_ref: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.url,
            "aud": audience,
            "sub": format!("repo:{repository}:ref:{git_ref}"),
            "repository": repository,
            "repository_owner": repository.split('/').next().unwrap_or_default(),
            "ref": git_ref,
            "ref_type": "tag",
            "workflow": "release",
            "iat": now,
            "nbf": now - 5,
            "exp": now + 300,
        })
    }

    /// `claims` signed with the issuer's published key.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(KEY_ID.into());
        jsonwebtoken::encode(&header, claims, &self.key).expect("signed")
    }

    /// `claims` signed with a key the issuer never published, under the
    /// published key's id.
    pub fn sign_as_stranger(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(KEY_ID.into());
        jsonwebtoken::encode(&header, claims, &self.stranger).expect("signed")
    }

    /// `claims` signed with a shared secret (HS256), which no OIDC issuer uses.
    pub fn sign_with_secret(&self, claims: &Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(b"shared"),
        )
        .expect("signed")
    }
}
