//! Which configured groups a [`Request`] affects. Pure: the cluster → group lookup that
//! needs AWS (DescribeCacheClusters) is done by the caller and passed in as a function.
//! Not parsing (see the parent module) and not planning.
//!
//! Membership is by exact id, never by prefix: `grp-1` never claims `grp-10-001`.
//!
//! | the id an event names …                                          | affects                     |
//! |------------------------------------------------------------------|-----------------------------|
//! | equals a configured replication group id                         | that group                  |
//! | is a cluster the lookup places in a configured group             | that group                  |
//! | is a cluster the lookup places in another group                  | nothing (unmanaged group)   |
//! | is unknown to the lookup but is exactly `<configured group>-NNN` | that group (deleted member) |
//! | anything else                                                    | nothing (unknown source)    |
//!
//! The naming-convention row exists for DeleteCacheClusterComplete and
//! RemoveCacheNodeComplete: by then DescribeCacheClusters no longer knows the cluster,
//! yet its slot must be re-homed. ElastiCache names the members of a cluster-mode-disabled
//! group `<group>-001`, `<group>-002`, … so exactly three digits after exactly
//! `<group>-` identifies the group without prefix guessing.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ElastiCacheEvent, Relevance, Request, ResyncTarget};
use crate::config::Config;
use crate::ids::{check_id, shown, IdKind};

/// The filter step's answer: the groups to resync, or why nothing is to be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    /// Affected configured group ids, in configuration order, each once.
    pub groups: Vec<String>,
    /// Carried from the request: plan and show, change nothing.
    pub dry_run: bool,
    /// Present exactly when `groups` is empty: the execution ends here as a no-op.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_op: Option<NoOp>,
    /// Events that affected no group, each with its reason (shown even when other
    /// events of the same message did affect a group).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedEvent>,
    /// How many more events were skipped than `skipped` lists: a message may hold any
    /// number of keys, and the state's output must stay small (Step Functions caps it
    /// at 256 KiB).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped_more: usize,
}

/// How many skipped events a [`Resolution`] lists; the rest are counted.
pub const MAX_SKIPPED_LISTED: usize = 10;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Resolution {
    /// True when the execution should end here.
    pub fn is_no_op(&self) -> bool {
        self.groups.is_empty()
    }
}

/// Why a request changes nothing, typed for the state machine and worded for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoOp {
    /// Typed, for a Choice state or a test.
    pub reason: NoOpReason,
    /// Worded, for the person reading the execution history.
    pub message: String,
}

/// The kinds of no-op; see [`NoOp`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum NoOpReason {
    /// Every event of the message is one replica-dns does not act on.
    IrrelevantEvents,
    /// Relevant events, but none names a cluster or group this deployment manages.
    NoManagedGroup,
    /// A manual request for a group that is not configured.
    UnmanagedGroup { replication_group_id: String },
    /// `{"all": true}` with no group configured.
    NoGroupsConfigured,
    /// The SNS message is not an ElastiCache notification replica-dns can read (not
    /// JSON, no `ElastiCache:` key, a malformed event).
    NotAnElastiCacheNotification,
}

impl fmt::Display for NoOpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoOpReason::IrrelevantEvents => {
                f.write_str("no event in the message can change replica DNS names")
            }
            NoOpReason::NoManagedGroup => {
                f.write_str("no event names a cluster or replication group managed here")
            }
            NoOpReason::UnmanagedGroup {
                replication_group_id,
            } => write!(
                f,
                "replication group `{replication_group_id}` is not in the configuration"
            ),
            NoOpReason::NoGroupsConfigured => f.write_str("the configuration has no groups"),
            NoOpReason::NotAnElastiCacheNotification => f.write_str(
                "the SNS message is not an ElastiCache notification replica-dns acts on",
            ),
        }
    }
}

/// One event that affected no group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedEvent {
    /// The event as parsed.
    pub event: ElastiCacheEvent,
    /// Typed reason.
    pub reason: SkipReason,
    /// Worded reason.
    pub message: String,
}

/// Why one event affected no group; see [`SkippedEvent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SkipReason {
    /// The event cannot change replica DNS names ([`super::EventName::relevance`]).
    Irrelevant,
    /// The cluster belongs to a replication group this deployment does not manage.
    UnmanagedGroup { replication_group_id: String },
    /// Neither a configured group nor a cluster the lookup knows.
    UnknownSource,
    /// The id breaks ElastiCache's rules for ids: never looked up, echoed escaped.
    InvalidId,
}

