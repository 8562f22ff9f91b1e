//! The policy's answers as a pipeline sees them: a clean image, a critical exploitable finding, an image
//! Inspector cannot scan.

use crate::support::*;

#[test]
fn clean_image_is_approved_once_after_its_scan() {
    // Given a pending approval for an image, recorded before its scan finished
    let s = Scenario::start();
    let (d, t) = (digest(1), token(1));
    s.pending(PIPELINE, &t);
    let mut recorder = s.recorder();
    let recorded = invoke_ok(&mut recorder, &approval_event("msg-1", PIPELINE, &t, &d));
    assert_eq!(recorded["recorded"], 1, "{recorded}");
    assert!(s.calls().is_empty(), "no answer before the scan: {:?}", s.calls());
    assert_eq!(s.approval_state(&d, PIPELINE, &t), "pending");

    // When Inspector reports the scan complete and the findings are within the policy
    s.seed_findings(CLEAN_FINDINGS, &d);
    let mut decider = s.decider();
    let decided = invoke_ok(&mut decider, &scan_event(&d));

    // Then exactly one PutApprovalResult Approved, and the table says approved
    let calls = s.calls();
    assert_eq!(calls.len(), 1, "{calls:?}\n{decided}");
    assert!(calls[0].is_ok(), "{calls:?}");
    assert_eq!(calls[0].token.as_deref(), Some(t.as_str()));
    assert_eq!(calls[0].pipeline_name.as_deref(), Some(PIPELINE));
    assert_eq!(calls[0].status.as_deref(), Some("Approved"), "{calls:?}");
    assert_eq!(s.approval_state(&d, PIPELINE, &t), "approved");
    assert_eq!(s.approval_attr(&d, PIPELINE, &t, "decision_status").as_deref(), Some("Approved"));
}

#[test]
fn critical_exploitable_finding_is_rejected_naming_the_cve() {
    // Given a pending approval
    let s = Scenario::start();
    let (d, t) = (digest(2), token(2));
    s.pending(PIPELINE, &t);
    invoke_ok(&mut s.recorder(), &approval_event("msg-2", PIPELINE, &t, &d));

    // When the scan completes with a critical, exploitable finding (CVE-2024-3094)
    s.seed_findings(CRITICAL_FINDINGS, &d);
    invoke_ok(&mut s.decider(), &scan_event(&d));

    // Then one Rejected result whose summary names the CVE
    let results = s.results_for(&t);
    assert_eq!(results.len(), 1, "{:?}", s.calls());
    assert_eq!(results[0].status.as_deref(), Some("Rejected"));
    let summary = results[0].summary.clone().unwrap_or_default();
    assert!(summary.starts_with("Rejected:"), "summary: {summary}");
    assert!(summary.contains("CVE-2024-3094"), "summary: {summary}");
    assert!(summary.len() <= 512, "PutApprovalResult allows 512 characters: {}", summary.len());
    assert_eq!(s.approval_state(&d, PIPELINE, &t), "rejected");
    let stored = s.approval_attr(&d, PIPELINE, &t, "decision_summary").unwrap_or_default();
    assert!(stored.contains("CVE-2024-3094"), "stored summary: {stored}");
}

#[test]
fn unscannable_image_is_rejected_naming_the_reason() {
    // Given a pending approval
    let s = Scenario::start();
    let (d, t) = (digest(4), token(4));
    s.pending(PIPELINE, &t);
    invoke_ok(&mut s.recorder(), &approval_event("msg-4", PIPELINE, &t, &d));

    // When Inspector reports the image INACTIVE / UNSUPPORTED_OS
    let decided = invoke_ok(&mut s.decider(), &coverage_inactive_event(&d, "UNSUPPORTED_OS"));

    // Then it is rejected, and the summary says why
    let results = s.results_for(&t);
    assert_eq!(results.len(), 1, "{:?}\n{decided}", s.calls());
    assert_eq!(results[0].status.as_deref(), Some("Rejected"));
    let summary = results[0].summary.clone().unwrap_or_default();
    assert!(summary.contains("UNSUPPORTED_OS"), "summary: {summary}");
    assert_eq!(s.approval_state(&d, PIPELINE, &t), "rejected");
}
