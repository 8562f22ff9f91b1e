//! Replays every seed and every regression input through the fuzz targets' checks, on the stable toolchain:
//! a change that breaks a target's invariants on known input fails here without a fuzzing run.

use std::path::{Path, PathBuf};

use approval_gate_fuzz::EvalCase;
use arbitrary::{Arbitrary, Unstructured};

fn inputs(dirs: &[&str], target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .map(|d| root.join(d))
        .chain([root.join("regressions").join(target)])
        .filter(|d| d.is_dir())
        .flat_map(|d| std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())))
        .map(|entry| entry.unwrap_or_else(|e| panic!("{target}: {e}")).path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str, seeds: &[&str], check: impl Fn(&[u8])) {
    let files = inputs(seeds, target);
    assert!(!files.is_empty(), "{target}: nothing to replay in {seeds:?}");
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        eprintln!("{target}: {}", file.display());
        check(&data);
    }
    eprintln!("{target}: {} inputs", files.len());
}

// The seed directories: the same lists mk/fuzz.mk gives libFuzzer.
const FIXTURES: &str = "../crates/approval-core/tests/fixtures";

#[test]
fn sns_approval() {
    replay(
        "sns_approval",
        &[&format!("{FIXTURES}/sns"), &format!("{FIXTURES}/notifications")],
        approval_gate_fuzz::sns_approval,
    );
}

#[test]
fn inspector_scan() {
    replay("inspector_scan", &[&format!("{FIXTURES}/events")], approval_gate_fuzz::inspector_scan);
}

#[test]
fn inspector_coverage() {
    replay("inspector_coverage", &[&format!("{FIXTURES}/events")], approval_gate_fuzz::inspector_coverage);
}

#[test]
fn findings_dump() {
    replay("findings_dump", &[&format!("{FIXTURES}/findings")], approval_gate_fuzz::findings_dump);
}

#[test]
fn policy_toml() {
    replay("policy_toml", &[&format!("{FIXTURES}/policies")], approval_gate_fuzz::policy_toml);
}

#[test]
fn evaluate_invariants() {
    // libFuzzer builds the case from the input bytes the same way.
    let evaluated = std::cell::Cell::new(0);
    replay("evaluate_invariants", &["seeds/evaluate_invariants"], |data| {
        if let Ok(case) = EvalCase::arbitrary_take_rest(Unstructured::new(data))
            && approval_gate_fuzz::evaluate_invariants(&case)
        {
            evaluated.set(evaluated.get() + 1);
        }
    });
    // The seeds were kept by libFuzzer because they evaluate; if none does, the case layout changed under them.
    assert!(evaluated.get() > 0, "no seed reaches evaluation: regenerate fuzz/seeds/evaluate_invariants");
}
