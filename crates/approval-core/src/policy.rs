//! The gate policy (`shared/spec/policy.md`): a TOML document, parsed strictly (unknown keys, wrong types and
//! out-of-range values are errors), with the contract's defaults and per-repository overrides.

use std::fmt::Write as _;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::PolicyError;
use crate::finding::Severity;
use crate::glob::Glob;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Enforce,
    Report,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Report => "report",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnUnscannable {
    Reject,
    Approve,
}

/// The most counted findings of each severity an image may have; `None` is no limit. Indexed by
/// [`Severity::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits(pub [Option<u64>; 6]);

impl Limits {
    pub fn get(&self, s: Severity) -> Option<u64> {
        self.0[s.index()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockRules {
    pub exploit_available: bool,
    pub epss_at_least: Option<f64>,
    pub score_at_least: Option<f64>,
}

/// The rules in force for one image, after its repository's override.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    pub mode: Mode,
    pub only_fixable: bool,
    pub on_unscannable: OnUnscannable,
    pub limits: Limits,
    pub block: BlockRules,
}

impl Default for Rules {
    fn default() -> Self {
        let mut limits = [None; 6];
        limits[Severity::Critical.index()] = Some(0);
        limits[Severity::High.index()] = Some(0);
        Rules {
            mode: Mode::Enforce,
            only_fixable: false,
            on_unscannable: OnUnscannable::Reject,
            limits: Limits(limits),
            block: BlockRules { exploit_available: true, epss_at_least: None, score_at_least: None },
        }
    }
}

/// An exception for one vulnerability.
#[derive(Debug, Clone, PartialEq)]
pub struct Allowance {
    pub id: String,
    pub reason: String,
    /// The expiry as the policy wrote it (a date or an RFC 3339 time), for reports.
    pub expires: String,
    /// The first instant at which the entry no longer applies.
    pub expires_at: DateTime<Utc>,
    pub repositories: Option<Vec<Glob>>,
    pub packages: Option<Vec<String>>,
}

/// A `[[repository]]` override: every key it sets replaces the top-level one.
#[derive(Debug, Clone, PartialEq)]
pub struct RepositoryOverride {
    pub pattern: Glob,
    pub mode: Option<Mode>,
    pub only_fixable: Option<bool>,
    pub on_unscannable: Option<OnUnscannable>,
    pub limits: [Option<u64>; 6],
    pub exploit_available: Option<bool>,
    pub epss_at_least: Option<f64>,
    pub score_at_least: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub rules: Rules,
    pub allow: Vec<Allowance>,
    pub repository: Vec<RepositoryOverride>,
    sha256: String,
}

impl Default for Policy {
    fn default() -> Self {
        Policy::from_parts(Rules::default(), Vec::new(), Vec::new())
    }
}

// ---- the TOML shape -------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    mode: Option<Mode>,
    only_fixable: Option<bool>,
    on_unscannable: Option<OnUnscannable>,
    limits: Option<RawLimits>,
    block: Option<RawBlock>,
    #[serde(default)]
    allow: Vec<RawAllow>,
    #[serde(default)]
    repository: Vec<RawRepository>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    critical: Option<u64>,
    high: Option<u64>,
    medium: Option<u64>,
    low: Option<u64>,
    informational: Option<u64>,
    untriaged: Option<u64>,
}

impl RawLimits {
    fn to_array(&self) -> [Option<u64>; 6] {
        [self.critical, self.high, self.medium, self.low, self.informational, self.untriaged]
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBlock {
    exploit_available: Option<bool>,
    epss_at_least: Option<f64>,
    score_at_least: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    id: String,
    reason: String,
    expires: toml::Value,
    repositories: Option<Vec<String>>,
    packages: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepository {
    #[serde(rename = "match")]
    pattern: String,
    mode: Option<Mode>,
    only_fixable: Option<bool>,
    on_unscannable: Option<OnUnscannable>,
    limits: Option<RawLimits>,
    block: Option<RawBlock>,
}

fn value_error(key: impl Into<String>, why: impl Into<String>) -> PolicyError {
    PolicyError::Value { key: key.into(), why: why.into() }
}

fn check_range(key: &str, value: Option<f64>, max: f64) -> Result<Option<f64>, PolicyError> {
    match value {
        Some(v) if !(0.0..=max).contains(&v) => Err(value_error(key, format!("{v} is outside 0.0..={max:.1}"))),
        other => Ok(other),
    }
}

/// A date is valid through the end of that day (UTC); a time is valid until that instant.
fn parse_expiry(key: &str, value: &toml::Value) -> Result<(String, DateTime<Utc>), PolicyError> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        other => {
            return Err(value_error(key, format!("expected a date or an RFC 3339 time, found a {}", other.type_str())));
        }
    };
    if let Ok(date) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        let end = date
            .checked_add_days(Days::new(1))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or_else(|| value_error(key, format!("`{text}` is out of range")))?;
        return Ok((text, end.and_utc()));
    }
    match DateTime::parse_from_rfc3339(&text) {
        Ok(t) => Ok((text, t.with_timezone(&Utc))),
        Err(_) => {
            Err(value_error(key, format!("`{text}` is not a date (YYYY-MM-DD) or an RFC 3339 time with an offset")))
        }
    }
}

fn non_empty(key: &str, value: String) -> Result<String, PolicyError> {
    if value.trim().is_empty() { Err(value_error(key, "must not be empty")) } else { Ok(value) }
}

impl Policy {
    /// Parses and checks a policy document.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| PolicyError::Toml(locate_toml_error(text, &e)))?;
        let defaults = Rules::default();
        let block = raw.block.unwrap_or_default();
        let rules = Rules {
            mode: raw.mode.unwrap_or(defaults.mode),
            only_fixable: raw.only_fixable.unwrap_or(defaults.only_fixable),
            on_unscannable: raw.on_unscannable.unwrap_or(defaults.on_unscannable),
            // A `[limits]` table replaces the default limits as a whole.
            limits: raw.limits.map_or(defaults.limits, |l| Limits(l.to_array())),
            block: BlockRules {
                exploit_available: block.exploit_available.unwrap_or(defaults.block.exploit_available),
                epss_at_least: check_range("block.epss_at_least", block.epss_at_least, 1.0)?,
                score_at_least: check_range("block.score_at_least", block.score_at_least, 10.0)?,
            },
        };
        let allow = raw
            .allow
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                let at = |k: &str| format!("allow[{i}].{k}");
                let (expires, expires_at) = parse_expiry(&at("expires"), &a.expires)?;
                Ok(Allowance {
                    id: non_empty(&at("id"), a.id)?,
                    reason: non_empty(&at("reason"), a.reason)?,
                    expires,
                    expires_at,
                    repositories: a.repositories.map(|r| r.iter().map(|g| Glob::new(g)).collect()),
                    packages: a.packages,
                })
            })
            .collect::<Result<Vec<_>, PolicyError>>()?;
        let repository = raw
            .repository
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let at = |k: &str| format!("repository[{i}].{k}");
                let block = r.block.unwrap_or_default();
                Ok(RepositoryOverride {
                    pattern: Glob::new(&non_empty(&at("match"), r.pattern)?),
                    mode: r.mode,
                    only_fixable: r.only_fixable,
                    on_unscannable: r.on_unscannable,
                    limits: r.limits.unwrap_or_default().to_array(),
                    exploit_available: block.exploit_available,
                    epss_at_least: check_range(&at("block.epss_at_least"), block.epss_at_least, 1.0)?,
                    score_at_least: check_range(&at("block.score_at_least"), block.score_at_least, 10.0)?,
                })
            })
            .collect::<Result<Vec<_>, PolicyError>>()?;
        Ok(Policy::from_parts(rules, allow, repository))
    }

    fn from_parts(rules: Rules, allow: Vec<Allowance>, repository: Vec<RepositoryOverride>) -> Self {
        let mut policy = Policy { rules, allow, repository, sha256: String::new() };
        policy.sha256 = sha256_hex(policy.canonical().to_string().as_bytes());
        policy
    }

    /// SHA-256 of the canonical form: two documents that mean the same (comments, order, defaults spelled
    /// out or not) have the same fingerprint.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The rules for an image of this repository: the first matching override, key by key.
    pub fn rules_for(&self, repository: Option<&str>) -> Rules {
        let mut rules = self.rules;
        let Some(repo) = repository else { return rules };
        let Some(o) = self.repository.iter().find(|o| o.pattern.matches(repo)) else { return rules };
        rules.mode = o.mode.unwrap_or(rules.mode);
        rules.only_fixable = o.only_fixable.unwrap_or(rules.only_fixable);
        rules.on_unscannable = o.on_unscannable.unwrap_or(rules.on_unscannable);
        for (limit, over) in rules.limits.0.iter_mut().zip(o.limits) {
            if over.is_some() {
                *limit = over;
            }
        }
        rules.block.exploit_available = o.exploit_available.unwrap_or(rules.block.exploit_available);
        rules.block.epss_at_least = o.epss_at_least.or(rules.block.epss_at_least);
        rules.block.score_at_least = o.score_at_least.or(rules.block.score_at_least);
        rules
    }

    /// The canonical form: a JSON value with sorted keys and every default spelled out.
    pub fn canonical(&self) -> serde_json::Value {
        use serde_json::json;
        let limits = |l: &[Option<u64>; 6]| {
            Severity::ALL
                .iter()
                .filter_map(|s| l[s.index()].map(|v| (s.as_lower().to_owned(), json!(v))))
                .collect::<serde_json::Map<_, _>>()
        };
        let r = &self.rules;
        json!({
            "mode": r.mode,
            "only_fixable": r.only_fixable,
            "on_unscannable": r.on_unscannable,
            "limits": limits(&r.limits.0),
            "block": {
                "exploit_available": r.block.exploit_available,
                "epss_at_least": r.block.epss_at_least,
                "score_at_least": r.block.score_at_least,
            },
            "allow": self.allow.iter().map(|a| json!({
                "id": a.id,
                "reason": a.reason,
                "expires_at": a.expires_at.to_rfc3339(),
                "repositories": a.repositories.as_ref().map(|g| g.iter().map(Glob::as_str).collect::<Vec<_>>()),
                "packages": a.packages,
            })).collect::<Vec<_>>(),
            "repository": self.repository.iter().map(|o| json!({
                "match": o.pattern.as_str(),
                "mode": o.mode,
                "only_fixable": o.only_fixable,
                "on_unscannable": o.on_unscannable,
                "limits": limits(&o.limits),
                "exploit_available": o.exploit_available,
                "epss_at_least": o.epss_at_least,
                "score_at_least": o.score_at_least,
            })).collect::<Vec<_>>(),
        })
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// toml's own messages span several lines (a source excerpt with a caret); the CLI prints one line that
/// names the place and quotes the offending source line.
fn locate_toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    let Some(span) = e.span() else { return message.to_owned() };
    let start = span.start.min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..start].chars().count() + 1;
    let source_line = text[line_start..].lines().next().unwrap_or_default().trim();
    let source_line: String = source_line.chars().take(80).collect();
    format!("line {line}, column {column}: {message} (in `{source_line}`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_policy_means_the_contract_defaults() {
        let p = Policy::parse("").unwrap();
        assert_eq!(p, Policy::default());
        assert_eq!(p.rules.limits.get(Severity::Critical), Some(0));
        assert_eq!(p.rules.limits.get(Severity::High), Some(0));
        assert_eq!(p.rules.limits.get(Severity::Medium), None);
        assert!(p.rules.block.exploit_available);
        assert_eq!(p.rules.on_unscannable, OnUnscannable::Reject);
    }

    #[test]
    fn a_limits_table_replaces_the_default_limits_whole() {
        let p = Policy::parse("[limits]\nmedium = 5\n").unwrap();
        assert_eq!(p.rules.limits.get(Severity::Critical), None);
        assert_eq!(p.rules.limits.get(Severity::Medium), Some(5));
        // Other keys keep their own default.
        assert!(p.rules.block.exploit_available);
    }

    #[test]
    fn unknown_keys_wrong_types_and_ranges_are_errors() {
        let cases = [
            ("mod = \"report\"", "mod"),
            ("[limits]\ncritcal = 0", "critcal"),
            ("[block]\nepss_at_least = 1.5", "block.epss_at_least"),
            ("[block]\nscore_at_least = -1.0", "block.score_at_least"),
            ("[limits]\nhigh = -1", "high"),
            ("mode = \"warn\"", "warn"),
            ("only_fixable = \"yes\"", "only_fixable"),
            ("[[allow]]\nid = \"CVE-1\"\nreason = \"\"\nexpires = \"2027-01-01\"", "allow[0].reason"),
            ("[[allow]]\nid = \"CVE-1\"\nreason = \"r\"", "expires"),
            ("[[allow]]\nid = \"CVE-1\"\nreason = \"r\"\nexpires = \"soon\"", "allow[0].expires"),
            ("[[repository]]\nmatch = \"x\"\nallow = []", "allow"),
            (
                "[[repository]]\nmatch = \"x\"\n[repository.block]\nepss_at_least = 2.0",
                "repository[0].block.epss_at_least",
            ),
        ];
        for (text, needle) in cases {
            let err = Policy::parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?} gave {err:?}");
            assert!(!err.contains('\n'), "multi-line error: {err:?}");
        }
    }

    #[test]
    fn toml_errors_carry_the_line() {
        let err = Policy::parse("mode = \"enforce\"\n\n[limits]\ncritical = \"none\"\n").unwrap_err().to_string();
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn expiry_dates_last_through_the_day_and_times_are_exact() {
        let p = Policy::parse(
            "[[allow]]\nid = \"A\"\nreason = \"r\"\nexpires = \"2027-01-31\"\n\
             [[allow]]\nid = \"B\"\nreason = \"r\"\nexpires = 2027-01-31T10:00:00+02:00\n",
        )
        .unwrap();
        assert_eq!(p.allow[0].expires_at.to_rfc3339(), "2027-02-01T00:00:00+00:00");
        assert_eq!(p.allow[0].expires, "2027-01-31");
        assert_eq!(p.allow[1].expires_at.to_rfc3339(), "2027-01-31T08:00:00+00:00");
    }

    #[test]
    fn repository_overrides_replace_key_by_key_and_first_match_wins() {
        let p = Policy::parse(
            "[limits]\ncritical = 0\nhigh = 2\n[block]\nepss_at_least = 0.5\n\
             [[repository]]\nmatch = \"sandbox/*\"\nmode = \"report\"\n[repository.limits]\ncritical = 1\n\
             [[repository]]\nmatch = \"sandbox/x\"\nmode = \"enforce\"\n",
        )
        .unwrap();
        let r = p.rules_for(Some("sandbox/x"));
        assert_eq!(r.mode, Mode::Report);
        assert_eq!(r.limits.get(Severity::Critical), Some(1));
        assert_eq!(r.limits.get(Severity::High), Some(2));
        assert_eq!(r.block.epss_at_least, Some(0.5));
        assert_eq!(p.rules_for(Some("web")).mode, Mode::Enforce);
        assert_eq!(p.rules_for(None), p.rules);
    }

    #[test]
    fn fingerprint_ignores_layout_and_spelled_out_defaults() {
        let a = Policy::parse("").unwrap();
        let b = Policy::parse("# comment\nmode = \"enforce\"\n[limits]\nhigh = 0\ncritical = 0\n").unwrap();
        let c = Policy::parse("mode = \"report\"").unwrap();
        assert_eq!(a.sha256(), b.sha256());
        assert_ne!(a.sha256(), c.sha256());
        assert_eq!(a.sha256().len(), 64);
    }
}
