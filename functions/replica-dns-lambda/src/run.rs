//! The per-group state ([`GroupRun`]) that the state machine passes from function to
//! function, and its parts. Its JSON shape is the I/O contract documented in
//! `statemachine/README.md`; the ASL's Choice states read `dryRun`, `changesPlanned`,
//! `nodesPending`, `awaitDeadlineExceeded`, `report.supersededBy`, `verify.status`,
//! `counters.conflicts` and `tunables.*` from it.
//!
//! Only data lives here; each function's behaviour lives in its own crate.

use replica_dns_core::plan::{Plan, Warning};
use replica_dns_core::topology::Topology;
pub use replica_dns_core::tunables::Tunables;
use serde::{Deserialize, Serialize};

use crate::error::HandlerError;

/// Loop counters: `conflicts` is incremented by the ASL's CountConflict Pass state
/// (apply failed, so it cannot count) and compared by a Choice; verify counts
/// `verifyPolls` and `resyncs` itself against the tunables (no states to pay for).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub conflicts: u32,
    pub verify_polls: u32,
    pub resyncs: u32,
}

/// What verify concluded; the ASL's `VerifyOutcome` Choice matches these strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VerifyStatus {
    /// Changes INSYNC, records read back equal the plan, a fresh snapshot agrees.
    Converged,
    /// A change is still PENDING: wait and ask again.
    Pending,
    /// The records or the topology differ from what was planned: plan again.
    Drifted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub status: VerifyStatus,
    /// For a person: what is pending or what drifted.
    pub detail: String,
}

/// How a group's run ended, for the execution output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Not finished yet (never in a finished execution's output).
    Pending,
    /// Records changed and verified.
    Converged,
    /// Nothing needed changing; verified.
    Unchanged,
    /// Dry-run: the plan was computed and shown, nothing written.
    DryRun,
    /// A newer execution for the group took over while this one waited for nodes
    /// (core `supersede`); `Report::superseded_by` names it.
    Superseded,
}

/// Which plan a batch belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Some members were unavailable: names moved off them for now, and the pipeline
    /// plans again once they are back.
    Interim,
    /// Every name where it belongs.
    Final,
}

impl Phase {
    pub fn of(plan: &Plan) -> Phase {
        if plan.is_final() {
            Phase::Final
        } else {
            Phase::Interim
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Interim => "interim",
            Phase::Final => "final",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who wrote a batch of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WrittenBy {
    /// This attempt's ChangeResourceRecordSets.
    ThisAttempt,
    /// An earlier attempt whose response was lost (a killed sandbox, a timeout); the
    /// records read back say it is in place.
    EarlierAttempt,
    /// Nobody: a dry-run shows what would be written.
    DryRun,
}

/// One change batch that was applied (or, in a dry-run, would be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedBatch {
    pub phase: Phase,
    /// Who wrote it: this attempt, an earlier attempt of the same Apply state whose
    /// answer was lost (confirmed by reading the records back), or nobody (dry-run).
    pub written_by: WrittenBy,
    pub hosted_zone_id: String,
    /// Route 53 change id; absent in a dry-run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
    /// One line per change, e.g. `CREATE CNAME replica1.cache.internal. -> orders-003…`.
    pub changes: Vec<String>,
    /// Why: one line per slot that changed, e.g. `replica1.…: re-homed from orders-001
    /// (it became the primary) -> orders-003…`.
    #[serde(default)]
    pub why: Vec<String>,
}

/// The group's element of the execution output: what changed and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub replication_group_id: String,
    /// Why this run happened (the event, or "manual resync").
    pub reason: String,
    pub dry_run: bool,
    pub outcome: Outcome,
    #[serde(default)]
    pub applied: Vec<AppliedBatch>,
    /// Things a person should know: foreign records left alone, adoption, fallbacks.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The rendered plan (dry-run), as a person reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_table: Option<String>,
    /// Re-plans after a compare-and-swap conflict (a concurrent writer), and after
    /// verification found the world moved on: copied from the counters at the end.
    #[serde(default)]
    pub conflict_retries: u32,
    #[serde(default)]
    pub resync_rounds: u32,
    /// The execution that took over (outcome `superseded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
}

/// The `{Error, Cause}` object a Catch writes into `lastError`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaughtError {
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "Cause", default)]
    pub cause: String,
}

