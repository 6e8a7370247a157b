//! The plan step: reads the group's records (every page) and runs the core planner on
//! the run's latest snapshot. The plan travels to apply and verify inside the run; its
//! warnings (foreign records, repairs) go into the report, and an interim plan sets
//! `nodesPending` so the state machine waits for those members after applying it.
//!
//! It changes nothing: apply does.
//!
//! In the fleet pass ([`handle_fleet`]) it also takes the snapshots itself, from one
//! listing of the fleet: a snapshot of every group would not fit the 256 KiB that Step
//! Functions passes between states, and the plan is all the next step needs.

use replica_dns_aws::ports::{RecordStore, TopologySource};
use replica_dns_core::config::Config;
use replica_dns_lambda::fleet::{
    json_size, FleetNext, FleetRecords, FleetRun, FleetTopology, CARRY_BUDGET_BYTES,
};
use replica_dns_lambda::steps::{plan_run, render_dry_run};
use replica_dns_lambda::{group_span, GroupRun, HandlerError};
use tracing::Instrument;

/// Computes the plan for the run's group.
pub async fn handle<R: RecordStore>(
    run: GroupRun,
    config: &Config,
    records: &R,
) -> Result<GroupRun, HandlerError> {
    let span = group_span!("plan", run);
    plan_run(run, config, records).instrument(span).await
}

/// The fleet pass's plan: one listing of every group's topology (calls by pages, not by
/// groups), each hosted zone read once, and each group's own snapshot and plan steps
/// over those reads. A dry-run group ends here with its rendered plan; a group with
/// changes is carried to FleetApply, or left to the pass's next round when this round
/// carries all it may (the carry budget, `fleetGroupsPerRound`); a group with nothing
/// to change goes on to FleetVerify as its id; a group waiting for replaced nodes with
/// nothing to write, or whose step failed, is handed over to the per-group pipeline.
pub async fn handle_fleet<T: TopologySource + Sync, R: RecordStore + Sync>(
    fleet: FleetRun,
    config: &Config,
    topology: &T,
    records: &R,
    event_topic_arn: Option<&str>,
) -> Result<FleetRun, HandlerError> {
    let span = tracing::info_span!("plan_fleet", execution_id = %fleet.fleet.execution_id);
    plan_fleet(fleet, config, topology, records, event_topic_arn)
        .instrument(span)
        .await
}

async fn plan_fleet<T: TopologySource + Sync, R: RecordStore + Sync>(
    mut fleet: FleetRun,
    config: &Config,
    topology: &T,
    records: &R,
    event_topic_arn: Option<&str>,
) -> Result<FleetRun, HandlerError> {
    let ids = fleet.fleet.in_pass.clone();
    let listed = topology.describe_groups(&ids).await.map_err(|e| {
        HandlerError::aws(
            format!("listing the topology of {} replication groups", ids.len()),
            e,
        )
    })?;
    let topology = FleetTopology::listed(topology, listed);
    let records = FleetRecords::new(records, config, &ids);
    // What this round may carry: the carry budget, or less once the finished groups'
    // reports fill the state (fleet.rs `carry_room`).
    let room = fleet.carry_room();
    let mut carried_bytes = 0usize;
    for id in ids {
        let planned = fleet
            .snapshot_and_plan(&id, "plan", config, &topology, &records, event_topic_arn)
            .await?;
        let Some(mut run) = planned else {
            continue;
        };
        if run.dry_run {
            render_dry_run(&mut run)?;
            fleet.finish(&id, run.report);
        } else if run.changes_planned {
            let size = json_size(&run);
            let per_round = run.tunables.fleet_groups_per_round;
            let over_budget = carried_bytes.saturating_add(size) > room;
            let round_full = fleet.carried.len() >= per_round as usize;
            if fleet.carried.is_empty() && over_budget {
                // No round could carry it: alone over the carry budget, or the state
                // has no room left for it.
                fleet.hand_over(&id, format!("plan: its {size} bytes of changes would take the fleet state past its budget ({room} of {CARRY_BUDGET_BYTES} bytes left to carry)"));
            } else if over_budget {
                fleet.defer(&id, &format!("its {size} bytes of changes would take this round past the {room} bytes it may carry"));
            } else if round_full {
                fleet.defer(
                    &id,
                    &format!("this round writes {per_round} groups (fleetGroupsPerRound)"),
                );
            } else {
                carried_bytes += size;
                fleet.carry(run);
            }
        } else if run.nodes_pending {
            fleet.hand_over(
                &id,
                "plan: nothing to write while it waits for replaced nodes",
            );
        }
    }
    let next = if fleet.carried.is_empty() {
        FleetNext::Verify
    } else {
        FleetNext::Apply
    };
    fleet.go(next);
    tracing::info!(
        round = fleet.fleet.round,
        carried = fleet.carried.len(),
        next_round = fleet.fleet.next_round.len(),
        handed_over = fleet.fleet.handed_over.len(),
        next = ?fleet.fleet.next,
        "fleet planned"
    );
    Ok(fleet)
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

    /// A run the snapshot step handed over to a newer execution has no snapshot: plan
    /// passes it through untouched, reading nothing (the ASL's PlanOutcome reports it).
    #[tokio::test]
    async fn a_superseded_run_passes_through_without_reading_records() {
        let mut run = replica_dns_lambda::fixtures::group_run("orders");
        run.report.outcome = replica_dns_lambda::run::Outcome::Superseded;
        run.report.superseded_by = Some("orders--newer".into());
        let records = FakeRecords::default();
        let out = handle(run.clone(), &config(), &records).await.unwrap();
        assert_eq!(out, run);
        assert_eq!(*records.lists.lock().unwrap(), 0);
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
// The fleet handler takes every port the per-group one does, and the listing's.
replica_dns_lambda::handler_ports_are_declared!("plan", handle_fleet::<FakeTopology, FakeRecords>);
