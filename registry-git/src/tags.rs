//! A remote's tags and the commits they point at, without fetching any
//! objects (`git ls-remote`): how a followed repository finds releases.

use registry_core::Result;

use crate::command::Sandbox;
use crate::{GitOptions, GitRemote};

/// One tag of a remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTag {
    /// The tag's name (`v1.2.0`), without `refs/tags/`.
    pub name: String,
    /// The commit it points at (an annotated tag peeled to its commit).
    pub commit: String,
}

/// Every tag of `remote` that is a valid reference name, sorted by name.
pub async fn remote_tags(remote: &GitRemote, options: &GitOptions) -> Result<Vec<RemoteTag>> {
    let (dir, sandbox) = Sandbox::open(remote, options, "")?;
    let out = sandbox
        .git(
            dir.path(),
            &[
                "ls-remote",
                "--tags",
                "--",
                remote.dial_url(options.pin).as_str(),
            ],
        )
        .await?;
    Ok(parse_ls_remote(&String::from_utf8_lossy(&out)))
}

/// `HASH\trefs/tags/NAME` lines, with `NAME^{}` (the peeled commit of an
/// annotated tag) taking the place of the tag object's hash.
fn parse_ls_remote(text: &str) -> Vec<RemoteTag> {
    let mut tags = std::collections::BTreeMap::<String, (String, bool)>::new();
    for line in text.lines() {
        let Some((hash, name)) = line.split_once('\t') else {
            continue;
        };
        let Some(name) = name.strip_prefix("refs/tags/") else {
            continue;
        };
        let (name, peeled) = match name.strip_suffix("^{}") {
            Some(n) => (n, true),
            None => (name, false),
        };
        if crate::check_reference(name).is_err() || !crate::reference::is_commit_hash(hash) {
            continue;
        }
        let entry = tags
            .entry(name.to_string())
            .or_insert_with(|| (hash.to_string(), peeled));
        if peeled {
            *entry = (hash.to_string(), true);
        }
    }
    tags.into_iter()
        .map(|(name, (commit, _))| RemoteTag { name, commit })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotated_tags_are_peeled_and_odd_names_dropped() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let c = "c".repeat(40);
        let text = format!(
            "{a}\trefs/tags/v1.0.0\n{b}\trefs/tags/v1.0.0^{{}}\n{c}\trefs/tags/v0.9.0\n{c}\trefs/heads/main\n{c}\trefs/tags/-x\nnot a line\n"
        );
        let tags = parse_ls_remote(&text);
        assert_eq!(
            tags,
            [
                RemoteTag {
                    name: "v0.9.0".into(),
                    commit: c.clone()
                },
                RemoteTag {
                    name: "v1.0.0".into(),
                    commit: b.clone()
                }
            ]
        );
    }
}
