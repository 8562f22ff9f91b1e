//! End to end: the shipped (lambda-release) recorder and decider binaries under the lambda harness, moto for DynamoDB and
//! Inspector, the CodePipeline stand-in for PutApprovalResult. Each scenario is given / when / then and
//! asserts through the stand-in's calls and the approval table.
//!
//! Run with `scripts/with-moto.sh cargo test -p approval-e2e` after `make release-lambdas` (`make test` does
//! both).
//! `E2E_LOG=/dev/stderr` shows the functions' logs live.

mod support;

mod decisions;
mod delivery;
mod failures;
mod ordering;
