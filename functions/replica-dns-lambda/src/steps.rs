//! What several pipeline steps do alike with a run's group: take a snapshot of it
//! (snapshot, await-nodes, verify, the fleet pass), read its records (plan, verify) and
//! plan it (plan, verify, the fleet pass), each failure worded once so every step
//! reports it the same way.
//!
//! It goes through the port traits only (the AWS calls are `replica-dns-aws`'s) and
//! decides nothing (the planner is `replica-dns-core`'s).

use replica_dns_aws::ports::{RecordStore, TopologySource};
use replica_dns_core::config::{Config, GroupConfig};
use replica_dns_core::metrics::{ExecutionOutcome, Metric, PlanFigures};
use replica_dns_core::plan::{plan, Change, Plan, PlanInput, PlanStatus, SlotPlan, ZoneRecords};
use replica_dns_core::records::RecordSet;
use replica_dns_core::topology::Topology;

use crate::error::HandlerError;
use crate::run::{AppliedBatch, Outcome, Phase, WrittenBy};
use crate::startup::{group_config, records_subtree};
use crate::{metrics, GroupRun};

/// The snapshot step on a run: a fresh snapshot of its group into `run.topology`, the
/// members still unavailable into `run.awaiting`, and a warning (and the
/// `TopicNotActive` metric) when notifications may not reach replica-dns. It starts
/// every (re-)plan round, so it clears what the previous round left.
pub async fn snapshot_run<T: TopologySource + Sync>(
    mut run: GroupRun,
    config: &Config,
    topology: &T,
    event_topic_arn: Option<&str>,
) -> Result<GroupRun, HandlerError> {
    group_config(config, &run.replication_group_id)?;
    let snapshot = match run.described.take() {
        Some(described) => topology.complete_snapshot(described).await.map_err(|e| {
            HandlerError::aws(
                format!("describing replication group {}", run.replication_group_id),
                e,
            )
        })?,
        None => describe_group(topology, &run.replication_group_id).await?,
    };
    run.note_unavailable(&snapshot);
    // Issue 8 item 2: a topic ElastiCache cannot publish to fails silently; say so in
    // the report (once) and as a metric the alarm watches.
    let problems = snapshot.notification_problems(event_topic_arn);
    for problem in &problems {
        tracing::warn!(%problem, "notifications may not reach replica-dns");
        run.warn(problem.to_string());
    }
    metrics::record(
        &run.replication_group_id,
        Metric::TopicNotActive,
        f64::from(u8::from(!problems.is_empty())),
    );
    tracing::info!(
        status = %snapshot.status,
        members = snapshot.members.len(),
        unavailable = ?run.awaiting,
        "snapshot taken"
    );
    run.topology = Some(snapshot);
    run.replace_plan(None);
    Ok(run)
}

/// The plan step on a run: its group's records (every page) and the core planner over
/// the run's snapshot. Warnings (foreign records, repairs) go into the report, and an
/// interim plan sets `nodesPending` with the members it waits for.
pub async fn plan_run<R: RecordStore>(
    mut run: GroupRun,
    config: &Config,
    records: &R,
) -> Result<GroupRun, HandlerError> {
    let group = group_config(config, &run.replication_group_id)?;
    // A run the snapshot step ended as superseded has nothing to plan: the state
    // machine's PlanOutcome reports it.
    if crate::handover::is_superseded(&run) {
        return Ok(run);
    }
    let topology = run.require_topology()?.clone();
    let current = group_records(records, group).await?;
    let plan = plan_to_apply(config, group, topology, current)?;
    let mut waiting_for: Vec<String> = Vec::new();
    for group_plan in &plan.groups {
        run.warn_all(&group_plan.warnings);
        metrics::count(
            &group_plan.replication_group_id,
            Metric::ForeignRecords,
            PlanFigures::of(group_plan).foreign_records,
        );
        if let PlanStatus::Interim { waiting_for: ids } = &group_plan.status {
            waiting_for.extend(ids.iter().cloned());
        }
    }
    waiting_for.sort();
    waiting_for.dedup();
    run.nodes_pending = !waiting_for.is_empty();
    run.awaiting = waiting_for;
    // The interim period follows the names, whoever wrote them: a run whose plan finds
    // them interim (its own batch to come, or an overlapping run's already in place)
    // measures from here, so the period is still reported when that other run stops
    // early (superseded) or this one skips Apply (nothing to change).
    if run.nodes_pending && !run.dry_run {
        run.interim_since_ms.get_or_insert(metrics::now_ms());
    }
    let changes: usize = plan.batches.iter().map(|b| b.changes.len()).sum();
    tracing::info!(
        changes,
        interim = run.nodes_pending,
        waiting_for = ?run.awaiting,
        "plan computed"
    );
    run.replace_plan(Some(plan));
    Ok(run)
}

/// Why the plan's slots change, one line per changed slot (the report's `why`).
pub fn change_reasons(plan: &Plan) -> Vec<String> {
    plan.groups
        .iter()
        .flat_map(|g| g.slots.iter())
        .filter_map(SlotPlan::describe_change)
        .collect()
}

/// A dry-run's report: the rendered plan and what each batch would send; nothing is
/// written.
pub fn render_dry_run(run: &mut GroupRun) -> Result<(), HandlerError> {
    let plan = run.require_plan()?.clone();
    let phase = Phase::of(&plan);
    run.change_ids.clear();
    run.report.plan_table = Some(plan.render_table());
    run.report.outcome = Outcome::DryRun;
    run.report.conflict_retries = run.counters.conflicts;
    for batch in plan.batches.iter().filter(|b| !b.changes.is_empty()) {
        run.report.applied.push(AppliedBatch {
            phase,
            written_by: WrittenBy::DryRun,
            hosted_zone_id: batch.hosted_zone_id.clone(),
            change_id: None,
            changes: batch.changes.iter().map(Change::to_string).collect(),
            why: change_reasons(&plan),
        });
    }
    tracing::info!(%phase, "dry-run: plan rendered, nothing applied");
    metrics::execution_ended(&run.replication_group_id, ExecutionOutcome::DryRun);
    Ok(())
}

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
