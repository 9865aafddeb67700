//! What an upstream's `X-Terraform-Get` names, read as Terraform's module
//! getter reads it: a forced getter (`git::`, `s3::`, …), a URL (absolute
//! or relative to the download URL), a `//subdir` inside what it fetches,
//! and an `archive=` query. Archives are resolved to one https (or, for an
//! upstream configured over http, http) URL; `git::` sources (and the
//! getter's `github.com/…` and `user@host:path` shorthands) to a remote, a
//! `?ref=` and a `//subdir`; every other form is refused with a message
//! naming it.

use registry_core::{Error, ErrorKind, Result};
use registry_git::GitRemote;
use url::Url;

/// Where an upstream says a version's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An archive over https.
    Archive(ArchiveSource),
    /// A git repository at a reference.
    Git(GitSource),
}

/// A git repository to check out, as Terraform's getter reads `git::`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSource {
    /// The repository.
    pub remote: GitRemote,
    /// `?ref=`: a branch, a tag or a commit (the default branch if none).
    pub reference: Option<String>,
    /// The `//subdir` that is the module, if any.
    pub subdir: Option<String>,
}

impl GitSource {
    /// The source as it may be recorded: the remote without its query
    /// (which may carry a credential), and its `?ref=`.
    pub fn describe(&self) -> String {
        let mut url = self.remote.url().clone();
        url.set_query(None);
        match &self.reference {
            Some(r) => format!("git::{url}?ref={r}"),
            None => format!("git::{url}"),
        }
    }
}

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
pub fn resolve(location: &str, download_url: &Url, allow_http: bool) -> Result<Source> {
    let location = location.trim();
    if let Some(git) = git_shorthand(location) {
        return resolve_git(&git, allow_http);
    }
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
        Some("git") => return resolve_git(rest, allow_http),
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
    Ok(Source::Archive(ArchiveSource { url, subdir }))
}

/// The getter's shorthands for git: `github.com/OWNER/REPO[//sub][?ref=]`
/// and scp-like `user@host:path`, as the `git::` source they stand for.
fn git_shorthand(location: &str) -> Option<String> {
    if location.starts_with("github.com/") {
        // As go-getter's GitHub detector: the first three parts are the
        // repository, any further ones a folder inside it.
        let (path, subdir) = split_subdir(location);
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p.to_string(), format!("?{q}")),
            None => (path, String::new()),
        };
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() < 3 {
            return None;
        }
        let repo = parts[2].trim_end_matches(".git");
        let folder: Vec<&str> = parts[3..]
            .iter()
            .copied()
            .chain(subdir.as_deref())
            .filter(|p| !p.is_empty())
            .collect();
        let folder = if folder.is_empty() {
            String::new()
        } else {
            format!("//{}", folder.join("/"))
        };
        return Some(format!(
            "https://github.com/{}/{repo}.git{folder}{query}",
            parts[1]
        ));
    }
    let (head, _) = location.split_once(':')?;
    (!location.contains("://")
        && !location.contains("::")
        && head.contains('@')
        && !head.contains('/'))
    .then(|| location.to_string())
}

