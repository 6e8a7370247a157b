//! What several pipeline steps do alike with a run's group: take a snapshot of it
//! (snapshot, await-nodes, verify), read its records (plan, verify) and plan it (plan,
//! verify), each failure worded once so every step reports it the same way.
//!
//! It goes through the port traits only (the AWS calls are `replica-dns-aws`'s) and
//! decides nothing (the planner is `replica-dns-core`'s).

use replica_dns_aws::ports::{RecordStore, TopologySource};
use replica_dns_core::config::{Config, GroupConfig};
use replica_dns_core::plan::{plan, Plan, PlanInput, ZoneRecords};
use replica_dns_core::records::RecordSet;
use replica_dns_core::topology::Topology;

use crate::error::HandlerError;
use crate::startup::records_subtree;

/// A fresh snapshot of the replication group (DescribeReplicationGroups plus each
/// member's status).
pub async fn describe_group<T: TopologySource>(
    topology: &T,
    group_id: &str,
) -> Result<Topology, HandlerError> {
    topology
        .describe_group(group_id)
        .await
        .map_err(|e| HandlerError::aws(format!("describing replication group {group_id}"), e))
}

/// The group's records as they are now: every page of its hosted zone, below the
/// group's subtree when its name template has one ([`records_subtree`]).
pub async fn group_records<R: RecordStore>(
    records: &R,
    group: &GroupConfig,
) -> Result<Vec<RecordSet>, HandlerError> {
    let subtree = records_subtree(group);
    records
        .list_records(&group.hosted_zone_id, subtree.as_deref())
        .await
        .map_err(|e| {
            HandlerError::aws(
                format!("listing records of hosted zone {}", group.hosted_zone_id),
                e,
            )
        })
}

/// The plan apply sends for one group: core `plan` over its snapshot and its zone's
/// records, batch included (plan computes it, verify recomputes it to compare). Unlike
/// core `plan_group` (one group's slots, no batch) it is what the pipeline applies; a
/// planner error is fatal to the run (`HandlerError::Plan`).
pub fn plan_to_apply(
    config: &Config,
    group: &GroupConfig,
    topology: Topology,
    records: Vec<RecordSet>,
) -> Result<Plan, HandlerError> {
    let input = PlanInput {
        topologies: vec![topology],
        zones: vec![ZoneRecords {
            hosted_zone_id: group.hosted_zone_id.clone(),
            records,
        }],
    };
    plan(config, &input).map_err(|e| HandlerError::Plan {
        group: group.replication_group_id.clone(),
        source: Box::new(e),
    })
}