/// The ids of relevant events that the caller should look up (cluster id → replication
/// group id, e.g. with DescribeCacheClusters) before calling [`resolve`]: every id that
/// is not itself a configured group id. Sorted, without duplicates; empty for manual
/// requests.
pub fn ids_to_look_up(request: &Request, config: &Config) -> Vec<String> {
    let ResyncTarget::Events { events } = &request.target else {
        return Vec::new();
    };
    let mut ids: Vec<String> = events
        .iter()
        .filter(|e| e.name.relevance().is_relevant())
        .filter(|e| check_id(IdKind::CacheCluster, &e.source_id).is_ok())
        .filter(|e| !is_configured(config, &e.source_id))
        .map(|e| e.source_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Decides which configured groups `request` affects.
///
/// `group_of_cluster` answers "which replication group does this cache cluster belong
/// to?" (`None`: unknown, e.g. deleted, or not in any group). It is only consulted for
/// ids that are not configured group ids.
///
/// ```
/// use replica_dns_core::config::Config;
/// use replica_dns_core::event::{resolve, Request};
///
/// let config = Config::from_json(r#"{"ownerId": "prod", "groups": [{
///     "replicationGroupId": "orders", "hostedZoneId": "Z0123456789ABCDEFGHIJ",
///     "zoneName": "cache.internal.", "nameTemplate": "replica{n}.orders.cache.internal."}]}"#).unwrap();
/// let request = Request::from_slice(br#"{"source": "sns", "messageId": "m-1",
///     "topicArn": "arn:aws:sns:us-east-1:123456789012:t", "timestamp": "2026-01-01T00:00:00Z",
///     "message": "{\"ElastiCache:CacheNodeReplaceComplete\":\"orders-002\"}"}"#).unwrap();
/// let resolution = resolve(&request, &config, |cluster| {
///     (cluster == "orders-002").then(|| "orders".to_string())
/// });
/// assert_eq!(resolution.groups, vec!["orders".to_string()]);
/// ```
pub fn resolve(
    request: &Request,
    config: &Config,
    group_of_cluster: impl Fn(&str) -> Option<String>,
) -> Resolution {
    let mut resolution = Resolution {
        groups: Vec::new(),
        dry_run: request.dry_run,
        no_op: None,
        skipped: Vec::new(),
        skipped_more: 0,
    };
    let mut hit = vec![false; config.groups.len()];
    let no_op_reason = match &request.target {
        ResyncTarget::All => {
            hit.iter_mut().for_each(|h| *h = true);
            NoOpReason::NoGroupsConfigured
        }
        ResyncTarget::Group {
            replication_group_id,
        } => {
            mark(config, &mut hit, replication_group_id);
            NoOpReason::UnmanagedGroup {
                replication_group_id: replication_group_id.clone(),
            }
        }
        ResyncTarget::Events { events } => {
            let mut any_relevant = false;
            for event in events {
                if let Relevance::Irrelevant(why) = event.name.relevance() {
                    resolution.skipped.push(skipped(
                        event,
                        SkipReason::Irrelevant,
                        why.to_string(),
                    ));
                    continue;
                }
                any_relevant = true;
                if let Err(problem) = check_id(IdKind::CacheCluster, &event.source_id) {
                    let message = format!(
                        "{} is not an ElastiCache id: it {problem}",
                        shown(&event.source_id)
                    );
                    let escaped = ElastiCacheEvent {
                        name: event.name.clone(),
                        source_id: shown(&event.source_id),
                    };
                    resolution
                        .skipped
                        .push(skipped(&escaped, SkipReason::InvalidId, message));
                    continue;
                }
                if let Some(reason) = resolve_event(config, &mut hit, event, &group_of_cluster) {
                    let message = match &reason {
                        SkipReason::UnmanagedGroup {
                            replication_group_id,
                        } => format!(
                            "`{}` belongs to replication group `{replication_group_id}`, which is not in the configuration",
                            event.source_id
                        ),
                        _ => format!(
                            "`{}` is neither a configured replication group nor a member of one",
                            event.source_id
                        ),
                    };
                    resolution.skipped.push(skipped(event, reason, message));
                }
            }
            if any_relevant {
                NoOpReason::NoManagedGroup
            } else {
                NoOpReason::IrrelevantEvents
            }
        }
    };
    resolution.skipped_more = resolution.skipped.len().saturating_sub(MAX_SKIPPED_LISTED);
    resolution.skipped.truncate(MAX_SKIPPED_LISTED);
    resolution.groups = config
        .groups
        .iter()
        .zip(&hit)
        .filter(|(_, hit)| **hit)
        .map(|(group, _)| group.replication_group_id.clone())
        .collect();
    if resolution.groups.is_empty() {
        resolution.no_op = Some(NoOp {
            message: no_op_reason.to_string(),
            reason: no_op_reason,
        });
    }
    resolution
}

/// Marks the group(s) one relevant event affects; returns why it affects none.
fn resolve_event(
    config: &Config,
    hit: &mut [bool],
    event: &ElastiCacheEvent,
    group_of_cluster: &impl Fn(&str) -> Option<String>,
) -> Option<SkipReason> {
    let id = event.source_id.as_str();
    if mark(config, hit, id) {
        return None;
    }
    match group_of_cluster(id) {
        Some(group) if mark(config, hit, &group) => None,
        Some(group) => Some(SkipReason::UnmanagedGroup {
            replication_group_id: group,
        }),
        None => {
            let owner = config
                .groups
                .iter()
                .map(|g| g.replication_group_id.as_str())
                .find(|g| member_by_naming_convention(id, g));
            match owner {
                Some(group) if mark(config, hit, group) => None,
                _ => Some(SkipReason::UnknownSource),
            }
        }
    }
}

/// True when `cache_cluster_id` is exactly `<replication_group_id>-NNN` (three ASCII
/// digits), ElastiCache's naming of the members of a cluster-mode-disabled group.
/// Exact: `grp-1` does not match `grp-10-001`, nor `grp-1-0001`.
pub fn member_by_naming_convention(cache_cluster_id: &str, replication_group_id: &str) -> bool {
    cache_cluster_id
        .strip_prefix(replication_group_id)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|digits| digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()))
}

fn is_configured(config: &Config, id: &str) -> bool {
    config.groups.iter().any(|g| g.replication_group_id == id)
}

/// Marks every configured group with exactly this id; true if there was one.
fn mark(config: &Config, hit: &mut [bool], id: &str) -> bool {
    let mut found = false;
    for (group, hit) in config.groups.iter().zip(hit.iter_mut()) {
        if group.replication_group_id == id {
            *hit = true;
            found = true;
        }
    }
    found
}

fn skipped(event: &ElastiCacheEvent, reason: SkipReason, message: String) -> SkippedEvent {
    SkippedEvent {
        event: event.clone(),
        reason,
        message,
    }
}
