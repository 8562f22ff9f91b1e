//! Amazon Inspector's EventBridge events (`Inspector2 Scan`, `Inspector2 Coverage`, `Inspector2 Finding`),
//! read into the one thing the gate cares about: what is known about an ECR image's scan.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::EventError;
use crate::ids::{ImageDigest, ImageRef, RepositoryName};

/// What an event says about an image's scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    /// Inspector finished scanning the image: its findings can be read and judged.
    Complete { image: ImageRef },
    /// Inspector cannot scan the image (e.g. UNSUPPORTED_OS): the policy's `on_unscannable` decides.
    Unscannable { image: ImageRef, reason: String },
    /// Not final yet, or a state the gate does not know: no decision may be based on it.
    Pending { image: ImageRef, reason: String },
    /// Not about an ECR container image (EC2, Lambda, a repository, another source).
    Ignored { why: String },
}

/// A parsed Inspector event: its outcome and, for ordering, when it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectorEvent {
    pub id: Option<String>,
    pub time: Option<DateTime<Utc>>,
    pub outcome: ScanOutcome,
}

/// How a coverage state (the event's `statusCodeValue`, the API's `statusCode`, plus its reason) counts for
/// the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageClass {
    Scanned,
    Unscannable,
    Transient,
}

/// Reasons that mean Inspector will not produce findings for this image, so waiting is pointless. The list is
/// the ECR-relevant part of Inspector's `ScanStatusReason`; anything not named here is treated as transient,
/// so an unknown reason can delay a decision but never approve an image.
const UNSCANNABLE_REASONS: &[&str] = &[
    "UNSUPPORTED_OS",
    "UNSUPPORTED_MEDIA_TYPE",
    "UNSUPPORTED_CONFIG_FILE",
    "UNSUPPORTED_RUNTIME",
    "UNSUPPORTED_LANGUAGE",
    "UNSUPPORTED_CODE_ARTIFACTS",
    "SCAN_ELIGIBILITY_EXPIRED",
    "SCAN_FREQUENCY_MANUAL",
    "ACCESS_DENIED",
    "ACCESS_DENIED_TO_ENCRYPTION_KEY",
    "IMAGE_ARCHIVED",
    "IMAGE_SIZE_EXCEEDED",
    "EXCLUDED_BY_TAG",
    "NO_SCAN_CONFIGURATION_ASSOCIATED",
    "RESOURCE_TERMINATED",
    "NO_RESOURCES_FOUND",
];

/// Reasons that say the image has been scanned (`SCAN_FREQUENCY_SCAN_ON_PUSH`: scanned once at push, not
/// rescanned later), so its findings are final.
const SCANNED_REASONS: &[&str] = &["SUCCESSFUL", "SCAN_FREQUENCY_SCAN_ON_PUSH"];

