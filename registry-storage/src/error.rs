//! Backend errors converted to the registry's error kinds, in one place.

use registry_core::{Error, ErrorKind};

/// Convert an sqlx error. Unique violations (SQLSTATE 23505, SQLite
/// constraint 2067/1555) become `AlreadyExists`; the database URL never
/// appears in the message.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn from_sqlx(backend: &'static str, what: &str, e: sqlx::Error) -> Error {
    let kind = match &e {
        sqlx::Error::RowNotFound => ErrorKind::NotFound,
        sqlx::Error::Database(db) if db.is_unique_violation() => ErrorKind::AlreadyExists,
        sqlx::Error::Database(db) if db.is_foreign_key_violation() || db.is_check_violation() => {
            ErrorKind::Conflict
        }
        sqlx::Error::Migrate(_) => ErrorKind::Conflict,
        _ => ErrorKind::Backend,
    };
    Error::new(kind, format!("{backend}: {what} failed"))
        .with_context("backend", backend)
        .with_source(e)
}

/// Convert an object_store error.
pub(crate) fn from_object_store(
    backend: &'static str,
    what: &str,
    e: object_store::Error,
) -> Error {
    let kind = match &e {
        object_store::Error::NotFound { .. } => ErrorKind::NotFound,
        object_store::Error::AlreadyExists { .. } => ErrorKind::AlreadyExists,
        object_store::Error::NotSupported { .. } | object_store::Error::NotImplemented { .. } => {
            ErrorKind::Unsupported
        }
        object_store::Error::InvalidPath { .. } => ErrorKind::InvalidInput,
        object_store::Error::Precondition { .. } => ErrorKind::Conflict,
        // The store refused our own credentials: not temporary, and not the
        // caller's 401/403 either.
        object_store::Error::Unauthenticated { .. }
        | object_store::Error::PermissionDenied { .. } => ErrorKind::Misconfigured,
        _ => ErrorKind::Backend,
    };
    Error::new(kind, format!("{backend}: {what} failed"))
        .with_context("backend", backend)
        .with_source(e)
}

/// Decoding a stored JSON column failed: the row is not what this version wrote.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn corrupt_row(backend: &'static str, e: serde_json::Error) -> Error {
    Error::new(
        ErrorKind::Integrity,
        format!("{backend}: stored metadata could not be decoded"),
    )
    .with_context("backend", backend)
    .with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> Box<dyn std::error::Error + Send + Sync> {
        "denied".into()
    }

    #[test]
    fn refused_credentials_are_not_temporary() {
        for e in [
            object_store::Error::Unauthenticated {
                path: "x".into(),
                source: source(),
            },
            object_store::Error::PermissionDenied {
                path: "x".into(),
                source: source(),
            },
        ] {
            let e = from_object_store("s3", "put", e);
            assert_eq!(e.kind(), ErrorKind::Misconfigured);
            assert!(!e.is_temporary());
        }
        let e = from_object_store(
            "s3",
            "put",
            object_store::Error::Generic {
                store: "S3",
                source: source(),
            },
        );
        assert!(e.is_temporary(), "an unknown store failure may pass");
    }
}
