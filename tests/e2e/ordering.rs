//! Events in an inconvenient order: the scan finished before the approval arrived; the approval already
//! expired.

use crate::support::*;

#[test]
fn scan_before_approval_is_decided_on_arrival_by_the_recorder() {
    // Given Inspector's scan event arrives before any approval waits on the image
    let s = Scenario::start();
    let (d, t) = (digest(3), token(3));
    s.seed_findings(CLEAN_FINDINGS, &d);
    let early = invoke_ok(&mut s.decider(), &scan_event(&d));
    assert!(s.calls().is_empty(), "nothing to answer yet: {:?}", s.calls());
    assert!(early["waiting"].is_string(), "the decider says why it waits: {early}");
    assert!(s.items(&d).iter().any(|i| i.get("sk").and_then(|v| v.as_s().ok()).map(String::as_str) == Some("SCAN")));

    // When the approval notification arrives
    s.pending(PIPELINE, &t);
    let recorded = invoke_ok(&mut s.recorder(), &approval_event("msg-3", PIPELINE, &t, &d));

    // Then the recorder answers it at once, without another scan event
    let results = s.results_for(&t);
    assert_eq!(results.len(), 1, "{:?}\n{recorded}", s.calls());
    assert_eq!(results[0].status.as_deref(), Some("Approved"));
    assert_eq!(s.calls().len(), 1);
    assert_eq!(s.approval_state(&d, PIPELINE, &t), "approved");
}

#[test]
fn expired_approval_is_never_answered() {
    // Given an approval notification whose expiry has passed
    let s = Scenario::start();
    let (d, t) = (digest(7), token(7));
    s.pending(PIPELINE, &t);
    let message = approval_message(PIPELINE, &t, &d, "2020-01-01T00:00Z");
    let recorded = invoke(&mut s.recorder(), &sns_event(vec![sns_record("msg-7", &message)]));

    // When its image's scan completes
    s.seed_findings(CLEAN_FINDINGS, &d);
    let decided = invoke(&mut s.decider(), &scan_event(&d));

    eprintln!("expired approval: recorder {recorded:?}; decider {decided:?}");
    // Then no PutApprovalResult is sent, and the approval is left expired (or pending), never answered
    assert!(s.calls().is_empty(), "{:?}\nrecorder: {recorded:?}\ndecider: {decided:?}", s.calls());
    if let Some(item) = s.approval_item(&d, PIPELINE, &t) {
        let state = item.get("state").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        assert!(state == "expired" || state == "pending", "state {state}");
        assert!(!item.contains_key("decision_status"), "{item:?}");
    }
}
