//! # registry-fuzz
//!
//! One entry point per parser of hostile input: each takes arbitrary bytes
//! and must return without panicking, overflowing the stack or running
//! away, whatever the bytes. The cargo-fuzz targets in `fuzz/targets` call
//! them (`scripts/fuzz.sh`), and `tests/corpus.rs` replays every input in
//! `fuzz/corpus/<target>/` through them as an ordinary test, so each crash
//! a fuzzer finds becomes a regression test by adding its input there.
#![warn(missing_docs)]

use std::sync::OnceLock;

use registry_core::{ArchiveBody, ArchiveLimits, ModuleFiles, ModuleInspector};

/// An entry point: arbitrary bytes in, nothing out, never a panic.
pub type Entry = fn(&[u8]);

/// The entry points by target name, as the corpus folders are named.
pub const TARGETS: &[(&str, Entry)] = &[
    ("archive", archive),
    ("hcl_module", hcl_module),
    ("hcl_pre_check", hcl_pre_check),
    ("constraint", constraint),
    ("lock_file", lock_file),
    ("docs_config", docs_config),
];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

/// An uploaded archive (`.tar.gz` or `.zip`), inspected as publish does,
/// with small limits so that each input stays quick.
pub fn archive(data: &[u8]) {
    let limits = ArchiveLimits {
        max_uncompressed_bytes: 4 << 20,
        max_entries: 500,
        max_parsed_bytes: 1 << 20,
        ..ArchiveLimits::default()
    };
    let body = ArchiveBody::Memory(data.to_vec().into());
    let _ = runtime().block_on(registry_core::inspect_archive(&body, &limits));
}

/// A module's `main.tf`, parsed and summarised as publish does.
pub fn hcl_module(data: &[u8]) {
    let mut files = ModuleFiles::new();
    files.insert("main.tf", data.to_vec());
    let _ = registry_docs::HclInspector.inspect(&files);
}

/// The bracket pre-check against hcl-edit: on short inputs (longer refused
/// ones are what the parser is slow on) it must never refuse a text the
/// parser accepts. A differential check of hcl-edit's lexical corners, run
/// by hand (`scripts/fuzz.sh 300 hcl_pre_check`) rather than in CI, where a
/// new corner of a third-party parser would fail an unrelated change; its
/// corpus is replayed in CI like every other.
pub fn hcl_pre_check(data: &[u8]) {
    if data.len() <= 200
        && let Ok(text) = std::str::from_utf8(data)
    {
        use registry_core::hcl_brackets::{check_hcl_brackets, check_template_brackets};
        if let Err(e) = check_hcl_brackets(text) {
            assert!(
                hcl::edit::parser::parse_body(text).is_err(),
                "the pre-check refused ({e}) a body the parser accepts: {text:?}"
            );
        }
        if let Err(e) = check_template_brackets(text) {
            assert!(
                hcl::edit::parser::parse_template(text).is_err(),
                "the pre-check refused ({e}) a template the parser accepts: {text:?}"
            );
        }
    }
}

/// A version constraint and a version, parsed and matched.
pub fn constraint(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (c, v) = text.split_once('\n').unwrap_or((text, "1.0.0"));
    if let (Ok(c), Ok(v)) = (
        registry_resolve::Constraints::parse(c),
        registry_core::Version::parse(v),
    ) {
        let _ = c.matches(&v);
    }
}

/// A `registry lock` file.
pub fn lock_file(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = registry_resolve::LockFile::parse(text);
    }
}

/// A `.terraform-docs.yml`.
pub fn docs_config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut settings = registry_docs::tfdocs::settings::Settings::default();
        let _ = settings.apply_yaml(text);
    }
}
