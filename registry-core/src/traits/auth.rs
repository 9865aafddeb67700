//! Who is asking, and whether they may.

use std::fmt::{self, Debug};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// A role within a namespace; each includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May read modules.
    Reader,
    /// May read, publish and change lifecycle.
    Publisher,
    /// May do everything, including deleting versions.
    Admin,
}

impl std::str::FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "reader" => Ok(Role::Reader),
            "publisher" => Ok(Role::Publisher),
            "admin" => Ok(Role::Admin),
            _ => Err(Error::invalid_input(format!(
                "invalid role {s:?}: expected reader, publisher or admin"
            ))),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Reader => "reader",
            Role::Publisher => "publisher",
            Role::Admin => "admin",
        })
    }
}

/// A role granted in one namespace, or in all (`*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The namespace, or `*` for every namespace.
    pub namespace: String,
    /// The role.
    pub role: Role,
}

impl Grant {
    /// Whether this grant covers `namespace` (case-insensitively) with at least `role`.
    pub fn allows(&self, namespace: &str, role: Role) -> bool {
        (self.namespace == "*" || self.namespace.eq_ignore_ascii_case(namespace))
            && self.role >= role
    }
}

/// Who is making a request.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// No credentials.
    Anonymous,
    /// An API token (identified by its id, never by its secret).
    Token {
        /// The token's public id.
        id: String,
        /// What it may do.
        grants: Vec<Grant>,
    },
    /// The local operator (CLI against a local data dir): may do everything.
    System,
    /// A part of the registry acting on its own with the grants it was
    /// given (a followed repository's sync publishes as `repo:NS/NAME/SYSTEM`
    /// with the publisher role in that namespace only).
    Service {
        /// Who it is, as audit records name it.
        name: String,
        /// What it may do.
        grants: Vec<Grant>,
    },
}

impl Actor {
    /// The identifier recorded in audit logs.
    pub fn audit_id(&self) -> String {
        match self {
            Actor::Anonymous => "anonymous".into(),
            Actor::Token { id, .. } => format!("token:{id}"),
            Actor::System => "system".into(),
            Actor::Service { name, .. } => name.clone(),
        }
    }
}

impl Debug for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Actor({})", self.audit_id())
    }
}

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read metadata, list, resolve, download.
    Read,
    /// Publish a new version.
    Publish,
    /// Deprecate, yank and undo those.
    ChangeLifecycle,
    /// Delete a version.
    Delete,
    /// Manage tokens, keys and other registry-wide settings.
    Admin,
}

impl Action {
    /// The role this action needs.
    pub fn required_role(self) -> Role {
        match self {
            Action::Read => Role::Reader,
            Action::Publish | Action::ChangeLifecycle => Role::Publisher,
            Action::Delete | Action::Admin => Role::Admin,
        }
    }
}

/// Decides whether an actor may perform an action in a namespace.
pub trait Authorizer: Send + Sync + Debug + 'static {
    /// `Ok` when allowed; [`ErrorKind::Unauthenticated`] when credentials are
    /// needed and missing; [`ErrorKind::PermissionDenied`] when they do not suffice.
    fn authorize(&self, actor: &Actor, action: Action, namespace: &str) -> Result<()>;
}

/// Role-based authorization: tokens act through their grants, the local
/// system actor may do everything, anonymous callers may read unless
/// `require_auth_for_reads` is set.
#[derive(Debug, Clone, Default)]
pub struct RoleAuthorizer {
    /// Require a token for reads too.
    pub require_auth_for_reads: bool,
}

impl Authorizer for RoleAuthorizer {
    fn authorize(&self, actor: &Actor, action: Action, namespace: &str) -> Result<()> {
        let role = action.required_role();
        match actor {
            Actor::System => Ok(()),
            Actor::Anonymous if action == Action::Read && !self.require_auth_for_reads => Ok(()),
            Actor::Anonymous => Err(Error::new(
                ErrorKind::Unauthenticated,
                format!("{action:?} needs an API token"),
            )),
            Actor::Token { grants, .. } | Actor::Service { grants, .. } => {
                if grants.iter().any(|g| g.allows(namespace, role)) {
                    Ok(())
                } else {
                    Err(Error::new(
                        ErrorKind::PermissionDenied,
                        format!("the token lacks the {role} role in namespace {namespace:?}"),
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(ns: &str, role: Role) -> Actor {
        Actor::Token {
            id: "t1".into(),
            grants: vec![Grant {
                namespace: ns.into(),
                role,
            }],
        }
    }

    #[test]
    fn roles_cover_lower_roles_in_their_namespace_only() {
        let a = RoleAuthorizer::default();
        assert!(
            a.authorize(&token("acme", Role::Publisher), Action::Publish, "ACME")
                .is_ok()
        );
        assert!(
            a.authorize(&token("acme", Role::Publisher), Action::Read, "acme")
                .is_ok()
        );
        let e = a
            .authorize(&token("acme", Role::Publisher), Action::Delete, "acme")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        let e = a
            .authorize(&token("acme", Role::Admin), Action::Publish, "other")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        assert!(
            a.authorize(&token("*", Role::Admin), Action::Delete, "any")
                .is_ok()
        );
    }

    #[test]
    fn anonymous_reads_unless_required() {
        let open = RoleAuthorizer::default();
        assert!(open.authorize(&Actor::Anonymous, Action::Read, "x").is_ok());
        let e = open
            .authorize(&Actor::Anonymous, Action::Publish, "x")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        let closed = RoleAuthorizer {
            require_auth_for_reads: true,
        };
        assert_eq!(
            closed
                .authorize(&Actor::Anonymous, Action::Read, "x")
                .unwrap_err()
                .kind(),
            ErrorKind::Unauthenticated
        );
        assert!(
            closed
                .authorize(&Actor::System, Action::Delete, "x")
                .is_ok()
        );
    }

    #[test]
    fn actor_debug_never_shows_grants_or_secrets() {
        assert_eq!(
            format!("{:?}", token("acme", Role::Admin)),
            "Actor(token:t1)"
        );
    }
}
