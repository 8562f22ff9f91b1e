//! Bad input and refusals: a malformed SNS message among good ones; an approval a human already answered; the
//! DynamoDB connection at init (`CONNECT_AT_INIT`), working and failing.

use codepipeline_standin::Approval;
use lambda_harness::Invocation;

use crate::support::*;

#[test]
fn malformed_message_fails_the_invocation_but_keeps_the_good_ones() {
    // Given one SNS event with two good approval requests and a malformed one between them
    let s = Scenario::start();
    let (d1, t1, d2, t2) = (digest(81), token(81), digest(82), token(82));
    let event = sns_event(vec![
        sns_record("msg-8a", &approval_message(PIPELINE, &t1, &d1, &in_a_week())),
        sns_record("msg-8bad", "{\"approval\": {\"pipelineName\": \"ContainerBuildDeployPipeline\""),
        sns_record("msg-8c", &approval_message("OtherServicePipeline", &t2, &d2, &in_a_week())),
    ]);

    // When the recorder handles it
    let mut recorder = s.recorder();
    let outcome = invoke(&mut recorder, &event);

    // Then the invocation fails (so Lambda retries and the failure destination keeps it) ...
    match &outcome {
        Invocation::FunctionError { error_type, error_message } => {
            assert_eq!(error_type, "ApprovalMessageRefused", "{error_message}");
            assert!(error_message.contains("msg-8bad"), "names the bad message: {error_message}");
        }
        other => panic!("expected a function error, got {other:?}"),
    }
    // ... the two good approvals are stored, and nothing for the bad one
    assert_eq!(s.approval_state(&d1, PIPELINE, &t1), "pending");
    assert_eq!(s.approval_state(&d2, "OtherServicePipeline", &t2), "pending");
    let items = s.all_items();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(s.calls().is_empty());
}

#[test]
fn approval_answered_by_a_human_is_closed_without_retrying() {
    // Given an approval recorded by the gate that a human has already approved in CodePipeline
    let s = Scenario::start();
    let (d, t) = (digest(9), token(9));
    s.standin.register(Approval { completed: true, ..Approval::pending(PIPELINE, STAGE, ACTION, &t) });
    invoke_ok(&mut s.recorder(), &approval_event("msg-9", PIPELINE, &t, &d));

    // When the scan completes (twice: EventBridge redelivers)
    s.seed_findings(CLEAN_FINDINGS, &d);
    let mut decider = s.decider();
    let first = invoke_ok(&mut decider, &scan_event(&d));

    // Then the one refused call closes the approval ...
    let calls = s.calls();
    assert_eq!(calls.len(), 1, "{calls:?}\n{first}");
    assert_eq!(calls[0].outcome, "ApprovalAlreadyCompletedException", "{calls:?}");
    assert!(s.results().is_empty());
    assert_eq!(s.approval_state(&d, PIPELINE, &t), "closed");
    let note = s.approval_attr(&d, PIPELINE, &t, "decision_note").unwrap_or_default();
    assert!(!note.is_empty(), "the close is explained");

    // ... and a second scan event makes no further call
    let second = invoke_ok(&mut decider, &scan_event(&d));
    assert_eq!(s.calls().len(), 1, "{:?}\n{second}", s.calls());
    assert_eq!(s.approval_state(&d, PIPELINE, &t), "closed");
}

#[test]
fn codepipeline_outage_fails_the_invocation_and_the_retry_answers_once() {
    // Given a pending approval, and CodePipeline failing every call for now
    let s = Scenario::start();
    let (d, t) = (digest(10), token(10));
    s.pending(PIPELINE, &t);
    invoke_ok(&mut s.recorder(), &approval_event("msg-10", PIPELINE, &t, &d));
    s.seed_findings(CLEAN_FINDINGS, &d);
    s.standin.fail_next(100, codepipeline_standin::Fault::InternalServerError);

    // When the scan event arrives during the outage
    let mut decider = s.decider();
    let outage = invoke(&mut decider, &scan_event(&d));

    // Then the invocation fails (so EventBridge/Lambda retry it), nothing is answered, the claim is released
    match &outage {
        Invocation::FunctionError { error_type, .. } => assert_eq!(error_type, "PutApprovalResultFailed"),
        other => panic!("expected a function error, got {other:?}"),
    }
    assert!(!s.calls().is_empty(), "the SDK tried");
    assert!(s.results().is_empty());
    assert_eq!(s.approval_state(&d, PIPELINE, &t), "pending");

    // And when the retry comes after CodePipeline recovered, exactly one result is sent
    s.standin.fail_next(0, codepipeline_standin::Fault::InternalServerError);
    invoke_ok(&mut decider, &scan_event(&d));
    assert_eq!(s.results_for(&t).len(), 1, "{:?}", s.calls());
    assert_eq!(s.approval_state(&d, PIPELINE, &t), "approved");
}

#[test]
fn connecting_at_init_opens_the_connection_and_changes_no_decision() {
    // Given both Lambdas started with CONNECT_AT_INIT=true
    let s = Scenario::start();
    let (d, t) = (digest(40), token(40));
    let extra = [("CONNECT_AT_INIT", "true".to_owned()), ("RUST_LOG", "info,approval_aws=debug".to_owned())];
    s.pending(PIPELINE, &t);
    let mut recorder = s.spawn_with("approval-recorder", &extra);
    let mut decider = s.spawn_with("approval-decider", &extra);

    // When an approval and then its clean scan arrive
    invoke_ok(&mut recorder, &approval_event("msg-40", PIPELINE, &t, &d));
    s.seed_findings(CLEAN_FINDINGS, &d);
    invoke_ok(&mut decider, &scan_event(&d));

    // Then each opened its connection during init, and the approval is answered as without it
    for (name, function) in [("recorder", &recorder), ("decider", &decider)] {
        let logs = function.logs();
        assert!(logs.contains("DynamoDB connection open"), "{name} did not connect at init:\n{logs}");
    }
    let results = s.results_for(&t);
    assert_eq!(results.len(), 1, "{:?}", s.calls());
    assert_eq!(results[0].status.as_deref(), Some("Approved"));
}

#[test]
fn a_failed_connection_at_init_is_logged_and_init_goes_on() {
    // Given a decider whose table does not exist, started with CONNECT_AT_INIT=true
    let s = Scenario::start();
    let extra = [("CONNECT_AT_INIT", "true".to_owned()), ("APPROVAL_TABLE", "no-such-table".to_owned())];
    let mut decider = s.spawn_with("approval-decider", &extra);

    // When it starts, then it still asks for its first event, having logged why it could not connect
    decider.wait_ready().unwrap_or_else(|e| panic!("init failed: {e}\n{}", decider.logs()));
    // The harness reads the process's output on its own thread: give the line a moment to arrive.
    let mut logs = decider.logs();
    for _ in 0..500 {
        if logs.contains("DynamoDB connection at init failed") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        logs = decider.logs();
    }
    assert!(
        logs.contains("DynamoDB connection at init failed") && logs.contains("ResourceNotFoundException"),
        "{logs}"
    );
}
