//! Fuzz `registry_fuzz::docs_config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| registry_fuzz::docs_config(data));
