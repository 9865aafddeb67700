//! The web UI in a real browser: headless Chromium driven through
//! WebDriver (chromedriver, fantoccini). A user searches from the home
//! page, opens a module, switches tabs and versions with the page's own
//! links and forms, follows a submodule and a diff; a hostile module's
//! page runs none of its scripts. Screenshots of the main pages go to
//! `target/ui-screenshots/`. Needs `REGISTRY_TEST_CHROMEDRIVER`
//! (`eval "$(scripts/install-browser.sh)"`); skipped without it, a failure
//! under `CI=true`.
#![cfg(feature = "ui")]

mod common;

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::live;
use fantoccini::{Client, ClientBuilder, Locator};
use registry_core::Role;
use registry_core::testing::TarBuilder;

/// chromedriver on a port it picks, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn driver(bin: &str) -> Driver {
    let mut child = Command::new(bin)
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let port = loop {
        let line = lines.next().expect("chromedriver exited").unwrap();
        if let Some(rest) = line.split("started successfully on port ").nth(1) {
            break rest.trim_end_matches('.').trim().to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// A headless Chromium session with the flags this machine needs.
async fn browser(driver: &Driver, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
            "binary": std::env::var("REGISTRY_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a chromium session")
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

/// The page's URL once the navigation a click started has arrived where
/// `done` says (a click returns before a redirected navigation lands).
async fn arrived(c: &Client, done: impl Fn(&url::Url) -> bool) -> url::Url {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let url = c.current_url().await.unwrap();
        if done(&url) {
            return url;
        }
        assert!(std::time::Instant::now() < deadline, "still at {url}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The text of the first element `css` finds, once one appears (scripts
/// add some elements after the page has loaded).
async fn eventually(c: &Client, css: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
            && !t.is_empty()
        {
            return t;
        }
        assert!(std::time::Instant::now() < deadline, "no {css} appeared");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn module(version: &str, extra: &str) -> Vec<u8> {
    TarBuilder::new()
        .file(
            "main.tf",
            format!("variable \"name\" {{\n  type        = string\n  description = \"Who to greet.\"\n}}\n\noutput \"greeting\" {{\n  description = \"The greeting.\"\n  value       = \"Hello, ${{var.name}}\"\n}}\n{extra}"),
        )
        .file(
            "README.md",
            format!("# Greeting\n\nSays hello ({version}).\n\n```hcl\nmodule \"greeting\" {{\n  name = \"you\"\n}}\n```\n"),
        )
        .file("modules/polite/main.tf", "variable \"title\" {\n  type = string\n}\n")
        .finish()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_finds_reads_and_compares_modules_in_chromium() {
    let Some(bin) = registry_testkit::env::service_url("REGISTRY_TEST_CHROMEDRIVER", "browser")
    else {
        return;
    };
    let live = live(|_| {}).await;
    let token = live.token("*", Role::Admin).await;
    for (v, extra) in [
        ("1.0.0", ""),
        ("2.0.0", "variable \"lang\" {\n  type = string\n}\n"),
    ] {
        let r = live
            .put_archive(
                &token,
                &format!("/v1/modules/acme/greeting/null/{v}"),
                module(v, extra),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let evil = TarBuilder::new()
        .file(
            "main.tf",
            "variable \"x\" {\n  description = \"<img src=x onerror=\\\"window.pwned='desc'\\\">\"\n}\n",
        )
        .file(
            "README.md",
            "# Evil\n\n<script>window.pwned='script'</script>\n\n<img src=\"x\" onerror=\"window.pwned='img'\">\n\n[x](javascript:window.pwned='link')\n",
        )
        .finish();
    assert_eq!(
        live.put_archive(&token, "/v1/modules/evil/mod/null/1.0.0", evil)
            .await
            .status(),
        201
    );

    let d = driver(&bin);
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&d, profile.path()).await;

    // Home, then a search typed into the box.
    c.goto(&live.url("/")).await.unwrap();
    assert!(text_of(&c, "main").await.contains("acme/greeting/null"));
    shot(&c, "home").await;
    let q = c.find(Locator::Css("#home-q")).await.unwrap();
    q.send_keys("greeting").await.unwrap();
    // Search as you type: the script lists suggestions under the box.
    let suggested = eventually(&c, "ul.suggest li a").await;
    assert_eq!(suggested, "acme/greeting/null");
    shot(&c, "suggest").await;
    c.find(Locator::Css("main form.search button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.as_str().contains("/search?q=greeting")).await;
    assert_eq!(text_of(&c, "mark.hl").await.to_lowercase(), "greeting");
    shot(&c, "search").await;

    // The module from the results; its README; the Inputs tab.
    c.find(Locator::Css("ol.cards h3 a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.path().ends_with("/modules/acme/greeting/null")).await;
    assert!(text_of(&c, ".readme").await.contains("Says hello (2.0.0)."));
    shot(&c, "module").await;
    c.find(Locator::LinkText("Inputs"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.query() == Some("tab=inputs")).await;
    assert!(text_of(&c, "section.tab").await.contains("lang"));

    // The usage builder rewrites its block as a value is typed, and the
    // block has a copy button.
    c.find(Locator::LinkText("Usage"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.query() == Some("tab=usage")).await;
    c.find(Locator::Css("#in-name"))
        .await
        .unwrap()
        .send_keys("you")
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let block = text_of(&c, "#usage-block code").await;
        if block.contains("name = \"you\"") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the block stayed {block}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    shot(&c, "usage").await;
    let copy = c.find(Locator::Css("button.copy-button")).await.unwrap();
    copy.click().await.unwrap();
    let label = copy.text().await.unwrap();
    assert!(
        label == "Copied" || label.starts_with("Selected"),
        "{label}"
    );
    c.find(Locator::LinkText("Inputs"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.query() == Some("tab=inputs")).await;

    // The version picker, then the submodule, then the diff.
    c.find(Locator::Css("select#v"))
        .await
        .unwrap()
        .select_by_value("1.0.0")
        .await
        .unwrap();
    c.find(Locator::Css("form.versions button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = arrived(&c, |u| u.path().ends_with("/1.0.0")).await;
    assert_eq!(url.path(), "/modules/acme/greeting/null/1.0.0");
    assert_eq!(url.query(), Some("tab=inputs"), "the tab is kept");
    assert!(!text_of(&c, "section.tab").await.contains("lang"));
    assert!(
        text_of(&c, "main")
            .await
            .contains("This is not the latest version")
    );
    c.find(Locator::LinkText("Submodules"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.query() == Some("tab=submodules")).await;
    c.find(Locator::Css("section.tab a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.path().ends_with("/1.0.0/submodules/polite")).await;
    c.goto(&live.url("/modules/acme/greeting/null?tab=versions"))
        .await
        .unwrap();
    c.find(Locator::XPath("//a[starts-with(., 'compare with')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.path().ends_with("/diff/1.0.0...2.0.0")).await;
    let diff = text_of(&c, "main").await;
    assert!(
        diff.contains("new required input") && diff.contains("in a new major version"),
        "{diff}"
    );
    shot(&c, "diff").await;

    // Nothing from the hostile module runs, on any tab.
    for tab in ["readme", "inputs"] {
        c.goto(&live.url(&format!("/modules/evil/mod/null?tab={tab}")))
            .await
            .unwrap();
        let pwned = c
            .execute(
                "return window.pwned === undefined ? null : String(window.pwned);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(pwned, serde_json::Value::Null, "{tab}: module content ran");
    }
    assert!(
        text_of(&c, "section.tab").await.contains("<img src=x"),
        "the description reads as text"
    );
    c.close().await.unwrap();
}

/// Under `--require-auth`: a page sends the browser to sign in, the token
/// typed into the form opens a session that brings it back, and a
/// publisher deprecates the version from its page and sees the banner.
async fn sign_in_and_deprecate(live: &common::Live, bin: &str, shots: bool) {
    let token = live.token("acme", Role::Publisher).await;
    for v in ["1.0.0", "1.1.0"] {
        let r = live
            .put_archive(
                &token,
                &format!("/v1/modules/acme/greeting/null/{v}"),
                module(v, ""),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let d = driver(bin);
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&d, profile.path()).await;

    c.goto(&live.url("/modules/acme/greeting/null/1.0.0"))
        .await
        .unwrap();
    arrived(&c, |u| u.path() == "/sign-in").await;
    if shots {
        shot(&c, "sign-in").await;
    }
    c.find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys(&token)
        .await
        .unwrap();
    c.find(Locator::Css("form.stack button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.path() == "/modules/acme/greeting/null/1.0.0").await;
    assert!(text_of(&c, "nav.account").await.contains("Signed in"));
    let cookie = c.get_named_cookie("registry_session").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    let script_sees = c.execute("return document.cookie;", vec![]).await.unwrap();
    assert_eq!(
        script_sees,
        serde_json::json!(""),
        "HttpOnly keeps it from scripts"
    );

    // The other tabs read too, now that the browser is signed in.
    for (tab, needle) in [("inputs", "name"), ("versions", "1.1.0")] {
        c.find(Locator::LinkText(match tab {
            "inputs" => "Inputs",
            _ => "Versions",
        }))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        arrived(&c, |u| u.query() == Some(&format!("tab={tab}"))).await;
        assert!(text_of(&c, "section.tab").await.contains(needle), "{tab}");
    }

    c.find(Locator::LinkText("Deprecate…"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.path().ends_with("/1.0.0/lifecycle")).await;
    assert!(
        text_of(&c, "h1")
            .await
            .contains("Deprecate acme/greeting/null 1.0.0?")
    );
    c.find(Locator::Css("#reason"))
        .await
        .unwrap()
        .send_keys("Use 1.1.0: it greets in more languages.")
        .await
        .unwrap();
    c.find(Locator::Css("#successor"))
        .await
        .unwrap()
        .send_keys("1.1.0")
        .await
        .unwrap();
    c.find(Locator::Css("button.danger"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.path() == "/modules/acme/greeting/null/1.0.0").await;
    let banner = text_of(&c, ".banner.warn").await;
    assert!(
        banner.contains("Deprecated") && banner.contains("greets in more languages"),
        "{banner}"
    );
    if shots {
        shot(&c, "deprecated").await;
    }

    // Signing out ends the session: the page asks for sign-in again.
    c.goto(&live.url("/account")).await.unwrap();
    c.find(Locator::Css("form[action='/sign-out'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, |u| u.path() == "/sign-in").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publisher_signs_in_and_deprecates_in_chromium() {
    let Some(bin) = registry_testkit::env::service_url("REGISTRY_TEST_CHROMEDRIVER", "browser")
    else {
        return;
    };
    let live = live(|c| c.registry.require_auth = true).await;
    sign_in_and_deprecate(&live, &bin, true).await;
}

/// The smoke test on PostgreSQL: the same sign-in and deprecation, with
/// the metadata (sessions included) in PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_works_on_postgres_in_chromium() {
    let Some(bin) = registry_testkit::env::service_url("REGISTRY_TEST_CHROMEDRIVER", "browser")
    else {
        return;
    };
    let Some(pg) =
        registry_testkit::env::service_url("REGISTRY_TEST_POSTGRES_URL", "browser on postgres")
    else {
        return;
    };
    let live = live(|c| {
        c.registry.require_auth = true;
        c.registry.storage.database_url = Some(pg);
        c.registry.storage.database_schema = Some(registry_testkit::env::unique_name("ui"));
    })
    .await;
    sign_in_and_deprecate(&live, &bin, false).await;
}

/// The OpenID provider (`scripts/oidc-provider.mjs`) on `port`, its client
/// redirecting to `redirect`; killed when dropped.
struct OpenIdProvider(Child);

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn openid_provider(script: &str, port: u16, redirect: &str) -> OpenIdProvider {
    let accounts = serde_json::json!({
        "alice": ["team-a", "team-b", "elsewhere"],
        "bob": ["strangers"],
    });
    let mut child = Command::new("node")
        .arg(script)
        .args([
            &port.to_string(),
            "registry",
            "client-secret",
            redirect,
            &accounts.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines
            .next()
            .expect("the OpenID provider exited before listening")
            .unwrap();
        if line.contains("oidc-provider listening on") {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    OpenIdProvider(child)
}

/// Sign in at the provider's development pages as `login`, consenting.
async fn sign_in_at_provider(c: &Client, live: &common::Live, login: &str) {
    c.goto(&live.url("/sign-in?next=%2Faccount")).await.unwrap();
    c.find(Locator::LinkText(
        "Sign in with your organisation's account",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let login_page = arrived(c, |u| u.path().starts_with("/interaction/")).await;
    c.find(Locator::Css("input[name=login]"))
        .await
        .unwrap()
        .send_keys(login)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys("any password")
        .await
        .unwrap();
    c.find(Locator::Css("button.login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The consent page (a new interaction), then back to the registry.
    let at = arrived(c, |u| *u != login_page).await;
    if at.port() != Some(live.server.addr.port()) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Ok(b) = c.find(Locator::Css("button.login-submit")).await {
                let _ = b.click().await;
                break;
            }
            assert!(std::time::Instant::now() < deadline, "no consent button");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    arrived(c, |u| u.port() == Some(live.server.addr.port())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_sign_in_through_a_real_openid_provider_with_their_groups_roles() {
    let Some(bin) = registry_testkit::env::service_url("REGISTRY_TEST_CHROMEDRIVER", "browser")
    else {
        return;
    };
    let Some(script) =
        registry_testkit::env::service_url("REGISTRY_TEST_OIDC_PROVIDER", "OpenID sign-in")
    else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let issuer = format!("http://127.0.0.1:{port}");
    let live = live(|c| {
        c.oidc_login = Some(registry_server::oidc::OidcLoginConfig {
            issuer: issuer.clone(),
            client_id: "registry".into(),
            client_secret: Some("client-secret".to_string().into()),
            roles_claim: "groups".into(),
            role_map: registry_server::oidc::parse_role_map(
                "platform-admins=*:admin,team-a=acme:publisher,team-b=beta:reader",
            )
            .unwrap(),
            scopes: "openid profile".into(),
        });
    })
    .await;
    let redirect = live.url("/sign-in/oidc/callback");
    let _provider = openid_provider(&script, port, &redirect);
    let d = driver(&bin);

    // alice: team-a and team-b map to publisher in acme and reader in beta.
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&d, profile.path()).await;
    sign_in_at_provider(&c, &live, "alice").await;
    let url = arrived(&c, |u| u.path() == "/account").await;
    assert_eq!(url.path(), "/account");
    let account = text_of(&c, "main").await;
    assert!(account.contains("signed in through"), "{account}");
    assert!(account.contains("alice"), "{account}");
    assert!(account.contains("publisher"), "{account}");
    assert!(account.contains("reader in beta"), "{account}");
    shot(&c, "sso-account").await;
    let session = c.get_named_cookie("registry_session").await.unwrap();
    assert_eq!(session.http_only(), Some(true));
    // The session acts as a token with exactly those grants.
    let tokens = live.server.opened.storage.metadata.as_token_store();
    let made = tokens
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|t| {
            t.description
                .as_deref()
                .is_some_and(|d| d.contains("alice"))
        })
        .expect("a token for alice");
    assert_eq!(made.namespace, "acme");
    assert_eq!(made.role, Role::Publisher);
    assert_eq!(made.also.len(), 1);
    assert_eq!(made.also[0].namespace, "beta");
    assert!(made.expires_at.is_some(), "it lasts as long as a session");
    c.close().await.unwrap();

    // bob's groups map to nothing: signed in at the provider, refused here.
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&d, profile.path()).await;
    sign_in_at_provider(&c, &live, "bob").await;
    let page = text_of(&c, "main").await;
    assert!(page.contains("none of your groups (strangers)"), "{page}");
    assert!(c.get_named_cookie("registry_session").await.is_err());
    c.close().await.unwrap();
}
