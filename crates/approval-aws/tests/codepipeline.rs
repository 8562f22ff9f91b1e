//! `CodePipelineApprover` over a mocked SDK client: the exact PutApprovalResult request, and how each of
//! CodePipeline's refusals maps onto `ApproveError` (moto does not implement PutApprovalResult).

use std::time::Duration;

use approval_aws::CodePipelineApprover;
use approval_core::Verdict;
use approval_core::ids::{ActionName, ApprovalToken, ImageDigest, PipelineName, StageName};
use approval_core::ports::{ApproveError, PipelineApprover};
use approval_core::record::ApprovalKey;
use aws_sdk_codepipeline::Client;
use aws_sdk_codepipeline::config::retry::RetryConfig;
use aws_sdk_codepipeline::error::ErrorMetadata;
use aws_sdk_codepipeline::operation::put_approval_result::{PutApprovalResultError, PutApprovalResultOutput};
use aws_sdk_codepipeline::types::ApprovalStatus;
use aws_sdk_codepipeline::types::error::{
    ActionNotFoundException, ApprovalAlreadyCompletedException, InvalidApprovalTokenException,
    PipelineNotFoundException, StageNotFoundException, ValidationException,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

const TOKEN: &str = "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b";

fn key() -> ApprovalKey {
    ApprovalKey {
        digest: ImageDigest::parse("sha256:965fbcae990b0467ed5657caceaec165018ef44a4d2d46c7cdea80a9dff0d1ea").unwrap(),
        pipeline: PipelineName::parse("ContainerBuildDeployPipeline").unwrap(),
        stage: StageName::parse("ContainerVulnerabilityAssessment").unwrap(),
        action: ActionName::parse("ContainerImageApproval").unwrap(),
        token: ApprovalToken::parse(TOKEN).unwrap(),
    }
}

/// A client answering from `rule`, retrying like production (standard, 3 attempts) but without waiting.
fn approver(rule: &Rule) -> CodePipelineApprover {
    let client: Client = mock_client!(aws_sdk_codepipeline, RuleMode::Sequential, [rule], |c| {
        c.retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1)))
    });
    CodePipelineApprover::new(client)
}

fn meta(code: &str, message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(message).build()
}

/// Builds the modeled error a mocked call returns.
type MakeError = fn() -> PutApprovalResultError;

async fn refusal(error: MakeError) -> ApproveError {
    let rule = mock!(Client::put_approval_result).then_error(error);
    let err = approver(&rule).put_approval_result(&key(), Verdict::Rejected, "no").await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains(TOKEN), "the error shows the whole token: {err}");
    err
}

fn other_message(err: ApproveError) -> String {
    match err {
        ApproveError::Other(port) => {
            assert_eq!(port.call, "CodePipeline PutApprovalResult");
            port.message
        }
        terminal => panic!("expected a retryable error, got {terminal:?}"),
    }
}

