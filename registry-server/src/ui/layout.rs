//! The page shell every UI page shares (header with search, main, footer),
//! its stylesheet (light and dark, from `prefers-color-scheme`), and the
//! headers that keep module content inert: a Content-Security-Policy with
//! no inline script, no framing, no MIME sniffing.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::ui::session::Viewer;

/// What may load in a page: our stylesheet and our one script (never an
/// inline one, so nothing a module carries can run), images from anywhere
/// a README points (but never objects or frames), requests and forms only
/// to us.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; \
                   img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'";

/// A rendered page, sent with the UI's headers.
#[derive(Debug)]
pub struct Page(Markup);

impl Page {
    /// The page, whose forms may also lead to `origin` (a checked
    /// `http://localhost:PORT`: the consent form of `terraform login`
    /// redirects there, which `form-action` governs too).
    pub fn allowing_form_target(self, origin: &str) -> Response {
        let mut r = self.into_response();
        let csp = CSP.replace(
            "form-action 'self'",
            &format!("form-action 'self' {origin}"),
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
        r
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut r = self.0.into_string().into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        r
    }
}

/// A whole page: `title` in the tab, `query` in the header's search box,
/// and who is looking (a sign-in link, or who they are signed in as).
pub fn page(title: &str, query: &str, viewer: &Viewer, body: Markup) -> Page {
    Page(html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · module registry" }
                link rel="stylesheet" href="/static/ui.css";
                script src="/static/ui.js" defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header class="top" {
                    a class="brand" href="/" { "Module registry" }
                    form class="search" role="search" action="/search" method="get" {
                        label for="q" class="visually-hidden" { "Search modules" }
                        input id="q" type="search" name="q" value=(query) placeholder="Search modules";
                        button type="submit" { "Search" }
                    }
                    nav class="account" aria-label="Account" {
                        @match viewer.signed_in() {
                            Some(who) => a href="/account" { "Signed in · " code { (who.token.id) } },
                            None => a href=(viewer.sign_in_href()) { "Sign in" },
                        }
                    }
                }
                main id="main" { (body) }
                footer class="bottom" {
                    a href="/providers" { "Providers" }
                    " · "
                    a href="/openapi.json" { "API" }
                    " · "
                    a href="/.well-known/terraform.json" { "Service discovery" }
                }
            }
        }
    })
}

/// A static file compiled into the binary, cached for an hour.
fn static_file(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// `GET /static/ui.css`.
pub async fn stylesheet() -> Response {
    static_file(STYLE, "text/css; charset=utf-8")
}

/// `GET /static/ui.js`: the small script that enhances pages (copy
/// buttons, search as you type, the usage builder's live block); every
/// page works without it.
pub async fn script() -> Response {
    static_file(SCRIPT, "text/javascript; charset=utf-8")
}

const SCRIPT: &str = include_str!("ui.js");

/// The stylesheet: system fonts, AA contrast in both schemes, a visible
/// focus ring, one column on a phone.
const STYLE: &str = r#":root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--accent:#0550ae;--card:#f6f8fa;--warn-bg:#fff8c5;--warn-fg:#4d2d00;--bad-bg:#ffebe9;--bad-fg:#82071e;--ok:#116329}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--accent:#79c0ff;--card:#161b22;--warn-bg:#3b2e00;--warn-fg:#f8e3a1;--bad-bg:#490202;--bad-fg:#ffdcd7;--ok:#56d364}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px 8px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
header.top{display:flex;flex-wrap:wrap;gap:12px;align-items:center;justify-content:space-between;padding:12px 24px;border-bottom:1px solid var(--line)}
.brand{font-weight:700;text-decoration:none;color:var(--fg)}
form.search{display:flex;gap:6px;flex:1;max-width:520px}form.search input{flex:1}
input,select,button{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
button{cursor:pointer;background:var(--card)}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
footer.bottom{max-width:1100px;margin:24px auto;padding:12px 24px;color:var(--muted);border-top:1px solid var(--line)}
h1{font-size:1.6rem;margin:.4em 0}h2{font-size:1.25rem}
.muted{color:var(--muted)}.cards{list-style:none;padding:0;display:grid;gap:12px;grid-template-columns:repeat(auto-fill,minmax(280px,1fr))}
.card{border:1px solid var(--line);border-radius:8px;padding:12px;background:var(--card)}.card h3{margin:0 0 4px;font-size:1rem;word-break:break-word}
.banner{border-radius:6px;padding:10px 12px;margin:12px 0}.banner.warn{background:var(--warn-bg);color:var(--warn-fg)}.banner.bad{background:var(--bad-bg);color:var(--bad-fg)}.banner.info{border:1px solid var(--line)}.badge{font-size:.75em;font-weight:400;border:1px solid var(--line);border-radius:4px;padding:0 4px}
.meta{display:flex;flex-wrap:wrap;gap:6px 18px;color:var(--muted);margin:4px 0 12px;padding:0;list-style:none}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}pre{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto}
nav.tabs{display:flex;flex-wrap:wrap;gap:4px;border-bottom:1px solid var(--line);margin:16px 0}nav.tabs a{padding:6px 12px;text-decoration:none;border:1px solid transparent;border-bottom:none;border-radius:6px 6px 0 0}
nav.tabs a[aria-current=page]{border-color:var(--line);background:var(--card);color:var(--fg);font-weight:600}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}th{background:var(--card)}
.readme img{max-width:100%}.hl{background:var(--warn-bg);color:var(--warn-fg)}
.facets{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}.facets a{border:1px solid var(--line);border-radius:12px;padding:2px 10px;text-decoration:none}
.versions form{display:inline-flex;gap:6px}.yes{color:var(--ok)}.no{color:var(--bad-fg);font-weight:600}
svg.spark{vertical-align:middle;fill:var(--accent)}.rule{margin-top:4px;font-size:.9em;color:var(--muted)}ul.diagnostics{margin:4px 0;padding-left:18px;font-size:.9em}ul.diagnostics pre{margin:4px 0}
nav.account a{white-space:nowrap}form.stack{display:grid;gap:6px;max-width:520px}form.stack textarea{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
form.search{position:relative}ul.suggest{position:absolute;top:100%;left:0;right:0;z-index:5;list-style:none;margin:4px 0 0;padding:4px 0;background:var(--bg);border:1px solid var(--line);border-radius:6px}ul.suggest li{padding:4px 10px}ul.suggest li a{font-weight:600}
button.copy-button{float:right;margin:4px;font-size:.85em;padding:2px 8px}
.row{display:flex;gap:12px;align-items:center;margin-top:6px}button.danger{background:var(--bad-bg);color:var(--bad-fg);border-color:var(--bad-fg)}.manage{margin:8px 0}
@media (max-width:600px){main{padding:12px}header.top{padding:10px 12px}th,td{padding:4px}}
"#;
