//! The ports: what the flows need from the outside world, as narrow traits. The AWS adapters implement them
//! over DynamoDB, Inspector and CodePipeline; tests implement them in memory.

use std::future::Future;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::decision::Verdict;
use crate::finding::Finding;
use crate::ids::{ImageDigest, RepositoryName};
use crate::record::{ApprovalKey, ApprovalRecord, ApprovalState, DecisionRecord, DigestState, ScanState, ScanVerdict};

/// A call to the outside failed (after the adapter's own retries). The flow never turns one into a decision.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{call} failed: {message}")]
pub struct PortError {
    /// The call that failed, e.g. `DynamoDB UpdateItem`.
    pub call: String,
    pub message: String,
}

impl PortError {
    pub fn new(call: impl Into<String>, message: impl Into<String>) -> Self {
        PortError { call: call.into(), message: message.into() }
    }
}

/// What an insert found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// The same token was recorded before: a redelivery.
    Duplicate,
}

/// The approval store.
pub trait ApprovalStore: Sync {
    /// Records a new approval unless one with the same key exists.
    fn insert_approval(&self, record: &ApprovalRecord) -> impl Future<Output = Result<Inserted, PortError>> + Send;

    /// Every approval waiting on (or decided for) a digest, and its scan state: one strongly consistent read.
    fn digest_state(&self, digest: &ImageDigest) -> impl Future<Output = Result<DigestState, PortError>> + Send;

    /// Moves an approval from `Pending` to `to` (superseded or expired) unless someone else moved it first.
    /// Returns whether this call made the change.
    fn retire(&self, key: &ApprovalKey, to: ApprovalState) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Remembers a digest's final scan state, unless a newer one is stored.
    fn remember_scan(&self, scan: &ScanState) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Claims a pending, unexpired approval for `owner` until `until`, unless another live claim holds it.
    fn claim(
        &self,
        key: &ApprovalKey,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Writes the outcome onto an approval this owner claimed, and drops the claim.
    fn finish(
        &self,
        key: &ApprovalKey,
        owner: &str,
        state: ApprovalState,
        decision: &DecisionRecord,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Drops this owner's claim so that the approval can be claimed again.
    fn release(&self, key: &ApprovalKey, owner: &str) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Pending approvals (of one digest, or all), for operators.
    fn pending(
        &self,
        digest: Option<&ImageDigest>,
    ) -> impl Future<Output = Result<Vec<ApprovalRecord>, PortError>> + Send;
}

/// Reads an image's ACTIVE findings, all pages.
pub trait FindingsSource: Sync {
    fn active_findings(
        &self,
        digest: &ImageDigest,
        repository: Option<&RepositoryName>,
    ) -> impl Future<Output = Result<Vec<Finding>, PortError>> + Send;
}

/// Asks the scanner what it knows about an image's scan, for approvals that arrive after the scan event
/// (or for a gate deployed after it). `None`: nothing final is known.
pub trait ScanStatusSource: Sync {
    fn scan_verdict(
        &self,
        digest: &ImageDigest,
        repository: Option<&RepositoryName>,
    ) -> impl Future<Output = Result<Option<(RepositoryName, ScanVerdict)>, PortError>> + Send;
}

/// Why CodePipeline refused an approval result.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ApproveError {
    /// Terminal: somebody already approved or rejected this action.
    #[error("approval already completed: {0}")]
    AlreadyCompleted(String),
    /// Terminal: the token already received a response or has expired.
    #[error("approval token no longer valid: {0}")]
    InvalidToken(String),
    /// Anything else: the approval stays answerable and the invocation is retried.
    #[error("{0}")]
    Other(PortError),
}

/// Answers an approval in the pipeline.
pub trait PipelineApprover: Sync {
    fn put_approval_result(
        &self,
        key: &ApprovalKey,
        status: Verdict,
        summary: &str,
    ) -> impl Future<Output = Result<(), ApproveError>> + Send;
}
