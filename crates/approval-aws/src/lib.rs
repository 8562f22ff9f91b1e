//! approval-aws: the approval gate's ports implemented over the AWS SDK. Every client comes from one
//! `aws_config` load ([`clients`]); each adapter lives in a module named for the service it speaks to.

pub mod clients;
pub mod codepipeline;
pub mod dynamo;
pub mod gate;
pub mod inspector;
pub mod metrics;
mod sdk_error;
pub mod settings;

pub use clients::AwsClients;
pub use codepipeline::CodePipelineApprover;
pub use dynamo::{DynamoStore, StoreConfig};
pub use gate::Gate;
pub use inspector::InspectorScanner;
