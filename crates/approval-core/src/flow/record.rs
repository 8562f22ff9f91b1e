//! Recording approval requests from SNS: each message is checked and stored on its own (a bad one never
//! stops the good ones), newer executions supersede older ones, and an approval whose image was already
//! scanned is decided at once instead of waiting for a scan event that will not come again.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::error::NotificationError;
use crate::glob::Glob;
use crate::ids::ImageDigest;
use crate::notification::ApprovalNotification;
use crate::ports::{ApprovalStore, FindingsSource, Inserted, PipelineApprover, PortError, ScanStatusSource};
use crate::record::{ApprovalKey, ApprovalRecord, ApprovalState, DigestState, ScanState};

use super::decide::{DecideError, DecideReport, Decider};

/// One SNS record, reduced to what the recorder reads.
#[derive(Debug, Clone)]
pub struct SnsMessageIn {
    pub message_id: String,
    pub topic_arn: String,
    pub message: String,
}

/// Optional guards against approval requests from places the gate should not answer.
#[derive(Debug, Clone, Default)]
pub struct RecordConfig {
    /// Only messages from these topics are accepted (`None`: any).
    pub allowed_topics: Option<Vec<String>>,
    /// Only approvals of pipelines matching one of these globs are accepted (`None`: any).
    pub allowed_pipelines: Option<Vec<Glob>>,
}

#[derive(Debug, Error)]
pub enum RecordError {
    #[error("SNS message {message_id}: topic {topic} is not in ALLOWED_TOPIC_ARNS")]
    Topic { message_id: String, topic: String },
    #[error("SNS message {message_id}: pipeline `{pipeline}` action `{action}` is not in ALLOWED_PIPELINES")]
    Pipeline { message_id: String, pipeline: String, action: String },
    #[error("SNS message {message_id}: {source}")]
    Notification {
        message_id: String,
        #[source]
        source: NotificationError,
    },
    #[error("SNS message {message_id}: {source}")]
    Store {
        message_id: String,
        #[source]
        source: PortError,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    New,
    /// The same token was already recorded: a redelivery, which changes nothing.
    Duplicate,
}

#[derive(Debug, Default)]
pub struct RecordReport {
    pub recorded: Vec<(ApprovalRecord, Recorded)>,
    pub superseded: Vec<ApprovalKey>,
    pub errors: Vec<RecordError>,
}

impl RecordReport {
    /// The digests this run recorded approvals for, each once.
    pub fn digests(&self) -> BTreeSet<ImageDigest> {
        self.recorded.iter().map(|(r, _)| r.key.digest.clone()).collect()
    }
}

pub struct Recorder<'a, S, C> {
    pub store: &'a S,
    pub scans: &'a C,
    pub config: &'a RecordConfig,
}

impl<S: ApprovalStore, C: ScanStatusSource> Recorder<'_, S, C> {
    /// Checks and stores every message; errors are collected per message.
    pub async fn record(&self, messages: &[SnsMessageIn], now: DateTime<Utc>) -> RecordReport {
        let mut report = RecordReport::default();
        for m in messages {
            match self.record_one(m, now).await {
                Ok((record, outcome)) => report.recorded.push((record, outcome)),
                Err(e) => report.errors.push(e),
            }
        }
        for digest in report.digests() {
            match self.supersede_older(&digest).await {
                Ok(keys) => report.superseded.extend(keys),
                Err(source) => report.errors.push(RecordError::Store { message_id: "-".into(), source }),
            }
        }
        report
    }

    async fn record_one(
        &self,
        m: &SnsMessageIn,
        now: DateTime<Utc>,
    ) -> Result<(ApprovalRecord, Recorded), RecordError> {
        if let Some(topics) = &self.config.allowed_topics
            && !topics.contains(&m.topic_arn)
        {
            return Err(RecordError::Topic { message_id: m.message_id.clone(), topic: m.topic_arn.clone() });
        }
        let n = ApprovalNotification::parse(&m.message)
            .map_err(|source| RecordError::Notification { message_id: m.message_id.clone(), source })?;
        if let Some(globs) = &self.config.allowed_pipelines
            && !globs.iter().any(|g| g.matches(n.pipeline.as_str()))
        {
            return Err(RecordError::Pipeline {
                message_id: m.message_id.clone(),
                pipeline: n.pipeline.to_string(),
                action: n.action.to_string(),
            });
        }
        let record = ApprovalRecord::from_notification(n, &m.message_id, now);
        let outcome = match self.store.insert_approval(&record).await {
            Ok(Inserted::New) => Recorded::New,
            Ok(Inserted::Duplicate) => Recorded::Duplicate,
            Err(source) => return Err(RecordError::Store { message_id: m.message_id.clone(), source }),
        };
        Ok((record, outcome))
    }

    /// Of the pending approvals of one pipeline action on a digest, only the newest execution (latest expiry)
    /// can still be answered: the others are marked superseded.
    async fn supersede_older(&self, digest: &ImageDigest) -> Result<Vec<ApprovalKey>, PortError> {
        let state = self.store.digest_state(digest).await?;
        let mut retired = Vec::new();
        for key in older_pending(&state) {
            if self.store.retire(&key, ApprovalState::Superseded).await? {
                retired.push(key);
            }
        }
        Ok(retired)
    }

    /// The ordering race: when the scan finished before the approval arrived (or the image was pushed again
    /// unchanged, so no new scan event comes), decide now. The table is asked first, then the scanner.
    pub async fn settle<F: FindingsSource, A: PipelineApprover>(
        &self,
        decider: &Decider<'_, S, F, A>,
        digest: &ImageDigest,
        repository_hint: Option<&crate::ids::RepositoryName>,
        now: DateTime<Utc>,
    ) -> Result<DecideReport, DecideError> {
        let state = self.store.digest_state(digest).await?;
        if state.scan.is_none() {
            // Best effort: the approval is stored either way, and Inspector's scan event still decides it. A
            // failing scanner must not fail the recording (and no answer ever comes from an error).
            match self.scans.scan_verdict(digest, repository_hint).await {
                Ok(Some((repository, verdict))) => {
                    let scan =
                        ScanState { digest: digest.clone(), repository: Some(repository), verdict, observed_at: now };
                    self.store.remember_scan(&scan).await?;
                }
                Ok(None) => {}
                Err(e) => {
                    return Ok(DecideReport {
                        digest: Some(digest.clone()),
                        waiting: Some(format!("scan state unknown ({e}); waiting for Inspector's scan event")),
                        ..DecideReport::default()
                    });
                }
            }
        }
        decider.decide_digest(digest, now).await
    }
}

fn older_pending(state: &DigestState) -> Vec<ApprovalKey> {
    let pending: Vec<&ApprovalRecord> =
        state.approvals.iter().map(|a| &a.record).filter(|r| r.state == ApprovalState::Pending).collect();
    pending
        .iter()
        .filter(|r| {
            pending.iter().any(|newer| {
                newer.key.pipeline == r.key.pipeline
                    && newer.key.stage == r.key.stage
                    && newer.key.action == r.key.action
                    && newer.key.token != r.key.token
                    && (newer.expires, newer.recorded_at, newer.key.token.expose())
                        > (r.expires, r.recorded_at, r.key.token.expose())
            })
        })
        .map(|r| r.key.clone())
        .collect()
}
