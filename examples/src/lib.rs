//! Runnable examples of the module registry crates (see `examples/`), and
//! the example modules they publish (see `modules/`).

use std::path::PathBuf;

/// The folder holding the example modules.
pub fn modules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("modules")
}
