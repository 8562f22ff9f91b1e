//! The decider Lambda: EventBridge delivers Amazon Inspector scan and coverage events; every pending approval
//! of the image is answered from its findings and the policy.

mod handler;

use approval_aws::Gate;
use approval_aws::settings::init_json_logs;
use lambda_runtime::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_json_logs();
    // Fail closed: an unreadable policy stops the Lambda at init instead of deciding with a default.
    let gate = Gate::from_env().await.inspect_err(|e| tracing::error!(error = %e, "decider cannot start"))?;
    gate.connect_at_init().await;
    tracing::info!(policy_sha256 = gate.policy.sha256(), "decider ready");
    let gate = &gate;
    run(service_fn(move |event| handler::handle(gate, event))).await
}
