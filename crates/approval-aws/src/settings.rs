//! What the Lambdas and the operator CLI read from their environment, parsed once at init. Every bad value
//! is an error naming the variable: a gate that cannot read its policy must not start.

use std::path::Path;

use approval_core::Policy;
use approval_core::flow::RecordConfig;
use approval_core::glob::Glob;
use chrono::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("GATE_POLICY and GATE_POLICY_FILE are both set: keep one")]
    TwoPolicies,
    #[error("GATE_POLICY_FILE {path}: {message}")]
    PolicyFile { path: String, message: String },
    #[error("invalid gate policy in {source_name}: {message}")]
    Policy { source_name: &'static str, message: String },
    #[error("{name} = `{value}`: {why}")]
    Variable { name: &'static str, value: String, why: &'static str },
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The gate policy from `GATE_POLICY` (TOML text) or `GATE_POLICY_FILE` (a path); neither: the default.
pub fn policy_from_env() -> Result<Policy, SettingsError> {
    match (var("GATE_POLICY"), var("GATE_POLICY_FILE")) {
        (Some(_), Some(_)) => Err(SettingsError::TwoPolicies),
        (Some(text), None) => Policy::parse(&text)
            .map_err(|e| SettingsError::Policy { source_name: "GATE_POLICY", message: e.to_string() }),
        (None, Some(path)) => policy_from_file(Path::new(&path)),
        (None, None) => Ok(Policy::default()),
    }
}

pub fn policy_from_file(path: &Path) -> Result<Policy, SettingsError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SettingsError::PolicyFile { path: path.display().to_string(), message: e.to_string() })?;
    Policy::parse(&text)
        .map_err(|e| SettingsError::PolicyFile { path: path.display().to_string(), message: e.to_string() })
}

/// `CLAIM_LEASE_SECONDS` (default 120): how long a decider's claim on an approval holds. It must outlast one
/// invocation, or a slow run could lose its claim to a retry.
pub fn claim_lease_from_env() -> Result<Duration, SettingsError> {
    let Some(value) = var("CLAIM_LEASE_SECONDS") else { return Ok(Duration::seconds(120)) };
    match value.trim().parse::<i64>() {
        Ok(s) if (1..=86_400).contains(&s) => Ok(Duration::seconds(s)),
        _ => Err(SettingsError::Variable {
            name: "CLAIM_LEASE_SECONDS",
            value,
            why: "expected whole seconds from 1 to 86400",
        }),
    }
}

/// `CONNECT_AT_INIT` (`true` or `false`, default `false`): open the DynamoDB connection during init, when Lambda
/// gives the function a full CPU, rather than on the first event. Off by default: against moto on loopback
/// (no DNS, no TLS) `make bench` measured it adding up to 7 ms to init and not shortening the first event;
/// what it does on Lambda is not measured (README, Performance).
pub fn connect_at_init_from_env() -> Result<bool, SettingsError> {
    connect_at_init(var("CONNECT_AT_INIT").as_deref())
}

fn connect_at_init(value: Option<&str>) -> Result<bool, SettingsError> {
    match value.map(str::trim) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(SettingsError::Variable {
            name: "CONNECT_AT_INIT",
            value: other.to_owned(),
            why: "expected true or false",
        }),
    }
}

fn list(name: &str) -> Option<Vec<String>> {
    var(name).map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
}

/// The recorder's guards: `ALLOWED_TOPIC_ARNS` (comma-separated ARNs) and `ALLOWED_PIPELINES` (comma-separated
/// globs). Unset or empty: no guard.
pub fn record_config_from_env() -> Result<RecordConfig, SettingsError> {
    let allowed_topics = list("ALLOWED_TOPIC_ARNS");
    if let Some(topics) = &allowed_topics
        && let Some(bad) = topics.iter().find(|t| !t.starts_with("arn:") || t.split(':').nth(2) != Some("sns"))
    {
        return Err(SettingsError::Variable {
            name: "ALLOWED_TOPIC_ARNS",
            value: bad.clone(),
            why: "expected SNS topic ARNs (arn:aws:sns:REGION:ACCOUNT:NAME), comma-separated",
        });
    }
    let allowed_pipelines = list("ALLOWED_PIPELINES").map(|globs| globs.iter().map(|g| Glob::new(g)).collect());
    Ok(RecordConfig { allowed_topics, allowed_pipelines })
}

/// JSON logs for CloudWatch, filtered by `RUST_LOG` (default `info`).
pub fn init_json_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_target(false)
        .with_current_span(false)
        .flatten_event(true)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_at_init_is_off_unless_turned_on_and_refuses_anything_else() {
        assert!(!connect_at_init(None).unwrap());
        assert!(!connect_at_init(Some("false")).unwrap());
        assert!(connect_at_init(Some(" true ")).unwrap());
        let err = connect_at_init(Some("no")).unwrap_err().to_string();
        assert_eq!(err, "CONNECT_AT_INIT = `no`: expected true or false");
    }
}
