//! The Lambda Runtime API (2018-06-01) for one function process: an HTTP server on 127.0.0.1 whose thread
//! routes the endpoints `lambda_runtime` calls into the shared [`Exchange`].

use std::{
    io::Read,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::Duration,
};

use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response, Server};

use crate::{
    HarnessError,
    exchange::{ErrorReport, Exchange, Outcome},
};

/// Lambda refuses synchronous responses above 6 MB; refusing them here too keeps a payload that would fail in
/// AWS from passing locally.
const MAX_RESPONSE_BYTES: u64 = 6 * 1024 * 1024;

/// The Runtime API server of one function; dropping it stops the server thread.
pub(crate) struct RuntimeApi {
    server: Arc<Server>,
    address: SocketAddr,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RuntimeApi {
    pub(crate) fn start(exchange: Arc<Exchange>) -> Result<Self, HarnessError> {
        let server = Server::http("127.0.0.1:0").map_err(|error| HarnessError::RuntimeApi(error.to_string()))?;
        let address = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| HarnessError::RuntimeApi("the server is not listening on an IP address".into()))?;
        let server = Arc::new(server);
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name(format!("runtime-api-{}", address.port()))
            .spawn({
                let server = Arc::clone(&server);
                let stopping = Arc::clone(&stopping);
                move || serve(&server, &exchange, &stopping)
            })
            .map_err(|error| HarnessError::RuntimeApi(error.to_string()))?;
        Ok(Self { server, address, stopping, thread: Some(thread) })
    }

    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(server: &Server, exchange: &Exchange, stopping: &AtomicBool) {
    loop {
        match server.recv() {
            Ok(request) => handle(request, exchange),
            Err(_) if stopping.load(Ordering::SeqCst) => return,
            // A failed accept (say, out of file descriptors) passes; the pause keeps a persistent one from spinning.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Route<'a> {
    Next,
    Response(&'a str),
    Error(&'a str),
    InitError,
    Unknown,
}

fn route<'a>(method: &Method, url: &'a str) -> Route<'a> {
    let path = url.split('?').next().unwrap_or_default();
    let Some(endpoint) = path.strip_prefix("/2018-06-01/runtime/") else {
        return Route::Unknown;
    };
    match (method, endpoint.split('/').collect::<Vec<_>>().as_slice()) {
        (Method::Get, ["invocation", "next"]) => Route::Next,
        (Method::Post, ["invocation", id, "response"]) if !id.is_empty() => Route::Response(id),
        (Method::Post, ["invocation", id, "error"]) if !id.is_empty() => Route::Error(id),
        (Method::Post, ["init", "error"]) => Route::InitError,
        _ => Route::Unknown,
    }
}

fn handle(mut request: Request, exchange: &Exchange) {
    let url = request.url().to_owned();
    // Answers are best effort: a function that hung up has exited, and the process watch reports that.
    let _ = match route(request.method(), &url) {
        Route::Next => {
            exchange.poll_arrived(request);
            Ok(())
        }
        Route::Response(id) => match read_body(&mut request) {
            Ok(body) if body.len() as u64 > MAX_RESPONSE_BYTES => {
                let report = ErrorReport {
                    error_type: "Function.ResponseSizeTooLarge".into(),
                    error_message: format!(
                        "Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
                    ),
                };
                exchange.complete(id, Outcome::FunctionError(report));
                request.respond(refusal(413, "RequestEntityTooLarge", "response payload is larger than 6 MB"))
            }
            Ok(body) => accept(request, exchange.complete(id, Outcome::Response(body)), id),
            Err(error) => request.respond(refusal(400, "InvalidRequest", &error.to_string())),
        },
        Route::Error(id) => match read_body(&mut request) {
            Ok(body) => {
                let report = error_report(&body, header(&request, "Lambda-Runtime-Function-Error-Type"));
                accept(request, exchange.complete(id, Outcome::FunctionError(report)), id)
            }
            Err(error) => request.respond(refusal(400, "InvalidRequest", &error.to_string())),
        },
        Route::InitError => match read_body(&mut request) {
            Ok(body) => {
                exchange.init_failed(error_report(&body, header(&request, "Lambda-Runtime-Function-Error-Type")));
                request.respond(accepted())
            }
            Err(error) => request.respond(refusal(400, "InvalidRequest", &error.to_string())),
        },
        Route::Unknown => {
            let message = format!("{} {url} is not part of the Runtime API this harness serves", request.method());
            request.respond(refusal(404, "UnknownEndpoint", &message))
        }
    };
}

/// Reads one byte past the limit so an oversized body is recognised without buffering all of it.
fn read_body(request: &mut Request) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    request.as_reader().take(MAX_RESPONSE_BYTES + 1).read_to_end(&mut body)?;
    Ok(body)
}

fn header<'r>(request: &'r Request, name: &'static str) -> Option<&'r str> {
    request.headers().iter().find(|header| header.field.equiv(name)).map(|header| header.value.as_str())
}

fn accept(request: Request, completed: bool, id: &str) -> std::io::Result<()> {
    if completed {
        request.respond(accepted())
    } else {
        let message = format!("request {id} is not the invocation in flight (unknown, or it already timed out)");
        request.respond(refusal(400, "InvalidRequestID", &message))
    }
}

/// Reads an error body leniently: `lambda_runtime` always sends JSON, but another runtime's malformed report
/// should still reach the caller rather than turn into a timeout.
fn error_report(body: &[u8], header_type: Option<&str>) -> ErrorReport {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let field =
        |name: &str| parsed.as_ref().and_then(|value| value.get(name)).and_then(Value::as_str).map(str::to_owned);
    ErrorReport {
        error_type: field("errorType").or_else(|| header_type.map(str::to_owned)).unwrap_or_else(|| "Unknown".into()),
        error_message: field("errorMessage").unwrap_or_else(|| String::from_utf8_lossy(body).into_owned()),
    }
}

fn accepted() -> Response<std::io::Cursor<Vec<u8>>> {
    json_response(202, &json!({"status": "OK"}))
}

fn refusal(status: u16, error_type: &str, message: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    json_response(status, &json!({"errorType": error_type, "errorMessage": message}))
}

fn json_response(status: u16, body: &Value) -> Response<std::io::Cursor<Vec<u8>>> {
    let response = Response::from_data(body.to_string()).with_status_code(status);
    match Header::from_bytes("Content-Type", "application/json") {
        Ok(header) => response.with_header(header),
        Err(()) => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_the_endpoints_lambda_runtime_calls() {
        assert_eq!(route(&Method::Get, "/2018-06-01/runtime/invocation/next"), Route::Next);
        assert_eq!(route(&Method::Post, "/2018-06-01/runtime/invocation/abc/response"), Route::Response("abc"));
        assert_eq!(route(&Method::Post, "/2018-06-01/runtime/invocation/abc/error"), Route::Error("abc"));
        assert_eq!(route(&Method::Post, "/2018-06-01/runtime/init/error"), Route::InitError);
    }

    #[test]
    fn anything_else_is_unknown() {
        assert_eq!(route(&Method::Post, "/2018-06-01/runtime/invocation/next"), Route::Unknown);
        assert_eq!(route(&Method::Get, "/2018-06-01/runtime/restore/next"), Route::Unknown);
        assert_eq!(route(&Method::Post, "/2018-06-01/runtime/invocation//response"), Route::Unknown);
        assert_eq!(route(&Method::Get, "/2020-01-01/extension/event/next"), Route::Unknown);
    }

    #[test]
    fn an_error_body_in_runtime_api_shape_is_read_as_is() {
        let report = error_report(br#"{"errorType":"Boom","errorMessage":"it broke"}"#, Some("unhandled"));

        assert_eq!(report, ErrorReport { error_type: "Boom".into(), error_message: "it broke".into() });
    }

    #[test]
    fn a_malformed_error_body_keeps_the_header_type_and_the_raw_text() {
        let report = error_report(b"not json", Some("Runtime.Crash"));

        assert_eq!(report, ErrorReport { error_type: "Runtime.Crash".into(), error_message: "not json".into() });
    }
}
