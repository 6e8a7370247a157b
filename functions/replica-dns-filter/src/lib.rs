//! The filter step: turns the execution input (an SNS-originated event written by the
//! trigger, or an operator's manual request) into the list of configured groups to
//! resync, each as a fresh [`GroupRun`], or a no-op with its reason.
//!
//! Parsing and the membership decision are the core's (`event::Request`,
//! `event::resolve`); this step strips the tunables, looks up which replication group
//! each named cache cluster belongs to (DescribeCacheClusters, exact membership), and
//! words the reason. It never touches DNS.
//!
//! A cluster named as ElastiCache names a group's members (`<group>-NNN`) is looked up
//! in that configured group: one DescribeReplicationGroups, whose member list decides
//! exactly (the name only chooses which group to ask). The description travels to the
//! snapshot step, which completes it instead of describing the group again, and whose
//! hand-over check reads its member list. A cluster named otherwise, or not among that
//! group's members, is looked up by itself (DescribeCacheClusters).

use std::collections::HashMap;

use replica_dns_aws::ports::{ClusterMembership, TopologySource};
use replica_dns_aws::ErrorKind;
use replica_dns_core::config::Config;
use replica_dns_core::event::{
    ids_to_look_up, json_type, member_by_naming_convention, resolve, NoOp, NoOpReason, Origin,
    Request, ResyncTarget, SkippedEvent,
};
use replica_dns_core::ids::{check_id, shown, IdKind};
use replica_dns_core::topology::Topology;
use replica_dns_lambda::fleet::{FleetPass, FleetRun};
use replica_dns_lambda::{GroupRun, HandlerError, Tunables};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::Instrument;

/// What filter returns: the groups to run, or a no-op with its reason and no groups (the
/// ASL's Groups Map then runs nothing, and this is the execution's output;
/// statemachine/README.md documents the shape). The filter's own
/// types live here, not in the shared crate: no other function reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterOutput {
    /// True exactly when `noOp` is present (and `groups` is empty): for people and
    /// scripts reading the execution output.
    pub noop: bool,
    /// The run's reason (or the no-op's), worded for the execution history.
    pub reason: String,
    /// Why nothing is done, as core `resolve` decided it (typed reason + message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_op: Option<NoOp>,
    /// The per-group runs, for the `Groups` Map (empty when the fleet pass runs).
    pub groups: Vec<GroupRun>,
    /// The fleet pass, for `{"all": true}` over at least [`FLEET_MIN_GROUPS`] groups
    /// (replica-dns-lambda `fleet`): the ASL's `FleetNext` Choice sends it to FleetPlan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<FleetPass>,
    /// Events of the message that affected no group, as core `resolve` reports them
    /// (the event, a typed reason, a message); at most `MAX_SKIPPED_LISTED`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedEvent>,
    /// How many more events were skipped than `skipped` lists.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped_more: usize,
}

/// From how many groups `{"all": true}` takes the fleet pass. A drift check of G groups
/// in Z zones costs the pass about 4 + 2 Z calls (a listing of the fleet and a read of
/// each zone, at FleetPlan and again at FleetVerify) against 3 G on the per-group path,
/// and a fixed number of state transitions instead of 6 per group: even at two groups in
/// one zone, cheaper from there on.
pub const FLEET_MIN_GROUPS: usize = 2;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl FilterOutput {
    /// Nothing to do, and why.
    fn no_op(no_op: NoOp, reason: String, skipped: Vec<SkippedEvent>, skipped_more: usize) -> Self {
        FilterOutput {
            noop: true,
            reason,
            no_op: Some(no_op),
            groups: Vec::new(),
            fleet: None,
            skipped,
            skipped_more,
        }
    }
}

/// What the ASL's Filter task sends: the execution input untouched plus the execution id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FilterRequest {
    pub input: Value,
    pub execution_id: String,
}

/// Decides which groups the execution runs for.
pub async fn handle<T: TopologySource + Sync>(
    request: FilterRequest,
    config: &Config,
    topology: &T,
) -> Result<FilterOutput, HandlerError> {
    let span = tracing::info_span!("filter", execution_id = %request.execution_id);
    filter(request, config, topology).instrument(span).await
}

