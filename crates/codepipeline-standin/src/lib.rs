//! A local stand-in for the CodePipeline approval API (`PutApprovalResult`), speaking awsJson1.1
//! so the real AWS SDK can be pointed at it (moto does not implement this operation).
//!
//! In-process use from tests:
//!
//! ```no_run
//! use codepipeline_standin::{Approval, StandIn};
//!
//! let standin = StandIn::start("127.0.0.1:0")?;
//! standin.register(Approval::pending(
//!     "ContainerBuildDeployPipeline",
//!     "ContainerVulnerabilityAssessment",
//!     "ContainerImageApproval",
//!     "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b",
//! ));
//! // point the SDK at standin.endpoint(), then inspect standin.calls() / standin.results()
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Over HTTP (for scripts and the binary), the admin API does the same; every answer is JSON:
//!
//! - `POST /_standin/approvals` `{"pipelineName","stageName","actionName","token","completed"?,"expired"?}`
//!   registers an [`Approval`] (replacing an earlier one for the same action);
//!   `GET /_standin/approvals` lists them.
//! - `GET /_standin/calls`: every `PutApprovalResult` as a [`Call`], in arrival order;
//!   `GET /_standin/results`: the successful ones.
//! - `POST /_standin/faults` `{"failNext": N, "error": "ThrottlingException"|"InternalServerError"}`:
//!   a [`FaultPlan`] for the next N calls.
//! - `POST /_standin/reset`: forget approvals, calls and faults.

mod admin;
mod protocol;
mod server;
mod state;

pub use protocol::ErrorKind;
pub use server::StandIn;
pub use state::{Approval, Call, Fault, FaultPlan};
