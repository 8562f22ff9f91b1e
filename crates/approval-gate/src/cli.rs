//! The command line's shape (clap derive), kept apart from what the commands do.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "approval-gate", version, about = "Gate container images on their Amazon Inspector findings")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Evaluate a findings dump against a policy (exit 0 approved, 1 rejected, 2 invalid input).
    Evaluate(EvaluateArgs),
    /// Work with policy files.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Read a live image's ACTIVE findings from Inspector (all pages) and evaluate them.
    Check(CheckArgs),
    /// List the approvals recorded and not yet decided.
    Pending(PendingArgs),
    /// Run the decider's flow for one digest now (after a policy fix, or as a manual nudge).
    Decide(DecideArgs),
}

#[derive(Args)]
pub struct CheckArgs {
    /// The image digest, sha256:<64 hex>.
    #[arg(long)]
    pub digest: String,
    /// The ECR repository name (or ARN).
    #[arg(long)]
    pub repository: String,
    /// The gate policy (TOML). Absent: the default policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Print exactly one JSON object instead of the human report.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct PendingArgs {
    /// The approval table. Absent: $APPROVAL_TABLE.
    #[arg(long)]
    pub table: Option<String>,
    /// Only approvals waiting on this digest.
    #[arg(long)]
    pub digest: Option<String>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct DecideArgs {
    /// The image digest, sha256:<64 hex>.
    #[arg(long)]
    pub digest: String,
    /// The approval table. Absent: $APPROVAL_TABLE.
    #[arg(long)]
    pub table: Option<String>,
    /// The gate policy (TOML). Absent: $GATE_POLICY / $GATE_POLICY_FILE, else the default policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Parse and check a policy; prints `ok <policy_sha256>`.
    Validate { file: PathBuf },
}

#[derive(Args)]
pub struct EvaluateArgs {
    /// Inspector findings as JSON (`aws inspector2 list-findings` output, an array, or several in a row); `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub findings: PathBuf,
    /// The gate policy (TOML). Absent: the default policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Repository name for per-repository rules. Absent: taken from the findings.
    #[arg(long, value_name = "NAME")]
    pub repository: Option<String>,
    /// Evaluation time for allowlist expiry: RFC 3339 or YYYY-MM-DD (midnight UTC). Absent: now.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Print exactly one JSON object instead of the human report.
    #[arg(long)]
    pub json: bool,
}
