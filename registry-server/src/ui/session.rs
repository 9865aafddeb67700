//! Who is signed in to the web UI, and the checks every form that changes
//! something passes: the session cookie (only a random secret, HttpOnly,
//! SameSite=Strict, Secure under TLS), a CSRF token bound to the session,
//! and the form's `Origin` naming this site.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};
use registry_core::{Error, ErrorKind, Role, SessionInfo, TokenInfo, constant_time_eq};

use crate::guard;
use crate::state::AppState;
use crate::ui::UiError;

/// The cookie that carries the session's secret.
pub const COOKIE: &str = "registry_session";

/// The session secret a request's cookies carry, if any.
pub fn secret_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_string())
}

/// `Set-Cookie` that opens a session for `ttl`.
pub fn set_cookie(state: &AppState, secret: &str, ttl: chrono::Duration) -> HeaderValue {
    let cookie = Cookie::build((COOKIE, secret.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.web_sessions().secure_cookie)
        .max_age(cookie::time::Duration::seconds(ttl.num_seconds().max(1)))
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("a cookie is a header value")
}

/// `Set-Cookie` that drops the session cookie.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    let cookie = Cookie::build((COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.web_sessions().secure_cookie)
        .max_age(cookie::time::Duration::ZERO)
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("a cookie is a header value")
}

/// The CSRF token of a session: derived from its secret, which only the
/// browser holding the cookie (and we) know, so a page elsewhere cannot
/// forge it.
fn csrf_of(secret: &str) -> String {
    let digest = registry_core::Sha256Digest::of(format!("registry-ui-csrf\0{secret}").as_bytes());
    digest.hex()[..32].to_string()
}

/// The signed-in user of a page: the token their session acts as.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The token the session acts as.
    pub token: TokenInfo,
    /// The session.
    pub session: SessionInfo,
    /// The CSRF token every form of theirs carries.
    pub csrf: String,
}

impl SignedIn {
    /// Whether they may change versions' lifecycle in `namespace`.
    pub fn may_publish(&self, namespace: &str) -> bool {
        self.token
            .grants()
            .iter()
            .any(|g| g.allows(namespace, Role::Publisher))
    }
}

/// Who is looking at a page: signed in through a session, or not (a
/// bearer token from a script is not a sign-in and shows no forms).
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    /// The signed-in user, if any.
    who: Option<SignedIn>,
    /// The page asked for (path and query), where sign-in returns to.
    here: String,
}

impl Viewer {
    /// The signed-in user, if any.
    pub fn signed_in(&self) -> Option<&SignedIn> {
        self.who.as_ref()
    }

    /// The sign-in page, returning here afterwards.
    pub fn sign_in_href(&self) -> String {
        sign_in_href(&self.here)
    }

    /// The signed-in user a form must come from, with its CSRF token
    /// checked; refused otherwise.
    pub fn require(&self, csrf: &str) -> Result<&SignedIn, UiError> {
        let who = self.signed_in().ok_or_else(|| {
            UiError(Error::new(
                ErrorKind::Unauthenticated,
                "sign in to change anything",
            ))
        })?;
        if !constant_time_eq(who.csrf.as_bytes(), csrf.as_bytes()) {
            return Err(UiError(Error::new(
                ErrorKind::PermissionDenied,
                "the form is out of date or came from another site; reload the page and try again",
            )));
        }
        Ok(who)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, UiError> {
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let Some(session) = guard::session_of(&parts.extensions).cloned() else {
            return Ok(Viewer { who: None, here });
        };
        let secret = secret_of(&parts.headers).unwrap_or_default();
        let token = state
            .tokens()
            .get(&session.token_id)
            .await?
            .ok_or_else(|| Error::not_found("the session's token is gone"))?;
        let who = SignedIn {
            token,
            csrf: csrf_of(&secret),
            session,
        };
        Ok(Viewer {
            who: Some(who),
            here,
        })
    }
}

/// `/sign-in?next=…`, returning to `next` (a path of ours) afterwards.
pub fn sign_in_href(next: &str) -> String {
    if next == "/" || next.starts_with("/sign-in") {
        return "/sign-in".into();
    }
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("/sign-in?next={next}")
}

/// Where sign-in may send the browser afterwards: a path on this site
/// only (never `//elsewhere` or `/\elsewhere`, which browsers read as
/// another host).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".into(),
    }
}

