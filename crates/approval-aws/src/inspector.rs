//! Amazon Inspector as the gate's findings source and scan-status source: `ListFindings` for an image's
//! ACTIVE findings, `ListCoverage` for what Inspector knows about its scan.
//!
//! Retries are the SDK's (standard mode, 3 attempts, from the shared `aws_config`); an error that survives
//! them becomes a [`PortError`] and the flow decides nothing on it.

use crate::sdk_error::describe;
use approval_core::event::{CoverageClass, classify_coverage};
use approval_core::finding::{Finding, FindingStatus, Severity};
use approval_core::ids::{ImageDigest, ImageRef, RepositoryName};
use approval_core::ports::{FindingsSource, PortError, ScanStatusSource};
use approval_core::record::ScanVerdict;
use aws_sdk_inspector2::Client;
use aws_sdk_inspector2::error::{BuildError, SdkError};
use aws_sdk_inspector2::types::{
    CoverageFilterCriteria, CoverageStringComparison, CoverageStringFilter, CoveredResource, FilterCriteria,
    StringComparison, StringFilter,
};

const LIST_FINDINGS: &str = "Inspector ListFindings";
const LIST_COVERAGE: &str = "Inspector ListCoverage";

/// `ListFindings` accepts up to 100 per call, though Inspector returns at most 25 per page.
const FINDINGS_PAGE_SIZE: i32 = 100;
/// `ListCoverage`'s maximum page size.
const COVERAGE_PAGE_SIZE: i32 = 200;

/// Reads an image's findings and scan coverage from Inspector.
#[derive(Clone, Debug)]
pub struct InspectorScanner {
    client: Client,
}

impl InspectorScanner {
    pub fn new(client: Client) -> Self {
        InspectorScanner { client }
    }
}

impl FindingsSource for InspectorScanner {
    /// Every page of `ListFindings` for `ecrImageHash = digest AND findingStatus = ACTIVE` (and the repository
    /// name when known). The results are trusted to match the filter: a finding is not re-checked against
    /// the digest here, since Inspector filters on the same `imageHash` the finding carries.
    async fn active_findings(
        &self,
        digest: &ImageDigest,
        repository: Option<&RepositoryName>,
    ) -> Result<Vec<Finding>, PortError> {
        let criteria = findings_filter(digest, repository).map_err(|e| request_error(LIST_FINDINGS, e))?;
        let mut pages = self
            .client
            .list_findings()
            .filter_criteria(criteria)
            .max_results(FINDINGS_PAGE_SIZE)
            .into_paginator()
            .send();
        let (mut findings, mut page_count) = (Vec::new(), 0);
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| call_error(LIST_FINDINGS, &e))?;
            page_count += 1;
            findings.extend(page.findings().iter().map(to_finding));
        }
        tracing::debug!(
            digest = digest.as_str(),
            pages = page_count,
            findings = findings.len(),
            "read active findings"
        );
        Ok(findings)
    }
}

impl ScanStatusSource for InspectorScanner {
    /// `ListCoverage` cannot select an image by digest: its string filters are EQUALS/NOT_EQUALS only, on
    /// `resourceId` (the full image ARN, which needs the account and region) or on `ecrRepositoryName`,
    /// among others, but there is no digest filter. So the call asks for the ECR images of the repository and
    /// picks the one whose resource id ends in the digest. Without a repository it would have to list every
    /// image of the account, so it answers `None` (nothing known) and the gate waits for the scan event.
    ///
    /// A resource classified as scanned ends the search; an unscannable one is kept in case another resource
    /// for the same digest (another account of an organisation) was scanned.
    async fn scan_verdict(
        &self,
        digest: &ImageDigest,
        repository: Option<&RepositoryName>,
    ) -> Result<Option<(RepositoryName, ScanVerdict)>, PortError> {
        let Some(repository) = repository else {
            return Ok(None);
        };
        let criteria = coverage_filter(repository).map_err(|e| request_error(LIST_COVERAGE, e))?;
        let mut pages = self
            .client
            .list_coverage()
            .filter_criteria(criteria)
            .max_results(COVERAGE_PAGE_SIZE)
            .into_paginator()
            .send();
        let mut unscannable = None;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| call_error(LIST_COVERAGE, &e))?;
            for resource in page.covered_resources() {
                match coverage_of(resource, digest) {
                    Some((image, CoverageClass::Scanned, _)) => {
                        return Ok(Some((image.repository, ScanVerdict::Complete)));
                    }
                    Some((image, CoverageClass::Unscannable, reason)) => {
                        unscannable.get_or_insert((image.repository, ScanVerdict::Unscannable { reason }));
                    }
                    Some((_, CoverageClass::Transient, _)) | None => {}
                }
            }
        }
        Ok(unscannable)
    }
}

