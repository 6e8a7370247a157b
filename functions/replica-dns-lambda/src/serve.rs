//! How every function meets the Lambda Runtime API, so that whatever goes wrong at its
//! edge still reaches the caller as a `ReplicaDns.*` errorType with a message naming
//! the problem:
//!
//! - [`serve`] takes the payload as raw JSON and decodes it itself: a payload of the
//!   wrong shape answers `ReplicaDns.InvalidInput` naming the expected type and the
//!   serde error (with its path), where `lambda_runtime` would answer with a Rust type
//!   name as the errorType.
//! - [`started`] reports a start-up failure (invalid configuration, a missing variable)
//!   through the Runtime API's `/runtime/init/error` before the process exits, so the
//!   invoke's error — not only the log — says which field is wrong and why (AWS Lambda
//!   Developer Guide, "Using the Lambda runtime API for custom runtimes", Initialization
//!   error: <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-initerror>).
//!
//! Not the handlers' logic, and no retries: the state machine decides those.

use std::fmt::Display;
use std::future::Future;

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::{ErrorType, HandlerError};

/// Decodes a function's payload into its request type; `what` names the type for the
/// message (e.g. "a GroupRun (statemachine/README.md)").
pub fn decode<T: DeserializeOwned>(what: &str, payload: Value) -> Result<T, HandlerError> {
    serde_path_to_error(payload).map_err(|e| HandlerError::InvalidInput {
        what: format!("the payload is not {what}"),
        source: Some(Box::new(e)),
    })
}

/// serde_json's error names the field but not where it sits; this adds the JSON path
/// of the offending value (`groups[0].topology: missing field …`).
fn serde_path_to_error<T: DeserializeOwned>(payload: Value) -> Result<T, PayloadError> {
    serde_path_to_error::deserialize(payload).map_err(|e| PayloadError {
        path: e.path().to_string(),
        source: e.into_inner(),
    })
}

/// A payload that does not fit the request type, with where.
#[derive(Debug, thiserror::Error)]
#[error("at {path}: {source}")]
pub struct PayloadError {
    path: String,
    #[source]
    source: serde_json::Error,
}

/// Runs the Lambda runtime loop with `handler`, decoding each payload with [`decode`].
pub async fn serve<T, R, F, Fut>(
    what: &'static str,
    handler: F,
) -> Result<(), lambda_runtime::Error>
where
    T: DeserializeOwned,
    R: Serialize,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<R, HandlerError>>,
{
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        invoke(what, handler, event.payload)
    }))
    .await
}

/// As [`serve`], for a step that also takes part in the fleet pass
/// ([`crate::fleet`]): a payload object with a `fleet` key is decoded as `FR` (named by
/// `fleet_what`) and handled by `fleet`, any other payload as `T` by `group`.
pub async fn serve_with_fleet<T, R, G, GFut, FR, FS, FH, FFut>(
    what: &'static str,
    fleet_what: &'static str,
    group: G,
    fleet: FH,
) -> Result<(), lambda_runtime::Error>
where
    T: DeserializeOwned,
    R: Serialize,
    G: Fn(T) -> GFut,
    GFut: Future<Output = Result<R, HandlerError>>,
    FR: DeserializeOwned,
    FS: Serialize,
    FH: Fn(FR) -> FFut,
    FFut: Future<Output = Result<FS, HandlerError>>,
{
    let (group, fleet) = (&group, &fleet);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let payload = event.payload;
        if is_fleet_payload(&payload) {
            invoke(fleet_what, fleet, payload).await.and_then(to_json)
        } else {
            invoke(what, group, payload).await.and_then(to_json)
        }
    }))
    .await
}

/// The fleet pass's payloads are objects with a `fleet` key (statemachine/README.md).
pub fn is_fleet_payload(payload: &Value) -> bool {
    payload.get("fleet").is_some()
}

fn to_json<R: Serialize>(response: R) -> Result<Value, Diagnostic> {
    serde_json::to_value(response).map_err(|e| Diagnostic {
        error_type: ErrorType::Fatal.as_str().to_string(),
        error_message: format!("the response could not be encoded as JSON: {e}"),
    })
}

async fn invoke<T, R, F, Fut>(
    what: &'static str,
    handler: &F,
    payload: Value,
) -> Result<R, Diagnostic>
where
    T: DeserializeOwned,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<R, HandlerError>>,
{
    let request = decode(what, payload)?;
    // Boxed: the handlers' futures are deep, and nesting them inside the runtime's own
    // would overflow the compiler's layout depth limit; one allocation per invocation.
    let response: std::pin::Pin<Box<dyn Future<Output = Result<R, HandlerError>> + '_>> =
        Box::pin(handler(request));
    let result = response.await;
    // Metrics of this invocation, success or error (a conflict is an error and counted).
    crate::metrics::flush();
    Ok(result?)
}

/// Passes a successful start-up through; a failed one is reported to the Runtime API
/// as an init error (errorType `ReplicaDns.Fatal`: a person must fix the deployment)
/// and returned, so `main` exits with it.
pub async fn started<T, E: Display>(result: Result<T, E>) -> Result<T, lambda_runtime::Error> {
    match result {
        Ok(value) => Ok(value),
        Err(error) => {
            let message = format!("cannot start: {error}");
            if let Err(report) = report_init_error(&message).await {
                tracing::error!(error = %report, "could not report the init error to the Runtime API");
            }
            tracing::error!(%message, "start-up failed");
            Err(message.into())
        }
    }
}

/// The body of an init error, as the Runtime API documents it.
pub fn init_error_body(message: &str) -> Value {
    serde_json::json!({"errorType": ErrorType::Fatal.as_str(), "errorMessage": message})
}

async fn report_init_error(message: &str) -> Result<(), lambda_runtime::Error> {
    let client = lambda_runtime_api_client::PooledClient::builder().build();
    let request = lambda_runtime_api_client::build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header(
            "Lambda-Runtime-Function-Error-Type",
            ErrorType::Fatal.as_str(),
        )
        .header("Content-Type", "application/json")
        .body(lambda_runtime_api_client::body::Body::from(
            init_error_body(message).to_string().into_bytes(),
        ))?;
    let response = client.call(request).await?;
    if !response.status().is_success() {
        return Err(format!("Runtime API answered {}", response.status()).into());
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::GroupRun;

    #[test]
    fn a_payload_of_the_wrong_shape_is_invalid_input_naming_type_and_path() {
        let error =
            decode::<GroupRun>("a GroupRun", serde_json::json!({"executionId": 5})).unwrap_err();
        let diagnostic = Diagnostic::from(error);
        assert_eq!(diagnostic.error_type, "ReplicaDns.InvalidInput");
        assert!(
            diagnostic.error_message.starts_with(
                "invalid input: the payload is not a GroupRun: at executionId: invalid type"
            ),
            "{}",
            diagnostic.error_message
        );
    }

    #[test]
    fn a_payload_of_another_json_type_is_invalid_input() {
        for payload in [
            Value::Null,
            serde_json::json!("text"),
            serde_json::json!([1]),
        ] {
            let error = decode::<GroupRun>("a GroupRun", payload).unwrap_err();
            assert_eq!(error.error_type(), ErrorType::InvalidInput);
        }
    }

    #[test]
    fn the_init_error_carries_a_replica_dns_error_type() {
        let body = init_error_body("cannot start: REPLICA_DNS_CONFIG: groups[0].ttl: …");
        assert_eq!(body["errorType"], "ReplicaDns.Fatal");
        assert!(body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("groups[0].ttl"));
    }
}
