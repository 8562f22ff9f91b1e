//! One integration-test binary: the AWS SDK is large, and one binary links it once.

// Helpers: an SDK client aimed at a stand-in, and a raw HTTP client for the admin API.
mod support;

// Approval outcomes as the real SDK sees them (success, already completed, bad token, not found).
mod approvals;
// Constraint violations, and what the SDK lets through to the service.
mod validation;
// Injected throttling and server errors, and the SDK's retries.
mod faults;
// The bytes on the wire: error bodies, headers, unknown operations, and the admin API over HTTP.
mod wire;
// The `codepipeline-standin` binary: its ready line and serving.
mod binary;