async fn filter<T: TopologySource + Sync>(
    request: FilterRequest,
    config: &Config,
    topology: &T,
) -> Result<FilterOutput, HandlerError> {
    let Value::Object(mut input) = request.input else {
        return Err(HandlerError::invalid(format!(
            "the execution input must be a JSON object such as {{\"replicationGroupId\": \"orders\"}} or {{\"all\": true}}, found {} (see statemachine/README.md)",
            json_type(&request.input)
        )));
    };
    let tunables = Tunables::take_from(&mut input)?;
    let from_sns = input.get("source").and_then(Value::as_str) == Some("sns");
    let parsed = match Request::from_execution_input(input) {
        Ok(parsed) => parsed,
        // A notification that is not an ElastiCache event replica-dns acts on changes
        // nothing, and nobody must act on it: a no-op with the reason, never a failure.
        Err(e) if from_sns && e.is_not_an_elasticache_notification() => {
            let message = format!("{}: {e}", NoOpReason::NotAnElastiCacheNotification);
            let reason = format!("no-op: {message}");
            tracing::info!(%reason, "nothing to do");
            let no_op = NoOp {
                reason: NoOpReason::NotAnElastiCacheNotification,
                message,
            };
            return Ok(FilterOutput::no_op(no_op, reason, Vec::new(), 0));
        }
        Err(e) => {
            return Err(HandlerError::InvalidInput {
                what: "execution input".into(),
                source: Some(Box::new(e)),
            })
        }
    };

    let mut membership: HashMap<String, Option<String>> = HashMap::new();
    let mut described: HashMap<String, Topology> = HashMap::new();
    for id in ids_to_look_up(&parsed, config) {
        if let Some(group) = member_by_its_name(&id, config, topology, &mut described).await? {
            membership.insert(id, Some(group));
            continue;
        }
        let answer = topology
            .group_of_cluster(&id)
            .await
            .map_err(|e| HandlerError::aws(format!("looking up cache cluster {id}"), e))?;
        let group = match answer {
            ClusterMembership::Group(group) => Some(group),
            ClusterMembership::Standalone | ClusterMembership::NotFound => None,
        };
        membership.insert(id, group);
    }
    let resolution = resolve(&parsed, config, |id| membership.get(id).cloned().flatten());

    // An operator naming a group this deployment does not manage made a typo or used
    // the wrong deployment: a clear error, not a "successful" run that did nothing.
    if let ResyncTarget::Group {
        replication_group_id,
    } = &parsed.target
    {
        if resolution.is_no_op() {
            let configured: Vec<&str> = config
                .groups
                .iter()
                .map(|g| g.replication_group_id.as_str())
                .collect();
            return Err(HandlerError::invalid(format!(
                "replication group `{replication_group_id}` is not in this deployment's configuration; configured: {}",
                configured.join(", ")
            )));
        }
    }

    if let Some(no_op) = resolution.no_op.clone() {
        let reason = format!("no-op: {} ({})", no_op.message, describe_request(&parsed));
        tracing::info!(%reason, skipped = resolution.skipped.len() + resolution.skipped_more, "nothing to do");
        return Ok(FilterOutput::no_op(
            no_op,
            reason,
            resolution.skipped,
            resolution.skipped_more,
        ));
    }

    let reason = describe_request(&parsed);
    if parsed.target == ResyncTarget::All && resolution.groups.len() >= FLEET_MIN_GROUPS {
        tracing::info!(%reason, groups = resolution.groups.len(), dry_run = resolution.dry_run, "fleet pass over every group");
        let pass = FleetRun::start(
            &reason,
            &request.execution_id,
            resolution.dry_run,
            tunables,
            resolution.groups.clone(),
        );
        return Ok(FilterOutput {
            noop: false,
            reason,
            no_op: None,
            groups: Vec::new(),
            fleet: Some(pass.fleet),
            skipped: resolution.skipped,
            skipped_more: resolution.skipped_more,
        });
    }
    let notified_at = match &parsed.origin {
        Origin::Sns { timestamp, .. } => timestamp.clone(),
        Origin::Manual => None,
    };
    let groups: Vec<GroupRun> = resolution
        .groups
        .iter()
        .map(|group| {
            let mut run = GroupRun::new(
                &request.execution_id,
                group,
                &reason,
                resolution.dry_run,
                tunables,
            );
            run.notified_at = notified_at.clone();
            run.described = described.remove(group);
            run
        })
        .collect();
    tracing::info!(
        %reason,
        groups = ?resolution.groups,
        dry_run = resolution.dry_run,
        "groups to resync"
    );
    Ok(FilterOutput {
        noop: false,
        reason,
        no_op: None,
        groups,
        fleet: None,
        skipped: resolution.skipped,
        skipped_more: resolution.skipped_more,
    })
}

