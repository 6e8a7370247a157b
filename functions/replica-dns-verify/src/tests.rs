//! Unit tests of verify against in-memory ports: the plan → apply → verify path as the
//! state machine runs it, with each way verification can say "not yet" or "again".

use super::*;
use replica_dns_core::plan::{plan, PlanInput, ZoneRecords};
use replica_dns_core::topology::{Role, Topology};
use replica_dns_lambda::fakes::{FakeRecords, FakeTopology};
use replica_dns_lambda::fixtures::{self, config, group_run, member};

use crate::probe::{Findings, NoProbe};

/// orders-001..003, all available, with `primary` the primary.
fn topology(primary: &str) -> Topology {
    let member = |id: &str| {
        let role = if id == primary {
            Role::Primary
        } else {
            Role::Replica
        };
        member(id, role, "available")
    };
    fixtures::topology(
        "orders",
        vec![
            member("orders-001"),
            member("orders-002"),
            member("orders-003"),
        ],
    )
}

/// Plans against the fake zone and applies the plan to it, as Plan + Apply would.
async fn applied_run(records: &FakeRecords, primary: &str) -> GroupRun {
    let mut run = group_run("orders");
    let input = PlanInput {
        topologies: vec![topology(primary)],
        zones: vec![ZoneRecords {
            hosted_zone_id: "Z1".into(),
            records: records.records("Z1"),
        }],
    };
    let plan = plan(&config(), &input).unwrap();
    for batch in &plan.batches {
        let id = records
            .change_batch("Z1", &batch.changes, "test")
            .await
            .unwrap();
        run.change_ids.push(id);
        run.report
            .applied
            .push(replica_dns_lambda::run::AppliedBatch {
                phase: "final".into(),
                hosted_zone_id: "Z1".into(),
                change_id: None,
                changes: vec![],
                why: vec![],
            });
    }
    run.plan = Some(plan);
    run
}

fn deps(records: FakeRecords, topology: Topology) -> Deps<FakeTopology, FakeRecords, NoProbe> {
    Deps {
        config: config(),
        topology: FakeTopology::with([topology]),
        records,
        probe: NoProbe,
    }
}

fn status(run: &GroupRun) -> VerifyStatus {
    run.verify.as_ref().unwrap().status
}

#[tokio::test]
async fn applied_plan_on_an_unchanged_group_converges() {
    let records = FakeRecords::default();
    let run = applied_run(&records, "orders-001").await;
    let deps = deps(records, topology("orders-001"));
    let out = handle(run, &deps).await.unwrap();
    assert_eq!(status(&out), VerifyStatus::Converged, "{:?}", out.verify);
    assert_eq!(out.report.outcome, Outcome::Converged);
}

#[tokio::test]
async fn a_pending_change_asks_to_wait_then_converges() {
    let records = FakeRecords::default();
    *records.pending_polls.lock().unwrap() = 1;
    let run = applied_run(&records, "orders-001").await;
    let deps = deps(records, topology("orders-001"));
    let out = handle(run, &deps).await.unwrap();
    assert_eq!(status(&out), VerifyStatus::Pending);
    assert!(out.verify.as_ref().unwrap().detail.contains("PENDING"));
    let out = handle(out, &deps).await.unwrap();
    assert_eq!(status(&out), VerifyStatus::Converged);
}

#[tokio::test]
async fn a_record_changed_by_hand_after_apply_is_drift() {
    let records = FakeRecords::default();
    let run = applied_run(&records, "orders-001").await;
    records
        .zones
        .lock()
        .unwrap()
        .get_mut("Z1")
        .unwrap()
        .retain(|r| {
            !(r.name == "replica1.orders.cache.internal." && r.record_type.as_str() == "CNAME")
        });
    let deps = deps(records, topology("orders-001"));
    let out = handle(run, &deps).await.unwrap();
    assert_eq!(status(&out), VerifyStatus::Drifted);
    assert!(out.verify.unwrap().detail.contains("missing"));
}

#[tokio::test]
async fn a_failover_during_verification_is_drift() {
    let records = FakeRecords::default();
    let run = applied_run(&records, "orders-001").await;
    let deps = deps(records, topology("orders-002"));
    let out = handle(run, &deps).await.unwrap();
    assert_eq!(status(&out), VerifyStatus::Drifted);
    assert!(out.verify.unwrap().detail.contains("fresh snapshot"));
}

#[tokio::test]
async fn nothing_applied_and_nothing_needed_is_unchanged() {
    let records = FakeRecords::default();
    applied_run(&records, "orders-001").await;
    let mut run = applied_run(&records, "orders-001").await;
    run.report.applied.clear();
    let deps = deps(records, topology("orders-001"));
    let out = handle(run, &deps).await.unwrap();
    assert_eq!(status(&out), VerifyStatus::Converged);
    assert_eq!(out.report.outcome, Outcome::Unchanged);
}

struct WrongRole;

impl Probe for WrongRole {
    async fn check(&self, _slots: &[replica_dns_core::plan::SlotPlan], _t: &Topology) -> Findings {
        Findings {
            checked: true,
            not_propagated: vec![],
            wrong_role: vec!["replica1 -> 127.0.0.1:7001 answers ROLE master".into()],
        }
    }
}

#[tokio::test]
async fn a_target_answering_master_is_drift() {
    let records = FakeRecords::default();
    let run = applied_run(&records, "orders-001").await;
    let deps = Deps {
        config: config(),
        topology: FakeTopology::with([topology("orders-001")]),
        records,
        probe: WrongRole,
    };
    let out = handle(run, &deps).await.unwrap();
    assert_eq!(status(&out), VerifyStatus::Drifted);
    assert!(out.verify.unwrap().detail.contains("master"));
}
