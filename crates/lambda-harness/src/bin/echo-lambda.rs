//! Test fixture: a real `lambda_runtime` function that echoes its event, so the harness is tested against the
//! runtime our Lambdas use rather than against a hand-written client. Also the cold-start baseline of a bare
//! runtime.
//!
//! The event steers it: `{"fail": true}` returns an `EchoFailure` error, `{"sleep_ms": N}` sleeps first,
//! `{"exit": N}` exits mid-invocation, `{"describe": ["VAR", ...]}` answers with its invocation context and
//! those environment variables. `ECHO_LAMBDA_STARTUP=exit` exits before the runtime starts, `=stall` never
//! starts it (an init that hangs on a dependency);
//! `ECHO_LAMBDA_STARTUP=init-error` (with `AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`) fails its init, the one
//! path on which `lambda_runtime` posts `/init/error`.

use std::{sync::Arc, time::Duration};

use lambda_runtime::{BoxFuture, Diagnostic, Error, LambdaEvent, Runtime, SnapStartResource, service_fn, tracing};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    match std::env::var("ECHO_LAMBDA_STARTUP").as_deref() {
        Ok("exit") => {
            eprintln!("echo-lambda: exiting before the runtime starts, as ECHO_LAMBDA_STARTUP asks");
            std::process::exit(3);
        }
        Ok("stall") => {
            eprintln!("echo-lambda: stalling before the runtime starts, as ECHO_LAMBDA_STARTUP asks");
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Ok("init-error") => {
            let runtime = Runtime::new(service_fn(echo)).register_snapstart_resource(Arc::new(FailingInit));
            return runtime.run().await;
        }
        _ => {}
    }
    tracing::init_default_subscriber();
    tracing::info!("echo-lambda starting");
    eprintln!("echo-lambda: stderr is captured too");
    lambda_runtime::run(service_fn(echo)).await
}

async fn echo(event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let (payload, context) = event.into_parts();
    tracing::info!(request_id = %context.request_id, "echo-lambda handling an event");
    if let Some(millis) = payload.get("sleep_ms").and_then(Value::as_u64) {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }
    if let Some(code) = payload.get("exit").and_then(Value::as_i64) {
        std::process::exit(i32::try_from(code).unwrap_or(1));
    }
    if payload.get("fail") == Some(&Value::Bool(true)) {
        return Err(Diagnostic {
            error_type: "EchoFailure".into(),
            error_message: "the event asked echo-lambda to fail".into(),
        });
    }
    if let Some(names) = payload.get("describe").and_then(Value::as_array) {
        let env: serde_json::Map<String, Value> = names
            .iter()
            .filter_map(Value::as_str)
            .map(|name| (name.to_owned(), std::env::var(name).map_or(Value::Null, Value::String)))
            .collect();
        return Ok(json!({
            "request_id": context.request_id,
            "deadline_ms": context.deadline,
            "invoked_function_arn": context.invoked_function_arn,
            "xray_trace_id": context.xray_trace_id,
            "function_name": context.env_config.function_name,
            "memory_mb": context.env_config.memory,
            "env": env,
        }));
    }
    Ok(payload)
}

struct FailingInit;

impl SnapStartResource for FailingInit {
    fn before_snapshot(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async { Err("echo-lambda: init fails, as ECHO_LAMBDA_STARTUP asks".into()) })
    }
}
