#![no_main]

libfuzzer_sys::fuzz_target!(|case: approval_gate_fuzz::EvalCase| approval_gate_fuzz::evaluate_invariants(&case));
