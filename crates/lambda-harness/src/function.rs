//! A running function: one process and its own Runtime API, invoked one event at a time and kept warm between
//! invocations, as a Lambda execution environment is.

use std::{
    net::SocketAddr,
    process::ExitStatus,
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::{
    HarnessError, Invocation,
    exchange::{ErrorReport, Exchange, Outcome, State},
    invocation::DeliverySequence,
    process::ChildProcess,
    runtime_api::RuntimeApi,
};

/// How often a wait also checks whether the process has exited; everything else wakes the wait at once.
const EXIT_CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// A Lambda binary running against this harness's Runtime API. Dropping it kills the process.
pub struct Function {
    // Declared first so it drops first: the process is gone before its Runtime API stops answering.
    process: ChildProcess,
    api: RuntimeApi,
    exchange: Arc<Exchange>,
    deliveries: DeliverySequence,
    init_timeout: Duration,
    /// Why the process was stopped by the harness, after which it takes no more events.
    stopped: Option<String>,
}

enum Waited<T> {
    Ready(T),
    Exited(ExitStatus),
    TimedOut,
}

impl Function {
    pub(crate) fn new(
        process: ChildProcess,
        api: RuntimeApi,
        exchange: Arc<Exchange>,
        function_arn: String,
        init_timeout: Duration,
    ) -> Self {
        let deliveries = DeliverySequence::new(function_arn, api.address().port());
        Self { process, api, exchange, deliveries, init_timeout, stopped: None }
    }

    /// The process id, for looking at the process from outside.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The address the function reaches its Runtime API at (its `AWS_LAMBDA_RUNTIME_API`).
    pub fn runtime_api(&self) -> SocketAddr {
        self.api.address()
    }

    /// The time from spawning the process to its first `GET /invocation/next`: Lambda's "Init Duration".
    /// `None` until the function has asked for an event.
    pub fn init_duration(&self) -> Option<Duration> {
        let first_poll_at = self.exchange.first_poll_at()?;
        Some(first_poll_at.saturating_duration_since(self.process.spawned_at))
    }

    /// Waits until the function asks for its first event (at most the harness's init timeout) and returns the
    /// init duration. [`invoke`](Self::invoke) does this itself; call it to measure a cold start without an event.
    pub fn wait_ready(&mut self) -> Result<Duration, HarnessError> {
        if let Some(reason) = &self.stopped {
            return Err(HarnessError::Stopped { reason: reason.clone() });
        }
        let waited = self.wait(self.init_timeout, |state| match &state.init_error {
            Some(report) => Some(Err(report.clone())),
            None => state.first_poll_at.map(Ok),
        });
        match waited {
            Waited::Ready(Ok(first_poll_at)) => Ok(first_poll_at.saturating_duration_since(self.process.spawned_at)),
            Waited::Ready(Err(ErrorReport { error_type, error_message })) => {
                Err(HarnessError::InitError { error_type, error_message })
            }
            Waited::Exited(status) => {
                Err(HarnessError::ExitedDuringInit { status, output_tail: self.process.output_tail() })
            }
            Waited::TimedOut => {
                // Lambda gives up on an environment whose init overruns; a later invoke must not wait again.
                self.stop(format!("init overran {:?}", self.init_timeout));
                Err(HarnessError::InitTimeout { timeout: self.init_timeout, output_tail: self.process.output_tail() })
            }
        }
    }

    /// Hands `event` to the function and waits at most `timeout` for its answer. The function's deadline
    /// (`Lambda-Runtime-Deadline-Ms`) is now + `timeout`. On a timeout the process is killed, as Lambda does.
    pub fn invoke(&mut self, event: &Value, timeout: Duration) -> Result<Invocation, HarnessError> {
        self.wait_ready()?;
        let delivery = self.deliveries.next(event, timeout);
        let request_id = delivery.request_id.clone();
        self.exchange.offer(delivery);

        match self.wait(timeout, |state| state.outcome.take()) {
            Waited::Ready(Outcome::Response(body)) => serde_json::from_slice(&body)
                .map(Invocation::Response)
                .map_err(|source| HarnessError::ResponseNotJson { request_id, source }),
            Waited::Ready(Outcome::FunctionError(ErrorReport { error_type, error_message })) => {
                Ok(Invocation::FunctionError { error_type, error_message })
            }
            Waited::Exited(status) => Err(HarnessError::ExitedDuringInvocation {
                request_id,
                status,
                output_tail: self.process.output_tail(),
            }),
            Waited::TimedOut => {
                self.exchange.abandon();
                self.stop(format!("request {request_id} timed out"));
                Err(HarnessError::InvocationTimeout { request_id, timeout, output_tail: self.process.output_tail() })
            }
        }
    }

    /// Everything the process wrote to stdout and stderr so far, line by line in arrival order.
    pub fn logs(&self) -> String {
        self.process.output()
    }

    /// The process's peak resident memory in KiB (Lambda's "Max Memory Used"); `None` once it has exited.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.process.peak_rss_kib()
    }

    fn stop(&mut self, reason: String) {
        self.process.kill();
        self.stopped = Some(reason);
    }

    /// Waits for `ready` to find something in the shared state, for the process to exit, or for `limit`.
    /// The state is asked first each round, so an answer posted just before an exit is not lost.
    fn wait<T>(&mut self, limit: Duration, mut ready: impl FnMut(&mut State) -> Option<T>) -> Waited<T> {
        let deadline = Instant::now() + limit;
        loop {
            let slice = EXIT_CHECK_INTERVAL.min(deadline.saturating_duration_since(Instant::now()));
            if let Some(found) = self.exchange.wait_for(slice, &mut ready) {
                return Waited::Ready(found);
            }
            if let Some(status) = self.process.exit_status() {
                // One more look: the answer may have arrived between the wait and the exit check.
                return match self.exchange.wait_for(Duration::ZERO, &mut ready) {
                    Some(found) => Waited::Ready(found),
                    None => Waited::Exited(status),
                };
            }
            if Instant::now() >= deadline {
                return Waited::TimedOut;
            }
        }
    }
}
