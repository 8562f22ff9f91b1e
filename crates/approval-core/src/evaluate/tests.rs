use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::decision::{BlockRule, Verdict};
use crate::finding::{Finding, FindingStatus, Severity};
use crate::policy::Policy;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
}

fn finding(id: &str, severity: Severity) -> Finding {
    Finding {
        id: id.to_owned(),
        severity,
        status: FindingStatus::Active,
        fix_available: Some("YES".into()),
        exploit_available: false,
        epss: None,
        inspector_score: None,
        packages: vec!["pkg".into()],
        repository: Some("web".into()),
    }
}

fn run(findings: &[Finding], policy: &str, repo: Option<&str>) -> crate::Decision {
    let policy = Policy::parse(policy).unwrap();
    evaluate(findings, &policy, &EvalContext { repository: repo, now: now() })
}

#[test]
fn clean_image_is_approved_under_the_default_policy() {
    let d = run(&[finding("CVE-1", Severity::Medium), finding("CVE-2", Severity::Low)], "", None);
    assert_eq!(d.status, Verdict::Approved);
    assert_eq!(d.counts.get(Severity::Medium), 1);
    assert!(d.blocking.is_empty());
    assert!(d.summary.starts_with("Approved: no blocking findings (counted 1 medium, 1 low)"), "{}", d.summary);
}

#[test]
fn one_critical_breaks_the_default_limit_and_every_critical_blocks() {
    let d = run(
        &[
            finding("CVE-B", Severity::Critical),
            finding("CVE-A", Severity::Critical),
            finding("CVE-H", Severity::Medium),
        ],
        "",
        None,
    );
    assert_eq!(d.status, Verdict::Rejected);
    assert_eq!(d.blocking_ids(), ["CVE-A", "CVE-B"]);
    assert_eq!(d.blocking[0].rules, [BlockRule::Limit]);
    assert!(d.summary.starts_with("Rejected: 2 CRITICAL (limit 0); blocking: CVE-A CVE-B"), "{}", d.summary);
}

#[test]
fn suppressed_and_closed_findings_are_ignored() {
    let mut s = finding("CVE-S", Severity::Critical);
    s.status = FindingStatus::Suppressed;
    let mut c = finding("CVE-C", Severity::Critical);
    c.status = FindingStatus::Closed;
    let d = run(&[s, c], "", None);
    assert_eq!(d.status, Verdict::Approved);
    assert_eq!(d.counts.total(), 0);
}

#[test]
fn block_rules_trip_on_single_findings_and_merge_per_id() {
    let mut exploit = finding("CVE-X", Severity::Low);
    exploit.exploit_available = true;
    exploit.epss = Some(0.9);
    let mut twin = exploit.clone();
    twin.packages = vec!["other".into()];
    twin.severity = Severity::High;
    let mut scored = finding("CVE-S", Severity::Medium);
    scored.inspector_score = Some(9.8);
    let d =
        run(&[exploit, twin, scored], "[limits]\nhigh = 5\n[block]\nepss_at_least = 0.5\nscore_at_least = 9.0\n", None);
    assert_eq!(d.status, Verdict::Rejected);
    assert_eq!(d.blocking.len(), 2);
    let x = &d.blocking[0];
    assert_eq!((x.id.as_str(), x.severity), ("CVE-X", Severity::High));
    assert_eq!(x.packages, ["other", "pkg"]);
    assert_eq!(x.rules, [BlockRule::ExploitAvailable, BlockRule::Epss]);
    assert_eq!(d.blocking[1].rules, [BlockRule::Score]);
    assert!(d.summary.contains("exploit available: CVE-X"), "{}", d.summary);
}

#[test]
fn exploit_rule_can_be_turned_off() {
    let mut f = finding("CVE-X", Severity::Low);
    f.exploit_available = true;
    assert_eq!(run(&[f.clone()], "", None).status, Verdict::Rejected);
    assert_eq!(run(&[f], "[block]\nexploit_available = false", None).status, Verdict::Approved);
}

#[test]
fn only_fixable_skips_unfixable_and_absent_fix_but_counts_partial() {
    let mut no = finding("CVE-NO", Severity::Critical);
    no.fix_available = Some("NO".into());
    let mut absent = finding("CVE-ABSENT", Severity::Critical);
    absent.fix_available = None;
    let mut partial = finding("CVE-PARTIAL", Severity::Critical);
    partial.fix_available = Some("PARTIAL".into());
    let d = run(&[no.clone(), absent.clone()], "only_fixable = true", None);
    assert_eq!(d.status, Verdict::Approved);
    let d = run(&[no, absent, partial], "only_fixable = true", None);
    assert_eq!(d.blocking_ids(), ["CVE-PARTIAL"]);
}

