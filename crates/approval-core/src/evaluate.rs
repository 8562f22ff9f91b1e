//! `evaluate(findings, policy, context) -> Decision`: the policy's evaluation order (`shared/spec/policy.md`,
//! "Evaluation"), kept free of I/O so the CLI, the Lambdas and other tools decide identically.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::decision::{AllowedFinding, BlockRule, Blocking, BrokenLimit, Counts, Decision, ExpiredAllowance, Verdict};
use crate::finding::{Finding, FindingStatus};
use crate::policy::{Allowance, Mode, OnUnscannable, Policy};

/// What evaluation needs besides findings and policy.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// The image's repository name, for `[[repository]]` and `allow.repositories`.
    pub repository: Option<&'a str>,
    /// The time allowlist expiry is judged at.
    pub now: DateTime<Utc>,
}

fn allowance_matches(a: &Allowance, f: &Finding, repository: Option<&str>) -> bool {
    a.id.eq_ignore_ascii_case(&f.id)
        && a.repositories.as_ref().is_none_or(|globs| repository.is_some_and(|r| globs.iter().any(|g| g.matches(r))))
        && a.packages.as_ref().is_none_or(|names| f.packages.iter().any(|p| names.contains(p)))
}

pub fn evaluate(findings: &[Finding], policy: &Policy, ctx: &EvalContext<'_>) -> Decision {
    let rules = policy.rules_for(ctx.repository);
    let mut counts = Counts::default();
    let mut allowed: Vec<AllowedFinding> = Vec::new();
    let mut expired: Vec<ExpiredAllowance> = Vec::new();
    let mut blocking: BTreeMap<&str, Blocking> = BTreeMap::new();
    let mut counted: Vec<&Finding> = Vec::new();

    for f in findings.iter().filter(|f| f.status == FindingStatus::Active) {
        let mut live = None;
        for a in policy.allow.iter().filter(|a| allowance_matches(a, f, ctx.repository)) {
            if ctx.now < a.expires_at {
                live.get_or_insert(a);
            } else if !expired.iter().any(|e| e.id == a.id && e.expired == a.expires) {
                expired.push(ExpiredAllowance { id: a.id.clone(), expired: a.expires.clone() });
            }
        }
        if let Some(a) = live {
            if !allowed.iter().any(|x| x.id == f.id) {
                allowed.push(AllowedFinding { id: f.id.clone(), reason: a.reason.clone(), expires: a.expires.clone() });
            }
            continue;
        }
        if rules.only_fixable && !f.is_fixable() {
            continue;
        }
        counts.0[f.severity.index()] += 1;
        counted.push(f);
        let b = &rules.block;
        let tripped = [
            (b.exploit_available && f.exploit_available, BlockRule::ExploitAvailable),
            (b.epss_at_least.is_some_and(|t| f.epss.is_some_and(|e| e >= t)), BlockRule::Epss),
            (b.score_at_least.is_some_and(|t| f.inspector_score.is_some_and(|s| s >= t)), BlockRule::Score),
        ];
        for (hit, rule) in tripped {
            if hit {
                add_blocking(&mut blocking, f, rule);
            }
        }
    }

    let broken_limits: Vec<BrokenLimit> = crate::finding::Severity::ALL
        .iter()
        .filter_map(|&severity| {
            let limit = rules.limits.get(severity)?;
            let count = counts.get(severity);
            (count > limit).then_some(BrokenLimit { severity, count, limit })
        })
        .collect();
    for f in &counted {
        if broken_limits.iter().any(|b| b.severity == f.severity) {
            add_blocking(&mut blocking, f, BlockRule::Limit);
        }
    }

    let mut blocking: Vec<Blocking> = blocking.into_values().collect();
    blocking.sort_by(|a, b| a.severity.cmp(&b.severity).then_with(|| a.id.cmp(&b.id)));
    let status =
        if !blocking.is_empty() && rules.mode == Mode::Enforce { Verdict::Rejected } else { Verdict::Approved };
    let mut decision = Decision {
        status,
        mode: rules.mode,
        summary: String::new(),
        counts,
        blocking,
        allowed,
        expired_allowances: expired,
        policy_sha256: policy.sha256().to_owned(),
        broken_limits,
        unscannable: None,
        repository: ctx.repository.map(str::to_owned),
    };
    decision.write_summary();
    decision
}

fn add_blocking<'f>(blocking: &mut BTreeMap<&'f str, Blocking>, f: &'f Finding, rule: BlockRule) {
    let entry = blocking.entry(f.id.as_str()).or_insert_with(|| Blocking {
        id: f.id.clone(),
        severity: f.severity,
        packages: Vec::new(),
        rules: Vec::new(),
    });
    // One id can appear on several findings (several packages): keep the worst severity and every package.
    entry.severity = entry.severity.min(f.severity);
    for p in &f.packages {
        if !entry.packages.contains(p) {
            entry.packages.push(p.clone());
        }
    }
    entry.packages.sort();
    if !entry.rules.contains(&rule) {
        entry.rules.push(rule);
        entry.rules.sort();
    }
}

/// The decision for an image Inspector cannot scan: `on_unscannable` alone decides, in report mode too,
/// since there are no findings to report on.
pub fn decide_unscannable(reason: &str, policy: &Policy, repository: Option<&str>) -> Decision {
    let rules = policy.rules_for(repository);
    let status = match rules.on_unscannable {
        OnUnscannable::Reject => Verdict::Rejected,
        OnUnscannable::Approve => Verdict::Approved,
    };
    let mut decision = Decision {
        status,
        mode: rules.mode,
        summary: String::new(),
        counts: Counts::default(),
        blocking: Vec::new(),
        allowed: Vec::new(),
        expired_allowances: Vec::new(),
        policy_sha256: policy.sha256().to_owned(),
        broken_limits: Vec::new(),
        unscannable: Some(reason.to_owned()),
        repository: repository.map(str::to_owned),
    };
    decision.write_summary();
    decision
}

#[cfg(test)]
mod tests;
