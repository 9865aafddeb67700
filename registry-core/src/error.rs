//! The one error type of the registry crates, with stable kinds.

use std::fmt;

/// A boxed error source, kept so callers can walk the chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result type used throughout the registry crates.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in terms a caller can act on. Stable: new kinds may be
/// added, existing ones keep their meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The module, version, blob or record does not exist.
    NotFound,
    /// The thing being created already exists (a published version is immutable).
    AlreadyExists,
    /// The request or its input is malformed (bad name, bad version, bad archive).
    InvalidInput,
    /// The input is well formed but its content fails validation; see [`Error::problems`].
    ValidationFailed,
    /// The input exceeds a configured size or count limit.
    TooLarge,
    /// The operation conflicts with the current state (for example a lifecycle change that does not apply).
    Conflict,
    /// Stored bytes do not match their recorded digest, or a signature does not verify.
    Integrity,
    /// No valid credentials were presented.
    Unauthenticated,
    /// The credentials are valid but lack the role the operation needs.
    PermissionDenied,
    /// Too many requests; try again later.
    RateLimited,
    /// Storing this would exceed a quota (versions per module, bytes per namespace).
    QuotaExceeded,
    /// The backend or configuration does not support the operation.
    Unsupported,
    /// A storage, cache or network backend failed.
    Backend,
    /// A backend refused the registry's own credentials or permissions (a
    /// bad access key, a bucket policy): an operator must fix the
    /// configuration, so retrying will not help.
    Misconfigured,
    /// An upstream registry the answer depends on (a mirror's) failed or
    /// answered wrongly; the message says which and how.
    Upstream,
}

impl ErrorKind {
    /// A short, stable, lowercase name for logs and wire formats.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::ValidationFailed => "validation_failed",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Integrity => "integrity",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::QuotaExceeded => "quota_exceeded",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Backend => "backend",
            ErrorKind::Misconfigured => "misconfigured",
            ErrorKind::Upstream => "upstream",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a validation finding is. Ordered: `Info < Warning < Error`.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never blocks.
    Info,
    /// Should be fixed; blocks only where a policy fails on warnings.
    Warning,
    /// Must be fixed: the module is wrong.
    #[default]
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "error" => Ok(Severity::Error),
            "warning" | "warn" => Ok(Severity::Warning),
            "info" => Ok(Severity::Info),
            other => Err(Error::invalid_input(format!(
                "unknown severity {other:?}; expected error, warning or info"
            ))),
        }
    }
}

/// One problem found while validating a module: which rule, how serious,
/// where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// The stable id of the rule or check that found it (`hcl-parse`).
    #[serde(alias = "rule")]
    pub id: String,
    /// How serious it is.
    #[serde(default)]
    pub severity: Severity,
    /// The file the problem is in, relative to the module root, if any.
    pub file: Option<String>,
    /// 1-based line, if known.
    pub line: Option<u32>,
    /// 1-based column, if known.
    pub column: Option<u32>,
    /// What is wrong, in words a module author can act on.
    pub message: String,
    /// How to fix it, when the rule knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Problem {
    /// An error-severity problem not tied to a file position.
    pub fn new(id: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            id: id.into(),
            severity: Severity::Error,
            file: None,
            line: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    /// With another severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// With a fix hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Attach a file (and optionally a position).
    pub fn at(mut self, file: impl Into<String>, line: Option<u32>, column: Option<u32>) -> Self {
        self.file = Some(file.into());
        self.line = line;
        self.column = column;
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(col) = self.column {
                    write!(f, ":{col}")?;
                }
            }
            write!(f, ": ")?;
        }
        write!(f, "{}: {} [{}]", self.severity, self.message, self.id)
    }
}

