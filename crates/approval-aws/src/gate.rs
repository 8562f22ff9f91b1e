//! The assembled gate: the three adapters, the policy and the claim lease, built once at init and lent to
//! every invocation; and the structured log lines a decide run leaves behind.

use approval_core::Policy;
use approval_core::flow::{DecideReport, Decider, Settled};
use chrono::Duration;
use thiserror::Error;

use crate::clients::AwsClients;
use crate::codepipeline::CodePipelineApprover;
use crate::dynamo::{DynamoStore, StoreConfig, StoreConfigError};
use crate::inspector::InspectorScanner;
use crate::settings::{SettingsError, claim_lease_from_env, connect_at_init_from_env, policy_from_env};

/// How long init may wait for the DynamoDB connection before going on without it (Lambda allows 10 s of init).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug, Error)]
pub enum GateInitError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Store(#[from] StoreConfigError),
}

pub struct Gate {
    pub store: DynamoStore,
    pub scanner: InspectorScanner,
    pub approver: CodePipelineApprover,
    pub policy: Policy,
    pub lease: Duration,
    /// The CloudWatch namespace of the decision metrics.
    pub metrics_namespace: String,
    /// Whether [`Gate::connect_at_init`] opens the DynamoDB connection (`CONNECT_AT_INIT`).
    pub connect_at_init: bool,
}

pub type GateDecider<'a> = Decider<'a, DynamoStore, InspectorScanner, CodePipelineApprover>;

impl Gate {
    pub fn new(clients: &AwsClients, store: StoreConfig, policy: Policy, lease: Duration) -> Self {
        Gate {
            store: DynamoStore::new(clients.dynamodb.clone(), store),
            scanner: InspectorScanner::new(clients.inspector.clone()),
            approver: CodePipelineApprover::new(clients.codepipeline.clone()),
            policy,
            lease,
            metrics_namespace: crate::metrics::namespace_from_env(),
            connect_at_init: false,
        }
    }

    /// Everything from the environment: the settings first (a bad policy fails before any AWS work), then one
    /// `aws_config` load for all clients.
    pub async fn from_env() -> Result<Self, GateInitError> {
        let policy = policy_from_env()?;
        let lease = claim_lease_from_env()?;
        let store = StoreConfig::from_env()?;
        let connect_at_init = connect_at_init_from_env()?;
        let clients = AwsClients::from_env().await;
        Ok(Gate { connect_at_init, ..Gate::new(&clients, store, policy, lease) })
    }

    /// With `CONNECT_AT_INIT=true`, opens the DynamoDB connection while init has the full CPU, so the first
    /// event starts with it open (`make bench` measures both ways). Best effort: a failure or a slow answer is
    /// logged, and the first event connects as it would have anyway.
    pub async fn connect_at_init(&self) {
        if !self.connect_at_init {
            return;
        }
        let started = std::time::Instant::now();
        match tokio::time::timeout(CONNECT_TIMEOUT, self.store.connect()).await {
            Ok(Ok(())) => tracing::debug!(elapsed_ms = started.elapsed().as_millis(), "DynamoDB connection open"),
            Ok(Err(e)) => tracing::warn!(error = %e, "DynamoDB connection at init failed; the first event retries"),
            Err(_) => tracing::warn!(timeout_ms = CONNECT_TIMEOUT.as_millis(), "DynamoDB connection at init timed out"),
        }
    }

    /// A decider whose claims carry `owner` (the Lambda request id, or a CLI run id).
    pub fn decider(&self, owner: &str) -> GateDecider<'_> {
        Decider {
            store: &self.store,
            findings: &self.scanner,
            approver: &self.approver,
            policy: &self.policy,
            lease: self.lease,
            owner: owner.to_owned(),
        }
    }
}

/// One log line per decision and per settled approval: digest, pipeline, decision, counts, policy
/// fingerprint; tokens only as a prefix.
pub fn log_decide_report(report: &DecideReport) {
    let digest = report.digest.as_ref().map(|d| d.as_str()).unwrap_or("-");
    if let Some(why) = &report.waiting {
        tracing::info!(digest, why = why.as_str(), "no decision");
    }
    for d in &report.decisions {
        tracing::info!(
            digest,
            repository = d.repository.as_deref().unwrap_or("-"),
            decision = d.status.as_str(),
            mode = d.mode.as_str(),
            critical = d.counts.0[0],
            high = d.counts.0[1],
            medium = d.counts.0[2],
            low = d.counts.0[3],
            informational = d.counts.0[4],
            untriaged = d.counts.0[5],
            blocking = d.blocking_ids().join(" "),
            findings_read = report.findings_read,
            policy_sha256 = d.policy_sha256.as_str(),
            summary = d.summary.as_str(),
            "decision made"
        );
    }
    for s in &report.settled {
        let (key, outcome, why) = match s {
            Settled::Answered { key, status, .. } => (key, status.as_str(), ""),
            Settled::Closed { key, why } => (key, "closed", why.as_str()),
            Settled::Expired { key } => (key, "expired", ""),
        };
        tracing::info!(
            digest,
            pipeline = key.pipeline.as_str(),
            stage = key.stage.as_str(),
            action = key.action.as_str(),
            token = key.token.prefix(),
            outcome,
            why,
            "approval settled"
        );
    }
}
