//! The state shared by the Runtime API server thread and the [`Function`](crate::Function) driving it: the
//! event waiting for the function's next poll, the polls waiting for an event, and what the function posted back.

use std::{
    collections::VecDeque,
    sync::{Condvar, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use tiny_http::Request;

use crate::invocation::Delivery;

/// An error the function posted, in the Runtime API's `{"errorType", "errorMessage"}` shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ErrorReport {
    pub(crate) error_type: String,
    pub(crate) error_message: String,
}

/// What the function posted for the invocation in flight.
#[derive(Debug)]
pub(crate) enum Outcome {
    Response(Vec<u8>),
    FunctionError(ErrorReport),
}

#[derive(Default)]
pub(crate) struct State {
    /// When the function first asked for an event: the end of its init phase.
    pub(crate) first_poll_at: Option<Instant>,
    /// `GET /next` requests held open until there is an event (the long poll).
    parked_polls: VecDeque<Request>,
    /// An event offered before the function asked for one.
    queued: Option<Delivery>,
    /// The request id whose outcome is awaited; posts for any other id are refused.
    in_flight: Option<String>,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) init_error: Option<ErrorReport>,
}

#[derive(Default)]
pub(crate) struct Exchange {
    state: Mutex<State>,
    changed: Condvar,
}

impl Exchange {
    /// A panic elsewhere must not turn every later call into a second panic: the state stays consistent because
    /// each update is a single assignment.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn first_poll_at(&self) -> Option<Instant> {
        self.lock().first_poll_at
    }

    /// Makes `delivery` the invocation in flight and hands it to a waiting poll, or keeps it for the next one.
    pub(crate) fn offer(&self, delivery: Delivery) {
        let mut state = self.lock();
        state.in_flight = Some(delivery.request_id.clone());
        state.outcome = None;
        self.hand_out(state, delivery);
    }

    /// Records a `GET /next` and answers it at once if an event is queued, otherwise parks it.
    pub(crate) fn poll_arrived(&self, poll: Request) {
        let mut state = self.lock();
        if state.first_poll_at.is_none() {
            state.first_poll_at = Some(Instant::now());
            self.changed.notify_all();
        }
        state.parked_polls.push_back(poll);
        if let Some(delivery) = state.queued.take() {
            self.hand_out(state, delivery);
        }
    }

    /// Writes the event to the oldest parked poll, outside the lock so a slow reader cannot stall the server.
    /// A poll whose connection is gone is skipped; if none is left the event waits for the next poll.
    fn hand_out<'a>(&'a self, mut state: MutexGuard<'a, State>, delivery: Delivery) {
        while let Some(poll) = state.parked_polls.pop_front() {
            drop(state);
            if delivery.respond_to(poll).is_ok() {
                return;
            }
            state = self.lock();
        }
        state.queued = Some(delivery);
    }

    /// Records the outcome of `request_id`; false when that id is not the invocation in flight.
    pub(crate) fn complete(&self, request_id: &str, outcome: Outcome) -> bool {
        let mut state = self.lock();
        if state.in_flight.as_deref() != Some(request_id) {
            return false;
        }
        state.in_flight = None;
        state.outcome = Some(outcome);
        self.changed.notify_all();
        true
    }

    pub(crate) fn init_failed(&self, report: ErrorReport) {
        self.lock().init_error = Some(report);
        self.changed.notify_all();
    }

    /// Forgets the invocation in flight, so a late post for it is refused rather than taken for the next one.
    pub(crate) fn abandon(&self) {
        let mut state = self.lock();
        state.in_flight = None;
        state.queued = None;
    }

    /// Waits at most `limit` for `ready` to find what the caller waits for in the state.
    pub(crate) fn wait_for<T>(&self, limit: Duration, ready: &mut impl FnMut(&mut State) -> Option<T>) -> Option<T> {
        let deadline = Instant::now() + limit;
        let mut state = self.lock();
        loop {
            if let Some(found) = ready(&mut state) {
                return Some(found);
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return None;
            }
            state = self.changed.wait_timeout(state, remaining).unwrap_or_else(PoisonError::into_inner).0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Outcome {
        Outcome::FunctionError(ErrorReport { error_type: "T".into(), error_message: "m".into() })
    }

    #[test]
    fn an_outcome_for_a_request_not_in_flight_is_refused() {
        let exchange = Exchange::default();

        assert!(!exchange.complete("nobody-asked", report()));
        assert!(exchange.wait_for(Duration::ZERO, &mut |state| state.outcome.take()).is_none());
    }

    #[test]
    fn an_abandoned_request_cannot_complete_later() {
        let exchange = Exchange::default();
        exchange.lock().in_flight = Some("late".into());

        exchange.abandon();

        assert!(!exchange.complete("late", report()));
    }

    #[test]
    fn an_init_error_wakes_a_waiter() {
        let exchange = std::sync::Arc::new(Exchange::default());
        let reporter = std::sync::Arc::clone(&exchange);
        let thread = std::thread::spawn(move || {
            reporter.init_failed(ErrorReport { error_type: "Init".into(), error_message: "no".into() })
        });

        let found = exchange.wait_for(Duration::from_secs(30), &mut |state| state.init_error.clone());

        assert_eq!(found.map(|report| report.error_type), Some("Init".to_owned()));
        assert!(thread.join().is_ok());
    }
}
