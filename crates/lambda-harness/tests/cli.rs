//! The `lambda-harness` binary: JSON lines, exit codes, cold-start measurement.

use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::support::{ECHO_LAMBDA, LAMBDA_HARNESS, TempFile};

fn run(args: &[&str]) -> Output {
    Command::new(LAMBDA_HARNESS).args(args).output().unwrap()
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout).lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

#[test]
fn prints_a_line_per_event_then_init_and_memory_and_exits_1_on_a_function_error() {
    let ok = TempFile::with_text("cli-ok.json", r#"{"hello": "world"}"#);
    let failing = TempFile::with_text("cli-fail.json", r#"{"fail": true}"#);
    let (ok_path, failing_path) = (ok.path().to_str().unwrap(), failing.path().to_str().unwrap());

    let output = run(&["--binary", ECHO_LAMBDA, "--event", ok_path, "--event", failing_path, "--env", "K=V"]);

    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0], json!({"event": ok_path, "ok": true, "response": {"hello": "world"}}));
    assert_eq!(
        lines[1],
        json!({"event": failing_path, "ok": false, "errorType": "EchoFailure",
               "errorMessage": "the event asked echo-lambda to fail"})
    );
    assert!(lines[2]["init_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{}", lines[2]);
    assert!(lines[2]["peak_rss_kib"].as_u64().is_some_and(|kib| kib > 0), "{}", lines[2]);
}

#[test]
fn exits_0_when_every_invocation_succeeds() {
    let event = TempFile::with_text("cli-only-ok.json", "[1, 2]");

    let output = run(&["--binary", ECHO_LAMBDA, "--event", event.path().to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(json_lines(&output)[0]["response"], json!([1, 2]));
}

#[test]
fn exits_2_with_the_functions_output_when_it_dies_at_start() {
    let event = TempFile::with_text("cli-dies.json", "{}");

    let output =
        run(&["--binary", ECHO_LAMBDA, "--event", event.path().to_str().unwrap(), "--env", "ECHO_LAMBDA_STARTUP=exit"]);

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("exiting before the runtime starts"), "{stderr}");
}

#[test]
fn exits_2_naming_an_event_file_that_is_not_json() {
    let event = TempFile::with_text("cli-not-json.json", "{");

    let output = run(&["--binary", ECHO_LAMBDA, "--event", event.path().to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cli-not-json.json"));
}

#[test]
fn measure_init_reports_median_min_and_max_of_the_runs() {
    let output = run(&["--binary", ECHO_LAMBDA, "--measure-init", "3"]);

    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = &json_lines(&output)[0];
    assert_eq!(report["runs"], 3);
    assert_eq!(report["samples_ms"].as_array().map(Vec::len), Some(3));
    let ms = |key: &str| report[key].as_f64().unwrap_or(-1.0);
    assert!(ms("min_ms") > 0.0 && ms("min_ms") <= ms("median_ms") && ms("median_ms") <= ms("max_ms"), "{report}");
}
