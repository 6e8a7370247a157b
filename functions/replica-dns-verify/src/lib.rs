//! The verify step, one look per call (the state machine's Wait state provides the
//! interval, never a sleep here):
//! 1. every applied change is INSYNC (else `pending`);
//! 2. the records read back contain what the plan created and not what it deleted
//!    (else `drifted`);
//! 3. a plan against a fresh snapshot and those records is empty and final, i.e. the
//!    topology did not move meanwhile (else `drifted`);
//! 4. optionally, each name (slots, AZ-local names, the pooled name) resolves to its
//!    target, the pooled name to one of its records' targets, through the configured
//!    resolver (else `pending`: propagation) and every target Redis answers `ROLE` =
//!    replica (else `drifted`), asked over TLS and after `AUTH` as the group requires.
//!
//! When this execution wrote nothing (nothing to change, or a concurrent run had written
//! it), 1–3 are skipped and only 4 runs: see [`wrote_nothing_against`].
//!
//! It changes nothing; a `drifted` run is re-planned by the state machine. A probe that
//! cannot get into a node (TLS or authentication fails, credentials missing or
//! unusable) is not drift: re-planning would not change it, so the step fails with
//! `ReplicaDns.Fatal` and a message naming the group, the node, the secret (never its
//! value) and the server's reply.

pub mod probe;

use replica_dns_aws::ports::{ChangeStatus, RecordStore, TopologySource};
use replica_dns_aws::ErrorKind;
use replica_dns_core::config::{Config, GroupConfig};
use replica_dns_core::metrics::{ExecutionOutcome, Metric};
use replica_dns_core::plan::{effect_differences, EffectDifference, Plan};
use replica_dns_core::records::RecordSet;
use replica_dns_core::topology::Topology;
use replica_dns_lambda::fleet::{FleetNext, FleetRecords, FleetRun, FleetTopology};
use replica_dns_lambda::run::{Outcome, Verification, VerifyStatus};
use replica_dns_lambda::startup::group_config;
use replica_dns_lambda::steps::{describe_group, group_records, plan_to_apply};
use replica_dns_lambda::{group_span, metrics, GroupRun, HandlerError, VerifyBudget};
use tracing::Instrument;

pub use probe::{NameCheck, Probe, ProbeError};

/// What verify needs, built once per cold start.
pub struct Deps<T, R, P> {
    pub config: Config,
    pub topology: T,
    pub records: R,
    pub probe: P,
}

/// Verifies the run's applied plan; see the module docs for the checks.
pub async fn handle<T: TopologySource, R: RecordStore, P: Probe>(
    run: GroupRun,
    deps: &Deps<T, R, P>,
) -> Result<GroupRun, HandlerError> {
    let span = group_span!("verify", run);
    verify(run, deps).instrument(span).await
}

/// What the records read back lack or still have, one line per difference: the core's
/// [`effect_differences`] (Route 53's rules, stated once) over every change of the plan.
pub fn readback_mismatches(plan: &Plan, current: &[RecordSet]) -> Vec<String> {
    let changes = plan.batches.iter().flat_map(|b| &b.changes);
    effect_differences(current, changes)
        .into_iter()
        .map(|difference| {
            let (record, state) = match difference {
                EffectDifference::Missing(record) => (record, "is missing"),
                EffectDifference::StillThere(record) => (record, "is still there"),
            };
            format!(
                "{} {} -> {} {state}",
                record.record_type.as_str(),
                record.name,
                record.values.join(", ")
            )
        })
        .collect()
}

/// Records what this look found. A `pending` look counts as one poll and a `drifted`
/// one as one re-plan, against the run's tunables: verify keeps these budgets itself so
/// that the state machine loops through no counting states (each state entered is a
/// billed transition). A spent budget ends the group with its own errorType, which the
/// ASL catches into the `VerifyTimedOut` or `NotConverged` Fail state.
fn settle(run: &mut GroupRun, status: VerifyStatus, detail: String) -> Result<(), HandlerError> {
    tracing::info!(?status, %detail, "verification");
    let spent = match status {
        VerifyStatus::Converged => None,
        VerifyStatus::Pending => {
            run.counters.verify_polls += 1;
            (run.counters.verify_polls > run.tunables.max_verify_polls)
                .then_some((VerifyBudget::Polls, run.tunables.max_verify_polls))
        }
        VerifyStatus::Drifted => {
            run.counters.resyncs += 1;
            (run.counters.resyncs > run.tunables.max_resync_rounds)
                .then_some((VerifyBudget::Resyncs, run.tunables.max_resync_rounds))
        }
    };
    if let Some((budget, limit)) = spent {
        return Err(HandlerError::BudgetSpent {
            group: run.replication_group_id.clone(),
            budget,
            limit,
            detail,
        });
    }
    run.verify = Some(Verification { status, detail });
    Ok(())
}

