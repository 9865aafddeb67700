//! `/sign-in/oidc` and its callback: signing in through the configured
//! OpenID provider (see [`crate::oidc::OidcSignIn`]). The person's mapped
//! roles become a token of their own, for the session's length, which a
//! web session then acts as; ending the session or revoking the token
//! signs them out.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect};
use cookie::{Cookie, SameSite};
use registry_core::{Error, ErrorKind, TokenRequest};
use serde::Deserialize;

use super::sign_in::{NextParam, open_browser_session};
use crate::http::Ctx;
use crate::oidc::{PENDING_COOKIE, PENDING_TTL};
use crate::state::AppState;
use crate::ui::UiResult;
use crate::ui::session::{self, Viewer};

/// The path the provider sends the browser back to.
pub const CALLBACK_PATH: &str = "/sign-in/oidc/callback";

fn not_configured() -> Error {
    Error::not_found("this registry has no OpenID provider to sign in with (--oidc-issuer)")
}

/// Where the provider returns the browser: `--public-url`, else this
/// request's host (https when the registry is reached over TLS).
fn redirect_uri(state: &AppState, headers: &HeaderMap) -> String {
    let host = state.public_host().map(str::to_string).or_else(|| {
        headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
    });
    let scheme = if state.web_sessions().secure_cookie {
        "https"
    } else {
        "http"
    };
    format!(
        "{scheme}://{}{CALLBACK_PATH}",
        host.unwrap_or_else(|| "localhost".into())
    )
}

fn pending_cookie(state: &AppState, value: &str, max_age: std::time::Duration) -> HeaderValue {
    // Lax, not Strict: the provider's redirect back is a cross-site
    // navigation, which a Strict cookie would not come along on.
    let c = Cookie::build((PENDING_COOKIE, value.to_string()))
        .path("/sign-in/oidc")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.web_sessions().secure_cookie)
        .max_age(cookie::time::Duration::seconds(max_age.as_secs() as i64))
        .build();
    HeaderValue::from_str(&c.to_string()).expect("a cookie is a header value")
}

fn pending_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == PENDING_COOKIE)
        .map(|c| c.value().to_string())
}

/// `GET /sign-in/oidc?next=`: off to the provider.
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<NextParam>,
) -> UiResult {
    let sso = state.oidc_sign_in().ok_or_else(not_configured)?;
    let next = session::safe_next(p.next());
    let (to, cookie) = sso
        .start(
            state.grants(),
            &redirect_uri(&state, &headers),
            &next,
            chrono::Utc::now(),
        )
        .await?;
    let mut resp = Redirect::to(to.as_str()).into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        pending_cookie(&state, &cookie, PENDING_TTL),
    );
    Ok(resp)
}

/// The provider's answer.
#[derive(Debug, Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /sign-in/oidc/callback`: check what came back, open a session
/// acting as a token with the person's roles.
pub async fn callback(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    viewer: Viewer,
    headers: HeaderMap,
    Query(p): Query<CallbackParams>,
) -> UiResult {
    let sso = state.oidc_sign_in().ok_or_else(not_configured)?;
    if let Some(e) = p.error {
        let refusal = Error::new(
            ErrorKind::Unauthenticated,
            // The error code only (the description is the request's word,
            // not the provider's: it is not shown).
            format!(
                "the OpenID provider did not sign you in ({})",
                e.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(50)
                    .collect::<String>()
            ),
        );
        state
            .registry()
            .record_refusal(&ctx, "sign-in.oidc", sso.issuer(), &refusal)
            .await;
        return Err(refusal.into());
    }
    let now = chrono::Utc::now();
    let finished = sso
        .finish(
            state.grants(),
            pending_of(&headers).as_deref(),
            p.code.as_deref().unwrap_or_default(),
            p.state.as_deref().unwrap_or_default(),
            &redirect_uri(&state, &headers),
            now,
        )
        .await;
    let person = match finished {
        Ok(person) => person,
        Err(e) => {
            state
                .registry()
                .record_refusal(&ctx, "sign-in.oidc", sso.issuer(), &e)
                .await;
            return Err(e.into());
        }
    };
    let ttl =
        chrono::Duration::from_std(state.web_sessions().ttl).unwrap_or(chrono::Duration::hours(12));
    let mut grants = person.grants.clone().into_iter();
    let first = grants.next().expect("a person signed in has a role");
    let made = state
        .tokens()
        .create(
            &TokenRequest {
                namespace: first.namespace,
                role: first.role,
                description: Some(format!(
                    "signed in through {} as {} (sub {})",
                    sso.issuer(),
                    person.name,
                    person.subject
                )),
                expires_at: Some(now + ttl),
                also: grants.collect(),
            },
            now,
        )
        .await?;
    let mut resp = open_browser_session(
        &state,
        &ctx,
        &viewer,
        &headers,
        &made.info,
        &person.next,
        "sign-in.oidc",
    )
    .await?;
    resp.headers_mut().append(
        header::SET_COOKIE,
        pending_cookie(&state, "", std::time::Duration::ZERO),
    );
    Ok(resp)
}
