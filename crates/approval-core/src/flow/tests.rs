//! The record and decide flows over the in-memory ports: every guarantee the Lambdas rely on.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::decide::{DecideError, Decider, Settled};
use super::record::{RecordConfig, RecordError, Recorded, Recorder, SnsMessageIn};
use crate::decision::Verdict;
use crate::event::{InspectorEvent, ScanOutcome};
use crate::finding::{Finding, FindingStatus, Severity};
use crate::glob::Glob;
use crate::ids::{ImageDigest, ImageRef, RepositoryName};
use crate::memory::{MemoryPipeline, MemoryScanner, MemoryStore};
use crate::policy::Policy;
use crate::ports::{ApproveError, PortError};
use crate::record::{ApprovalState, ScanVerdict};

const TOPIC: &str = "arn:aws:sns:us-west-2:111122223333:ContainerApprovalTopic";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
}

fn digest(n: u8) -> ImageDigest {
    ImageDigest::parse(&format!("sha256:{}", format!("{n:02x}").repeat(32))).unwrap()
}

fn token(n: u8) -> String {
    format!("{n:08x}-7d4a-4e8b-9a51-2c6d8e0f1a7b")
}

fn message(id: &str, pipeline: &str, token: &str, digest: &ImageDigest, expires: &str) -> SnsMessageIn {
    let body = serde_json::json!({
        "region": "us-west-2",
        "approval": {
            "pipelineName": pipeline, "stageName": "ContainerVulnerabilityAssessment",
            "actionName": "ContainerImageApproval", "token": token, "expires": expires,
            "externalEntityLink": null, "approvalReviewLink": "https://example.invalid",
            "customData": format!("Image_Digest={digest}"),
        }
    });
    SnsMessageIn { message_id: id.into(), topic_arn: TOPIC.into(), message: body.to_string() }
}

fn critical(id: &str) -> Finding {
    Finding {
        id: id.into(),
        severity: Severity::Critical,
        status: FindingStatus::Active,
        fix_available: Some("YES".into()),
        exploit_available: false,
        epss: None,
        inspector_score: None,
        packages: vec!["openssl".into()],
        repository: Some("web".into()),
    }
}

fn scan_complete(d: &ImageDigest) -> InspectorEvent {
    InspectorEvent {
        id: Some("evt".into()),
        time: Some(now() - Duration::minutes(1)),
        outcome: ScanOutcome::Complete {
            image: ImageRef { repository: RepositoryName::parse("web").unwrap(), digest: d.clone() },
        },
    }
}

struct World {
    store: MemoryStore,
    scanner: MemoryScanner,
    pipeline: MemoryPipeline,
    policy: Policy,
    config: RecordConfig,
}

impl World {
    fn new() -> Self {
        World {
            store: MemoryStore::default(),
            scanner: MemoryScanner::default(),
            pipeline: MemoryPipeline::default(),
            policy: Policy::default(),
            config: RecordConfig::default(),
        }
    }

    fn decider(&self, owner: &str) -> Decider<'_, MemoryStore, MemoryScanner, MemoryPipeline> {
        Decider {
            store: &self.store,
            findings: &self.scanner,
            approver: &self.pipeline,
            policy: &self.policy,
            lease: Duration::seconds(120),
            owner: owner.into(),
        }
    }

    fn recorder(&self) -> Recorder<'_, MemoryStore, MemoryScanner> {
        Recorder { store: &self.store, scans: &self.scanner, config: &self.config }
    }

    async fn record(&self, messages: &[SnsMessageIn]) -> super::RecordReport {
        self.recorder().record(messages, now()).await
    }
}