#[tokio::test]
async fn approval_sends_the_names_token_status_and_summary() {
    let rule = mock!(Client::put_approval_result)
        .match_requests(|req| {
            req.pipeline_name() == Some("ContainerBuildDeployPipeline")
                && req.stage_name() == Some("ContainerVulnerabilityAssessment")
                && req.action_name() == Some("ContainerImageApproval")
                && req.token() == Some(TOKEN)
                && req.result().is_some_and(|r| {
                    r.status() == &ApprovalStatus::Approved && r.summary() == "0 blocking findings under policy abc"
                })
        })
        .then_output(|| PutApprovalResultOutput::builder().build());

    approver(&rule)
        .put_approval_result(&key(), Verdict::Approved, "0 blocking findings under policy abc")
        .await
        .unwrap();

    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn rejection_sends_status_rejected() {
    let rule = mock!(Client::put_approval_result)
        .match_requests(|req| {
            req.result().is_some_and(|r| r.status() == &ApprovalStatus::Rejected && r.summary() == "2 CRITICAL")
        })
        .then_output(|| PutApprovalResultOutput::builder().build());

    approver(&rule).put_approval_result(&key(), Verdict::Rejected, "2 CRITICAL").await.unwrap();

    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn already_completed_approval_is_a_terminal_refusal() {
    let err = refusal(|| {
        PutApprovalResultError::ApprovalAlreadyCompletedException(
            ApprovalAlreadyCompletedException::builder()
                .message("The approval action has already been approved or rejected.")
                .meta(meta(
                    "ApprovalAlreadyCompletedException",
                    "The approval action has already been approved or rejected.",
                ))
                .build(),
        )
    })
    .await;

    let ApproveError::AlreadyCompleted(message) = err else { panic!("expected AlreadyCompleted, got {err:?}") };
    assert!(message.contains("already been approved or rejected"), "{message}");
    assert!(message.contains("3f2b9c1e…"), "{message}");
}

#[tokio::test]
async fn invalid_token_is_a_terminal_refusal() {
    let err = refusal(|| {
        PutApprovalResultError::InvalidApprovalTokenException(
            InvalidApprovalTokenException::builder()
                .message("The approval request already received a response or has expired.")
                .build(),
        )
    })
    .await;

    let ApproveError::InvalidToken(message) = err else { panic!("expected InvalidToken, got {err:?}") };
    assert!(message.contains("InvalidApprovalTokenException"), "{message}");
    assert!(message.contains("has expired"), "{message}");
}

#[tokio::test]
async fn missing_pipeline_stage_or_action_is_retryable_and_named() {
    let cases: [(&str, MakeError); 3] = [
        ("PipelineNotFoundException", || {
            PutApprovalResultError::PipelineNotFoundException(
                PipelineNotFoundException::builder().message("pipeline not found").build(),
            )
        }),
        ("StageNotFoundException", || {
            PutApprovalResultError::StageNotFoundException(
                StageNotFoundException::builder().message("stage not found").build(),
            )
        }),
        ("ActionNotFoundException", || {
            PutApprovalResultError::ActionNotFoundException(
                ActionNotFoundException::builder().message("The specified action cannot be found.").build(),
            )
        }),
    ];
    for (code, error) in cases {
        let message = other_message(refusal(error).await);
        assert!(message.contains(code), "{code}: {message}");
        assert!(message.contains("pipeline ContainerBuildDeployPipeline"), "{message}");
    }
}

#[tokio::test]
async fn validation_error_quoting_the_token_shows_only_its_prefix() {
    let err = refusal(|| {
        let text = format!("1 validation error detected: Value '{TOKEN}' at 'token' failed to satisfy constraint");
        PutApprovalResultError::ValidationException(
            ValidationException::builder().message(text.clone()).meta(meta("ValidationException", &text)).build(),
        )
    })
    .await;

    let message = other_message(err);
    assert!(message.contains("ValidationException"), "{message}");
    assert!(message.contains("Value '3f2b9c1e…'"), "{message}");
}

#[tokio::test]
async fn server_error_is_retried_then_retryable() {
    let rule = mock!(Client::put_approval_result)
        .sequence()
        .http_status(500, Some(r#"{"__type": "InternalFailure", "message": "boom"}"#.to_owned()))
        .repeatedly()
        .build();

    let err = approver(&rule).put_approval_result(&key(), Verdict::Approved, "ok").await.unwrap_err();

    assert_eq!(rule.num_calls(), 3, "the SDK's standard retries make 3 attempts");
    let message = other_message(err);
    assert!(message.contains("InternalFailure"), "{message}");
    assert!(!message.contains(TOKEN), "{message}");
}

#[tokio::test]
async fn throttling_is_retried_then_retryable() {
    let rule = mock!(Client::put_approval_result)
        .sequence()
        .http_status(400, Some(r#"{"__type": "ThrottlingException", "message": "Rate exceeded"}"#.to_owned()))
        .repeatedly()
        .build();

    let err = approver(&rule).put_approval_result(&key(), Verdict::Approved, "ok").await.unwrap_err();

    assert_eq!(rule.num_calls(), 3, "throttling is retried by the SDK");
    let message = other_message(err);
    assert!(message.contains("ThrottlingException"), "{message}");
}

#[tokio::test]
async fn a_throttled_call_that_then_succeeds_is_ok() {
    let rule = mock!(Client::put_approval_result)
        .sequence()
        .http_status(400, Some(r#"{"__type": "ThrottlingException", "message": "Rate exceeded"}"#.to_owned()))
        .output(|| PutApprovalResultOutput::builder().build())
        .build();

    approver(&rule).put_approval_result(&key(), Verdict::Approved, "ok").await.unwrap();

    assert_eq!(rule.num_calls(), 2);
}
