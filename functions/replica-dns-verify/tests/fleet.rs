//! The fleet pass (`{"all": true}`, issue 10 item 5) through its three Lambdas' handlers
//! in the order the state machine runs them — FleetPlan, FleetApply, FleetVerify — over
//! in-memory ports that count their calls: one listing of the fleet's topology per
//! step that needs one, one read of each zone, one request per zone covering every
//! group in it, and the groups it cannot finish handed to the per-group pipeline.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use replica_dns_apply::FleetApplyRequest;
use replica_dns_core::config::Config;
use replica_dns_core::records::RecordSet;
use replica_dns_core::topology::{Role, Topology};
use replica_dns_lambda::fakes::{FakeRecords, FakeTopology};
use replica_dns_lambda::fixtures::{member, topology};
use replica_dns_lambda::fleet::{FleetNext, FleetRun};
use replica_dns_lambda::run::Outcome;
use replica_dns_lambda::Tunables;
use replica_dns_verify::probe::NoProbe;
use replica_dns_verify::Deps;
use serde_json::json;

/// `orders` and `carts` in hosted zone Z1, `billing` in Z2.
fn config() -> Config {
    let group = |id: &str, zone: &str, name: &str| {
        json!({"replicationGroupId": id, "hostedZoneId": zone, "zoneName": name,
               "nameTemplate": format!("replica{{n}}.{id}.{name}")})
    };
    let text = json!({"ownerId": "test", "groups": [
        group("orders", "Z1", "cache.internal."),
        group("carts", "Z1", "cache.internal."),
        group("billing", "Z2", "other.internal."),
    ]})
    .to_string();
    Config::from_json(&text).unwrap()
}

fn group(id: &str, replica_status: &str) -> Topology {
    topology(
        id,
        vec![
            member(&format!("{id}-001"), Role::Primary, "available"),
            member(&format!("{id}-002"), Role::Replica, "available"),
            member(&format!("{id}-003"), Role::Replica, replica_status),
        ],
    )
}

/// The three configured groups, each 1 primary + 2 available replicas.
fn three_groups_available() -> FakeTopology {
    FakeTopology::with(GROUPS.map(|g| group(g, "available")))
}

/// The configuration's groups, in its order.
const GROUPS: [&str; 3] = ["orders", "carts", "billing"];

fn start(groups: &[&str]) -> FleetRun {
    FleetRun::start(
        "manual resync of all groups",
        "arn:aws:states:us-east-1:123456789012:execution:rdns:fleet",
        false,
        Tunables::default(),
        groups.iter().map(|g| g.to_string()).collect(),
    )
}

fn lists(records: &FakeRecords) -> u32 {
    *records.lists.lock().unwrap()
}

fn batches(records: &FakeRecords) -> Vec<(String, usize)> {
    records
        .batches
        .lock()
        .unwrap()
        .iter()
        .map(|(zone, changes)| (zone.clone(), changes.len()))
        .collect()
}

/// Runs FleetPlan, then FleetApply, FleetVerify and the next rounds' FleetPlan as
/// `fleet.next` says, until the pass ends.
async fn pass(
    fleet: FleetRun,
    config: &Config,
    elasticache: &FakeTopology,
    records: &FakeRecords,
) -> FleetRun {
    pass_watching(fleet, config, elasticache, records, |_| {}).await
}

/// [`pass`], showing `watch` the state each step hands on.
async fn pass_watching(
    mut fleet: FleetRun,
    config: &Config,
    elasticache: &FakeTopology,
    records: &FakeRecords,
    mut watch: impl FnMut(&FleetRun),
) -> FleetRun {
    let deps = Deps {
        config: config.clone(),
        topology: elasticache,
        records,
        probe: NoProbe,
    };
    for _ in 0..1000 {
        fleet = match fleet.fleet.next {
            FleetNext::Plan => {
                replica_dns_plan::handle_fleet(fleet, config, elasticache, records, None)
                    .await
                    .unwrap()
            }
            FleetNext::Apply => {
                replica_dns_apply::handle_fleet(FleetApplyRequest { fleet, attempt: 0 }, records)
                    .await
                    .unwrap()
            }
            FleetNext::Wait | FleetNext::Verify => {
                replica_dns_verify::handle_fleet(fleet, &deps, None)
                    .await
                    .unwrap()
            }
            FleetNext::End => return fleet,
        };
        watch(&fleet);
    }
    panic!("the pass did not end: {fleet:?}")
}