/// Everything the state machine knows about one group's run; every function after
/// filter takes one and returns it updated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRun {
    /// `$$.Execution.Id`, logged with every line so a log search finds the run.
    pub execution_id: String,
    pub replication_group_id: String,
    pub reason: String,
    /// The SNS notification's timestamp (RFC 3339) when an event started the run: where
    /// the time-to-safe metric counts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified_at: Option<String>,
    /// Unix time in milliseconds when this run first applied an interim batch, until a
    /// final one: how long names were routed interim (metric `InterimRoutingSeconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interim_since_ms: Option<u64>,
    /// Unix time in milliseconds when Route 53 last acknowledged a batch this run wrote
    /// (apply). Only an execution started after it may take the group over (core
    /// `supersede`): an older one may have read the records before this write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_write_ms: Option<u64>,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub tunables: Tunables,
    #[serde(default)]
    pub counters: Counters,
    /// Latest snapshot (snapshot, await-nodes, verify).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<Topology>,
    /// The group as DescribeReplicationGroups listed it, member statuses not yet known:
    /// the filter's answer when it resolved a cluster's group from the group's member
    /// list. The first snapshot completes it instead of describing the group again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub described: Option<Topology>,
    /// The planner's output, serialised (plan); apply and verify read it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// The plan in force has changes to write: the ASL's PlanOutcome Choice skips
    /// Apply (a Lambda invoke and two states) when it has none. Set with the plan.
    #[serde(default)]
    pub changes_planned: bool,
    /// Some members are not available yet: the plan in force is interim, and the state
    /// machine waits for them before planning again.
    #[serde(default)]
    pub nodes_pending: bool,
    /// Cache cluster ids of those members.
    #[serde(default)]
    pub awaiting: Vec<String>,
    /// Unix time after which await-nodes stops waiting; set on its first call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub await_deadline_epoch: Option<u64>,
    #[serde(default)]
    pub await_deadline_exceeded: bool,
    /// Seconds the next WaitForNodes waits: `waitSeconds` before the first look, then
    /// grown by await-nodes after each look that finds members still pending (core
    /// `Tunables::next_await_wait`), never past the deadline.
    #[serde(default)]
    pub await_wait_seconds: u32,
    /// Route 53 change ids of the last apply, which verify polls.
    #[serde(default)]
    pub change_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<Verification>,
    pub report: Report,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<CaughtError>,
}

impl GroupRun {
    /// A fresh run for one group, as filter creates it.
    pub fn new(
        execution_id: &str,
        replication_group_id: &str,
        reason: &str,
        dry_run: bool,
        tunables: Tunables,
    ) -> Self {
        GroupRun {
            execution_id: execution_id.to_string(),
            replication_group_id: replication_group_id.to_string(),
            reason: reason.to_string(),
            notified_at: None,
            interim_since_ms: None,
            last_write_ms: None,
            dry_run,
            tunables,
            counters: Counters::default(),
            topology: None,
            described: None,
            plan: None,
            changes_planned: false,
            nodes_pending: false,
            awaiting: Vec::new(),
            await_deadline_epoch: None,
            await_deadline_exceeded: false,
            await_wait_seconds: tunables.wait_seconds,
            change_ids: Vec::new(),
            verify: None,
            report: Report {
                replication_group_id: replication_group_id.to_string(),
                reason: reason.to_string(),
                dry_run,
                outcome: Outcome::Pending,
                applied: Vec::new(),
                warnings: Vec::new(),
                plan_table: None,
                conflict_retries: 0,
                resync_rounds: 0,
                superseded_by: None,
            },
            last_error: None,
        }
    }

    /// Milliseconds from the notification that started this run to `now_ms`, if an
    /// event started it (and its timestamp is one); never negative.
    pub fn ms_since_notification(&self, now_ms: u64) -> Option<u64> {
        let notified = chrono::DateTime::parse_from_rfc3339(self.notified_at.as_deref()?).ok()?;
        let notified_ms = u64::try_from(notified.timestamp_millis()).ok()?;
        Some(now_ms.saturating_sub(notified_ms))
    }

    /// Notes that the names are routed interim from `now_ms` on (kept if they already
    /// were), or, for a final batch, ends the interim period and returns how long it
    /// lasted in seconds.
    pub fn note_routing(&mut self, interim: bool, now_ms: u64) -> Option<f64> {
        if interim {
            self.interim_since_ms.get_or_insert(now_ms);
            None
        } else {
            self.end_interim(now_ms)
        }
    }

    /// Ends the interim period, if any, and returns how long it lasted in seconds.
    pub fn end_interim(&mut self, now_ms: u64) -> Option<f64> {
        let since = self.interim_since_ms.take()?;
        Some(now_ms.saturating_sub(since) as f64 / 1000.0)
    }