/// A `git::` source: the remote, `?ref=`, `//subdir`. `?depth=` is
/// dropped (checkouts are always shallow); `?sshkey=` is refused (a key
/// from the upstream is not used).
fn resolve_git(rest: &str, allow_http: bool) -> Result<Source> {
    let refuse = |why: String| {
        Error::new(
            ErrorKind::Upstream,
            format!("the upstream names its module as a git source: {why}"),
        )
    };
    let (with_query, subdir) = split_subdir(rest);
    let (remote_text, query) = match with_query.split_once('?') {
        Some((r, q)) => (r.to_string(), Some(q.to_string())),
        None => (with_query.clone(), None),
    };
    let mut reference = None;
    let mut kept = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "ref" => reference = Some(v.into_owned()),
            "depth" => {}
            "sshkey" => {
                return Err(refuse(
                    "it carries an ssh key (?sshkey=), which this mirror does not use".into(),
                ));
            }
            _ => kept.push((k.into_owned(), v.into_owned())),
        }
    }
    let mut remote_text = remote_text;
    if !kept.is_empty() {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        remote_text = format!("{remote_text}?{q}");
    }
    let remote = GitRemote::parse(&remote_text).map_err(|e| refuse(e.message().to_string()))?;
    if remote.transport() == registry_git::Transport::Http && !allow_http {
        return Err(refuse(
            "plain http is fetched only from an upstream configured with an http URL".into(),
        ));
    }
    if let Some(r) = &reference {
        registry_git::check_reference(r).map_err(|e| refuse(e.message().to_string()))?;
    }
    Ok(Source::Git(GitSource {
        remote,
        reference,
        subdir,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(location: &str) -> Result<ArchiveSource> {
        match source(location)? {
            Source::Archive(a) => Ok(a),
            other => panic!("{location}: not an archive: {other:?}"),
        }
    }

    fn source(location: &str) -> Result<Source> {
        let base =
            Url::parse("https://up.example.com/v1/modules/acme/x/aws/1.0.0/download").unwrap();
        resolve(location, &base, false)
    }

    fn git(location: &str) -> GitSource {
        match source(location).unwrap() {
            Source::Git(g) => g,
            other => panic!("{location}: not git: {other:?}"),
        }
    }

    #[test]
    fn git_sources_resolve_as_the_getter_reads_them() {
        let g = git("git::https://github.com/acme/x.git//modules/vpc?ref=v1.2.0&depth=1");
        assert_eq!(g.remote.url().as_str(), "https://github.com/acme/x.git");
        assert_eq!(g.reference.as_deref(), Some("v1.2.0"));
        assert_eq!(g.subdir.as_deref(), Some("modules/vpc"));
        assert_eq!(
            g.describe(),
            "git::https://github.com/acme/x.git?ref=v1.2.0"
        );
        let g = git("git::ssh://git@example.com/acme/x.git?ref=main");
        assert_eq!(g.remote.transport(), registry_git::Transport::Ssh);
        let g = git("git::git@github.com:acme/x.git//sub?ref=v1");
        assert_eq!(g.remote.url().as_str(), "ssh://git@github.com/acme/x.git");
        assert_eq!(g.subdir.as_deref(), Some("sub"));
        let g = git("git@github.com:acme/x.git?ref=v2");
        assert_eq!(g.reference.as_deref(), Some("v2"));
        let g = git("git::git://127.0.0.1:9418/x.git");
        assert_eq!(g.reference, None);
        let g = git("github.com/acme/terraform-x//modules/a?ref=v3.0.0");
        assert_eq!(
            g.remote.url().as_str(),
            "https://github.com/acme/terraform-x.git"
        );
        assert_eq!(g.subdir.as_deref(), Some("modules/a"));
        assert_eq!(g.reference.as_deref(), Some("v3.0.0"));
        let g = git("github.com/acme/x/modules/b");
        assert_eq!(g.subdir.as_deref(), Some("modules/b"));
    }

    #[test]
    fn hostile_git_sources_are_refused_by_form() {
        for (src, says) in [
            ("git::ext::sh -c touch", "spaces"),
            ("git::file:///etc", "file transport"),
            ("git::/srv/x.git", "local path"),
            (
                "git::https://example.com/x.git?ref=--upload-pack=x",
                "reference is refused",
            ),
            (
                "git::https://example.com/x.git?ref=HEAD~1",
                "reference is refused",
            ),
            ("git::https://example.com/x.git?sshkey=AAAA", "ssh key"),
            ("git::http://example.com/x.git", "plain http"),
            ("git::https://user:pw@example.com/x.git", "password"),
        ] {
            let e = source(src).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Upstream, "{src}");
            assert!(e.to_string().contains(says), "{src}: {e}");
            assert!(e.to_string().contains("git source"), "{src}: {e}");
        }
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
        assert!(resolve("git::http://127.0.0.1:9/x.git", &base, true).is_ok());
    }
}
