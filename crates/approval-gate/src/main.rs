//! `approval-gate`: evaluate Inspector findings against a gate policy in any CI, check a live image, and
//! operate the deployed gate. Exit codes follow `shared/spec/cli.md`: 0 approved/success, 1 rejected,
//! 2 invalid input or usage, 3 an AWS call failed.

mod cli;
mod error;
mod evaluate;
mod live;
mod report;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, PolicyCommand};

fn main() -> ExitCode {
    // clap exits with 2 on usage errors itself, as the contract asks.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Policy { command: PolicyCommand::Validate { file } } => evaluate::validate_policy(&file),
        Command::Check(args) => live::check(&args),
        Command::Pending(args) => live::pending(&args),
        Command::Decide(args) => live::decide(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
