//! The `approval-gate` binary against the CLI contract (`shared/spec/cli.md`): flags, JSON shape, exit codes.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_approval-gate"))
}

fn example(name: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
    root.to_string_lossy().into_owned()
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn temp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("approval-gate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn clean_image_exits_0_with_the_contract_json() {
    let out = run(&[
        "evaluate",
        "--findings",
        &example("findings-clean.json"),
        "--policy",
        &example("policy.toml"),
        "--now",
        "2026-12-04",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = stdout_json(&out);
    assert_eq!(v["status"], "Approved");
    assert_eq!(v["allowed"][0]["id"], "CVE-2023-4863");
    assert_eq!(v["allowed"][0]["expires"], "2027-06-30");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for key in ["status", "mode", "summary", "counts", "blocking", "allowed", "expired_allowances", "policy_sha256"] {
        assert!(keys.contains(&key), "missing {key}");
    }
}

#[test]
fn critical_exploitable_image_exits_1_and_names_it() {
    let out = run(&["evaluate", "--findings", &example("findings-critical.json"), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    assert_eq!(v["blocking"][0]["id"], "CVE-2024-3094");
    assert_eq!(v["blocking"][0]["rules"], serde_json::json!(["limit", "exploit_available"]));
    assert_eq!(v["counts"]["critical"], 1);
    assert!(v["summary"].as_str().unwrap().starts_with("Rejected: 1 CRITICAL (limit 0); 1 HIGH (limit 0)"));
}

#[test]
fn human_report_shows_status_table_and_summary() {
    let out = run(&[
        "evaluate",
        "--findings",
        &example("findings-critical.json"),
        "--policy",
        &example("policy.toml"),
        "--now",
        "2026-12-04",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Rejected (enforce mode, repository web/shop"), "{text}");
    assert!(text.contains("CRITICAL") && text.contains("xz-utils"), "{text}");
    assert!(text.contains("\nsummary: Rejected:"), "{text}");
}

#[test]
fn findings_from_stdin_and_pages_in_a_row() {
    let page = std::fs::read_to_string(example("findings-critical.json")).unwrap();
    let mut child = bin()
        .args(["evaluate", "--findings", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{page}\n{page}").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["counts"]["critical"], 2);
}

#[test]
fn repository_flag_selects_the_override() {
    let out = run(&[
        "evaluate",
        "--findings",
        &example("findings-critical.json"),
        "--policy",
        &example("policy.toml"),
        "--repository",
        "sandbox/try",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_json(&out)["mode"], "report");
}

#[test]
fn several_repositories_without_the_flag_is_an_input_error() {
    let page = std::fs::read_to_string(example("findings-critical.json")).unwrap();
    let other = page.replace("web/shop", "batch/jobs");
    let file = temp_file("two-repos.json", &format!("{page}{other}"));
    let out = run(&["evaluate", "--findings", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("batch/jobs") && err.contains("--repository"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn broken_findings_name_file_line_and_path() {
    let file = temp_file("broken.json", "{\"findings\": [\n {\"severity\": [1]}\n]}");
    let out = run(&["evaluate", "--findings", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.json") && err.contains("line 2") && err.contains("$.findings[0].severity"), "{err}");
}

#[test]
fn invalid_policy_is_exit_2_never_the_default() {
    let file = temp_file("typo.toml", "[limits]\ncritcal = 0\n");
    let out = run(&["evaluate", "--findings", &example("findings-critical.json"), "--policy", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("typo.toml") && err.contains("line 2") && err.contains("critcal"), "{err}");
}

#[test]
fn policy_validate_prints_the_fingerprint() {
    let out = run(&["policy", "validate", &example("policy.toml")]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let (ok, sha) = text.trim().split_once(' ').unwrap();
    assert_eq!(ok, "ok");
    assert_eq!(sha.len(), 64);
    let eval = stdout_json(&run(&[
        "evaluate",
        "--findings",
        &example("findings-clean.json"),
        "--policy",
        &example("policy.toml"),
        "--json",
    ]));
    assert_eq!(eval["policy_sha256"], sha);
}

#[test]
fn usage_errors_and_bad_now_exit_2() {
    assert_eq!(run(&["evaluate"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    let out = run(&["evaluate", "--findings", &example("findings-clean.json"), "--now", "tomorrow"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--now"));
    let out = run(&["evaluate", "--findings", "/nonexistent/findings.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn now_decides_whether_an_allowance_has_expired() {
    let args = |now: &'static str| {
        run(&[
            "evaluate",
            "--findings",
            &example("findings-clean.json"),
            "--policy",
            &example("policy.toml"),
            "--now",
            now,
            "--json",
        ])
    };
    assert_eq!(args("2027-06-30T23:59:59Z").status.code(), Some(0));
    let late = args("2027-07-01");
    assert_eq!(late.status.code(), Some(1));
    assert_eq!(stdout_json(&late)["expired_allowances"][0]["expired"], "2027-06-30");
}
