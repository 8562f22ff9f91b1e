//! What every scenario needs: moto (reset per scenario), a fresh approval table, the CodePipeline stand-in, the
//! shipped (lambda-release) Lambda binaries under the lambda harness, and builders for the events AWS would deliver.
//!
//! Scenarios run one at a time ([`Scenario::start`] holds a global lock): moto's queue of Inspector findings
//! is global, and the reset clears every table.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_sdk_dynamodb::types::AttributeValue;
use codepipeline_standin::{Approval, Call, StandIn};
use lambda_harness::{Function, Harness, Invocation};
use serde_json::{Value, json};

pub const PIPELINE: &str = "ContainerBuildDeployPipeline";
pub const STAGE: &str = "ContainerVulnerabilityAssessment";
pub const ACTION: &str = "ContainerImageApproval";
pub const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:ContainerApprovalTopic";
pub const REPOSITORY: &str = "web/shop";
pub const ACCOUNT: &str = "123456789012";
/// The policy the scenarios run under: the bundled example (critical/high limit 0, exploitable blocks, the
/// libwebp exception for `web/*`, unscannable images rejected).
pub const POLICY: &str = include_str!("../../examples/policy.toml");
pub const CRITICAL_FINDINGS: &str = include_str!("../../examples/findings-critical.json");
pub const CLEAN_FINDINGS: &str = include_str!("../../examples/findings-clean.json");
/// The digest the example findings name; scenarios substitute their own.
pub const EXAMPLE_DIGEST: &str = "sha256:abababababababababababababababababababababababababababababababab";

pub const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);

static LOCK: Mutex<()> = Mutex::new(());

/// A digest distinct per call (`n` fills the hex), so scenarios never share one.
pub fn digest(n: u32) -> String {
    format!("sha256:{:064x}", u128::from(n) | (0xe2e0_u128 << 100))
}

/// A lowercase UUID token, distinct per `n`.
pub fn token(n: u32) -> String {
    format!("{n:08x}-7d4a-4e8b-9a51-2c6d8e0f1a7b")
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `$GATE_BIN_DIR/NAME`, else the `lambda-release` build (what ships to Lambda) in cargo's target directory
/// (`$CARGO_TARGET_DIR`, relative to the workspace root like cargo takes it, or `target/`).
pub fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), |t| workspace_root().join(t));
    let dir = std::env::var_os("GATE_BIN_DIR").map_or_else(|| target.join("lambda-release"), PathBuf::from);
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: build them with `make release-lambdas` (make test does), or set GATE_BIN_DIR",
        path.display()
    );
    path
}

pub fn moto_endpoint() -> String {
    match std::env::var("MOTO_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => panic!("MOTO_ENDPOINT is not set: run the tests with scripts/with-moto.sh (make test does)"),
    }
}

