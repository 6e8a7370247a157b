//! The apply step: submits the plan as one atomic ChangeResourceRecordSets per hosted
//! zone. Each batch DELETEs the exact records the plan read and CREATEs the new ones, so
//! a concurrent writer makes Route 53 reject the whole batch; that surfaces as
//! `ReplicaDns.Conflict`, which the state machine answers with a fresh snapshot and plan.
//! A dry-run submits nothing and puts the rendered plan in the report.
//!
//! It does not wait for propagation: verify polls the change ids recorded here.
//!
//! In the fleet pass ([`handle_fleet`]) it sends the carried groups' changes as one
//! request per hosted zone (core `fleet_batches`: split only at Route 53's request
//! limits, never inside a group), so two groups in one zone cost one call.

use replica_dns_aws::ports::RecordStore;
use replica_dns_aws::ErrorKind;
use replica_dns_core::config::{Config, GroupConfig};
use replica_dns_core::metrics::{Metric, PlanFigures};
use replica_dns_core::plan::fleet::fleet_batches;
use replica_dns_core::plan::{effect_in_place, Change, ChangeBatch, Plan};
use replica_dns_core::records::common_apex;
use replica_dns_lambda::fleet::{FleetNext, FleetRun, SentBatch};
use replica_dns_lambda::run::{AppliedBatch, Phase, WrittenBy};
use replica_dns_lambda::startup::group_config;
use replica_dns_lambda::steps::{change_reasons, group_records, render_dry_run};
use replica_dns_lambda::{group_span, metrics, GroupRun, HandlerError};
use serde::{Deserialize, Serialize};
use tracing::Instrument;

/// What the ASL's Apply task sends: the run, and `$$.State.RetryCount` — how many
/// times this state was retried, so an earlier attempt may have sent the batch already.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplyRequest {
    pub run: GroupRun,
    #[serde(default)]
    pub attempt: u32,
}

/// Applies (or, in a dry-run, renders) the run's plan.
pub async fn handle<R: RecordStore>(
    request: ApplyRequest,
    config: &Config,
    records: &R,
) -> Result<GroupRun, HandlerError> {
    let ApplyRequest { run, attempt } = request;
    let span = group_span!("apply", run);
    apply(run, attempt, config, records).instrument(span).await
}

async fn apply<R: RecordStore>(
    mut run: GroupRun,
    attempt: u32,
    config: &Config,
    records: &R,
) -> Result<GroupRun, HandlerError> {
    let plan = run.require_plan()?.clone();
    let group = group_config(config, &run.replication_group_id)?;
    let phase = Phase::of(&plan);
    run.change_ids.clear();
    if run.dry_run {
        render_dry_run(&mut run)?;
        return Ok(run);
    }
    let mut written_by_this_run = false;
    for batch in plan.batches.iter().filter(|b| !b.changes.is_empty()) {
        let changes = &batch.changes;
        let comment = format!(
            "replica-dns {} {phase} plan, execution {}",
            run.replication_group_id,
            execution_name(&run.execution_id)
        );
        // Logged before it is sent: if this sandbox dies with the request in flight, the
        // log still says what this execution may have written.
        tracing::info!(zone = %batch.hosted_zone_id, changes = ?batch.changes.iter().map(Change::to_string).collect::<Vec<_>>(), %phase, "sending change batch");
        let sent = records
            .change_batch(&batch.hosted_zone_id, changes, &comment)
            .await;
        let (change_id, written_by) = match sent {
            Ok(change_id) => {
                tracing::info!(%change_id, zone = %batch.hosted_zone_id, changes = changes.len(), %phase, "change batch applied");
                run.change_ids.push(change_id.clone());
                written_by_this_run = true;
                (Some(change_id), WrittenBy::ThisAttempt)
            }
            Err(e)
                if e.kind() == ErrorKind::Conflict
                    && batch_already_applied(records, group, &batch.hosted_zone_id, changes)
                        .await? =>
            {
                let Some(written_by) = in_place_writer(attempt) else {
                    // Nothing is left to do, and it is not this execution's write.
                    tracing::info!(zone = %batch.hosted_zone_id, %phase, "change batch already in place: a concurrent run applied the same changes");
                    run.warn(format!(
                        "the {phase} changes for hosted zone {} were already in place: a concurrent run applied them",
                        batch.hosted_zone_id
                    ));
                    continue;
                };
                tracing::warn!(zone = %batch.hosted_zone_id, %phase, attempt, "change batch rejected as a conflict, but its effect is in place: an earlier attempt's response was lost; reported as applied");
                written_by_this_run = true;
                (None, written_by)
            }
            Err(e) => {
                if e.kind() == ErrorKind::Conflict {
                    metrics::count(&run.replication_group_id, Metric::Conflicts, 1);
                }
                return Err(HandlerError::aws(
                    format!(
                        "applying {} changes to hosted zone {}",
                        changes.len(),
                        batch.hosted_zone_id
                    ),
                    e,
                ));
            }
        };
        run.report.applied.push(AppliedBatch {
            phase,
            written_by,
            hosted_zone_id: batch.hosted_zone_id.clone(),
            change_id,
            changes: batch.changes.iter().map(Change::to_string).collect(),
            why: change_reasons(&plan),
        });
    }
    let now_ms = metrics::now_ms();
    if written_by_this_run {
        run.last_write_ms = Some(now_ms);
    }
    record_metrics(&mut run, &plan, written_by_this_run, now_ms);
    Ok(run)
}

