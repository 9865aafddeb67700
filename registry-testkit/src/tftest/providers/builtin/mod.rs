//! The providers real suites use without mocking, in-process: `terraform`
//! (`terraform_data`), `null`, `random`, `time`, `tls` and `local`.

mod common;
pub mod local;
mod null;
pub mod random;
pub mod rng;
mod terraform;
pub mod time;
mod tls;

use std::path::PathBuf;
use std::sync::Arc;

use super::Provider;

/// What an in-process provider may know of where it runs.
#[derive(Debug, Clone, Default)]
pub struct BuiltinEnv {
    /// The seed its generated values are drawn from (the same seed gives
    /// the same values).
    pub seed: u64,
    /// The folder `local_file` writes into (relative file names land
    /// under it); without one, `local` refuses to write.
    pub scratch_dir: Option<PathBuf>,
    /// The module directory (the `local_file` data sources read inside it
    /// or the scratch folder).
    pub module_dir: Option<PathBuf>,
}

impl BuiltinEnv {
    /// An environment with only a seed (no folders).
    pub fn seeded(seed: u64) -> Self {
        BuiltinEnv {
            seed,
            ..BuiltinEnv::default()
        }
    }
}

/// The in-process provider for `source` (`hashicorp/null`), if there is
/// one, with only a seed: `local` then has no scratch folder (it refuses to
/// write, and destroys what it finds it wrote; see [`local`]).
pub fn builtin(source: &str, seed: u64) -> Option<Arc<dyn Provider>> {
    builtin_in(source, &BuiltinEnv::seeded(seed))
}

/// The in-process provider for `source` in `env`, if there is one.
pub fn builtin_in(source: &str, env: &BuiltinEnv) -> Option<Arc<dyn Provider>> {
    let seed = env.seed;
    let source = source
        .strip_prefix("registry.terraform.io/")
        .unwrap_or(source);
    match source {
        "terraform.io/builtin/terraform" | "hashicorp/terraform" | "terraform" => {
            Some(Arc::new(terraform::Terraform::new(seed)))
        }
        "hashicorp/null" => Some(Arc::new(null::Null::new(seed))),
        "hashicorp/random" => Some(Arc::new(random::Random::new(seed))),
        "hashicorp/time" => Some(Arc::new(time::Time::new(seed))),
        "hashicorp/tls" => Some(Arc::new(tls::Tls::new(seed))),
        "hashicorp/local" => Some(Arc::new(local::Local::new(env))),
        _ => None,
    }
}

/// The sources that have an in-process provider.
pub const BUILTIN_SOURCES: &[&str] = &[
    "terraform.io/builtin/terraform",
    "hashicorp/null",
    "hashicorp/random",
    "hashicorp/time",
    "hashicorp/tls",
    "hashicorp/local",
];
