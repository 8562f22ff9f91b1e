#![no_main]

use libfuzzer_sys::Corpus;

libfuzzer_sys::fuzz_target!(|case: approval_gate_fuzz::EvalCase| -> Corpus {
    if approval_gate_fuzz::evaluate_invariants(&case) { Corpus::Keep } else { Corpus::Reject }
});
