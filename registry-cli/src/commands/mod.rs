//! One module per group of subcommands. Each returns the process exit code.

pub mod admin;
pub mod audit;
pub mod diff;
pub mod docs;
pub mod lifecycle;
pub mod lock;
pub mod policy;
pub mod provider;
pub mod provider_import;
pub mod publish;
pub mod read;
pub mod repo;
pub mod resolve;
pub mod search;
pub mod serve;
pub mod signing;
pub mod test;
pub mod token;
pub mod trusted_publisher;
pub mod upstream_args;
pub mod validate;

/// What a command returns: an exit code, or an error to print.
pub type CmdResult = registry_core::Result<i32>;

/// Append an audit record for an administrative change made directly on
/// local storage (tokens, trusted keys); the actor is `local:<OS user>`.
pub async fn audit_local(
    opened: &registry_server::OpenedRegistry,
    action: &str,
    target: &str,
    detail: Option<String>,
) -> registry_core::Result<()> {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    opened
        .audit
        .record(registry_core::AuditEvent {
            at: chrono::Utc::now(),
            actor: format!("local:{user}"),
            action: action.into(),
            target: target.into(),
            outcome: registry_core::AuditOutcome::Success,
            detail,
            request_id: None,
            client_addr: None,
        })
        .await
}

/// Parse `ns/name/system`.
pub fn parse_address(s: &str) -> registry_core::Result<registry_core::ModuleAddress> {
    s.parse()
}
