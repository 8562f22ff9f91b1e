//! Parse + evaluate throughput on a generated 10,000-finding `ListFindings` dump (`make bench`, or
//! `cargo bench -p approval-core --bench evaluate`). Target: at least 300 MB/s of findings JSON on one core.
//!
//! The dump is the one `cargo run --release -p approval-core --example gen_findings -- 10000 OUT.json` writes
//! (indented as `aws inspector2 list-findings` writes it); `parse` also reads it without whitespace, to show
//! how much of the figure the indentation is. The policy is `examples/policy.toml`, the image's repository
//! `web/shop` (so its allowance applies), the time fixed.

#[path = "../examples/gen_findings/generate.rs"]
mod generate;

use std::hint::black_box;
use std::time::Duration;

use approval_core::dump::parse_findings;
use approval_core::{EvalContext, Policy, evaluate};
use chrono::{TimeZone, Utc};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

const FINDINGS: usize = 10_000;
const POLICY: &str = include_str!("../../../examples/policy.toml");

fn dump(compact: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    generate::Dump { findings: FINDINGS, pages: 1, seed: 42, compact }.write_to(&mut bytes).expect("writes to memory");
    bytes
}

fn benches(c: &mut Criterion) {
    let pretty = dump(false);
    let compact = dump(true);
    let policy = Policy::parse(POLICY).expect("examples/policy.toml parses");
    let ctx = EvalContext { repository: Some("web/shop"), now: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() };
    let findings = parse_findings(&pretty).expect("the generated dump parses");
    assert_eq!(findings.len(), FINDINGS);
    let mb = |bytes: &[u8]| bytes.len() as f64 / 1e6;
    eprintln!("dump: {FINDINGS} findings, {:.2} MB indented, {:.2} MB compact", mb(&pretty), mb(&compact));

    // Iterations of tens of milliseconds: flat sampling keeps each benchmark within its measurement time.
    let mut group = c.benchmark_group("parse");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(pretty.len() as u64));
    group.bench_function("10k", |b| b.iter(|| parse_findings(black_box(&pretty)).unwrap()));
    group.throughput(Throughput::Bytes(compact.len() as u64));
    group.bench_function("10k_compact", |b| b.iter(|| parse_findings(black_box(&compact)).unwrap()));
    group.finish();

    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Bytes(pretty.len() as u64));
    group.bench_function("10k", |b| b.iter(|| evaluate(black_box(&findings), &policy, &ctx)));
    group.finish();

    let mut group = c.benchmark_group("parse_and_evaluate");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(pretty.len() as u64));
    group.bench_function("10k", |b| {
        b.iter(|| {
            let findings = parse_findings(black_box(&pretty)).unwrap();
            evaluate(&findings, &policy, &ctx)
        })
    });
    group.finish();
}

fn config() -> Criterion {
    // A few seconds per benchmark is plenty for iterations of milliseconds; the whole run takes about 30 s.
    Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5))
}

criterion_group! { name = evaluate_benches; config = config(); targets = benches }
criterion_main!(evaluate_benches);
