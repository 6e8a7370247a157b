//! What started a pipeline run: an ElastiCache notification delivered through SNS, or an
//! operator's manual resync request, parsed into one typed [`Request`]; and which
//! configured groups that request affects ([`resolve`]).
//!
//! This module parses and decides; it does not call AWS, read the environment or start
//! executions. Looking up which replication group a cache cluster belongs to is the
//! caller's job (DescribeCacheClusters); the answer is passed in.
//!
//! # Inputs accepted by [`Request::from_slice`] / [`Request::from_value`]
//!
//! | shape (JSON object with …)          | meaning                                            |
//! |-------------------------------------|----------------------------------------------------|
//! | `Records`                           | the SNS Lambda event (exactly one record)          |
//! | `Sns` (+ `EventSource`, …)          | one SNS record                                     |
//! | `MessageId` + `Message`             | one SNS message                                    |
//! | `source: "sns"`                     | the state-machine input the trigger writes ([`SnsExecutionInput`]) |
//! | anything else                       | manual input: `{"replicationGroupId": "…"}` or `{"all": true}`, optional `"dryRun": true` |
//!
//! # State-machine input written by the trigger
//!
//! ```json
//! {
//!   "source": "sns",
//!   "messageId": "5f8b3c1e-0d5a-5b7e-9a63-2f3e0c1d9a10",
//!   "topicArn": "arn:aws:sns:us-east-1:123456789012:elasticache-events",
//!   "timestamp": "2026-11-27T02:00:00.123Z",
//!   "message": "{\"ElastiCache:FailoverComplete\":\"orders\"}"
//! }
//! ```
//! An operator may add `"dryRun": true` to replay a notification without changing DNS.
//! The ElastiCache message travels raw (as a string), so the execution history shows
//! exactly what ElastiCache said and a malformed message fails inside the execution,
//! where it is visible and alarmed, not silently in the trigger.
//!
//! # Example
//! ```
//! use replica_dns_core::event::{Request, ResyncTarget};
//!
//! let request = Request::from_slice(br#"{"replicationGroupId": "orders", "dryRun": true}"#).unwrap();
//! assert_eq!(request.target, ResyncTarget::Group { replication_group_id: "orders".into() });
//! assert!(request.dry_run);
//! ```

mod elasticache;
mod manual;
mod resolve;

pub use elasticache::{parse_elasticache_message, ElastiCacheEvent, EventName, Relevance};
pub use resolve::{
    ids_to_look_up, member_by_naming_convention, resolve, NoOp, NoOpReason, Resolution, SkipReason,
    SkippedEvent, MAX_SKIPPED_LISTED,
};

