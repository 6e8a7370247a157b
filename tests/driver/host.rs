//! Client of the Lambda host (tests/localstack/lambda_host): register and remove
//! functions, invoke them. Not AWS's Lambda API: registration is the host's own
//! control API (`PUT /_host/functions/{name}`); Invoke is AWS's REST path.

use crate::http::{self, Response};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The host at `REPLICA_DNS_LAMBDA_HOST_URL`.
#[derive(Debug, Clone)]
pub struct LambdaHost {
    pub url: String,
}

/// What an Invoke answered, as AWS's Lambda API does.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub status: u16,
    /// `x-amzn-RequestId`.
    pub request_id: Option<String>,
    /// `X-Amz-Function-Error` (`Unhandled`) when the function failed.
    pub function_error: Option<String>,
    /// `x-amzn-ErrorType` when the Invoke itself failed (e.g. ResourceNotFoundException).
    pub error_type: Option<String>,
    pub payload: Value,
}

impl Invocation {
    fn from_response(r: &Response) -> Result<Self> {
        let payload = if r.body.is_empty() {
            Value::Null
        } else {
            r.json()?
        };
        Ok(Self {
            status: r.status,
            request_id: r.header("x-amzn-requestid").map(str::to_string),
            function_error: r.header("x-amz-function-error").map(str::to_string),
            error_type: r
                .header("x-amzn-errortype")
                .map(|v| v.split(':').next().unwrap_or(v).to_string()),
            payload,
        })
    }
}

impl LambdaHost {
    /// (Re)starts function `name` running `binary` with `environment`.
    pub async fn register(
        &self,
        name: &str,
        binary: &Path,
        environment: &BTreeMap<String, String>,
        timeout_seconds: u32,
    ) -> Result<()> {
        if !binary.is_file() {
            bail!(
                "Lambda binary {} is missing: build it first (cargo build --workspace --bins) \
                 or point REPLICA_DNS_BIN_DIR at the folder holding it",
                binary.display()
            );
        }
        let body = json!({
            "binary": binary,
            "environment": environment,
            "timeoutSeconds": timeout_seconds,
        });
        let r = http::request(
            "PUT",
            &self.url,
            &format!("/_host/functions/{name}"),
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
        .await?;
        if !matches!(r.status, 200 | 201) {
            bail!(
                "registering {name} with the Lambda host: {} {}",
                r.status,
                r.text()
            );
        }
        Ok(())
    }

    /// Stops and forgets function `name`; an unknown name is not an error.
    pub async fn remove(&self, name: &str) -> Result<()> {
        let r = http::request(
            "DELETE",
            &self.url,
            &format!("/_host/functions/{name}"),
            &[],
            b"",
        )
        .await?;
        if !matches!(r.status, 204 | 404) {
            bail!(
                "removing {name} from the Lambda host: {} {}",
                r.status,
                r.text()
            );
        }
        Ok(())
    }

    /// Invokes `function` (name or ARN) synchronously (RequestResponse) at `base_url`
    /// (the host itself, or the emulator's endpoint, which forwards to the host).
    pub async fn invoke_at(base_url: &str, function: &str, payload: &Value) -> Result<Invocation> {
        let r = http::request(
            "POST",
            base_url,
            &format!("/2015-03-31/functions/{}/invocations", encode(function)),
            &[("Content-Type", "application/json")],
            payload.to_string().as_bytes(),
        )
        .await?;
        Invocation::from_response(&r).with_context(|| format!("invoking {function}"))
    }

    /// Invokes through the host directly.
    pub async fn invoke(&self, function: &str, payload: &Value) -> Result<Invocation> {
        Self::invoke_at(&self.url, function, payload).await
    }
}

/// Percent-encodes what a path segment cannot carry (`:` of an ARN is fine; `$` too).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
