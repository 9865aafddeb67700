//! The web UI over HTTP: every page answers with the module's data, tabs
//! and the version picker work without scripts, refusals are pages, and
//! nothing from a hostile module reaches the page as markup.
#![cfg(feature = "ui")]

mod common;

use common::live;
use registry_core::Role;
use registry_core::testing::TarBuilder;
use reqwest::StatusCode;

/// A module whose every text tries to run something.
fn hostile() -> Vec<u8> {
    TarBuilder::new()
        .file(
            "main.tf",
            "variable \"x\" {\n  type        = string\n  description = \"<script>alert('desc')</script><img src=x onerror=alert(1)>\"\n}\n\noutput \"y\" {\n  value       = var.x\n  description = \"<b onmouseover=alert(2)>bold</b>\"\n}\n",
        )
        .file(
            "README.md",
            "# Evil\n\n<script>alert('readme')</script>\n\n[click](javascript:alert(3))\n\n<a href=\"https://example.com\" onclick=\"alert(4)\">site</a>\n\n<iframe src=\"https://example.com\"></iframe>\n",
        )
        .finish()
}

fn greeting(version: &str, extra: &str) -> Vec<u8> {
    TarBuilder::new()
        .file(
            "main.tf",
            format!(
                "variable \"name\" {{\n  type        = string\n  description = \"Who to greet.\"\n}}\n\nvariable \"punctuation\" {{\n  type    = string\n  default = \"!\"\n}}\n\noutput \"greeting\" {{\n  description = \"The greeting.\"\n  value       = \"Hello, ${{var.name}}${{var.punctuation}}\"\n}}\n{extra}"
            ),
        )
        .file(
            "README.md",
            format!("# Greeting {version}\n\nSays hello.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"),
        )
        .file(
            "modules/polite/main.tf",
            "variable \"title\" {\n  type = string\n}\n",
        )
        .finish()
}

/// A page's text with maud's escapes undone (to read code blocks).
fn plain(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The tags of a page (what sits between `<` and `>`; escaped text has neither).
fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .filter_map(|s| s.split_once('>').map(|(t, _)| t))
        .collect()
}

