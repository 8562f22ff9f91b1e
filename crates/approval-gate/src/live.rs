//! The subcommands that talk to AWS: `check` (Inspector), `pending` and `decide` (the deployed gate's table).
//! They use the default credential chain and honour `AWS_ENDPOINT_URL*`, `AWS_REGION` and profiles.

use std::process::ExitCode;

use approval_aws::settings::{claim_lease_from_env, policy_from_env};
use approval_aws::{AwsClients, DynamoStore, Gate, InspectorScanner, StoreConfig};
use approval_core::flow::{DecideError, Settled};
use approval_core::ports::{ApprovalStore, FindingsSource};
use approval_core::{EvalContext, ImageDigest, RepositoryName, Verdict, evaluate};
use chrono::Utc;
use serde_json::json;

use crate::cli::{CheckArgs, DecideArgs, PendingArgs};
use crate::error::CliError;
use crate::evaluate::{decision_exit, load_policy, print_decision};

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Aws(format!("cannot start the async runtime: {e}")))
}

fn digest(text: &str) -> Result<ImageDigest, CliError> {
    ImageDigest::parse(text).map_err(|e| CliError::Input(format!("--digest: {e}")))
}

fn store_config(table: Option<&str>) -> Result<StoreConfig, CliError> {
    match table {
        Some(t) if !t.trim().is_empty() => Ok(StoreConfig::new(t)),
        _ => StoreConfig::from_env().map_err(|e| CliError::Input(format!("{e} (or pass --table)"))),
    }
}

pub fn check(args: &CheckArgs) -> Result<ExitCode, CliError> {
    let digest = digest(&args.digest)?;
    let repository =
        RepositoryName::parse(&args.repository).map_err(|e| CliError::Input(format!("--repository: {e}")))?;
    let policy = load_policy(args.policy.as_deref())?;
    let findings = runtime()?.block_on(async {
        let clients = AwsClients::from_env().await;
        InspectorScanner::new(clients.inspector).active_findings(&digest, Some(&repository)).await
    });
    let findings = findings.map_err(|e| CliError::Aws(e.to_string()))?;
    let decision =
        evaluate(&findings, &policy, &EvalContext { repository: Some(repository.as_str()), now: Utc::now() });
    print_decision(&decision, args.json)?;
    Ok(decision_exit(&decision))
}

pub fn pending(args: &PendingArgs) -> Result<ExitCode, CliError> {
    let digest = args.digest.as_deref().map(digest).transpose()?;
    let config = store_config(args.table.as_deref())?;
    let records = runtime()?.block_on(async {
        let clients = AwsClients::from_env().await;
        DynamoStore::new(clients.dynamodb, config).pending(digest.as_ref()).await
    });
    let records = records.map_err(|e| CliError::Aws(e.to_string()))?;
    if args.json {
        let rows: Vec<_> = records
            .iter()
            .map(|r| {
                json!({
                    "digest": r.key.digest.as_str(),
                    "pipeline": r.key.pipeline.as_str(),
                    "stage": r.key.stage.as_str(),
                    "action": r.key.action.as_str(),
                    "token_prefix": r.key.token.prefix(),
                    "repository": r.repository.as_ref().map(|x| x.as_str()),
                    "expires": r.expires.to_rfc3339(),
                    "recorded_at": r.recorded_at.to_rfc3339(),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else if records.is_empty() {
        println!("no pending approvals");
    } else {
        for r in &records {
            println!(
                "{}  {}/{}/{}  token {}…  expires {}",
                r.key.digest.short(),
                r.key.pipeline,
                r.key.stage,
                r.key.action,
                r.key.token.prefix(),
                r.expires.format("%Y-%m-%d %H:%M UTC")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn decide(args: &DecideArgs) -> Result<ExitCode, CliError> {
    let digest = digest(&args.digest)?;
    let policy = match &args.policy {
        Some(path) => load_policy(Some(path))?,
        None => policy_from_env().map_err(|e| CliError::Input(e.to_string()))?,
    };
    let lease = claim_lease_from_env().map_err(|e| CliError::Input(e.to_string()))?;
    let config = store_config(args.table.as_deref())?;
    let owner = format!("cli-{}-{}", std::process::id(), Utc::now().timestamp_millis());
    let result = runtime()?.block_on(async {
        let clients = AwsClients::from_env().await;
        let gate = Gate::new(&clients, config, policy, lease);
        gate.decider(&owner).decide_digest(&digest, Utc::now()).await
    });
    let report = match result {
        Ok(report) => report,
        Err(e @ (DecideError::Port(_) | DecideError::Approver { .. })) => return Err(CliError::Aws(e.to_string())),
        Err(e @ DecideError::Contended { .. }) => return Err(CliError::Aws(e.to_string())),
    };
    if let Some(why) = &report.waiting {
        println!("no decision: {why}");
    }
    for d in &report.decisions {
        println!("{}", d.summary);
    }
    for s in &report.settled {
        let (key, outcome) = match s {
            Settled::Answered { key, status, .. } => (key, status.as_str().to_owned()),
            Settled::Closed { key, why } => (key, format!("closed ({why})")),
            Settled::Expired { key } => (key, "expired, not answered".to_owned()),
        };
        println!("{}/{}/{} token {}…: {outcome}", key.pipeline, key.stage, key.action, key.token.prefix());
    }
    let rejected = report.decisions.iter().any(|d| d.status == Verdict::Rejected);
    Ok(if rejected { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