fn outcomes(fleet: &FleetRun) -> Vec<(String, Outcome)> {
    fleet
        .fleet_reports
        .iter()
        .map(|r| (r.replication_group_id.clone(), r.outcome))
        .collect()
}

#[tokio::test]
async fn three_groups_in_two_zones_cost_one_listing_per_look_one_read_per_zone_and_one_request_per_zone(
) {
    let config = config();
    let elasticache = three_groups_available();
    let records = FakeRecords::default();

    let fleet = pass(start(&GROUPS), &config, &elasticache, &records).await;

    assert_eq!(
        outcomes(&fleet),
        [
            ("orders".to_string(), Outcome::Converged),
            ("carts".to_string(), Outcome::Converged),
            ("billing".to_string(), Outcome::Converged)
        ]
    );
    assert!(fleet.groups.is_empty(), "nothing handed over: {fleet:?}");
    assert!(fleet.carried.is_empty());
    // Two groups in Z1 share one request; Z2 has its own.
    assert_eq!(
        batches(&records),
        [("Z1".to_string(), 8), ("Z2".to_string(), 4)]
    );
    assert_eq!(fleet.fleet.batches.len(), 2);
    assert_eq!(fleet.fleet.batches[0].groups, ["orders", "carts"]);
    // One listing at FleetPlan and one at FleetVerify (its fresh snapshots); no group
    // was described by itself.
    assert_eq!(
        elasticache.calls(),
        [
            "describe_groups orders,carts,billing",
            "describe_groups orders,carts,billing"
        ]
    );
    // Each zone read once by FleetPlan and once by FleetVerify's read-back, each below
    // the deepest name its groups share (Z1: orders and carts; Z2: billing alone).
    assert_eq!(lists(&records), 4);
    let listed = records.listed.lock().unwrap().clone();
    let z1 = ("Z1".to_string(), Some("cache.internal.".to_string()));
    let z2 = (
        "Z2".to_string(),
        Some("billing.other.internal.".to_string()),
    );
    assert_eq!(listed, [z1.clone(), z2.clone(), z1, z2]);
    for report in &fleet.fleet_reports {
        assert_eq!(report.applied.len(), 1, "{report:?}");
        assert!(report.applied[0].change_id.is_some());
    }

    // The drift check over the same fleet: nothing to write, the probe only.
    let again = pass(start(&GROUPS), &config, &elasticache, &records).await;
    assert!(outcomes(&again)
        .iter()
        .all(|(_, outcome)| *outcome == Outcome::Unchanged));
    assert_eq!(batches(&records).len(), 2, "the drift check wrote nothing");
    assert_eq!(elasticache.calls().len(), 4, "{:?}", elasticache.calls());
    assert_eq!(lists(&records), 8);
}

#[tokio::test]
async fn groups_the_pass_cannot_finish_are_handed_over_with_what_they_did() {
    let config = config();
    // billing's third member is being replaced: its plan is interim. carts is not in
    // ElastiCache (deleted, say).
    let elasticache =
        FakeTopology::with([group("orders", "available"), group("billing", "modifying")]);
    let records = FakeRecords::default();

    let fleet = pass(start(&GROUPS), &config, &elasticache, &records).await;

    assert_eq!(
        outcomes(&fleet),
        [("orders".to_string(), Outcome::Converged)]
    );
    let handed: Vec<(&str, &str)> = fleet
        .fleet
        .handed_over
        .iter()
        .map(|h| (h.replication_group_id.as_str(), h.why.as_str()))
        .collect();
    assert_eq!(handed.len(), 2, "{handed:?}");
    assert_eq!(handed[0].0, "carts");
    assert!(handed[0].1.starts_with("plan: "), "{handed:?}");
    assert!(handed[0].1.contains("carts"), "{handed:?}");
    assert_eq!(handed[1].0, "billing");
    assert!(
        handed[1].1.contains("waits for its replaced nodes"),
        "{handed:?}"
    );
    // The Map gets both; billing's run says what the pass wrote for it, and is small.
    let ids: Vec<&str> = fleet
        .groups
        .iter()
        .map(|r| r.replication_group_id.as_str())
        .collect();
    assert_eq!(ids, ["carts", "billing"]);
    let billing = &fleet.groups[1];
    assert_eq!(
        billing.report.applied.len(),
        1,
        "the interim write is reported"
    );
    assert!(billing.topology.is_none() && billing.plan.is_none());
    assert!(billing.interim_since_ms.is_some());
    assert!(fleet.groups[0].report.applied.is_empty());
    // billing's interim names went out in the same pass as orders' (two zones).
    assert_eq!(batches(&records).len(), 2);
}

