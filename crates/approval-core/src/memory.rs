//! In-memory implementations of the ports, with the same conditional semantics as the DynamoDB store. Used by
//! the flow tests, and by tools that want a dry run without AWS.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::decision::Verdict;
use crate::finding::Finding;
use crate::ids::{ImageDigest, RepositoryName};
use crate::ports::{
    ApprovalStore, ApproveError, FindingsSource, Inserted, PipelineApprover, PortError, ScanStatusSource,
};
use crate::record::{
    ApprovalKey, ApprovalRecord, ApprovalState, Claim, DecisionRecord, DigestState, ScanState, ScanVerdict,
    StoredApproval,
};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not hide the state from the assertions that follow.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Default)]
struct Tables {
    approvals: BTreeMap<(ImageDigest, String), StoredApproval>,
    scans: BTreeMap<ImageDigest, ScanState>,
}

fn sort_key(key: &ApprovalKey) -> String {
    format!("{}#{}#{}#{}", key.pipeline, key.stage, key.action, key.token.expose())
}

/// The approval store in memory.
#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
    /// When set, every call fails with this message (to test that failures never decide).
    pub fail_with: Mutex<Option<String>>,
}

impl MemoryStore {
    fn check(&self, call: &str) -> Result<(), PortError> {
        match lock(&self.fail_with).as_ref() {
            Some(message) => Err(PortError::new(call, message.clone())),
            None => Ok(()),
        }
    }

    pub fn approval(&self, key: &ApprovalKey) -> Option<StoredApproval> {
        lock(&self.tables).approvals.get(&(key.digest.clone(), sort_key(key))).cloned()
    }

    pub fn scan(&self, digest: &ImageDigest) -> Option<ScanState> {
        lock(&self.tables).scans.get(digest).cloned()
    }

    /// Sets a claim directly, as a crashed run would leave it.
    pub fn force_claim(&self, key: &ApprovalKey, owner: &str, until: DateTime<Utc>) {
        if let Some(a) = lock(&self.tables).approvals.get_mut(&(key.digest.clone(), sort_key(key))) {
            a.claim = Some(Claim { owner: owner.to_owned(), until });
        }
    }
}

impl ApprovalStore for MemoryStore {
    async fn insert_approval(&self, record: &ApprovalRecord) -> Result<Inserted, PortError> {
        self.check("memory insert")?;
        let mut t = lock(&self.tables);
        let k = (record.key.digest.clone(), sort_key(&record.key));
        if t.approvals.contains_key(&k) {
            return Ok(Inserted::Duplicate);
        }
        t.approvals.insert(k, StoredApproval { record: record.clone(), claim: None });
        Ok(Inserted::New)
    }

    async fn digest_state(&self, digest: &ImageDigest) -> Result<DigestState, PortError> {
        self.check("memory query")?;
        let t = lock(&self.tables);
        Ok(DigestState {
            approvals: t.approvals.iter().filter(|((d, _), _)| d == digest).map(|(_, a)| a.clone()).collect(),
            scan: t.scans.get(digest).cloned(),
        })
    }

