//! Deciding a digest: read its findings once, evaluate the policy, and answer each pending approval under a
//! claim, so that duplicated, reordered or concurrent deliveries send exactly one result per token.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use crate::decision::{Decision, Verdict};
use crate::evaluate::{EvalContext, decide_unscannable, evaluate};
use crate::event::{InspectorEvent, ScanOutcome};
use crate::ids::{ImageDigest, RepositoryName};
use crate::policy::Policy;
use crate::ports::{ApprovalStore, ApproveError, FindingsSource, PipelineApprover, PortError};
use crate::record::{ApprovalKey, ApprovalState, DecisionRecord, ScanState, ScanVerdict};

/// What happened to one approval in a decide run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The result was sent and recorded.
    Answered {
        key: ApprovalKey,
        status: Verdict,
        /// From the approval being recorded to its answer.
        waited: Duration,
    },
    /// CodePipeline refused for good; recorded as closed.
    Closed { key: ApprovalKey, why: String },
    /// Its expiry passed: retired without an answer.
    Expired { key: ApprovalKey },
}

/// Everything a decide run did, for logs and metrics.
#[derive(Debug, Clone, Default)]
pub struct DecideReport {
    pub digest: Option<ImageDigest>,
    /// The decisions made, one per repository the approvals name.
    pub decisions: Vec<Decision>,
    pub settled: Vec<Settled>,
    /// Findings read from the source.
    pub findings_read: usize,
    /// Why nothing was decided, when nothing was.
    pub waiting: Option<String>,
}

/// Why a decide run did not finish its work. The invocation fails, so the platform retries it later.
#[derive(Debug, Error)]
pub enum DecideError {
    #[error(transparent)]
    Port(#[from] PortError),
    #[error("{count} approval(s) of {digest} are claimed by another run; retry after the claim lease")]
    Contended { digest: ImageDigest, count: usize, report: Box<DecideReport> },
    #[error("PutApprovalResult failed for {count} approval(s) of {digest}: {first}")]
    Approver { digest: ImageDigest, count: usize, first: String, report: Box<DecideReport> },
}

impl DecideError {
    /// What the run did before it failed.
    pub fn report(&self) -> Option<&DecideReport> {
        match self {
            DecideError::Port(_) => None,
            DecideError::Contended { report, .. } | DecideError::Approver { report, .. } => Some(report),
        }
    }
}

/// The decide flow over its three ports.
pub struct Decider<'a, S, F, A> {
    pub store: &'a S,
    pub findings: &'a F,
    pub approver: &'a A,
    pub policy: &'a Policy,
    /// How long a claim holds. Longer than one invocation may run, so a live claim is never stolen.
    pub lease: Duration,
    /// Who claims: unique per run (e.g. the Lambda request id), so a run only finishes its own claims.
    pub owner: String,
}