/// A minimal HTTP/1.0 POST of a JSON body (moto's admin API); returns the status code.
pub fn http_post(endpoint: &str, path: &str, body: &str) -> u16 {
    let hostport = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(hostport).unwrap_or_else(|e| panic!("connect {hostport}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("read timeout");
    let request = format!(
        "POST {path} HTTP/1.0\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("write request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!((200..300).contains(&status), "POST {path} answered {status}: {response}");
    status
}

/// One scenario's world. Dropping it stops the functions it spawned (the harness kills them) and the lock.
pub struct Scenario {
    pub moto: String,
    pub table: String,
    pub standin: StandIn,
    pub dynamo: aws_sdk_dynamodb::Client,
    rt: tokio::runtime::Runtime,
    harness: Harness,
    _lock: MutexGuard<'static, ()>,
}

impl Scenario {
    /// Takes the global lock, resets moto, creates a fresh table and starts a stand-in.
    pub fn start() -> Self {
        let lock = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let moto = moto_endpoint();
        http_post(&moto, "/moto-api/reset", "");
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let table = format!("approvals-e2e-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let dynamo = rt.block_on(async {
            let config = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
                .endpoint_url(&moto)
                .load()
                .await;
            let client = aws_sdk_dynamodb::Client::new(&config);
            approval_aws::dynamo::create_table(&client, &table).await.unwrap_or_else(|e| panic!("{e}"));
            client
        });
        let standin = StandIn::start("127.0.0.1:0").expect("start the CodePipeline stand-in");
        let harness = match std::env::var_os("E2E_LOG") {
            Some(path) => Harness::new().log_file(PathBuf::from(path)),
            None => Harness::new(),
        };
        Scenario { moto, table, standin, dynamo, rt, harness, _lock: lock }
    }

    /// The functions' environment, as the SAM template sets it, pointed at moto and the stand-in.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("APPROVAL_TABLE", self.table.clone()),
            ("GATE_POLICY", POLICY.to_owned()),
            ("ALLOWED_TOPIC_ARNS", TOPIC.to_owned()),
            ("CLAIM_LEASE_SECONDS", "60".to_owned()),
            ("RUST_LOG", "info".to_owned()),
            ("AWS_ENDPOINT_URL", self.moto.clone()),
            ("AWS_ENDPOINT_URL_CODEPIPELINE", self.standin.endpoint()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            // Keep the SDK off the instance metadata service and any profile of the machine.
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("AWS_CONFIG_FILE", "/dev/null".to_owned()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_owned()),
        ]
    }

    pub fn spawn(&self, name: &str) -> Function {
        self.spawn_with(name, &[])
    }

    /// Spawns with `extra` variables added to (or replacing) the scenario's environment.
    pub fn spawn_with(&self, name: &str, extra: &[(&'static str, String)]) -> Function {
        let mut env = self.env();
        env.retain(|(key, _)| !extra.iter().any(|(k, _)| k == key));
        env.extend(extra.iter().cloned());
        self.harness.spawn(binary(name), &env).unwrap_or_else(|e| panic!("spawn {name}: {e}"))
    }

    pub fn recorder(&self) -> Function {
        self.spawn("approval-recorder")
    }

    pub fn decider(&self) -> Function {
        self.spawn("approval-decider")
    }

    /// Registers a pending approval with the stand-in.
    pub fn pending(&self, pipeline: &str, token: &str) {
        self.standin.register(Approval::pending(pipeline, STAGE, ACTION, token));
    }

    /// Queues one ListFindings result (the example file's findings, moved to `digest`). moto hands it to the
    /// next distinct ListFindings request and keeps serving it for that request.
    pub fn seed_findings(&self, example: &str, digest: &str) {
        let text = example.replace(EXAMPLE_DIGEST, digest);
        let parsed: Value = serde_json::from_str(&text).expect("example findings are JSON");
        let findings = parsed["findings"].clone();
        let body = json!({ "results": [findings] }).to_string();
        http_post(&self.moto, "/moto-api/static/inspector2/findings-results", &body);
    }

    pub fn results(&self) -> Vec<Call> {
        self.standin.results()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.standin.calls()
    }

    pub fn results_for(&self, token: &str) -> Vec<Call> {
        self.results().into_iter().filter(|c| c.token.as_deref() == Some(token)).collect()
    }

    pub fn calls_for(&self, token: &str) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.token.as_deref() == Some(token)).collect()
    }

    /// The approval item of (digest, pipeline, token) with the scenario's stage and action, if stored.
    pub fn approval_item(&self, digest: &str, pipeline: &str, token: &str) -> Option<HashMap<String, AttributeValue>> {
        let sk = format!("APPROVAL#{pipeline}#{STAGE}#{ACTION}#{token}");
        self.rt.block_on(async {
            self.dynamo
                .get_item()
                .table_name(&self.table)
                .key("digest", AttributeValue::S(digest.to_owned()))
                .key("sk", AttributeValue::S(sk))
                .consistent_read(true)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GetItem: {}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))
                .item
        })
    }

    /// A string attribute of the approval item (panics if the item is missing).
    pub fn approval_attr(&self, digest: &str, pipeline: &str, token: &str, attr: &str) -> Option<String> {
        let item = self
            .approval_item(digest, pipeline, token)
            .unwrap_or_else(|| panic!("no approval item for {digest} {pipeline} {token}"));
        item.get(attr).and_then(|v| v.as_s().ok()).cloned()
    }

    pub fn approval_state(&self, digest: &str, pipeline: &str, token: &str) -> String {
        self.approval_attr(digest, pipeline, token, "state").expect("approval item has a state")
    }

    /// Every item stored under `digest`.
    pub fn items(&self, digest: &str) -> Vec<HashMap<String, AttributeValue>> {
        self.rt.block_on(async {
            self.dynamo
                .query()
                .table_name(&self.table)
                .key_condition_expression("#d = :d")
                .expression_attribute_names("#d", "digest")
                .expression_attribute_values(":d", AttributeValue::S(digest.to_owned()))
                .consistent_read(true)
                .send()
                .await
                .unwrap_or_else(|e| panic!("Query: {}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))
                .items
                .unwrap_or_default()
        })
    }

    /// Every item of the table (a Scan: tables here hold a handful).
    pub fn all_items(&self) -> Vec<HashMap<String, AttributeValue>> {
        self.rt.block_on(async {
            self.dynamo
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .send()
                .await
                .unwrap_or_else(|e| panic!("Scan: {}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))
                .items
                .unwrap_or_default()
        })
    }
}

/// Invokes and expects a response (not a function error); the function's logs are in the panic message.
pub fn invoke_ok(function: &mut Function, event: &Value) -> Value {
    match function.invoke(event, INVOKE_TIMEOUT) {
        Ok(Invocation::Response(body)) => body,
        Ok(Invocation::FunctionError { error_type, error_message }) => {
            panic!("function error {error_type}: {error_message}\nlogs:\n{}", function.logs())
        }
        Err(e) => panic!("harness error: {e}\nlogs:\n{}", function.logs()),
    }
}

/// Invokes and returns the outcome, panicking only on a harness failure.
pub fn invoke(function: &mut Function, event: &Value) -> Invocation {
    function.invoke(event, INVOKE_TIMEOUT).unwrap_or_else(|e| panic!("harness error: {e}\nlogs:\n{}", function.logs()))
}

/// The approval notification CodePipeline publishes (`Sns.Message`), for the scenario's stage and action.
pub fn approval_message(pipeline: &str, token: &str, digest: &str, expires: &str) -> String {
    json!({
        "region": "us-east-1",
        "consoleLink": format!("https://console.aws.amazon.com/codesuite/codepipeline/pipelines/{pipeline}/view?region=us-east-1"),
        "approval": {
            "pipelineName": pipeline,
            "stageName": STAGE,
            "actionName": ACTION,
            "token": token,
            "expires": expires,
            "externalEntityLink": null,
            "approvalReviewLink": format!("https://console.aws.amazon.com/codesuite/codepipeline/pipelines/{pipeline}/view?region=us-east-1#/{STAGE}/{ACTION}/approve/{token}"),
            "customData": format!("Image_Digest={digest}"),
        }
    })
    .to_string()
}

/// An expiry a week from now, in CodePipeline's minute-precision form.
pub fn in_a_week() -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() + 7 * 86_400;
    minute_precision(secs)
}

/// `YYYY-MM-DDTHH:MMZ` for a Unix time (civil-from-days, no chrono needed).
pub fn minute_precision(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}Z", rem / 3600, (rem % 3600) / 60)
}

/// One SNS record carrying `message`.
pub fn sns_record(message_id: &str, message: &str) -> Value {
    json!({
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": format!("{TOPIC}:abf270ea-576b-4f86-b662-8627af8e16ed"),
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": TOPIC,
            "Subject": "APPROVAL NEEDED: AWS CodePipeline ContainerBuildDeployPipe... for action ContainerImageApproval",
            "Message": message,
            "Timestamp": "2026-01-01T12:00:00.000Z",
            "SignatureVersion": "1",
            "Signature": "c2lnbmF0dXJl",
            "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
            "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
            "MessageAttributes": {}
        }
    })
}