#[tokio::test]
async fn a_request_rejected_as_a_conflict_hands_over_every_group_it_carried() {
    let config = config();
    let elasticache = three_groups_available();
    let records = FakeRecords::default();
    // Someone writes a name of carts between the plan and the request for Z1.
    *records.before_next_batch.lock().unwrap() = Some(Box::new(|zone: &mut Vec<RecordSet>| {
        zone.push(RecordSet::cname(
            "replica1.carts.cache.internal.",
            30,
            "elsewhere.example.",
        ))
    }));

    let fleet = pass(start(&GROUPS), &config, &elasticache, &records).await;

    assert_eq!(
        outcomes(&fleet),
        [("billing".to_string(), Outcome::Converged)]
    );
    let ids: Vec<&str> = fleet
        .groups
        .iter()
        .map(|r| r.replication_group_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["orders", "carts"],
        "both groups of the rejected request"
    );
    assert!(fleet.fleet.handed_over[0].why.contains("Route 53 rejected"));
    assert!(fleet.groups.iter().all(|r| r.report.applied.is_empty()));
}

#[tokio::test]
async fn a_dry_run_renders_every_plan_and_writes_nothing() {
    let config = config();
    let elasticache = three_groups_available();
    let records = FakeRecords::default();
    let mut fleet = start(&GROUPS);
    fleet.fleet.dry_run = true;

    let fleet = pass(fleet, &config, &elasticache, &records).await;

    assert!(outcomes(&fleet)
        .iter()
        .all(|(_, outcome)| *outcome == Outcome::DryRun));
    assert_eq!(fleet.fleet_reports.len(), 3);
    assert!(fleet.fleet_reports.iter().all(|r| r.plan_table.is_some()));
    assert!(batches(&records).is_empty());
    assert_eq!(fleet.fleet.next, FleetNext::End);
}

/// `n` groups in one zone, every one with names to create (the initial sync), with ids
/// of ElastiCache's longest (40 characters; a report lists every change, about 1.5 KB
/// per group written).
fn groups_of(n: usize) -> (Vec<String>, Config) {
    let ids: Vec<String> = (0..n)
        .map(|i| format!("production-orders-session-cache-{i:08}"))
        .collect();
    let groups: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| {
            json!({"replicationGroupId": id, "hostedZoneId": "Z1", "zoneName": "cache.internal.example.com.",
                   "nameTemplate": format!("replica{{n}}.{id}.cache.internal.example.com.")})
        })
        .collect();
    let config =
        Config::from_json(&json!({"ownerId": "test", "groups": groups}).to_string()).unwrap();
    (ids, config)
}

/// An initial sync of [`groups_of`]`(n)` through the whole pass, checking what must hold
/// at any size: every state within Step Functions' 256 KiB, no group handed over.
async fn initial_sync_within_the_payload_limit(
    n: usize,
) -> (Vec<String>, FakeTopology, FakeRecords, FleetRun) {
    let (ids, config) = groups_of(n);
    let elasticache = FakeTopology::with(ids.iter().map(|id| group(id, "available")));
    let records = FakeRecords::default();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut largest = 0;
    let ended = pass_watching(start(&refs), &config, &elasticache, &records, |fleet| {
        largest = largest.max(serde_json::to_vec(fleet).unwrap().len());
    })
    .await;
    assert!(
        largest <= replica_dns_core::limits::STEP_FUNCTIONS_PAYLOAD_BYTES,
        "{largest} bytes"
    );
    assert!(
        ended.groups.is_empty(),
        "handed over: {:?}",
        ended.fleet.handed_over
    );
    (ids, elasticache, records, ended)
}

