//! The errors of approval-core, one enum per entry point: identifiers, the approval notification, Inspector
//! events, findings, the policy, and the flows. Messages are lowercase and name what was wrong and where.

use thiserror::Error;

use crate::ids::NameKind;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IdError {
    #[error("invalid image digest `{value}`: {why}")]
    Digest { value: String, why: &'static str },
    #[error("invalid approval token ({len} characters): CodePipeline tokens are lowercase UUIDs")]
    Token { len: usize },
    #[error("invalid {kind} `{value}`: use 1-100 characters of A-Z a-z 0-9 . @ - _")]
    Name { kind: NameKind, value: String },
    #[error("invalid repository `{value}`: {why}")]
    Repository { value: String, why: &'static str },
}

/// Why an SNS message is not a usable CodePipeline approval notification.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NotificationError {
    #[error("not a CodePipeline approval notification: {0}")]
    NotJson(String),
    #[error("approval notification field `{field}` is invalid: {source}")]
    Field {
        field: &'static str,
        #[source]
        source: IdError,
    },
    #[error(
        "approval notification field `approval.expires` = `{value}` is not a time (expected e.g. 2024-05-08T12:34Z)"
    )]
    Expires { value: String },
    #[error(
        "approval for pipeline `{pipeline}` action `{action}` has no customData: set the action's CustomData to `Image_Digest=sha256:<digest>`"
    )]
    NoCustomData { pipeline: String, action: String },
    #[error("approval for pipeline `{pipeline}` action `{action}`: {why}")]
    CustomData { pipeline: String, action: String, why: String },
}

/// Why an EventBridge event could not be read. Events that are valid but not about an ECR image are not
/// errors: they parse to `ScanOutcome::Ignored`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EventError {
    #[error("invalid EventBridge event at {path}: {message}")]
    Shape { path: String, message: String },
    #[error("Inspector event `{detail_type}` field `{field}` is invalid: {source}")]
    Field {
        detail_type: String,
        field: &'static str,
        #[source]
        source: IdError,
    },
}

/// Why a findings document could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FindingsError {
    #[error("invalid findings JSON at line {line}, column {column} (document {document}, {path}): {message}")]
    Json { document: usize, line: usize, column: usize, path: String, message: String },
    #[error(
        "findings document {document} at line {line} is neither a findings array nor an object with a `findings` array"
    )]
    Shape { document: usize, line: usize },
    #[error("findings of several repositories ({0}); name the one to evaluate with --repository")]
    SeveralRepositories(String),
}

/// Why a policy document was refused. A policy is never silently replaced by the default.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PolicyError {
    #[error("{0}")]
    Toml(String),
    #[error("policy key `{key}`: {why}")]
    Value { key: String, why: String },
}