fn equals(value: &str) -> Result<StringFilter, BuildError> {
    StringFilter::builder().comparison(StringComparison::Equals).value(value).build()
}

fn coverage_equals(value: &str) -> Result<CoverageStringFilter, BuildError> {
    CoverageStringFilter::builder().comparison(CoverageStringComparison::Equals).value(value).build()
}

fn findings_filter(digest: &ImageDigest, repository: Option<&RepositoryName>) -> Result<FilterCriteria, BuildError> {
    let mut criteria =
        FilterCriteria::builder().ecr_image_hash(equals(digest.as_str())?).finding_status(equals("ACTIVE")?);
    if let Some(repository) = repository {
        criteria = criteria.ecr_image_repository_name(equals(repository.as_str())?);
    }
    Ok(criteria.build())
}

fn coverage_filter(repository: &RepositoryName) -> Result<CoverageFilterCriteria, BuildError> {
    Ok(CoverageFilterCriteria::builder()
        .resource_type(coverage_equals("AWS_ECR_CONTAINER_IMAGE")?)
        .ecr_repository_name(coverage_equals(repository.as_str())?)
        .build())
}

/// The image a covered resource is, when it is the image with this digest, and how its scan status counts.
fn coverage_of(resource: &CoveredResource, digest: &ImageDigest) -> Option<(ImageRef, CoverageClass, String)> {
    let image = ImageRef::from_resource_id(resource.resource_id()).ok()?;
    if image.digest != *digest {
        return None;
    }
    let status = resource.scan_status()?;
    let reason = status.reason().as_str();
    Some((image, classify_coverage(status.status_code().as_str(), reason), reason.to_owned()))
}

/// The SDK's finding, reduced to what the policy reads (the same fields [`Finding`]'s JSON form reads).
fn to_finding(f: &aws_sdk_inspector2::types::Finding) -> Finding {
    let details = f.package_vulnerability_details();
    let id = details.map(|d| d.vulnerability_id()).filter(|id| !id.is_empty()).unwrap_or_else(|| f.finding_arn());
    let packages = details
        .map(|d| {
            d.vulnerable_packages()
                .iter()
                .map(|p| p.name())
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let repository = f
        .resources()
        .iter()
        .filter_map(|r| r.details()?.aws_ecr_container_image())
        .map(|image| image.repository_name())
        .find(|name| !name.is_empty())
        .map(str::to_owned);
    Finding {
        id: if id.is_empty() { "(finding without id)".to_owned() } else { id.to_owned() },
        severity: Severity::from_inspector(f.severity().as_str()),
        status: FindingStatus::from_inspector(f.status().as_str()),
        fix_available: f.fix_available().map(|v| v.as_str().to_owned()),
        exploit_available: f.exploit_available().is_some_and(|v| v.as_str() == "YES"),
        epss: f.epss().map(|e| e.score()),
        inspector_score: f.inspector_score(),
        packages,
        repository,
    }
}

fn call_error<E: std::error::Error + 'static>(call: &str, err: &SdkError<E>) -> PortError {
    PortError::new(call, describe(err))
}

fn request_error(call: &str, err: BuildError) -> PortError {
    PortError::new(call, format!("could not build the request: {err}"))
}
