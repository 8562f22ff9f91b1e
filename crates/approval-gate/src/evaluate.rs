//! `evaluate` and `policy validate`: files in, a decision out.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use approval_core::dump::{parse_findings, repositories};
use approval_core::{Decision, EvalContext, Policy, RepositoryName, Verdict, evaluate};
use chrono::{DateTime, NaiveDate, Utc};

use crate::cli::EvaluateArgs;
use crate::error::CliError;
use crate::report;

fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    result.map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?;
    Ok(bytes)
}

pub fn load_policy(path: Option<&Path>) -> Result<Policy, CliError> {
    let Some(path) = path else { return Ok(Policy::default()) };
    let bytes = read_input(path)?;
    let text = String::from_utf8(bytes).map_err(|_| CliError::Input(format!("{}: not UTF-8 text", path.display())))?;
    Policy::parse(&text).map_err(|e| CliError::Input(format!("{}: {e}", path.display())))
}

pub fn parse_now(text: Option<&str>) -> Result<DateTime<Utc>, CliError> {
    let Some(text) = text else { return Ok(Utc::now()) };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| CliError::Input(format!("--now `{text}`: expected an RFC 3339 time or YYYY-MM-DD")))
}

/// The exit code of a decision.
pub fn decision_exit(decision: &Decision) -> ExitCode {
    match decision.status {
        Verdict::Approved => ExitCode::SUCCESS,
        Verdict::Rejected => ExitCode::from(1),
    }
}

pub fn print_decision(decision: &Decision, json: bool) -> Result<(), CliError> {
    if json {
        let text =
            serde_json::to_string_pretty(decision).map_err(|e| CliError::Input(format!("cannot write JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", report::human(decision));
    }
    Ok(())
}

pub fn run(args: &EvaluateArgs) -> Result<ExitCode, CliError> {
    let policy = load_policy(args.policy.as_deref())?;
    let now = parse_now(args.now.as_deref())?;
    let bytes = read_input(&args.findings)?;
    let findings = parse_findings(&bytes).map_err(|e| CliError::Input(format!("{}: {e}", args.findings.display())))?;
    let repository = match &args.repository {
        Some(name) => {
            Some(RepositoryName::parse(name).map_err(|e| CliError::Input(format!("--repository: {e}")))?.to_string())
        }
        None => {
            let repos = repositories(&findings);
            if repos.len() > 1 {
                let names: Vec<&str> = repos.into_iter().collect();
                return Err(CliError::Input(format!(
                    "{}: findings of several repositories ({}); name the one to evaluate with --repository",
                    args.findings.display(),
                    names.join(", ")
                )));
            }
            repos.into_iter().next().map(str::to_owned)
        }
    };
    let decision = evaluate(&findings, &policy, &EvalContext { repository: repository.as_deref(), now });
    print_decision(&decision, args.json)?;
    Ok(decision_exit(&decision))
}

pub fn validate_policy(path: &Path) -> Result<ExitCode, CliError> {
    let policy = load_policy(Some(path))?;
    println!("ok {}", policy.sha256());
    Ok(ExitCode::SUCCESS)
}
