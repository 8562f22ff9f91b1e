//! The decision: what the gate answers and why, in the shape `approval-gate evaluate --json` prints and with
//! the summary that PutApprovalResult carries (at most 512 characters).

use std::fmt::Write as _;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::finding::Severity;
use crate::policy::Mode;

/// The answer to an approval, spelled as CodePipeline spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    Approved,
    Rejected,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approved => "Approved",
            Verdict::Rejected => "Rejected",
        }
    }
}

/// Why a finding blocks. Serialized as the CLI contract's `rules` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockRule {
    Limit,
    ExploitAvailable,
    Epss,
    Score,
}

/// Counted findings per severity, indexed by [`Severity::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts(pub [u64; 6]);

impl Counts {
    pub fn get(&self, s: Severity) -> u64 {
        self.0[s.index()]
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl Serialize for Counts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(6))?;
        for sev in Severity::ALL {
            map.serialize_entry(sev.as_lower(), &self.get(sev))?;
        }
        map.end()
    }
}

/// A vulnerability that blocks the image, its rules merged over all its findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocking {
    pub id: String,
    pub severity: Severity,
    pub packages: Vec<String>,
    pub rules: Vec<BlockRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowedFinding {
    pub id: String,
    pub reason: String,
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiredAllowance {
    pub id: String,
    pub expired: String,
}

/// A severity whose count went over its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenLimit {
    pub severity: Severity,
    pub count: u64,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub status: Verdict,
    pub mode: Mode,
    pub summary: String,
    pub counts: Counts,
    pub blocking: Vec<Blocking>,
    pub allowed: Vec<AllowedFinding>,
    pub expired_allowances: Vec<ExpiredAllowance>,
    pub policy_sha256: String,
    #[serde(skip)]
    pub broken_limits: Vec<BrokenLimit>,
    /// Inspector's reason when the image could not be scanned.
    #[serde(skip)]
    pub unscannable: Option<String>,
    /// The repository the rules were chosen for.
    #[serde(skip)]
    pub repository: Option<String>,
}

/// PutApprovalResult refuses longer summaries.
pub const SUMMARY_MAX_CHARS: usize = 512;
/// How many blocking ids a summary names before "(+N more)".
const SUMMARY_IDS: usize = 5;
/// A hostile finding id must not crowd everything else out of the summary.
const SUMMARY_ID_CHARS: usize = 48;

impl Decision {
    /// The summary with every occurrence of `token` removed: findings come from outside, and an approval
    /// token must never travel in a summary.
    pub fn summary_without(&self, token: &str) -> String {
        if token.is_empty() || !self.summary.contains(token) {
            return self.summary.clone();
        }
        truncate_chars(&self.summary.replace(token, "[redacted]"), SUMMARY_MAX_CHARS)
    }

    pub fn blocking_ids(&self) -> Vec<&str> {
        self.blocking.iter().map(|b| b.id.as_str()).collect()
    }

    /// Writes the summary from the decision's other fields.
    pub(crate) fn write_summary(&mut self) {
        let mut s = String::new();
        let blocked = !self.blocking.is_empty();
        let fingerprint = &self.policy_sha256[..self.policy_sha256.len().min(12)];
        if let Some(reason) = &self.unscannable {
            let _ = write!(
                s,
                "{}: Inspector cannot scan this image ({}); policy on_unscannable = {}",
                self.status.as_str(),
                short(reason),
                if self.status == Verdict::Approved { "approve" } else { "reject" }
            );
        } else if !blocked {
            let _ = write!(s, "Approved: no blocking findings ({})", self.count_text());
            if !self.allowed.is_empty() {
                let _ = write!(s, "; {} allowed by exception", self.allowed.len());
            }
        } else {
            match (self.status, self.mode) {
                (Verdict::Rejected, _) => s.push_str("Rejected: "),
                (Verdict::Approved, _) => s.push_str("Approved (report mode; enforce would reject): "),
            }
            let mut parts: Vec<String> =
                self.broken_limits.iter().map(|b| format!("{} {} (limit {})", b.count, b.severity, b.limit)).collect();
            for (rule, label) in [
                (BlockRule::ExploitAvailable, "exploit available"),
                (BlockRule::Epss, "high EPSS"),
                (BlockRule::Score, "high Inspector score"),
            ] {
                let ids: Vec<&str> =
                    self.blocking.iter().filter(|b| b.rules.contains(&rule)).map(|b| b.id.as_str()).collect();
                if !ids.is_empty() {
                    parts.push(format!("{label}: {}", id_list(&ids)));
                }
            }
            s.push_str(&parts.join("; "));
            let _ = write!(s, "; blocking: {}", id_list(&self.blocking_ids()));
        }
        if !self.expired_allowances.is_empty() {
            let ids: Vec<&str> = self.expired_allowances.iter().map(|e| e.id.as_str()).collect();
            let _ = write!(s, "; expired exceptions: {}", id_list(&ids));
        }
        let _ = write!(s, "; policy {fingerprint}");
        self.summary = truncate_chars(&s, SUMMARY_MAX_CHARS);
    }

    fn count_text(&self) -> String {
        let parts: Vec<String> = Severity::ALL
            .iter()
            .filter(|s| self.counts.get(**s) > 0)
            .map(|s| format!("{} {}", self.counts.get(*s), s.as_lower()))
            .collect();
        if parts.is_empty() { "0 counted findings".to_owned() } else { format!("counted {}", parts.join(", ")) }
    }
}

fn short(text: &str) -> String {
    truncate_chars(text, SUMMARY_ID_CHARS)
}

fn id_list(ids: &[&str]) -> String {
    let mut out: Vec<String> = ids.iter().take(SUMMARY_IDS).map(|id| short(id)).collect();
    if ids.len() > SUMMARY_IDS {
        out.push(format!("(+{} more)", ids.len() - SUMMARY_IDS));
    }
    out.join(" ")
}

/// Cuts to at most `max` characters on a character boundary, marking the cut with `…`.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_characters_not_bytes() {
        let text = "é".repeat(600);
        let cut = truncate_chars(&text, 512);
        assert_eq!(cut.chars().count(), 512);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate_chars("short", 512), "short");
    }
}
