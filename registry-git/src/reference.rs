//! What a git reference (`?ref=`) may be: a branch, a tag or a commit, in
//! characters that cannot be read as an option or a revision expression.

use registry_core::{Error, Result};

/// Check a reference (`v1.2.0`, `release/2026-12`, a commit hash): ASCII
/// letters, digits and `._/+-_`, not starting with `-`, `/` or `.`, no
/// `..` or `//`, not ending with `/`, `.` or `.lock`, at most 255 bytes.
/// Anything else is refused with a message naming the reference's fault
/// (never echoing it whole: it came from elsewhere).
pub fn check_reference(reference: &str) -> Result<()> {
    let fault = if reference.is_empty() {
        Some("it is empty")
    } else if reference.len() > 255 {
        Some("it is longer than 255 bytes")
    } else if !reference
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._/+-_".contains(&b))
    {
        Some("it holds a character other than letters, digits and ._/+-_")
    } else if reference.starts_with(['-', '/', '.']) {
        Some("it starts with '-', '/' or '.'")
    } else if reference.contains("..") || reference.contains("//") {
        Some("it holds '..' or '//'")
    } else if reference.ends_with(['/', '.']) || reference.ends_with(".lock") {
        Some("it ends with '/', '.' or '.lock'")
    } else {
        None
    };
    match fault {
        Some(why) => Err(Error::invalid_input(format!(
            "the git reference is refused: {why}"
        ))),
        None => Ok(()),
    }
}

/// Whether a reference names a commit by its full hash (SHA-1 or SHA-256).
pub(crate) fn is_commit_hash(reference: &str) -> bool {
    matches!(reference.len(), 40 | 64) && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a reference may name a commit by a hash or an abbreviation of
/// one (at least 7 hex digits, as `git log --oneline` shows them): such a
/// reference that no server hands out is looked up among the fetched
/// branches and tags, as Terraform's getter finds it in its clone.
pub(crate) fn may_be_commit_hash(reference: &str) -> bool {
    (7..=64).contains(&reference.len()) && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_tags_and_hashes_pass_expressions_and_options_do_not() {
        for ok in [
            "v1.2.0",
            "release/2026-12",
            "vpc-v1.0.0+build",
            "main",
            "feature_x",
        ] {
            check_reference(ok).unwrap();
        }
        for bad in [
            "",
            "--upload-pack=touch",
            "-x",
            "HEAD~1",
            "main^{tree}",
            "a..b",
            "a//b",
            "v1.lock",
            "v1/",
            ".hidden",
            "a b",
            "a:b",
            "@{-1}",
        ] {
            let e = check_reference(bad).unwrap_err().to_string();
            assert!(e.contains("git reference is refused"), "{bad}: {e}");
        }
        assert!(is_commit_hash(&"a".repeat(40)));
        assert!(!is_commit_hash("v1.0.0"));
    }
}
