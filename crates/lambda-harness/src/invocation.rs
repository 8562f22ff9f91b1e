//! One invocation: the event as the Runtime API delivers it (body plus the `Lambda-Runtime-*` headers) and
//! the result the caller gets back.

use std::{
    io,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use serde_json::Value;
use tiny_http::{Header, Request, Response};

/// What a function answered to one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// The handler returned this JSON.
    Response(Value),
    /// The handler returned an error, posted to `/invocation/{id}/error` (or the response was too large).
    FunctionError { error_type: String, error_message: String },
}

/// An event ready to hand to the function's `GET /invocation/next`.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) request_id: String,
    deadline_ms: u128,
    trace_id: String,
    function_arn: String,
    body: Vec<u8>,
}

impl Delivery {
    /// Answers a parked `/next` request with this event. Every header value is ASCII by construction except the
    /// ARN, which holds the caller's function name; a header that cannot be encoded is left out, as
    /// `lambda_runtime` then falls back to a placeholder ARN rather than failing.
    pub(crate) fn respond_to(&self, poll: Request) -> io::Result<()> {
        let deadline_ms = self.deadline_ms.to_string();
        let headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", self.request_id.as_str()),
            ("Lambda-Runtime-Deadline-Ms", deadline_ms.as_str()),
            ("Lambda-Runtime-Invoked-Function-Arn", self.function_arn.as_str()),
            ("Lambda-Runtime-Trace-Id", self.trace_id.as_str()),
        ];
        let mut response = Response::from_data(self.body.clone());
        for (name, value) in headers {
            if let Ok(header) = Header::from_bytes(name, value) {
                response.add_header(header);
            }
        }
        poll.respond(response)
    }
}

/// Numbers the invocations of one function and gives each the ids Lambda would.
#[derive(Debug)]
pub(crate) struct DeliverySequence {
    function_arn: String,
    /// Mixed into the ids so that logs of several functions run side by side do not share request ids.
    port: u16,
    delivered: u64,
}

impl DeliverySequence {
    pub(crate) fn new(function_arn: String, port: u16) -> Self {
        Self { function_arn, port, delivered: 0 }
    }

    pub(crate) fn next(&mut self, event: &Value, timeout: Duration) -> Delivery {
        self.delivered += 1;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Delivery {
            request_id: request_id(self.port, self.delivered),
            deadline_ms: (now + timeout).as_millis(),
            trace_id: trace_id(now.as_secs(), self.port, self.delivered),
            function_arn: self.function_arn.clone(),
            body: event.to_string().into_bytes(),
        }
    }
}

/// Shaped like the UUID Lambda sends, so code that parses request ids sees a familiar value.
fn request_id(port: u16, sequence: u64) -> String {
    format!("{port:08x}-0000-4000-8000-{sequence:012x}")
}

/// The X-Ray header format (`Root=1-<epoch hex>-<96 bits>`); `Sampled=0` because nothing collects traces here.
fn trace_id(epoch_secs: u64, port: u16, sequence: u64) -> String {
    let root = (u128::from(port) << 64) | u128::from(sequence);
    format!("Root=1-{epoch_secs:08x}-{root:024x};Parent={sequence:016x};Sampled=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_shaped_and_distinct_per_function_and_invocation() {
        let first = request_id(8080, 1);
        assert_eq!(first, "00001f90-0000-4000-8000-000000000001");
        assert_ne!(first, request_id(8080, 2));
        assert_ne!(first, request_id(8081, 1));
    }

    #[test]
    fn trace_ids_follow_the_x_ray_header_format() {
        let id = trace_id(0x6500_0000, 1, 2);
        assert_eq!(id, "Root=1-65000000-000000010000000000000002;Parent=0000000000000002;Sampled=0");
    }

    #[test]
    fn deliveries_carry_a_deadline_after_now_and_the_event_as_json() {
        let mut sequence = DeliverySequence::new("arn:aws:lambda:us-east-1:000000000000:function:f".into(), 1);
        let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();

        let delivery = sequence.next(&serde_json::json!({"a": 1}), Duration::from_secs(3));

        assert!(delivery.deadline_ms >= before + 3000);
        assert_eq!(delivery.body, br#"{"a":1}"#);
        assert_eq!(delivery.request_id, request_id(1, 1));
    }
}