async fn page(live: &common::Live, path: &str) -> (StatusCode, String) {
    let r = live.http.get(live.url(path)).send().await.unwrap();
    let status = r.status();
    if status == StatusCode::OK {
        assert_eq!(
            r.headers()["content-type"],
            "text/html; charset=utf-8",
            "{path}"
        );
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'")
                && csp.contains("script-src 'self';")
                && !csp.contains("unsafe"),
            "{csp}"
        );
    }
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn every_page_shows_the_modules_and_works_without_scripts() {
    let live = live(|_| {}).await;
    let token = live.token("*", Role::Admin).await;
    for (v, extra) in [
        ("1.0.0", ""),
        ("1.1.0", "resource \"null_resource\" \"n\" {}\n"),
    ] {
        let r = live
            .put_archive(
                &token,
                &format!("/v1/modules/acme/greeting/null/{v}"),
                greeting(v, extra),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }

    let (s, home) = page(&live, "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        home.contains("acme/greeting/null") && home.contains("v1.1.0"),
        "{home}"
    );
    assert!(
        home.contains("href=\"/modules/acme\""),
        "namespaces are listed"
    );
    assert!(
        home.contains("<strong>1</strong> modules") && home.contains("<strong>2</strong> versions"),
        "{home}"
    );
    let recent = home
        .split("Recently published")
        .nth(1)
        .expect("recent versions");
    let newest = recent
        .find("href=\"/modules/acme/greeting/null/1.1.0\"")
        .unwrap();
    let older = recent
        .find("href=\"/modules/acme/greeting/null/1.0.0\"")
        .unwrap();
    assert!(newest < older, "newest first: {recent}");

    let (_, ns) = page(&live, "/modules/acme").await;
    assert!(ns.contains("href=\"/modules/acme/greeting/null\""), "{ns}");

    // The latest version, its README rendered (a table), the provision snippet.
    let (s, m) = page(&live, "/modules/acme/greeting/null").await;
    assert_eq!(s, StatusCode::OK);
    assert!(m.contains("<h1>Greeting 1.1.0</h1>"), "{m}");
    assert!(m.contains("<table>"), "Markdown tables render");
    let host = live.server.url().trim_start_matches("http://").to_string();
    assert!(
        m.contains(&format!("source  = &quot;{host}/acme/greeting/null&quot;"))
            && m.contains("version = &quot;~&gt; 1.1&quot;"),
        "{m}"
    );
    assert!(!m.contains("not the latest version"));

    // An older version says so; tabs are URLs.
    let (_, old) = page(&live, "/modules/acme/greeting/null/1.0.0?tab=inputs").await;
    assert!(old.contains("This is not the latest version"), "{old}");
    assert!(
        old.contains("<code>name</code> <strong>required</strong>"),
        "{old}"
    );
    let required = old.find("<code>name</code>").unwrap();
    let optional = old.find("<code>punctuation</code>").unwrap();
    assert!(required < optional, "required inputs first");
    let (_, outs) = page(&live, "/modules/acme/greeting/null?tab=outputs").await;
    assert!(outs.contains("The greeting."), "{outs}");
    let (_, res) = page(&live, "/modules/acme/greeting/null?tab=resources").await;
    assert!(res.contains("null_resource.n"), "{res}");
    let (_, subs) = page(&live, "/modules/acme/greeting/null?tab=submodules").await;
    assert!(
        subs.contains("href=\"/modules/acme/greeting/null/1.1.0/submodules/polite\""),
        "{subs}"
    );
    // A submodule is a page of its own, called with `//modules/polite`.
    let (s, sub) = page(
        &live,
        "/modules/acme/greeting/null/1.1.0/submodules/polite?tab=inputs",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(sub.contains("<code>title</code>"), "{sub}");
    assert!(
        sub.contains("/acme/greeting/null//modules/polite&quot;"),
        "{sub}"
    );
    let (s, _) = page(
        &live,
        "/modules/acme/greeting/null/1.1.0/submodules/nothere",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, integ) = page(&live, "/modules/acme/greeting/null?tab=integrity").await;
    assert!(integ.contains("h1:"), "{integ}");
    let (_, vers) = page(&live, "/modules/acme/greeting/null?tab=versions").await;
    assert!(
        vers.contains("href=\"/modules/acme/greeting/null/1.0.0\""),
        "{vers}"
    );
    assert!(
        vers.contains("href=\"/modules/acme/greeting/null/diff/1.0.0...1.1.0\""),
        "versions link to their API diff: {vers}"
    );
    // The diff page: what changed and whether it needed a new major.
    let (s, diff) = page(&live, "/modules/acme/greeting/null/diff/1.0.0...1.1.0").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        diff.contains("null_resource.n") && diff.contains("Nothing breaks"),
        "{diff}"
    );

    // The version picker is a form: its answer is a redirect to the version, same tab.
    let r = live
        .http
        .get(live.url("/modules/acme/greeting/null?v=1.0.0&tab=outputs"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        "/modules/acme/greeting/null/1.0.0?tab=outputs"
    );

    // Deprecation shows as a banner.
    let r = live
        .http
        .post(live.url("/v1/modules/acme/greeting/null/1.0.0/deprecate"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"reason": "use 1.1", "successor": "1.1.0"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (_, dep) = page(&live, "/modules/acme/greeting/null/1.0.0").await;
    assert!(
        dep.contains("Deprecated") && dep.contains("use 1.1"),
        "{dep}"
    );

    // Search marks the words found and keeps the query in its links.
    let (_, found) = page(&live, "/search?q=greeting").await;
    assert!(
        found.contains("<mark class=\"hl\">greeting</mark>"),
        "{found}"
    );
    assert!(
        found.contains("value=\"greeting\""),
        "the box keeps the query"
    );
    let (_, none) = page(&live, "/search?q=zzzznothing").await;
    assert!(none.contains("No modules match"), "{none}");
    // The signed and tests facets count, link and filter.
    assert!(
        found.contains("href=\"/search?q=greeting&amp;signed=no\"") && found.contains("no (1)"),
        "{found}"
    );
    assert!(
        found.contains("href=\"/search?q=greeting&amp;tests=not_run\">not run (1)"),
        "{found}"
    );
    let (_, signed) = page(&live, "/search?q=greeting&signed=yes").await;
    assert!(signed.contains("No modules match"), "{signed}");
    let (_, unsigned) = page(&live, "/search?q=greeting&signed=no&tests=not_run").await;
    assert!(
        unsigned.contains("acme/greeting/null") && unsigned.contains("✓ no (1)"),
        "{unsigned}"
    );
    let (s, _) = page(&live, "/search?q=greeting&signed=maybe").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Missing things are pages with the right status.
    let (s, missing) = page(&live, "/modules/acme/nothere/null").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(missing.contains("<h1>Not found</h1>"), "{missing}");
    let (s, _) = page(&live, "/modules/acme/greeting/null/9.9.9").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The API stays where it is.
    let r = live
        .http
        .get(live.url("/v1/modules/acme/greeting/null/versions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn nothing_from_a_hostile_module_reaches_the_page_as_markup() {
    let live = live(|_| {}).await;
    let token = live.token("*", Role::Admin).await;
    let r = live
        .put_archive(&token, "/v1/modules/evil/mod/null/1.0.0", hostile())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    for tab in ["readme", "inputs", "outputs", "usage"] {
        let (s, html) = page(&live, &format!("/modules/evil/mod/null?tab={tab}")).await;
        assert_eq!(s, StatusCode::OK);
        // Escaped text may spell anything; no tag but our own script's may
        // carry it.
        for tag in tags(&html) {
            if tag == "script src=\"/static/ui.js\" defer" || tag == "/script" {
                continue;
            }
            let t = tag.to_ascii_lowercase();
            for bad in ["script", "iframe", "javascript:", "src=x"] {
                assert!(!t.contains(bad), "{tab}: <{tag}> reached the page");
            }
            assert!(
                !t.split_whitespace()
                    .any(|w| w.starts_with("on") && w.contains('=')),
                "{tab}: an event handler in <{tag}>"
            );
        }
    }
    let (_, inputs) = page(&live, "/modules/evil/mod/null?tab=inputs").await;
    assert!(
        inputs.contains("&lt;script&gt;alert("),
        "descriptions show as text: {inputs}"
    );
    let (_, readme) = page(&live, "/modules/evil/mod/null").await;
    assert!(
        readme.contains("<h1>Evil</h1>") && readme.contains("href=\"https://example.com\""),
        "{readme}"
    );
}

#[tokio::test]
async fn reads_that_need_a_token_send_the_browser_to_sign_in() {
    let live = live(|c| c.registry.require_auth = true).await;
    let r = live.http.get(live.url("/search?q=a")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/sign-in?next=%2Fsearch%3Fq%3Da");
    let (s, html) = page(&live, "/sign-in").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("API token"), "{html}");
    // The stylesheet needs no token.
    let r = live
        .http
        .get(live.url("/static/ui.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
}

#[tokio::test]
async fn a_breaking_change_without_a_new_major_is_called_out() {
    let live = live(|_| {}).await;
    let token = live.token("*", Role::Admin).await;
    let with_input = |extra: &str| {
        TarBuilder::new()
            .file(
                "main.tf",
                format!("variable \"a\" {{\n  type = string\n}}\n{extra}"),
            )
            .finish()
    };
    for (v, body) in [
        ("1.0.0", with_input("")),
        (
            "1.1.0",
            with_input("variable \"b\" {\n  type = string\n}\n"),
        ),
        (
            "2.0.0",
            with_input("variable \"c\" {\n  type = string\n}\n"),
        ),
    ] {
        let r = live
            .put_archive(&token, &format!("/v1/modules/acme/m/null/{v}"), body)
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{v}");
    }
    let (_, minor) = page(&live, "/modules/acme/m/null/diff/1.0.0...1.1.0").await;
    assert!(
        minor.contains("Breaking changes without a new major version")
            && minor.contains("new required input"),
        "{minor}"
    );
    let (_, major) = page(&live, "/modules/acme/m/null/diff/1.1.0...2.0.0").await;
    assert!(major.contains("in a new major version"), "{major}");
    let (s, bad) = page(&live, "/modules/acme/m/null/diff/1.0.0").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(bad.contains("FROM...TO"), "{bad}");
}

#[tokio::test]
async fn the_snippet_names_the_public_url_when_one_is_set() {
    let live = live(|c| c.public_url = Some("https://registry.example.com:8443/".into())).await;
    let token = live.token("*", Role::Admin).await;
    let r = live
        .put_archive(
            &token,
            "/v1/modules/acme/greeting/null/1.0.0",
            greeting("1.0.0", ""),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, m) = page(&live, "/modules/acme/greeting/null").await;
    assert!(
        m.contains("source  = &quot;registry.example.com:8443/acme/greeting/null&quot;"),
        "{m}"
    );
    let (_, sub) = page(&live, "/modules/acme/greeting/null/1.0.0/submodules/polite").await;
    assert!(
        sub.contains("registry.example.com:8443/acme/greeting/null//modules/polite"),
        "{sub}"
    );
    // An address a module source cannot name is refused at start, saying why.
    for bad in [
        "ftp://x",
        "https://registry.example.com/sub",
        "https://u:p@h",
        "not a url",
    ] {
        let mut config = registry_server::ServeConfig::default();
        let dir = tempfile::tempdir().unwrap();
        config.registry.storage.data_dir = dir.path().to_path_buf();
        config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        config.public_url = Some(bad.into());
        let Err(e) = registry_server::start(config).await else {
            panic!("{bad} was accepted");
        };
        assert!(e.to_string().contains("--public-url"), "{bad}: {e}");
    }
}

#[tokio::test]
async fn a_version_shows_its_rules_checks_example_code_and_lock_entry() {
    let live = live(|_| {}).await;
    let token = live.token("*", Role::Admin).await;
    let r = live
        .http
        .put(live.url("/v1/namespaces/acme/policy"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"validation": "warn", "tests": "run"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let archive = TarBuilder::new()
        .file(
            "main.tf",
            "variable \"name\" {\n  type        = string\n  description = \"Who to greet.\"\n  validation {\n    condition     = length(var.name) > 0\n    error_message = \"The name must not be empty.\"\n  }\n}\n\noutput \"greeting\" {\n  description = \"The greeting.\"\n  value       = \"Hello, ${var.name}!\"\n}\n",
        )
        .file(
            "tests/greet.tftest.hcl",
            "variables {\n  name = \"x\"\n}\n\nrun \"greets\" {\n  command = plan\n  assert {\n    condition     = output.greeting == \"Hello, x!\"\n    error_message = \"wrong greeting\"\n  }\n}\n",
        )
        .file(
            "examples/basic/main.tf",
            "module \"greeting\" {\n  source = \"../..\"\n  name   = \"world\"\n}\n",
        )
        .finish();
    let r = live
        .put_archive(&token, "/v1/modules/acme/greet/null/1.2.0", archive)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let base = "/modules/acme/greet/null/1.2.0";
    let host = live.server.url().trim_start_matches("http://").to_string();

    let (_, inputs) = page(&live, &format!("{base}?tab=inputs")).await;
    assert!(
        inputs.contains("Validation: <code>length(var.name) &gt; 0</code>")
            && inputs.contains("The name must not be empty."),
        "{inputs}"
    );

    let (_, tests) = page(&live, &format!("{base}?tab=tests")).await;
    assert!(
        tests.contains("Tests <strong>passed</strong>")
            && tests.contains("<code>tests/greet.tftest.hcl</code>")
            && tests.contains("<code>greets</code>"),
        "{tests}"
    );

    // The example opens on its code, the module's own call pointed here.
    let (s, ex) = page(&live, &format!("{base}/examples/basic")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        ex.contains(&format!("source = &quot;{host}/acme/greet/null&quot;"))
            && ex.contains("version = &quot;~&gt; 1.2.0&quot;")
            && !ex.contains("../.."),
        "{ex}"
    );

    // Used by: a module calling this one at this registry's address.
    let caller = TarBuilder::new()
        .file(
            "main.tf",
            format!("module \"hello\" {{\n  source  = \"{host}/acme/greet/null\"\n  version = \"~> 1.2\"\n  name    = \"a\"\n}}\n"),
        )
        .finish();
    let r = live
        .put_archive(&token, "/v1/modules/acme/app/null/0.1.0", caller)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let (_, used) = page(&live, &format!("{base}?tab=used-by")).await;
    assert!(
        used.contains("href=\"/modules/acme/app/null/0.1.0\"")
            && used.contains("module.hello")
            && used.contains("~&gt; 1.2"),
        "{used}"
    );
    let (_, unused) = page(&live, "/modules/acme/app/null?tab=used-by").await;
    assert!(
        unused.contains("No module in this registry calls"),
        "{unused}"
    );

    // Downloads show per day: counted in a batch written within a second.
    let (_, before) = page(&live, base).await;
    assert!(before.contains("0 in the last 30 days"), "{before}");
    let day_before = chrono::Utc::now().format("%Y-%m-%d").to_string();
    for _ in 0..2 {
        let r = live
            .http
            .get(live.url("/v1/modules/acme/greet/null/1.2.0/download"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let mut shown = String::new();
    for _ in 0..50 {
        shown = page(&live, base).await.1;
        if shown.contains("2 in the last 30 days") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        shown.contains("2 downloads")
            && shown.contains("2 in the last 30 days")
            && (shown.contains(&format!("<title>{today}: 2</title>"))
                || shown.contains(&format!("<title>{day_before}: 2</title>"))),
        "{shown}"
    );

    let (_, integ) = page(&live, &format!("{base}?tab=integrity")).await;
    assert!(
        integ.contains(".registry.lock.hcl")
            && integ.contains(&format!("source      = &quot;{host}/acme/greet/null&quot;"))
            && integ.contains("version     = &quot;1.2.0&quot;")
            && integ.contains("constraints = &quot;~&gt; 1.2&quot;")
            && integ.contains("&quot;sha256:"),
        "{integ}"
    );
}

#[tokio::test]
async fn readme_links_and_images_open_files_of_the_archive_safely() {
    let live = live(|_| {}).await;
    let token = live.token("*", Role::Admin).await;
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let archive = TarBuilder::new()
        .file("main.tf", "variable \"x\" {}\n")
        .file(
            "README.md",
            "# Docs\n\n![diagram](docs/diagram.png) [usage](docs/usage.md) [escape](../../etc/passwd)\n",
        )
        .file("docs/diagram.png", png)
        .file("docs/usage.md", "# Usage\n\n<script>alert(1)</script>\n")
        .file("docs/evil.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>")
        .file("docs/page.html", "<script>alert(1)</script>")
        .finish();
    let r = live
        .put_archive(&token, "/v1/modules/acme/docs/null/1.0.0", archive)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let base = "/modules/acme/docs/null/1.0.0";
    let (_, m) = page(&live, base).await;
    assert!(
        m.contains(&format!("src=\"{base}/files/docs/diagram.png\""))
            && m.contains(&format!("href=\"{base}/files/docs/usage.md\""))
            && m.contains("<a rel=\"noopener noreferrer nofollow\">escape</a>"),
        "{m}"
    );
    let get = |path: String| {
        let http = live.http.clone();
        let url = live.url(&path);
        async move { http.get(url).send().await.unwrap() }
    };
    let img = get(format!("{base}/files/docs/diagram.png")).await;
    assert_eq!(img.status(), StatusCode::OK);
    assert_eq!(img.headers()["content-type"], "image/png");
    let csp = img.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(img.bytes().await.unwrap().as_ref(), png);
    // Text is text, never a page; an SVG is sandboxed; HTML is not served.
    let md = get(format!("{base}/files/docs/usage.md")).await;
    assert_eq!(md.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(md.headers()["x-content-type-options"], "nosniff");
    let svg = get(format!("{base}/files/docs/evil.svg")).await;
    assert!(
        svg.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(
        get(format!("{base}/files/docs/page.html")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(format!("{base}/files/docs/missing.png")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(format!("{base}/files/../main.tf")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_usage_builder_writes_the_block_from_typed_values_and_suggestions_come_as_text() {
    let live = live(|c| c.public_url = Some("https://registry.example.com".into())).await;
    let token = live.token("*", Role::Admin).await;
    let archive = TarBuilder::new()
        .file(
            "main.tf",
            "variable \"name\" {\n  type        = string\n  description = \"What to call it.\"\n}\n\nvariable \"replicas\" {\n  type = number\n}\n\nvariable \"enabled\" {\n  type    = bool\n  default = true\n}\n\nvariable \"tags\" {\n  type    = map(string)\n  default = {}\n}\n",
        )
        .file("README.md", "# App\n\nRuns an app.\n")
        .finish();
    let r = live
        .put_archive(&token, "/v1/modules/acme/app-server/aws/1.4.2", archive)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let base = "/modules/acme/app-server/aws/1.4.2";

    // The form: typed fields, required first, defaults shown.
    let (s, form) = page(&live, &format!("{base}?tab=usage")).await;
    assert_eq!(s, StatusCode::OK);
    let at = |needle: &str| {
        form.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {form}"))
    };
    assert!(at("name=\"in.name\" type=\"text\"") < at("name=\"in.enabled\""));
    assert!(
        form.contains("name=\"in.replicas\" type=\"number\""),
        "{form}"
    );
    assert!(form.contains("<select id=\"in-enabled\" name=\"in.enabled\"><option value=\"\" selected>default (true)"), "{form}");
    assert!(
        form.contains("<textarea id=\"in-tags\" name=\"in.tags\""),
        "{form}"
    );
    assert!(
        plain(&form).contains("module \"app_server\" {\n  source  = \"registry.example.com/acme/app-server/aws\"\n  version = \"~> 1.4\"\n\n  name = \"\" # required, string\n  replicas = 0 # required, number\n}"),
        "{form}"
    );

    // Submitted with scripts off: the block with the values, escaped for HCL.
    let q = "tab=usage&in.name=web+%22prod%22+%24%7Bx%7D&in.replicas=3&in.enabled=false&in.tags=%7B+team+%3D+%22a%22+%7D";
    let (_, filled) = page(&live, &format!("{base}?{q}")).await;
    assert!(
        plain(&filled).contains("  name = \"web \\\"prod\\\" $${x}\"\n  replicas = 3\n  enabled = false\n  tags = { team = \"a\" }\n}"),
        "{filled}"
    );
    assert!(
        filled.contains("value=\"3\""),
        "the form keeps what was typed"
    );

    // The script's endpoint answers the same block, and names refused values.
    let u: serde_json::Value = live
        .http
        .get(live.url(&format!("{base}/usage?in.replicas=many&in.name=x")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(u["problems"][0]["input"], "replicas", "{u}");
    assert!(
        u["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not a number")
    );
    assert!(
        u["block"].as_str().unwrap().contains("  name = \"x\"\n"),
        "{u}"
    );

    // Suggestions for search as you type: JSON the script writes as text.
    let s: serde_json::Value = live
        .http
        .get(live.url("/search/suggest?q=app"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s[0]["address"], "acme/app-server/aws", "{s}");
    assert_eq!(s[0]["href"], "/modules/acme/app-server/aws");
    let short: serde_json::Value = live
        .http
        .get(live.url("/search/suggest?q=a"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(short, serde_json::json!([]));

    // The script itself is ours, served as JavaScript.
    let js = live
        .http
        .get(live.url("/static/ui.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(js.text().await.unwrap().contains("textContent"));
}
