//! Cold-start measurement: spawn a binary several times and time each until it asks for its first event.

use std::{ffi::OsStr, num::NonZeroU32, path::Path, time::Duration};

use crate::{Harness, HarnessError};

/// Init durations of several cold starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitStats {
    /// Every run's init duration, shortest first.
    pub samples: Vec<Duration>,
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
}

impl InitStats {
    /// `None` for no samples, which have no median.
    pub fn from_samples(mut samples: Vec<Duration>) -> Option<Self> {
        samples.sort();
        let (min, max) = (*samples.first()?, *samples.last()?);
        let middle = samples.len() / 2;
        let median = if samples.len() % 2 == 1 { samples[middle] } else { (samples[middle - 1] + samples[middle]) / 2 };
        Some(Self { samples, median, min, max })
    }
}

impl Harness {
    /// Spawns `binary` `runs` times, one after another, each until its first `GET /invocation/next`, then
    /// kills it. No event is sent, so only the init phase is measured.
    pub fn measure_init<K, V>(
        &self,
        binary: impl AsRef<Path>,
        envs: &[(K, V)],
        runs: NonZeroU32,
    ) -> Result<InitStats, HarnessError>
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let mut samples = Vec::new();
        for _ in 0..runs.get() {
            samples.push(self.spawn(binary.as_ref(), envs)?.wait_ready()?);
        }
        Ok(InitStats::from_samples(samples).expect("`runs` is non-zero, so there is a sample"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().copied().map(Duration::from_millis).collect()
    }

    #[test]
    fn an_odd_count_has_the_middle_sample_as_median() {
        let stats = InitStats::from_samples(ms(&[30, 10, 20])).unwrap();

        assert_eq!((stats.min, stats.median, stats.max), (ms(&[10])[0], ms(&[20])[0], ms(&[30])[0]));
        assert_eq!(stats.samples, ms(&[10, 20, 30]));
    }

    #[test]
    fn an_even_count_averages_the_two_middle_samples() {
        let stats = InitStats::from_samples(ms(&[40, 10, 20, 30])).unwrap();

        assert_eq!(stats.median, Duration::from_millis(25));
    }

    #[test]
    fn no_samples_have_no_stats() {
        assert_eq!(InitStats::from_samples(Vec::new()), None);
    }
}