/// The execution's name (the last part of its ARN), for a change batch's comment.
fn execution_name(execution_id: &str) -> &str {
    execution_id.rsplit(':').next().unwrap_or_default()
}

/// Who wrote a batch Route 53 rejected as a conflict but whose effect is in place:
/// on the first attempt someone else (the SDK never resends a batch, so a concurrent
/// replica-dns run for the same event wrote exactly this: `None`, not this
/// execution's write); on a retried attempt an earlier attempt, whose answer was lost
/// (a killed sandbox, a timeout).
fn in_place_writer(attempt: u32) -> Option<WrittenBy> {
    (attempt > 0).then_some(WrittenBy::EarlierAttempt)
}

/// What the ASL's FleetApply task sends: the fleet state, and `$$.State.RetryCount`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetApplyRequest {
    pub fleet: FleetRun,
    #[serde(default)]
    pub attempt: u32,
}

/// Applies the carried groups' plans, one request per hosted zone. A request Route 53
/// rejects as a conflict hands its groups over (the per-group pipeline re-snapshots and
/// re-plans each), unless its effect is already in place; a group whose plan is interim
/// is handed over once written, to wait for its nodes. Any other failure fails the step
/// (transient ones are retried: a replayed request meets the compare-and-swap and is
/// recognised as written by an earlier attempt).
pub async fn handle_fleet<R: RecordStore>(
    request: FleetApplyRequest,
    records: &R,
) -> Result<FleetRun, HandlerError> {
    let FleetApplyRequest { fleet, attempt } = request;
    let span =
        tracing::info_span!("apply_fleet", execution_id = %fleet.fleet.execution_id, attempt);
    apply_fleet(fleet, attempt, records).instrument(span).await
}

