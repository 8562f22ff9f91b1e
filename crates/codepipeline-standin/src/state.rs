//! What the stand-in knows: the approval actions it was told about, every `PutApprovalResult`
//! call in arrival order, and faults queued for the next calls.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::protocol::{self, ApiError, ErrorKind, PutApprovalResult, RawRequest};

/// An approval action waiting for (or past) its answer, as registered through the admin API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    pub pipeline_name: String,
    pub stage_name: String,
    pub action_name: String,
    pub token: String,
    /// Already answered (by a human, or by an earlier `PutApprovalResult`).
    #[serde(default)]
    pub completed: bool,
    /// Timed out: CodePipeline then refuses the token.
    #[serde(default)]
    pub expired: bool,
}

impl Approval {
    /// A pending approval: neither answered nor expired.
    pub fn pending(
        pipeline_name: impl Into<String>,
        stage_name: impl Into<String>,
        action_name: impl Into<String>,
        token: impl Into<String>,
    ) -> Self {
        Self {
            pipeline_name: pipeline_name.into(),
            stage_name: stage_name.into(),
            action_name: action_name.into(),
            token: token.into(),
            completed: false,
            expired: false,
        }
    }
}

/// One `PutApprovalResult` call as received. Members the client left out (or sent with the
/// wrong JSON type) are `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    pub pipeline_name: Option<String>,
    pub stage_name: Option<String>,
    pub action_name: Option<String>,
    pub token: Option<String>,
    pub status: Option<String>,
    pub summary: Option<String>,
    /// `"ok"` or the error name the call was answered with.
    pub outcome: String,
}

impl Call {
    pub const OK: &'static str = "ok";

    fn new(raw: RawRequest, outcome: &str) -> Self {
        Self {
            pipeline_name: raw.pipeline_name,
            stage_name: raw.stage_name,
            action_name: raw.action_name,
            token: raw.token,
            status: raw.status,
            summary: raw.summary,
            outcome: outcome.to_owned(),
        }
    }

    pub fn is_ok(&self) -> bool {
        self.outcome == Self::OK
    }
}

/// An injected failure, to exercise the SDK's retries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    /// HTTP 400 with `__type` `ThrottlingException`: retried as throttling.
    #[default]
    ThrottlingException,
    /// HTTP 500: retried as a transient error.
    InternalServerError,
}

impl Fault {
    fn error(self) -> ApiError {
        match self {
            Self::ThrottlingException => {
                ApiError::new(ErrorKind::ThrottlingException, "Rate exceeded (injected by the stand-in)")
            }
            Self::InternalServerError => {
                ApiError::new(ErrorKind::InternalServerError, "internal error (injected by the stand-in)")
            }
        }
    }
}

/// Body of `POST /_standin/faults`: fail the next `fail_next` calls with `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultPlan {
    pub fail_next: u32,
    #[serde(default)]
    pub error: Fault,
}

/// All mutable state, behind one mutex so a call's check and its record happen together.
#[derive(Debug, Default)]
pub struct State {
    approvals: Vec<Approval>,
    calls: Vec<Call>,
    faults: Option<FaultPlan>,
}

impl State {
    /// Registers an approval action. A later registration of the same action replaces the
    /// earlier one, as a new pipeline execution gives the action a new token.
    pub fn register(&mut self, approval: Approval) {
        match self.approvals.iter_mut().find(|known| same_action(known, &approval)) {
            Some(known) => *known = approval,
            None => self.approvals.push(approval),
        }
    }

    pub fn approvals(&self) -> Vec<Approval> {
        self.approvals.clone()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.clone()
    }

    pub fn results(&self) -> Vec<Call> {
        self.calls.iter().filter(|call| call.is_ok()).cloned().collect()
    }

