//! Unit tests of verify against in-memory ports: the plan → apply → verify path as the
//! state machine runs it, with each way verification can say "not yet" or "again".

use super::*;
use replica_dns_core::plan::{plan, plan_group, PlanInput, ZoneRecords};
use replica_dns_core::topology::{Role, Topology};
use replica_dns_lambda::fakes::{FakeRecords, FakeTopology};
use replica_dns_lambda::fixtures::{self, config, group_run, member};
use replica_dns_lambda::ErrorType;

use crate::probe::{CheckTarget, Findings, NoProbe, ProbeError};

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

/// The plan of the group with `primary` against the fake zone's records, as Plan makes it.
fn plan_of(records: &FakeRecords, primary: &str) -> Plan {
    let input = PlanInput {
        topologies: vec![topology(primary)],
        zones: vec![ZoneRecords {
            hosted_zone_id: "Z1".into(),
            records: records.records("Z1"),
        }],
    };
    plan(&config(), &input).unwrap()
}

/// Plans against the fake zone and applies the plan to it, as Plan + Apply would.
async fn applied_run(records: &FakeRecords, primary: &str) -> GroupRun {
    let mut run = group_run("orders");
    let plan = plan_of(records, primary);
    for batch in &plan.batches {
        let id = records
            .change_batch("Z1", &batch.changes, "test")
            .await
            .unwrap();
        run.change_ids.push(id);
        run.report
            .applied
            .push(replica_dns_lambda::run::AppliedBatch {
                phase: replica_dns_lambda::run::Phase::Final,
                written_by: replica_dns_lambda::run::WrittenBy::ThisAttempt,
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
async fn each_pending_look_is_a_poll_and_the_poll_after_the_budget_is_verify_timed_out() {
    let records = FakeRecords::default();
    *records.pending_polls.lock().unwrap() = 10;
    let mut run = applied_run(&records, "orders-001").await;
    run.tunables.max_verify_polls = 2;
    let deps = deps(records, topology("orders-001"));
    let out = handle(run, &deps).await.unwrap();
    assert_eq!(
        (status(&out), out.counters.verify_polls),
        (VerifyStatus::Pending, 1)
    );
    let out = handle(out, &deps).await.unwrap();
    assert_eq!(
        (status(&out), out.counters.verify_polls),
        (VerifyStatus::Pending, 2)
    );
    let error = handle(out, &deps).await.unwrap_err();
    assert_eq!(error.error_type(), ErrorType::VerifyTimedOut, "{error}");
    assert!(
        error.to_string().contains("maxVerifyPolls used up (2)"),
        "{error}"
    );
    assert!(error.to_string().contains("PENDING"), "{error}");
}

#[tokio::test]
async fn each_drifted_look_is_a_resync_and_the_one_after_the_budget_is_not_converged() {
    let records = FakeRecords::default();
    let mut run = applied_run(&records, "orders-001").await;
    run.tunables.max_resync_rounds = 1;
    // The group failed over after the plan: every look is drift.
    let deps = deps(records, topology("orders-002"));
    let out = handle(run.clone(), &deps).await.unwrap();
    assert_eq!(
        (status(&out), out.counters.resyncs),
        (VerifyStatus::Drifted, 1)
    );
    run.counters.resyncs = out.counters.resyncs;
    let error = handle(run, &deps).await.unwrap_err();
    assert_eq!(error.error_type(), ErrorType::NotConverged, "{error}");
    assert!(
        error.to_string().contains("maxResyncRounds used up (1)"),
        "{error}"
    );
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

/// A probe that answers with fixed findings, or fails.
struct Answers(fn() -> Result<Findings, ProbeError>);

impl Probe for Answers {
    async fn check(
        &self,
        _names: &[NameCheck],
        _topology: &Topology,
        _group: &replica_dns_core::config::GroupConfig,
    ) -> Result<Findings, ProbeError> {
        (self.0)()
    }
}

fn deps_with(records: FakeRecords, probe: Answers) -> Deps<FakeTopology, FakeRecords, Answers> {
    Deps {
        config: config(),
        topology: FakeTopology::with([topology("orders-001")]),
        records,
        probe,
    }
}

/// A probe finding a target that answers `ROLE` master.
fn master_found() -> Answers {
    Answers(|| {
        Ok(Findings {
            checked: true,
            wrong_role: vec!["replica1 -> 127.0.0.1:7001 answers ROLE master".into()],
            ..Findings::default()
        })
    })
}

// Also on a run that wrote nothing (verify then reads nothing again, but still probes).
#[tokio::test]
async fn a_target_answering_master_is_drift() {
    for wrote in [true, false] {
        let records = FakeRecords::default();
        let written = applied_run(&records, "orders-001").await;
        let run = if wrote {
            written
        } else {
            planned_nothing_run(&records, "orders-001")
        };
        let deps = deps_with(records, master_found());
        let out = handle(run, &deps).await.unwrap();
        assert_eq!(status(&out), VerifyStatus::Drifted, "wrote: {wrote}");
        assert!(out.verify.unwrap().detail.contains("master"));
    }
}

/// A run as Plan leaves it when the zone is already in sync: its own snapshot's topology
/// and an empty, final plan of it; nothing written.
fn planned_nothing_run(records: &FakeRecords, primary: &str) -> GroupRun {
    let mut run = group_run("orders");
    let plan = plan_of(records, primary);
    assert!(plan.is_empty() && plan.is_final(), "the zone is in sync");
    run.topology = Some(topology(primary));
    run.plan = Some(plan);
    run
}

// Issue 10 item 1: an execution that wrote nothing does not read the group and the zone
// a second time.
#[tokio::test]
async fn nothing_written_and_nothing_to_change_is_verified_without_reading_again() {
    // (run, outcome, ElastiCache calls, zone listings)
    type Case = (&'static str, Outcome, Vec<&'static str>, u32);
    let cases: [Case; 3] = [
        ("nothing to change", Outcome::Unchanged, vec![], 0),
        ("written by a concurrent run", Outcome::Unchanged, vec![], 0),
        (
            "written by this run: read back",
            Outcome::Converged,
            vec!["describe_group orders"],
            1,
        ),
    ];
    for (why, outcome, topology_calls, listings) in cases {
        let records = FakeRecords::default();
        let mut run = applied_run(&records, "orders-001").await;
        match why {
            "nothing to change" => run = planned_nothing_run(&records, "orders-001"),
            "written by a concurrent run" => {
                // Apply found the plan's changes in place: no change id, no batch.
                run.change_ids.clear();
                run.report.applied.clear();
                run.topology = Some(topology("orders-001"));
            }
            _ => {}
        }
        *records.lists.lock().unwrap() = 0;
        let ports = deps(records, topology("orders-001"));
        let out = handle(run, &ports).await.unwrap();
        assert_eq!(
            status(&out),
            VerifyStatus::Converged,
            "{why}: {:?}",
            out.verify
        );
        assert_eq!(out.report.outcome, outcome, "{why}");
        assert_eq!(ports.topology.calls(), topology_calls, "{why}");
        assert_eq!(*ports.records.lists.lock().unwrap(), listings, "{why}");
    }
}

// Issue 8, item 3: a probe that cannot authenticate is not drift to re-plan.
#[tokio::test]
async fn a_node_refusing_the_credentials_fails_verify_as_fatal_naming_the_reply() {
    let records = FakeRecords::default();
    let run = applied_run(&records, "orders-001").await;
    let deps = deps_with(
        records,
        Answers(|| {
            Ok(Findings {
                checked: true,
                refused: vec!["replica1.orders.cache.internal. -> node orders-002 (orders-002.example:6379 at 10.0.0.2): \
                     AUTH was refused: the server replied \"WRONGPASS invalid username-password pair or user is disabled.\" \
                     (credentials from secret arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth-a1B2c3)".into()],
                // Refusal wins over anything that waiting or re-planning might change.
                wrong_role: vec!["replica2 answers ROLE master".into()],
                ..Findings::default()
            })
        }),
    );
    let err = handle(run, &deps).await.unwrap_err();
    let diagnostic: lambda_runtime::Diagnostic = err.into();
    assert_eq!(diagnostic.error_type, "ReplicaDns.Fatal");
    for part in [
        "replication group \"orders\"",
        "orders-002",
        "WRONGPASS",
        "secret arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth-a1B2c3",
    ] {
        assert!(
            diagnostic.error_message.contains(part),
            "{part}: {}",
            diagnostic.error_message
        );
    }
}

#[tokio::test]
async fn auth_on_without_a_configured_secret_fails_verify_as_fatal_saying_what_to_set() {
    let records = FakeRecords::default();
    let run = applied_run(&records, "orders-001").await;
    let deps = deps_with(
        records,
        Answers(|| {
            Err(ProbeError::Access(
                replica_dns_core::security::AccessError::MissingAuthSecret {
                    group: "orders".into(),
                },
            ))
        }),
    );
    let diagnostic: lambda_runtime::Diagnostic = handle(run, &deps).await.unwrap_err().into();
    assert_eq!(diagnostic.error_type, "ReplicaDns.Fatal");
    assert!(
        diagnostic.error_message.contains("authSecretArn"),
        "{}",
        diagnostic.error_message
    );
}

#[tokio::test]
async fn a_throttled_secret_read_is_transient_and_a_denied_one_fatal() {
    use crate::probe::credentials::CredentialError;
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth-a1B2c3";
    let throttled: fn() -> Result<Findings, ProbeError> = || {
        Err(ProbeError::Credentials(CredentialError::Read {
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth-a1B2c3".into(),
            source: replica_dns_lambda::fakes::throttled("GetSecretValue"),
        }))
    };
    let denied: fn() -> Result<Findings, ProbeError> = || {
        Err(ProbeError::Credentials(CredentialError::Read {
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-auth-a1B2c3".into(),
            source: replica_dns_aws::Error::Service {
                operation: "GetSecretValue",
                kind: replica_dns_aws::ErrorKind::Fatal,
                code: "AccessDeniedException".into(),
                message: "not authorized to perform: secretsmanager:GetSecretValue".into(),
                source: "denied".into(),
            },
        }))
    };
    for (probe, expected) in [
        (throttled, "ReplicaDns.Transient"),
        (denied, "ReplicaDns.Fatal"),
    ] {
        let records = FakeRecords::default();
        let run = applied_run(&records, "orders-001").await;
        let deps = deps_with(records, Answers(probe));
        let diagnostic: lambda_runtime::Diagnostic = handle(run, &deps).await.unwrap_err().into();
        assert_eq!(
            diagnostic.error_type, expected,
            "{}",
            diagnostic.error_message
        );
        assert!(
            diagnostic.error_message.contains(arn),
            "{}",
            diagnostic.error_message
        );
    }
}

/// The scenario's configuration with AZ-local names and a pooled name.
fn config_with_az_and_pool() -> replica_dns_core::config::Config {
    let mut config = config();
    config.groups[0].az_names = Some(replica_dns_core::config::AzNamesConfig {
        template: "replica-{az}.orders.cache.internal.".into(),
    });
    config.groups[0].pooled_name = Some(replica_dns_core::config::PooledNameConfig {
        name: "pool.orders.cache.internal.".into(),
    });
    config
}

/// orders-001 (primary, us-east-1a), orders-002 (us-east-1b), orders-003 (us-east-1c),
/// each replica `available` or not as given.
fn az_topology(available_002: bool) -> Topology {
    let mut topology = topology("orders-001");
    for (m, az) in topology
        .members
        .iter_mut()
        .zip(["us-east-1a", "us-east-1b", "us-east-1c"])
    {
        m.availability_zone = Some(az.into());
    }
    if !available_002 {
        topology.members[1].cluster_status = "modifying".into();
    }
    topology
}

/// A probe that keeps the names it was asked to check and finds nothing.
#[derive(Default)]
struct Recording(std::sync::Mutex<Vec<NameCheck>>);

impl Probe for Recording {
    async fn check(
        &self,
        names: &[NameCheck],
        _topology: &Topology,
        _group: &replica_dns_core::config::GroupConfig,
    ) -> Result<Findings, ProbeError> {
        self.0.lock().unwrap().extend_from_slice(names);
        Ok(Findings {
            checked: true,
            ..Findings::default()
        })
    }
}

fn check_of(name: &str, targets: &[&str]) -> NameCheck {
    NameCheck {
        name: name.into(),
        targets: targets
            .iter()
            .map(|id| CheckTarget {
                address: format!("{id}.example"),
                cluster_id: Some((*id).into()),
            })
            .collect(),
        exclusive: true,
        expect_replica: true,
    }
}

// Issue 12 item 2: the probe is given every name of the plan, not the slots alone.
#[tokio::test]
async fn the_probe_checks_the_az_names_and_every_pool_record_besides_the_slots() {
    let records = FakeRecords::default();
    let topology = az_topology(true);
    let config = config_with_az_and_pool();
    let mut run = group_run("orders");
    let input = PlanInput {
        topologies: vec![topology.clone()],
        zones: vec![ZoneRecords {
            hosted_zone_id: "Z1".into(),
            records: records.records("Z1"),
        }],
    };
    let applied = plan(&config, &input).unwrap();
    for batch in &applied.batches {
        run.change_ids.push(
            records
                .change_batch("Z1", &batch.changes, "test")
                .await
                .unwrap(),
        );
    }
    run.plan = Some(applied);
    let deps = Deps {
        config,
        topology: FakeTopology::with([topology]),
        records,
        probe: Recording::default(),
    };

    let out = handle(run, &deps).await.unwrap();

    assert_eq!(status(&out), VerifyStatus::Converged, "{:?}", out.verify);
    assert_eq!(
        *deps.probe.0.lock().unwrap(),
        [
            check_of("replica1.orders.cache.internal.", &["orders-002"]),
            check_of("replica2.orders.cache.internal.", &["orders-003"]),
            check_of("replica-us-east-1b.orders.cache.internal.", &["orders-002"]),
            check_of("replica-us-east-1c.orders.cache.internal.", &["orders-003"]),
            // The primary's AZ has no replica: its name falls back to one elsewhere,
            // which must answer as a replica all the same.
            check_of("replica-us-east-1a.orders.cache.internal.", &["orders-002"]),
            check_of("pool.orders.cache.internal.", &["orders-002", "orders-003"]),
        ]
    );
    assert!(
        out.verify.unwrap().detail.starts_with("6 names verified"),
        "names counted"
    );
}

#[test]
fn names_the_plan_deletes_or_sends_to_the_primary_are_not_role_checked() {
    let config = config_with_az_and_pool();
    let group = &config.groups[0];
    // A first plan with orders-002 and orders-003 available, applied.
    let both = plan_group("test", group, &az_topology(true), &[]).unwrap();
    let zone = replica_dns_core::plan::apply_changes(&[], &both.changes).unwrap();

    // orders-002 becomes unavailable: its pool record leaves (not checked at all), its
    // AZ name falls back (checked as a replica).
    let one = plan_group("test", group, &az_topology(false), &zone).unwrap();
    let checks = NameCheck::of_plan(&one);
    let pool = checks
        .iter()
        .find(|c| c.name == "pool.orders.cache.internal.")
        .unwrap();
    assert_eq!(
        *pool,
        check_of("pool.orders.cache.internal.", &["orders-003"])
    );
    assert!(checks.iter().all(|c| c.expect_replica), "{checks:?}");

    // No replica at all (policy `primary`): every name at the primary endpoint, resolved
    // but not asked ROLE.
    let mut none = az_topology(false);
    none.members[2].cluster_status = "modifying".into();
    none.primary_endpoint = Some(replica_dns_core::topology::Endpoint {
        address: "orders.primary.example".into(),
        port: 6379,
    });
    let fallback = plan_group("test", group, &none, &zone).unwrap();
    let checks = NameCheck::of_plan(&fallback);
    assert!(!checks.is_empty());
    for check in &checks {
        assert!(!check.expect_replica, "{check:?}");
        assert_eq!(
            check.targets[0].address, "orders.primary.example",
            "{check:?}"
        );
    }
    let pool = checks
        .iter()
        .find(|c| c.name == "pool.orders.cache.internal.")
        .unwrap();
    assert_eq!(
        pool.targets[0].cluster_id, None,
        "the primary endpoint is no member's"
    );
}

#[test]
fn a_pool_sharing_its_name_with_foreign_weighted_records_is_not_held_to_its_own_targets() {
    let config = config_with_az_and_pool();
    let group = &config.groups[0];
    // An operator's own weighted record at the pooled name, same TTL as ours.
    let foreign = replica_dns_core::records::RecordSet {
        set_identifier: Some("canary".into()),
        weight: Some(1),
        ..replica_dns_core::records::RecordSet::cname(
            "pool.orders.cache.internal.",
            group.ttl,
            "canary.example",
        )
    };
    let planned = plan_group("test", group, &az_topology(true), &[foreign]).unwrap();
    let checks = NameCheck::of_plan(&planned);
    let pool = checks
        .iter()
        .find(|c| c.name == "pool.orders.cache.internal.")
        .unwrap();
    // The resolver may answer the canary; our records' nodes are still asked ROLE.
    assert!(!pool.exclusive);
    assert!(pool.expect_replica);
    assert_eq!(pool.targets.len(), 2);
    assert!(checks
        .iter()
        .filter(|c| c.name != "pool.orders.cache.internal.")
        .all(|c| c.exclusive));
}