#[tokio::test]
async fn an_initial_sync_of_two_hundred_groups_writes_them_all_in_rounds_within_the_payload_limit()
{
    // The runs one round carries are capped by size; the groups past it wait for the
    // next round, which plans them again: none is handed to the per-group pipeline,
    // every state stays under 256 KiB, and each round costs a listing for its plan and
    // one for its verify look, one read of the zone each, and one request.
    let (ids, elasticache, records, ended) = initial_sync_within_the_payload_limit(200).await;
    assert_eq!(ended.fleet_reports.len(), 200);
    assert!(ended
        .fleet_reports
        .iter()
        .all(|r| r.outcome == Outcome::Converged && r.applied.len() == 1));
    let rounds = ended.fleet.round as usize;
    // About 19 runs of 1+2 with 40-character ids fit a round's carry budget.
    assert!((2..=12).contains(&rounds), "{rounds} rounds");
    // One request per round, each group in exactly one of them.
    assert_eq!(batches(&records).len(), rounds);
    let mut written: Vec<&String> = ended.fleet.batches.iter().flat_map(|b| &b.groups).collect();
    written.sort();
    assert_eq!(written, ids.iter().collect::<Vec<_>>());
    assert_eq!(
        ended
            .fleet
            .batches
            .iter()
            .map(|b| b.round as usize)
            .collect::<Vec<_>>(),
        (1..=rounds).collect::<Vec<_>>()
    );
    assert_eq!(lists(&records) as usize, 2 * rounds);
    assert_eq!(
        elasticache.calls().len(),
        2 * rounds,
        "{:?}",
        elasticache.calls()
    );
}

#[tokio::test]
async fn fleet_groups_per_round_writes_a_few_groups_at_a_time_and_verifies_each_round() {
    // orders and carts share Z1: with one group per round each gets its own request,
    // sent only after the round before it verified.
    let elasticache = three_groups_available();
    let records = FakeRecords::default();
    let mut fleet = start(&GROUPS);
    fleet.fleet.tunables.fleet_groups_per_round = 1;
    let mut steps = Vec::new();
    let ended = pass_watching(fleet, &config(), &elasticache, &records, |f| {
        steps.push((f.fleet.round, f.fleet.next));
    })
    .await;
    assert_eq!(
        outcomes(&ended),
        GROUPS.map(|g| (g.to_string(), Outcome::Converged))
    );
    assert!(ended.groups.is_empty());
    assert_eq!(
        ended
            .fleet
            .batches
            .iter()
            .map(|b| (b.round, b.groups.clone()))
            .collect::<Vec<_>>(),
        [
            (1, vec!["orders".to_string()]),
            (2, vec!["carts".to_string()]),
            (3, vec!["billing".to_string()])
        ]
    );
    use FleetNext::*;
    assert_eq!(
        steps,
        [
            (1, Apply),
            (1, Wait),
            (2, Plan),
            (2, Apply),
            (2, Wait),
            (3, Plan),
            (3, Apply),
            (3, Wait),
            (3, End)
        ]
    );
}

#[tokio::test]
async fn an_initial_sync_of_five_hundred_groups_folds_finished_reports_and_stays_within_the_payload_limit(
) {
    // Past about 300 groups even compacted reports would fill the state (before: 304 KB
    // at 300 groups, and Step Functions fails a state over 256 KiB). Rounds carry only
    // what the state has room for, and plain reports are folded into counts (each is
    // whole in the log): every group is written once, none is handed over.
    let (ids, _, records, ended) = initial_sync_within_the_payload_limit(500).await;
    assert!(ended
        .fleet_reports
        .iter()
        .all(|r| r.outcome == Outcome::Converged));
    let folded = ended.fleet_tally.converged as usize;
    assert!(folded > 0, "nothing folded");
    assert_eq!(ended.fleet_tally.unchanged, 0);
    assert_eq!(ended.fleet_reports.len() + folded, 500);
    // The newest reports are the ones kept.
    assert_eq!(
        ended.fleet_reports.last().unwrap().replication_group_id,
        ids[499]
    );
    let mut written: Vec<&String> = ended.fleet.batches.iter().flat_map(|b| &b.groups).collect();
    written.sort();
    assert_eq!(written, ids.iter().collect::<Vec<_>>());
    assert_eq!(batches(&records).len(), ended.fleet.round as usize);
}
