//! What an upstream's `X-Terraform-Get` names, read as Terraform's module
//! getter reads it: a forced getter (`git::`, `s3::`, …), a URL (absolute
//! or relative to the download URL), a `//subdir` inside what it fetches,
//! and an `archive=` query. Forms this mirror fetches are resolved to one
//! https (or, for an upstream configured over http, http) URL; every other
//! form is refused with a message naming it.

use registry_core::{Error, ErrorKind, Result};
use url::Url;

/// An archive to fetch: where, and which folder inside it is the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveSource {
    /// The URL to fetch, without Terraform's `archive=` hint.
    pub url: Url,
    /// The `//subdir` after the URL, if any (`*` is the archive's one
    /// top-level folder).
    pub subdir: Option<String>,
}

/// Split `src` into its forced getter (`git` of `git::https://…`), if any.
fn forced_getter(src: &str) -> (Option<&str>, &str) {
    if let Some((getter, rest)) = src.split_once("::")
        && !getter.is_empty()
        && getter.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return (Some(getter), rest);
    }
    (None, src)
}

/// Split `src` into the URL and its `//subdir` (the first `//` after the
/// scheme's), keeping a query on the URL as go-getter does.
fn split_subdir(src: &str) -> (String, Option<String>) {
    let after_scheme = src.find("://").map_or(0, |i| i + 3);
    let Some(at) = src[after_scheme..].find("//").map(|i| after_scheme + i) else {
        return (src.to_string(), None);
    };
    let (url, rest) = src.split_at(at);
    let rest = &rest[2..];
    let (subdir, query) = match rest.split_once('?') {
        Some((s, q)) => (s, Some(q)),
        None => (rest, None),
    };
    let url = match query {
        Some(q) => format!("{url}?{q}"),
        None => url.to_string(),
    };
    let subdir = subdir.trim_matches('/');
    (url, (!subdir.is_empty()).then(|| subdir.to_string()))
}

/// Resolve an upstream's `X-Terraform-Get` against the download URL it
/// came from. `allow_http`: the upstream was configured with an http URL.
pub fn resolve(location: &str, download_url: &Url, allow_http: bool) -> Result<ArchiveSource> {
    let location = location.trim();
    // The upstream's doing, not the client's; the location itself is not
    // echoed (it may carry a grant or a signature).
    let refuse = |form: &str, why: &str| {
        Error::new(
            ErrorKind::Upstream,
            format!("the upstream names its archive as {form}: {why}"),
        )
    };
    let (getter, rest) = forced_getter(location);
    match getter {
        None | Some("http") | Some("https") => {}
        // go-getter's s3:: and gcs:: over their https endpoints: fetched as
        // given, which works for public buckets.
        Some("s3") | Some("gcs") if rest.starts_with("https://") => {}
        Some("git") => {
            return Err(refuse(
                "a git source",
                "git sources are not mirrored yet; only archives over https are",
            ));
        }
        Some(other) => {
            return Err(refuse(
                &format!("a {other}:: source"),
                "this mirror fetches archives over https only",
            ));
        }
    }
    let (url_text, subdir) = split_subdir(rest);
    let mut url = download_url
        .join(&url_text)
        .map_err(|e| refuse("a URL", &format!("it does not parse: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        other => {
            return Err(refuse(
                &format!("a {other} URL"),
                "this mirror fetches archives over https (http only from an upstream configured with an http URL)",
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            "a URL with credentials",
            "credentials in URLs are not followed",
        ));
    }
    // Terraform's `archive=` says what the file is; we read that from its bytes.
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "archive")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url.set_fragment(None);
    Ok(ArchiveSource { url, subdir })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(location: &str) -> Result<ArchiveSource> {
        let base =
            Url::parse("https://up.example.com/v1/modules/acme/x/aws/1.0.0/download").unwrap();
        resolve(location, &base, false)
    }

    #[test]
    fn archive_urls_relative_and_absolute_resolve() {
        let a = from("./archive.tar.gz?grant=abc").unwrap();
        assert_eq!(
            a.url.as_str(),
            "https://up.example.com/v1/modules/acme/x/aws/1.0.0/archive.tar.gz?grant=abc"
        );
        assert_eq!(a.subdir, None);
        let b =
            from("https://codeload.example.com/acme/x/tar.gz/v1.0.0//*?archive=tar.gz").unwrap();
        assert_eq!(
            b.url.as_str(),
            "https://codeload.example.com/acme/x/tar.gz/v1.0.0"
        );
        assert_eq!(b.subdir.as_deref(), Some("*"));
        let c = from("/files/x.zip//modules/vpc").unwrap();
        assert_eq!(c.url.as_str(), "https://up.example.com/files/x.zip");
        assert_eq!(c.subdir.as_deref(), Some("modules/vpc"));
        let d = from("s3::https://s3.amazonaws.com/bucket/x.zip").unwrap();
        assert_eq!(d.url.as_str(), "https://s3.amazonaws.com/bucket/x.zip");
    }

    #[test]
    fn other_forms_are_refused_by_name() {
        for (src, says) in [
            ("git::https://github.com/acme/x?ref=v1.0.0", "a git source"),
            ("hg::https://example.com/x", "a hg:: source"),
            ("file::/etc/passwd", "a file:: source"),
            ("http://up.example.com/x.tgz", "a http URL"),
            ("ftp://up.example.com/x.tgz", "a ftp URL"),
            ("https://user:pw@up.example.com/x.tgz", "credentials"),
        ] {
            let e = from(src).unwrap_err().to_string();
            assert!(e.contains(says), "{src}: {e}");
        }
        let base = Url::parse("http://127.0.0.1:9/v1/modules/a/b/c/1.0.0/download").unwrap();
        assert!(resolve("./archive.tar.gz", &base, true).is_ok());
    }
}
