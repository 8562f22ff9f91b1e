//! Inspector findings: the fields the policy reads, from the API's camelCase JSON (`ListFindings` output and
//! `Inspector2 Finding` details) or built by an adapter from the SDK's types.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Inspector's severities, worst first (the order the decision lists them in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Informational,
    Untriaged,
}

impl Severity {
    pub const ALL: [Severity; 6] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Informational,
        Severity::Untriaged,
    ];

    /// Reads Inspector's name; an unknown severity counts as UNTRIAGED, as the policy says.
    pub fn from_inspector(text: &str) -> Self {
        match text.to_ascii_uppercase().as_str() {
            "CRITICAL" => Self::Critical,
            "HIGH" => Self::High,
            "MEDIUM" => Self::Medium,
            "LOW" => Self::Low,
            "INFORMATIONAL" => Self::Informational,
            _ => Self::Untriaged,
        }
    }

    pub fn as_upper(self) -> &'static str {
        match self {
            Self::Critical => "CRITICAL",
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
            Self::Informational => "INFORMATIONAL",
            Self::Untriaged => "UNTRIAGED",
        }
    }

    pub fn as_lower(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
            Self::Informational => "informational",
            Self::Untriaged => "untriaged",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_upper())
    }
}

/// A finding's status. An unknown status is read as ACTIVE: the gate would rather count a finding it does
/// not understand than let it pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FindingStatus {
    #[default]
    Active,
    Suppressed,
    Closed,
}

impl FindingStatus {
    pub fn from_inspector(text: &str) -> Self {
        match text {
            "SUPPRESSED" => Self::Suppressed,
            "CLOSED" => Self::Closed,
            _ => Self::Active,
        }
    }
}

/// One finding, reduced to what the policy needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RawFinding")]
pub struct Finding {
    /// The vulnerability id (`CVE-…`), or the finding ARN for findings without package details.
    pub id: String,
    pub severity: Severity,
    pub status: FindingStatus,
    /// `YES`, `NO` or `PARTIAL` as Inspector says; `None` when absent.
    pub fix_available: Option<String>,
    pub exploit_available: bool,
    pub epss: Option<f64>,
    pub inspector_score: Option<f64>,
    /// Names of the vulnerable packages.
    pub packages: Vec<String>,
    /// The ECR repository name of the image the finding is on, when the finding says.
    pub repository: Option<String>,
}

impl Finding {
    /// `fixAvailable` YES or PARTIAL; an unknown value counts as fixable, so `only_fixable` never hides it.
    pub fn is_fixable(&self) -> bool {
        self.fix_available.as_deref().is_some_and(|f| f != "NO")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFinding {
    #[serde(default)]
    finding_arn: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    fix_available: Option<String>,
    #[serde(default)]
    exploit_available: Option<String>,
    #[serde(default)]
    epss: Option<RawEpss>,
    #[serde(default)]
    inspector_score: Option<f64>,
    #[serde(default)]
    package_vulnerability_details: Option<RawPackageDetails>,
    #[serde(default, deserialize_with = "null_as_empty")]
    resources: Vec<RawResource>,
}

#[derive(Deserialize)]
struct RawEpss {
    #[serde(default)]
    score: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPackageDetails {
    #[serde(default)]
    vulnerability_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    vulnerable_packages: Vec<RawPackage>,
}

#[derive(Deserialize)]
struct RawPackage {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawResource {
    #[serde(default)]
    details: Option<RawResourceDetails>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawResourceDetails {
    #[serde(default)]
    aws_ecr_container_image: Option<RawEcrImage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEcrImage {
    #[serde(default)]
    repository_name: Option<String>,
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl From<RawFinding> for Finding {
    fn from(raw: RawFinding) -> Self {
        let (vuln_id, packages) = match raw.package_vulnerability_details {
            Some(p) => (p.vulnerability_id, p.vulnerable_packages.into_iter().filter_map(|p| p.name).collect()),
            None => (None, Vec::new()),
        };
        let id = vuln_id.or(raw.finding_arn).unwrap_or_else(|| "(finding without id)".to_owned());
        let repository =
            raw.resources.into_iter().filter_map(|r| r.details?.aws_ecr_container_image?.repository_name).next();
        Finding {
            id,
            severity: raw.severity.as_deref().map_or(Severity::Untriaged, Severity::from_inspector),
            status: raw.status.as_deref().map_or(FindingStatus::Active, FindingStatus::from_inspector),
            fix_available: raw.fix_available,
            exploit_available: raw.exploit_available.as_deref() == Some("YES"),
            epss: raw.epss.and_then(|e| e.score),
            inspector_score: raw.inspector_score,
            packages,
            repository,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_from_the_inspector_guide_sample() {
        let f: Finding = serde_json::from_str(include_str!("../tests/fixtures/findings/finding-openssl.json")).unwrap();
        assert_eq!(f.id, "CVE-2024-6119");
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.status, FindingStatus::Active);
        assert!(f.is_fixable());
        assert!(!f.exploit_available);
        assert_eq!(f.epss, Some(0.00045));
        assert_eq!(f.packages, vec!["openssl".to_owned()]);
        assert_eq!(f.repository.as_deref(), Some("inspector2"));
    }

    #[test]
    fn missing_optional_fields_and_nulls_are_tolerated() {
        let f: Finding = serde_json::from_str(
            r#"{"findingArn": "arn:aws:inspector2:us-east-1:1:finding/abc", "resources": null,
                "packageVulnerabilityDetails": null, "epss": null, "severity": "SOMETHING"}"#,
        )
        .unwrap();
        assert_eq!(f.id, "arn:aws:inspector2:us-east-1:1:finding/abc");
        assert_eq!(f.severity, Severity::Untriaged);
        assert_eq!(f.status, FindingStatus::Active);
        assert!(!f.is_fixable());
    }

    #[test]
    fn statuses_and_fix_values() {
        assert_eq!(FindingStatus::from_inspector("SUPPRESSED"), FindingStatus::Suppressed);
        assert_eq!(FindingStatus::from_inspector("CLOSED"), FindingStatus::Closed);
        assert_eq!(FindingStatus::from_inspector("NEW_STATE"), FindingStatus::Active);
        let fix = |v: &str| Finding { fix_available: Some(v.into()), ..serde_json::from_str::<Finding>("{}").unwrap() };
        assert!(fix("YES").is_fixable() && fix("PARTIAL").is_fixable() && !fix("NO").is_fixable());
    }
}
