//! CodePipeline as the gate's approver: `PutApprovalResult` answers one manual-approval action execution.
//!
//! The two refusals that can never succeed later (the action was already answered, the token is spent or
//! expired) are told apart from everything else, which the flow retries. The approval token is a capability:
//! no error message carries more than its prefix.

use crate::sdk_error::describe;
use approval_core::decision::Verdict;
use approval_core::ports::{ApproveError, PipelineApprover, PortError};
use approval_core::record::ApprovalKey;
use aws_sdk_codepipeline::Client;
use aws_sdk_codepipeline::error::SdkError;
use aws_sdk_codepipeline::operation::put_approval_result::PutApprovalResultError;
use aws_sdk_codepipeline::types::{ApprovalResult, ApprovalStatus};

const PUT_APPROVAL_RESULT: &str = "CodePipeline PutApprovalResult";

/// Answers manual approvals through CodePipeline.
#[derive(Clone, Debug)]
pub struct CodePipelineApprover {
    client: Client,
}

impl CodePipelineApprover {
    pub fn new(client: Client) -> Self {
        CodePipelineApprover { client }
    }
}

impl PipelineApprover for CodePipelineApprover {
    async fn put_approval_result(&self, key: &ApprovalKey, status: Verdict, summary: &str) -> Result<(), ApproveError> {
        let status = match status {
            Verdict::Approved => ApprovalStatus::Approved,
            Verdict::Rejected => ApprovalStatus::Rejected,
        };
        let result = ApprovalResult::builder()
            .status(status)
            .summary(summary)
            .build()
            .map_err(|e| other(key, format!("could not build the request: {e}")))?;
        self.client
            .put_approval_result()
            .pipeline_name(key.pipeline.as_str())
            .stage_name(key.stage.as_str())
            .action_name(key.action.as_str())
            .token(key.token.expose())
            .result(result)
            .send()
            .await
            .map(|_| ())
            .map_err(|err| approve_error(key, &err))
    }
}

fn approve_error(key: &ApprovalKey, err: &SdkError<PutApprovalResultError>) -> ApproveError {
    match err.as_service_error() {
        Some(service @ PutApprovalResultError::ApprovalAlreadyCompletedException(_)) => {
            ApproveError::AlreadyCompleted(refusal(key, service))
        }
        Some(service @ PutApprovalResultError::InvalidApprovalTokenException(_)) => {
            ApproveError::InvalidToken(refusal(key, service))
        }
        _ => other(key, describe(err)),
    }
}

/// A terminal refusal, as CodePipeline words it (`InvalidApprovalTokenException: …`), and which approval it
/// was about.
fn refusal(key: &ApprovalKey, err: &PutApprovalResultError) -> String {
    scrub(key, format!("{err} ({})", approval(key)))
}

fn other(key: &ApprovalKey, message: String) -> ApproveError {
    ApproveError::Other(PortError::new(PUT_APPROVAL_RESULT, scrub(key, format!("{}: {message}", approval(key)))))
}

fn approval(key: &ApprovalKey) -> String {
    format!(
        "pipeline {}, stage {}, action {}, token {}…",
        key.pipeline.as_str(),
        key.stage.as_str(),
        key.action.as_str(),
        key.token.prefix()
    )
}

/// A service error may echo the request (a validation message quoting the token): only its prefix stays.
fn scrub(key: &ApprovalKey, message: String) -> String {
    let token = key.token.expose();
    if message.contains(token) { message.replace(token, &format!("{}…", key.token.prefix())) } else { message }
}
