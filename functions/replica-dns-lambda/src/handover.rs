//! A run handing its group over to a newer execution (core `supersede`): the listing and
//! the ending, shared by the steps that ask. Snapshot asks before the first snapshot of
//! an SNS-started run (one failover's notifications start several executions within
//! moments, and only the newest needs to snapshot, plan and write); await-nodes asks while
//! it waits for replaced nodes, since notifications keep coming after a failover.
//!
//! A failed listing is logged and the run goes on: the check saves calls, it is never a
//! reason to fail.

use replica_dns_aws::ports::ExecutionLister;
use replica_dns_aws::sfn::state_machine_of;
use replica_dns_core::metrics::{ExecutionOutcome, Metric};
use replica_dns_core::supersede::{ListedExecution, LISTED_LOG};

use crate::run::Outcome;
use crate::{metrics, GroupRun};

/// The state machine's executions running or ended successfully since the run's own
/// started (one ListExecutions, newest first), or `None` when the run's ARN names no
/// state machine or the listing failed.
pub async fn recent_executions<E: ExecutionLister>(
    run: &GroupRun,
    executions: &E,
) -> Option<Vec<ListedExecution>> {
    let state_machine = state_machine_of(&run.execution_id)?;
    match executions
        .recent_executions(&state_machine, &run.execution_id)
        .await
    {
        Ok(running) => {
            tracing::info!(listed = running.len(), "{LISTED_LOG}");
            Some(running)
        }
        Err(error) => {
            tracing::warn!(%error, "could not list running executions; going on without the supersede check");
            None
        }
    }
}

/// Ends the run as superseded by `newer`. Names may still be interim: the period this run
/// measured is reported now (the newer run measures its own from its plan).
pub fn supersede(mut run: GroupRun, newer: String) -> GroupRun {
    tracing::info!(superseded_by = %newer, "a newer execution for the group took over: stopping");
    run.nodes_pending = false;
    run.report.outcome = Outcome::Superseded;
    run.report.superseded_by = Some(newer);
    run.report.conflict_retries = run.counters.conflicts;
    run.report.resync_rounds = run.counters.resyncs;
    metrics::execution_ended(&run.replication_group_id, ExecutionOutcome::Superseded);
    if let Some(seconds) = run.end_interim(metrics::now_ms()) {
        metrics::record(
            &run.replication_group_id,
            Metric::InterimRoutingSeconds,
            seconds,
        );
    }
    run
}

/// Whether the run already ended as superseded (the plan step then passes it through).
pub fn is_superseded(run: &GroupRun) -> bool {
    run.report.outcome == Outcome::Superseded
}
