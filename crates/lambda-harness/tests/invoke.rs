//! Events in, responses and function errors out, on a warm process.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_harness::Invocation;
use serde_json::{Value, json};

use crate::support::{ECHO_LAMBDA, PATIENCE, TempFile, echo, harness};

#[test]
fn response_round_trips_the_event() {
    let mut function = echo(&[]);
    let event = json!({"detail": {"approval": "a-1", "findings": [1, 2, 3]}, "note": "ünïcode"});

    let answer = function.invoke(&event, PATIENCE).unwrap();

    assert_eq!(answer, Invocation::Response(event));
}

#[test]
fn function_error_is_reported_with_its_type_and_message() {
    let mut function = echo(&[]);

    let answer = function.invoke(&json!({"fail": true}), PATIENCE).unwrap();

    assert_eq!(
        answer,
        Invocation::FunctionError {
            error_type: "EchoFailure".into(),
            error_message: "the event asked echo-lambda to fail".into(),
        }
    );
}

#[test]
fn sequential_invocations_reuse_one_warm_process() {
    let mut function = echo(&[]);

    let first = function.invoke(&json!({"n": 1}), PATIENCE).unwrap();
    let init_after_first = function.init_duration();
    let failed = function.invoke(&json!({"fail": true}), PATIENCE).unwrap();
    let third = function.invoke(&json!({"n": 3}), PATIENCE).unwrap();

    assert_eq!(first, Invocation::Response(json!({"n": 1})));
    assert!(matches!(failed, Invocation::FunctionError { .. }));
    assert_eq!(third, Invocation::Response(json!({"n": 3})));
    let logs = function.logs();
    assert_eq!(logs.matches("echo-lambda starting").count(), 1, "initialised once:\n{logs}");
    assert_eq!(logs.matches("echo-lambda handling an event").count(), 3, "{logs}");
    assert_eq!(function.init_duration(), init_after_first);
}

#[test]
fn init_duration_runs_from_spawn_to_the_first_poll() {
    let mut function = echo(&[]);

    let init = function.wait_ready().unwrap();

    assert!(function.pid() > 0);
    assert!(init > Duration::ZERO);
    assert_eq!(function.init_duration(), Some(init));
}

#[test]
fn the_function_sees_the_lambda_context_and_environment() {
    let mut function = echo(&[("AWS_LAMBDA_FUNCTION_NAME", "decider"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")]);
    let timeout = Duration::from_secs(20);
    let before_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
    let asked =
        json!({"describe": ["AWS_ENDPOINT_URL", "AWS_REGION", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_PROFILE", "HOME"]});

    let Invocation::Response(seen) = function.invoke(&asked, timeout).unwrap() else {
        panic!("describe failed");
    };

    assert_eq!(seen["function_name"], "decider");
    assert_eq!(seen["memory_mb"], 128);
    assert_eq!(seen["invoked_function_arn"], "arn:aws:lambda:us-east-1:000000000000:function:decider");
    assert!(seen["request_id"].as_str().is_some_and(|id| id.len() == 36), "{seen}");
    assert!(seen["xray_trace_id"].as_str().is_some_and(|id| id.starts_with("Root=1-")), "{seen}");
    let deadline_ms = seen["deadline_ms"].as_u64().map(u128::from).unwrap_or_default();
    assert!(deadline_ms >= before_ms + timeout.as_millis(), "{seen}");
    assert_eq!(
        seen["env"],
        json!({
            "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
            "AWS_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_PROFILE": Value::Null,
            "HOME": Value::Null,
        })
    );
}

#[test]
fn output_is_captured_from_both_streams_and_teed_to_the_log_file() {
    let log = TempFile::new("teed.log");
    let mut function = harness().log_file(log.path()).spawn(ECHO_LAMBDA, &[] as &[(&str, &str)]).unwrap();

    function.invoke(&json!({}), PATIENCE).unwrap();
    let logs = function.logs();
    drop(function);

    assert!(logs.contains("echo-lambda starting"), "stdout:\n{logs}");
    assert!(logs.contains("echo-lambda: stderr is captured too"), "stderr:\n{logs}");
    assert_eq!(std::fs::read_to_string(log.path()).unwrap(), logs);
}

#[test]
fn peak_memory_is_read_while_the_process_lives() {
    let mut function = echo(&[]);

    function.invoke(&json!({}), PATIENCE).unwrap();

    assert!(function.peak_rss_kib().is_some_and(|kib| kib > 0));
}

#[test]
fn a_response_over_6_mb_is_refused_as_lambda_does() {
    let mut function = echo(&[]);
    let event = json!({"blob": "x".repeat(6 * 1024 * 1024)});

    let answer = function.invoke(&event, PATIENCE).unwrap();

    assert!(
        matches!(&answer, Invocation::FunctionError { error_type, .. } if error_type == "Function.ResponseSizeTooLarge"),
        "{:.200}",
        format!("{answer:?}")
    );
}
