//! Injected faults and the SDK's retry behaviour against them.

use aws_sdk_codepipeline::config::retry::RetryConfig;
use aws_sdk_codepipeline::error::ProvideErrorMetadata;
use codepipeline_standin::Fault;

use crate::support::*;

#[tokio::test]
async fn one_throttle_is_retried_and_the_call_succeeds() {
    let standin = standin_with_pending();
    standin.fail_next(1, Fault::ThrottlingException);
    let client = client(&standin.endpoint());

    approve(&client, TOKEN).await.expect("the retry succeeds");

    assert_eq!(outcomes(&standin), ["ThrottlingException", "ok"]);
    assert_eq!(standin.results().len(), 1);
}

#[tokio::test]
async fn persistent_throttling_fails_after_the_configured_attempts() {
    let standin = standin_with_pending();
    standin.fail_next(100, Fault::ThrottlingException);
    let client = client(&standin.endpoint());

    let error = service_error(approve(&client, TOKEN).await);

    // Not a modelled error of the operation, so the SDK reports it as unhandled with its code.
    assert_eq!(error.code(), Some("ThrottlingException"));
    assert_eq!(standin.calls().len(), MAX_ATTEMPTS as usize);
    assert!(standin.results().is_empty());
}

#[tokio::test]
async fn internal_server_error_is_retried_and_the_call_succeeds() {
    let standin = standin_with_pending();
    standin.fail_next(2, Fault::InternalServerError);
    let client = client(&standin.endpoint());

    approve(&client, TOKEN).await.expect("the third attempt succeeds");

    assert_eq!(outcomes(&standin), ["InternalServerError", "InternalServerError", "ok"]);
}

#[tokio::test]
async fn with_retries_disabled_a_single_throttle_fails_the_call() {
    let standin = standin_with_pending();
    standin.fail_next(1, Fault::ThrottlingException);
    let client = client_with(&standin.endpoint(), RetryConfig::disabled());

    let error = service_error(approve(&client, TOKEN).await);

    assert_eq!(error.code(), Some("ThrottlingException"));
    assert_eq!(outcomes(&standin), ["ThrottlingException"]);
    // The fault is used up: the next call goes through.
    approve(&client, TOKEN).await.expect("no fault left");
}
