//! The `codepipeline-standin` binary, run as a child process the way scripts run it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::support::*;

/// Kills the child even when an assertion fails, so no server outlives the test.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_announces_its_endpoint_and_serves_the_sdk() {
    let child = Command::new(env!("CARGO_BIN_EXE_codepipeline-standin"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().expect("piped stdout");

    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("ready line");
    let endpoint = line.trim_end().strip_prefix("listening on ").expect("line starts with 'listening on '").to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let addr = endpoint.trim_start_matches("http://").parse().expect("socket address");
    let approval = serde_json::json!({
        "pipelineName": PIPELINE, "stageName": STAGE, "actionName": ACTION, "token": TOKEN,
    });
    assert_eq!(http(addr, "POST", "/_standin/approvals", &[], &approval.to_string()).status, 200);

    approve(&client(&endpoint), TOKEN).await.expect("approval accepted by the binary");

    let results = http(addr, "GET", "/_standin/results", &[], "").json();
    assert_eq!(results[0]["token"], TOKEN);
}