/// The configured group whose member `id` is, when its name says which group to ask
/// (`<group>-NNN`) and that group's member list has it. Each group is described once and
/// kept in `described` for its run. `None`: ask the cluster itself. A group ElastiCache
/// does not know is `None` too (the cluster's own lookup says where it belongs).
async fn member_by_its_name<T: TopologySource + Sync>(
    id: &str,
    config: &Config,
    topology: &T,
    described: &mut HashMap<String, Topology>,
) -> Result<Option<String>, HandlerError> {
    let Some(group) = config
        .groups
        .iter()
        .map(|g| g.replication_group_id.as_str())
        .find(|g| member_by_naming_convention(id, g))
    else {
        return Ok(None);
    };
    if !described.contains_key(group) {
        match topology.describe_members(group).await {
            Ok(topology) => {
                described.insert(group.to_owned(), topology);
            }
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(HandlerError::aws(
                    format!("describing replication group {group} to find cache cluster {id}"),
                    e,
                ))
            }
        }
    }
    let member = described
        .get(group)
        .is_some_and(|t| t.members.iter().any(|m| m.cache_cluster_id == id));
    Ok(member.then(|| group.to_owned()))
}

/// How many of a message's events the reason names; every group run carries the
/// reason, so it must stay short whatever the message holds.
const MAX_EVENTS_DESCRIBED: usize = 5;

/// A source id as the reason shows it: a valid ElastiCache id as is, anything else
/// escaped and bounded.
fn shown_id(id: &str) -> String {
    match check_id(IdKind::CacheCluster, id) {
        Ok(()) => id.to_string(),
        Err(_) => shown(id),
    }
}