async fn verify<T: TopologySource, R: RecordStore, P: Probe>(
    mut run: GroupRun,
    deps: &Deps<T, R, P>,
) -> Result<GroupRun, HandlerError> {
    let group = group_config(&deps.config, &run.replication_group_id)?;
    let applied = run.require_plan()?.clone();

    let (check, fresh) = match wrote_nothing_against(&run, &applied) {
        Some(topology) => (applied, topology),
        None => match look_again(&mut run, deps, group, &applied).await? {
            Some(found) => found,
            None => return Ok(run),
        },
    };

    let names: Vec<NameCheck> = check.groups.iter().flat_map(NameCheck::of_plan).collect();
    let findings = deps
        .probe
        .check(&names, &fresh, group)
        .await
        .map_err(|e| probe_failure(&run.replication_group_id, e))?;
    if !findings.refused.is_empty() {
        return Err(HandlerError::ProbeRefused {
            group: run.replication_group_id.clone(),
            what: format!(
                "the ROLE probe was refused (fix the credentials or the TLS trust; re-planning cannot help): {}",
                findings.refused.join("; ")
            ),
            source: None,
        });
    }
    if !findings.not_propagated.is_empty() {
        let detail = format!(
            "names not resolving to their targets yet: {}",
            findings.not_propagated.join("; ")
        );
        settle(&mut run, VerifyStatus::Pending, detail)?;
        return Ok(run);
    }
    if !findings.wrong_role.is_empty() {
        let detail = format!(
            "targets that are not replicas: {}",
            findings.wrong_role.join("; ")
        );
        settle(&mut run, VerifyStatus::Drifted, detail)?;
        return Ok(run);
    }

    run.report.conflict_retries = run.counters.conflicts;
    run.report.resync_rounds = run.counters.resyncs;
    let (outcome, ended) = if run.report.applied.is_empty() {
        (Outcome::Unchanged, ExecutionOutcome::Unchanged)
    } else {
        (Outcome::Converged, ExecutionOutcome::Converged)
    };
    run.report.outcome = outcome;
    metrics::execution_ended(&run.replication_group_id, ended);
    // An execution that ends with names still interim (its wait for nodes ran out)
    // reports how long they were interim now, or the alarm would never see it.
    if let Some(seconds) = run.end_interim(metrics::now_ms()) {
        metrics::record(
            &run.replication_group_id,
            Metric::InterimRoutingSeconds,
            seconds,
        );
    }
    let detail = format!(
        "{} names verified{}",
        names.len(),
        if findings.checked {
            " (resolved and ROLE-checked where enabled)"
        } else {
            ""
        }
    );
    settle(&mut run, VerifyStatus::Converged, detail)?;
    Ok(run)
}

/// Verify's looks at a plan this execution wrote or that had something to change:
/// nothing found yet (`None`, `run.verify` set to the verdict), or the plan against a fresh
/// snapshot and the records read back, with that snapshot.
async fn look_again<T: TopologySource, R: RecordStore, P: Probe>(
    run: &mut GroupRun,
    deps: &Deps<T, R, P>,
    group: &GroupConfig,
    applied: &Plan,
) -> Result<Option<(Plan, Topology)>, HandlerError> {
    for change_id in &run.change_ids {
        let status =
            deps.records.change_status(change_id).await.map_err(|e| {
                HandlerError::aws(format!("getting status of change {change_id}"), e)
            })?;
        if status == ChangeStatus::Pending {
            let detail = format!("change {change_id} is still PENDING");
            settle(run, VerifyStatus::Pending, detail)?;
            return Ok(None);
        }
    }

    let current = group_records(&deps.records, group).await?;
    let mismatches = readback_mismatches(applied, &current);
    if !mismatches.is_empty() {
        let detail = format!(
            "records read back differ from the plan: {}",
            mismatches.join("; ")
        );
        settle(run, VerifyStatus::Drifted, detail)?;
        return Ok(None);
    }

    let fresh = describe_group(&deps.topology, &run.replication_group_id).await?;
    let check = plan_to_apply(&deps.config, group, fresh.clone(), current)?;
    run.topology = Some(fresh.clone());
    if !check.is_empty() || !check.is_final() {
        let changes: usize = check.batches.iter().map(|b| b.changes.len()).sum();
        let detail = format!(
            "a fresh snapshot disagrees with the records ({changes} changes needed{}): planning again",
            if check.is_final() { "" } else { ", some members unavailable" }
        );
        settle(run, VerifyStatus::Drifted, detail)?;
        return Ok(None);
    }
    Ok(Some((check, fresh)))
}

/// The snapshot this execution wrote nothing against, when verify need not read again.
/// A run reaches verify without having written (no change id, no applied batch) in two
/// ways: Plan found nothing to change in its snapshot and the records read with it, or
/// Apply found every batch of the plan already in place — a concurrent run for the same
/// event wrote it — in records it read just now. Either way the records are what the
/// plan wants as of a moment ago, so step 2 has nothing to compare and step 3 would plan
/// again on the same reads (and find nothing: planning is idempotent). Only the probe
/// is left, and the run costs three AWS calls fewer (issue 10 item 1: the drift check of
/// a group in sync, the second execution of a replica added, the later executions of a
/// failover's burst). A plan still waiting for members does not qualify. A topology move
/// after that snapshot is published, and its own execution handles it.
fn wrote_nothing_against(run: &GroupRun, plan: &Plan) -> Option<Topology> {
    let wrote_nothing = run.change_ids.is_empty() && run.report.applied.is_empty();
    (wrote_nothing && plan.is_final())
        .then(|| run.topology.clone())
        .flatten()
}