    async fn retire(&self, key: &ApprovalKey, to: ApprovalState) -> Result<bool, PortError> {
        self.check("memory retire")?;
        let mut t = lock(&self.tables);
        match t.approvals.get_mut(&(key.digest.clone(), sort_key(key))) {
            Some(a) if a.record.state == ApprovalState::Pending => {
                a.record.state = to;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn remember_scan(&self, scan: &ScanState) -> Result<(), PortError> {
        self.check("memory remember scan")?;
        let mut t = lock(&self.tables);
        let newer_stored = t.scans.get(&scan.digest).is_some_and(|s| s.observed_at > scan.observed_at);
        if !newer_stored {
            t.scans.insert(scan.digest.clone(), scan.clone());
        }
        Ok(())
    }

    async fn claim(
        &self,
        key: &ApprovalKey,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        self.check("memory claim")?;
        let mut t = lock(&self.tables);
        let Some(a) = t.approvals.get_mut(&(key.digest.clone(), sort_key(key))) else { return Ok(false) };
        let free = a.claim.as_ref().is_none_or(|c| c.until <= now);
        if a.record.state == ApprovalState::Pending && a.record.expires > now && free {
            a.claim = Some(Claim { owner: owner.to_owned(), until });
            Ok(true)
        } else {
            Ok(false)
        }
    }

    async fn finish(
        &self,
        key: &ApprovalKey,
        owner: &str,
        state: ApprovalState,
        decision: &DecisionRecord,
    ) -> Result<(), PortError> {
        self.check("memory finish")?;
        let mut t = lock(&self.tables);
        match t.approvals.get_mut(&(key.digest.clone(), sort_key(key))) {
            Some(a) if a.claim.as_ref().is_some_and(|c| c.owner == owner) => {
                a.record.state = state;
                a.record.decision = Some(decision.clone());
                a.claim = None;
                Ok(())
            }
            _ => Err(PortError::new("memory finish", format!("claim on {} lost", key.token.prefix()))),
        }
    }

    async fn release(&self, key: &ApprovalKey, owner: &str) -> Result<(), PortError> {
        self.check("memory release")?;
        let mut t = lock(&self.tables);
        if let Some(a) = t.approvals.get_mut(&(key.digest.clone(), sort_key(key)))
            && a.claim.as_ref().is_some_and(|c| c.owner == owner)
        {
            a.claim = None;
        }
        Ok(())
    }

    async fn pending(&self, digest: Option<&ImageDigest>) -> Result<Vec<ApprovalRecord>, PortError> {
        self.check("memory pending")?;
        let t = lock(&self.tables);
        Ok(t.approvals
            .iter()
            .filter(|((d, _), a)| digest.is_none_or(|x| x == d) && a.record.state == ApprovalState::Pending)
            .map(|(_, a)| a.record.clone())
            .collect())
    }
}

/// Findings and scan verdicts in memory, keyed by digest.
#[derive(Default)]
pub struct MemoryScanner {
    pub findings: Mutex<BTreeMap<ImageDigest, Vec<Finding>>>,
    pub verdicts: Mutex<BTreeMap<ImageDigest, (RepositoryName, ScanVerdict)>>,
    /// Failures to serve before answering again (throttling, 500s).
    pub failures_left: Mutex<u32>,
    pub calls: Mutex<u32>,
    /// When set, ListCoverage fails.
    pub coverage_fails: Mutex<bool>,
}

impl FindingsSource for MemoryScanner {
    async fn active_findings(
        &self,
        digest: &ImageDigest,
        _repository: Option<&RepositoryName>,
    ) -> Result<Vec<Finding>, PortError> {
        *lock(&self.calls) += 1;
        let mut left = lock(&self.failures_left);
        if *left > 0 {
            *left -= 1;
            return Err(PortError::new("Inspector ListFindings", "ThrottlingException: Rate exceeded"));
        }
        Ok(lock(&self.findings).get(digest).cloned().unwrap_or_default())
    }
}

impl ScanStatusSource for MemoryScanner {
    async fn scan_verdict(
        &self,
        digest: &ImageDigest,
        _repository: Option<&RepositoryName>,
    ) -> Result<Option<(RepositoryName, ScanVerdict)>, PortError> {
        if *lock(&self.coverage_fails) {
            return Err(PortError::new("Inspector ListCoverage", "UnknownOperationException"));
        }
        Ok(lock(&self.verdicts).get(digest).cloned())
    }
}

/// One PutApprovalResult call as the fake pipeline saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentResult {
    pub key: ApprovalKey,
    pub status: Verdict,
    pub summary: String,
}

/// A pipeline that records results and can be told to refuse them.
#[derive(Default)]
pub struct MemoryPipeline {
    pub sent: Mutex<Vec<SentResult>>,
    /// The next answers to give instead of success, in order.
    pub refusals: Mutex<Vec<ApproveError>>,
}

impl MemoryPipeline {
    pub fn sent(&self) -> Vec<SentResult> {
        lock(&self.sent).clone()
    }
}

impl PipelineApprover for MemoryPipeline {
    async fn put_approval_result(&self, key: &ApprovalKey, status: Verdict, summary: &str) -> Result<(), ApproveError> {
        let mut refusals = lock(&self.refusals);
        if !refusals.is_empty() {
            return Err(refusals.remove(0));
        }
        lock(&self.sent).push(SentResult { key: key.clone(), status, summary: summary.to_owned() });
        Ok(())
    }
}
