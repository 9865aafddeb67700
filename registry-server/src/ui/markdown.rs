//! A module's README as HTML: CommonMark with tables, strikethrough, task
//! lists and footnotes (pulldown-cmark), then sanitised (ammonia) so that
//! nothing from the module runs in the page: no scripts, event handlers,
//! styles, frames or forms; links only to `http`, `https` and `mailto`
//! (and `#` fragments), opened without referrer or opener.

use std::borrow::Cow;

use ammonia::UrlRelative;
use pulldown_cmark::{Options, Parser, html};

/// `markdown` as sanitised HTML.
pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options.insert(Options::ENABLE_FOOTNOTES);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        // Links into the archive have no page of their own yet: a relative
        // link keeps only its fragment form (`#usage`), others lose the URL.
        .url_relative(UrlRelative::Custom(Box::new(keep_fragment)))
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

fn keep_fragment(url: &str) -> Option<Cow<'_, str>> {
    url.starts_with('#').then_some(Cow::Borrowed(url))
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn nothing_from_a_readme_can_run() {
        let html = render(
            "# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) [ok](https://example.com) [top](#title) [file](docs/a.md)\n\n<div style=\"x\" onclick=\"y\">text</div>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
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
