//! What the gate stores: one approval record per approval request, the decision written back onto it, and
//! one scan state per image digest. Plain types; the store adapter maps them to its items.

use chrono::{DateTime, Duration, Utc};

use crate::decision::{Decision, Verdict};
use crate::event::ScanOutcome;
use crate::ids::{ActionName, ApprovalToken, ImageDigest, PipelineName, RepositoryName, StageName};
use crate::notification::ApprovalNotification;

/// Where an approval is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApprovalState {
    /// Waiting for the gate's answer.
    Pending,
    Approved,
    Rejected,
    /// Its `expires` passed before a decision: never acted on.
    Expired,
    /// A newer execution of the same action waits on the same digest: this token is dead.
    Superseded,
    /// CodePipeline refused the answer for good (already answered elsewhere, or the token is no longer
    /// valid); the reason is kept in the decision note.
    Closed,
}

impl ApprovalState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Superseded => "superseded",
            Self::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => Self::Pending,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "expired" => Self::Expired,
            "superseded" => Self::Superseded,
            "closed" => Self::Closed,
            _ => return None,
        })
    }
}

/// Identifies one approval: the digest it waits on and the action execution's token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApprovalKey {
    pub digest: ImageDigest,
    pub pipeline: PipelineName,
    pub stage: StageName,
    pub action: ActionName,
    pub token: ApprovalToken,
}

/// One approval request, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRecord {
    pub key: ApprovalKey,
    pub region: Option<String>,
    pub expires: DateTime<Utc>,
    pub review_link: Option<String>,
    pub repository: Option<RepositoryName>,
    pub sns_message_id: String,
    pub recorded_at: DateTime<Utc>,
    pub state: ApprovalState,
    pub decision: Option<DecisionRecord>,
}

impl ApprovalRecord {
    pub fn from_notification(n: ApprovalNotification, sns_message_id: &str, recorded_at: DateTime<Utc>) -> Self {
        ApprovalRecord {
            key: ApprovalKey {
                digest: n.digest,
                pipeline: n.pipeline,
                stage: n.stage,
                action: n.action,
                token: n.token,
            },
            region: n.region,
            expires: n.expires,
            review_link: n.review_link,
            repository: n.repository,
            sns_message_id: sns_message_id.to_owned(),
            recorded_at,
            state: ApprovalState::Pending,
            decision: None,
        }
    }

    /// When the record may be deleted (the store's TTL): the approval's expiry plus the audit retention.
    pub fn delete_after(&self, retention: Duration) -> DateTime<Utc> {
        self.expires + retention
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires <= now
    }
}

/// What the gate answered, kept on the approval for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    pub status: Verdict,
    pub summary: String,
    pub blocking_ids: Vec<String>,
    pub policy_sha256: String,
    pub decided_at: DateTime<Utc>,
    /// Why CodePipeline refused the answer, for a `Closed` approval.
    pub note: Option<String>,
}

impl DecisionRecord {
    pub fn new(decision: &Decision, summary: String, decided_at: DateTime<Utc>) -> Self {
        DecisionRecord {
            status: decision.status,
            summary,
            blocking_ids: decision.blocking.iter().map(|b| b.id.clone()).collect(),
            policy_sha256: decision.policy_sha256.clone(),
            decided_at,
            note: None,
        }
    }
}

/// What is known, for good, about a digest's scan. Only final outcomes are stored: a pending scan is the
/// absence of a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanVerdict {
    Complete,
    Unscannable { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanState {
    pub digest: ImageDigest,
    pub repository: Option<RepositoryName>,
    pub verdict: ScanVerdict,
    /// When Inspector said so (the event time), to keep the newest of reordered events.
    pub observed_at: DateTime<Utc>,
}

impl ScanState {
    /// The final scan state an outcome establishes, if any.
    pub fn from_outcome(outcome: &ScanOutcome, observed_at: DateTime<Utc>) -> Option<Self> {
        let (image, verdict) = match outcome {
            ScanOutcome::Complete { image } => (image, ScanVerdict::Complete),
            ScanOutcome::Unscannable { image, reason } => (image, ScanVerdict::Unscannable { reason: reason.clone() }),
            ScanOutcome::Pending { .. } | ScanOutcome::Ignored { .. } => return None,
        };
        Some(ScanState {
            digest: image.digest.clone(),
            repository: Some(image.repository.clone()),
            verdict,
            observed_at,
        })
    }
}

/// A claim on an approval: whoever holds it may answer it until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub owner: String,
    pub until: DateTime<Utc>,
}

/// An approval as read back from the store, with its claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApproval {
    pub record: ApprovalRecord,
    pub claim: Option<Claim>,
}

/// Everything the store knows about one digest, read in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestState {
    pub approvals: Vec<StoredApproval>,
    pub scan: Option<ScanState>,
}