    /// Records which members are unavailable in `topology` (what await-nodes waits for).
    pub fn note_unavailable(&mut self, topology: &Topology) {
        self.awaiting = topology
            .unavailable_members()
            .iter()
            .map(|m| m.cache_cluster_id.clone())
            .collect();
        self.awaiting.sort();
        self.nodes_pending = !self.awaiting.is_empty();
    }

    /// Puts `plan` in force (`None` before planning again). The change ids and the
    /// verification belong to the plan they were made for, so they go with it: verify
    /// must never poll or judge a previous plan's changes.
    pub fn replace_plan(&mut self, plan: Option<Plan>) {
        self.changes_planned = plan.as_ref().is_some_and(|p| !p.is_empty());
        self.plan = plan;
        self.change_ids.clear();
        self.verify = None;
    }

    /// The topology a step needs, or an error saying which step should have set it.
    pub fn require_topology(&self) -> Result<&Topology, HandlerError> {
        self.topology.as_ref().ok_or_else(|| {
            HandlerError::Inconsistent(format!(
                "no topology for {} (the snapshot step sets it)",
                self.replication_group_id
            ))
        })
    }

    /// The plan a step needs, or an error saying which step should have set it.
    pub fn require_plan(&self) -> Result<&Plan, HandlerError> {
        self.plan.as_ref().ok_or_else(|| {
            HandlerError::Inconsistent(format!(
                "no plan for {} (the plan step sets it)",
                self.replication_group_id
            ))
        })
    }

    /// Adds the planner's warnings to the report, worded for a person.
    pub fn warn_all(&mut self, warnings: &[Warning]) {
        for warning in warnings {
            self.warn(warning.to_string());
        }
    }

    /// Adds a warning to the report once (the same foreign record is seen on every
    /// re-plan; it is reported once).
    pub fn warn(&mut self, warning: impl Into<String>) {
        let warning = warning.into();
        if !self.report.warnings.contains(&warning) {
            self.report.warnings.push(warning);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn group_run_serialises_the_fields_the_asl_reads() {
        let run = GroupRun::new(
            "arn:x",
            "orders",
            "manual resync",
            false,
            Tunables::default(),
        );
        let value = serde_json::to_value(&run).unwrap();
        for path in [
            "/dryRun",
            "/nodesPending",
            "/awaitDeadlineExceeded",
            "/awaitWaitSeconds",
            "/counters/conflicts",
            "/counters/verifyPolls",
            "/counters/resyncs",
            "/tunables/waitSeconds",
            "/tunables/verifyPollSeconds",
            "/tunables/maxConflictRetries",
            "/tunables/maxVerifyPolls",
            "/tunables/maxResyncRounds",
            "/report/replicationGroupId",
        ] {
            assert!(value.pointer(path).is_some(), "{path} missing in {value}");
        }
        let back: GroupRun = serde_json::from_value(value).unwrap();
        assert_eq!(back, run);
    }

    #[test]
    fn time_since_the_notification_and_the_interim_period_are_measured() {
        let mut run = GroupRun::new("arn:x", "orders", "event", false, Tunables::default());
        assert_eq!(run.ms_since_notification(1_000), None);
        run.notified_at = Some("2026-12-02T09:00:00.250Z".into());
        let notified_ms = 1_796_202_000_250u64;
        assert_eq!(run.ms_since_notification(notified_ms + 420), Some(420));
        assert_eq!(
            run.ms_since_notification(0),
            Some(0),
            "a clock behind is not negative"
        );
        run.notified_at = Some("yesterday".into());
        assert_eq!(run.ms_since_notification(notified_ms), None);

        assert_eq!(run.note_routing(true, 10_000), None);
        assert_eq!(
            run.note_routing(true, 15_000),
            None,
            "the first interim batch counts"
        );
        assert_eq!(run.note_routing(false, 40_500), Some(30.5));
        assert_eq!(run.interim_since_ms, None);
        assert_eq!(
            run.note_routing(false, 50_000),
            None,
            "final after final: no period"
        );
    }

    #[test]
    fn caught_error_reads_the_catch_shape() {
        let caught: CaughtError = serde_json::from_value(json!({
            "Error": "ReplicaDns.Conflict",
            "Cause": "{\"errorType\":\"ReplicaDns.Conflict\"}"
        }))
        .unwrap();
        assert_eq!(caught.error, "ReplicaDns.Conflict");
    }

    #[test]
    fn verify_status_uses_the_strings_the_asl_matches() {
        for (status, text) in [
            (VerifyStatus::Converged, "\"converged\""),
            (VerifyStatus::Pending, "\"pending\""),
            (VerifyStatus::Drifted, "\"drifted\""),
        ] {
            assert_eq!(serde_json::to_string(&status).unwrap(), text);
        }
    }
}
