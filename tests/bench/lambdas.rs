//! `make bench`, the Lambda half: cold start and footprint of the recorder and decider binaries as they ship
//! (profile lambda-release), run under the lambda harness against moto and the CodePipeline stand-in exactly
//! as the end-to-end suite runs them.
//!
//! For each binary: its size (and whether it is stripped); its init time, from process start to its first
//! request for an event, median of `BENCH_RUNS` cold starts (default 20); the latency of its first event, on a
//! fresh process each run; and the peak RSS of the decider deciding an image with 1,000 findings. Each figure
//! is taken with `CONNECT_AT_INIT=false` and `=true`, to show what opening the DynamoDB connection during init
//! does to init and to the first event. It prints figures and the budgets beside them; it asserts
//! only that each run did what it measures (the approval recorded, the decision sent).
//!
//! Run with `make bench` (it builds the binaries and starts moto), or by hand after `make moto release-lambdas`:
//! `scripts/with-moto.sh cargo bench -p approval-e2e --bench lambdas --profile dev` (the bench needs no
//! optimisation; without `--profile dev`, cargo builds the whole SDK again for the bench profile).

// The end-to-end suite's helpers (the module allows the ones a binary does not use).
#[path = "../e2e/support.rs"]
mod support;

use std::time::{Duration, Instant};

use lambda_harness::{Function, InitStats};
use serde_json::{Value, json};
use support::{
    CRITICAL_FINDINGS, EXAMPLE_DIGEST, PIPELINE, Scenario, approval_event, binary, digest, invoke_ok, scan_event, token,
};

const RECORDER: &str = "approval-recorder";
const DECIDER: &str = "approval-decider";
const FINDINGS: usize = 1_000;

const INIT_BUDGET: Duration = Duration::from_millis(20);
const RSS_BUDGET_KIB: u64 = 32 * 1024;
const SIZE_BUDGET: u64 = 8_000_000;

fn main() {
    // `cargo bench` passes `--bench`; a filter argument (as libtest takes) is not supported here.
    let runs: u32 = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(20);
    let scenario = Scenario::start();
    let findings = synthetic_findings(FINDINGS);
    let mut next = 0u32;

    println!("Lambda binaries (profile lambda-release, this machine's architecture), {runs} runs per figure:");
    for name in [RECORDER, DECIDER] {
        let path = binary(name);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stripped = !contains(&bytes, b".symtab\0");
        println!(
            "\n{name}: {:.1} MB ({size} bytes), {} [budget {} MB: {}]",
            size as f64 / 1e6,
            if stripped { "stripped" } else { "NOT stripped" },
            SIZE_BUDGET / 1_000_000,
            verdict(size <= SIZE_BUDGET)
        );
        for connect in ["false", "true"] {
            let extra = [("CONNECT_AT_INIT", connect.to_owned())];
            let init = InitStats::from_samples(
                (0..runs).map(|_| scenario.spawn_with(name, &extra).wait_ready().expect("init")).collect(),
            )
            .expect("runs > 0");
            let mut first = Vec::new();
            let mut peak_kib = 0;
            for _ in 0..runs {
                next += 1;
                let (latency, kib) = match name {
                    RECORDER => first_approval(&scenario, &extra, next),
                    _ => first_decision(&scenario, &extra, next, &findings),
                };
                first.push(latency);
                peak_kib = peak_kib.max(kib);
            }
            let first = InitStats::from_samples(first).expect("runs > 0");
            println!(
                "  CONNECT_AT_INIT={connect:<5} init {} [budget {} ms: {}]; first event {}; peak RSS {:.1} MiB{}",
                stats(&init),
                INIT_BUDGET.as_millis(),
                verdict(init.median <= INIT_BUDGET),
                stats(&first),
                peak_kib as f64 / 1024.0,
                if name == DECIDER {
                    format!(" deciding {FINDINGS} findings [budget 32 MiB: {}]", verdict(peak_kib <= RSS_BUDGET_KIB))
                } else {
                    String::new()
                }
            );
        }
    }
}

/// A fresh recorder, ready, then timed on its first event: one approval request for a digest not yet scanned.
fn first_approval(scenario: &Scenario, extra: &[(&'static str, String)], n: u32) -> (Duration, u64) {
    let (digest, token) = (digest(n), token(n));
    let mut recorder = scenario.spawn_with(RECORDER, extra);
    recorder.wait_ready().expect("init");
    let event = approval_event(&format!("bench-{n}"), PIPELINE, &token, &digest);
    let latency = timed(&mut recorder, &event);
    assert_eq!(scenario.approval_state(&digest, PIPELINE, &token), "pending", "the approval was not recorded");
    (latency, peak_rss_kib(&recorder))
}

/// An approval recorded by a warm recorder, the image's findings queued in moto; then a fresh decider, ready,
/// timed on its first event: the scan event that makes it read the findings and answer the approval.
fn first_decision(scenario: &Scenario, extra: &[(&'static str, String)], n: u32, findings: &str) -> (Duration, u64) {
    let (digest, token) = (digest(n), token(n));
    scenario.pending(PIPELINE, &token);
    let mut recorder = scenario.recorder();
    invoke_ok(&mut recorder, &approval_event(&format!("bench-{n}"), PIPELINE, &token, &digest));
    scenario.seed_findings(findings, &digest);
    let mut decider = scenario.spawn_with(DECIDER, extra);
    decider.wait_ready().expect("init");
    let latency = timed(&mut decider, &scan_event(&digest));
    let sent = scenario.results_for(&token);
    assert_eq!(sent.len(), 1, "expected one PutApprovalResult for run {n}, got {sent:?}");
    (latency, peak_rss_kib(&decider))
}

/// Read while the process lives (it is killed when dropped); a missing figure must not pass for zero.
fn peak_rss_kib(function: &Function) -> u64 {
    function.peak_rss_kib().unwrap_or_else(|| panic!("no peak RSS for the function:\n{}", function.logs()))
}

fn timed(function: &mut Function, event: &Value) -> Duration {
    let started = Instant::now();
    invoke_ok(function, event);
    started.elapsed()
}

/// `n` findings shaped like the example's first one (critical, exploitable), each its own vulnerability and
/// package, across every severity, on the example digest that `seed_findings` replaces.
fn synthetic_findings(n: usize) -> String {
    let example: Value = serde_json::from_str(CRITICAL_FINDINGS).expect("example findings are JSON");
    let template = example["findings"][0].clone();
    let severities = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED"];
    let findings: Vec<Value> = (0..n)
        .map(|i| {
            let mut f = template.clone();
            f["findingArn"] = json!(format!("arn:aws:inspector2:us-east-1:123456789012:finding/{i:032x}"));
            f["severity"] = json!(severities[i % severities.len()]);
            f["exploitAvailable"] = json!(if i % 7 == 0 { "YES" } else { "NO" });
            f["packageVulnerabilityDetails"]["vulnerabilityId"] = json!(format!("CVE-2026-{i:05}"));
            f["packageVulnerabilityDetails"]["vulnerablePackages"][0]["name"] = json!(format!("pkg-{i}"));
            f
        })
        .collect();
    let text = json!({ "findings": findings }).to_string();
    assert!(text.contains(EXAMPLE_DIGEST), "the template finding names the example digest");
    text
}

fn stats(s: &InitStats) -> String {
    format!("{:.1} ms (min {:.1}, max {:.1})", ms(s.median), ms(s.min), ms(s.max))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(within: bool) -> &'static str {
    if within { "within" } else { "OVER" }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
