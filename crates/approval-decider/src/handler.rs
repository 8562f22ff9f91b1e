//! One EventBridge event: read it into a scan outcome, remember a final one, and decide the digest.

use approval_aws::Gate;
use approval_aws::gate::log_decide_report;
use approval_aws::metrics;
use approval_core::flow::DecideError;
use approval_core::{InspectorEvent, ScanOutcome};
use chrono::Utc;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::{Value, json};

#[derive(Debug)]
pub enum DeciderError {
    Event(approval_core::error::EventError),
    Decide(DecideError),
}

impl From<DeciderError> for Diagnostic {
    fn from(e: DeciderError) -> Self {
        let (error_type, error_message) = match e {
            DeciderError::Event(e) => ("InvalidEvent", e.to_string()),
            DeciderError::Decide(e @ DecideError::Contended { .. }) => ("ApprovalClaimedElsewhere", e.to_string()),
            DeciderError::Decide(e @ DecideError::Approver { .. }) => ("PutApprovalResultFailed", e.to_string()),
            DeciderError::Decide(e @ DecideError::Port(_)) => ("AwsCallFailed", e.to_string()),
        };
        Diagnostic { error_type: error_type.to_owned(), error_message }
    }
}

pub async fn handle(gate: &Gate, event: LambdaEvent<Value>) -> Result<Value, DeciderError> {
    let parsed = InspectorEvent::parse(event.payload).map_err(|e| {
        tracing::error!(error = %e, "event refused");
        DeciderError::Event(e)
    })?;
    match &parsed.outcome {
        ScanOutcome::Ignored { why } => {
            tracing::debug!(event_id = parsed.id.as_deref().unwrap_or("-"), why = why.as_str(), "event ignored");
            return Ok(json!({ "ignored": why }));
        }
        ScanOutcome::Pending { image, reason } => {
            tracing::debug!(digest = image.digest.as_str(), reason = reason.as_str(), "scan not final");
            return Ok(json!({ "waiting": reason }));
        }
        ScanOutcome::Complete { .. } | ScanOutcome::Unscannable { .. } => {}
    }
    let result = gate.decider(&event.context.request_id).on_event(&parsed, Utc::now()).await;
    match result {
        Ok(report) => {
            log_decide_report(&report);
            metrics::emit(&metrics::decision_lines(&report, &gate.metrics_namespace, Utc::now().timestamp_millis()));
            Ok(json!({
                "digest": report.digest.as_ref().map(|d| d.as_str()),
                "decisions": report.decisions.iter().map(|d| d.status.as_str()).collect::<Vec<_>>(),
                "settled": report.settled.len(),
                "waiting": report.waiting,
            }))
        }
        Err(e) => {
            if let Some(report) = e.report() {
                log_decide_report(report);
            }
            tracing::error!(error = %e, "decision not finished");
            metrics::emit(&[metrics::error_line(&gate.metrics_namespace, Utc::now().timestamp_millis())]);
            Err(DeciderError::Decide(e))
        }
    }
}
