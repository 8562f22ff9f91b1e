//! A local Lambda Runtime API (version 2018-06-01) that runs a real Lambda binary as AWS would, without an AWS
//! account: for end-to-end tests, the demo and cold-start measurements.
//!
//! Serves the endpoints `lambda_runtime` uses: `GET /invocation/next` (long poll, with the
//! `Lambda-Runtime-Aws-Request-Id`, `-Deadline-Ms`, `-Invoked-Function-Arn` and `-Trace-Id` headers),
//! `POST /invocation/{id}/response`, `POST /invocation/{id}/error` and `POST /init/error`.
//!
//! ```no_run
//! use std::time::Duration;
//! use lambda_harness::{Harness, Invocation};
//!
//! let mut function = Harness::new().spawn("target/release/approval-decider", &[("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")])?;
//! match function.invoke(&serde_json::json!({"hello": "world"}), Duration::from_secs(10))? {
//!     Invocation::Response(body) => println!("{body}"),
//!     Invocation::FunctionError { error_type, error_message } => eprintln!("{error_type}: {error_message}"),
//! }
//! println!("init {:?}, peak {:?} KiB", function.init_duration(), function.peak_rss_kib());
//! # Ok::<(), lambda_harness::HarnessError>(())
//! ```

mod environment;
mod error;
mod exchange;
mod function;
mod harness;
mod invocation;
mod measure;
mod output;
mod peak_rss;
mod process;
mod runtime_api;

pub use error::HarnessError;
pub use function::Function;
pub use harness::Harness;
pub use invocation::Invocation;
pub use measure::InitStats;
