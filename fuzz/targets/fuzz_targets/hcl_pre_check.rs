//! Fuzz `registry_fuzz::hcl_pre_check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| registry_fuzz::hcl_pre_check(data));
