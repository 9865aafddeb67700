//! Fuzz `registry_fuzz::lock_file`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| registry_fuzz::lock_file(data));
