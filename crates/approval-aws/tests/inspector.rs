//! `InspectorScanner`: the conversion of Inspector's findings against moto (ListFindings served from seeded
//! results; run through `scripts/with-moto.sh`), and with a mocked SDK client the requests, paging, retries
//! and the ListCoverage mapping (moto neither pages findings nor serves coverage).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use approval_aws::InspectorScanner;
use approval_core::finding::{Finding, FindingStatus, Severity};
use approval_core::ids::{ImageDigest, RepositoryName};
use approval_core::ports::{FindingsSource, ScanStatusSource};
use approval_core::record::ScanVerdict;
use aws_sdk_inspector2::Client;
use aws_sdk_inspector2::config::Region;
use aws_sdk_inspector2::config::retry::RetryConfig;
use aws_sdk_inspector2::error::ErrorMetadata;
use aws_sdk_inspector2::operation::list_coverage::{ListCoverageInput, ListCoverageOutput};
use aws_sdk_inspector2::operation::list_findings::{ListFindingsError, ListFindingsOutput};
use aws_sdk_inspector2::primitives::DateTime;
use aws_sdk_inspector2::types::error::ThrottlingException;
use aws_sdk_inspector2::types::{
    CoverageResourceType, CoverageStringComparison, CoverageStringFilter, CoveredResource, FindingType, Remediation,
    Resource, ResourceType, ScanStatus, ScanStatusCode, ScanStatusReason, ScanType, StringComparison, StringFilter,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use serde_json::{Value, json};

mod support;

const HEX: &str = "965fbcae990b0467ed5657caceaec165018ef44a4d2d46c7cdea80a9dff0d1ea";
const OTHER_HEX: &str = "84f507df33c6864d49c296fb734192696e4cb6f78166ac51ac8b9b118181085d";
const ACCOUNT: &str = "111122223333";

fn digest() -> ImageDigest {
    ImageDigest::parse(&format!("sha256:{HEX}")).unwrap()
}

fn repo(name: &str) -> RepositoryName {
    RepositoryName::parse(name).unwrap()
}

fn image_id(repository: &str, hex: &str) -> String {
    format!("arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{repository}/sha256:{hex}")
}

// ---- against moto ------------------------------------------------------------------------------------------

/// A client for moto in `region`. moto keeps one seeded-results queue per account and region, so each test
/// that seeds uses a region of its own and parallel tests never take each other's results.
async fn moto_client(endpoint: &str, region: &'static str) -> Client {
    let shared = support::sdk_config(endpoint).await;
    Client::from_conf(aws_sdk_inspector2::config::Builder::from(&shared).region(Region::new(region)).build())
}

/// Queues ListFindings results (one per distinct request) in moto, for `region`.
fn seed_findings(endpoint: &str, region: &str, results: Value) {
    let body = json!({"results": results, "region": region}).to_string();
    let address = endpoint.strip_prefix("http://").expect("MOTO_ENDPOINT is a plain http:// URL");
    let mut stream = TcpStream::connect(address).expect("moto answers");
    write!(
        stream,
        "POST /moto-api/static/inspector2/findings-results HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "moto refused the seed: {response}");
}

/// A package vulnerability on `team/web@sha256:HEX`, as ListFindings returns it (API field names, timestamps
/// in epoch seconds).
fn api_finding(id: &str, severity: &str) -> Value {
    json!({
        "findingArn": format!("arn:aws:inspector2:us-east-1:{ACCOUNT}:finding/{id:0>32}"),
        "awsAccountId": ACCOUNT,
        "type": "PACKAGE_VULNERABILITY",
        "title": "CVE-2024-6119 - libssl3t64, openssl",
        "description": "Possible denial of service in X.509 name checks",
        "remediation": {"recommendation": {"text": "None Provided"}},
        "severity": severity,
        "firstObservedAt": 1725468938.411,
        "lastObservedAt": 1725468938.411,
        "updatedAt": 1725468938.411,
        "status": "ACTIVE",
        "fixAvailable": "PARTIAL",
        "exploitAvailable": "YES",
        "exploitabilityDetails": {"lastKnownExploitAt": 1725000000},
        "epss": {"score": 0.91},
        "inspectorScore": 7.5,
        "inspectorScoreDetails": {"adjustedCvss": {
            "scoreSource": "NVD", "version": "3.1", "score": 7.5,
            "scoringVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "adjustments": []
        }},
        "packageVulnerabilityDetails": {
            "vulnerabilityId": "CVE-2024-6119",
            "source": "UBUNTU_CVE",
            "sourceUrl": "https://people.canonical.com/~ubuntu-security/cve/2024/CVE-2024-6119.html",
            "vendorSeverity": "medium",
            "vendorCreatedAt": 1725321600,
            "cvss": [{"baseScore": 7.5, "scoringVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                      "version": "3.1", "source": "NVD"}],
            "relatedVulnerabilities": ["USN-6986-1"],
            "referenceUrls": ["https://www.cve.org/CVERecord?id=CVE-2024-6119"],
            "vulnerablePackages": [
                {"name": "openssl", "version": "3.0.13", "epoch": 0, "release": "0ubuntu3.2", "arch": "ARM64",
                 "packageManager": "OS", "fixedInVersion": "0:3.0.13-0ubuntu3.4",
                 "remediation": "apt-get update && apt-get upgrade",
                 "sourceLayerHash": format!("sha256:{OTHER_HEX}")},
                {"name": "libssl3t64", "version": "3.0.13", "epoch": 0, "packageManager": "OS",
                 "fixedInVersion": "NotAvailable"}
            ]
        },
        "resources": [{
            "type": "AWS_ECR_CONTAINER_IMAGE",
            "id": image_id("team/web", HEX),
            "partition": "aws",
            "region": "us-east-1",
            "details": {"awsEcrContainerImage": {
                "repositoryName": "team/web",
                "imageHash": format!("sha256:{HEX}"),
                "registry": ACCOUNT,
                "imageTags": ["v1.2.3"],
                "pushedAt": 1725468928,
                "architecture": "arm64",
                "platform": "UBUNTU_24_04"
            }}
        }]
    })
}

#[tokio::test]
async fn moto_findings_convert_every_field_the_policy_reads() {
    let endpoint = support::moto_endpoint();
    let region = "eu-west-1";
    let mut without_package_details = api_finding("2", "LOW");
    let fields = without_package_details.as_object_mut().unwrap();
    fields.remove("packageVulnerabilityDetails");
    fields.remove("fixAvailable");
    fields.remove("epss");
    fields.remove("inspectorScore");
    fields.remove("inspectorScoreDetails");
    fields.insert("exploitAvailable".into(), json!("NO"));
    fields.insert("type".into(), json!("CODE_VULNERABILITY"));
    let second_arn = fields["findingArn"].as_str().unwrap().to_owned();
    seed_findings(
        &endpoint,
        region,
        json!([[api_finding("1", "HIGH"), without_package_details, api_finding("3", "SOMETHING_NEW")]]),
    );
    let scanner = InspectorScanner::new(moto_client(&endpoint, region).await);

    let findings = scanner.active_findings(&digest(), Some(&repo("team/web"))).await.unwrap();

    assert_eq!(findings.len(), 3, "{findings:#?}");
    assert_eq!(
        findings[0],
        Finding {
            id: "CVE-2024-6119".into(),
            severity: Severity::High,
            status: FindingStatus::Active,
            fix_available: Some("PARTIAL".into()),
            exploit_available: true,
            epss: Some(0.91),
            inspector_score: Some(7.5),
            packages: vec!["openssl".into(), "libssl3t64".into()],
            repository: Some("team/web".into()),
        }
    );
    assert_eq!(
        findings[1],
        Finding {
            id: second_arn,
            severity: Severity::Low,
            status: FindingStatus::Active,
            fix_available: None,
            exploit_available: false,
            epss: None,
            inspector_score: None,
            packages: vec![],
            repository: Some("team/web".into()),
        }
    );
    assert_eq!(findings[2].id, "CVE-2024-6119");
    assert_eq!(findings[2].severity, Severity::Untriaged, "an unknown severity counts as UNTRIAGED");
}

#[tokio::test]
async fn moto_without_findings_gives_an_empty_list() {
    let endpoint = support::moto_endpoint();
    let scanner = InspectorScanner::new(moto_client(&endpoint, "ap-southeast-2").await);

    let findings = scanner.active_findings(&digest(), None).await.unwrap();

    assert!(findings.is_empty(), "{findings:#?}");
}

// ---- with a mocked client ----------------------------------------------------------------------------------

/// A client answering from `rules` in order, retrying like production (standard, 3 attempts) without waiting.
fn mocked(rules: &[&Rule]) -> InspectorScanner {
    let client: Client = mock_client!(aws_sdk_inspector2, RuleMode::Sequential, rules, |c| {
        c.retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1)))
    });
    InspectorScanner::new(client)
}

fn sdk_finding(vulnerability: &str) -> aws_sdk_inspector2::types::Finding {
    let details = aws_sdk_inspector2::types::PackageVulnerabilityDetails::builder()
        .vulnerability_id(vulnerability)
        .source("NVD")
        .build()
        .unwrap();
    aws_sdk_inspector2::types::Finding::builder()
        .finding_arn(format!("arn:aws:inspector2:us-east-1:{ACCOUNT}:finding/{vulnerability}"))
        .aws_account_id(ACCOUNT)
        .r#type(FindingType::PackageVulnerability)
        .description("d")
        .remediation(Remediation::builder().build())
        .severity(aws_sdk_inspector2::types::Severity::Medium)
        .first_observed_at(DateTime::from_secs(1_725_468_938))
        .last_observed_at(DateTime::from_secs(1_725_468_938))
        .status(aws_sdk_inspector2::types::FindingStatus::Active)
        .resources(
            Resource::builder()
                .r#type(ResourceType::AwsEcrContainerImage)
                .id(image_id("team/web", HEX))
                .build()
                .unwrap(),
        )
        .package_vulnerability_details(details)
        .build()
        .unwrap()
}

fn page(ids: &[&str], next: Option<&str>) -> ListFindingsOutput {
    ListFindingsOutput::builder()
        .set_findings(Some(ids.iter().map(|id| sdk_finding(id)).collect()))
        .set_next_token(next.map(str::to_owned))
        .build()
}

fn is_equals(filters: &[StringFilter], value: &str) -> bool {
    matches!(filters, [f] if f.comparison() == &StringComparison::Equals && f.value() == value)
}

fn is_coverage_equals(filters: &[CoverageStringFilter], value: &str) -> bool {
    matches!(filters, [f] if f.comparison() == &CoverageStringComparison::Equals && f.value() == value)
}

#[tokio::test]
async fn findings_request_filters_on_digest_active_status_and_repository() {
    let rule = mock!(Client::list_findings)
        .match_requests(|req| {
            let Some(c) = req.filter_criteria() else {
                return false;
            };
            is_equals(c.ecr_image_hash(), &format!("sha256:{HEX}"))
                && is_equals(c.finding_status(), "ACTIVE")
                && is_equals(c.ecr_image_repository_name(), "team/web")
                && req.max_results() == Some(100)
                && req.next_token().is_none()
        })
        .then_output(|| page(&["CVE-1"], None));

    let findings = mocked(&[&rule]).active_findings(&digest(), Some(&repo("team/web"))).await.unwrap();

    assert_eq!(findings.len(), 1);
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn findings_request_without_a_repository_filters_on_digest_and_status_only() {
    let rule = mock!(Client::list_findings)
        .match_requests(|req| {
            let Some(c) = req.filter_criteria() else {
                return false;
            };
            is_equals(c.ecr_image_hash(), &format!("sha256:{HEX}"))
                && is_equals(c.finding_status(), "ACTIVE")
                && c.ecr_image_repository_name().is_empty()
        })
        .then_output(|| page(&[], None));

    let findings = mocked(&[&rule]).active_findings(&digest(), None).await.unwrap();

    assert!(findings.is_empty());
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn findings_of_every_page_are_returned_in_order() {
    let first = mock!(Client::list_findings)
        .match_requests(|req| req.next_token().is_none())
        .then_output(|| page(&["CVE-1", "CVE-2"], Some("page-2")));
    let second = mock!(Client::list_findings)
        .match_requests(|req| req.next_token() == Some("page-2") && req.filter_criteria().is_some())
        .then_output(|| page(&["CVE-3", "CVE-4"], Some("page-3")));
    let third = mock!(Client::list_findings)
        .match_requests(|req| req.next_token() == Some("page-3") && req.filter_criteria().is_some())
        .then_output(|| page(&["CVE-5"], None));

    let findings = mocked(&[&first, &second, &third]).active_findings(&digest(), None).await.unwrap();

    let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["CVE-1", "CVE-2", "CVE-3", "CVE-4", "CVE-5"]);
    assert_eq!((first.num_calls(), second.num_calls(), third.num_calls()), (1, 1, 1));
}

#[tokio::test]
async fn throttling_on_every_attempt_is_a_port_error_naming_it() {
    let rule = mock!(Client::list_findings).then_error(|| {
        ListFindingsError::ThrottlingException(
            ThrottlingException::builder()
                .message("Rate exceeded")
                .meta(ErrorMetadata::builder().code("ThrottlingException").message("Rate exceeded").build())
                .build()
                .unwrap(),
        )
    });

    let err = mocked(&[&rule]).active_findings(&digest(), None).await.unwrap_err();

    assert_eq!(rule.num_calls(), 3, "the SDK's standard retries make 3 attempts");
    assert_eq!(err.call, "Inspector ListFindings");
    assert!(err.message.contains("ThrottlingException"), "{err}");
}

fn covered(resource_id: &str, code: ScanStatusCode, reason: ScanStatusReason) -> CoveredResource {
    CoveredResource::builder()
        .resource_type(CoverageResourceType::AwsEcrContainerImage)
        .resource_id(resource_id)
        .account_id(ACCOUNT)
        .scan_type(ScanType::Package)
        .scan_status(ScanStatus::builder().status_code(code).reason(reason).build().unwrap())
        .build()
        .unwrap()
}

fn coverage(resources: Vec<CoveredResource>, next: Option<&str>) -> ListCoverageOutput {
    ListCoverageOutput::builder().set_covered_resources(Some(resources)).set_next_token(next.map(str::to_owned)).build()
}

fn asks_for_images_of(req: &ListCoverageInput, repository: &str) -> bool {
    req.filter_criteria().is_some_and(|c| {
        is_coverage_equals(c.resource_type(), "AWS_ECR_CONTAINER_IMAGE")
            && is_coverage_equals(c.ecr_repository_name(), repository)
    }) && req.max_results() == Some(200)
}

async fn verdict_for(resources: fn() -> Vec<CoveredResource>) -> Option<(RepositoryName, ScanVerdict)> {
    let rule = mock!(Client::list_coverage)
        .match_requests(|req| asks_for_images_of(req, "team/web"))
        .then_output(move || coverage(resources(), None));
    let verdict = mocked(&[&rule]).scan_verdict(&digest(), Some(&repo("team/web"))).await.unwrap();
    assert_eq!(rule.num_calls(), 1);
    verdict
}

#[tokio::test]
async fn coverage_successful_means_scan_complete() {
    let verdict = verdict_for(|| {
        vec![
            covered(&image_id("team/web", OTHER_HEX), ScanStatusCode::Inactive, ScanStatusReason::UnsupportedOs),
            covered(&image_id("team/web", HEX), ScanStatusCode::Active, ScanStatusReason::Successful),
        ]
    })
    .await;

    assert_eq!(verdict, Some((repo("team/web"), ScanVerdict::Complete)));
}

#[tokio::test]
async fn coverage_unsupported_os_means_unscannable_with_the_reason() {
    let verdict = verdict_for(|| {
        vec![covered(&image_id("team/web", HEX), ScanStatusCode::Inactive, ScanStatusReason::UnsupportedOs)]
    })
    .await;

    assert_eq!(verdict, Some((repo("team/web"), ScanVerdict::Unscannable { reason: "UNSUPPORTED_OS".into() })));
}

#[tokio::test]
async fn coverage_pending_initial_scan_means_nothing_known() {
    let verdict = verdict_for(|| {
        vec![covered(&image_id("team/web", HEX), ScanStatusCode::Active, ScanStatusReason::PendingInitialScan)]
    })
    .await;

    assert_eq!(verdict, None);
}

#[tokio::test]
async fn coverage_without_the_image_means_nothing_known() {
    assert_eq!(verdict_for(Vec::new).await, None);
    let other_image_only = verdict_for(|| {
        vec![covered(&image_id("team/web", OTHER_HEX), ScanStatusCode::Active, ScanStatusReason::Successful)]
    })
    .await;
    assert_eq!(other_image_only, None);
}

#[tokio::test]
async fn coverage_is_read_across_pages() {
    let first = mock!(Client::list_coverage)
        .match_requests(|req| asks_for_images_of(req, "team/web") && req.next_token().is_none())
        .then_output(|| {
            coverage(
                vec![covered(&image_id("team/web", OTHER_HEX), ScanStatusCode::Active, ScanStatusReason::Successful)],
                Some("page-2"),
            )
        });
    let second = mock!(Client::list_coverage)
        .match_requests(|req| asks_for_images_of(req, "team/web") && req.next_token() == Some("page-2"))
        .then_output(|| {
            coverage(
                vec![covered(
                    &image_id("team/web", HEX),
                    ScanStatusCode::Active,
                    ScanStatusReason::ScanFrequencyScanOnPush,
                )],
                None,
            )
        });

    let verdict = mocked(&[&first, &second]).scan_verdict(&digest(), Some(&repo("team/web"))).await.unwrap();

    assert_eq!(verdict, Some((repo("team/web"), ScanVerdict::Complete)));
}

#[tokio::test]
async fn coverage_without_a_repository_is_not_asked() {
    let rule = mock!(Client::list_coverage).then_output(|| coverage(vec![], None));

    let verdict = mocked(&[&rule]).scan_verdict(&digest(), None).await.unwrap();

    assert_eq!(verdict, None);
    assert_eq!(rule.num_calls(), 0, "listing every image of the account is not worth it");
}

#[tokio::test]
async fn coverage_scanned_in_one_account_wins_over_unscannable_in_another() {
    let verdict = verdict_for(|| {
        let elsewhere = format!("arn:aws:ecr:us-east-1:444455556666:repository/team/web/sha256:{HEX}");
        vec![
            covered(&elsewhere, ScanStatusCode::Inactive, ScanStatusReason::ScanEligibilityExpired),
            covered(&image_id("team/web", HEX), ScanStatusCode::Active, ScanStatusReason::Successful),
        ]
    })
    .await;

    assert_eq!(verdict, Some((repo("team/web"), ScanVerdict::Complete)));
}
