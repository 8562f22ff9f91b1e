//! The checks behind the fuzz targets, kept in a library so that `make fuzz-check` can replay the seed corpora
//! and every regression input through exactly what libFuzzer runs (tests/replay.rs).
//!
//! Each check parses hostile input the way the Lambdas or the CLI do and then asserts the properties the gate
//! relies on: a parser may refuse input, but it never panics; nothing is approved unless Inspector said the
//! scan is complete; a summary fits PutApprovalResult; report mode never rejects a scanned image.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use approval_core::decision::{SUMMARY_MAX_CHARS, Verdict};
use approval_core::dump::parse_findings;
use approval_core::finding::Finding;
use approval_core::flow::decide::Decider;
use approval_core::flow::record::{RecordConfig, Recorder, SnsMessageIn};
use approval_core::memory::{MemoryPipeline, MemoryScanner, MemoryStore};
use approval_core::policy::{Mode, Policy};
use approval_core::ports::ApprovalStore;
use approval_core::record::ApprovalRecord;
use approval_core::{ApprovalNotification, EvalContext, ImageDigest, InspectorEvent, ScanOutcome, evaluate};
use aws_lambda_events::sns::SnsEvent;
use chrono::{DateTime, TimeZone, Utc};

mod case;

pub use case::EvalCase;

/// The in-memory ports never wait on anything, so one poll loop with a no-op waker runs their futures.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single().unwrap_or_default()
}

/// The SNS event as the recorder Lambda receives it, or (when it is not one) the input as a bare approval
/// notification. Every message ends up recorded or refused with an error, never dropped.
pub fn sns_approval(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(event) = serde_json::from_str::<SnsEvent>(text) else {
        // Not an SNS event: the bare approval message must parse or be refused, never panic.
        let _ = ApprovalNotification::parse(text);
        return;
    };
    let messages: Vec<SnsMessageIn> = event
        .records
        .into_iter()
        .map(|r| SnsMessageIn { message_id: r.sns.message_id, topic_arn: r.sns.topic_arn, message: r.sns.message })
        .collect();
    let store = MemoryStore::default();
    let scans = MemoryScanner::default();
    let config = RecordConfig::default();
    let report = block_on(Recorder { store: &store, scans: &scans, config: &config }.record(&messages, now()));
    assert_eq!(report.recorded.len() + report.errors.len(), messages.len(), "a message was dropped: {report:?}");
    for (record, _) in &report.recorded {
        assert!(store.approval(&record.key).is_some(), "recorded approval not in the store: {:?}", record.key);
    }
}

const SCAN_EVENT: &str = "Inspector2 Scan";
const COVERAGE_EVENT: &str = "Inspector2 Coverage";

pub fn inspector_scan(data: &[u8]) {
    inspector_event(data, SCAN_EVENT);
}

pub fn inspector_coverage(data: &[u8]) {
    inspector_event(data, COVERAGE_EVENT);
}

/// An EventBridge event as the decider Lambda receives it: the runtime parses the JSON, the gate reads the
/// value. Each target pins `source` and `detail-type` to its own event, so the fuzzer spends its time on that
/// event's `detail` and resources; the text parser (`parse_str`) must agree with the value parser on the raw
/// input. The outcome is checked against the JSON ("complete" only when the event says so), and the decider,
/// given a pending approval on the event's image and no findings, answers it exactly when the scan is final:
/// Approved after a complete scan, Rejected for an unscannable image.
fn inspector_event(data: &[u8], detail_type: &str) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let from_text = InspectorEvent::parse_str(text).ok();
    let Ok(mut raw) = serde_json::from_str::<serde_json::Value>(text) else {
        assert_eq!(from_text, None, "parsed an event that is not JSON: {text:?}");
        return;
    };
    assert_eq!(from_text, InspectorEvent::parse(raw.clone()).ok(), "text and value parsers disagree on {text:?}");
    if let Some(fields) = raw.as_object_mut() {
        fields.insert("source".into(), "aws.inspector2".into());
        fields.insert("detail-type".into(), detail_type.into());
    }
    let Ok(event) = InspectorEvent::parse(raw.clone()) else { return };
    let detail = &raw["detail"];
    match &event.outcome {
        ScanOutcome::Complete { image } if detail_type == SCAN_EVENT => {
            assert_eq!(detail["scan-status"].as_str(), Some("INITIAL_SCAN_COMPLETE"));
            assert_eq!(detail["image-digest"].as_str(), Some(image.digest.as_str()));
        }
        ScanOutcome::Complete { .. } => {
            let reason = detail["scanStatus"]["reason"].as_str();
            assert!(matches!(reason, Some("SUCCESSFUL" | "SCAN_FREQUENCY_SCAN_ON_PUSH")), "complete on {reason:?}");
        }
        ScanOutcome::Unscannable { .. } => {
            assert_eq!(detail_type, COVERAGE_EVENT, "unscannable from a scan event");
            assert_eq!(detail["scanStatus"]["statusCodeValue"].as_str(), Some("INACTIVE"));
        }
        ScanOutcome::Pending { .. } | ScanOutcome::Ignored { .. } => {}
    }
    let digest = match &event.outcome {
        ScanOutcome::Complete { image }
        | ScanOutcome::Unscannable { image, .. }
        | ScanOutcome::Pending { image, .. } => image.digest.clone(),
        ScanOutcome::Ignored { .. } => return,
    };
    decide_after(&event, &digest);
}

