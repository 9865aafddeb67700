//! Checks on the free text a caller stores with a version (descriptions,
//! source URLs, deprecation reasons and successors, yank reasons, version
//! strings): what is stored is served to every client and shown in every
//! page, so each has a length limit, no control characters, and a source
//! URL only in a scheme a module source can have (never `javascript:`,
//! `data:` or `file:`).

use crate::error::{Error, Result};

/// The longest description, in characters.
pub const MAX_DESCRIPTION: usize = 1_000;
/// The longest source URL, in bytes.
pub const MAX_SOURCE_URL: usize = 2_048;
/// The longest deprecation or yank reason, in characters.
pub const MAX_REASON: usize = 1_000;
/// The longest successor, in characters.
pub const MAX_SUCCESSOR: usize = 256;
/// The longest version string, in bytes.
pub const MAX_VERSION: usize = 128;

/// Schemes a module's source repository may be given in.
const SOURCE_SCHEMES: &[&str] = &["https", "http", "git", "ssh", "git+ssh", "git+https"];

/// Text of at most `max` characters without control characters (line
/// breaks and tabs allowed where `multiline`).
pub fn check_text(field: &str, value: &str, max: usize, multiline: bool) -> Result<()> {
    let n = value.chars().count();
    if n > max {
        return Err(Error::invalid_input(format!(
            "the {field} is {n} characters long; at most {max} are allowed"
        )));
    }
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\t' | '\r')))
    {
        return Err(Error::invalid_input(format!(
            "the {field} holds the control character U+{:04X}",
            c as u32
        )));
    }
    Ok(())
}

/// A source repository URL: absolute, in a scheme of [`SOURCE_SCHEMES`]
/// (Terraform's `git::` prefix allowed), at most [`MAX_SOURCE_URL`] bytes.
pub fn check_source_url(value: &str) -> Result<()> {
    if value.len() > MAX_SOURCE_URL {
        return Err(Error::invalid_input(format!(
            "the source URL is {} bytes long; at most {MAX_SOURCE_URL} are allowed",
            value.len()
        )));
    }
    check_text("source URL", value, MAX_SOURCE_URL, false)?;
    let bare = value.strip_prefix("git::").unwrap_or(value);
    let scheme = bare
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase())
        .filter(|s| SOURCE_SCHEMES.contains(&s.as_str()));
    let Some(_) = scheme else {
        return Err(Error::invalid_input(format!(
            "the source URL {value:?} is not an absolute URL in one of the schemes {}",
            SOURCE_SCHEMES.join(", ")
        )));
    };
    if bare.chars().any(char::is_whitespace) {
        return Err(Error::invalid_input(format!(
            "the source URL {value:?} holds whitespace"
        )));
    }
    Ok(())
}

/// A version string as a publisher wrote it: at most [`MAX_VERSION`] bytes
/// of printable ASCII.
pub fn check_version_text(value: &str) -> Result<()> {
    if value.len() > MAX_VERSION {
        return Err(Error::invalid_input(format!(
            "the version is {} bytes long; at most {MAX_VERSION} are allowed",
            value.len()
        )));
    }
    if !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::invalid_input(format!(
            "the version {value:?} holds characters other than printable ASCII"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_urls_are_checked() {
        for ok in [
            "https://github.com/acme/vpc",
            "git::https://example.com/vpc.git",
            "ssh://git@example.com/vpc.git",
        ] {
            assert!(check_source_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>",
            "file:///etc/passwd",
            "github.com/acme/vpc",
            "https://a b",
        ] {
            assert!(check_source_url(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_SOURCE_URL));
        assert!(
            check_source_url(&long)
                .unwrap_err()
                .message()
                .contains("2048")
        );
    }

    #[test]
    fn text_has_limits_and_no_control_characters() {
        assert!(check_text("reason", &"x".repeat(MAX_REASON), MAX_REASON, true).is_ok());
        let e = check_text("reason", &"x".repeat(100_000), MAX_REASON, true).unwrap_err();
        assert!(e.message().contains("100000 characters"), "{}", e.message());
        assert!(check_text("reason", "a\nb", MAX_REASON, true).is_ok());
        assert!(check_text("successor", "a\nb", MAX_SUCCESSOR, false).is_err());
        assert!(check_text("reason", "a\u{1b}[31m", MAX_REASON, true).is_err());
        assert!(check_version_text("1.0.0").is_ok());
        assert!(check_version_text(&"1".repeat(200)).is_err());
        assert!(check_version_text("1.0.0\u{0}").is_err());
    }
}
