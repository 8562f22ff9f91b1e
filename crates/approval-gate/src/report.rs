//! The human report of a decision: a status line, the counts, a table of blocking findings, the
//! allowances and the summary as the pipeline shows it.

use std::fmt::Write as _;

use approval_core::Decision;
use approval_core::finding::Severity;

pub fn human(d: &Decision) -> String {
    let mut out = String::new();
    let repo = d.repository.as_deref().map(|r| format!(", repository {r}")).unwrap_or_default();
    let _ = writeln!(out, "{} ({} mode{repo}, policy {})", d.status.as_str(), d.mode.as_str(), &d.policy_sha256[..12]);
    let counts: Vec<String> = Severity::ALL.iter().map(|s| format!("{} {}", d.counts.get(*s), s.as_lower())).collect();
    let _ = writeln!(out, "counted: {}", counts.join(", "));
    if let Some(reason) = &d.unscannable {
        let _ = writeln!(out, "image not scannable: {reason}");
    }
    if !d.blocking.is_empty() {
        let width = d.blocking.iter().map(|b| b.id.chars().count()).max().unwrap_or(0).min(40);
        let _ = writeln!(out, "\nblocking ({}):", d.blocking.len());
        for b in &d.blocking {
            let rules: Vec<String> = b.rules.iter().map(|r| format!("{r:?}")).map(|r| snake(&r)).collect();
            let _ = writeln!(
                out,
                "  {:<13} {:<width$}  {:<24}  {}",
                b.severity.as_upper(),
                b.id,
                b.packages.join(","),
                rules.join(", ")
            );
        }
    }
    if !d.allowed.is_empty() {
        let _ = writeln!(out, "\nallowed by exception:");
        for a in &d.allowed {
            let _ = writeln!(out, "  {}  until {}  {}", a.id, a.expires, a.reason);
        }
    }
    if !d.expired_allowances.is_empty() {
        let _ = writeln!(out, "\nexpired exceptions (no longer allow anything):");
        for e in &d.expired_allowances {
            let _ = writeln!(out, "  {}  expired {}", e.id, e.expired);
        }
    }
    let _ = writeln!(out, "\nsummary: {}", d.summary);
    out
}

fn snake(camel: &str) -> String {
    let mut s = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            s.push('_');
        }
        s.extend(c.to_lowercase());
    }
    s
}
