//! Constraint violations through the real SDK client. smithy-rs clients do not check length or
//! pattern constraints, so these reach the stand-in, which answers as the service would.

use aws_sdk_codepipeline::error::ProvideErrorMetadata;
use aws_sdk_codepipeline::types::{ApprovalResult, ApprovalStatus};

use crate::support::*;

#[tokio::test]
async fn uppercase_token_is_a_validation_exception() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());

    let error = service_error(approve(&client, &TOKEN.to_uppercase()).await);

    assert!(error.is_validation_exception(), "{error:?}");
    let message = error.message().unwrap_or_default();
    assert!(message.contains("at 'token' failed to satisfy constraint"), "{message}");
    assert_eq!(outcomes(&standin), ["ValidationException"]);
}

#[tokio::test]
async fn summary_of_513_characters_is_a_validation_exception() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());
    let summary = "x".repeat(513);

    let result = put(&client, (PIPELINE, STAGE, ACTION), TOKEN, ApprovalStatus::Rejected, &summary).await;
    let error = service_error(result);

    assert!(error.is_validation_exception(), "{error:?}");
    // The call reached the stand-in: the SDK does not enforce the 512 limit itself.
    assert_eq!(standin.calls()[0].summary.as_deref().map(str::len), Some(513));
}

#[tokio::test]
async fn summary_of_512_characters_is_accepted() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());

    let summary = "x".repeat(512);
    put(&client, (PIPELINE, STAGE, ACTION), TOKEN, ApprovalStatus::Rejected, &summary)
        .await
        .expect("512 characters is the limit, not over it");
}

#[tokio::test]
async fn status_outside_the_enum_is_a_validation_exception() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());

    // The SDK turns an unknown string into ApprovalStatus::Unknown and sends it unchanged.
    let lowercase = ApprovalStatus::from("approved");
    let error = service_error(put(&client, (PIPELINE, STAGE, ACTION), TOKEN, lowercase, "").await);

    assert!(error.is_validation_exception(), "{error:?}");
    assert_eq!(standin.calls()[0].status.as_deref(), Some("approved"));
}

#[tokio::test]
async fn name_with_a_space_is_a_validation_exception() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());

    let result =
        put(&client, (PIPELINE, "Vulnerability Assessment", ACTION), TOKEN, ApprovalStatus::Approved, "").await;
    let error = service_error(result);

    assert!(error.is_validation_exception(), "{error:?}");
}

#[tokio::test]
async fn missing_members_are_sent_and_answered_with_a_validation_exception() {
    let standin = standin_with_pending();
    let client = client(&standin.endpoint());
    let result = ApprovalResult::builder()
        .summary("")
        .status(ApprovalStatus::Approved)
        .build()
        .expect("summary and status are set");

    // No token and no action name: the SDK's builder accepts that and sends the request.
    let error = service_error(
        client.put_approval_result().pipeline_name(PIPELINE).stage_name(STAGE).result(result).send().await,
    );

    assert!(error.is_validation_exception(), "{error:?}");
    let message = error.message().unwrap_or_default();
    assert!(message.starts_with("2 validation errors detected"), "{message}");
    let call = &standin.calls()[0];
    assert_eq!((call.token.as_deref(), call.action_name.as_deref()), (None, None));
}
