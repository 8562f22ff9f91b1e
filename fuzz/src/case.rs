//! Arbitrary findings and policies for the invariant target. The policy is generated as a structure and
//! written out as TOML, so that most cases are valid policies and the fuzzer spends its time in evaluation
//! rather than in the TOML parser (the `policy_toml` target covers that).

use approval_core::finding::{Finding, FindingStatus, Severity};
use arbitrary::Arbitrary;
use chrono::{DateTime, TimeZone, Utc};
use toml::{Table, Value};

/// libFuzzer builds the case with `arbitrary_take_rest`, so the last field takes every byte left: the findings
/// go last (and there is always one), or a single early byte would end the list and most cases would judge
/// nothing.
#[derive(Debug, Arbitrary)]
pub struct EvalCase {
    policy: ArbPolicy,
    repository: Option<ArbName>,
    /// Days after 2024-01-01 the evaluation happens at (allowlist expiry).
    day: u16,
    first: ArbFinding,
    findings: Vec<ArbFinding>,
}

#[derive(Debug, Arbitrary)]
struct ArbFinding {
    id: ArbName,
    severity: u8,
    status: u8,
    fix: u8,
    exploit: bool,
    epss: Option<f64>,
    score: Option<f64>,
    packages: Vec<ArbName>,
}

/// Mostly names from a small set, so that allowlist entries and overrides actually meet findings; sometimes
/// anything at all (long, non-ASCII, control characters) to stress the summary. A blank one becomes a known
/// name: ids, reasons and globs must not be blank, and a policy refused for that would test nothing.
#[derive(Debug, Arbitrary)]
enum ArbName {
    Known(u8),
    Any(String),
}

impl ArbName {
    fn text(&self) -> String {
        const KNOWN: &[&str] = &["CVE-2024-6119", "cve-2024-6119", "CVE-2023-0001", "openssl", "web", "sandbox/api"];
        match self {
            ArbName::Known(i) => KNOWN[usize::from(*i) % KNOWN.len()].to_owned(),
            ArbName::Any(s) if s.trim().is_empty() => KNOWN[0].to_owned(),
            ArbName::Any(s) => s.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct ArbRules {
    mode: Option<bool>,
    only_fixable: Option<bool>,
    on_unscannable: Option<bool>,
    limits: Option<Vec<(u8, u8)>>,
    exploit_available: Option<bool>,
    epss_at_least: Option<u8>,
    score_at_least: Option<u8>,
}

#[derive(Debug, Arbitrary)]
struct ArbAllow {
    id: ArbName,
    reason: ArbName,
    /// Days after 2024-01-01.
    expires: u16,
    repositories: Option<Vec<ArbName>>,
    packages: Option<Vec<ArbName>>,
}

#[derive(Debug, Arbitrary)]
struct ArbOverride {
    pattern: ArbName,
    rules: ArbRules,
}

#[derive(Debug, Arbitrary)]
struct ArbPolicy {
    rules: ArbRules,
    allow: Vec<ArbAllow>,
    repository: Vec<ArbOverride>,
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().unwrap_or_default()
}

fn severity(n: u8) -> Severity {
    Severity::ALL[usize::from(n) % Severity::ALL.len()]
}

impl ArbRules {
    fn write(&self, t: &mut Table) {
        if let Some(report) = self.mode {
            t.insert("mode".into(), Value::from(if report { "report" } else { "enforce" }));
        }
        if let Some(b) = self.only_fixable {
            t.insert("only_fixable".into(), Value::from(b));
        }
        if let Some(approve) = self.on_unscannable {
            t.insert("on_unscannable".into(), Value::from(if approve { "approve" } else { "reject" }));
        }
        if let Some(limits) = &self.limits {
            let table: Table = limits
                .iter()
                .map(|&(s, n)| (severity(s).as_lower().to_owned(), Value::from(i64::from(n % 4))))
                .collect();
            t.insert("limits".into(), Value::Table(table));
        }
        let mut block = Table::new();
        if let Some(b) = self.exploit_available {
            block.insert("exploit_available".into(), Value::from(b));
        }
        if let Some(e) = self.epss_at_least {
            block.insert("epss_at_least".into(), Value::from(f64::from(e % 101) / 100.0));
        }
        if let Some(s) = self.score_at_least {
            block.insert("score_at_least".into(), Value::from(f64::from(s % 101) / 10.0));
        }
        if !block.is_empty() {
            t.insert("block".into(), Value::Table(block));
        }
    }
}

impl EvalCase {
    pub fn policy_toml(&self) -> String {
        let mut t = Table::new();
        self.policy.rules.write(&mut t);
        let allow: Vec<Value> = self
            .policy
            .allow
            .iter()
            .map(|a| {
                let mut e = Table::new();
                e.insert("id".into(), Value::from(a.id.text()));
                e.insert("reason".into(), Value::from(a.reason.text()));
                let expires = epoch() + chrono::Duration::days(i64::from(a.expires));
                e.insert("expires".into(), Value::from(expires.format("%Y-%m-%d").to_string()));
                if let Some(repos) = &a.repositories {
                    e.insert("repositories".into(), Value::from(repos.iter().map(ArbName::text).collect::<Vec<_>>()));
                }
                if let Some(packages) = &a.packages {
                    e.insert("packages".into(), Value::from(packages.iter().map(ArbName::text).collect::<Vec<_>>()));
                }
                Value::Table(e)
            })
            .collect();
        if !allow.is_empty() {
            t.insert("allow".into(), Value::Array(allow));
        }
        let overrides: Vec<Value> = self
            .policy
            .repository
            .iter()
            .map(|o| {
                let mut e = Table::new();
                e.insert("match".into(), Value::from(o.pattern.text()));
                o.rules.write(&mut e);
                Value::Table(e)
            })
            .collect();
        if !overrides.is_empty() {
            t.insert("repository".into(), Value::Array(overrides));
        }
        match toml::to_string(&t) {
            Ok(text) => text,
            Err(e) => panic!("a generated policy does not serialize: {e}"),
        }
    }

    pub fn findings(&self) -> Vec<Finding> {
        const STATUS: [FindingStatus; 3] = [FindingStatus::Active, FindingStatus::Suppressed, FindingStatus::Closed];
        const FIX: [Option<&str>; 5] = [None, Some("YES"), Some("NO"), Some("PARTIAL"), Some("MAYBE")];
        std::iter::once(&self.first)
            .chain(&self.findings)
            .map(|f| Finding {
                id: f.id.text(),
                severity: severity(f.severity),
                status: STATUS[usize::from(f.status) % STATUS.len()],
                fix_available: FIX[usize::from(f.fix) % FIX.len()].map(str::to_owned),
                exploit_available: f.exploit,
                epss: f.epss,
                inspector_score: f.score,
                packages: f.packages.iter().map(ArbName::text).collect(),
                repository: self.repository().map(str::to_owned),
            })
            .collect()
    }

    pub fn repository(&self) -> Option<&str> {
        match &self.repository {
            Some(ArbName::Any(s)) => Some(s.as_str()),
            Some(ArbName::Known(i)) => Some(["web", "sandbox/api", "other"][usize::from(*i) % 3]),
            None => None,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        epoch() + chrono::Duration::days(i64::from(self.day % 2000))
    }
}