/// The fleet pass's verify look, over the groups still in the pass. A carried group
/// (it wrote, or a name of it was not resolving yet) is verified as one group is,
/// with its change ids' statuses asked once each, each zone read once and the fresh
/// snapshots taken from one listing. A group that travelled as its id (nothing to
/// change at FleetPlan) gets its own snapshot and plan over those shared reads and the
/// probe; if that plan has changes now, the group moved on and is handed over.
/// Converged groups end with their reports; pending ones are carried to the next look;
/// drifted ones, and any non-transient failure, are handed over.
pub async fn handle_fleet<T, R, P>(
    fleet: FleetRun,
    deps: &Deps<T, R, P>,
    event_topic_arn: Option<&str>,
) -> Result<FleetRun, HandlerError>
where
    T: TopologySource + Sync,
    R: RecordStore + Sync,
    P: Probe + Sync,
{
    let span = tracing::info_span!("verify_fleet", execution_id = %fleet.fleet.execution_id);
    verify_fleet(fleet, deps, event_topic_arn)
        .instrument(span)
        .await
}

async fn verify_fleet<T, R, P>(
    mut fleet: FleetRun,
    deps: &Deps<T, R, P>,
    event_topic_arn: Option<&str>,
) -> Result<FleetRun, HandlerError>
where
    T: TopologySource + Sync,
    R: RecordStore + Sync,
    P: Probe + Sync,
{
    let ids = fleet.fleet.in_pass.clone();
    let shared = Deps {
        config: deps.config.clone(),
        topology: FleetTopology::new(&deps.topology, ids.clone()),
        records: FleetRecords::new(&deps.records, &deps.config, &ids),
        probe: &deps.probe,
    };
    let mut pending = false;
    for id in ids {
        let carried = fleet
            .carried
            .iter()
            .find(|r| r.replication_group_id == id)
            .cloned();
        let run = match carried {
            Some(run) => run,
            None => {
                let rebuilt = fleet
                    .snapshot_and_plan(
                        &id,
                        "verify",
                        &shared.config,
                        &shared.topology,
                        &shared.records,
                        event_topic_arn,
                    )
                    .await?;
                let Some(run) = rebuilt else {
                    continue;
                };
                if run.changes_planned || run.nodes_pending {
                    fleet.hand_over(&id, "verify: the group moved on since the fleet's plan (it has changes to make now)");
                    continue;
                }
                run
            }
        };
        let looked = handle(run, &shared).await;
        let Some(run) = fleet.settle(&id, "verify", looked)? else {
            continue;
        };
        match run.verify.as_ref().map(|v| (v.status, v.detail.clone())) {
            Some((VerifyStatus::Converged, _)) => fleet.finish(&id, run.report),
            Some((VerifyStatus::Pending, _)) => {
                pending = true;
                fleet.carry(run);
            }
            Some((VerifyStatus::Drifted, detail)) => {
                fleet.carry(run);
                fleet.hand_over(&id, format!("verify: {detail}"));
            }
            None => {
                fleet.carry(run);
                fleet.hand_over(&id, "verify: no verdict");
            }
        }
    }
    fleet.go(if pending {
        FleetNext::Wait
    } else {
        FleetNext::End
    });
    tracing::info!(
        finished = fleet.fleet_reports.len(),
        pending = fleet.carried.len(),
        handed_over = fleet.fleet.handed_over.len(),
        next = ?fleet.fleet.next,
        "fleet verified"
    );
    Ok(fleet)
}

/// The error a probe that cannot check the group ends verify with: a throttled or
/// unavailable secret store is Transient (Retry), everything else Fatal.
fn probe_failure(group: &str, error: ProbeError) -> HandlerError {
    match error {
        ProbeError::Credentials(probe::credentials::CredentialError::Read { arn, source })
            if source.kind() == ErrorKind::Transient =>
        {
            HandlerError::aws(
                format!("verify's ROLE probe of replication group {group:?}: reading secret {arn}"),
                source,
            )
        }
        error => HandlerError::ProbeRefused {
            group: group.to_owned(),
            what: "the ROLE probe has no usable configuration or credentials".to_owned(),
            source: Some(Box::new(error)),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests;

// The ports this handler takes are the ones core `ports::FUNCTION_PORTS` declares (the
// probe's: the secret store it reads AUTH credentials from).
replica_dns_lambda::handler_ports_are_declared!(
    "verify",
    handle::<FakeTopology, FakeRecords, probe::DnsRoleProbe<FakeSecrets>>
);

#[cfg(test)]
impl<S: replica_dns_lambda::fakes::PortsOf> replica_dns_lambda::fakes::PortsOf
    for probe::DnsRoleProbe<S>
{
    fn ports() -> Vec<replica_dns_core::ports::Port> {
        S::ports()
    }
}
