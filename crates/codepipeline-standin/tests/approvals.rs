//! Approval outcomes through the real SDK client.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_codepipeline::error::ProvideErrorMetadata;
use aws_sdk_codepipeline::types::ApprovalStatus;
use codepipeline_standin::{Approval, Call};

use crate::support::*;

#[tokio::test]
async fn approval_with_the_pending_token_succeeds_and_is_recorded() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());

    let output = approve(&client, TOKEN).await.expect("approval accepted");

    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() as i64;
    let approved_at = output.approved_at().expect("approvedAt returned").secs();
    assert!((now - approved_at).abs() < 60, "approvedAt {approved_at} is not now ({now})");
    let expected = Call {
        pipeline_name: Some(PIPELINE.to_owned()),
        stage_name: Some(STAGE.to_owned()),
        action_name: Some(ACTION.to_owned()),
        token: Some(TOKEN.to_owned()),
        status: Some("Approved".to_owned()),
        summary: Some("no findings".to_owned()),
        outcome: "ok".to_owned(),
    };
    assert_eq!(standin.calls(), standin.results());
    assert_eq!(standin.results(), [expected]);
}

#[tokio::test]
async fn rejection_is_recorded_with_its_summary() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());

    let summary = "High vulnerability threshold of 0 exceeded";
    put(&client, (PIPELINE, STAGE, ACTION), TOKEN, ApprovalStatus::Rejected, summary)
        .await
        .expect("rejection accepted");

    let results = standin.results();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].status.as_deref(), Some("Rejected"));
    assert_eq!(results[0].summary.as_deref(), Some(summary));
}

#[tokio::test]
async fn second_result_for_the_same_token_is_approval_already_completed() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());
    approve(&client, TOKEN).await.expect("first result accepted");

    let error = service_error(approve(&client, TOKEN).await);

    assert!(error.is_approval_already_completed_exception(), "{error:?}");
    assert_eq!(error.message(), Some("The approval action has already been approved or rejected."));
    assert_eq!(outcomes(&standin), ["ok", "ApprovalAlreadyCompletedException"]);
    assert_eq!(standin.results().len(), 1);
}

#[tokio::test]
async fn approval_answered_by_a_human_is_approval_already_completed() {
    let standin = standin_with_pending();
    standin.register(Approval { completed: true, ..Approval::pending(PIPELINE, STAGE, ACTION, TOKEN) });
    let client = client(&standin.endpoint());

    let error = service_error(approve(&client, TOKEN).await);

    assert!(error.is_approval_already_completed_exception(), "{error:?}");
    assert!(standin.results().is_empty());
}

#[tokio::test]
async fn wrong_token_is_invalid_approval_token() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());

    let error = service_error(approve(&client, OTHER_TOKEN).await);

    assert!(error.is_invalid_approval_token_exception(), "{error:?}");
    assert_eq!(outcomes(&standin), ["InvalidApprovalTokenException"]);
    // The right token still works afterwards: a wrong one does not use the approval up.
    approve(&client, TOKEN).await.expect("pending token accepted");
}

#[tokio::test]
async fn expired_approval_is_invalid_approval_token() {
    let standin = standin_with_pending();
    standin.register(Approval { expired: true, ..Approval::pending(PIPELINE, STAGE, ACTION, TOKEN) });
    let client = client(&standin.endpoint());

    let error = service_error(approve(&client, TOKEN).await);

    assert!(error.is_invalid_approval_token_exception(), "{error:?}");
}

#[tokio::test]
async fn unknown_pipeline_stage_and_action_map_to_their_sdk_variants() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());
    let status = ApprovalStatus::Approved;

    let pipeline = service_error(put(&client, ("Other", STAGE, ACTION), TOKEN, status.clone(), "").await);
    let stage = service_error(put(&client, (PIPELINE, "Other", ACTION), TOKEN, status.clone(), "").await);
    let action = service_error(put(&client, (PIPELINE, STAGE, "Other"), TOKEN, status, "").await);

    assert!(pipeline.is_pipeline_not_found_exception(), "{pipeline:?}");
    assert!(stage.is_stage_not_found_exception(), "{stage:?}");
    assert!(action.is_action_not_found_exception(), "{action:?}");
    assert_eq!(outcomes(&standin), ["PipelineNotFoundException", "StageNotFoundException", "ActionNotFoundException"]);
    assert!(standin.results().is_empty());
}

#[tokio::test]
async fn reset_forgets_approvals_so_the_pipeline_is_unknown() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());
    approve(&client, TOKEN).await.expect("approval accepted");

    standin.reset();

    assert!(standin.calls().is_empty());
    let error = service_error(approve(&client, TOKEN).await);
    assert!(error.is_pipeline_not_found_exception(), "{error:?}");
}
