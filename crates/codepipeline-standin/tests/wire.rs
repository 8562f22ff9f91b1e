//! The bytes on the wire, checked without the SDK: what any awsJson client would see.

use serde_json::json;

use crate::support::*;

fn request_body(token: &str) -> String {
    json!({
        "pipelineName": PIPELINE,
        "stageName": STAGE,
        "actionName": ACTION,
        "result": {"summary": "", "status": "Approved"},
        "token": token,
    })
    .to_string()
}

#[test]
fn success_is_200_aws_json_with_approved_at_in_epoch_seconds() {
    let standin = standin_with_pending();

    let response = raw_put(standin.local_addr(), &request_body(TOKEN));

    assert_eq!(response.status, 200);
    assert_eq!(response.header("Content-Type"), Some("application/x-amz-json-1.1"));
    assert!(response.header("x-amzn-RequestId").is_some());
    assert!(response.json()["approvedAt"].is_number(), "{}", response.body);
}

#[test]
fn error_is_400_with_type_and_message_in_the_body() {
    let standin = standin_with_pending();

    let response = raw_put(standin.local_addr(), &request_body(OTHER_TOKEN));

    assert_eq!(response.status, 400);
    assert_eq!(response.header("Content-Type"), Some("application/x-amz-json-1.1"));
    assert_eq!(
        response.json(),
        json!({
            "__type": "InvalidApprovalTokenException",
            "message": "The approval request already received a response or has expired.",
        })
    );
}

#[test]
fn body_that_is_not_json_is_a_serialization_exception_and_is_recorded() {
    let standin = standin_with_pending();

    let response = raw_put(standin.local_addr(), "not json");

    assert_eq!(response.status, 400);
    assert_eq!(response.json()["__type"], "SerializationException");
    assert_eq!(outcomes(&standin), ["SerializationException"]);
}

#[test]
fn unknown_target_is_an_unknown_operation_and_is_not_recorded() {
    let standin = standin_with_pending();
    let headers =
        [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "CodePipeline_20150709.GetPipelineState")];

    let response = http(standin.local_addr(), "POST", "/", &headers, r#"{"name":"p"}"#);

    assert_eq!(response.status, 400);
    assert_eq!(response.json()["__type"], "UnknownOperationException");
    assert!(standin.calls().is_empty());
}

#[test]
fn internal_server_error_fault_is_a_500() {
    let standin = standin_with_pending();
    let fault = http(
        standin.local_addr(),
        "POST",
        "/_standin/faults",
        &[],
        r#"{"failNext": 1, "error": "InternalServerError"}"#,
    );
    assert_eq!(fault.status, 200);

    let response = raw_put(standin.local_addr(), &request_body(TOKEN));

    assert_eq!(response.status, 500);
    assert_eq!(response.json()["__type"], "InternalServerError");
    assert_eq!(raw_put(standin.local_addr(), &request_body(TOKEN)).status, 200);
}

#[test]
fn admin_api_registers_records_and_resets_over_http() {
    let standin = codepipeline_standin::StandIn::start("127.0.0.1:0").expect("start");
    let addr = standin.local_addr();
    let approval = json!({
        "pipelineName": PIPELINE, "stageName": STAGE, "actionName": ACTION, "token": TOKEN,
    });

    let registered = http(addr, "POST", "/_standin/approvals", &[], &approval.to_string());
    assert_eq!(registered.status, 200, "{}", registered.body);
    let listed = http(addr, "GET", "/_standin/approvals", &[], "").json();
    assert_eq!(listed[0]["completed"], false);

    assert_eq!(raw_put(addr, &request_body(TOKEN)).status, 200);
    assert_eq!(raw_put(addr, &request_body(TOKEN)).status, 400);

    let calls = http(addr, "GET", "/_standin/calls", &[], "").json();
    assert_eq!(
        calls,
        json!([
            {"pipelineName": PIPELINE, "stageName": STAGE, "actionName": ACTION, "token": TOKEN,
             "status": "Approved", "summary": "", "outcome": "ok"},
            {"pipelineName": PIPELINE, "stageName": STAGE, "actionName": ACTION, "token": TOKEN,
             "status": "Approved", "summary": "", "outcome": "ApprovalAlreadyCompletedException"},
        ])
    );
    let results = http(addr, "GET", "/_standin/results", &[], "").json();
    assert_eq!(results.as_array().map(Vec::len), Some(1));

    assert_eq!(http(addr, "POST", "/_standin/reset", &[], "").status, 200);
    assert_eq!(http(addr, "GET", "/_standin/calls", &[], "").json(), json!([]));
    assert_eq!(http(addr, "GET", "/_standin/approvals", &[], "").json(), json!([]));
}

#[test]
fn approval_registered_completed_over_http_refuses_a_result() {
    let standin = codepipeline_standin::StandIn::start("127.0.0.1:0").expect("start");
    let addr = standin.local_addr();
    let approval = json!({
        "pipelineName": PIPELINE, "stageName": STAGE, "actionName": ACTION, "token": TOKEN,
        "completed": true,
    });
    http(addr, "POST", "/_standin/approvals", &[], &approval.to_string());

    let response = raw_put(addr, &request_body(TOKEN));

    assert_eq!(response.json()["__type"], "ApprovalAlreadyCompletedException");
}

#[test]
fn malformed_admin_body_is_a_400_naming_the_problem() {
    let standin = standin_with_pending();

    let response = http(standin.local_addr(), "POST", "/_standin/approvals", &[], r#"{"token": 1}"#);

    assert_eq!(response.status, 400);
    let message = response.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.starts_with("invalid admin request body"), "{message}");
}