fn pending_approval(digest: &ImageDigest) -> Option<ApprovalRecord> {
    let message = serde_json::json!({
        "region": "us-west-2",
        "approval": {
            "pipelineName": "fuzz", "stageName": "ContainerVulnerabilityAssessment", "actionName": "Approve",
            "token": "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b", "expires": "2026-06-08T12:00Z",
            "externalEntityLink": null, "approvalReviewLink": null,
            "customData": format!("Image_Digest={}", digest.as_str()),
        }
    });
    let n = ApprovalNotification::parse(&message.to_string()).ok()?;
    Some(ApprovalRecord::from_notification(n, "fuzz-message", now()))
}

fn decide_after(event: &InspectorEvent, digest: &ImageDigest) {
    let Some(record) = pending_approval(digest) else { panic!("a parsed digest does not round-trip: {digest:?}") };
    let store = MemoryStore::default();
    assert!(block_on(store.insert_approval(&record)).is_ok());
    let scanner = MemoryScanner::default();
    let pipeline = MemoryPipeline::default();
    let policy = Policy::default();
    let decider = Decider {
        store: &store,
        findings: &scanner,
        approver: &pipeline,
        policy: &policy,
        lease: chrono::Duration::seconds(120),
        owner: "fuzz".into(),
    };
    let outcome = block_on(decider.on_event(event, now()));
    assert!(outcome.is_ok(), "in-memory ports cannot fail: {outcome:?}");
    let sent = pipeline.sent();
    let expected = match &event.outcome {
        ScanOutcome::Complete { .. } => Some(Verdict::Approved),
        ScanOutcome::Unscannable { .. } => Some(Verdict::Rejected),
        ScanOutcome::Pending { .. } | ScanOutcome::Ignored { .. } => None,
    };
    assert_eq!(sent.iter().map(|s| s.status).collect::<Vec<_>>(), Vec::from_iter(expected), "on {:?}", event.outcome);
    for s in &sent {
        assert!(s.summary.chars().count() <= SUMMARY_MAX_CHARS);
        assert!(!s.summary.contains(record.key.token.expose()), "token in summary");
    }
}

/// A findings dump as `approval-gate evaluate` reads it, judged under the default policy and a report-mode one.
pub fn findings_dump(data: &[u8]) {
    let Ok(findings) = parse_findings(data) else { return };
    let ctx = EvalContext { repository: None, now: now() };
    let enforce = evaluate(&findings, &Policy::default(), &ctx);
    check_decision(&findings, &enforce, Mode::Enforce);
    let report = evaluate(&findings, &report_mode_policy(), &ctx);
    check_decision(&findings, &report, Mode::Report);
    assert_eq!(report.counts, enforce.counts, "the mode changed what was counted");
}

fn report_mode_policy() -> Policy {
    match Policy::parse("mode = \"report\"") {
        Ok(policy) => policy,
        Err(e) => panic!("the report-mode policy does not parse: {e}"),
    }
}

/// A policy as GATE_POLICY or `--policy` gives it: parsing is deterministic, and a policy that parses
/// evaluates a fixed set of findings within the invariants.
pub fn policy_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(policy) = Policy::parse(text) else { return };
    let again = Policy::parse(text).map(|p| p.sha256().to_owned());
    assert_eq!(again.as_deref().ok(), Some(policy.sha256()), "fingerprint is not stable");
    let findings = sample_findings();
    for repository in [None, Some("web"), Some("sandbox/api")] {
        let ctx = EvalContext { repository, now: now() };
        let decision = evaluate(&findings, &policy, &ctx);
        check_decision(&findings, &decision, policy.rules_for(repository).mode);
    }
}

/// A critical finding with a known exploit, a high one without a fix and a low one with a partial fix.
fn sample_findings() -> Vec<Finding> {
    const PAGE: &str = include_str!("../../crates/approval-core/tests/fixtures/findings/page-with-next-token.json");
    match parse_findings(PAGE.as_bytes()) {
        Ok(findings) if !findings.is_empty() => findings,
        other => panic!("the bundled findings page does not parse: {other:?}"),
    }
}

/// Arbitrary findings and policies (see [`EvalCase`]): the invariant target. `false` when the generated policy
/// was refused, so nothing was evaluated (libFuzzer then keeps the input out of the corpus).
pub fn evaluate_invariants(case: &EvalCase) -> bool {
    let Ok(policy) = Policy::parse(&case.policy_toml()) else { return false };
    let findings = case.findings();
    let repository = case.repository();
    let ctx = EvalContext { repository, now: case.now() };
    let decision = evaluate(&findings, &policy, &ctx);
    check_decision(&findings, &decision, policy.rules_for(repository).mode);
    true
}

fn check_decision(findings: &[Finding], decision: &approval_core::Decision, mode: Mode) {
    assert!(
        decision.summary.chars().count() <= SUMMARY_MAX_CHARS,
        "summary of {} characters",
        decision.summary.chars().count()
    );
    assert!(!decision.summary.is_empty(), "empty summary");
    assert!(decision.counts.total() <= findings.len() as u64, "counted more findings than there are");
    if mode == Mode::Report {
        assert_eq!(decision.status, Verdict::Approved, "report mode rejected a scanned image: {}", decision.summary);
    }
    assert_eq!(decision.mode, mode, "the decision's mode is not the rules' mode");
    if mode == Mode::Enforce {
        assert_eq!(
            decision.status == Verdict::Rejected,
            !decision.blocking.is_empty(),
            "enforce mode: rejected exactly when something blocks ({})",
            decision.summary
        );
    }
}