pub fn sns_event(records: Vec<Value>) -> Value {
    json!({ "Records": records })
}

/// The SNS event for one approval request.
pub fn approval_event(message_id: &str, pipeline: &str, token: &str, digest: &str) -> Value {
    sns_event(vec![sns_record(message_id, &approval_message(pipeline, token, digest, &in_a_week()))])
}

fn repository_arn() -> String {
    format!("arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{REPOSITORY}")
}

/// Inspector's `Inspector2 Scan` event: initial scan of `digest` in `web/shop` complete.
pub fn scan_event(digest: &str) -> Value {
    json!({
        "version": "0",
        "id": format!("scan-{}", &digest[7..19]),
        "detail-type": "Inspector2 Scan",
        "source": "aws.inspector2",
        "account": ACCOUNT,
        "time": "2026-01-01T12:00:00Z",
        "region": "us-east-1",
        "resources": [repository_arn()],
        "detail": {
            "scan-status": "INITIAL_SCAN_COMPLETE",
            "repository-name": repository_arn(),
            "finding-severity-counts": {"CRITICAL": 0, "HIGH": 0, "MEDIUM": 0, "TOTAL": 0},
            "image-digest": digest,
            "image-tags": ["latest"],
            "version": "1.0"
        }
    })
}

/// Inspector's `Inspector2 Coverage` event: the image cannot be scanned for `reason`.
pub fn coverage_inactive_event(digest: &str, reason: &str) -> Value {
    json!({
        "version": "0",
        "id": format!("coverage-{}", &digest[7..19]),
        "detail-type": "Inspector2 Coverage",
        "source": "aws.inspector2",
        "account": ACCOUNT,
        "time": "2026-01-01T12:00:00Z",
        "region": "us-east-1",
        "resources": [format!("{}/{digest}", repository_arn())],
        "detail": {
            "scanStatus": {"reason": reason, "statusCodeValue": "INACTIVE"},
            "scanType": "PACKAGE",
            "eventTimestamp": "2026-01-01T11:59:59.123456Z",
            "version": "1.0"
        }
    })
}