/// Why this execution runs, for a person reading the output.
fn describe_request(request: &Request) -> String {
    let what = match &request.target {
        ResyncTarget::Events { events } => {
            let mut listed: Vec<String> = events
                .iter()
                .take(MAX_EVENTS_DESCRIBED)
                .map(|e| format!("{} {}", e.name, shown_id(&e.source_id)))
                .collect();
            if events.len() > MAX_EVENTS_DESCRIBED {
                listed.push(format!(
                    "and {} more events",
                    events.len() - MAX_EVENTS_DESCRIBED
                ));
            }
            listed.join(", ")
        }
        ResyncTarget::Group {
            replication_group_id,
        } => format!("manual resync of {replication_group_id}"),
        ResyncTarget::All => "manual resync of all groups".to_string(),
    };
    let origin = match &request.origin {
        Origin::Sns { message_id, .. } => format!(" (SNS message {message_id})"),
        Origin::Manual => String::new(),
    };
    let dry_run = if request.dry_run { ", dry-run" } else { "" };
    format!("{what}{origin}{dry_run}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use replica_dns_core::topology::{Role, Topology};
    use replica_dns_lambda::fakes::FakeTopology;
    use replica_dns_lambda::fixtures::{self, member};
    use serde_json::json;

    fn config() -> Config {
        fixtures::config_of(&["orders", "carts"])
    }

    /// A group of available replicas (the filter only asks which group a member is in).
    fn topology(group: &str, members: &[&str]) -> Topology {
        let members = members
            .iter()
            .map(|id| member(id, Role::Replica, "available"))
            .collect();
        fixtures::topology(group, members)
    }

    fn fake() -> FakeTopology {
        FakeTopology::with([
            topology("orders", &["orders-001", "orders-002"]),
            topology("other", &["other-001"]),
        ])
    }

    fn sns(message: &str) -> Value {
        json!({"source": "sns", "messageId": "m-1",
               "topicArn": "arn:aws:sns:us-east-1:123456789012:t",
               "timestamp": "2026-11-27T02:00:00Z", "message": message})
    }

    async fn run(input: Value) -> Result<FilterOutput, HandlerError> {
        let request = FilterRequest {
            input,
            execution_id: "arn:aws:states:us-east-1:123456789012:execution:sm:m-1".into(),
        };
        handle(request, &config(), &fake()).await
    }

    #[tokio::test]
    async fn failover_of_a_configured_group_runs_that_group_only() {
        let out = run(sns(r#"{"ElastiCache:FailoverComplete":"orders"}"#))
            .await
            .unwrap();
        assert!(!out.noop);
        assert_eq!(out.groups.len(), 1);
        let group = &out.groups[0];
        assert_eq!(group.replication_group_id, "orders");
        assert!(
            group.reason.contains("FailoverComplete orders"),
            "{}",
            group.reason
        );
        assert!(group.reason.contains("SNS message m-1"), "{}", group.reason);
        assert_eq!(
            group.execution_id,
            "arn:aws:states:us-east-1:123456789012:execution:sm:m-1"
        );
    }

    #[tokio::test]
    async fn a_cluster_event_is_mapped_to_its_group_by_lookup() {
        let out = run(sns(
            r#"{"ElastiCache:CacheNodeReplaceComplete":"orders-002"}"#,
        ))
        .await
        .unwrap();
        assert_eq!(out.groups[0].replication_group_id, "orders");
    }

    /// A cluster named `<group>-NNN` after a configured group is looked up in that
    /// group's member list (one DescribeReplicationGroups, carried to the snapshot);
    /// membership is exact: a cluster named so but listed elsewhere, or a group
    /// ElastiCache does not know, falls back to the cluster's own lookup.
    #[tokio::test]
    async fn a_cluster_named_after_a_configured_group_is_found_in_its_member_list() {
        // (cluster, calls, group run, whether the run carries the group's description).
        // A cluster ElastiCache no longer knows still resyncs the group its name says
        // (core resolve: a deleted member's event).
        let cases: [(&str, Vec<&str>, Option<&str>, bool); 5] = [
            (
                "orders-002",
                vec!["describe_members orders"],
                Some("orders"),
                true,
            ),
            (
                "orders-009",
                vec!["describe_members orders", "group_of_cluster orders-009"],
                Some("orders"),
                true,
            ),
            (
                "orders-003",
                vec!["describe_members orders", "group_of_cluster orders-003"],
                None,
                false,
            ),
            (
                "carts-001",
                vec!["describe_members carts", "group_of_cluster carts-001"],
                Some("carts"),
                false,
            ),
            ("other-001", vec!["group_of_cluster other-001"], None, false),
        ];
        for (id, calls, group, carried) in cases {
            let fake = FakeTopology::with([
                topology("orders", &["orders-001", "orders-002"]),
                topology("other", &["other-001", "orders-003"]),
            ]);
            let request = FilterRequest {
                input: sns(&format!(r#"{{"ElastiCache:FailoverComplete":"{id}"}}"#)),
                execution_id: "e".into(),
            };
            let out = handle(request, &config(), &fake).await.unwrap();
            assert_eq!(fake.calls(), calls, "{id}");
            let groups: Vec<&str> = out
                .groups
                .iter()
                .map(|g| g.replication_group_id.as_str())
                .collect();
            assert_eq!(groups, group.into_iter().collect::<Vec<_>>(), "{id}");
            let described = out.groups.first().and_then(|g| g.described.as_ref());
            assert_eq!(described.is_some(), carried, "{id}");
        }
    }

    #[tokio::test]
    async fn a_failing_member_list_is_transient_like_the_lookup() {
        let fake = fake();
        fake.fail_next
            .lock()
            .unwrap()
            .push(replica_dns_lambda::fakes::throttled(
                "DescribeReplicationGroups",
            ));
        let request = FilterRequest {
            input: sns(r#"{"ElastiCache:FailoverComplete":"orders-002"}"#),
            execution_id: "e".into(),
        };
        let err = handle(request, &config(), &fake).await.unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Transient");
        assert!(
            err.message_chain().contains("orders-002"),
            "{}",
            err.message_chain()
        );
    }

    #[tokio::test]
    async fn another_groups_event_is_a_no_op_with_reason() {
        let out = run(sns(r#"{"ElastiCache:FailoverComplete":"other-001"}"#))
            .await
            .unwrap();
        assert!(out.noop);
        assert!(out.groups.is_empty());
        assert!(out.reason.starts_with("no-op: "), "{}", out.reason);
        assert!(
            out.skipped[0].message.contains("other"),
            "{:?}",
            out.skipped
        );
        assert_eq!(out.skipped[0].event.source_id, "other-001");
        assert!(matches!(
            out.no_op.as_ref().map(|n| &n.reason),
            Some(NoOpReason::NoManagedGroup)
        ));
    }

    #[tokio::test]
    async fn an_irrelevant_event_is_a_no_op_with_reason() {
        let out = run(sns(r#"{"ElastiCache:SnapshotComplete":"orders"}"#))
            .await
            .unwrap();
        assert!(out.noop);
        assert!(out.reason.contains("no event"), "{}", out.reason);
    }

    #[tokio::test]
    async fn manual_all_over_two_groups_starts_the_fleet_pass_with_dry_run_and_tunables() {
        let out =
            run(json!({"all": true, "dryRun": true, "waitSeconds": 1, "verifyPollSeconds": 2}))
                .await
                .unwrap();
        assert!(
            out.groups.is_empty(),
            "the Map gets only what the pass hands over"
        );
        let pass = out.fleet.clone().unwrap();
        assert_eq!(pass.in_pass, ["orders", "carts"]);
        assert_eq!(pass.next, replica_dns_lambda::fleet::FleetNext::Plan);
        assert!(pass.dry_run);
        assert_eq!(pass.tunables.wait_seconds, 1);
        assert_eq!(pass.tunables.verify_poll_seconds, 2);
        assert_eq!(pass.tunables.max_conflict_retries, 3);
        // The fleet states decode the filter's output as their own input.
        let fleet: FleetRun = serde_json::from_value(serde_json::to_value(&out).unwrap()).unwrap();
        assert_eq!(fleet.fresh_run("carts").tunables.verify_poll_seconds, 2);
        assert!(fleet.fresh_run("carts").dry_run);
    }

    #[tokio::test]
    async fn manual_all_over_one_group_takes_the_per_group_path() {
        let config = fixtures::config_of(&["orders"]);
        let request = FilterRequest {
            input: json!({"all": true, "dryRun": true, "waitSeconds": 1}),
            execution_id: "exec".into(),
        };
        let out = handle(request, &config, &FakeTopology::default())
            .await
            .unwrap();
        assert!(out.fleet.is_none());
        let ids: Vec<_> = out
            .groups
            .iter()
            .map(|g| g.replication_group_id.as_str())
            .collect();
        assert_eq!(ids, ["orders"]);
        assert!(out.groups[0].dry_run && out.groups[0].report.dry_run);
        assert_eq!(out.groups[0].tunables.wait_seconds, 1);
    }

    #[tokio::test]
    async fn manual_unconfigured_group_is_invalid_input_naming_the_configured_ones() {
        let err = run(json!({"replicationGroupId": "billing"}))
            .await
            .unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.InvalidInput");
        let text = err.to_string();
        assert!(text.contains("`billing`"), "{text}");
        assert!(text.contains("configured: orders, carts"), "{text}");
    }

    #[tokio::test]
    async fn malformed_input_is_invalid_input_naming_the_problem() {
        for input in [
            json!(["x"]),
            json!({"all": true, "replicationGroupId": "orders"}),
            json!({"waitSeconds": 0, "all": true}),
        ] {
            let err = run(input.clone()).await.unwrap_err();
            assert_eq!(
                err.error_type().as_str(),
                "ReplicaDns.InvalidInput",
                "{input}"
            );
        }
    }

    #[tokio::test]
    async fn a_failing_lookup_surfaces_as_transient() {
        let fake = fake();
        fake.fail_next
            .lock()
            .unwrap()
            .push(replica_dns_lambda::fakes::throttled(
                "DescribeCacheClusters",
            ));
        let request = FilterRequest {
            input: sns(r#"{"ElastiCache:CacheNodeReplaceComplete":"orders-002"}"#),
            execution_id: "e".into(),
        };
        let err = handle(request, &config(), &fake).await.unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Transient");
    }

    /// Contract: every copy-paste execution input in statemachine/samples/execution is
    /// accepted by this function's request type and parser.
    #[tokio::test]
    async fn every_sample_execution_input_is_accepted() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../statemachine/samples/execution");
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let input: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let request: FilterRequest =
                serde_json::from_value(json!({"input": input, "executionId": "e"})).unwrap();
            let out = handle(request, &config(), &fake()).await;
            assert!(out.is_ok(), "{}: {:?}", path.display(), out.err());
            count += 1;
        }
        assert!(count >= 4);
    }

    /// Issue 8 item 4: an SNS message that is not an ElastiCache event replica-dns acts
    /// on ends the execution as a no-op with the reason; it never fails it.
    #[tokio::test]
    async fn a_message_that_is_no_elasticache_event_is_a_no_op_not_an_error() {
        for message in [
            "{}",
            "not json",
            r#"{"AutoScaling:EC2_INSTANCE_LAUNCH":"i-1"}"#,
            r#"{"ElastiCache:FailoverComplete":7}"#,
            r#"{"ElastiCache:TestFailoverApiCalled":"orders"}"#,
        ] {
            let out = run(sns(message)).await.unwrap();
            assert!(out.noop, "{message}: {out:?}");
            // The typed reason reaches the state machine as the core decided it.
            let expected = if message.contains("TestFailoverApiCalled") {
                NoOpReason::IrrelevantEvents
            } else {
                NoOpReason::NotAnElastiCacheNotification
            };
            assert_eq!(
                out.no_op.as_ref().map(|n| &n.reason),
                Some(&expected),
                "{message}"
            );
            assert!(
                out.reason.starts_with("no-op: "),
                "{message}: {}",
                out.reason
            );
        }
    }

    /// Issue 8 item 4: console input of any JSON type is InvalidInput naming what was
    /// expected.
    #[tokio::test]
    async fn console_input_of_another_json_type_is_invalid_input_naming_the_expected_shape() {
        for (input, found) in [
            (json!("orders"), "a string"),
            (Value::Null, "null"),
            (json!(["orders"]), "an array"),
            (json!(42), "a number"),
        ] {
            let err = run(input).await.unwrap_err();
            assert_eq!(err.error_type().as_str(), "ReplicaDns.InvalidInput");
            let text = err.to_string();
            assert!(text.contains("must be a JSON object"), "{text}");
            assert!(text.contains("\"replicationGroupId\""), "{text}");
            assert!(text.contains(&format!("found {found}")), "{text}");
        }
    }

    #[tokio::test]
    async fn the_output_stays_small_whatever_the_message_holds() {
        let mut message = serde_json::Map::new();
        for i in 0..2000 {
            message.insert(
                format!("ElastiCache:FailoverComplete{i}"),
                Value::String(format!("stranger-{i:04}")),
            );
        }
        message.insert("ElastiCache:FailoverComplete".into(), json!("orders"));
        let out = run(sns(&Value::Object(message).to_string())).await.unwrap();
        assert_eq!(out.groups.len(), 1);
        let size = serde_json::to_string(&out).unwrap().len();
        assert!(size < 8 * 1024, "filter output is {size} bytes");
        assert_eq!(
            out.skipped.len(),
            replica_dns_core::event::MAX_SKIPPED_LISTED
        );
        assert_eq!(out.skipped_more, 2000 - out.skipped.len());
    }
}

// The ports this handler takes are the ones core `ports::FUNCTION_PORTS` declares.
replica_dns_lambda::handler_ports_are_declared!("filter", handle::<FakeTopology>);
