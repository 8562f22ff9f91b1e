//! The CLI's one error type: what went wrong, and which exit code says so.

use std::fmt;

#[derive(Debug)]
pub enum CliError {
    /// Invalid input (policy, findings, event, digest) or usage: exit 2.
    Input(String),
    /// An AWS call failed after the SDK's retries: exit 3.
    Aws(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            CliError::Aws(_) => 3,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(m) | CliError::Aws(m) => f.write_str(m),
        }
    }
}
