//! Signing in to the web UI and changing versions from their pages: a
//! token opens a server-side session (cookie flags, CSRF, same-origin
//! forms), sessions are listed and end on sign-out, on revocation of
//! their token and on expiry; publishers deprecate and yank with
//! confirmation, audited; readers and cookies on the API get nothing.
#![cfg(feature = "ui")]

mod common;

use common::{Live, live};
use registry_core::Role;
use registry_core::testing::TarBuilder;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};

fn module() -> Vec<u8> {
    TarBuilder::new()
        .file("main.tf", "variable \"name\" {\n  type = string\n}\n")
        .file("README.md", "# Greeting\n")
        .finish()
}

/// The origin a form of this server's pages is sent from.
fn origin(live: &Live) -> String {
    live.server.url().trim_end_matches('/').to_string()
}

/// `POST` a form as a browser on our pages would (with our `Origin`).
async fn post(
    live: &Live,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = live
        .http
        .post(live.url(path))
        .header(ORIGIN, origin(live))
        .form(fields);
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    req.send().await.unwrap()
}

async fn get(live: &Live, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut req = live.http.get(live.url(path));
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_string());
    let text = r.text().await.unwrap();
    (status, location.unwrap_or(text))
}

/// Sign in with `token`: the `Cookie` header value of the new session.
async fn sign_in(live: &Live, token: &str) -> String {
    let r = post(live, "/sign-in", None, &[("token", token), ("next", "/")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    set.split(';').next().unwrap().to_string()
}

/// The hidden CSRF field of a page.
fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + 32].to_string()
}

