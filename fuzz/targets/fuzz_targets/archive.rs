//! Fuzz `registry_fuzz::archive`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| registry_fuzz::archive(data));
