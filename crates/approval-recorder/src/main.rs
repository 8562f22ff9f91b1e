//! The recorder Lambda: SNS delivers CodePipeline approval requests; each is stored, and decided at once
//! when the image's scan is already known.

mod handler;

use approval_aws::Gate;
use approval_aws::settings::{init_json_logs, record_config_from_env};
use lambda_runtime::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_json_logs();
    // A gate that cannot read its configuration must not start: the error is the init failure CloudWatch shows.
    let gate = Gate::from_env().await.inspect_err(|e| tracing::error!(error = %e, "recorder cannot start"))?;
    let config = record_config_from_env().inspect_err(|e| tracing::error!(error = %e, "recorder cannot start"))?;
    gate.connect_at_init().await;
    tracing::info!(policy_sha256 = gate.policy.sha256(), "recorder ready");
    let (gate, config) = (&gate, &config);
    run(service_fn(move |event| handler::handle(gate, config, event))).await
}