    pub fn set_faults(&mut self, plan: FaultPlan) {
        self.faults = (plan.fail_next > 0).then_some(plan);
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Answers one `PutApprovalResult` body and records the call, whatever the outcome.
    /// On success returns `approvedAt` in epoch seconds.
    pub fn put_approval_result(&mut self, body: &[u8]) -> Result<f64, ApiError> {
        let (raw, checked) = protocol::parse_put_approval_result(body);
        // Faults come first: a throttled request never reaches validation on the real service.
        let answer = match self.take_fault() {
            Some(fault) => Err(fault.error()),
            None => checked.and_then(|request| self.answer(&request)),
        };
        let outcome = match &answer {
            Ok(()) => Call::OK,
            Err(error) => error.kind.name(),
        };
        self.calls.push(Call::new(raw, outcome));
        answer.map(|()| now_epoch_seconds())
    }

    fn take_fault(&mut self) -> Option<Fault> {
        let plan = self.faults.as_mut()?;
        let fault = plan.error;
        plan.fail_next -= 1;
        if plan.fail_next == 0 {
            self.faults = None;
        }
        Some(fault)
    }

    /// The checks in the order CodePipeline makes them: pipeline, stage, action, then the token
    /// against the action's current execution.
    fn answer(&mut self, request: &PutApprovalResult) -> Result<(), ApiError> {
        let in_pipeline = |a: &Approval| a.pipeline_name == request.pipeline_name;
        if !self.approvals.iter().any(in_pipeline) {
            return Err(ApiError::new(
                ErrorKind::PipelineNotFoundException,
                format!(
                    "The pipeline name was specified in an invalid format or cannot be found: {}",
                    request.pipeline_name
                ),
            ));
        }
        let in_stage = |a: &Approval| in_pipeline(a) && a.stage_name == request.stage_name;
        if !self.approvals.iter().any(in_stage) {
            return Err(ApiError::new(
                ErrorKind::StageNotFoundException,
                format!("The stage was specified in an invalid format or cannot be found: {}", request.stage_name),
            ));
        }
        let Some(approval) = self.approvals.iter_mut().find(|a| {
            a.pipeline_name == request.pipeline_name
                && a.stage_name == request.stage_name
                && a.action_name == request.action_name
        }) else {
            return Err(ApiError::new(
                ErrorKind::ActionNotFoundException,
                format!("The specified action cannot be found: {}", request.action_name),
            ));
        };
        if approval.token != request.token || approval.expired {
            return Err(ApiError::new(
                ErrorKind::InvalidApprovalTokenException,
                "The approval request already received a response or has expired.",
            ));
        }
        if approval.completed {
            return Err(ApiError::new(
                ErrorKind::ApprovalAlreadyCompletedException,
                "The approval action has already been approved or rejected.",
            ));
        }
        approval.completed = true;
        Ok(())
    }
}

fn same_action(a: &Approval, b: &Approval) -> bool {
    a.pipeline_name == b.pipeline_name && a.stage_name == b.stage_name && a.action_name == b.action_name
}

/// Millisecond precision, like the timestamps CodePipeline returns.
fn now_epoch_seconds() -> f64 {
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    millis as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b";
    const OTHER_TOKEN: &str = "00000000-0000-4000-8000-000000000000";

    fn body(pipeline: &str, stage: &str, action: &str, token: &str) -> Vec<u8> {
        serde_json::json!({
            "pipelineName": pipeline, "stageName": stage, "actionName": action,
            "result": {"summary": "ok", "status": "Approved"}, "token": token,
        })
        .to_string()
        .into_bytes()
    }

    fn outcome(state: &mut State, body: &[u8]) -> Result<(), ErrorKind> {
        state.put_approval_result(body).map(|_| ()).map_err(|e| e.kind)
    }

    fn with_pending() -> State {
        let mut state = State::default();
        state.register(Approval::pending("p", "s", "a", TOKEN));
        state
    }

    #[test]
    fn unknown_pipeline_stage_and_action_are_told_apart() {
        let mut state = with_pending();
        assert_eq!(outcome(&mut state, &body("x", "s", "a", TOKEN)), Err(ErrorKind::PipelineNotFoundException));
        assert_eq!(outcome(&mut state, &body("p", "x", "a", TOKEN)), Err(ErrorKind::StageNotFoundException));
        assert_eq!(outcome(&mut state, &body("p", "s", "x", TOKEN)), Err(ErrorKind::ActionNotFoundException));
    }

    #[test]
    fn reregistering_an_action_replaces_its_token() {
        let mut state = with_pending();
        state.register(Approval::pending("p", "s", "a", OTHER_TOKEN));
        assert_eq!(state.approvals().len(), 1);
        assert_eq!(outcome(&mut state, &body("p", "s", "a", TOKEN)), Err(ErrorKind::InvalidApprovalTokenException));
        assert_eq!(outcome(&mut state, &body("p", "s", "a", OTHER_TOKEN)), Ok(()));
    }

    #[test]
    fn fault_plan_is_used_up_then_calls_are_answered_normally() {
        let mut state = with_pending();
        state.set_faults(FaultPlan { fail_next: 2, error: Fault::InternalServerError });
        let request = body("p", "s", "a", TOKEN);
        assert_eq!(outcome(&mut state, &request), Err(ErrorKind::InternalServerError));
        assert_eq!(outcome(&mut state, &request), Err(ErrorKind::InternalServerError));
        assert_eq!(outcome(&mut state, &request), Ok(()));
        let outcomes: Vec<String> = state.calls().into_iter().map(|c| c.outcome).collect();
        assert_eq!(outcomes, ["InternalServerError", "InternalServerError", "ok"]);
        assert_eq!(state.results().len(), 1);
    }

    #[test]
    fn reset_forgets_approvals_calls_and_faults() {
        let mut state = with_pending();
        state.set_faults(FaultPlan { fail_next: 1, error: Fault::ThrottlingException });
        let _ = state.put_approval_result(&body("p", "s", "a", TOKEN));
        state.reset();
        assert!(state.approvals().is_empty() && state.calls().is_empty());
        state.register(Approval::pending("p", "s", "a", TOKEN));
        assert_eq!(outcome(&mut state, &body("p", "s", "a", TOKEN)), Ok(()));
    }
}
