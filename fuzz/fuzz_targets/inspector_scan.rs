#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| approval_gate_fuzz::inspector_scan(data));
