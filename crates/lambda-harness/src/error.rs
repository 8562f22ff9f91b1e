//! The ways running a function under the harness can fail; each message says what happened and carries the
//! function's last output, because that is where the cause usually is.

use std::{io, path::PathBuf, process::ExitStatus, time::Duration};

/// A failure of the harness or of the function process, as opposed to a function error the handler reported
/// (that one is an [`Invocation::FunctionError`](crate::Invocation::FunctionError)).
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("could not start the local Lambda Runtime API on 127.0.0.1: {0}")]
    RuntimeApi(String),

    #[error("could not start the function binary {}: {source}; check the path and build it first", binary.display())]
    Spawn { binary: PathBuf, source: io::Error },

    #[error("could not open the log file {}: {source}", path.display())]
    LogFile { path: PathBuf, source: io::Error },

    #[error("the function exited ({status}) before asking for an event; its last output:\n{output_tail}")]
    ExitedDuringInit { status: ExitStatus, output_tail: String },

    #[error(
        "the function did not ask for an event within {timeout:?} and was stopped; raise the init timeout \
         or look at its last output:\n{output_tail}"
    )]
    InitTimeout { timeout: Duration, output_tail: String },

    #[error("the function reported an init error {error_type}: {error_message}")]
    InitError { error_type: String, error_message: String },

    #[error("the function exited ({status}) while handling request {request_id}; its last output:\n{output_tail}")]
    ExitedDuringInvocation { request_id: String, status: ExitStatus, output_tail: String },

    #[error(
        "request {request_id} timed out after {timeout:?} and the function was stopped, as Lambda does; \
         raise the timeout or look at its last output:\n{output_tail}"
    )]
    InvocationTimeout { request_id: String, timeout: Duration, output_tail: String },

    #[error("the function was stopped after {reason}; spawn it again")]
    Stopped { reason: String },

    #[error(
        "the function answered request {request_id} with a body that is not JSON ({source}); \
         streaming responses are not supported"
    )]
    ResponseNotJson { request_id: String, source: serde_json::Error },
}
