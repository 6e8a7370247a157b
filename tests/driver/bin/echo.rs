//! A test Lambda on the real `lambda_runtime`, to check the local Lambda host against the
//! runtime the pipeline uses. Not part of the pipeline. The event says what to do:
//! `{"echo": v}` returns v; `{"fail": {"type": t, "message": m}}` fails with that
//! errorType; `{"exit": code}` exits the process mid-invocation; `{"env": "NAME"}`
//! returns that variable; `{"sleep": seconds}` sleeps first.

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::{json, Value};
use std::time::Duration;

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let (payload, context) = event.into_parts();
    if let Some(secs) = payload.get("sleep").and_then(Value::as_f64) {
        tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    }
    if let Some(code) = payload.get("exit").and_then(Value::as_i64) {
        std::process::exit(i32::try_from(code).unwrap_or(1));
    }
    if let Some(fail) = payload.get("fail") {
        return Err(Diagnostic {
            error_type: fail["type"].as_str().unwrap_or("Failure").to_string(),
            error_message: fail["message"].as_str().unwrap_or_default().to_string(),
        });
    }
    if let Some(name) = payload.get("env").and_then(Value::as_str) {
        return Ok(json!(std::env::var(name).ok()));
    }
    Ok(json!({
        "echo": payload.get("echo").cloned().unwrap_or(Value::Null),
        "requestId": context.request_id,
        "functionArn": context.invoked_function_arn,
    }))
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    lambda_runtime::run(service_fn(handler)).await
}
