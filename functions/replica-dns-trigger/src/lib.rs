//! The trigger: turns the SNS event ElastiCache's notifications arrive in into one state
//! machine execution per record, named from its source and SNS MessageId
//! (`<source>--<MessageId>`, core `event::sns_execution_name`), so a redelivered message
//! lands on the execution that already exists (Standard workflows are idempotent by
//! name) and runs once.
//!
//! It does not judge relevance (the filter step does, visibly, inside the execution)
//! and does not parse the ElastiCache message.

use aws_lambda_events::event::sns::SnsEvent;
use replica_dns_aws::ports::{ExecutionStarter, StartOutcome};
use replica_dns_core::event::SnsExecutionInput;
use replica_dns_core::ids::shown;
use replica_dns_lambda::startup::{required_env, StartupError};
use replica_dns_lambda::{HandlerError, Tunables};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tracing::Instrument;

/// The state machine to start.
pub const STATE_MACHINE_ARN_ENV: &str = "STATE_MACHINE_ARN";
/// Optional JSON object of tunables merged into every execution input (e.g.
/// `{"waitSeconds": 1}` on a test stack).
pub const EXECUTION_DEFAULTS_ENV: &str = "REPLICA_DNS_EXECUTION_DEFAULTS";

/// What the trigger needs, built once per cold start.
pub struct Trigger<S> {
    pub starter: S,
    pub state_machine_arn: String,
    /// Tunables added to every execution input.
    pub execution_defaults: Map<String, Value>,
}

impl<S> Trigger<S> {
    /// Reads [`STATE_MACHINE_ARN_ENV`] and [`EXECUTION_DEFAULTS_ENV`].
    pub fn from_env(starter: S) -> Result<Self, StartupError> {
        let state_machine_arn = required_env(STATE_MACHINE_ARN_ENV)?;
        let execution_defaults = match std::env::var(EXECUTION_DEFAULTS_ENV) {
            Ok(text) if !text.trim().is_empty() => parse_defaults(&text)?,
            _ => Map::new(),
        };
        Ok(Trigger {
            starter,
            state_machine_arn,
            execution_defaults,
        })
    }
}

/// Parses the execution defaults: a JSON object of tunables only, each in range (the
/// rule is core `Tunables::check_defaults`, which the CLI applies at synth too).
pub fn parse_defaults(text: &str) -> Result<Map<String, Value>, StartupError> {
    let invalid = |reason: String| StartupError::Invalid {
        name: EXECUTION_DEFAULTS_ENV,
        reason,
    };
    let value: Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    Tunables::check_defaults(&value).map_err(|e| invalid(e.to_string()))
}

/// One record's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    pub message_id: String,
    pub execution_name: String,
    /// `started`, `duplicate` for a redelivered message, or `skipped` for a message
    /// that could only ever be a no-op.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
    /// Why nothing was started (`skipped` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Step Functions' cap on an execution's input, in bytes (UTF-8): core
/// [`replica_dns_core::limits::STEP_FUNCTIONS_PAYLOAD_BYTES`].
pub const MAX_EXECUTION_INPUT_BYTES: usize = replica_dns_core::limits::STEP_FUNCTIONS_PAYLOAD_BYTES;

/// The trigger's response (visible in the Lambda's logs and in tests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerResponse {
    pub executions: Vec<Started>,
}

