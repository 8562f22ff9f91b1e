//! The gate's two flows, written against the ports so that they run the same over AWS and in memory:
//! [`record`] stores approval requests (and decides at once when the scan is already known), [`decide`]
//! answers every pending approval of a digest exactly once.

pub mod decide;
pub mod record;

pub use decide::{DecideError, DecideReport, Decider, Settled};
pub use record::{RecordConfig, RecordError, RecordReport, Recorded, SnsMessageIn};

#[cfg(test)]
mod tests;
