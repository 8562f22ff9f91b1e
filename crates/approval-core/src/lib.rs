//! approval-core: the pure domain of the approval gate.
//!
//! Everything here is free of I/O so that the Lambdas, the CLI and other tools parse, judge and decide
//! identically: identifiers ([`ids`]), the approval notification ([`notification`]), Inspector events
//! ([`event`]) and findings ([`finding`], [`dump`]), the policy ([`policy`]) and its evaluation
//! ([`evaluate`]) into a [`decision::Decision`], the stored records ([`record`]), the ports the adapters
//! implement ([`ports`]) and the record and decide flows written against them ([`flow`]).

pub mod decision;
pub mod dump;
pub mod error;
pub mod evaluate;
pub mod event;
pub mod finding;
pub mod glob;
pub mod ids;
pub mod memory;
pub mod notification;
pub mod policy;

pub use decision::{Decision, Verdict};
pub use evaluate::{EvalContext, decide_unscannable, evaluate};
pub use event::{InspectorEvent, ScanOutcome};
pub use finding::{Finding, Severity};
pub use ids::{ActionName, ApprovalToken, ImageDigest, ImageRef, PipelineName, RepositoryName, StageName};
pub use notification::ApprovalNotification;
pub use policy::Policy;
pub mod flow;
pub mod ports;
pub mod record;
