//! The ElastiCache notification message (the SNS `Message` string): a JSON object keyed
//! by `ElastiCache:<EventName>` whose value is the cluster or replication group id.
//! Not the SNS envelope (see the parent module) and not group resolution.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{check_size, json_type, EventError};
use crate::ids::shown;

/// Prefix of every ElastiCache event key in a notification message.
pub const ELASTICACHE_KEY_PREFIX: &str = "ElastiCache:";

/// The ElastiCache event names replica-dns knows. Anything else is kept verbatim in
/// [`EventName::Other`] so an unknown (or future) event is an "irrelevant" outcome with
/// its name in the log, never a parse failure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum EventName {
    FailoverComplete,
    CacheNodeReplaceStarted,
    CacheNodeReplaceComplete,
    CacheClusterProvisioningComplete,
    AddCacheNodeComplete,
    RemoveCacheNodeComplete,
    DeleteCacheClusterComplete,
    ReplicationGroupIncreaseReplicaCountFinished,
    ReplicationGroupScalingComplete,
    CacheNodesRebooted,
    TestFailoverApiCalled,
    Other(String),
}

/// Whether an event can change which nodes are replicas, where they are, or whether
/// they serve: only then is a DNS resync worth an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relevance {
    /// Worth a resync.
    Relevant,
    /// Not worth acting on, with the reason shown to the operator.
    Irrelevant(&'static str),
}

impl Relevance {
    /// True for [`Relevance::Relevant`].
    pub fn is_relevant(self) -> bool {
        matches!(self, Relevance::Relevant)
    }
}

const KNOWN: [(&str, EventName); 11] = [
    ("FailoverComplete", EventName::FailoverComplete),
    (
        "CacheNodeReplaceStarted",
        EventName::CacheNodeReplaceStarted,
    ),
    (
        "CacheNodeReplaceComplete",
        EventName::CacheNodeReplaceComplete,
    ),
    (
        "CacheClusterProvisioningComplete",
        EventName::CacheClusterProvisioningComplete,
    ),
    ("AddCacheNodeComplete", EventName::AddCacheNodeComplete),
    (
        "RemoveCacheNodeComplete",
        EventName::RemoveCacheNodeComplete,
    ),
    (
        "DeleteCacheClusterComplete",
        EventName::DeleteCacheClusterComplete,
    ),
    (
        "ReplicationGroupIncreaseReplicaCountFinished",
        EventName::ReplicationGroupIncreaseReplicaCountFinished,
    ),
    (
        "ReplicationGroupScalingComplete",
        EventName::ReplicationGroupScalingComplete,
    ),
    ("CacheNodesRebooted", EventName::CacheNodesRebooted),
    ("TestFailoverApiCalled", EventName::TestFailoverApiCalled),
];

impl EventName {
    /// Parses the part after `ElastiCache:`. Exact, case-sensitive: AWS spells them one way.
    pub fn parse(name: &str) -> EventName {
        KNOWN
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, event)| event.clone())
            .unwrap_or_else(|| EventName::Other(name.to_string()))
    }

    /// The name as AWS spells it, without the `ElastiCache:` prefix.
    pub fn as_str(&self) -> &str {
        match self {
            EventName::Other(name) => name,
            known => KNOWN
                .iter()
                .find(|(_, event)| event == known)
                .map(|(name, _)| *name)
                .unwrap_or_default(),
        }
    }

    /// Decision table: which events start a resync.
    ///
    /// | event | relevant | why |
    /// |---|---|---|
    /// | FailoverComplete | yes | roles changed: a slot may point at the new primary |
    /// | CacheNodeReplaceStarted | yes | a replica stops serving: move its slot to an interim replica |
    /// | CacheNodeReplaceComplete | yes | the replaced node serves again: slots return home |
    /// | CacheClusterProvisioningComplete | yes | a new member (replica) exists |
    /// | AddCacheNodeComplete | yes | a node was added |
    /// | RemoveCacheNodeComplete | yes | a node was removed: its slot must move or go |
    /// | DeleteCacheClusterComplete | yes | a member is gone: its slot must move or go |
    /// | ReplicationGroupIncreaseReplicaCountFinished | yes | more replicas: more slots |
    /// | ReplicationGroupScalingComplete | yes | nodes were replaced by another node type |
    /// | CacheNodesRebooted | yes | a node was down; make sure no slot stayed on a dead or promoted node |
    /// | TestFailoverApiCalled | no | the failover has not happened yet; FailoverComplete follows |
    /// | anything else | no | does not change membership, roles or readiness |
    pub fn relevance(&self) -> Relevance {
        match self {
            EventName::TestFailoverApiCalled => Relevance::Irrelevant(
                "the test failover has only been requested; FailoverComplete follows when roles change",
            ),
            EventName::Other(_) => Relevance::Irrelevant(
                "this event does not change replica membership, roles or readiness",
            ),
            _ => Relevance::Relevant,
        }
    }
}

impl From<String> for EventName {
    fn from(name: String) -> Self {
        EventName::parse(&name)
    }
}

impl From<EventName> for String {
    fn from(name: EventName) -> Self {
        name.as_str().to_string()
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `ElastiCache:<EventName>: <id>` entry of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElastiCacheEvent {
    /// The part of the key after `ElastiCache:`.
    pub name: EventName,
    /// The cache cluster id (`orders-002`) or replication group id (`orders`) the
    /// event names; which one is not marked, so [`super::resolve`] tries both, exactly.
    pub source_id: String,
}

/// Parses an ElastiCache notification message.
///
/// Lenient where ElastiCache may vary: every key starting with `ElastiCache:` counts,
/// other keys are ignored; a value is trimmed and only its first whitespace-separated
/// word is the id (ids never contain spaces; AWS's documentation shows some messages
/// with more words after the id). Strict where a value would be guessed: a non-string or
/// empty value is an error. Events come back sorted (by name, then id), so the output
/// does not depend on JSON key order.
pub fn parse_elasticache_message(message: &str) -> Result<Vec<ElastiCacheEvent>, EventError> {
    check_size("SNS Message", message.len())?;
    let value: Value = serde_json::from_str(message).map_err(EventError::MessageNotJson)?;
    let Value::Object(object) = value else {
        return Err(EventError::MessageNotObject {
            found: json_type(&value),
        });
    };
    let mut events = Vec::new();
    for (key, value) in &object {
        let Some(name) = key.strip_prefix(ELASTICACHE_KEY_PREFIX) else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(EventError::EmptyEventName { key: key.clone() });
        }
        let Value::String(id) = value else {
            return Err(EventError::EventValueNotString {
                key: key.clone(),
                found: json_type(value),
            });
        };
        let Some(source_id) = id.split_whitespace().next() else {
            return Err(EventError::EmptyEventValue { key: key.clone() });
        };
        // A name that is not a plain word cannot be one of ElastiCache's: keep it only
        // escaped, so it is echoed and logged safely (it is irrelevant either way).
        let name = if name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            EventName::parse(name)
        } else {
            EventName::Other(shown(name))
        };
        events.push(ElastiCacheEvent {
            name,
            source_id: source_id.to_string(),
        });
    }
    if events.is_empty() {
        return Err(EventError::NoElastiCacheKey);
    }
    events.sort();
    Ok(events)
}
