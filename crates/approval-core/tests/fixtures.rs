//! Every payload fixture under `tests/fixtures/`, read by the parser that owns its shape and compared with the
//! exact outcome its table row states. The same files seed the fuzzing corpora, so a file that no row names
//! fails the suite: no fixture goes unchecked.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::fs;
use std::path::{Path, PathBuf};

use approval_core::dump::parse_findings;
use approval_core::error::{EventError, FindingsError, IdError, NotificationError};
use approval_core::finding::{Finding, FindingStatus, Severity};
use approval_core::{
    ActionName, ApprovalNotification, ApprovalToken, ImageDigest, ImageRef, InspectorEvent, PipelineName, Policy,
    RepositoryName, ScanOutcome, StageName,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

// ---- reading fixtures ------------------------------------------------------------------------------------

fn fixture_dir(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir)
}

fn read(dir: &str, file: &str) -> String {
    let path = fixture_dir(dir).join(file);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Collects every mismatch of a table, so one run names all the fixtures that changed, not just the first.
#[derive(Default)]
struct Mismatches(Vec<String>);

impl Mismatches {
    fn check<T: PartialEq + Debug>(&mut self, file: &str, actual: &T, expected: &T) {
        if actual != expected {
            self.0.push(format!("{file}:\n  expected {expected:#?}\n  actual   {actual:#?}"));
        }
    }

    fn assert_none(self, dir: &str) {
        assert!(self.0.is_empty(), "{} fixture(s) in {dir}/ differ:\n\n{}", self.0.len(), self.0.join("\n\n"));
    }
}

// ---- identifiers used by the fixtures --------------------------------------------------------------------

const D0: &str = "sha256:965fbcae990b0467ed5657caceaec165018ef44a4d2d46c7cdea80a9dff0d1ea";
const D1: &str = "sha256:a6ba85ba4df46d5eb0e5c876e9282c770ee688222b5aa0f515e9aaa83eba9971";
const D2: &str = "sha256:46086e43e4632d6f735b6770d258385abe24169b5eac260127ee4a69ef22bd33";
const D3: &str = "sha256:b1f22b2dc03730dba58c0870e7d7f95cc09625bfa7dedcf2d995ff9fad5c51dc";
const D_ECR_GUIDE: &str = "sha256:36c72db7b853c24d0c8c3d20608505dea3d44f800a96778911de7fefb6c415f8";
const D_FINDING: &str = "sha256:84f507df33c6864d49c296fb734192696e4cb6f78166ac51ac8b9b118181085d";
const T0: &str = "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b";
const T1: &str = "0c35520a-b7e6-403d-ba3f-e02120b524c3";
const T3: &str = "cc321bd7-1429-4797-a002-6c4bdcd46ed7";
const T4: &str = "90124128-9168-4f11-acea-c0f149bbd778";
const T5: &str = "66264c70-773e-4ac4-9afd-1f4b592e8fc5";
const T6: &str = "5ba85b97-cb0d-409e-9b00-4616d66c36f4";

const PIPELINE: &str = "ContainerBuildDeployPipeline";
const STAGE: &str = "ContainerVulnerabilityAssessment";
const ACTION: &str = "ContainerImageApproval";

fn digest(text: &str) -> ImageDigest {
    ImageDigest::parse(text).unwrap_or_else(|e| panic!("test constant {text}: {e}"))
}

fn repository(text: &str) -> RepositoryName {
    RepositoryName::parse(text).unwrap_or_else(|e| panic!("test constant {text}: {e}"))
}

fn image(repo: &str, d: &str) -> ImageRef {
    ImageRef { repository: repository(repo), digest: digest(d) }
}

fn time(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap_or_else(|e| panic!("test constant {rfc3339}: {e}")).to_utc()
}

// ---- notifications/: the `Sns.Message` of a CodePipeline approval -----------------------------------------

/// The approval the §2.1 realistic message describes, with its token, expiry and CustomData target swapped in.
fn approval(token: &str, expires: &str, d: &str, repo: Option<&str>) -> ApprovalNotification {
    let console =
        format!("https://console.aws.amazon.com/codesuite/codepipeline/pipelines/{PIPELINE}/view?region=us-west-2");
    ApprovalNotification {
        region: Some("us-west-2".into()),
        pipeline: PipelineName::parse(PIPELINE).unwrap_or_else(|e| panic!("{e}")),
        stage: StageName::parse(STAGE).unwrap_or_else(|e| panic!("{e}")),
        action: ActionName::parse(ACTION).unwrap_or_else(|e| panic!("{e}")),
        token: ApprovalToken::parse(token).unwrap_or_else(|e| panic!("test constant {token}: {e}")),
        expires: time(expires),
        review_link: Some(format!("{console}#/{STAGE}/{ACTION}/approve/{token}")),
        digest: digest(d),
        repository: repo.map(repository),
    }
}

fn custom_data_error(why: &str) -> NotificationError {
    NotificationError::CustomData { pipeline: PIPELINE.into(), action: ACTION.into(), why: why.into() }
}

fn not_json(message: &str) -> NotificationError {
    NotificationError::NotJson(message.into())
}

fn no_custom_data(pipeline: &str, action: &str) -> NotificationError {
    NotificationError::NoCustomData { pipeline: pipeline.into(), action: action.into() }
}

/// `"expires": "2024-05-08T12:34Z"` (minute precision, as CodePipeline sends it), read as UTC.
const MINUTE: &str = "2024-05-08T12:34:00Z";

fn notification_table() -> Vec<(&'static str, Result<ApprovalNotification, NotificationError>)> {
    vec![
        ("approval-realistic.json", Ok(approval(T0, MINUTE, D0, None))),
        (
            "approval-documentation-example.json",
            Err(NotificationError::Field { field: "approval.token", source: IdError::Token { len: 35 } }),
        ),
        ("custom-data-null.json", Err(no_custom_data("vrathore-slack-test2-sandbox", "ManualApproval"))),
        ("custom-data-empty-string.json", Err(no_custom_data(PIPELINE, ACTION))),
        ("custom-data-whitespace-only.json", Err(no_custom_data(PIPELINE, ACTION))),
        (
            "external-entity-link-null.json",
            Ok(ApprovalNotification {
                region: Some("us-east-1".into()),
                review_link: Some(format!(
                    "https://console.aws.amazon.com/codepipeline/home?region=us-east-1\
                     #/view/{PIPELINE}/{STAGE}/{ACTION}/approve/{T3}"
                )),
                ..approval(T3, MINUTE, D0, None)
            }),
        ),
        ("external-entity-link-url.json", Ok(approval(T3, MINUTE, D0, None))),
        (
            "expires-minute-precision.json",
            Ok(ApprovalNotification {
                region: Some("us-east-1".into()),
                review_link: Some(format!(
                    "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/{PIPELINE}/view?region=us-east-1\
                     #/{STAGE}/{ACTION}/approve/{T1}"
                )),
                ..approval(T1, "2022-08-30T11:09:00Z", D0, None)
            }),
        ),
        ("expires-with-seconds.json", Ok(approval(T4, "2024-05-08T12:34:56Z", D0, None))),
        ("expires-with-fraction-and-offset.json", Ok(approval(T4, "2024-05-08T12:34:56.789Z", D0, None))),
        ("expires-not-a-time.json", Err(NotificationError::Expires { value: "2024-05-08".into() })),
        ("custom-data-trailing-newline.json", Ok(approval(T1, MINUTE, D0, None))),
        ("custom-data-bare-digest.json", Ok(approval(T5, MINUTE, D1, None))),
        ("custom-data-repository-semicolon.json", Ok(approval(T5, MINUTE, D1, Some("team/web")))),
        ("custom-data-repository-comma.json", Ok(approval(T5, MINUTE, D1, Some("team/web")))),
        ("custom-data-repository-newline-list.json", Ok(approval(T5, MINUTE, D1, Some("team/web")))),
        ("custom-data-repository-arn.json", Ok(approval(T5, MINUTE, D1, Some("team/web")))),
        (
            "custom-data-repository-invalid.json",
            Err(custom_data_error(
                "customData entry `Repository`: invalid repository `Team/Web`: an ECR repository name is 2-256 \
                 characters of a-z, 0-9, `.`, `_`, `-`, `/`",
            )),
        ),
        ("custom-data-free-text-with-digest-line.json", Ok(approval(T6, MINUTE, D2, None))),
        (
            "custom-data-without-digest.json",
            Err(custom_data_error(
                "customData holds no image digest: set it to `Image_Digest=sha256:<64 hex>` (optionally \
                 `;Repository=NAME`)",
            )),
        ),
        (
            "custom-data-digest-too-short.json",
            Err(custom_data_error(
                "customData entry `Image_Digest`: invalid image digest `sha256:965fbcae990b`: it must have exactly 64 \
                 hex digits after `sha256:`",
            )),
        ),
        (
            "custom-data-digest-uppercase-hex.json",
            Err(custom_data_error(
                "customData entry `Image_Digest`: invalid image digest \
                 `sha256:965FBCAE990B0467ED5657CACEAEC165018EF44A4D2D46C7CDEA80A9DFF0D1EA`: its hex digits must be 0-9 \
                 or lowercase a-f",
            )),
        ),
        // A common way to pass an image (`REPOSITORY_URI@DIGEST`): the digest, and the repository from the ECR URI.
        ("custom-data-image-uri-with-digest.json", Ok(approval(T6, MINUTE, D2, Some("team/web")))),
        (
            "custom-data-two-digests.json",
            Err(custom_data_error("customData names two different `Image_Digest` values")),
        ),
        (
            "wrong-type-token-number.json",
            Err(not_json("at `approval.token`: invalid type: integer `3`, expected a string at line 8 column 14")),
        ),
        (
            "wrong-type-custom-data-object.json",
            Err(not_json("at `approval.customData`: invalid type: map, expected a string at line 12 column 18")),
        ),
        ("missing-expires.json", Err(not_json("at `approval`: missing field `expires` at line 12 column 3"))),
        (
            "not-an-approval-cloudwatch-alarm.json",
            Err(not_json("at `.`: missing field `approval` at line 27 column 1")),
        ),
    ]
}

#[test]
fn notification_fixtures_parse_to_the_expected_approval_or_refusal() {
    let mut m = Mismatches::default();
    for (file, expected) in notification_table() {
        let actual = ApprovalNotification::parse(&read("notifications", file));
        m.check(file, &actual, &expected);
    }
    m.assert_none("notifications");
}

// ---- sns/: whole SNS -> Lambda events --------------------------------------------------------------------

/// The Lambda SNS envelope as `aws_lambda_events::sns::SnsEvent` reads it, reduced to what the recorder takes
/// out of it (`approval-recorder` maps each record to an `SnsMessageIn`). approval-core stays free of the
/// Lambda crates, so the envelope is read here with plain serde.
#[derive(Deserialize)]
struct SnsEvent {
    #[serde(rename = "Records")]
    records: Vec<SnsRecord>,
}

#[derive(Deserialize)]
struct SnsRecord {
    #[serde(rename = "EventSource")]
    event_source: String,
    #[serde(rename = "Sns")]
    sns: SnsMessage,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SnsMessage {
    message_id: String,
    topic_arn: String,
    #[serde(default)]
    subject: Option<String>,
    message: String,
    #[serde(default)]
    message_attributes: Option<BTreeMap<String, SnsAttribute>>,
}

#[derive(Deserialize)]
struct SnsAttribute {
    #[serde(rename = "Type")]
    data_type: String,
    #[serde(rename = "Value")]
    value: String,
}

/// What one record comes to: message id, topic, subject, attributes (name, type, value) and the approval.
#[derive(Debug, PartialEq)]
struct SnsOutcome {
    message_id: String,
    topic_arn: String,
    subject: Option<String>,
    attributes: Vec<(String, String, String)>,
    approval: Result<ApprovalNotification, NotificationError>,
}

const TOPIC: &str = "arn:aws:sns:us-west-2:111122223333:ContainerApprovalTopic";
const SUBJECT: &str = "APPROVAL NEEDED: AWS CodePipeline ContainerBuildDeployPipe... for action ContainerImageApproval";

fn sns(
    message_id: &str,
    subject: Option<&str>,
    attributes: &[(&str, &str, &str)],
    approval: Result<ApprovalNotification, NotificationError>,
) -> SnsOutcome {
    SnsOutcome {
        message_id: message_id.into(),
        topic_arn: TOPIC.into(),
        subject: subject.map(str::to_owned),
        attributes: attributes.iter().map(|&(n, t, v)| (n.into(), t.into(), v.into())).collect(),
        approval,
    }
}

/// The realistic approval of another pipeline (its console and review links name that pipeline).
fn approval_of(pipeline: &str, token: &str, d: &str, repo: Option<&str>) -> ApprovalNotification {
    let console =
        format!("https://console.aws.amazon.com/codesuite/codepipeline/pipelines/{pipeline}/view?region=us-west-2");
    ApprovalNotification {
        pipeline: PipelineName::parse(pipeline).unwrap_or_else(|e| panic!("{e}")),
        review_link: Some(format!("{console}#/{STAGE}/{ACTION}/approve/{token}")),
        ..approval(token, MINUTE, d, repo)
    }
}

fn sns_table() -> Vec<(&'static str, Vec<SnsOutcome>)> {
    vec![
        (
            "sns-one-record.json",
            vec![sns("341a58fe-f662-55aa-b071-038041d6eb47", Some(SUBJECT), &[], Ok(approval(T0, MINUTE, D0, None)))],
        ),
        (
            "sns-several-records.json",
            vec![
                sns("341a58fe-f662-55aa-b071-038041d6eb47", Some(SUBJECT), &[], Ok(approval(T0, MINUTE, D0, None))),
                sns(
                    "5f0d2c1b-8a3e-5b7f-9c4d-2e1f0a3b4c5d",
                    Some("APPROVAL NEEDED: AWS CodePipeline web-main for action ContainerImageApproval"),
                    &[],
                    Ok(approval_of("web-main", T5, D1, Some("team/web"))),
                ),
                sns(
                    "9a8b7c6d-5e4f-5a3b-8c2d-1e0f9a8b7c6d",
                    Some("APPROVAL NEEDED: AWS CodePipeline legacy-pipeline for action ContainerImageApproval"),
                    &[],
                    Err(no_custom_data("legacy-pipeline", ACTION)),
                ),
            ],
        ),
        (
            "sns-subject-null.json",
            vec![sns("0b1c2d3e-4f5a-5b6c-8d7e-9f0a1b2c3d4e", None, &[], Ok(approval(T3, MINUTE, D2, None)))],
        ),
        (
            "sns-message-attributes.json",
            vec![sns(
                "7e6d5c4b-3a2f-5e1d-9c0b-a9f8e7d6c5b4",
                Some(SUBJECT),
                &[
                    ("Build", "Number", "42"),
                    ("Tags", "String.Array", r#"["release","blue"]"#),
                    ("Team", "String", "web"),
                ],
                Ok(approval(T4, MINUTE, D3, None)),
            )],
        ),
        (
            "sns-message-not-an-approval.json",
            vec![sns(
                "82833b5c-8d5d-56d0-b0e1-7511f8253eb8",
                Some("Greetings"),
                &[],
                Err(not_json("at `.`: expected value at line 1 column 1")),
            )],
        ),
    ]
}

#[test]
fn sns_envelope_fixtures_carry_the_expected_approval_in_each_record() {
    let mut m = Mismatches::default();
    for (file, expected) in sns_table() {
        let text = read("sns", file);
        let event: SnsEvent = serde_json::from_str(&text).unwrap_or_else(|e| panic!("sns/{file}: {e}"));
        let actual: Vec<SnsOutcome> = event
            .records
            .into_iter()
            .map(|r| {
                assert_eq!(r.event_source, "aws:sns", "sns/{file}");
                SnsOutcome {
                    approval: ApprovalNotification::parse(&r.sns.message),
                    message_id: r.sns.message_id,
                    topic_arn: r.sns.topic_arn,
                    subject: r.sns.subject,
                    attributes: r
                        .sns
                        .message_attributes
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(name, a)| (name, a.data_type, a.value))
                        .collect(),
                }
            })
            .collect();
        m.check(file, &actual, &expected);
    }
    m.assert_none("sns");
}

// ---- events/: EventBridge events -------------------------------------------------------------------------

fn event(id: &str, at: &str, outcome: ScanOutcome) -> Result<InspectorEvent, EventError> {
    Ok(InspectorEvent { id: Some(id.into()), time: Some(time(at)), outcome })
}

fn event_table() -> Vec<(&'static str, Result<InspectorEvent, EventError>)> {
    vec![
        (
            "scan-inspector-guide-zero-counts.json",
            event(
                "fdaa751a-984c-a709-44f9-9a9da9cd3606",
                "2023-01-20T23:15:18Z",
                ScanOutcome::Complete { image: image("inspector2", D0) },
            ),
        ),
        (
            "scan-ecr-guide-missing-severity-keys.json",
            event(
                "3c7b1a5e-2f4d-8e9a-0b6c-7d1e2f3a4b5c",
                "2022-03-22T17:52:58Z",
                ScanOutcome::Complete { image: image("amazon/amazon-ecs-sample", D_ECR_GUIDE) },
            ),
        ),
        (
            "scan-repository-arn-nested-name.json",
            event(
                "b2c3d4e5-f6a7-b8c9-d0e1-f2a3b4c5d6e7",
                "2024-05-01T12:33:10Z",
                ScanOutcome::Complete { image: image("platform/payments/api", D3) },
            ),
        ),
        (
            "scan-ec2-instance.json",
            event(
                "a1b2c3d4-e5f6-a7b8-c9d0-e1f2a3b4c5d6",
                "2023-01-20T23:20:44Z",
                ScanOutcome::Ignored { why: "scan event without an ECR repository and image digest".into() },
            ),
        ),
        (
            "coverage-ecr-unsupported-os-inactive.json",
            event(
                "7c1e0d3a-5b2f-4c7e-9a11-3f4e5d6c7b8a",
                "2024-05-01T12:31:02Z",
                ScanOutcome::Unscannable { image: image("inspector-workshop", D0), reason: "UNSUPPORTED_OS".into() },
            ),
        ),
        (
            "coverage-ecr-pending-initial-scan.json",
            event(
                "8d2f1e4b-6c3a-4d8f-ab22-4a5f6e7d8c9b",
                "2024-05-01T12:30:12Z",
                ScanOutcome::Pending {
                    image: image("inspector-workshop", D0),
                    reason: "coverage ACTIVE PENDING_INITIAL_SCAN".into(),
                },
            ),
        ),
        (
            "coverage-ecr-successful-active.json",
            event(
                "9e3a2f5c-7d4b-4e9a-bc33-5b6a7f8e9d0c",
                "2024-05-01T12:36:40Z",
                ScanOutcome::Complete { image: image("team/web", D1) },
            ),
        ),
        (
            "coverage-ecr-scan-on-push-inactive.json",
            event(
                "af4b3a6d-8e5c-4fab-8d44-6c7b8a9f0e1d",
                "2024-05-02T09:00:05Z",
                ScanOutcome::Complete { image: image("team/web", D1) },
            ),
        ),
        (
            "coverage-ecr-unknown-reason.json",
            event(
                "b05c4b7e-9f6d-40bc-9e55-7d8c9b0a1f2e",
                "2024-05-01T12:31:02Z",
                ScanOutcome::Pending {
                    image: image("team/web", D2),
                    reason: "coverage INACTIVE SOME_REASON_ADDED_LATER".into(),
                },
            ),
        ),
        (
            "coverage-ec2-unmanaged-instance.json",
            event(
                "000adda5-0fbf-913e-bc0e-10f0376412aa",
                "2023-01-20T22:51:39Z",
                ScanOutcome::Ignored { why: "coverage event not about an ECR image".into() },
            ),
        ),
        (
            "finding-ecr-package-vulnerability.json",
            event(
                "5325facf-a1aa-7d97-6bce-25fde6f6d2fc",
                "2024-09-04T16:55:38Z",
                ScanOutcome::Pending { image: image("inspector2", D_FINDING), reason: "finding update".into() },
            ),
        ),
        (
            "ecr-basic-image-scan.json",
            event(
                "01234567-0123-0123-0123-012345678901",
                "2019-10-30T21:32:27Z",
                ScanOutcome::Ignored { why: "source `aws.ecr` is not aws.inspector2".into() },
            ),
        ),
        (
            "envelope-missing-detail-type.json",
            Err(EventError::Shape { path: ".".into(), message: "missing field `detail-type`".into() }),
        ),
    ]
}

#[test]
fn event_fixtures_give_the_expected_scan_outcome() {
    let mut m = Mismatches::default();
    for (file, expected) in event_table() {
        let actual = InspectorEvent::parse_str(&read("events", file));
        m.check(file, &actual, &expected);
    }
    m.assert_none("events");
}

// ---- findings/: single findings and ListFindings dumps ---------------------------------------------------

enum FindingsFixture {
    /// One `Finding` object (an `Inspector2 Finding` event's `detail`); not a dump, so `parse_findings` refuses it.
    Single(Finding, FindingsError),
    /// What `aws inspector2 list-findings` writes: pages, bare arrays, or several documents in a row.
    Dump(Result<Vec<Finding>, FindingsError>),
}

/// The common shape of the page fixtures' findings: active, fixable, no exploit, on an image of `team/web`.
fn finding(id: &str, severity: Severity, packages: &[&str]) -> Finding {
    Finding {
        id: id.into(),
        severity,
        status: FindingStatus::Active,
        fix_available: Some("YES".into()),
        exploit_available: false,
        epss: None,
        inspector_score: None,
        packages: packages.iter().map(|&p| p.to_owned()).collect(),
        repository: Some("team/web".into()),
    }
}

/// Line and column are those of the fixture as written: reformatting the file moves them.
fn json_error(document: usize, line: usize, column: usize, path: &str, message: &str) -> FindingsError {
    FindingsError::Json { document, line, column, path: path.into(), message: message.into() }
}

fn findings_table() -> Vec<(&'static str, FindingsFixture)> {
    use FindingsFixture::{Dump, Single};
    vec![
        (
            "finding-openssl.json",
            Single(
                Finding {
                    epss: Some(0.00045),
                    repository: Some("inspector2".into()),
                    ..finding("CVE-2024-6119", Severity::Medium, &["openssl"])
                },
                json_error(1, 46, 1, "$", "missing field `findings`"),
            ),
        ),
        (
            "page-with-next-token.json",
            Dump(Ok(vec![
                Finding {
                    exploit_available: true,
                    epss: Some(0.97251),
                    inspector_score: Some(9.8),
                    ..finding("CVE-2023-38545", Severity::Critical, &["curl", "libcurl4"])
                },
                Finding {
                    fix_available: Some("NO".into()),
                    epss: Some(0.00043),
                    inspector_score: Some(7.3),
                    ..finding("CVE-2024-2961", Severity::High, &["libc6"])
                },
                Finding {
                    fix_available: Some("PARTIAL".into()),
                    ..finding("CVE-2023-4039", Severity::Low, &["gcc-12-base"])
                },
            ])),
        ),
        (
            "pages-concatenated.json",
            Dump(Ok(vec![
                finding("CVE-2024-6119", Severity::Medium, &["openssl"]),
                finding("GHSA-9wx4-h78v-vm56", Severity::High, &["requests"]),
                finding("CVE-2024-6119", Severity::Medium, &["libssl3"]),
            ])),
        ),
        ("bare-array.json", Dump(Ok(vec![finding("CVE-2022-40897", Severity::Medium, &["setuptools"])]))),
        ("page-empty-with-next-token.json", Dump(Ok(vec![]))),
        ("page-severity-missing.json", Dump(Ok(vec![finding("CVE-2024-0001", Severity::Untriaged, &["zlib1g"])]))),
        (
            "page-severity-untriaged.json",
            Dump(Ok(vec![Finding {
                fix_available: Some("NO".into()),
                ..finding("CVE-2024-45490", Severity::Untriaged, &["libexpat1"])
            }])),
        ),
        (
            "page-network-reachability-no-package-details.json",
            Dump(Ok(vec![Finding {
                fix_available: None,
                repository: None,
                ..finding(
                    "arn:aws:inspector2:us-west-2:111122223333:finding/21de8aed584fec99e002f918a02ec4df",
                    Severity::Medium,
                    &[],
                )
            }])),
        ),
        (
            "page-repository-nested-name.json",
            Dump(Ok(vec![Finding {
                repository: Some("platform/payments/api".into()),
                ..finding("CVE-2023-44487", Severity::High, &["golang.org/x/net"])
            }])),
        ),
        (
            "page-status-suppressed-and-closed.json",
            Dump(Ok(vec![
                Finding {
                    status: FindingStatus::Suppressed,
                    ..finding("CVE-2023-38545", Severity::Critical, &["curl"])
                },
                Finding { status: FindingStatus::Closed, ..finding("CVE-2023-44487", Severity::High, &["nghttp2"]) },
                finding("CVE-2023-4039", Severity::Low, &["gcc-12-base"]),
            ])),
        ),
        (
            "page-null-fields-unknown-severity.json",
            Dump(Ok(vec![Finding {
                fix_available: None,
                repository: None,
                ..finding(
                    "arn:aws:inspector2:us-west-2:111122223333:finding/a2109f8e7d6c5b4a39281706f5e4d3c2",
                    Severity::Untriaged,
                    &[],
                )
            }])),
        ),
        ("object-without-findings-key.json", Dump(Err(json_error(1, 3, 1, "$", "missing field `findings`")))),
        ("empty-file.json", Dump(Err(json_error(1, 1, 1, "$", "no findings document: the input is empty")))),
        (
            "page-severity-wrong-type.json",
            Dump(Err(json_error(1, 58, 19, "$.findings[0].severity", "invalid type: integer `3`, expected a string"))),
        ),
    ]
}

#[test]
fn findings_fixtures_give_the_expected_findings() {
    let mut m = Mismatches::default();
    for (file, expected) in findings_table() {
        let text = read("findings", file);
        match expected {
            FindingsFixture::Single(finding, dump_error) => {
                let actual = serde_json::from_str::<Finding>(&text).map_err(|e| e.to_string());
                m.check(file, &actual, &Ok(finding));
                m.check(file, &parse_findings(text.as_bytes()), &Err(dump_error));
            }
            FindingsFixture::Dump(expected) => m.check(file, &parse_findings(text.as_bytes()), &expected),
        }
    }
    m.assert_none("findings");
}

// ---- policies/: gate policies ----------------------------------------------------------------------------

enum PolicyFixture {
    /// The contract's defaults: equal to `Policy::default()`, fingerprint included.
    Default,
    /// Accepted, with this canonical form (every parsed value, defaults spelled out).
    Canonical(serde_json::Value),
    /// Refused with this message.
    Refused(&'static str),
}

fn policy_table() -> Vec<(&'static str, PolicyFixture)> {
    use PolicyFixture::{Canonical, Default, Refused};
    let no_block_scores = json!({"exploit_available": true, "epss_at_least": null, "score_at_least": null});
    vec![
        ("default.toml", Default),
        ("empty.toml", Default),
        (
            "spec-example.toml",
            Canonical(json!({
                "mode": "enforce", "only_fixable": false, "on_unscannable": "reject",
                "limits": {"critical": 0, "high": 0},
                "block": {"exploit_available": true, "epss_at_least": 0.5, "score_at_least": 9.0},
                "allow": [{
                    "id": "CVE-2024-6119", "reason": "not reachable", "expires_at": "2027-02-01T00:00:00+00:00",
                    "repositories": ["web/*"], "packages": ["openssl"],
                }],
                "repository": [{
                    "match": "sandbox/*", "mode": "report", "only_fixable": null, "on_unscannable": null,
                    "limits": {"critical": 1}, "exploit_available": null, "epss_at_least": null, "score_at_least": null,
                }],
            })),
        ),
        (
            "full-every-key.toml",
            Canonical(json!({
                "mode": "report", "only_fixable": true, "on_unscannable": "approve",
                "limits": {"critical": 0, "high": 2, "medium": 10, "low": 50, "informational": 100, "untriaged": 5},
                "block": {"exploit_available": false, "epss_at_least": 0.35, "score_at_least": 9.5},
                "allow": [
                    {
                        "id": "CVE-2024-6119",
                        "reason": "X.509 name checks are not reachable from our code paths",
                        "expires_at": "2027-02-01T00:00:00+00:00",
                        "repositories": ["team/*", "platform/payments/api"],
                        "packages": ["openssl", "libssl3"],
                    },
                    {
                        "id": "cve-2023-44487", "reason": "HTTP/2 is terminated at the load balancer",
                        "expires_at": "2026-06-30T16:00:00+00:00", "repositories": null, "packages": null,
                    },
                    {
                        "id": "GHSA-9wx4-h78v-vm56", "reason": "requests is a build-time dependency only",
                        "expires_at": "2025-12-31T23:59:59+00:00", "repositories": ["tools/*"], "packages": null,
                    },
                    {
                        "id": "CVE-2022-40897", "reason": "setuptools is not installed in the runtime image",
                        "expires_at": "2026-03-02T00:00:00+00:00", "repositories": null, "packages": null,
                    },
                ],
                "repository": [
                    {
                        "match": "prod/*", "mode": "enforce", "only_fixable": false, "on_unscannable": "reject",
                        "limits": {"high": 0, "medium": 0},
                        "exploit_available": true, "epss_at_least": 0.1, "score_at_least": 7.0,
                    },
                    {
                        "match": "sandbox/*", "mode": "report", "only_fixable": null, "on_unscannable": null,
                        "limits": {}, "exploit_available": null, "epss_at_least": null, "score_at_least": null,
                    },
                ],
            })),
        ),
        (
            "limits-table-replaces-defaults.toml",
            Canonical(json!({
                "mode": "enforce", "only_fixable": false, "on_unscannable": "reject",
                "limits": {"medium": 5}, "block": no_block_scores, "allow": [], "repository": [],
            })),
        ),
        (
            "invalid-unknown-key.toml",
            Refused(
                "line 1, column 1: unknown field `only_fixible`, expected one of `mode`, `only_fixable`, \
                 `on_unscannable`, `limits`, `block`, `allow`, `repository` (in `only_fixible = true`)",
            ),
        ),
        (
            "invalid-unknown-key-in-limits.toml",
            Refused(
                "line 3, column 1: unknown field `critcal`, expected one of `critical`, `high`, `medium`, `low`, \
                 `informational`, `untriaged` (in `critcal = 1`)",
            ),
        ),
        (
            "invalid-limit-wrong-type.toml",
            Refused("line 4, column 12: invalid type: string \"none\", expected u64 (in `critical = \"none\"`)"),
        ),
        (
            "invalid-bool-as-string.toml",
            Refused(
                "line 1, column 16: invalid type: string \"yes\", expected a boolean (in `only_fixable = \"yes\"`)",
            ),
        ),
        (
            "invalid-mode-value.toml",
            Refused("line 1, column 8: unknown variant `warn`, expected `enforce` or `report` (in `mode = \"warn\"`)"),
        ),
        (
            "invalid-limit-negative.toml",
            Refused("line 2, column 8: invalid value: integer `-1`, expected u64 (in `high = -1`)"),
        ),
        ("invalid-epss-out-of-range.toml", Refused("policy key `block.epss_at_least`: 50 is outside 0.0..=1.0")),
        ("invalid-allow-missing-expires.toml", Refused("line 1, column 1: missing field `expires` (in `[[allow]]`)")),
        (
            "invalid-allow-impossible-date.toml",
            Refused(
                "policy key `allow[0].expires`: `2027-02-30` is not a date (YYYY-MM-DD) or an RFC 3339 time with an \
                 offset",
            ),
        ),
        (
            "invalid-allow-local-datetime.toml",
            Refused(
                "policy key `allow[0].expires`: `2027-01-31T10:00:00` is not a date (YYYY-MM-DD) or an RFC 3339 time \
                 with an offset",
            ),
        ),
        ("invalid-allow-blank-reason.toml", Refused("policy key `allow[0].reason`: must not be empty")),
        (
            "invalid-repository-without-match.toml",
            Refused("line 1, column 1: missing field `match` (in `[[repository]]`)"),
        ),
        (
            "invalid-repository-unknown-key.toml",
            Refused(
                "line 3, column 1: unknown field `allow`, expected one of `match`, `mode`, `only_fixable`, \
                 `on_unscannable`, `limits`, `block` (in `allow = []`)",
            ),
        ),
    ]
}

#[test]
fn policy_fixtures_are_accepted_with_their_values_or_refused_with_the_reason() {
    let mut m = Mismatches::default();
    for (file, expected) in policy_table() {
        let actual = Policy::parse(&read("policies", file));
        match expected {
            PolicyFixture::Default => m.check(file, &actual, &Ok(Policy::default())),
            PolicyFixture::Canonical(canonical) => {
                m.check(file, &actual.map(|p| p.canonical()).map_err(|e| e.to_string()), &Ok(canonical));
            }
            PolicyFixture::Refused(message) => {
                m.check(file, &actual.map(|p| p.canonical()).map_err(|e| e.to_string()), &Err(message.to_owned()));
            }
        }
    }
    m.assert_none("policies");
}

// ---- every file is in a table ----------------------------------------------------------------------------

#[test]
fn every_fixture_file_is_checked_by_a_table() {
    let tables: [(&str, Vec<&str>); 5] = [
        ("notifications", notification_table().into_iter().map(|(f, _)| f).collect()),
        ("sns", sns_table().into_iter().map(|(f, _)| f).collect()),
        ("events", event_table().into_iter().map(|(f, _)| f).collect()),
        ("findings", findings_table().into_iter().map(|(f, _)| f).collect()),
        ("policies", policy_table().into_iter().map(|(f, _)| f).collect()),
    ];
    let mut problems = Vec::new();

    let root = fixture_dir("");
    let dirs: BTreeSet<String> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| {
            entry.unwrap_or_else(|e| panic!("{}: {e}", root.display())).file_name().to_string_lossy().into_owned()
        })
        .collect();
    let known: BTreeSet<String> = tables.iter().map(|(d, _)| (*d).to_owned()).collect();
    for extra in dirs.difference(&known) {
        problems.push(format!("{extra}: no table checks this fixture directory"));
    }

    for (dir, names) in &tables {
        let path = fixture_dir(dir);
        let mut listed = BTreeSet::new();
        for name in names {
            if !listed.insert((*name).to_owned()) {
                problems.push(format!("{dir}/{name}: named twice in its table"));
            }
        }
        let present: BTreeSet<String> = fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .map(|entry| {
                let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                if !entry.file_type().unwrap_or_else(|e| panic!("{}: {e}", entry.path().display())).is_file() {
                    problems.push(format!("{}: not a file", entry.path().display()));
                }
                entry.file_name().to_string_lossy().into_owned()
            })
            .collect();
        for unchecked in present.difference(&listed) {
            problems.push(format!("{dir}/{unchecked}: present but not in the table, so nothing checks it"));
        }
        for missing in listed.difference(&present) {
            problems.push(format!("{dir}/{missing}: in the table but not on disk"));
        }
    }
    assert!(problems.is_empty(), "fixture tables and files disagree:\n{}", problems.join("\n"));
}
