//! The awsJson1.1 wire format of `PutApprovalResult`: target header, request members and their
//! constraints, and the error bodies the AWS SDK maps to `PutApprovalResultError` variants.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `X-Amz-Target` of the one operation the stand-in implements.
pub const PUT_APPROVAL_RESULT_TARGET: &str = "CodePipeline_20150709.PutApprovalResult";

/// Content type of every awsJson1.1 response, errors included.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

const NAME_MAX_CHARS: usize = 100;
const SUMMARY_MAX_CHARS: usize = 512;
const NAME_PATTERN: &str = r"[A-Za-z0-9.@\-_]+";
const TOKEN_PATTERN: &str = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/// The error names the stand-in answers with. The name travels in the body's `__type`, which is
/// what the SDK matches (after stripping any `namespace#` prefix) to pick the error variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    ValidationException,
    PipelineNotFoundException,
    StageNotFoundException,
    ActionNotFoundException,
    InvalidApprovalTokenException,
    ApprovalAlreadyCompletedException,
    /// Not modelled for the operation; the SDK's error-code classifier treats it as throttling
    /// and retries.
    ThrottlingException,
    /// Not modelled either; sent with HTTP 500, which the SDK retries as a transient error.
    InternalServerError,
    /// What AWS JSON services answer when the body is not a JSON object of the right types.
    SerializationException,
    /// What AWS JSON services answer for an `X-Amz-Target` they do not implement.
    UnknownOperationException,
}

impl ErrorKind {
    /// The `__type` value, also used as the `outcome` of a recorded call.
    pub fn name(self) -> &'static str {
        match self {
            Self::ValidationException => "ValidationException",
            Self::PipelineNotFoundException => "PipelineNotFoundException",
            Self::StageNotFoundException => "StageNotFoundException",
            Self::ActionNotFoundException => "ActionNotFoundException",
            Self::InvalidApprovalTokenException => "InvalidApprovalTokenException",
            Self::ApprovalAlreadyCompletedException => "ApprovalAlreadyCompletedException",
            Self::ThrottlingException => "ThrottlingException",
            Self::InternalServerError => "InternalServerError",
            Self::SerializationException => "SerializationException",
            Self::UnknownOperationException => "UnknownOperationException",
        }
    }

    /// awsJson1.1 sends client faults as 400 and server faults as 500.
    pub fn http_status(self) -> u16 {
        match self {
            Self::InternalServerError => 500,
            _ => 400,
        }
    }
}

/// An error response: kind plus a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// The awsJson1.1 error body: `{"__type": "<Name>", "message": "..."}`.
    pub fn body(&self) -> String {
        serde_json::json!({ "__type": self.kind.name(), "message": self.message }).to_string()
    }
}

/// `ApprovalResult.status`: the enum is case-sensitive on the real API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApprovalStatus {
    Approved,
    Rejected,
}

/// The request members as they arrived, before any validation. Everything is optional because
/// the stand-in records malformed calls too, so tests can see what the client actually sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRequest {
    pub pipeline_name: Option<String>,
    pub stage_name: Option<String>,
    pub action_name: Option<String>,
    pub token: Option<String>,
    pub status: Option<String>,
    pub summary: Option<String>,
}

/// A `PutApprovalResult` request that passed the model's constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutApprovalResult {
    pub pipeline_name: String,
    pub stage_name: String,
    pub action_name: String,
    pub token: String,
    pub status: ApprovalStatus,
    pub summary: String,
}

/// Reads the body leniently into a [`RawRequest`] (string members only; anything else is left
/// out), then checks it. The raw request comes back in both cases so the call can be recorded.
pub fn parse_put_approval_result(body: &[u8]) -> (RawRequest, Result<PutApprovalResult, ApiError>) {
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => object,
        Ok(_) => {
            return (
                RawRequest::default(),
                Err(ApiError::new(ErrorKind::SerializationException, "the request body must be a JSON object")),
            );
        }
        Err(e) => {
            return (
                RawRequest::default(),
                Err(ApiError::new(
                    ErrorKind::SerializationException,
                    format!("the request body is not valid JSON: {e}"),
                )),
            );
        }
    };
    let mut wrong_types = Vec::new();
    let empty = Map::new();
    let result = match object.get("result") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(result)) => result,
        Some(_) => {
            wrong_types.push("result");
            &empty
        }
    };
    let mut member = |object: &Map<String, Value>, key: &'static str, path: &'static str| match object.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            wrong_types.push(path);
            None
        }
    };
    let raw = RawRequest {
        pipeline_name: member(&object, "pipelineName", "pipelineName"),
        stage_name: member(&object, "stageName", "stageName"),
        action_name: member(&object, "actionName", "actionName"),
        token: member(&object, "token", "token"),
        status: member(result, "status", "result.status"),
        summary: member(result, "summary", "result.summary"),
    };
    if !wrong_types.is_empty() {
        let error = ApiError::new(
            ErrorKind::SerializationException,
            format!("expected a JSON string or object at: {}", wrong_types.join(", ")),
        );
        return (raw, Err(error));
    }
    let checked = validate(&raw);
    (raw, checked)
}