#[tokio::test]
async fn signing_in_opens_a_session_that_reads_under_require_auth() {
    let live = live(|c| c.registry.require_auth = true).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let r = live
        .put_archive(&publisher, "/v1/modules/acme/greeting/null/1.0.0", module())
        .await;
    assert_eq!(r.status(), 201);

    // Without a session, a page sends the browser to sign in and back.
    let (s, to) = get(&live, "/modules/acme/greeting/null?tab=inputs", None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        to,
        "/sign-in?next=%2Fmodules%2Facme%2Fgreeting%2Fnull%3Ftab%3Dinputs"
    );
    let (s, form) = get(&live, &to, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        form.contains("type=\"password\" name=\"token\"")
            && form.contains("value=\"/modules/acme/greeting/null?tab=inputs\""),
        "{form}"
    );

    // A form from another site, or with no origin at all, is refused.
    let r = live
        .http
        .post(live.url("/sign-in"))
        .header(ORIGIN, "https://evil.example")
        .form(&[("token", publisher.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get(SET_COOKIE).is_none());
    let r = live
        .http
        .post(live.url("/sign-in"))
        .form(&[("token", publisher.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A wrong token: 401, no cookie, the form again.
    let r = post(&live, "/sign-in", None, &[("token", "rgt_abc_wrong")]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(SET_COOKIE).is_none());
    assert!(r.text().await.unwrap().contains("That token is not valid"));

    // The right one: a session cookie that holds no token, and back to next.
    let r = post(
        &live,
        "/sign-in",
        None,
        &[
            ("token", publisher.as_str()),
            ("next", "/modules/acme/greeting/null?tab=inputs"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[LOCATION],
        "/modules/acme/greeting/null?tab=inputs"
    );
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.starts_with("registry_session=rgs_"), "{set}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(flag), "{flag} missing: {set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP: {set}");
    assert!(!set.contains(&publisher));
    let cookie = set.split(';').next().unwrap().to_string();

    let (s, html) = get(
        &live,
        "/modules/acme/greeting/null?tab=inputs",
        Some(&cookie),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Signed in"), "{html}");
    let token_id = registry_core::token_id_of(&publisher).unwrap();
    let (_, account) = get(&live, "/account", Some(&cookie)).await;
    assert!(
        account.contains(token_id)
            && account.contains("this browser")
            && account.contains("publisher"),
        "{account}"
    );

    // Sign-in only returns to our own pages.
    let r = post(
        &live,
        "/sign-in",
        None,
        &[("token", publisher.as_str()), ("next", "//evil.example/")],
    )
    .await;
    assert_eq!(r.headers()[LOCATION], "/");

    // The cookie is the UI's: the API does not take it.
    let r = live
        .http
        .get(live.url("/v1/modules/acme/greeting/null/versions"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Sign-in is audited as the token.
    let admin = live.token("*", Role::Admin).await;
    let audit = live
        .http
        .get(live.url("/v1/audit"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        audit.contains("\"sign-in\"") && audit.contains(&format!("token:{token_id}")),
        "{audit}"
    );
}

#[tokio::test]
async fn publishers_deprecate_and_yank_from_the_page_with_confirmation() {
    let live = live(|_| {}).await;
    let publisher = live.token("acme", Role::Publisher).await;
    for v in ["1.0.0", "1.1.0"] {
        let r = live
            .put_archive(
                &publisher,
                &format!("/v1/modules/acme/greeting/null/{v}"),
                module(),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let page = "/modules/acme/greeting/null/1.0.0";
    let cookie = sign_in(&live, &publisher).await;
    let (_, html) = get(&live, page, Some(&cookie)).await;
    assert!(
        html.contains("Manage this version") && html.contains("/1.0.0/lifecycle?action=deprecate"),
        "{html}"
    );
    // Anonymous visitors and other namespaces' publishers see no actions.
    let (_, anon) = get(&live, page, None).await;
    assert!(!anon.contains("Manage this version"));
    let other = sign_in(&live, &live.token("other", Role::Publisher).await).await;
    let (_, theirs) = get(&live, page, Some(&other)).await;
    assert!(!theirs.contains("Manage this version"));
    let (s, _) = get(
        &live,
        &format!("{page}/lifecycle?action=deprecate"),
        Some(&other),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The confirmation page, then the form it holds.
    let (s, confirm) = get(
        &live,
        &format!("{page}/lifecycle?action=deprecate"),
        Some(&cookie),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        confirm.contains("Deprecate acme/greeting/null 1.0.0?"),
        "{confirm}"
    );
    let token = csrf(&confirm);
    let action = format!("{page}/lifecycle");

    // Without the CSRF token, with another session's, or from elsewhere: refused.
    let (_, other_page) = get(&live, "/account", Some(&other)).await;
    for bad in [
        "",
        "0123456789abcdef0123456789abcdef",
        csrf(&other_page).as_str(),
    ] {
        let r = post(
            &live,
            &action,
            Some(&cookie),
            &[("action", "deprecate"), ("csrf", bad), ("reason", "old")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "csrf {bad:?}");
    }
    let r = live
        .http
        .post(live.url(&action))
        .header(COOKIE, &cookie)
        .header(ORIGIN, "https://evil.example")
        .form(&[
            ("action", "deprecate"),
            ("csrf", token.as_str()),
            ("reason", "old"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A deprecation needs a reason.
    let r = post(
        &live,
        &action,
        Some(&cookie),
        &[("action", "deprecate"), ("csrf", &token), ("reason", " ")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (_, still) = get(&live, page, None).await;
    assert!(!still.contains("Deprecated"), "nothing changed yet");

    let r = post(
        &live,
        &action,
        Some(&cookie),
        &[
            ("action", "deprecate"),
            ("csrf", &token),
            ("reason", "Superseded by 1.1"),
            ("successor", "1.1.0"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], page);
    let (_, html) = get(&live, page, None).await;
    assert!(
        html.contains("Deprecated")
            && html.contains("Superseded by 1.1")
            && html.contains("Use 1.1.0 instead."),
        "{html}"
    );
    let api: serde_json::Value = live
        .http
        .get(live.url("/v1/modules/acme/greeting/null/1.0.0"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["deprecation"]["reason"], "Superseded by 1.1", "{api}");

    // Yank, then bring it back, and undeprecate: each from its own page.
    for (word, shown) in [
        ("yank", Some("Yanked")),
        ("unyank", None),
        ("undeprecate", None),
    ] {
        let (s, confirm) = get(
            &live,
            &format!("{page}/lifecycle?action={word}"),
            Some(&cookie),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{word}");
        let r = post(
            &live,
            &action,
            Some(&cookie),
            &[("action", word), ("csrf", &csrf(&confirm))],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{word}");
        let (_, html) = get(&live, page, None).await;
        if let Some(banner) = shown {
            assert!(html.contains(banner), "{word}: {html}");
        } else {
            assert!(!html.contains("banner bad"), "{word}: {html}");
        }
    }
    let (_, html) = get(&live, page, None).await;
    assert!(!html.contains("Deprecated"), "{html}");

    // A repeated change that does not apply is a page, not a crash.
    let r = post(
        &live,
        &action,
        Some(&cookie),
        &[("action", "unyank"), ("csrf", &token)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Every change is audited as the publisher's token.
    let admin = live.token("*", Role::Admin).await;
    let audit = live
        .http
        .get(live.url("/v1/audit"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let id = registry_core::token_id_of(&publisher).unwrap();
    for word in ["deprecate", "yank", "unyank", "undeprecate"] {
        assert!(audit.contains(&format!("\"{word}\"")), "{word}: {audit}");
    }
    assert!(audit.contains(&format!("token:{id}")));
}

#[tokio::test]
async fn sessions_end_on_sign_out_on_revocation_and_on_expiry() {
    let live = live(|c| {
        c.registry.require_auth = true;
        c.session_ttl = std::time::Duration::from_secs(2);
    })
    .await;
    let secret = live.token("acme", Role::Reader).await;
    let here = sign_in(&live, &secret).await;
    let there = sign_in(&live, &secret).await;
    let (_, account) = get(&live, "/account", Some(&here)).await;
    assert_eq!(account.matches("<tr>").count(), 5 + 1 + 2, "{account}");

    // End the other browser's session from the list.
    let other_id = {
        let tokens = live.server.opened.storage.metadata.as_token_store();
        let id = registry_core::token_id_of(&secret).unwrap();
        let sessions = tokens.sessions(id).await.unwrap();
        assert_eq!(sessions.len(), 2);
        let there_id = registry_core::session_id_of(there.trim_start_matches("registry_session="))
            .unwrap()
            .to_string();
        assert!(sessions.iter().any(|s| s.id == there_id));
        there_id
    };
    let r = post(
        &live,
        &format!("/account/sessions/{other_id}/end"),
        Some(&here),
        &[("csrf", &csrf(&account))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (s, _) = get(&live, "/", Some(&there)).await;
    assert_eq!(
        s,
        StatusCode::SEE_OTHER,
        "the ended session reads as signed out"
    );
    let (s, _) = get(&live, "/", Some(&here)).await;
    assert_eq!(s, StatusCode::OK);

    // Sign out: the cookie is dropped and the session ends.
    let r = post(
        &live,
        "/sign-out",
        Some(&here),
        &[("csrf", &csrf(&account))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let (s, _) = get(&live, "/", Some(&here)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // Revoking the token ends its sessions.
    let fresh = sign_in(&live, &secret).await;
    assert_eq!(get(&live, "/", Some(&fresh)).await.0, StatusCode::OK);
    let tokens = live.server.opened.storage.metadata.as_token_store();
    tokens
        .revoke(
            registry_core::token_id_of(&secret).unwrap(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(get(&live, "/", Some(&fresh)).await.0, StatusCode::SEE_OTHER);

    // Expiry (--session-ttl 2s).
    let other = live.token("acme", Role::Reader).await;
    let brief = sign_in(&live, &other).await;
    assert_eq!(get(&live, "/", Some(&brief)).await.0, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(get(&live, "/", Some(&brief)).await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_cookie_is_secure_when_browsers_reach_us_over_tls() {
    let live = live(|c| c.public_url = Some("https://registry.example.com".into())).await;
    let secret = live.token("acme", Role::Reader).await;
    let r = post(&live, "/sign-in", None, &[("token", secret.as_str())]).await;
    let set = r.headers()[SET_COOKIE].to_str().unwrap();
    assert!(set.contains("Secure"), "{set}");
}
