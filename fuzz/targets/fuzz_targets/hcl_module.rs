//! Fuzz `registry_fuzz::hcl_module`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| registry_fuzz::hcl_module(data));