/// Applies the botocore model's constraints, collecting every violation into one
/// `ValidationException` worded the way AWS words it.
fn validate(raw: &RawRequest) -> Result<PutApprovalResult, ApiError> {
    let mut violations = Vec::new();
    let pipeline_name = check_name(&raw.pipeline_name, "pipelineName", &mut violations);
    let stage_name = check_name(&raw.stage_name, "stageName", &mut violations);
    let action_name = check_name(&raw.action_name, "actionName", &mut violations);
    let summary = match &raw.summary {
        None => {
            violations.push(not_null("result.summary"));
            None
        }
        Some(s) if s.chars().count() > SUMMARY_MAX_CHARS => {
            violations.push(violation(
                s,
                "result.summary",
                &format!("Member must have length less than or equal to {SUMMARY_MAX_CHARS}"),
            ));
            None
        }
        Some(s) => Some(s.clone()),
    };
    let status = match raw.status.as_deref() {
        None => {
            violations.push(not_null("result.status"));
            None
        }
        Some("Approved") => Some(ApprovalStatus::Approved),
        Some("Rejected") => Some(ApprovalStatus::Rejected),
        Some(other) => {
            violations.push(violation(
                other,
                "result.status",
                "Member must satisfy enum value set: [Approved, Rejected]",
            ));
            None
        }
    };
    let token = match &raw.token {
        None => {
            violations.push(not_null("token"));
            None
        }
        Some(t) if !is_token(t) => {
            violations.push(violation(
                t,
                "token",
                &format!("Member must satisfy regular expression pattern: {TOKEN_PATTERN}"),
            ));
            None
        }
        Some(t) => Some(t.clone()),
    };
    match (pipeline_name, stage_name, action_name, token, status, summary) {
        (Some(pipeline_name), Some(stage_name), Some(action_name), Some(token), Some(status), Some(summary))
            if violations.is_empty() =>
        {
            Ok(PutApprovalResult { pipeline_name, stage_name, action_name, token, status, summary })
        }
        _ => {
            let count = violations.len();
            let plural = if count == 1 { "error" } else { "errors" };
            Err(ApiError::new(
                ErrorKind::ValidationException,
                format!("{count} validation {plural} detected: {}", violations.join("; ")),
            ))
        }
    }
}

fn check_name(value: &Option<String>, path: &str, violations: &mut Vec<String>) -> Option<String> {
    let Some(name) = value else {
        violations.push(not_null(path));
        return None;
    };
    let chars = name.chars().count();
    if chars == 0 {
        violations.push(violation(name, path, "Member must have length greater than or equal to 1"));
        return None;
    }
    if chars > NAME_MAX_CHARS {
        violations.push(violation(
            name,
            path,
            &format!("Member must have length less than or equal to {NAME_MAX_CHARS}"),
        ));
        return None;
    }
    // The model's pattern is unanchored, but the real service rejects names with any character
    // outside the set, so the whole name is checked.
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_');
    if !name.chars().all(allowed) {
        violations.push(violation(
            name,
            path,
            &format!("Member must satisfy regular expression pattern: {NAME_PATTERN}"),
        ));
        return None;
    }
    Some(name.clone())
}

