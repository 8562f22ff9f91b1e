//! Shared test helpers: an SDK client for a stand-in and a minimal HTTP/1.1 client.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use aws_sdk_codepipeline::Client;
use aws_sdk_codepipeline::config::retry::RetryConfig;
use aws_sdk_codepipeline::config::{Credentials, Region};
use aws_sdk_codepipeline::error::SdkError;
use aws_sdk_codepipeline::operation::put_approval_result::{PutApprovalResultError, PutApprovalResultOutput};
use aws_sdk_codepipeline::types::{ApprovalResult, ApprovalStatus};
use codepipeline_standin::{Approval, StandIn};

pub const PIPELINE: &str = "ContainerBuildDeployPipeline";
pub const STAGE: &str = "ContainerVulnerabilityAssessment";
pub const ACTION: &str = "ContainerImageApproval";
pub const TOKEN: &str = "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b";
pub const OTHER_TOKEN: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";

/// Retries stay on (as in the gate) but with millisecond backoff so tests stay fast.
pub const MAX_ATTEMPTS: u32 = 3;

pub fn fast_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
}

pub fn client(endpoint: &str) -> Client {
    client_with(endpoint, fast_retries())
}

pub fn client_with(endpoint: &str, retries: RetryConfig) -> Client {
    let config = aws_sdk_codepipeline::Config::builder()
        .behavior_version_latest()
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .retry_config(retries)
        .build();
    Client::from_conf(config)
}

/// A stand-in on a free loopback port with the reference approval pending.
pub fn standin_with_pending() -> StandIn {
    let standin = StandIn::start("127.0.0.1:0").expect("stand-in starts on a free port");
    standin.register(Approval::pending(PIPELINE, STAGE, ACTION, TOKEN));
    standin
}

pub type PutResult = Result<PutApprovalResultOutput, SdkError<PutApprovalResultError>>;

pub async fn put(
    client: &Client,
    (pipeline, stage, action): (&str, &str, &str),
    token: &str,
    status: ApprovalStatus,
    summary: &str,
) -> PutResult {
    let result = ApprovalResult::builder().summary(summary).status(status).build().expect("summary and status are set");
    client
        .put_approval_result()
        .pipeline_name(pipeline)
        .stage_name(stage)
        .action_name(action)
        .result(result)
        .token(token)
        .send()
        .await
}

/// `PutApprovalResult` on the reference action.
pub async fn approve(client: &Client, token: &str) -> PutResult {
    put(client, (PIPELINE, STAGE, ACTION), token, ApprovalStatus::Approved, "no findings").await
}

/// The modelled error the SDK produced; panics (failing the test) on success.
pub fn service_error(result: PutResult) -> PutApprovalResultError {
    match result {
        Ok(output) => panic!("expected an error, got {output:?}"),
        Err(err) => err.into_service_error(),
    }
}

/// A raw HTTP answer.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

/// One request on its own connection (`Connection: close`), read to the end.
pub fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> RawResponse {
    let mut stream = TcpStream::connect(addr).expect("connect to the stand-in");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("header/body separator");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    RawResponse { status, headers, body: body.to_owned() }
}

/// `PutApprovalResult` as the SDK frames it, minus the signature the stand-in ignores anyway.
pub fn raw_put(addr: SocketAddr, body: &str) -> RawResponse {
    http(
        addr,
        "POST",
        "/",
        &[("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "CodePipeline_20150709.PutApprovalResult")],
        body,
    )
}

pub fn outcomes(standin: &StandIn) -> Vec<String> {
    standin.calls().into_iter().map(|call| call.outcome).collect()
}
