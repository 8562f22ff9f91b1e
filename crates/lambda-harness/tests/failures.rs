//! Each way a function can fail ends in a clear error, never a hang.

use std::time::Duration;

use lambda_harness::HarnessError;
use serde_json::json;

use crate::support::{ECHO_LAMBDA, PATIENCE, echo, harness};

#[test]
fn a_process_that_exits_at_start_is_reported_with_its_status_and_output() {
    let mut function = echo(&[("ECHO_LAMBDA_STARTUP", "exit")]);

    let error = function.invoke(&json!({}), PATIENCE).unwrap_err();

    let HarnessError::ExitedDuringInit { status, output_tail } = &error else {
        panic!("expected an exit during init, got: {error}");
    };
    assert_eq!(status.code(), Some(3));
    assert!(output_tail.contains("exiting before the runtime starts"), "{output_tail}");
    assert!(error.to_string().contains("before asking for an event"), "{error}");
}

#[test]
fn a_process_that_exits_mid_invocation_is_reported_with_the_request() {
    let mut function = echo(&[]);

    let error = function.invoke(&json!({"exit": 4}), PATIENCE).unwrap_err();

    let HarnessError::ExitedDuringInvocation { status, request_id, .. } = &error else {
        panic!("expected an exit during the invocation, got: {error}");
    };
    assert_eq!(status.code(), Some(4));
    assert!(!request_id.is_empty());
}

#[test]
fn an_invocation_over_its_timeout_is_reported_and_the_function_is_stopped() {
    let mut function = echo(&[]);
    let timeout = Duration::from_millis(300);

    let error = function.invoke(&json!({"sleep_ms": 60_000}), timeout).unwrap_err();
    let after = function.invoke(&json!({}), PATIENCE).unwrap_err();

    assert!(matches!(&error, HarnessError::InvocationTimeout { timeout: t, .. } if *t == timeout), "{error}");
    assert!(matches!(after, HarnessError::Stopped { .. }), "{after}");
    assert_eq!(function.peak_rss_kib(), None, "the process should be gone");
}

#[test]
fn an_init_error_posted_by_the_runtime_is_reported() {
    // lambda_runtime posts /init/error only on the SnapStart path, when a resource's before_snapshot fails.
    let mut function = echo(&[("ECHO_LAMBDA_STARTUP", "init-error"), ("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")]);

    let error = function.invoke(&json!({}), PATIENCE).unwrap_err();

    let HarnessError::InitError { error_message, .. } = &error else {
        panic!("expected an init error, got: {error}");
    };
    assert!(error_message.contains("init fails"), "{error_message}");
}

#[test]
fn a_binary_that_cannot_start_is_named_in_the_error() {
    let error = harness().spawn("/nonexistent/approval-decider", &[] as &[(&str, &str)]).err();

    assert!(
        matches!(&error, Some(HarnessError::Spawn { binary, .. }) if binary.ends_with("approval-decider")),
        "{error:?}"
    );
}

#[test]
fn a_function_that_never_asks_for_an_event_times_out_its_init_and_is_stopped() {
    let mut function = harness()
        .init_timeout(Duration::from_millis(300))
        .spawn(ECHO_LAMBDA, &[("ECHO_LAMBDA_STARTUP", "stall")])
        .unwrap();

    let error = function.wait_ready().unwrap_err();

    assert!(matches!(error, HarnessError::InitTimeout { .. }), "{error}");
    assert!(matches!(function.invoke(&json!({}), PATIENCE), Err(HarnessError::Stopped { .. })));
}
