//! One line for an SDK error, shared by the adapters.

// Both service crates re-export the same smithy `SdkError` and `RequestId`; one generic function serves all.
use aws_sdk_inspector2::error::SdkError;
use aws_sdk_inspector2::operation::RequestId;

/// The error and its sources in one line (`service error: ThrottlingException: Rate exceeded`), and the
/// request id AWS support asks for. Not `DisplayErrorContext`, which appends the error's debug form, raw HTTP
/// response and all.
pub(crate) fn describe<E: std::error::Error + 'static>(err: &SdkError<E>) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        // An operation error displays as the modeled error it wraps: say it once.
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    if let Some(id) = err.request_id() {
        text.push_str(&format!(" (request id {id})"));
    }
    text
}