/// The error of every registry crate: a stable [`ErrorKind`], a message,
/// context pairs (which module, which backend) and the source error kept.
pub struct Error {
    kind: ErrorKind,
    message: String,
    context: Vec<(&'static str, String)>,
    problems: Vec<Problem>,
    source: Option<BoxError>,
}

impl Error {
    /// A new error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            context: Vec::new(),
            problems: Vec::new(),
            source: None,
        }
    }

    /// Shorthand for [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// Shorthand for [`ErrorKind::InvalidInput`].
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for [`ErrorKind::Backend`] with the backend named and the source kept.
    pub fn backend(
        backend: &'static str,
        message: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        Self::new(ErrorKind::Backend, message)
            .with_context("backend", backend)
            .with_source(source)
    }

    /// A [`ErrorKind::ValidationFailed`] error listing every problem.
    pub fn validation(problems: Vec<Problem>) -> Self {
        let n = problems.len();
        let mut e = Self::new(
            ErrorKind::ValidationFailed,
            format!(
                "module failed validation with {n} problem{}",
                if n == 1 { "" } else { "s" }
            ),
        );
        e.problems = problems;
        e
    }

    /// Add a context pair (for example `("module", "ns/name/system")`).
    pub fn with_context(mut self, key: &'static str, value: impl fmt::Display) -> Self {
        self.context.push((key, value.to_string()));
        self
    }

    /// Keep the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without context.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Context pairs, in the order they were added.
    pub fn context(&self) -> &[(&'static str, String)] {
        &self.context
    }

    /// The value of a context key, if present.
    pub fn context_value(&self, key: &str) -> Option<&str> {
        self.context
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The error every metadata store returns for a version that is
    /// already published (part of the storage contract).
    pub fn already_exists(id: &crate::ModuleId) -> Self {
        Error::new(
            ErrorKind::AlreadyExists,
            format!("{id} is already published; published versions are immutable"),
        )
        .with_context("module", id)
    }

    /// The error every metadata store returns when a deleted version is
    /// re-published with other bytes (part of the storage contract).
    pub fn reserved(id: &crate::ModuleId) -> Self {
        Error::new(
            ErrorKind::AlreadyExists,
            format!(
                "{id} was deleted and its number stays reserved; only the identical archive can be published again"
            ),
        )
        .with_context("module", id)
    }

    /// Validation problems (non-empty for [`ErrorKind::ValidationFailed`]).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Whether retrying the same call later may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(self.kind, ErrorKind::Backend | ErrorKind::RateLimited)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if !self.context.is_empty() {
            write!(f, " (")?;
            for (i, (k, v)) in self.context.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{k}: {v}")?;
            }
            write!(f, ")")?;
        }
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        if let Some(src) = &self.source {
            write!(f, ": {src}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("context", &self.context)
            .field("problems", &self.problems)
            .field("source", &self.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        let kind = match e.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => {
                ErrorKind::InvalidInput
            }
            _ => ErrorKind::Backend,
        };
        Error::new(kind, "I/O error").with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_includes_context_problems_and_source() {
        let e = Error::validation(vec![Problem::new("hcl-parse", "unexpected token").at(
            "main.tf",
            Some(3),
            Some(7),
        )])
        .with_context("module", "acme/vpc/aws");
        let s = e.to_string();
        assert!(s.contains("1 problem"), "{s}");
        assert!(s.contains("module: acme/vpc/aws"), "{s}");
        assert!(
            s.contains("main.tf:3:7: error: unexpected token [hcl-parse]"),
            "{s}"
        );
        assert_eq!(e.kind(), ErrorKind::ValidationFailed);
        assert_eq!(e.context_value("module"), Some("acme/vpc/aws"));
    }

    #[test]
    fn backend_errors_are_temporary_and_keep_source() {
        let io = std::io::Error::other("disk on fire");
        let e = Error::backend("sqlite", "insert failed", io);
        assert!(e.is_temporary());
        assert!(std::error::Error::source(&e).is_some());
        assert!(e.to_string().contains("disk on fire"));
        assert!(!Error::not_found("x").is_temporary());
    }
}