#[test]
fn live_allowance_allows_expired_one_is_listed_and_blocks() {
    let policy = "[[allow]]\nid = \"cve-2024-6119\"\nreason = \"not reachable\"\nexpires = \"2026-12-04\"\n\
                  [[allow]]\nid = \"CVE-OLD\"\nreason = \"was fine\"\nexpires = \"2026-12-03\"\n";
    let d = run(&[finding("CVE-2024-6119", Severity::Critical), finding("CVE-OLD", Severity::High)], policy, None);
    assert_eq!(d.allowed.len(), 1);
    assert_eq!(d.allowed[0].reason, "not reachable");
    assert_eq!(d.expired_allowances[0].id, "CVE-OLD");
    assert_eq!(d.expired_allowances[0].expired, "2026-12-03");
    assert_eq!(d.blocking_ids(), ["CVE-OLD"]);
    assert!(d.summary.contains("expired exceptions: CVE-OLD"), "{}", d.summary);
}

#[test]
fn allowance_scoped_to_repositories_and_packages() {
    let policy = "[[allow]]\nid = \"CVE-1\"\nreason = \"r\"\nexpires = \"2027-01-01\"\nrepositories = [\"web/*\"]\npackages = [\"openssl\"]\n";
    let mut f = finding("CVE-1", Severity::Critical);
    f.packages = vec!["openssl".into(), "libssl".into()];
    assert_eq!(run(&[f.clone()], policy, Some("web/api")).status, Verdict::Approved);
    assert_eq!(run(&[f.clone()], policy, Some("batch/api")).status, Verdict::Rejected);
    assert_eq!(
        run(&[f.clone()], policy, None).status,
        Verdict::Rejected,
        "unknown repository never matches a scoped entry"
    );
    f.packages = vec!["zlib".into()];
    assert_eq!(run(&[f], policy, Some("web/api")).status, Verdict::Rejected);
}

#[test]
fn report_mode_approves_and_still_lists_what_would_block() {
    let d = run(&[finding("CVE-1", Severity::Critical)], "mode = \"report\"", None);
    assert_eq!(d.status, Verdict::Approved);
    assert_eq!(d.blocking_ids(), ["CVE-1"]);
    assert!(
        d.summary.starts_with("Approved (report mode; enforce would reject): 1 CRITICAL (limit 0)"),
        "{}",
        d.summary
    );
}

#[test]
fn repository_override_selects_rules() {
    let policy = "[[repository]]\nmatch = \"sandbox/*\"\nmode = \"report\"\n";
    let f = [finding("CVE-1", Severity::Critical)];
    assert_eq!(run(&f, policy, Some("sandbox/x")).status, Verdict::Approved);
    assert_eq!(run(&f, policy, Some("prod/x")).status, Verdict::Rejected);
}

#[test]
fn unscannable_follows_on_unscannable_even_in_report_mode() {
    let reject = Policy::parse("mode = \"report\"").unwrap();
    let d = decide_unscannable("UNSUPPORTED_OS", &reject, Some("web"));
    assert_eq!(d.status, Verdict::Rejected);
    assert!(d.summary.starts_with("Rejected: Inspector cannot scan this image (UNSUPPORTED_OS)"), "{}", d.summary);
    let approve = Policy::parse("on_unscannable = \"approve\"").unwrap();
    assert_eq!(decide_unscannable("UNSUPPORTED_OS", &approve, None).status, Verdict::Approved);
}

#[test]
fn many_blocking_ids_are_capped_in_the_summary() {
    let findings: Vec<Finding> =
        (0..400).map(|i| finding(&format!("CVE-2024-{i:05}-{}", "x".repeat(60)), Severity::Critical)).collect();
    let d = run(&findings, "", None);
    assert!(d.summary.chars().count() <= 512);
    assert!(d.summary.contains("(+395 more)"), "{}", d.summary);
    assert!(d.summary.contains("; policy "), "{}", d.summary);
}

#[test]
fn summary_never_carries_the_token() {
    let token = "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b";
    let d = run(&[finding(token, Severity::Critical)], "", None);
    assert!(d.summary.contains(token));
    assert!(!d.summary_without(token).contains(token));
}

#[test]
fn decision_json_has_the_cli_contract_shape() {
    let mut f = finding("CVE-2024-3094", Severity::Critical);
    f.packages = vec!["xz-utils".into()];
    f.exploit_available = true;
    let v = serde_json::to_value(run(&[f], "", None)).unwrap();
    assert_eq!(v["status"], "Rejected");
    assert_eq!(v["mode"], "enforce");
    assert_eq!(
        v["counts"],
        serde_json::json!({"critical": 1, "high": 0, "medium": 0, "low": 0, "informational": 0, "untriaged": 0})
    );
    assert_eq!(
        v["blocking"][0],
        serde_json::json!({"id": "CVE-2024-3094", "severity": "CRITICAL", "packages": ["xz-utils"], "rules": ["limit", "exploit_available"]})
    );
    assert_eq!(v["policy_sha256"].as_str().unwrap().len(), 64);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 8, "{keys:?}");
}
