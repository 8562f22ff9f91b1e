//! The CodePipeline manual-approval notification: the JSON that CodePipeline publishes to SNS when an approval
//! action starts. The image digest travels in the action's CustomData.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::error::{IdError, NotificationError};
use crate::ids::{ActionName, ApprovalToken, ImageDigest, PipelineName, RepositoryName, StageName};

/// A validated approval request: everything the gate needs to answer it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalNotification {
    pub region: Option<String>,
    pub pipeline: PipelineName,
    pub stage: StageName,
    pub action: ActionName,
    pub token: ApprovalToken,
    pub expires: DateTime<Utc>,
    pub review_link: Option<String>,
    pub digest: ImageDigest,
    /// From `Repository=NAME` in CustomData, when the pipeline names it.
    pub repository: Option<RepositoryName>,
}

#[derive(Deserialize)]
struct RawNotification {
    region: Option<String>,
    approval: RawApproval,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawApproval {
    pipeline_name: String,
    stage_name: String,
    action_name: String,
    token: String,
    expires: String,
    #[serde(default)]
    approval_review_link: Option<String>,
    #[serde(default)]
    custom_data: Option<String>,
}

impl ApprovalNotification {
    /// Parses the `Sns.Message` string of an approval notification.
    pub fn parse(message: &str) -> Result<Self, NotificationError> {
        let de = &mut serde_json::Deserializer::from_str(message);
        let raw: RawNotification = serde_path_to_error::deserialize(&mut *de)
            .map_err(|e| NotificationError::NotJson(format!("at `{}`: {}", e.path(), e.inner())))?;
        // A second document after the first would otherwise be dropped unread (fuzzing found this in the event
        // parser; this one read its input the same way).
        de.end().map_err(|e| NotificationError::NotJson(format!("after the approval document: {e}")))?;
        let a = raw.approval;
        let field = |field: &'static str| move |source: IdError| NotificationError::Field { field, source };
        let pipeline = PipelineName::parse(&a.pipeline_name).map_err(field("approval.pipelineName"))?;
        let stage = StageName::parse(&a.stage_name).map_err(field("approval.stageName"))?;
        let action = ActionName::parse(&a.action_name).map_err(field("approval.actionName"))?;
        let token = ApprovalToken::parse(&a.token).map_err(field("approval.token"))?;
        let expires = parse_expires(&a.expires)
            .ok_or_else(|| NotificationError::Expires { value: a.expires.chars().take(40).collect() })?;
        let custom = a.custom_data.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let Some(custom) = custom else {
            return Err(NotificationError::NoCustomData { pipeline: pipeline.to_string(), action: action.to_string() });
        };
        let target = parse_custom_data(custom).map_err(|why| NotificationError::CustomData {
            pipeline: pipeline.to_string(),
            action: action.to_string(),
            why,
        })?;
        Ok(Self {
            region: raw.region,
            pipeline,
            stage,
            action,
            token,
            expires,
            review_link: a.approval_review_link,
            digest: target.digest,
            repository: target.repository,
        })
    }
}

/// `expires` comes with minute precision (`2024-05-08T12:34Z`), which RFC 3339 parsers refuse; full RFC 3339
/// times are accepted too in case CodePipeline ever sends seconds.
pub fn parse_expires(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%MZ").ok().map(|t| t.and_utc())
}

/// What CustomData says about the image under approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomDataTarget {
    pub digest: ImageDigest,
    pub repository: Option<RepositoryName>,
}

/// Reads CustomData: a bare digest, or `key=value` entries separated by `;`, `,` or newlines, of which
/// `Image_Digest` (any case) is required and `Repository` optional; other keys are the pipeline's own.
/// `Image_Digest` may also be an image reference pinned by digest (`REGISTRY/REPOSITORY@sha256:…`, what builds
/// often export); from an ECR registry it names the repository too.
pub fn parse_custom_data(text: &str) -> Result<CustomDataTarget, String> {
    let text = text.trim();
    if let Ok(digest) = ImageDigest::parse(text) {
        return Ok(CustomDataTarget { digest, repository: None });
    }
    let mut digest: Option<ImageDigest> = None;
    let mut repository: Option<RepositoryName> = None;
    for entry in text.split([';', ',', '\n', '\r']).map(str::trim).filter(|e| !e.is_empty()) {
        let Some((key, value)) = entry.split_once('=') else { continue };
        let (key, value) = (key.trim(), value.trim());
        if key.eq_ignore_ascii_case("image_digest") {
            let (parsed, from_uri) = image_digest_entry(value)?;
            if digest.as_ref().is_some_and(|d| *d != parsed) {
                return Err("customData names two different `Image_Digest` values".to_owned());
            }
            digest = Some(parsed);
            set_repository(&mut repository, from_uri)?;
        } else if key.eq_ignore_ascii_case("repository") {
            let parsed = RepositoryName::parse(value).map_err(|e| format!("customData entry `Repository`: {e}"))?;
            set_repository(&mut repository, Some(parsed))?;
        }
    }
    match digest {
        Some(digest) => Ok(CustomDataTarget { digest, repository }),
        None => Err(
            "customData holds no image digest: set it to `Image_Digest=sha256:<64 hex>` (optionally `;Repository=NAME`)"
                .to_owned(),
        ),
    }
}