impl<S: ApprovalStore, F: FindingsSource, A: PipelineApprover> Decider<'_, S, F, A> {
    /// Handles an Inspector event: remembers a final scan state, then decides the digest.
    pub async fn on_event(&self, event: &InspectorEvent, now: DateTime<Utc>) -> Result<DecideReport, DecideError> {
        let Some(scan) = ScanState::from_outcome(&event.outcome, event.time.unwrap_or(now)) else {
            let why = match &event.outcome {
                ScanOutcome::Pending { reason, .. } => format!("scan not final: {reason}"),
                ScanOutcome::Ignored { why } => format!("ignored: {why}"),
                _ => "no final scan state".to_owned(),
            };
            return Ok(DecideReport { waiting: Some(why), ..DecideReport::default() });
        };
        // Write first, read second (the recorder does the same): of two racing runs, at least one sees both.
        self.store.remember_scan(&scan).await?;
        self.decide_digest(&scan.digest, now).await
    }

    /// Answers every pending, unexpired approval of `digest` whose scan is final.
    pub async fn decide_digest(&self, digest: &ImageDigest, now: DateTime<Utc>) -> Result<DecideReport, DecideError> {
        let mut report = DecideReport { digest: Some(digest.clone()), ..DecideReport::default() };
        let state = self.store.digest_state(digest).await?;
        let mut open = Vec::new();
        let mut contended = 0;
        for a in state.approvals.into_iter().filter(|a| a.record.state == ApprovalState::Pending) {
            if a.record.is_expired(now) {
                if self.store.retire(&a.record.key, ApprovalState::Expired).await? {
                    report.settled.push(Settled::Expired { key: a.record.key.clone() });
                }
            } else if a.claim.as_ref().is_some_and(|c| c.until > now) {
                contended += 1;
            } else {
                open.push(a.record);
            }
        }
        let Some(scan) = state.scan else {
            report.waiting = Some("scan of this image not finished yet".to_owned());
            return Ok(report);
        };
        if open.is_empty() && contended == 0 {
            report.waiting = Some("no pending approval waits on this image".to_owned());
            return Ok(report);
        }

        // One decision per repository: the repository chooses the rules, and two pipelines may push the same
        // digest to different repositories. Every decision is made before anything is claimed, so a failed
        // read leaves every approval untouched.
        let mut decisions: BTreeMap<Option<RepositoryName>, usize> = BTreeMap::new();
        for record in &open {
            let repo = record.repository.clone().or_else(|| scan.repository.clone());
            if let std::collections::btree_map::Entry::Vacant(slot) = decisions.entry(repo) {
                let decision = self.decision_for(digest, slot.key().as_ref(), &scan.verdict, now, &mut report).await?;
                slot.insert(report.decisions.len());
                report.decisions.push(decision);
            }
        }

        let mut failures: Vec<String> = Vec::new();
        for record in open {
            let repo = record.repository.clone().or_else(|| scan.repository.clone());
            let decision = &report.decisions[decisions[&repo]];
            let key = &record.key;
            if !self.store.claim(key, &self.owner, now, now + self.lease).await? {
                contended += 1;
                continue;
            }
            let summary = decision.summary_without(key.token.expose());
            let mut outcome = DecisionRecord::new(decision, summary.clone(), now);
            match self.approver.put_approval_result(key, decision.status, &summary).await {
                Ok(()) => {
                    let state = match decision.status {
                        Verdict::Approved => ApprovalState::Approved,
                        Verdict::Rejected => ApprovalState::Rejected,
                    };
                    self.store.finish(key, &self.owner, state, &outcome).await?;
                    report.settled.push(Settled::Answered {
                        key: key.clone(),
                        status: decision.status,
                        waited: now - record.recorded_at,
                    });
                }
                Err(e @ (ApproveError::AlreadyCompleted(_) | ApproveError::InvalidToken(_))) => {
                    outcome.note = Some(e.to_string());
                    self.store.finish(key, &self.owner, ApprovalState::Closed, &outcome).await?;
                    report.settled.push(Settled::Closed { key: key.clone(), why: e.to_string() });
                }
                Err(ApproveError::Other(e)) => {
                    self.store.release(key, &self.owner).await?;
                    failures.push(e.to_string());
                }
            }
        }
        if let Some(first) = failures.first() {
            return Err(DecideError::Approver {
                digest: digest.clone(),
                count: failures.len(),
                first: first.clone(),
                report: Box::new(report),
            });
        }
        if contended > 0 {
            return Err(DecideError::Contended { digest: digest.clone(), count: contended, report: Box::new(report) });
        }
        Ok(report)
    }

    async fn decision_for(
        &self,
        digest: &ImageDigest,
        repository: Option<&RepositoryName>,
        verdict: &ScanVerdict,
        now: DateTime<Utc>,
        report: &mut DecideReport,
    ) -> Result<Decision, PortError> {
        let repo = repository.map(RepositoryName::as_str);
        Ok(match verdict {
            ScanVerdict::Unscannable { reason } => decide_unscannable(reason, self.policy, repo),
            ScanVerdict::Complete => {
                let findings = self.findings.active_findings(digest, repository).await?;
                report.findings_read += findings.len();
                evaluate(&findings, self.policy, &EvalContext { repository: repo, now })
            }
        })
    }
}