pub fn classify_coverage(status_code: &str, reason: &str) -> CoverageClass {
    if SCANNED_REASONS.contains(&reason) {
        CoverageClass::Scanned
    } else if status_code == "INACTIVE" && UNSCANNABLE_REASONS.contains(&reason) {
        CoverageClass::Unscannable
    } else {
        // PENDING_INITIAL_SCAN, SCAN_IN_PROGRESS, INTERNAL_ERROR, PENDING_REVIVAL_SCAN, … and unknown values.
        CoverageClass::Transient
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Envelope {
    #[serde(default)]
    id: Option<String>,
    detail_type: String,
    source: String,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    detail: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ScanDetail {
    scan_status: String,
    #[serde(default)]
    repository_name: Option<String>,
    #[serde(default)]
    image_digest: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CoverageDetail {
    scan_status: CoverageStatus,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CoverageStatus {
    #[serde(default)]
    reason: Option<String>,
    status_code_value: String,
}

impl InspectorEvent {
    pub fn parse_str(json: &str) -> Result<Self, EventError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let value: serde_json::Value = serde_path_to_error::deserialize(&mut *de).map_err(shape_error)?;
        // A second event after the first would otherwise be dropped unread (found by fuzzing).
        de.end().map_err(|e| EventError::Shape { path: ".".into(), message: format!("after the event: {e}") })?;
        Self::parse(value)
    }

    /// Reads an EventBridge event as Lambda delivers it.
    pub fn parse(event: serde_json::Value) -> Result<Self, EventError> {
        let env: Envelope = serde_path_to_error::deserialize(event).map_err(shape_error)?;
        let time =
            env.time.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
        let outcome = if env.source != "aws.inspector2" {
            ScanOutcome::Ignored { why: format!("source `{}` is not aws.inspector2", env.source) }
        } else {
            match env.detail_type.as_str() {
                "Inspector2 Scan" => scan_outcome(&env)?,
                "Inspector2 Coverage" => coverage_outcome(&env)?,
                "Inspector2 Finding" => finding_outcome(&env)?,
                other => ScanOutcome::Ignored {
                    why: format!("detail-type `{other}` is not a scan, coverage or finding event"),
                },
            }
        };
        Ok(Self { id: env.id, time, outcome })
    }
}

fn shape_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> EventError {
    EventError::Shape { path: e.path().to_string(), message: e.inner().to_string() }
}

fn detail<T: for<'de> Deserialize<'de>>(env: &Envelope) -> Result<T, EventError> {
    serde_path_to_error::deserialize(&env.detail)
        .map_err(|e| EventError::Shape { path: format!("detail.{}", e.path()), message: e.inner().to_string() })
}

fn scan_outcome(env: &Envelope) -> Result<ScanOutcome, EventError> {
    let d: ScanDetail = detail(env)?;
    // EC2, Lambda and AMI scans share this detail shape; only an ECR repository ARN with a digest is an image.
    let (Some(repo), Some(digest)) = (d.repository_name.as_deref(), d.image_digest.as_deref()) else {
        return Ok(ScanOutcome::Ignored { why: "scan event without an ECR repository and image digest".into() });
    };
    if !repo.starts_with("arn:") || repo.split(':').nth(2) != Some("ecr") {
        return Ok(ScanOutcome::Ignored { why: format!("scan event for `{repo}`, not an ECR repository") });
    }
    let field =
        |field: &'static str| move |source| EventError::Field { detail_type: env.detail_type.clone(), field, source };
    let image = ImageRef {
        repository: RepositoryName::from_arn(repo).map_err(field("detail.repository-name"))?,
        digest: ImageDigest::parse(digest).map_err(field("detail.image-digest"))?,
    };
    Ok(if d.scan_status == "INITIAL_SCAN_COMPLETE" {
        ScanOutcome::Complete { image }
    } else {
        ScanOutcome::Pending { image, reason: format!("scan-status {}", d.scan_status) }
    })
}

/// The ECR image the event's `resources` name, if any. Repository-level and non-ECR resources give `None`.
fn ecr_image(env: &Envelope) -> Result<Option<ImageRef>, EventError> {
    let Some(id) = env
        .resources
        .iter()
        .find(|r| r.starts_with("arn:") && r.split(':').nth(2) == Some("ecr") && r.contains("/sha256:"))
    else {
        return Ok(None);
    };
    ImageRef::from_resource_id(id).map(Some).map_err(|source| EventError::Field {
        detail_type: env.detail_type.clone(),
        field: "resources",
        source,
    })
}

fn coverage_outcome(env: &Envelope) -> Result<ScanOutcome, EventError> {
    let Some(image) = ecr_image(env)? else {
        return Ok(ScanOutcome::Ignored { why: "coverage event not about an ECR image".into() });
    };
    let d: CoverageDetail = detail(env)?;
    let reason = d.scan_status.reason.unwrap_or_default();
    let code = d.scan_status.status_code_value;
    Ok(match classify_coverage(&code, &reason) {
        CoverageClass::Scanned => ScanOutcome::Complete { image },
        CoverageClass::Unscannable => ScanOutcome::Unscannable { image, reason },
        CoverageClass::Transient => ScanOutcome::Pending { image, reason: format!("coverage {code} {reason}") },
    })
}

fn finding_outcome(env: &Envelope) -> Result<ScanOutcome, EventError> {
    // A finding event can arrive while the initial scan is still running: deciding on it could approve an
    // image whose worst finding has not been published yet. It is news about the image, never a verdict.
    Ok(match ecr_image(env)? {
        Some(image) => ScanOutcome::Pending { image, reason: "finding update".into() },
        None => ScanOutcome::Ignored { why: "finding event not about an ECR image".into() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "965fbcae990b0467ed5657caceaec165018ef44a4d2d46c7cdea80a9dff0d1ea";

    fn scan_event(detail: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "version": "0", "id": "fdaa751a-984c-a709-44f9-9a9da9cd3606", "detail-type": "Inspector2 Scan",
            "source": "aws.inspector2", "account": "111122223333", "time": "2023-01-20T23:15:18Z",
            "region": "us-east-1", "resources": ["arn:aws:ecr:us-east-1:111122223333:repository/inspector2"],
            "detail": detail
        })
    }

    fn coverage_event(resource: &str, code: &str, reason: &str) -> serde_json::Value {
        serde_json::json!({
            "version": "0", "id": "7c1e", "detail-type": "Inspector2 Coverage", "source": "aws.inspector2",
            "time": "2024-05-01T12:31:02Z", "resources": [resource],
            "detail": {"scanStatus": {"reason": reason, "statusCodeValue": code}, "scanType": "PACKAGE"}
        })
    }

    #[test]
    fn initial_scan_complete_with_missing_count_keys_is_complete() {
        let e = InspectorEvent::parse(scan_event(serde_json::json!({
            "scan-status": "INITIAL_SCAN_COMPLETE",
            "repository-name": "arn:aws:ecr:us-east-1:111122223333:repository/team/web",
            "finding-severity-counts": {"TOTAL": 3},
            "image-digest": format!("sha256:{HEX}"),
        })))
        .unwrap();
        assert_eq!(e.time.unwrap().to_rfc3339(), "2023-01-20T23:15:18+00:00");
        let ScanOutcome::Complete { image } = e.outcome else { panic!("{:?}", e.outcome) };
        assert_eq!(image.repository.as_str(), "team/web");
    }

    #[test]
    fn ec2_scan_is_ignored() {
        let e = InspectorEvent::parse(scan_event(serde_json::json!({
            "scan-status": "INITIAL_SCAN_COMPLETE", "instance-id": "i-0", "finding-severity-counts": {}
        })))
        .unwrap();
        assert!(matches!(e.outcome, ScanOutcome::Ignored { .. }));
    }

    #[test]
    fn ecr_scan_with_a_bad_digest_is_an_error_not_ignored() {
        let err = InspectorEvent::parse(scan_event(serde_json::json!({
            "scan-status": "INITIAL_SCAN_COMPLETE",
            "repository-name": "arn:aws:ecr:us-east-1:1:repository/x1",
            "image-digest": "sha256:nothex",
        })))
        .unwrap_err();
        assert!(err.to_string().contains("detail.image-digest"), "{err}");
    }

    #[test]
    fn coverage_reasons_are_classified() {
        let res = format!("arn:aws:ecr:us-west-2:111122223333:repository/inspector-workshop/sha256:{HEX}");
        let outcome = |code, reason| InspectorEvent::parse(coverage_event(&res, code, reason)).unwrap().outcome;
        assert!(
            matches!(outcome("INACTIVE", "UNSUPPORTED_OS"), ScanOutcome::Unscannable { reason, .. } if reason == "UNSUPPORTED_OS")
        );
        assert!(matches!(outcome("INACTIVE", "ACCESS_DENIED_TO_ENCRYPTION_KEY"), ScanOutcome::Unscannable { .. }));
        assert!(matches!(outcome("ACTIVE", "SUCCESSFUL"), ScanOutcome::Complete { .. }));
        assert!(matches!(outcome("ACTIVE", "PENDING_INITIAL_SCAN"), ScanOutcome::Pending { .. }));
        assert!(matches!(outcome("INACTIVE", "INTERNAL_ERROR"), ScanOutcome::Pending { .. }));
        assert!(matches!(outcome("INACTIVE", "SOMETHING_NEW_FROM_AWS"), ScanOutcome::Pending { .. }));
        assert!(matches!(outcome("ACTIVE", "UNSUPPORTED_OS"), ScanOutcome::Pending { .. }));
    }

    #[test]
    fn coverage_of_ec2_or_a_repository_is_ignored() {
        for res in ["i-087d63509b8c97098", "arn:aws:ecr:us-west-2:1:repository/web"] {
            let e = InspectorEvent::parse(coverage_event(res, "INACTIVE", "UNSUPPORTED_OS")).unwrap();
            assert!(matches!(e.outcome, ScanOutcome::Ignored { .. }), "{res}");
        }
    }

    #[test]
    fn finding_event_never_decides() {
        let mut e = coverage_event(&format!("arn:aws:ecr:eu-central-1:1:repository/inspector2/sha256:{HEX}"), "", "");
        e["detail-type"] = "Inspector2 Finding".into();
        assert!(matches!(InspectorEvent::parse(e).unwrap().outcome, ScanOutcome::Pending { .. }));
    }

    #[test]
    fn other_sources_are_ignored_and_broken_envelopes_are_errors() {
        let mut e = scan_event(serde_json::json!({}));
        e["source"] = "aws.ecr".into();
        assert!(matches!(InspectorEvent::parse(e).unwrap().outcome, ScanOutcome::Ignored { .. }));
        let err = InspectorEvent::parse_str(r#"{"source": "aws.inspector2"}"#).unwrap_err();
        assert!(err.to_string().contains("detail-type"), "{err}");
    }

    #[test]
    fn a_document_after_the_event_is_refused_not_dropped() {
        let resource = format!("arn:aws:ecr:us-west-2:1:repository/web/sha256:{HEX}");
        let event = coverage_event(&resource, "INACTIVE", "UNSUPPORTED_OS").to_string();
        assert!(InspectorEvent::parse_str(&event).is_ok());
        for trailing in [" {}", "\n]\n    },\n", " x", &event] {
            let err = InspectorEvent::parse_str(&format!("{event}{trailing}")).unwrap_err().to_string();
            assert!(err.contains("after the event") && err.contains("trailing characters"), "{trailing:?}: {err}");
        }
        assert!(InspectorEvent::parse_str(&format!("{event}\n  ")).is_ok(), "trailing whitespace is fine");
    }
}