/// Refuse a form that does not come from a page of this site: its
/// `Origin` (or, without one, its `Referer`) must name the host the
/// request was sent to. SameSite=Strict already keeps the cookie off
/// other sites' requests; this also covers sign-in, which has no session.
pub fn same_origin(headers: &HeaderMap, uri: &axum::http::Uri) -> Result<(), UiError> {
    // HTTP/1 names the host in `Host`; HTTP/2 in `:authority`, the URI's.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or(uri.authority().map(|a| a.as_str()))
        .map(str::to_ascii_lowercase);
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok());
    let from_host = from.as_ref().and_then(|u| {
        let host = u.host_str()?.to_ascii_lowercase();
        Some(match u.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        })
    });
    // A default port may be spelled out in `Host` (`x:443`) and never is
    // in an `Origin`.
    let scheme = from
        .as_ref()
        .map(|u| u.scheme().to_string())
        .unwrap_or_default();
    let host = host.map(|h| match scheme.as_str() {
        "https" => h.strip_suffix(":443").map(str::to_string).unwrap_or(h),
        "http" => h.strip_suffix(":80").map(str::to_string).unwrap_or(h),
        _ => h,
    });
    match (host, from_host) {
        (Some(h), Some(f)) if h == f => Ok(()),
        _ => Err(UiError(Error::new(
            ErrorKind::PermissionDenied,
            "this form must be sent from the registry's own pages",
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_read_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; registry_session=rgs_ab_cd; b=2"),
        );
        assert_eq!(secret_of(&h).as_deref(), Some("rgs_ab_cd"));
        assert_eq!(secret_of(&HeaderMap::new()), None);
    }

    #[test]
    fn forms_from_elsewhere_are_refused() {
        let with = |origin: Option<&'static str>, referer: Option<&'static str>| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8443"));
            if let Some(o) = origin {
                h.insert(header::ORIGIN, HeaderValue::from_static(o));
            }
            if let Some(r) = referer {
                h.insert(header::REFERER, HeaderValue::from_static(r));
            }
            same_origin(&h, &axum::http::Uri::from_static("/sign-in")).is_ok()
        };
        assert!(with(Some("https://127.0.0.1:8443"), None));
        assert!(with(None, Some("https://127.0.0.1:8443/sign-in?next=/")));
        assert!(!with(Some("https://evil.example"), None));
        assert!(!with(Some("null"), None));
        assert!(!with(Some("https://127.0.0.1:9999"), None));
        assert!(!with(None, None));
        // HTTP/2: no Host, the authority in the URI; a default port spelled out.
        let mut h = HeaderMap::new();
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://r.example.com"),
        );
        let uri = axum::http::Uri::from_static("https://r.example.com/sign-in");
        assert!(same_origin(&h, &uri).is_ok());
        h.insert(header::HOST, HeaderValue::from_static("r.example.com:443"));
        assert!(same_origin(&h, &axum::http::Uri::from_static("/sign-in")).is_ok());
    }

    #[test]
    fn sign_in_returns_only_to_our_own_pages() {
        assert_eq!(
            safe_next(Some("/modules/acme?tab=x")),
            "/modules/acme?tab=x"
        );
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(
            sign_in_href("/modules/a/b/c?tab=inputs"),
            "/sign-in?next=%2Fmodules%2Fa%2Fb%2Fc%3Ftab%3Dinputs"
        );
    }

    #[test]
    fn the_csrf_token_is_bound_to_the_session() {
        assert_eq!(csrf_of("rgs_a_b"), csrf_of("rgs_a_b"));
        assert_ne!(csrf_of("rgs_a_b"), csrf_of("rgs_a_c"));
        assert_eq!(csrf_of("rgs_a_b").len(), 32);
    }
}
