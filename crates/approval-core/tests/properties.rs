//! Property tests of the policy's invariants, over generated findings and policies.

use approval_core::decision::{SUMMARY_MAX_CHARS, Verdict};
use approval_core::finding::{Finding, FindingStatus, Severity};
use approval_core::policy::Policy;
use approval_core::{EvalContext, evaluate};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

fn severity() -> impl Strategy<Value = Severity> {
    prop::sample::select(Severity::ALL.to_vec())
}

fn finding() -> impl Strategy<Value = Finding> {
    (
        prop_oneof![3 => "CVE-20[0-9]{2}-[0-9]{1,5}", 1 => "\\PC{0,80}"],
        severity(),
        prop::sample::select(vec![FindingStatus::Active, FindingStatus::Suppressed, FindingStatus::Closed]),
        prop::option::of(prop::sample::select(vec!["YES", "NO", "PARTIAL"])),
        any::<bool>(),
        prop::option::of(0.0f64..=1.0),
        prop::option::of(0.0f64..=10.0),
        prop::collection::vec("[a-z]{1,8}", 0..3),
    )
        .prop_map(|(id, severity, status, fix, exploit, epss, score, packages)| Finding {
            id,
            severity,
            status,
            fix_available: fix.map(str::to_owned),
            exploit_available: exploit,
            epss,
            inspector_score: score,
            packages,
            repository: Some("web".into()),
        })
}

fn policy_text() -> impl Strategy<Value = String> {
    (
        prop::option::of(prop::sample::select(vec!["enforce", "report"])),
        any::<bool>(),
        prop::collection::vec((severity(), 0u64..4), 0..4),
        prop::option::of(any::<bool>()),
        prop::option::of(0.0f64..=1.0),
        prop::option::of(0.0f64..=10.0),
        prop::collection::vec(("CVE-20[0-9]{2}-[0-9]{1,5}", prop::bool::ANY), 0..3),
    )
        .prop_map(|(mode, only_fixable, limits, exploit, epss, score, allows)| {
            let mut t = String::new();
            if let Some(m) = mode {
                t += &format!("mode = \"{m}\"\n");
            }
            t += &format!("only_fixable = {only_fixable}\n");
            if !limits.is_empty() {
                t += "[limits]\n";
                let mut seen = Vec::new();
                for (s, l) in limits {
                    if !seen.contains(&s) {
                        seen.push(s);
                        t += &format!("{} = {l}\n", s.as_lower());
                    }
                }
            }
            t += "[block]\n";
            if let Some(e) = exploit {
                t += &format!("exploit_available = {e}\n");
            }
            if let Some(e) = epss {
                t += &format!("epss_at_least = {e:?}\n");
            }
            if let Some(s) = score {
                t += &format!("score_at_least = {s:?}\n");
            }
            for (id, live) in allows {
                let expires = if live { "2030-01-01" } else { "2020-01-01" };
                t += &format!("[[allow]]\nid = \"{id}\"\nreason = \"r\"\nexpires = \"{expires}\"\n");
            }
            t
        })
}

fn ctx() -> EvalContext<'static> {
    EvalContext { repository: Some("web"), now: Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap() }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn adding_a_counted_finding_never_turns_rejected_into_approved(
        text in policy_text(), findings in prop::collection::vec(finding(), 0..30), extra in finding()
    ) {
        let policy = Policy::parse(&text).unwrap();
        let before = evaluate(&findings, &policy, &ctx());
        let mut more = findings.clone();
        more.push(extra);
        let after = evaluate(&more, &policy, &ctx());
        if before.status == Verdict::Rejected {
            prop_assert_eq!(after.status, Verdict::Rejected);
        }
    }

    #[test]
    fn report_mode_never_rejects_a_scanned_image(text in policy_text(), findings in prop::collection::vec(finding(), 0..40)) {
        let policy = Policy::parse(&format!("mode = \"report\"\n{}", text.replace("mode = \"enforce\"\n", "").replace("mode = \"report\"\n", ""))).unwrap();
        prop_assert_eq!(evaluate(&findings, &policy, &ctx()).status, Verdict::Approved);
    }

    #[test]
    fn a_finding_covered_by_a_live_allow_entry_never_blocks(text in policy_text(), findings in prop::collection::vec(finding(), 1..30)) {
        let target = findings[0].id.replace(['"', '\\'], "").replace(|c: char| c.is_control(), "");
        prop_assume!(!target.is_empty() && target == findings[0].id);
        let policy = Policy::parse(&format!("{text}[[allow]]\nid = \"{target}\"\nreason = \"r\"\nexpires = \"2030-01-01\"\n")).unwrap();
        let d = evaluate(&findings, &policy, &ctx());
        prop_assert!(d.blocking.iter().all(|b| !b.id.eq_ignore_ascii_case(&target)));
    }

    #[test]
    fn summary_is_at_most_512_characters_for_any_input(text in policy_text(), findings in prop::collection::vec(finding(), 0..200)) {
        let policy = Policy::parse(&text).unwrap();
        let d = evaluate(&findings, &policy, &ctx());
        prop_assert!(d.summary.chars().count() <= SUMMARY_MAX_CHARS);
        prop_assert!(d.summary.starts_with(d.status.as_str()));
    }

    #[test]
    fn counts_add_up_to_the_counted_findings(findings in prop::collection::vec(finding(), 0..50)) {
        let d = evaluate(&findings, &Policy::default(), &ctx());
        let active = findings.iter().filter(|f| f.status == FindingStatus::Active).count() as u64;
        prop_assert_eq!(d.counts.total(), active);
    }

    #[test]
    fn policy_parser_never_panics(text in "\\PC{0,200}") {
        let _ = Policy::parse(&text);
    }
}
