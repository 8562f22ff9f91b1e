//! The HTTP side: a `tiny_http` server on a background thread that hands awsJson calls and
//! admin requests to the shared state. [`StandIn`] is the handle tests and the binary hold.

use std::io::{self, Read};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use tiny_http::{Header, Request, Response};

use crate::admin;
use crate::protocol::{self, ApiError, ErrorKind};
use crate::state::{Approval, Call, Fault, FaultPlan, State};

/// Far above any real `PutApprovalResult` body (a few hundred bytes); stops a runaway client
/// from filling memory.
const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// A running stand-in. It serves until dropped.
#[derive(Debug)]
pub struct StandIn {
    shared: Arc<Shared>,
    addr: SocketAddr,
    worker: Option<JoinHandle<()>>,
}

struct Shared {
    server: tiny_http::Server,
    state: Mutex<State>,
    stopping: AtomicBool,
    request_ids: AtomicU64,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("state", &self.state).finish_non_exhaustive()
    }
}

impl StandIn {
    /// Binds `addr` (port 0 picks a free port) and starts serving on a background thread.
    pub fn start(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let server = tiny_http::Server::http(addr).map_err(|e| match e.downcast::<io::Error>() {
            Ok(e) => *e,
            Err(e) => io::Error::other(e),
        })?;
        let addr = server.server_addr().to_ip().ok_or_else(|| io::Error::other("the stand-in listens on TCP only"))?;
        let shared = Arc::new(Shared {
            server,
            state: Mutex::new(State::default()),
            stopping: AtomicBool::new(false),
            request_ids: AtomicU64::new(0),
        });
        let worker = thread::Builder::new().name("codepipeline-standin".to_owned()).spawn({
            let shared = Arc::clone(&shared);
            move || serve(&shared)
        })?;
        Ok(Self { shared, addr, worker: Some(worker) })
    }

    /// The base URL to give the SDK, e.g. `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Registers an approval action (replacing an earlier one for the same action).
    pub fn register(&self, approval: Approval) {
        self.shared.state().register(approval);
    }

    pub fn approvals(&self) -> Vec<Approval> {
        self.shared.state().approvals()
    }

    /// Every `PutApprovalResult` call received, in arrival order.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.state().calls()
    }

    /// The successful calls only.
    pub fn results(&self) -> Vec<Call> {
        self.shared.state().results()
    }

    /// Makes the next `n` `PutApprovalResult` calls fail with `fault` (`n = 0` clears).
    pub fn fail_next(&self, n: u32, fault: Fault) {
        self.shared.state().set_faults(FaultPlan { fail_next: n, error: fault });
    }

    /// Forgets approvals, calls and faults.
    pub fn reset(&self) {
        self.shared.state().reset();
    }

    /// Blocks while the stand-in serves, which is until the process ends: for the binary.
    pub fn wait(mut self) {
        if let Some(worker) = self.worker.take() {
            // A panic in the worker has already been reported on stderr.
            let _ = worker.join();
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.server.unblock();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Shared {
    /// A panic while holding the lock leaves the state as consistent as any single step does,
    /// so a poisoned lock is simply taken over.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Looks like an AWS request id, so SDK logs and `request_id()` show something sensible.
    fn next_request_id(&self) -> String {
        let n = self.request_ids.fetch_add(1, Ordering::Relaxed);
        format!("00000000-0000-4000-8000-{n:012x}")
    }
}

/// One thread answers requests one at a time, which also fixes the order calls are recorded in.
fn serve(shared: &Shared) {
    loop {
        match shared.server.recv() {
            Ok(request) => handle(shared, request),
            Err(_) if shared.stopping.load(Ordering::SeqCst) => return,
            // Other errors concern a single connection; keep serving the rest.
            Err(_) => {}
        }
    }
}

fn handle(shared: &Shared, mut request: Request) {
    let body = match read_body(&mut request) {
        Ok(body) => body,
        Err(message) => {
            respond(request, json_response(400, &admin_error(&message)));
            return;
        }
    };
    let path = request.url().split('?').next().unwrap_or_default().to_owned();
    let method = request.method().as_str().to_owned();
    let response = if path.starts_with(admin::PREFIX) {
        let reply = admin::handle(&method, &path, &body, &mut shared.state());
        json_response(reply.status, &reply.body)
    } else if path == "/" && method == "POST" {
        let target = header_value(&request, "X-Amz-Target");
        let (status, body) = api(shared, target.as_deref(), &body);
        aws_response(status, body, &shared.next_request_id())
    } else {
        let message = format!(
            "no route {method} {path}: the API is POST / with X-Amz-Target, the admin API is under {}",
            admin::PREFIX
        );
        json_response(404, &admin_error(&message))
    };
    respond(request, response);
}

/// Dispatches on `X-Amz-Target`, the only place awsJson names the operation.
fn api(shared: &Shared, target: Option<&str>, body: &[u8]) -> (u16, String) {
    if target != Some(protocol::PUT_APPROVAL_RESULT_TARGET) {
        let error = ApiError::new(
            ErrorKind::UnknownOperationException,
            format!(
                "the stand-in implements only {}, got X-Amz-Target {}",
                protocol::PUT_APPROVAL_RESULT_TARGET,
                target.unwrap_or("(none)")
            ),
        );
        return (error.kind.http_status(), error.body());
    }
    match shared.state().put_approval_result(body) {
        Ok(approved_at) => (200, protocol::success_body(approved_at)),
        Err(error) => (error.kind.http_status(), error.body()),
    }
}

fn read_body(request: &mut Request) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("cannot read the request body: {e}"))?;
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(format!("the request body exceeds {MAX_BODY_BYTES} bytes"));
    }
    Ok(body)
}

fn header_value(request: &Request, name: &'static str) -> Option<String> {
    request.headers().iter().find(|header| header.field.equiv(name)).map(|header| header.value.as_str().to_owned())
}

type Reply = Response<io::Cursor<Vec<u8>>>;

fn aws_response(status: u16, body: String, request_id: &str) -> Reply {
    Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", protocol::CONTENT_TYPE))
        .with_header(header("x-amzn-RequestId", request_id))
}

fn json_response(status: u16, body: &str) -> Reply {
    Response::from_data(body.to_owned())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"))
}

fn admin_error(message: &str) -> String {
    serde_json::json!({ "message": message }).to_string()
}

/// Only called with constant names and ASCII values this module builds.
fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("header made of ASCII constants")
}

fn respond(request: Request, response: Reply) {
    // The client may have gone away (e.g. an SDK timeout); nothing to do about it here.
    let _ = request.respond(response);
}
