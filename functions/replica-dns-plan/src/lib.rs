//! The plan step: reads the group's records (every page) and runs the core planner on
//! the run's latest snapshot. The plan travels to apply and verify inside the run; its
//! warnings (foreign records, repairs) go into the report, and an interim plan sets
//! `nodesPending` so the state machine waits for those members after applying it.
//!
//! It changes nothing: apply does.

use replica_dns_aws::ports::RecordStore;
use replica_dns_core::config::Config;
use replica_dns_core::metrics::{Metric, PlanFigures};
use replica_dns_core::plan::PlanStatus;
use replica_dns_lambda::startup::group_config;
use replica_dns_lambda::steps::{group_records, plan_to_apply};
use replica_dns_lambda::{group_span, metrics, GroupRun, HandlerError};
use tracing::Instrument;

/// Computes the plan for the run's group.
pub async fn handle<R: RecordStore>(
    run: GroupRun,
    config: &Config,
    records: &R,
) -> Result<GroupRun, HandlerError> {
    let span = group_span!("plan", run);
    make_plan(run, config, records).instrument(span).await
}

async fn make_plan<R: RecordStore>(
    mut run: GroupRun,
    config: &Config,
    records: &R,
) -> Result<GroupRun, HandlerError> {
    let group = group_config(config, &run.replication_group_id)?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use replica_dns_core::records::{RecordSet, RecordType};
    use replica_dns_core::topology::{Member, Role};
    use replica_dns_lambda::fakes::FakeRecords;
    use replica_dns_lambda::fixtures::{config, group_run, member, topology};
    use replica_dns_lambda::startup::records_subtree;

    fn run_with(members: Vec<Member>) -> GroupRun {
        let mut run = group_run("orders");
        run.topology = Some(topology("orders", members));
        run
    }

    #[tokio::test]
    async fn empty_zone_plans_one_slot_per_replica() {
        let run = run_with(vec![
            member("orders-001", Role::Primary, "available"),
            member("orders-002", Role::Replica, "available"),
            member("orders-003", Role::Replica, "available"),
        ]);
        let out = handle(run, &config(), &FakeRecords::default())
            .await
            .unwrap();
        assert!(
            out.changes_planned,
            "the ASL's PlanOutcome sends this run to Apply"
        );
        let plan = out.plan.unwrap();
        assert_eq!(plan.groups[0].slots.len(), 2);
        assert!(!out.nodes_pending);
    }

    #[tokio::test]
    async fn a_zone_already_in_sync_plans_no_changes_so_apply_is_skipped() {
        let members = vec![
            member("orders-001", Role::Primary, "available"),
            member("orders-002", Role::Replica, "available"),
        ];
        let records = FakeRecords::default();
        let first = handle(run_with(members.clone()), &config(), &records)
            .await
            .unwrap();
        for batch in &first.plan.as_ref().unwrap().batches {
            records
                .change_batch("Z1", &batch.changes, "test")
                .await
                .unwrap();
        }
        let again = handle(run_with(members), &config(), &records)
            .await
            .unwrap();
        assert!(again.plan.unwrap().is_empty());
        assert!(
            !again.changes_planned,
            "PlanOutcome goes straight to Verify"
        );
        assert!(!again.nodes_pending);
    }

    #[tokio::test]
    async fn unavailable_home_makes_the_plan_interim_and_pending() {
        let run = run_with(vec![
            member("orders-001", Role::Primary, "available"),
            member("orders-002", Role::Replica, "available"),
            member("orders-003", Role::Replica, "modifying"),
        ]);
        let out = handle(run, &config(), &FakeRecords::default())
            .await
            .unwrap();
        assert!(out.nodes_pending);
        assert_eq!(out.awaiting, ["orders-003"]);
    }

    #[tokio::test]
    async fn foreign_record_at_a_slot_is_reported() {
        let foreign = RecordSet {
            name: "replica1.orders.cache.internal.".into(),
            record_type: RecordType::Cname,
            ttl: Some(300),
            values: vec!["somewhere.else.".into()],
            set_identifier: None,
            weight: None,
        };
        let records = FakeRecords::with_zone("Z1", vec![foreign]);
        let run = run_with(vec![
            member("orders-001", Role::Primary, "available"),
            member("orders-002", Role::Replica, "available"),
        ]);
        let out = handle(run, &config(), &records).await.unwrap();
        assert!(
            out.report
                .warnings
                .iter()
                .any(|w| w.contains("replica1.orders.cache.internal.") && w.contains("not ours")),
            "{:?}",
            out.report.warnings
        );
    }

    #[tokio::test]
    async fn missing_topology_is_fatal() {
        let run = group_run("orders");
        let err = handle(run, &config(), &FakeRecords::default())
            .await
            .unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Fatal");
    }

    #[test]
    fn subtree_is_the_template_below_its_slot_label() {
        let config = config();
        assert_eq!(
            records_subtree(&config.groups[0]).as_deref(),
            Some("orders.cache.internal.")
        );
    }
}

// The ports this handler takes are the ones core `ports::FUNCTION_PORTS` declares.
replica_dns_lambda::handler_ports_are_declared!("plan", handle::<FakeRecords>);
