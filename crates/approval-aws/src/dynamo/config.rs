//! Where the store writes and how long its items live, read from the Lambda's environment.

use chrono::Duration;
use thiserror::Error;

/// The variable naming the table.
pub const TABLE_VAR: &str = "APPROVAL_TABLE";
/// The variable giving the audit retention after an approval's expiry, in days.
pub const RETENTION_VAR: &str = "RECORD_RETENTION_DAYS";
/// The retention when `RECORD_RETENTION_DAYS` is unset, and the scan state's retention.
pub const DEFAULT_RETENTION_DAYS: i64 = 30;
/// A bound that keeps `expires + retention` far inside chrono's range (and matches the template's limit).
const MAX_RETENTION_DAYS: i64 = 3650;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// The table's name.
    pub table: String,
    /// How long an approval is kept after it expires (its `ttl` is `expires + retention`).
    pub retention: Duration,
    /// How long a digest's scan state is kept after it was observed.
    pub scan_retention: Duration,
    /// Items per Query/Scan page (DynamoDB's `Limit`). `None`: DynamoDB's own 1 MB pages, the production
    /// setting; tests set a small one to exercise pagination.
    pub page_size: Option<i32>,
}

/// Why the store's configuration could not be read from the environment.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreConfigError {
    #[error("{TABLE_VAR} is not set: set it to the name of the approval table")]
    MissingTable,
    #[error("{RETENTION_VAR} must be a whole number of days from 1 to {MAX_RETENTION_DAYS}, not `{value}`")]
    Retention { value: String },
}

impl StoreConfig {
    /// The table with the default retentions and DynamoDB's own page size.
    pub fn new(table: impl Into<String>) -> Self {
        StoreConfig {
            table: table.into(),
            retention: Duration::days(DEFAULT_RETENTION_DAYS),
            scan_retention: Duration::days(DEFAULT_RETENTION_DAYS),
            page_size: None,
        }
    }

    /// Reads `APPROVAL_TABLE` (required) and `RECORD_RETENTION_DAYS` (default 30).
    pub fn from_env() -> Result<Self, StoreConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, StoreConfigError> {
        let table = var(TABLE_VAR).filter(|t| !t.trim().is_empty()).ok_or(StoreConfigError::MissingTable)?;
        let mut config = StoreConfig::new(table.trim());
        if let Some(value) = var(RETENTION_VAR).filter(|v| !v.trim().is_empty()) {
            let days = value
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=MAX_RETENTION_DAYS).contains(d))
                .ok_or_else(|| StoreConfigError::Retention { value: value.chars().take(40).collect() })?;
            config.retention = Duration::days(days);
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<StoreConfig, StoreConfigError> {
        StoreConfig::from_lookup(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn table_alone_gives_the_default_retentions() {
        let config = read(&[(TABLE_VAR, "gate-approvals")]).unwrap();
        assert_eq!(config, StoreConfig::new("gate-approvals"));
        assert_eq!(config.retention, Duration::days(30));
        assert_eq!(config.scan_retention, Duration::days(30));
    }

    #[test]
    fn retention_days_are_read() {
        let config = read(&[(TABLE_VAR, "t"), (RETENTION_VAR, "90")]).unwrap();
        assert_eq!(config.retention, Duration::days(90));
    }

    #[test]
    fn missing_or_empty_table_names_the_variable() {
        for vars in [&[][..], &[(TABLE_VAR, "")][..], &[(TABLE_VAR, "  ")][..]] {
            let err = read(vars).unwrap_err();
            assert_eq!(err, StoreConfigError::MissingTable);
            assert!(err.to_string().contains("APPROVAL_TABLE"), "{err}");
        }
    }

    #[test]
    fn bad_retention_names_the_variable() {
        for bad in ["30d", "1.5", "0", "-3", "99999"] {
            let err = read(&[(TABLE_VAR, "t"), (RETENTION_VAR, bad)]).unwrap_err();
            assert!(err.to_string().contains("RECORD_RETENTION_DAYS"), "{err}");
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