#[tokio::test]
async fn approval_waits_until_the_scan_completes_then_is_approved_once() {
    let w = World::new();
    let d = digest(1);
    let report = w.record(&[message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z")]).await;
    assert_eq!(report.recorded.len(), 1);
    let waiting = w.recorder().settle(&w.decider("r1"), &d, None, now()).await.unwrap();
    assert!(waiting.waiting.is_some(), "no scan yet: nothing decided");
    assert!(w.pipeline.sent().is_empty());

    let report = w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap();
    assert_eq!(report.settled.len(), 1);
    let sent = w.pipeline.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status, Verdict::Approved);

    // A duplicate delivery of the scan event changes nothing.
    let again = w.decider("d2").on_event(&scan_complete(&d), now()).await.unwrap();
    assert!(again.settled.is_empty());
    assert_eq!(w.pipeline.sent().len(), 1);
    let stored = w.store.approval(&report.recorded_key()).unwrap();
    assert_eq!(stored.record.state, ApprovalState::Approved);
    assert!(stored.claim.is_none());
}

impl super::DecideReport {
    fn recorded_key(&self) -> crate::record::ApprovalKey {
        match &self.settled[0] {
            Settled::Answered { key, .. } | Settled::Closed { key, .. } | Settled::Expired { key } => key.clone(),
        }
    }
}

#[tokio::test]
async fn critical_finding_rejects_with_an_explaining_summary_and_decision_record() {
    let w = World::new();
    let d = digest(2);
    w.scanner.findings.lock().unwrap().insert(d.clone(), vec![critical("CVE-2024-3094")]);
    w.record(&[message("m1", "P1", &token(2), &d, "2026-12-11T12:00Z")]).await;
    let report = w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap();
    let sent = w.pipeline.sent();
    assert_eq!(sent[0].status, Verdict::Rejected);
    assert!(
        sent[0].summary.starts_with("Rejected: 1 CRITICAL (limit 0); blocking: CVE-2024-3094"),
        "{}",
        sent[0].summary
    );
    assert_eq!(report.findings_read, 1);
    let stored = w.store.approval(&report.recorded_key()).unwrap();
    let decision = stored.record.decision.unwrap();
    assert_eq!(decision.blocking_ids, ["CVE-2024-3094"]);
    assert_eq!(decision.policy_sha256, w.policy.sha256());
}

#[tokio::test]
async fn two_pipelines_waiting_on_one_digest_are_both_answered_from_one_read() {
    let w = World::new();
    let d = digest(3);
    w.record(&[
        message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z"),
        message("m2", "P2", &token(2), &d, "2026-12-11T12:00Z"),
    ])
    .await;
    w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap();
    assert_eq!(w.pipeline.sent().len(), 2);
    assert_eq!(*w.scanner.calls.lock().unwrap(), 1);
}

#[tokio::test]
async fn scan_before_approval_is_decided_on_arrival() {
    let w = World::new();
    let d = digest(4);
    let report = w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap();
    assert!(report.settled.is_empty());
    w.record(&[message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z")]).await;
    w.recorder().settle(&w.decider("r1"), &d, None, now()).await.unwrap();
    assert_eq!(w.pipeline.sent().len(), 1);
}

#[tokio::test]
async fn repushed_image_with_no_new_scan_event_is_decided_from_the_scanner() {
    let w = World::new();
    let d = digest(5);
    w.scanner.verdicts.lock().unwrap().insert(
        d.clone(),
        (RepositoryName::parse("web").unwrap(), ScanVerdict::Unscannable { reason: "UNSUPPORTED_OS".into() }),
    );
    w.record(&[message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z")]).await;
    w.recorder().settle(&w.decider("r1"), &d, None, now()).await.unwrap();
    let sent = w.pipeline.sent();
    assert_eq!(sent[0].status, Verdict::Rejected);
    assert!(sent[0].summary.contains("UNSUPPORTED_OS"));
    assert!(w.store.scan(&d).is_some(), "the scanner's answer is remembered");
}

#[tokio::test]
async fn a_live_claim_by_another_run_blocks_and_fails_the_invocation_then_lapses() {
    let w = World::new();
    let d = digest(6);
    let report = w.record(&[message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z")]).await;
    let key = report.recorded[0].0.key.clone();
    w.store.force_claim(&key, "crashed-run", now() + Duration::seconds(60));
    let err = w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap_err();
    assert!(matches!(err, DecideError::Contended { count: 1, .. }), "{err}");
    assert!(w.pipeline.sent().is_empty());
    // After the lease the approval is claimable again.
    w.decider("d2").decide_digest(&d, now() + Duration::seconds(61)).await.unwrap();
    assert_eq!(w.pipeline.sent().len(), 1);
}

#[tokio::test]
async fn already_completed_is_terminal_and_recorded() {
    let w = World::new();
    let d = digest(7);
    w.record(&[message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z")]).await;
    w.pipeline.refusals.lock().unwrap().push(ApproveError::AlreadyCompleted("a human did".into()));
    let report = w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap();
    let key = report.recorded_key();
    assert!(matches!(report.settled[0], Settled::Closed { .. }));
    let stored = w.store.approval(&key).unwrap();
    assert_eq!(stored.record.state, ApprovalState::Closed);
    assert!(stored.record.decision.unwrap().note.unwrap().contains("already completed"));
    // No retry loop: the next event finds nothing to do.
    assert!(w.decider("d2").decide_digest(&d, now()).await.unwrap().settled.is_empty());
}

#[tokio::test]
async fn other_pipeline_errors_release_the_claim_fail_and_the_retry_answers() {
    let w = World::new();
    let d = digest(8);
    w.record(&[message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z")]).await;
    w.pipeline
        .refusals
        .lock()
        .unwrap()
        .push(ApproveError::Other(PortError::new("CodePipeline PutApprovalResult", "ThrottlingException")));
    let err = w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap_err();
    assert!(matches!(err, DecideError::Approver { count: 1, .. }), "{err}");
    let retry = w.decider("d2").decide_digest(&d, now()).await.unwrap();
    assert_eq!(retry.settled.len(), 1);
    assert_eq!(w.pipeline.sent().len(), 1);
}

#[tokio::test]
async fn inspector_failure_sends_nothing_and_claims_nothing() {
    let w = World::new();
    let d = digest(9);
    let report = w.record(&[message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z")]).await;
    *w.scanner.failures_left.lock().unwrap() = 1;
    let err = w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap_err();
    assert!(err.to_string().contains("ThrottlingException"), "{err}");
    assert!(w.pipeline.sent().is_empty());
    assert!(w.store.approval(&report.recorded[0].0.key).unwrap().claim.is_none());
    w.decider("d2").decide_digest(&d, now()).await.unwrap();
    assert_eq!(w.pipeline.sent().len(), 1);
}

#[tokio::test]
async fn store_failure_never_approves() {
    let w = World::new();
    let d = digest(10);
    w.record(&[message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z")]).await;
    *w.store.fail_with.lock().unwrap() = Some("ProvisionedThroughputExceededException".into());
    assert!(w.decider("d1").on_event(&scan_complete(&d), now()).await.is_err());
    assert!(w.pipeline.sent().is_empty());
}

#[tokio::test]
async fn expired_approval_is_never_acted_on() {
    let w = World::new();
    let d = digest(11);
    w.record(&[message("m1", "P1", &token(1), &d, "2026-12-04T11:59Z")]).await;
    let report = w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap();
    assert!(matches!(report.settled[..], [Settled::Expired { .. }]));
    assert!(w.pipeline.sent().is_empty());
}

#[tokio::test]
async fn newer_execution_supersedes_the_older_pending_one() {
    let w = World::new();
    let d = digest(12);
    let report = w
        .record(&[
            message("m2", "P1", &token(2), &d, "2026-12-11T13:00Z"),
            message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z"),
        ])
        .await;
    assert_eq!(report.superseded.len(), 1);
    assert_eq!(report.superseded[0].token.expose(), token(1));
    w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap();
    let sent = w.pipeline.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].key.token.expose(), token(2));
}

#[tokio::test]
async fn redelivered_message_changes_nothing() {
    let w = World::new();
    let d = digest(13);
    let m = message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z");
    w.record(std::slice::from_ref(&m)).await;
    let again = w.record(&[m]).await;
    assert_eq!(again.recorded[0].1, Recorded::Duplicate);
    assert!(again.superseded.is_empty() && again.errors.is_empty());
}

#[tokio::test]
async fn malformed_record_beside_good_ones_is_reported_and_the_good_ones_are_stored() {
    let w = World::new();
    let d = digest(14);
    let mut bad = message("bad", "P1", &token(9), &d, "2026-12-11T12:00Z");
    bad.message = bad.message.replace(&format!("Image_Digest={d}"), "Review please");
    let report = w
        .record(&[
            message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z"),
            bad,
            message("m3", "P3", &token(3), &d, "2026-12-11T12:00Z"),
        ])
        .await;
    assert_eq!(report.recorded.len(), 2);
    assert_eq!(report.errors.len(), 1);
    let text = report.errors[0].to_string();
    assert!(text.contains("bad") && text.contains("P1") && text.contains("ContainerImageApproval"), "{text}");
    assert!(!text.contains(&token(9)));
}

#[tokio::test]
async fn guards_refuse_other_topics_and_pipelines() {
    let mut w = World::new();
    w.config =
        RecordConfig { allowed_topics: Some(vec![TOPIC.into()]), allowed_pipelines: Some(vec![Glob::new("team-*")]) };
    let d = digest(15);
    let mut other_topic = message("t", "team-a", &token(1), &d, "2026-12-11T12:00Z");
    other_topic.topic_arn = "arn:aws:sns:us-west-2:111122223333:Other".into();
    let report = w
        .record(&[
            other_topic,
            message("p", "intruder", &token(2), &d, "2026-12-11T12:00Z"),
            message("ok", "team-b", &token(3), &d, "2026-12-11T12:00Z"),
        ])
        .await;
    assert!(matches!(report.errors[0], RecordError::Topic { .. }));
    assert!(matches!(report.errors[1], RecordError::Pipeline { .. }));
    assert_eq!(report.recorded.len(), 1);
}

#[tokio::test]
async fn ignored_and_pending_events_decide_nothing() {
    let w = World::new();
    let d = digest(16);
    w.record(&[message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z")]).await;
    let pending = InspectorEvent {
        id: None,
        time: None,
        outcome: ScanOutcome::Pending {
            image: ImageRef { repository: RepositoryName::parse("web").unwrap(), digest: d.clone() },
            reason: "finding update".into(),
        },
    };
    let report = w.decider("d1").on_event(&pending, now()).await.unwrap();
    assert!(report.waiting.unwrap().contains("finding update"));
    assert!(w.pipeline.sent().is_empty());
    assert!(w.store.scan(&d).is_none());
}

#[tokio::test]
async fn failing_scanner_leaves_the_approval_recorded_and_the_scan_event_decides_it() {
    let w = World::new();
    let d = digest(17);
    *w.scanner.coverage_fails.lock().unwrap() = true;
    w.record(&[message("m1", "P1", &token(1), &d, "2026-12-11T12:00Z")]).await;
    let settled = w.recorder().settle(&w.decider("r1"), &d, None, now()).await.unwrap();
    assert!(settled.waiting.unwrap().contains("UnknownOperationException"));
    assert!(w.pipeline.sent().is_empty());
    w.decider("d1").on_event(&scan_complete(&d), now()).await.unwrap();
    assert_eq!(w.pipeline.sent().len(), 1);
}