/// Starts one execution per SNS record.
pub async fn handle<S: ExecutionStarter>(
    event: SnsEvent,
    trigger: &Trigger<S>,
) -> Result<TriggerResponse, HandlerError> {
    let inputs =
        SnsExecutionInput::from_sns_event(&event).map_err(|e| HandlerError::InvalidInput {
            what: "SNS event".into(),
            source: Some(Box::new(e)),
        })?;
    let mut executions = Vec::with_capacity(inputs.len());
    for input in inputs {
        let name = input.execution_name();
        let mut body = match serde_json::to_value(&input) {
            Ok(Value::Object(body)) => body,
            _ => {
                return Err(HandlerError::Inconsistent(
                    "execution input did not serialise to an object".into(),
                ))
            }
        };
        for (key, value) in &trigger.execution_defaults {
            body.insert(key.clone(), value.clone());
        }
        let body = Value::Object(body).to_string();
        if body.len() > MAX_EXECUTION_INPUT_BYTES {
            return Err(HandlerError::invalid(format!(
                "SNS message {} would make an execution input of {} bytes, over Step Functions' {MAX_EXECUTION_INPUT_BYTES}-byte limit; no execution started (ElastiCache's notifications are under 1 KiB: this message is not one)",
                shown(&input.message_id),
                body.len()
            )));
        }
        if let Err(why) = input.worth_an_execution() {
            // Only ever a no-op: starting an execution would cost transitions and show
            // nothing. Logged with the message id, so it can still be traced.
            tracing::info!(message_id = %shown(&input.message_id), reason = %why, "no execution started");
            executions.push(Started {
                message_id: input.message_id.clone(),
                execution_name: name,
                outcome: "skipped".into(),
                execution_arn: None,
                reason: Some(why.to_string()),
            });
            continue;
        }
        let span = tracing::info_span!("start", execution_name = %name);
        let outcome = trigger
            .starter
            .start_execution(&trigger.state_machine_arn, &name, &body)
            .instrument(span.clone())
            .await
            .map_err(|e| HandlerError::aws(format!("starting execution {name}"), e))?;
        let started = match outcome {
            StartOutcome::Started { execution_arn } => {
                span.in_scope(|| tracing::info!(%execution_arn, "execution started"));
                Started {
                    message_id: input.message_id.clone(),
                    execution_name: name,
                    outcome: "started".into(),
                    execution_arn: Some(execution_arn),
                    reason: None,
                }
            }
            StartOutcome::AlreadyRunningOrDone {
                execution_arn,
                message,
            } => {
                span.in_scope(|| {
                    tracing::info!(%message, "message delivered again: execution exists, nothing started")
                });
                Started {
                    message_id: input.message_id.clone(),
                    execution_name: name,
                    outcome: "duplicate".into(),
                    execution_arn,
                    reason: None,
                }
            }
        };
        executions.push(started);
    }
    Ok(TriggerResponse { executions })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use replica_dns_lambda::fakes::FakeStarter;

    const SAMPLE: &[u8] = include_bytes!("../../../statemachine/samples/trigger/sns-event.json");
    const STATE_MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:replica-dns";

    fn trigger(defaults: &str) -> Trigger<FakeStarter> {
        Trigger {
            starter: FakeStarter::default(),
            state_machine_arn: STATE_MACHINE.into(),
            execution_defaults: parse_defaults(defaults).unwrap(),
        }
    }

    fn sample() -> SnsEvent {
        serde_json::from_slice(SAMPLE).unwrap()
    }

    #[tokio::test]
    async fn one_execution_per_record_named_from_its_source_and_message_id() {
        let trigger = trigger("{}");
        let response = handle(sample(), &trigger).await.unwrap();
        assert_eq!(response.executions.len(), 1);
        let started = &response.executions[0];
        assert_eq!(started.outcome, "started");
        // `<source>--<MessageId>` (core event::sns_execution_name): deterministic for
        // redeliveries, and the group lets an older execution see a newer one.
        assert_eq!(
            started.execution_name,
            "orders--95df01b4-ee98-5cb9-9903-4c221d41eb5e"
        );
        let calls = trigger.starter.started.lock().unwrap();
        let input: Value = serde_json::from_str(&calls[0].2).unwrap();
        assert_eq!(input["source"], "sns");
        assert_eq!(
            input["message"],
            "{\"ElastiCache:FailoverComplete\":\"orders\"}"
        );
    }

    #[tokio::test]
    async fn the_same_message_delivered_twice_starts_once() {
        let trigger = trigger("{}");
        handle(sample(), &trigger).await.unwrap();
        let again = handle(sample(), &trigger).await.unwrap();
        assert_eq!(again.executions[0].outcome, "duplicate");
        assert_eq!(trigger.starter.started.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn execution_defaults_are_merged_into_the_input() {
        let trigger = trigger(r#"{"waitSeconds": 1, "verifyPollSeconds": 1}"#);
        handle(sample(), &trigger).await.unwrap();
        let calls = trigger.starter.started.lock().unwrap();
        let input: Value = serde_json::from_str(&calls[0].2).unwrap();
        assert_eq!(input["waitSeconds"], 1);
        assert_eq!(input["verifyPollSeconds"], 1);
    }

    #[test]
    fn execution_defaults_accept_only_tunables() {
        let err = parse_defaults(r#"{"dryRun": true}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `dryRun`"), "{err}");
        let err = parse_defaults(r#"{"waitSeconds": 0}"#).unwrap_err();
        assert!(err.to_string().contains("waitSeconds"), "{err}");
        assert!(parse_defaults("[1]").is_err());
    }

    fn event_with_message(message: &str) -> SnsEvent {
        let mut event = sample();
        event.records[0].sns.message = message.to_string();
        event
    }

    /// Issue 8 item 4: a message that can only ever be a no-op starts nothing and is
    /// not an error (a failed execution or a failed trigger pages someone).
    #[tokio::test]
    async fn messages_that_can_only_be_no_ops_start_nothing() {
        let trigger = trigger("{}");
        for message in [
            "{}",
            "not json at all",
            r#"{"AutoScaling:EC2_INSTANCE_LAUNCH":"i-123"}"#,
            r#"{"ElastiCache:TestFailoverApiCalled":"orders","Replication Group ID":"orders"}"#,
            r#"{"ElastiCache:SnapshotComplete":"orders-001"}"#,
            r#"["ElastiCache:FailoverComplete"]"#,
        ] {
            let response = handle(event_with_message(message), &trigger).await.unwrap();
            let started = &response.executions[0];
            assert_eq!(started.outcome, "skipped", "{message}");
            assert!(started.reason.is_some(), "{message}");
        }
        assert!(trigger.starter.started.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_notification_with_aws_extra_keys_starts_an_execution() {
        let trigger = trigger("{}");
        let message = r#"{"ElastiCache:FailoverComplete":"orders","Cache Cluster ID":"orders-001","Replication Group ID":"orders"}"#;
        let response = handle(event_with_message(message), &trigger).await.unwrap();
        assert_eq!(response.executions[0].outcome, "started");
    }

    #[tokio::test]
    async fn an_oversized_message_is_refused_with_the_sizes_and_starts_nothing() {
        let trigger = trigger("{}");
        let padding = "x".repeat(MAX_EXECUTION_INPUT_BYTES - 100);
        let message = format!(r#"{{"ElastiCache:FailoverComplete":"orders","pad":"{padding}"}}"#);
        let err = handle(event_with_message(&message), &trigger)
            .await
            .unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.InvalidInput");
        assert!(err.to_string().contains("262144-byte limit"), "{err}");
        assert!(trigger.starter.started.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_event_without_records_is_invalid_input() {
        let trigger = trigger("{}");
        let empty: SnsEvent = serde_json::from_str(r#"{"Records": []}"#).unwrap();
        let err = handle(empty, &trigger).await.unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.InvalidInput");
    }
}

// The ports this handler takes are the ones core `ports::FUNCTION_PORTS` declares.
replica_dns_lambda::handler_ports_are_declared!("trigger", handle::<FakeStarter>);