use aws_lambda_events::event::sns::{SnsEvent, SnsMessage, SnsRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::{shown, IdProblem};

/// Largest input or ElastiCache message accepted, in bytes: 256 KiB, SNS's maximum
/// message size and Step Functions' maximum execution input. Real ElastiCache messages
/// are under 200 bytes, so anything near this is not one; refusing it before parsing
/// keeps a hostile or broken publisher from costing memory and time.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// Why an input could not be understood. Each message names the problem precisely,
/// because it ends up in a failed execution's history where an operator reads it.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("{what} is {size} bytes, over the {limit}-byte limit (SNS's maximum message size)")]
    Oversized {
        what: &'static str,
        size: usize,
        limit: usize,
    },
    #[error("input is not JSON")]
    InputNotJson(#[source] serde_json::Error),
    #[error("input must be a JSON object, found {found}")]
    InputNotObject { found: &'static str },
    #[error("SNS event is malformed (expected the Lambda SNS event shape)")]
    MalformedSnsEvent(#[source] serde_json::Error),
    #[error("SNS event has no Records")]
    EmptyRecords,
    #[error("SNS event has {count} Records; Lambda delivers exactly one, start one execution per record")]
    MultipleRecords { count: usize },
    #[error("state-machine input is malformed (expected source, messageId, topicArn, timestamp, message)")]
    MalformedExecutionInput(#[source] serde_json::Error),
    #[error("an SNS {shape} is not an execution input: the trigger Lambda turns each SNS record into one (`{{\"source\": \"sns\", …}}`, see statemachine/README.md); to replay a notification, start an execution with the input the trigger wrote")]
    SnsShapeNotExecutionInput { shape: &'static str },
    #[error("SNS Message is not JSON")]
    MessageNotJson(#[source] serde_json::Error),
    #[error("SNS Message must be a JSON object, found {found}")]
    MessageNotObject { found: &'static str },
    #[error("SNS Message has no `ElastiCache:` key")]
    NoElastiCacheKey,
    #[error("{} has no event name after `ElastiCache:`", shown(.key))]
    EmptyEventName { key: String },
    #[error("{} must be a string naming a cluster or replication group, found {found}", shown(.key))]
    EventValueNotString { key: String, found: &'static str },
    #[error("{} names no cluster or replication group (empty value)", shown(.key))]
    EmptyEventValue { key: String },
    #[error("manual input names both `replicationGroupId` and `all`: give one")]
    ManualAmbiguous,
    #[error("manual input needs `replicationGroupId` (one group) or `\"all\": true` (every configured group)")]
    ManualNoTarget,
    #[error("manual input has unknown field {} (expected replicationGroupId, all, dryRun)", shown(.field))]
    ManualUnknownField { field: String },
    #[error("manual input field `{field}` must be {expected}, found {found}")]
    ManualWrongType {
        field: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    #[error("manual input `all` must be true; to resync one group give `replicationGroupId`")]
    ManualAllFalse,
    #[error("manual input `replicationGroupId` is empty")]
    ManualEmptyGroupId,
    #[error("manual input `replicationGroupId` {} {problem}", shown(.id))]
    ManualInvalidGroupId { id: String, problem: IdProblem },
}

impl EventError {
    /// True when the problem is the content of an SNS message (not JSON, no
    /// `ElastiCache:` key, a malformed event): such a message is not an ElastiCache
    /// notification replica-dns can act on, which is a no-op for the pipeline, not a
    /// failure a person must handle. Problems with an operator's input are not.
    pub fn is_not_an_elasticache_notification(&self) -> bool {
        match self {
            EventError::Oversized { what, .. } => *what == "SNS Message",
            EventError::MessageNotJson(_)
            | EventError::MessageNotObject { .. }
            | EventError::NoElastiCacheKey
            | EventError::EmptyEventName { .. }
            | EventError::EventValueNotString { .. }
            | EventError::EmptyEventValue { .. } => true,
            _ => false,
        }
    }
}

/// One pipeline request, whatever started it: the single type the filter step works on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// Who asked: kept for logs and the execution history.
    pub origin: Origin,
    /// What to resync.
    pub target: ResyncTarget,
    /// Plan and show, change nothing. Set by manual requests, or by an operator replaying
    /// a notification; the trigger never sets it.
    #[serde(default)]
    pub dry_run: bool,
}

/// Where a request came from, kept for the execution history and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Origin {
    /// An ElastiCache notification delivered by SNS.
    Sns {
        message_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic_arn: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timestamp: Option<String>,
    },
    /// An operator's console or CLI input.
    Manual,
}

/// What the request is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ResyncTarget {
    /// The events of one ElastiCache message (usually one), each naming a cluster or
    /// group; [`resolve`] maps them to configured groups.
    Events { events: Vec<ElastiCacheEvent> },
    /// Resync one replication group.
    Group { replication_group_id: String },
    /// Resync every configured group.
    All,
}

/// The source marker of [`SnsExecutionInput`]; a one-value enum so any other value is
/// rejected by name rather than misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputSource {
    /// Written by the trigger from an SNS record.
    Sns,
}

/// The state-machine input the trigger Lambda writes for one SNS record (see the
/// module docs for the JSON). It carries the ElastiCache message raw so that parsing
/// happens, visibly, inside the execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnsExecutionInput {
    /// Always `"sns"`: how the filter tells this input from a manual one.
    pub source: InputSource,
    /// SNS MessageId; also the execution name, so redelivery is idempotent.
    pub message_id: String,
    /// The topic the notification came from, for the execution history.
    pub topic_arn: String,
    /// SNS publish time, RFC 3339.
    pub timestamp: String,
    /// The ElastiCache message exactly as published, e.g.
    /// `{"ElastiCache:FailoverComplete":"orders"}`.
    pub message: String,
    /// Set by an operator replaying a notification to see what it would do; the
    /// trigger never sets it (omitted from the JSON when false).
    #[serde(default, skip_serializing_if = "is_false")]
    pub dry_run: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl SnsExecutionInput {
    /// Builds the execution input from one SNS record of the trigger's event.
    pub fn from_sns_record(record: &SnsRecord) -> Self {
        Self::from_sns_message(&record.sns)
    }

    /// Builds the execution input from one SNS message.
    pub fn from_sns_message(message: &SnsMessage) -> Self {
        let timestamp = match serde_json::to_value(message.timestamp) {
            Ok(Value::String(text)) => text,
            _ => message.timestamp.to_rfc3339(),
        };
        SnsExecutionInput {
            source: InputSource::Sns,
            message_id: message.message_id.clone(),
            topic_arn: message.topic_arn.clone(),
            timestamp,
            message: message.message.clone(),
            dry_run: false,
        }
    }

    /// One entry per record of the trigger's SNS event, in order.
    pub fn from_sns_event(event: &SnsEvent) -> Result<Vec<Self>, EventError> {
        if event.records.is_empty() {
            return Err(EventError::EmptyRecords);
        }
        Ok(event.records.iter().map(Self::from_sns_record).collect())
    }

    /// The Step Functions execution name for this message: `<source id>--<MessageId>`
    /// ([`sns_execution_name`]), the source being the first event replica-dns acts on.
    /// Deterministic, so an SNS redelivery of the same message maps to the same (already
    /// started) execution and StartExecution's idempotency absorbs it; the source lets an
    /// older execution for the same group see that a newer one took over
    /// ([`crate::supersede`]).
    pub fn execution_name(&self) -> String {
        let events = parse_elasticache_message(&self.message).unwrap_or_default();
        let source = events
            .iter()
            .find(|e| e.name.relevance().is_relevant())
            .map(|e| e.source_id.as_str());
        sns_execution_name(source, &self.message_id)
    }

    /// Whether this message is worth an execution: it must be an ElastiCache
    /// notification with at least one event replica-dns acts on. Anything else (another
    /// service's message, `{}`, only `TestFailoverApiCalled`, an unknown event) could only
    /// ever end as a no-op, so the trigger starts nothing and logs why instead.
    pub fn worth_an_execution(&self) -> Result<(), NotWorthAnExecution> {
        let events = parse_elasticache_message(&self.message)
            .map_err(|e| NotWorthAnExecution::NotAnElastiCacheNotification(e.to_string()))?;
        if events.iter().any(|e| e.name.relevance().is_relevant()) {
            Ok(())
        } else {
            let mut names: Vec<String> = events.iter().map(|e| e.name.to_string()).collect();
            names.dedup();
            Err(NotWorthAnExecution::NoRelevantEvent { events: names })
        }
    }

    /// Parses the carried ElastiCache message into a request.
    pub fn request(&self) -> Result<Request, EventError> {
        let events = parse_elasticache_message(&self.message)?;
        Ok(Request {
            origin: Origin::Sns {
                message_id: self.message_id.clone(),
                topic_arn: Some(self.topic_arn.clone()),
                timestamp: Some(self.timestamp.clone()),
            },
            target: ResyncTarget::Events { events },
            dry_run: self.dry_run,
        })
    }
}

/// Why the trigger starts no execution for an SNS message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotWorthAnExecution {
    #[error("not an ElastiCache notification replica-dns acts on: {0}")]
    NotAnElastiCacheNotification(String),
    #[error("no event replica-dns acts on (events: {})", .events.join(", "))]
    NoRelevantEvent { events: Vec<String> },
}

/// Maximum length of a Step Functions execution name.
pub const MAX_EXECUTION_NAME_LEN: usize = 80;

/// Turns an SNS MessageId into a valid Step Functions execution name (1..=80 of
/// `[A-Za-z0-9_-]`). SNS MessageIds are UUIDs and pass through unchanged; anything
/// else is made valid deterministically (other characters become `_`), so the same id
/// always yields the same name and redelivery stays idempotent.
pub fn execution_name(message_id: &str) -> String {
    let mut name: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_EXECUTION_NAME_LEN)
        .collect();
    if name.is_empty() {
        name.push('_');
    }
    name
}

/// Separates the source id from the MessageId in an SNS-started execution's name.
/// ElastiCache ids never contain two consecutive hyphens ([`crate::ids`] cites the
/// rule) and a MessageId is a UUID, so the first `--` is the separator.
pub const EXECUTION_SOURCE_SEPARATOR: &str = "--";

/// The execution name for an SNS message about ElastiCache source `source_id` (a
/// replication group or cache cluster id): `<source>--<MessageId>`, made valid by
/// [`execution_name`]. Without a source, or when the source is not an ElastiCache id
/// ([`crate::ids::check_id`]), or the whole would exceed [`MAX_EXECUTION_NAME_LEN`], the name is the MessageId's
/// alone (and carries no source).
pub fn sns_execution_name(source_id: Option<&str>, message_id: &str) -> String {
    let plain = execution_name(message_id);
    // A cache cluster id's rule admits every group id too (longer limit, same shape).
    let Some(source) =
        source_id.filter(|s| crate::ids::check_id(crate::ids::IdKind::CacheCluster, s).is_ok())
    else {
        return plain;
    };
    let named = format!("{source}{EXECUTION_SOURCE_SEPARATOR}{plain}");
    if named.len() <= MAX_EXECUTION_NAME_LEN {
        named
    } else {
        plain
    }
}

/// The ElastiCache source id an execution's name carries (see [`sns_execution_name`]);
/// `None` for names without one (manual runs, MessageId-only names).
pub fn execution_source(name: &str) -> Option<&str> {
    let (source, rest) = name.split_once(EXECUTION_SOURCE_SEPARATOR)?;
    (!source.is_empty() && !rest.is_empty()).then_some(source)
}

impl Request {
    /// Parses any accepted input (see the module docs) from raw bytes, refusing
    /// payloads over [`MAX_PAYLOAD_BYTES`] before parsing them.
    pub fn from_slice(input: &[u8]) -> Result<Self, EventError> {
        check_size("input", input.len())?;
        let value: Value = serde_json::from_slice(input).map_err(EventError::InputNotJson)?;
        Self::from_value(value)
    }

    /// Parses any accepted input (see the module docs) already decoded as JSON: what an
    /// operator may paste into `replica-dns parse-event` (an SNS Lambda event, record or
    /// message too). The filter reads an execution's input with the stricter
    /// [`Request::from_execution_input`].
    pub fn from_value(value: Value) -> Result<Self, EventError> {
        let Value::Object(object) = value else {
            return Err(EventError::InputNotObject {
                found: json_type(&value),
            });
        };
        match sns_shape(&object) {
            Some(SnsShape::Event) => {
                let event: SnsEvent = serde_json::from_value(Value::Object(object))
                    .map_err(EventError::MalformedSnsEvent)?;
                Self::from_sns_event(&event)
            }
            Some(SnsShape::Record) => {
                let record: SnsRecord = serde_json::from_value(Value::Object(object))
                    .map_err(EventError::MalformedSnsEvent)?;
                Self::from_sns_message(&record.sns)
            }
            Some(SnsShape::Message) => {
                let message: SnsMessage = serde_json::from_value(Value::Object(object))
                    .map_err(EventError::MalformedSnsEvent)?;
                Self::from_sns_message(&message)
            }
            None => Self::from_execution_input(object),
        }
    }

    /// Parses a state-machine execution input, the only two shapes an execution gets:
    /// the trigger's [`SnsExecutionInput`] (it carries `"source": "sns"`, and then every
    /// field must be one of its own) or an operator's manual input
    /// (`{"replicationGroupId": …}` / `{"all": true}`, optional `dryRun`). Tunables are
    /// taken off first (core `tunables`). Unlike [`Request::from_value`], an SNS Lambda
    /// event, record or message is not an execution input and is refused.
    pub fn from_execution_input(
        object: serde_json::Map<String, Value>,
    ) -> Result<Self, EventError> {
        if let Some(shape) = sns_shape(&object) {
            return Err(EventError::SnsShapeNotExecutionInput {
                shape: shape.as_str(),
            });
        }
        if object.contains_key("source") {
            let input: SnsExecutionInput = serde_json::from_value(Value::Object(object))
                .map_err(EventError::MalformedExecutionInput)?;
            check_size("SNS Message", input.message.len())?;
            input.request()
        } else {
            manual::parse_manual(&object)
        }
    }

    /// Parses the Lambda SNS event into its one request. The rule for records is the
    /// trigger's, [`SnsExecutionInput::from_sns_event`]: one execution per record, no
    /// record is an error. A single request stands for one record, so an event of
    /// several is refused here (naming that rule) rather than silently cut to one.
    pub fn from_sns_event(event: &SnsEvent) -> Result<Self, EventError> {
        match SnsExecutionInput::from_sns_event(event)?.as_slice() {
            [input] => {
                check_size("SNS Message", input.message.len())?;
                input.request()
            }
            inputs => Err(EventError::MultipleRecords {
                count: inputs.len(),
            }),
        }
    }

    /// Parses one SNS message carrying an ElastiCache notification.
    pub fn from_sns_message(message: &SnsMessage) -> Result<Self, EventError> {
        check_size("SNS Message", message.message.len())?;
        SnsExecutionInput::from_sns_message(message).request()
    }
}

/// The SNS shapes an input object may have (the Lambda event, one record, one message),
/// told by their keys: the one place both readers ([`Request::from_value`], which parses
/// them, and [`Request::from_execution_input`], which refuses them) recognise them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SnsShape {
    Event,
    Record,
    Message,
}

impl SnsShape {
    fn as_str(self) -> &'static str {
        match self {
            SnsShape::Event => "Lambda event",
            SnsShape::Record => "record",
            SnsShape::Message => "message",
        }
    }
}

fn sns_shape(object: &serde_json::Map<String, Value>) -> Option<SnsShape> {
    if object.contains_key("Records") {
        Some(SnsShape::Event)
    } else if object.contains_key("Sns") {
        Some(SnsShape::Record)
    } else if object.contains_key("MessageId") && object.contains_key("Message") {
        Some(SnsShape::Message)
    } else {
        None
    }
}

fn check_size(what: &'static str, size: usize) -> Result<(), EventError> {
    if size > MAX_PAYLOAD_BYTES {
        return Err(EventError::Oversized {
            what,
            size,
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    Ok(())
}

/// The JSON type of a value, as error messages name it.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
