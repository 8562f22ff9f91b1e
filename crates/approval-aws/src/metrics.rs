//! Decision metrics as CloudWatch Embedded Metric Format: one JSON line on stdout per decision outcome, which
//! CloudWatch Logs turns into metrics without any API call (namespace from `METRICS_NAMESPACE`, default
//! `ApprovalGate`; dimension `Decision`).

use std::collections::BTreeMap;

use approval_core::Verdict;
use approval_core::flow::{DecideReport, Settled};
use serde_json::{Value, json};

pub const DEFAULT_NAMESPACE: &str = "ApprovalGate";

/// The namespace from `METRICS_NAMESPACE`, else the default.
pub fn namespace_from_env() -> String {
    std::env::var("METRICS_NAMESPACE").ok().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| DEFAULT_NAMESPACE.into())
}

fn emf(namespace: &str, timestamp_ms: i64, decision: &str, values: &[(&str, &str, f64)]) -> Value {
    let mut line = json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["Decision"]],
                "Metrics": values.iter().map(|(name, unit, _)| json!({"Name": name, "Unit": unit})).collect::<Vec<_>>(),
            }]
        },
        "Decision": decision,
    });
    for (name, _, value) in values {
        line[*name] = json!(value);
    }
    line
}

/// The EMF lines of one decide run: one per answer status (approvals, rejections, unscannable images, the
/// longest wait from recording to answer, findings read).
pub fn decision_lines(report: &DecideReport, namespace: &str, timestamp_ms: i64) -> Vec<Value> {
    let mut by_status: BTreeMap<&'static str, (u32, i64)> = BTreeMap::new();
    for s in &report.settled {
        if let Settled::Answered { status, waited, .. } = s {
            let entry = by_status.entry(status.as_str()).or_default();
            entry.0 += 1;
            entry.1 = entry.1.max(waited.num_milliseconds());
        }
    }
    by_status
        .into_iter()
        .map(|(status, (count, waited_ms))| {
            let unscannable =
                report.decisions.iter().filter(|d| d.status.as_str() == status && d.unscannable.is_some()).count();
            let approved = status == Verdict::Approved.as_str();
            emf(
                namespace,
                timestamp_ms,
                status,
                &[
                    ("Approvals", "Count", if approved { f64::from(count) } else { 0.0 }),
                    ("Rejections", "Count", if approved { 0.0 } else { f64::from(count) }),
                    ("UnscannableImages", "Count", unscannable as f64),
                    ("TimeToDecision", "Milliseconds", waited_ms as f64),
                    ("FindingsRead", "Count", report.findings_read as f64),
                ],
            )
        })
        .collect()
}

/// The EMF line of a run that failed on an AWS call (or a contended claim).
pub fn error_line(namespace: &str, timestamp_ms: i64) -> Value {
    emf(namespace, timestamp_ms, "Error", &[("AwsCallErrors", "Count", 1.0)])
}

/// Writes the lines to stdout, where Lambda sends them to CloudWatch Logs.
pub fn emit(lines: &[Value]) {
    for line in lines {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approval_core::ApprovalToken;
    use approval_core::record::ApprovalKey;
    use chrono::Duration;

    fn key(n: u8) -> ApprovalKey {
        ApprovalKey {
            digest: approval_core::ImageDigest::parse(&format!("sha256:{}", "a".repeat(64))).unwrap(),
            pipeline: approval_core::PipelineName::parse("P").unwrap(),
            stage: approval_core::StageName::parse("S").unwrap(),
            action: approval_core::ActionName::parse("A").unwrap(),
            token: ApprovalToken::parse(&format!("{n:08x}-7d4a-4e8b-9a51-2c6d8e0f1a7b")).unwrap(),
        }
    }

    #[test]
    fn one_line_per_status_with_counts_and_the_longest_wait() {
        let report = DecideReport {
            settled: vec![
                Settled::Answered { key: key(1), status: Verdict::Rejected, waited: Duration::seconds(3) },
                Settled::Answered { key: key(2), status: Verdict::Rejected, waited: Duration::seconds(7) },
                Settled::Expired { key: key(3) },
            ],
            findings_read: 42,
            ..DecideReport::default()
        };
        let lines = decision_lines(&report, "Gate", 1_700_000_000_000);
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(l["Decision"], "Rejected");
        assert_eq!(l["Rejections"], 2.0);
        assert_eq!(l["Approvals"], 0.0);
        assert_eq!(l["TimeToDecision"], 7000.0);
        assert_eq!(l["FindingsRead"], 42.0);
        assert_eq!(l["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Gate");
        let names: Vec<&str> = l["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        for name in names {
            assert!(l.get(name).is_some(), "metric {name} has no value");
        }
    }

    #[test]
    fn nothing_answered_means_no_line_and_errors_have_their_own() {
        assert!(decision_lines(&DecideReport::default(), "Gate", 0).is_empty());
        assert_eq!(error_line("Gate", 0)["AwsCallErrors"], 1.0);
    }
}
