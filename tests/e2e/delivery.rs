//! At-least-once delivery and fan-out: duplicated (and concurrent) SNS and EventBridge deliveries, and two
//! pipelines waiting on one image.

use std::thread;

use lambda_harness::Invocation;

use crate::support::*;

/// An outcome a duplicate delivery may have: success, or the loser of a claim race failing so the platform
/// retries it (the retry then finds nothing to do).
fn assert_acceptable(outcome: &Invocation, what: &str) {
    match outcome {
        Invocation::Response(_) => {}
        Invocation::FunctionError { error_type, .. }
            if error_type == "ApprovalClaimedElsewhere" || error_type == "DecisionNotFinished" => {}
        other => panic!("{what}: unexpected outcome {other:?}"),
    }
}

#[test]
fn duplicate_and_concurrent_deliveries_answer_each_token_once() {
    // Given a pending approval and a finished scan of its image
    let s = Scenario::start();
    let (d, t) = (digest(5), token(5));
    s.pending(PIPELINE, &t);
    s.seed_findings(CRITICAL_FINDINGS, &d);
    let sns = approval_event("msg-5", PIPELINE, &t, &d);
    let scan = scan_event(&d);
    let mut recorder_a = s.recorder();
    let mut recorder_b = s.recorder();
    let mut decider_a = s.decider();
    let mut decider_b = s.decider();
    for f in [&mut recorder_a, &mut recorder_b, &mut decider_a, &mut decider_b] {
        f.wait_ready().expect("function starts");
    }

    // When the SNS message is delivered 3 times and the scan event 3 times, three of them at once
    invoke_ok(&mut recorder_a, &sns);
    let (r, a, b) = thread::scope(|scope| {
        let r = scope.spawn(|| invoke(&mut recorder_b, &sns));
        let a = scope.spawn(|| invoke(&mut decider_a, &scan));
        let b = scope.spawn(|| invoke(&mut decider_b, &scan));
        (r.join().expect("recorder thread"), a.join().expect("decider a thread"), b.join().expect("decider b thread"))
    });
    eprintln!("concurrent outcomes: recorder {r:?}; decider a {a:?}; decider b {b:?}");
    assert_acceptable(&r, "concurrent SNS redelivery");
    assert_acceptable(&a, "concurrent scan event (a)");
    assert_acceptable(&b, "concurrent scan event (b)");
    // The retries after the race: nothing is claimed any more, so they succeed and do nothing.
    let again = invoke_ok(&mut recorder_a, &sns);
    assert_eq!(again["duplicates"], 1, "{again}");
    invoke_ok(&mut decider_a, &scan);

    // Then exactly one PutApprovalResult for the token
    let calls = s.calls_for(&t);
    assert_eq!(calls.len(), 1, "{calls:?}\nrecorder {r:?}\ndecider a {a:?}\ndecider b {b:?}");
    assert!(calls[0].is_ok(), "{calls:?}");
    assert_eq!(calls[0].status.as_deref(), Some("Rejected"));
    assert_eq!(s.approval_state(&d, PIPELINE, &t), "rejected");
    let approvals = s
        .items(&d)
        .into_iter()
        .filter(|i| i.get("sk").and_then(|v| v.as_s().ok()).is_some_and(|sk| sk.starts_with("APPROVAL#")))
        .count();
    assert_eq!(approvals, 1, "one item per token, however often it was delivered");
}

#[test]
fn two_pipelines_on_one_digest_get_one_result_each() {
    // Given two pipelines waiting on the same image
    let s = Scenario::start();
    let d = digest(6);
    let (pipeline_b, t_a, t_b) = ("OtherServicePipeline", token(61), token(62));
    s.pending(PIPELINE, &t_a);
    s.pending(pipeline_b, &t_b);
    let mut recorder = s.recorder();
    invoke_ok(&mut recorder, &approval_event("msg-6a", PIPELINE, &t_a, &d));
    invoke_ok(&mut recorder, &approval_event("msg-6b", pipeline_b, &t_b, &d));

    // When the scan completes
    s.seed_findings(CLEAN_FINDINGS, &d);
    invoke_ok(&mut s.decider(), &scan_event(&d));

    // Then each token gets exactly one result
    assert_eq!(s.calls().len(), 2, "{:?}", s.calls());
    for (pipeline, t) in [(PIPELINE, &t_a), (pipeline_b, &t_b)] {
        let results = s.results_for(t);
        assert_eq!(results.len(), 1, "{pipeline}: {:?}", s.calls());
        assert_eq!(results[0].pipeline_name.as_deref(), Some(pipeline));
        assert_eq!(results[0].status.as_deref(), Some("Approved"));
        assert_eq!(s.approval_state(&d, pipeline, t), "approved");
    }
}
