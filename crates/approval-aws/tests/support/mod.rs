//! Shared by the integration tests that run the real SDK against a local moto server (`mod support;`).
//!
//! - [`moto_endpoint`]: the server `scripts/with-moto.sh` started (panics with how to run the tests if none);
//! - [`sdk_config`]: an SDK configuration that can only reach that endpoint (test credentials, us-east-1);
//! - [`unique_name`]: a table (or other resource) name no other test uses, so tests run in parallel;
//! - [`create_table`]: the approval table exactly as `infra/template.yaml` declares it.
//!
//! Every test binary uses only some of these.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

/// The moto server's URL, from `MOTO_ENDPOINT`.
pub fn moto_endpoint() -> String {
    match std::env::var("MOTO_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => panic!("MOTO_ENDPOINT is not set: run the tests with scripts/with-moto.sh (make test does)"),
    }
}

/// An SDK configuration for `endpoint` only: static test credentials (never the machine's), region
/// us-east-1, and an operation timeout so a hung server fails the test instead of stalling it.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
        .endpoint_url(endpoint)
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder().operation_timeout(Duration::from_secs(30)).build(),
        )
        .load()
        .await
}

/// `prefix` made unique across tests and test runs against the same server: pid, a counter and the clock.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}-{}-{count}-{nanos}", std::process::id())
}

/// Creates the approval table as the SAM template does (`approval_aws::dynamo::create_table`). Panics on failure
/// (a test cannot go on without it).
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    approval_aws::dynamo::create_table(client, name).await.unwrap_or_else(|e| panic!("{e}"));
}