async fn apply_fleet<R: RecordStore>(
    mut fleet: FleetRun,
    attempt: u32,
    records: &R,
) -> Result<FleetRun, HandlerError> {
    let group_batches: Vec<(String, ChangeBatch)> = fleet
        .carried
        .iter()
        .filter_map(|run| Some((run.replication_group_id.clone(), run.plan.as_ref()?)))
        .flat_map(|(id, plan)| {
            plan.batches
                .iter()
                .map(move |b| (id.clone(), b.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let batches = match fleet_batches(group_batches.iter().map(|(g, b)| (g.as_str(), b))) {
        Ok(batches) => batches,
        Err(e) => {
            for id in group_batches
                .iter()
                .map(|(g, _)| g.clone())
                .collect::<Vec<_>>()
            {
                fleet.hand_over(&id, format!("apply: {e}"));
            }
            Vec::new()
        }
    };
    let mut wrote = false;
    for batch in batches {
        let comment = format!(
            "replica-dns fleet pass, {} group(s), execution {}",
            batch.groups.len(),
            execution_name(&fleet.fleet.execution_id)
        );
        // Logged before it is sent: if this sandbox dies with the request in flight, the
        // log still says what this execution may have written.
        tracing::info!(zone = %batch.hosted_zone_id, groups = ?batch.groups, changes = ?batch.changes.iter().map(Change::to_string).collect::<Vec<_>>(), "sending fleet change batch");
        let sent = records
            .change_batch(&batch.hosted_zone_id, &batch.changes, &comment)
            .await;
        let written = match sent {
            Ok(change_id) => Some((Some(change_id), Some(WrittenBy::ThisAttempt))),
            Err(e) if e.kind() == ErrorKind::Conflict => {
                // Only the names the request changes matter: the subtree they share.
                let apex = common_apex(batch.changes.iter().map(|c| c.record.name.as_str()));
                let now = records
                    .list_records(&batch.hosted_zone_id, Some(apex.as_str()))
                    .await
                    .map_err(|e| {
                        HandlerError::aws(
                            format!("reading back hosted zone {}", batch.hosted_zone_id),
                            e,
                        )
                    })?;
                if !effect_in_place(&now, &batch.changes) {
                    for id in &batch.groups {
                        metrics::count(id, Metric::Conflicts, 1);
                        fleet.hand_over(id, format!("apply: Route 53 rejected the fleet request for hosted zone {} (a guarded record changed meanwhile): {e}", batch.hosted_zone_id));
                    }
                    None
                } else if let Some(written_by) = in_place_writer(attempt) {
                    tracing::warn!(zone = %batch.hosted_zone_id, attempt, "fleet change batch rejected as a conflict, but its effect is in place: an earlier attempt's response was lost; reported as applied");
                    Some((None, Some(written_by)))
                } else {
                    for id in &batch.groups {
                        if let Some(run) = fleet
                            .carried
                            .iter_mut()
                            .find(|r| &r.replication_group_id == id)
                        {
                            run.warn(format!("the changes for hosted zone {} were already in place: a concurrent run applied them", batch.hosted_zone_id));
                        }
                    }
                    // Not this execution's write: nothing to report as applied.
                    Some((None, None))
                }
            }
            Err(e) => {
                return Err(HandlerError::aws(
                    format!(
                        "applying {} changes of {} group(s) to hosted zone {}",
                        batch.changes.len(),
                        batch.groups.len(),
                        batch.hosted_zone_id
                    ),
                    e,
                ))
            }
        };
        let Some((change_id, written_by)) = written else {
            continue;
        };
        fleet.fleet.batches.push(SentBatch {
            round: fleet.fleet.round,
            hosted_zone_id: batch.hosted_zone_id.clone(),
            groups: batch.groups.clone(),
            changes: batch.changes.len(),
            change_id: change_id.clone(),
        });
        let now_ms = metrics::now_ms();
        for run in fleet
            .carried
            .iter_mut()
            .filter(|r| batch.groups.contains(&r.replication_group_id))
        {
            let Some(plan) = run.plan.clone() else {
                continue;
            };
            let own: Vec<String> = plan
                .batches
                .iter()
                .filter(|b| b.hosted_zone_id == batch.hosted_zone_id)
                .flat_map(|b| b.changes.iter().map(Change::to_string))
                .collect();
            if let Some(id) = &change_id {
                run.change_ids.push(id.clone());
                wrote = true;
            }
            let by_this_run = written_by.is_some();
            if let Some(written_by) = written_by {
                run.report.applied.push(AppliedBatch {
                    phase: Phase::of(&plan),
                    written_by,
                    hosted_zone_id: batch.hosted_zone_id.clone(),
                    change_id: change_id.clone(),
                    changes: own,
                    why: change_reasons(&plan),
                });
            }
            record_metrics(run, &plan, by_this_run, now_ms);
        }
    }
    // A group whose names are interim waits for its nodes in the per-group pipeline.
    let waiting: Vec<String> = fleet
        .carried
        .iter()
        .filter(|r| r.nodes_pending)
        .map(|r| r.replication_group_id.clone())
        .collect();
    for id in waiting {
        fleet.hand_over(
            &id,
            "apply: interim plan written; it waits for its replaced nodes",
        );
    }
    fleet.go(if wrote {
        FleetNext::Wait
    } else {
        FleetNext::Verify
    });
    tracing::info!(
        requests = fleet.fleet.batches.len(),
        handed_over = fleet.fleet.handed_over.len(),
        next = ?fleet.fleet.next,
        "fleet applied"
    );
    Ok(fleet)
}

/// What this apply contributes to the metrics (core `metrics` says what each means).
/// Changes a concurrent run wrote are that run's to count; the interim period and the
/// time to safe follow the names whoever wrote them.
fn record_metrics(run: &mut GroupRun, plan: &Plan, written_by_this_run: bool, now_ms: u64) {
    let group_id = run.replication_group_id.clone();
    let Some(group_plan) = plan
        .groups
        .iter()
        .find(|g| g.replication_group_id == group_id)
    else {
        return;
    };
    let figures = PlanFigures::of(group_plan);
    if written_by_this_run {
        metrics::count(&group_id, Metric::ChangesApplied, figures.changes);
        metrics::count(&group_id, Metric::InterimRoutings, figures.interim_names);
        metrics::count(&group_id, Metric::DriftRepaired, figures.repaired_names);
    }
    if figures.moves_names_off_primary {
        if let Some(ms) = run.ms_since_notification(now_ms) {
            metrics::record(&group_id, Metric::TimeToSafe, ms as f64);
        }
    }
    if let Some(seconds) = run.note_routing(figures.interim, now_ms) {
        metrics::record(&group_id, Metric::InterimRoutingSeconds, seconds);
    }
}

/// Reads the group's records back and says whether `changes` are already in effect
/// (core `effect_in_place`, the one statement of Route 53's replay rules). A group's
/// plan only has batches for its own zone; a batch for any other zone is never taken
/// for ours (a genuine conflict).
async fn batch_already_applied<R: RecordStore>(
    records: &R,
    group: &GroupConfig,
    hosted_zone_id: &str,
    changes: &[Change],
) -> Result<bool, HandlerError> {
    if group.hosted_zone_id != hosted_zone_id {
        return Ok(false);
    }
    let now = group_records(records, group).await?;
    Ok(effect_in_place(&now, changes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use replica_dns_core::plan::{plan, PlanInput, ZoneRecords};
    use replica_dns_core::records::{RecordSet, RecordType};
    use replica_dns_core::topology::{Role, Topology};
    use replica_dns_lambda::fakes::FakeRecords;
    use replica_dns_lambda::fixtures::{self, config, member};
    use replica_dns_lambda::run::Outcome;
    use replica_dns_lambda::Tunables;

    fn topology() -> Topology {
        fixtures::topology(
            "orders",
            vec![
                member("orders-001", Role::Primary, "available"),
                member("orders-002", Role::Replica, "available"),
                member("orders-003", Role::Replica, "available"),
            ],
        )
    }

    fn planned_run(dry_run: bool, records: &[RecordSet]) -> GroupRun {
        let mut run = GroupRun::new(
            "arn:x:execution:sm:abc",
            "orders",
            "test",
            dry_run,
            Tunables::default(),
        );
        let input = PlanInput {
            topologies: vec![topology()],
            zones: vec![ZoneRecords {
                hosted_zone_id: "Z1".into(),
                records: records.to_vec(),
            }],
        };
        run.plan = Some(plan(&config(), &input).unwrap());
        run.topology = Some(topology());
        run
    }

    fn first_attempt(run: GroupRun) -> ApplyRequest {
        ApplyRequest { run, attempt: 0 }
    }

    /// A first attempt that finds its batch already in place did not write it: a
    /// concurrent run did. The report must not claim the write.
    #[tokio::test]
    async fn a_batch_a_concurrent_run_already_applied_is_not_reported_as_this_runs_write() {
        let records = FakeRecords::default();
        let run = planned_run(false, &[]);
        handle(first_attempt(run.clone()), &config(), &records)
            .await
            .unwrap();
        let other = handle(first_attempt(run), &config(), &records)
            .await
            .unwrap();
        assert!(
            other.report.applied.is_empty(),
            "{:?}",
            other.report.applied
        );
        assert!(other.change_ids.is_empty());
        assert_eq!(
            other.last_write_ms, None,
            "another run's write is not this run's"
        );
        assert!(
            other
                .report
                .warnings
                .iter()
                .any(|w| w.contains("concurrent run")),
            "{:?}",
            other.report.warnings
        );
    }

    #[tokio::test]
    async fn applies_one_batch_per_zone_and_records_the_change_id() {
        let records = FakeRecords::default();
        let out = handle(first_attempt(planned_run(false, &[])), &config(), &records)
            .await
            .unwrap();
        assert_eq!(out.change_ids.len(), 1);
        assert_eq!(records.batches.lock().unwrap().len(), 1);
        // two CNAMEs and two ownership TXTs
        assert_eq!(records.records("Z1").len(), 4);
        assert_eq!(out.report.applied[0].phase, Phase::Final);
        assert_eq!(out.report.applied[0].written_by, WrittenBy::ThisAttempt);
        // When Route 53 acknowledged it: only an execution started later takes over.
        assert!(out.last_write_ms.is_some_and(|ms| ms > 0));
        assert!(out.report.applied[0]
            .changes
            .iter()
            .any(|c| c.starts_with("CREATE CNAME replica1.orders.cache.internal. -> orders-00")));
    }

    #[tokio::test]
    async fn dry_run_applies_nothing_and_renders_the_plan() {
        let records = FakeRecords::default();
        let out = handle(first_attempt(planned_run(true, &[])), &config(), &records)
            .await
            .unwrap();
        assert!(records.batches.lock().unwrap().is_empty());
        assert!(out.change_ids.is_empty());
        assert_eq!(out.report.outcome, Outcome::DryRun);
        let table = out.report.plan_table.unwrap();
        assert!(table.contains("replica1.orders.cache.internal."), "{table}");
    }

    #[tokio::test]
    async fn a_concurrent_writer_makes_it_a_conflict_and_nothing_is_applied() {
        let records = FakeRecords::default();
        *records.before_next_batch.lock().unwrap() = Some(Box::new(|zone: &mut Vec<RecordSet>| {
            zone.push(RecordSet {
                name: "replica1.orders.cache.internal.".into(),
                record_type: RecordType::Cname,
                ttl: Some(60),
                values: vec!["someone.else.".into()],
                set_identifier: None,
                weight: None,
            })
        }));
        let err = handle(first_attempt(planned_run(false, &[])), &config(), &records)
            .await
            .unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Conflict");
        assert_eq!(records.records("Z1").len(), 1, "only the concurrent record");
    }

    #[tokio::test]
    async fn an_empty_plan_applies_nothing() {
        let records = FakeRecords::default();
        let first = handle(first_attempt(planned_run(false, &[])), &config(), &records)
            .await
            .unwrap();
        assert_eq!(first.change_ids.len(), 1);
        let again = handle(
            first_attempt(planned_run(false, &records.records("Z1"))),
            &config(),
            &records,
        )
        .await
        .unwrap();
        assert!(again.change_ids.is_empty());
        assert_eq!(records.batches.lock().unwrap().len(), 1);
    }

    /// Issue 8 item 6: the batch was applied but its response was lost, so the replay
    /// is rejected as a conflict; the report must still say this execution wrote it.
    #[tokio::test]
    async fn a_replay_of_a_batch_already_applied_is_reported_as_applied_not_a_conflict() {
        let records = FakeRecords::default();
        let run = planned_run(false, &[]);
        // The first attempt: applied, its answer lost with the sandbox.
        handle(first_attempt(run.clone()), &config(), &records)
            .await
            .unwrap();
        let replay = handle(ApplyRequest { run, attempt: 1 }, &config(), &records)
            .await
            .unwrap();
        let applied = &replay.report.applied;
        assert_eq!(applied.len(), 1, "{applied:?}");
        assert_eq!(
            applied[0].written_by,
            WrittenBy::EarlierAttempt,
            "{applied:?}"
        );
        assert!(applied[0].change_id.is_none());
        assert!(applied[0]
            .changes
            .iter()
            .any(|c| c.starts_with("CREATE CNAME replica1.orders.cache.internal.")));
        assert!(replay.change_ids.is_empty(), "no change id to poll");
        assert_eq!(records.records("Z1").len(), 4, "nothing written twice");
    }
}

// The ports this handler takes are the ones core `ports::FUNCTION_PORTS` declares.
replica_dns_lambda::handler_ports_are_declared!("apply", handle::<FakeRecords>);
