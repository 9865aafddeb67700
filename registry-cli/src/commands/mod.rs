//! One module per group of subcommands. Each returns the process exit code.

pub mod admin;
pub mod audit;
pub mod docs;
pub mod lifecycle;
pub mod lock;
pub mod publish;
pub mod read;
pub mod resolve;
pub mod search;
pub mod serve;
pub mod signing;
pub mod token;

/// What a command returns: an exit code, or an error to print.
pub type CmdResult = registry_core::Result<i32>;

/// Parse `ns/name/system`.
pub fn parse_address(s: &str) -> registry_core::Result<registry_core::ModuleAddress> {
    s.parse()
}