/// An `Image_Digest` value: a digest, or `REGISTRY/REPOSITORY@DIGEST` with the repository when the registry is
/// ECR's (`ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]`); another registry's path is not an ECR repository name.
fn image_digest_entry(value: &str) -> Result<(ImageDigest, Option<RepositoryName>), String> {
    let bad = |e: &dyn std::fmt::Display| format!("customData entry `Image_Digest`: {e}");
    let Some((image, digest)) = value.rsplit_once('@') else {
        return ImageDigest::parse(value).map(|d| (d, None)).map_err(|e| bad(&e));
    };
    let digest = ImageDigest::parse(digest).map_err(|e| bad(&e))?;
    let repository = match image.split_once('/') {
        Some((host, path)) if is_ecr_registry(host) => {
            let path = path.split_once(':').map_or(path, |(name, _tag)| name);
            Some(RepositoryName::parse(path).map_err(|e| bad(&e))?)
        }
        _ => None,
    };
    Ok((digest, repository))
}

fn is_ecr_registry(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        [account, "dkr", "ecr", _region, "amazonaws", "com"]
        | [account, "dkr", "ecr", _region, "amazonaws", "com", "cn"] => {
            !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// Two entries naming different repositories are a misconfigured pipeline, not a choice to make for it.
fn set_repository(slot: &mut Option<RepositoryName>, found: Option<RepositoryName>) -> Result<(), String> {
    match (slot.as_ref(), found) {
        (Some(a), Some(b)) if *a != b => Err(format!("customData names two different repositories, `{a}` and `{b}`")),
        (_, Some(b)) => {
            *slot = Some(b);
            Ok(())
        }
        (_, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:965fbcae990b0467ed5657caceaec165018ef44a4d2d46c7cdea80a9dff0d1ea";

    fn message(custom_data: serde_json::Value, expires: &str) -> String {
        serde_json::json!({
            "region": "us-west-2",
            "consoleLink": "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/P/view?region=us-west-2",
            "approval": {
                "pipelineName": "ContainerBuildDeployPipeline",
                "stageName": "ContainerVulnerabilityAssessment",
                "actionName": "ContainerImageApproval",
                "token": "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b",
                "expires": expires,
                "externalEntityLink": null,
                "approvalReviewLink": "https://example.invalid/review",
                "customData": custom_data,
            }
        })
        .to_string()
    }

    #[test]
    fn minute_precision_expiry_is_read_as_utc() {
        let n = ApprovalNotification::parse(&message(format!("Image_Digest={DIGEST}").into(), "2024-05-08T12:34Z"))
            .unwrap();
        assert_eq!(n.expires.to_rfc3339(), "2024-05-08T12:34:00+00:00");
        assert_eq!(n.digest.as_str(), DIGEST);
        assert_eq!(n.pipeline.as_str(), "ContainerBuildDeployPipeline");
        assert_eq!(n.repository, None);
    }

    #[test]
    fn expiry_with_seconds_is_accepted() {
        let n = ApprovalNotification::parse(&message(DIGEST.into(), "2024-05-08T12:34:56.5Z")).unwrap();
        assert_eq!(n.expires.timestamp(), 1715171696);
    }

    #[test]
    fn custom_data_forms() {
        let cases = [
            format!("Image_Digest={DIGEST}"),
            format!("image_digest = {DIGEST}\n"),
            format!("  {DIGEST}  "),
            format!("Team=web; IMAGE_DIGEST={DIGEST}; Build=42"),
            format!("Build=42,Image_Digest={DIGEST}"),
            format!("Build=42\r\nImage_Digest={DIGEST}\r\n"),
        ];
        for case in cases {
            assert_eq!(parse_custom_data(&case).unwrap().digest.as_str(), DIGEST, "{case:?}");
        }
        let with_repo = parse_custom_data(&format!("Image_Digest={DIGEST};Repository=team/web")).unwrap();
        assert_eq!(with_repo.repository.unwrap().as_str(), "team/web");
    }

    #[test]
    fn an_image_pinned_by_digest_gives_the_digest_and_an_ecr_repository() {
        let repo = |text: String| {
            let target = parse_custom_data(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(target.digest.as_str(), DIGEST, "{text}");
            target.repository.map(|r| r.as_str().to_owned())
        };
        let ecr = "111122223333.dkr.ecr.us-west-2.amazonaws.com";
        assert_eq!(repo(format!("Image_Digest={ecr}/team/web@{DIGEST}")).as_deref(), Some("team/web"));
        assert_eq!(repo(format!("Image_Digest={ecr}/web:1.4.2@{DIGEST}")).as_deref(), Some("web"));
        assert_eq!(
            repo(format!("Image_Digest=111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/web@{DIGEST}")).as_deref(),
            Some("web")
        );
        assert_eq!(
            repo(format!("Image_Digest={ecr}/team/web@{DIGEST};Repository=team/web")).as_deref(),
            Some("team/web")
        );
        // Another registry's path is not an ECR repository name: the digest alone is taken.
        assert_eq!(repo(format!("Image_Digest=ghcr.io/acme/web@{DIGEST}")), None);
        assert_eq!(repo(format!("Image_Digest=web@{DIGEST}")), None);
        assert_eq!(repo(format!("Image_Digest={ecr}.example.org/web@{DIGEST}")), None);
    }

    #[test]
    fn an_image_reference_is_refused_when_it_contradicts_or_is_malformed() {
        let ecr = "111122223333.dkr.ecr.us-west-2.amazonaws.com";
        let two = parse_custom_data(&format!("Image_Digest={ecr}/team/web@{DIGEST};Repository=team/api")).unwrap_err();
        assert_eq!(two, "customData names two different repositories, `team/web` and `team/api`");
        let short = parse_custom_data(&format!("Image_Digest={ecr}/web@sha256:abc")).unwrap_err();
        assert!(short.starts_with("customData entry `Image_Digest`: ") && short.contains("64"), "{short}");
        let upper = parse_custom_data(&format!("Image_Digest={ecr}/Team/Web@{DIGEST}")).unwrap_err();
        assert!(upper.starts_with("customData entry `Image_Digest`: ") && upper.contains("Team/Web"), "{upper}");
    }

    #[test]
    fn custom_data_without_a_valid_digest_is_refused_with_the_reason() {
        let no_digest = parse_custom_data("Review the latest changes").unwrap_err();
        assert!(no_digest.contains("no image digest"), "{no_digest}");
        let bad = parse_custom_data("Image_Digest=sha256:abc").unwrap_err();
        assert!(bad.contains("64 hex"), "{bad}");
        let two =
            parse_custom_data(&format!("Image_Digest={DIGEST};Image_Digest=sha256:{}", "0".repeat(64))).unwrap_err();
        assert!(two.contains("two different"), "{two}");
    }

    #[test]
    fn null_custom_data_names_pipeline_and_action() {
        let err = ApprovalNotification::parse(&message(serde_json::Value::Null, "2024-05-08T12:34Z")).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, NotificationError::NoCustomData { .. }));
        assert!(text.contains("ContainerBuildDeployPipeline") && text.contains("ContainerImageApproval"), "{text}");
    }

    #[test]
    fn not_an_approval_message_is_an_error_with_a_path() {
        let err = ApprovalNotification::parse(r#"{"approval": {"pipelineName": 5}}"#).unwrap_err().to_string();
        assert!(err.contains("approval.pipelineName"), "{err}");
        assert!(ApprovalNotification::parse("hello").is_err());
    }

    #[test]
    fn a_second_document_after_the_approval_is_refused_not_dropped() {
        let one = message(format!("Image_Digest={DIGEST}").into(), "2024-05-08T12:34Z");
        let err = ApprovalNotification::parse(&format!("{one}{one}")).unwrap_err().to_string();
        assert!(err.contains("after the approval document") && err.contains("trailing characters"), "{err}");
        assert!(ApprovalNotification::parse(&format!("{one}\n")).is_ok(), "trailing whitespace is fine");
    }

    #[test]
    fn documentation_example_token_is_refused() {
        let mut v: serde_json::Value = serde_json::from_str(&message(DIGEST.into(), "2024-05-08T12:34Z")).unwrap();
        v["approval"]["token"] = "1a2b3c4d-573f-4ea7-a67E-XAMPLETOKEN".into();
        let err = ApprovalNotification::parse(&v.to_string()).unwrap_err();
        assert!(matches!(err, NotificationError::Field { field: "approval.token", .. }));
    }

    #[test]
    fn garbage_expiry_is_refused() {
        let err = ApprovalNotification::parse(&message(DIGEST.into(), "next tuesday")).unwrap_err();
        assert!(matches!(err, NotificationError::Expires { .. }));
    }
}
