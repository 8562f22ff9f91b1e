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
