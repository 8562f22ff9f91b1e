//! One SNS event: record every approval request in it, then settle each digest (the ordering race). A
//! refused message fails the invocation after the good ones are stored, so Lambda's retry and the
//! on-failure destination keep it.

use std::collections::BTreeMap;

use approval_aws::Gate;
use approval_aws::gate::log_decide_report;
use approval_aws::metrics;
use approval_core::flow::record::{RecordConfig, Recorded, Recorder, SnsMessageIn};
use approval_core::{ImageDigest, RepositoryName};
use aws_lambda_events::sns::SnsEvent;
use chrono::Utc;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::{Value, json};

#[derive(Debug)]
pub struct RecorderError {
    refused: usize,
    undecided: usize,
    first: String,
}

impl From<RecorderError> for Diagnostic {
    fn from(e: RecorderError) -> Self {
        let error_type = if e.refused > 0 { "ApprovalMessageRefused" } else { "DecisionNotFinished" };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: format!(
                "{} message(s) refused, {} digest(s) not decided; first: {}",
                e.refused, e.undecided, e.first
            ),
        }
    }
}

pub async fn handle(gate: &Gate, config: &RecordConfig, event: LambdaEvent<SnsEvent>) -> Result<Value, RecorderError> {
    let now = Utc::now();
    let messages: Vec<SnsMessageIn> = event
        .payload
        .records
        .into_iter()
        .map(|r| SnsMessageIn { message_id: r.sns.message_id, topic_arn: r.sns.topic_arn, message: r.sns.message })
        .collect();
    let recorder = Recorder { store: &gate.store, scans: &gate.scanner, config };
    let report = recorder.record(&messages, now).await;

    let mut hints: BTreeMap<ImageDigest, Option<RepositoryName>> = BTreeMap::new();
    for (record, outcome) in &report.recorded {
        let k = &record.key;
        tracing::info!(
            digest = k.digest.as_str(),
            pipeline = k.pipeline.as_str(),
            stage = k.stage.as_str(),
            action = k.action.as_str(),
            token = k.token.prefix(),
            sns_message_id = record.sns_message_id.as_str(),
            expires = %record.expires,
            duplicate = *outcome == Recorded::Duplicate,
            "approval recorded"
        );
        let hint = hints.entry(k.digest.clone()).or_default();
        if hint.is_none() {
            hint.clone_from(&record.repository);
        }
    }
    for k in &report.superseded {
        tracing::info!(
            digest = k.digest.as_str(),
            pipeline = k.pipeline.as_str(),
            token = k.token.prefix(),
            "older approval superseded"
        );
    }
    for e in &report.errors {
        tracing::error!(error = %e, "approval message refused");
    }

    let decider = gate.decider(&event.context.request_id);
    let mut undecided = Vec::new();
    for (digest, hint) in &hints {
        match recorder.settle(&decider, digest, hint.as_ref(), now).await {
            Ok(r) => {
                log_decide_report(&r);
                metrics::emit(&metrics::decision_lines(&r, &gate.metrics_namespace, Utc::now().timestamp_millis()));
            }
            Err(e) => {
                if let Some(r) = e.report() {
                    log_decide_report(r);
                }
                tracing::error!(digest = digest.as_str(), error = %e, "decision on arrival not finished");
                metrics::emit(&[metrics::error_line(&gate.metrics_namespace, Utc::now().timestamp_millis())]);
                undecided.push(e.to_string());
            }
        }
    }
    if !report.errors.is_empty() || !undecided.is_empty() {
        let first =
            report.errors.first().map(ToString::to_string).or_else(|| undecided.first().cloned()).unwrap_or_default();
        return Err(RecorderError { refused: report.errors.len(), undecided: undecided.len(), first });
    }
    Ok(json!({
        "recorded": report.recorded.iter().filter(|(_, o)| *o == Recorded::New).count(),
        "duplicates": report.recorded.iter().filter(|(_, o)| *o == Recorded::Duplicate).count(),
        "superseded": report.superseded.len(),
    }))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use aws_lambda_events::sns::SnsEvent;

    /// The SNS envelopes in approval-core's fixtures (which has no Lambda types) are events this Lambda's
    /// runtime accepts, record for record.
    #[test]
    fn sns_fixtures_are_events_the_runtime_accepts() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../approval-core/tests/fixtures/sns");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path();
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let event: SnsEvent = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let raw: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let expected = raw["Records"].as_array().map_or(0, Vec::len);
            assert!(expected > 0, "{}: no Records", path.display());
            assert_eq!(event.records.len(), expected, "{}", path.display());
            for (record, raw) in event.records.iter().zip(raw["Records"].as_array().into_iter().flatten()) {
                assert_eq!(Some(record.sns.message.as_str()), raw["Sns"]["Message"].as_str(), "{}", path.display());
            }
            seen += 1;
        }
        assert!(seen >= 3, "expected the SNS fixtures in {}", dir.display());
    }
}
