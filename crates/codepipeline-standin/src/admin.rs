//! The admin API under `/_standin/`: tests and demo scripts use it to tell the stand-in which
//! approvals are pending, to read back the calls it received, and to inject faults.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::state::{Approval, FaultPlan, State};

/// Path prefix of every admin route; it cannot clash with awsJson, which only uses `POST /`.
pub const PREFIX: &str = "/_standin/";

/// An admin answer: HTTP status and a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// Routes one admin request (the caller holds the state lock).
pub fn handle(method: &str, path: &str, body: &[u8], state: &mut State) -> Reply {
    let route = path.strip_prefix(PREFIX).unwrap_or(path);
    match (method, route) {
        ("POST", "approvals") => match parse::<Approval>(body) {
            Ok(approval) => {
                state.register(approval);
                no_content()
            }
            Err(reply) => reply,
        },
        ("GET", "approvals") => json(&state.approvals()),
        ("GET", "calls") => json(&state.calls()),
        ("GET", "results") => json(&state.results()),
        ("POST", "faults") => match parse::<FaultPlan>(body) {
            Ok(plan) => {
                state.set_faults(plan);
                no_content()
            }
            Err(reply) => reply,
        },
        ("POST", "reset") => {
            state.reset();
            no_content()
        }
        (_, "approvals" | "calls" | "results" | "faults" | "reset") => {
            error(405, &format!("method {method} is not allowed on {path}"))
        }
        _ => error(
            404,
            &format!("no admin route {path}, use one of: approvals, calls, results, faults, reset under {PREFIX}"),
        ),
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    serde_json::from_slice(body).map_err(|e| error(400, &format!("invalid admin request body: {e}")))
}

fn json<T: Serialize>(value: &T) -> Reply {
    match serde_json::to_string(value) {
        Ok(body) => Reply { status: 200, body },
        Err(e) => error(500, &format!("cannot serialise the answer: {e}")),
    }
}

/// Admin writes answer `{}` rather than an empty body so every reply parses as JSON.
fn no_content() -> Reply {
    Reply { status: 200, body: "{}".to_owned() }
}

fn error(status: u16, message: &str) -> Reply {
    Reply { status, body: serde_json::json!({ "message": message }).to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_approval_is_listed_with_defaults() {
        let mut state = State::default();
        let body = br#"{"pipelineName":"p","stageName":"s","actionName":"a","token":"t"}"#;
        assert_eq!(handle("POST", "/_standin/approvals", body, &mut state).status, 200);
        let listed = handle("GET", "/_standin/approvals", b"", &mut state);
        let approvals: Vec<Approval> = serde_json::from_str(&listed.body).expect("json");
        assert_eq!(approvals, [Approval::pending("p", "s", "a", "t")]);
    }

    #[test]
    fn malformed_body_or_unknown_fault_is_a_400() {
        let mut state = State::default();
        assert_eq!(handle("POST", "/_standin/approvals", b"{", &mut state).status, 400);
        let fault = br#"{"failNext":1,"error":"Boom"}"#;
        assert_eq!(handle("POST", "/_standin/faults", fault, &mut state).status, 400);
    }

    #[test]
    fn unknown_route_is_404_and_wrong_method_is_405() {
        let mut state = State::default();
        assert_eq!(handle("GET", "/_standin/nope", b"", &mut state).status, 404);
        assert_eq!(handle("DELETE", "/_standin/calls", b"", &mut state).status, 405);
    }
}