/// A lowercase UUID, matched whole: approval tokens are always exactly this shape.
fn is_token(token: &str) -> bool {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let groups: Vec<&str> = token.split('-').collect();
    groups.len() == GROUPS.len()
        && groups
            .iter()
            .zip(GROUPS)
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

fn not_null(path: &str) -> String {
    format!("Value null at '{path}' failed to satisfy constraint: Member must not be null")
}

fn violation(value: &str, path: &str, constraint: &str) -> String {
    format!("Value '{value}' at '{path}' failed to satisfy constraint: {constraint}")
}

/// The success body. awsJson's default timestamp format is epoch seconds as a JSON number.
pub fn success_body(approved_at_epoch_seconds: f64) -> String {
    serde_json::json!({ "approvedAt": approved_at_epoch_seconds }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b";

    fn body(token: &str, status: &str, summary: &str) -> Vec<u8> {
        serde_json::json!({
            "pipelineName": "ContainerBuildDeployPipeline",
            "stageName": "ContainerVulnerabilityAssessment",
            "actionName": "ContainerImageApproval",
            "result": {"summary": summary, "status": status},
            "token": token,
        })
        .to_string()
        .into_bytes()
    }

    fn error_kind(body: &[u8]) -> Option<ErrorKind> {
        parse_put_approval_result(body).1.err().map(|e| e.kind)
    }

    #[test]
    fn well_formed_request_passes_with_empty_summary() {
        let (raw, checked) = parse_put_approval_result(&body(TOKEN, "Approved", ""));
        let request = checked.expect("valid request");
        assert_eq!(request.status, ApprovalStatus::Approved);
        assert_eq!(request.summary, "");
        assert_eq!(raw.token.as_deref(), Some(TOKEN));
    }

    #[test]
    fn uppercase_or_short_token_is_a_validation_error() {
        let upper = TOKEN.to_uppercase();
        assert_eq!(error_kind(&body(&upper, "Approved", "")), Some(ErrorKind::ValidationException));
        assert_eq!(error_kind(&body("3f2b9c1e", "Approved", "")), Some(ErrorKind::ValidationException));
        let longer = format!("{TOKEN}0");
        assert_eq!(error_kind(&body(&longer, "Approved", "")), Some(ErrorKind::ValidationException));
    }

    #[test]
    fn status_is_case_sensitive() {
        assert_eq!(error_kind(&body(TOKEN, "approved", "")), Some(ErrorKind::ValidationException));
    }

    #[test]
    fn summary_of_512_chars_passes_and_513_fails() {
        assert_eq!(error_kind(&body(TOKEN, "Rejected", &"é".repeat(512))), None);
        assert_eq!(error_kind(&body(TOKEN, "Rejected", &"x".repeat(513))), Some(ErrorKind::ValidationException));
    }

    #[test]
    fn names_outside_the_character_set_or_too_long_fail() {
        let mut request: Value = serde_json::from_slice(&body(TOKEN, "Approved", "")).expect("json");
        request["stageName"] = Value::from("has space");
        let bytes = request.to_string().into_bytes();
        assert_eq!(error_kind(&bytes), Some(ErrorKind::ValidationException));
        request["stageName"] = Value::from("a".repeat(101));
        let bytes = request.to_string().into_bytes();
        assert_eq!(error_kind(&bytes), Some(ErrorKind::ValidationException));
    }

    #[test]
    fn every_missing_member_is_reported_in_one_message() {
        let (_, checked) = parse_put_approval_result(b"{}");
        let error = checked.expect_err("empty request");
        assert_eq!(error.kind, ErrorKind::ValidationException);
        assert!(error.message.starts_with("6 validation errors detected"), "{}", error.message);
    }

    #[test]
    fn non_object_or_wrongly_typed_body_is_a_serialization_error() {
        assert_eq!(error_kind(b"not json"), Some(ErrorKind::SerializationException));
        assert_eq!(error_kind(b"[]"), Some(ErrorKind::SerializationException));
        let (raw, checked) = parse_put_approval_result(br#"{"pipelineName": 5, "stageName": "s"}"#);
        assert_eq!(checked.map_err(|e| e.kind), Err(ErrorKind::SerializationException));
        assert_eq!(raw.stage_name.as_deref(), Some("s"));
    }

    #[test]
    fn error_body_carries_type_and_message() {
        let error = ApiError::new(ErrorKind::StageNotFoundException, "no stage");
        let body: Value = serde_json::from_str(&error.body()).expect("json");
        assert_eq!(body, serde_json::json!({"__type": "StageNotFoundException", "message": "no stage"}));
    }
}
