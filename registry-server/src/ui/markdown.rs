//! A module's README as HTML: CommonMark with tables, strikethrough, task
//! lists and footnotes (pulldown-cmark), then sanitised (ammonia) so that
//! nothing from the module runs in the page: no scripts, event handlers,
//! styles, frames or forms; links only to `http`, `https` and `mailto`
//! (and `#` fragments), opened without referrer or opener. Relative links
//! and images point into the version's archive (`…/files/PATH`) when they
//! stay inside the module; others lose their URL.

use std::borrow::Cow;

use ammonia::UrlRelative;
use pulldown_cmark::{Options, Parser, html};

/// `markdown` as sanitised HTML; relative URLs resolved against `files`
/// (the archive route of the README's directory, ending in `/`), with the
/// module root at `root`.
pub fn render(markdown: &str, files: &ArchiveLinks) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options.insert(Options::ENABLE_FOOTNOTES);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(UrlRelative::Custom(Box::new(files.clone())))
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

/// Where a README's relative URLs lead: the archive route of a version
/// (`/modules/NS/NAME/SYSTEM/VERSION/files/`) and the README's directory
/// in the module (`""`, `modules/net`).
#[derive(Debug, Clone)]
pub struct ArchiveLinks {
    /// The archive route, ending in `/`.
    pub route: String,
    /// The README's directory from the module root, no trailing `/`.
    pub dir: String,
}

impl ArchiveLinks {
    /// `url` (relative) as a URL into the archive; `None` when it climbs
    /// out of the module. A fragment alone stays as it is.
    fn resolve<'a>(&self, url: &'a str) -> Option<Cow<'a, str>> {
        if url.starts_with('#') {
            return Some(Cow::Borrowed(url));
        }
        let (path, fragment) = match url.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (url, None),
        };
        let path = path.split('?').next().unwrap_or(path);
        let mut parts: Vec<&str> = if path.starts_with('/') {
            Vec::new()
        } else {
            self.dir.split('/').filter(|p| !p.is_empty()).collect()
        };
        for piece in path.split('/') {
            match piece {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                p => parts.push(p),
            }
        }
        if parts.is_empty() {
            return None;
        }
        let encoded: Vec<String> = parts
            .iter()
            .map(|p| {
                // Already-encoded names (`my%20file.png`) stay as written.
                let decoded = percent_decode(p);
                url::form_urlencoded::byte_serialize(decoded.as_bytes())
                    .collect::<String>()
                    .replace('+', "%20")
            })
            .collect();
        let mut out = format!("{}{}", self.route, encoded.join("/"));
        if let Some(f) = fragment {
            out.push('#');
            out.push_str(f);
        }
        Some(Cow::Owned(out))
    }
}

impl<'a> ammonia::UrlRelativeEvaluate<'a> for ArchiveLinks {
    fn evaluate<'url>(&self, url: &'url str) -> Option<Cow<'url, str>> {
        self.resolve(url)
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::{ArchiveLinks, render};

    fn links(dir: &str) -> ArchiveLinks {
        ArchiveLinks {
            route: "/modules/a/b/c/1.0.0/files/".into(),
            dir: dir.into(),
        }
    }

    #[test]
    fn relative_links_and_images_point_into_the_archive() {
        let html = render(
            "[doc](docs/a.md#part) ![diagram](./img/d%20x.png) [up](../../README.md) [out](../../../x) [q](b.md?raw=1)\n",
            &links("modules/net"),
        );
        for want in [
            "href=\"/modules/a/b/c/1.0.0/files/modules/net/docs/a.md#part\"",
            "src=\"/modules/a/b/c/1.0.0/files/modules/net/img/d%20x.png\"",
            "href=\"/modules/a/b/c/1.0.0/files/README.md\"",
            "href=\"/modules/a/b/c/1.0.0/files/modules/net/b.md\"",
        ] {
            assert!(html.contains(want), "{want} in {html}");
        }
        assert!(!html.contains("../../../x"), "{html}");
    }

    #[test]
    fn nothing_from_a_readme_can_run() {
        let html = render(
            "# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) [ok](https://example.com) [top](#title) [file](../docs/a.md)\n\n<div style=\"x\" onclick=\"y\">text</div>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
            &links(""),
        );
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "onclick",
            "style=",
            "docs/a.md",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
        assert!(html.contains("href=\"#title\""), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
