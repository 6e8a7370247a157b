//! The fleet pass (`{"all": true}` over two or more groups: the drift check, a resync
//! after a configuration change; issue 10 item 5): every configured group goes through
//! snapshot, plan, apply and verify *together*, so the AWS calls grow with pages and
//! hosted zones instead of groups × members — one listing of the fleet's topology, one
//! read of each zone, one Route 53 request per zone covering every group in it.
//!
//! The pass only does what it can do for all groups at once. A group that needs more —
//! it waits for replaced nodes, its batch met a conflict, verification found drift, or
//! one of its steps failed for it alone — is *handed over*: when the pass ends, the
//! state machine's per-group pipeline (the `Groups` Map) runs it from a fresh snapshot
//! with all its waits, retries and Fail states. So the pass fails an execution only
//! when the fleet-wide listing itself cannot be had, and never leaves a group unattended.
//!
//! Step Functions passes at most 256 KiB between states, so the pass does not carry
//! snapshots: a group travels as its id, and as a whole [`GroupRun`] only while it has
//! something the next step needs (changes to write, a write to verify). Plan and verify
//! take their own snapshots from one listing ([`FleetTopology`]) and read each zone
//! once ([`FleetRecords`]), running each group's own step logic over those shared reads.
//!
//! The runs to write are what grows with the fleet, so the pass goes in *rounds*: a
//! round carries as many groups with changes as fit ([`CARRY_BUDGET_BYTES`], and the
//! `fleetGroupsPerRound` tunable), writes and verifies them, and the next round plans
//! the rest again from a fresh listing. A first sync of G groups costs about G / 20
//! rounds of a few calls each (1 primary + 2 replicas: about 20 groups a round),
//! instead of handing the overflow to the per-group Map.

use std::collections::HashMap;
use std::sync::Mutex;

use replica_dns_aws::ports::{ChangeStatus, ClusterMembership, GroupSnapshots, MemberStatus};
use replica_dns_aws::ports::{RecordStore, TopologySource};
use replica_dns_aws::Error;
use replica_dns_core::config::Config;
use replica_dns_core::output::compacted_list;
use replica_dns_core::plan::bare_zone_id;
use replica_dns_core::plan::Change;
use replica_dns_core::records::{common_apex, in_subtree, normalize_name, RecordSet};
use replica_dns_core::topology::Topology;
use serde::{Deserialize, Serialize};

use tracing::Instrument;

use crate::error::{ErrorType, HandlerError};
use crate::run::{GroupRun, Outcome, Report};
use crate::steps::{plan_run, snapshot_run};
use crate::Tunables;

/// The most the runs carried between fleet states may take, in bytes of JSON: 3/8 of
/// Step Functions' 256 KiB per state ([`replica_dns_core::limits::STEP_FUNCTIONS_PAYLOAD_BYTES`]),
/// about 20 groups of 1 primary + 2 replicas with names to write (a carried run is
/// about 4.8 KB: its plan lists each change per group and per zone batch), leaving the
/// rest for the reports (250–1,900 bytes per group, compacted past
/// [`STATE_BUDGET_BYTES`]) and the handed-over runs (about 660 bytes each): an initial
/// sync of 200 groups stays within 256 KiB (tests/fleet.rs in replica-dns-verify). A
/// group past it waits for the pass's next round ([`FleetPass::next_round`]); only a
/// group that alone would exceed it is handed over to the per-group pipeline.
pub const CARRY_BUDGET_BYTES: usize =
    replica_dns_core::limits::STEP_FUNCTIONS_PAYLOAD_BYTES * 3 / 8;

/// What the fleet state may take in all, in bytes of JSON: Step Functions' 256 KiB less
/// room for the Map's reports of the handed-over groups, which replace their runs.
pub const STATE_BUDGET_BYTES: usize =
    replica_dns_core::limits::STEP_FUNCTIONS_PAYLOAD_BYTES * 7 / 8;

/// What the fleet states pass along. It starts as the filter's output for
/// `{"all": true}`; its JSON is documented in `statemachine/README.md`. The ASL's
/// `FleetNext` Choice reads `fleet.next`, `FleetWait` reads `fleet.tunables.verifyPollSeconds`, and the
/// `Groups` Map iterates `groups` — the handed-over groups — when the pass ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetRun {
    pub noop: bool,
    pub reason: String,
    pub fleet: FleetPass,
    /// The runs of groups in the pass that the next step needs whole: changes to write
    /// (plan → apply), a write or a name to verify (apply → verify, verify → verify).
    #[serde(default)]
    pub carried: Vec<GroupRun>,
    /// The reports of the groups the pass finished, in the order they finished.
    #[serde(default)]
    pub fleet_reports: Vec<Report>,
    /// Finished groups whose reports were folded into counts to keep the state within
    /// its budget ([`FleetRun::compact_reports`]); absent until one is.
    #[serde(default, skip_serializing_if = "FleetTally::is_empty")]
    pub fleet_tally: FleetTally,
    /// The handed-over groups' runs, for the per-group pipeline.
    #[serde(default)]
    pub groups: Vec<GroupRun>,
}

/// How many finished groups' reports the pass folded into counts, by outcome. Only
/// plain reports are folded — converged or unchanged, no warning, no conflict re-plan or
/// resync round — oldest first; each one is in the log line "fleet group finished" of
/// the function that finished it (verify, or plan for a dry-run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetTally {
    #[serde(default)]
    pub converged: u32,
    #[serde(default)]
    pub unchanged: u32,
}

impl FleetTally {
    pub fn is_empty(&self) -> bool {
        self.converged == 0 && self.unchanged == 0
    }

    /// Counts `report` if it is plain enough to fold (see the type's docs).
    fn fold(&mut self, report: &Report) -> bool {
        let plain =
            report.warnings.is_empty() && report.conflict_retries == 0 && report.resync_rounds == 0;
        match report.outcome {
            Outcome::Converged if plain => self.converged += 1,
            Outcome::Unchanged if plain => self.unchanged += 1,
            _ => return false,
        }
        true
    }
}

/// The pass's identity and progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetPass {
    pub execution_id: String,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub tunables: Tunables,
    /// The state the `FleetNext` Choice goes to.
    pub next: FleetNext,
    /// The groups still in the pass, in configuration order.
    #[serde(default)]
    pub in_pass: Vec<String>,
    /// Groups taken out of the pass, and why, in the order they were.
    #[serde(default)]
    pub handed_over: Vec<HandOver>,
    /// Which round of the pass this is, from 1. A round writes what fits (the carry
    /// budget, `fleetGroupsPerRound`) and verifies it; the groups that did not fit
    /// wait in [`FleetPass::next_round`] and are planned again from a fresh listing.
    #[serde(default = "first_round")]
    pub round: u32,
    /// Groups with changes that this round could not carry, in configuration order.
    #[serde(default)]
    pub next_round: Vec<String>,
    /// The Route 53 requests the pass sent.
    #[serde(default)]
    pub batches: Vec<SentBatch>,
}

fn first_round() -> u32 {
    1
}

/// Where the pass goes next (the ASL's `FleetNext` Choice matches these strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FleetNext {
    Plan,
    Apply,
    Wait,
    Verify,
    /// The pass is over: the `Groups` Map runs the handed-over groups (none: it ends).
    End,
}

impl FleetRun {
    /// The filter's output for the fleet pass over `groups` (configuration order).
    pub fn start(
        reason: &str,
        execution_id: &str,
        dry_run: bool,
        tunables: Tunables,
        groups: Vec<String>,
    ) -> Self {
        FleetRun {
            noop: false,
            reason: reason.to_string(),
            fleet: FleetPass {
                execution_id: execution_id.to_string(),
                dry_run,
                tunables,
                next: FleetNext::Plan,
                in_pass: groups,
                handed_over: Vec::new(),
                round: 1,
                next_round: Vec::new(),
                batches: Vec::new(),
            },
            carried: Vec::new(),
            fleet_reports: Vec::new(),
            fleet_tally: FleetTally::default(),
            groups: Vec::new(),
        }
    }

    /// A fresh run of `group`, as the filter would have made it for a per-group run.
    pub fn fresh_run(&self, group: &str) -> GroupRun {
        GroupRun::new(
            &self.fleet.execution_id,
            group,
            &self.reason,
            self.fleet.dry_run,
            self.fleet.tunables,
        )
    }

    /// Takes `group` out of the pass: its carried run (or a fresh one) goes to
    /// [`FleetRun::groups`] for the per-group pipeline.
    pub fn hand_over(&mut self, group: &str, why: impl Into<String>) {
        let Some(position) = self.fleet.in_pass.iter().position(|g| g == group) else {
            return;
        };
        self.fleet.in_pass.remove(position);
        let why = why.into();
        tracing::warn!(group_id = %group, %why, "handed over to the per-group pipeline");
        let run = match self.take_carried(group) {
            // The per-group pipeline starts from a fresh snapshot: what it needs of the
            // carried run (which `carry` left without its snapshot) is what it did
            // (report, interim period, counters), and the state stays small.
            Some(mut run) => {
                run.replace_plan(None);
                run
            }
            None => self.fresh_run(group),
        };
        self.groups.push(run);
        self.fleet.handed_over.push(HandOver {
            replication_group_id: group.to_string(),
            why,
        });
    }

    /// Leaves `group` to the next round: this round carries as much as it may, and the
    /// next one plans the group again from a fresh listing (its plan now would be stale
    /// by then, and carrying it is what does not fit).
    pub fn defer(&mut self, group: &str, why: &str) {
        let Some(position) = self.fleet.in_pass.iter().position(|g| g == group) else {
            return;
        };
        self.fleet.in_pass.remove(position);
        self.take_carried(group);
        tracing::info!(group_id = %group, round = self.fleet.round, %why, "left to the fleet pass's next round");
        self.fleet.next_round.push(group.to_string());
    }

    /// Ends `group` in the pass with `report`.
    /// The whole report is logged: the state may later keep it compacted, or only count
    /// it ([`FleetRun::compact_reports`]).
    pub fn finish(&mut self, group: &str, report: Report) {
        self.fleet.in_pass.retain(|g| g != group);
        self.take_carried(group);
        let json = serde_json::to_string(&report).unwrap_or_default();
        tracing::info!(group_id = %group, outcome = ?report.outcome, report = %json, "fleet group finished");
        self.fleet_reports.push(report);
    }

    /// Removes and returns `group`'s carried run.
    pub fn take_carried(&mut self, group: &str) -> Option<GroupRun> {
        let position = self
            .carried
            .iter()
            .position(|r| r.replication_group_id == group)?;
        Some(self.carried.remove(position))
    }

    /// Carries `run` to the next step (replacing an older run of its group), without its
    /// snapshot: apply does not need one, and verify takes a fresh one.
    pub fn carry(&mut self, mut run: GroupRun) {
        run.topology = None;
        self.take_carried(&run.replication_group_id);
        self.carried.push(run);
    }

    /// A fresh run of `group` through its own snapshot and plan steps over the pass's
    /// shared reads (FleetPlan, and FleetVerify for a group that travelled as its id),
    /// settled as [`FleetRun::settle`] says: `None` when the group was handed over.
    pub async fn snapshot_and_plan<T: TopologySource + Sync, R: RecordStore>(
        &mut self,
        group: &str,
        step_name: &str,
        config: &Config,
        topology: &T,
        records: &R,
        event_topic_arn: Option<&str>,
    ) -> Result<Option<GroupRun>, HandlerError> {
        let run = self.fresh_run(group);
        // Named after the calling step, as the per-group steps' spans are.
        let span = match step_name {
            "verify" => crate::group_span!("verify", run),
            _ => crate::group_span!("plan", run),
        };
        let planned = async {
            let run = snapshot_run(run, config, topology, event_topic_arn).await?;
            plan_run(run, config, records).await
        }
        .instrument(span)
        .await;
        self.settle(group, step_name, planned)
    }

    /// A step's result for one group, the way every fleet step treats it: a transient
    /// failure fails the fleet step, which the state machine retries whole (each fleet
    /// step is safe to replay); any other failure hands the group over, and the
    /// per-group pipeline meets it again with its own errorType and Fail state.
    pub fn settle(
        &mut self,
        group: &str,
        step_name: &str,
        result: Result<GroupRun, HandlerError>,
    ) -> Result<Option<GroupRun>, HandlerError> {
        match result {
            Ok(run) => Ok(Some(run)),
            Err(e) if e.error_type() == ErrorType::Transient => Err(e),
            Err(e) => {
                self.hand_over(group, format!("{step_name}: {}", e.message_chain()));
                Ok(None)
            }
        }
    }

    /// Ends a fleet step: sets where the pass goes next (`wanted` while groups remain
    /// in this round; when the round is over, the next round's plan, or the end) and
    /// makes the state fit what Step Functions passes on ([`FleetRun::fit`]).
    pub fn go(&mut self, wanted: FleetNext) {
        self.fleet.next = if !self.fleet.in_pass.is_empty() {
            wanted
        } else if self.fleet.next_round.is_empty() {
            FleetNext::End
        } else {
            self.fleet.in_pass = std::mem::take(&mut self.fleet.next_round);
            self.fleet.round += 1;
            tracing::info!(
                round = self.fleet.round,
                groups = self.fleet.in_pass.len(),
                "the fleet pass starts its next round"
            );
            FleetNext::Plan
        };
        self.fit();
    }

    /// Keeps the state within [`STATE_BUDGET_BYTES`] ([`FleetRun::compact_reports`]).
    pub fn fit(&mut self) {
        let total = self.compact_reports(STATE_BUDGET_BYTES);
        if total > STATE_BUDGET_BYTES {
            tracing::warn!(
                bytes = total,
                budget = STATE_BUDGET_BYTES,
                "the fleet state is over its budget after compacting the reports"
            );
        }
    }

    /// The bytes of runs this round may carry: [`CARRY_BUDGET_BYTES`], or what the state
    /// has left under [`STATE_BUDGET_BYTES`] once the finished groups' reports are
    /// compacted, if that is less. The reports are what accumulates over the rounds (an
    /// initial sync of 300 groups reached 304 KB when every round carried the full
    /// budget); with this, later rounds carry fewer groups instead, and a group is handed
    /// to the per-group pipeline only once the reports leave no room for it.
    pub fn carry_room(&mut self) -> usize {
        let held = self.compact_reports(STATE_BUDGET_BYTES - CARRY_BUDGET_BYTES);
        STATE_BUDGET_BYTES
            .saturating_sub(held)
            .min(CARRY_BUDGET_BYTES)
    }

    /// Shrinks the finished groups' reports until the whole state takes at most `target`
    /// bytes of JSON; returns its size. Each report is whole in the log line "fleet
    /// group finished" ([`FleetRun::finish`]), so the state may keep less:
    /// 1. largest first, a report's batches keep the number of their changes and of
    ///    their reasons instead of the lists (a group whose names were all written lists
    ///    about 1.5 KB of them; compacted, about 470 bytes with 40-character ids);
    /// 2. then, oldest first, plain reports are folded into [`FleetRun::fleet_tally`].
    ///
    /// Reports with warnings, conflicts, resyncs or another outcome are kept.
    pub fn compact_reports(&mut self, target: usize) -> usize {
        let mut total = json_size(self);
        if total <= target {
            return total;
        }
        let mut order: Vec<usize> = (0..self.fleet_reports.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(json_size(&self.fleet_reports[i])));
        for i in order {
            if total <= target {
                return total;
            }
            let before = json_size(&self.fleet_reports[i]);
            for batch in &mut self.fleet_reports[i].applied {
                if batch.changes.len() > 1 {
                    let n = batch.changes.len();
                    batch.changes = vec![compacted_list(n, "changes")];
                }
                if batch.why.len() > 1 {
                    let n = batch.why.len();
                    batch.why = vec![compacted_list(n, "reasons")];
                }
            }
            total = total.saturating_sub(before.saturating_sub(json_size(&self.fleet_reports[i])));
        }
        if total <= target {
            return total;
        }
        let tally_before = tally_bytes(&self.fleet_tally);
        let mut kept = Vec::with_capacity(self.fleet_reports.len());
        for report in std::mem::take(&mut self.fleet_reports) {
            if total > target && self.fleet_tally.fold(&report) {
                // The report and the comma before it.
                total = total.saturating_sub(json_size(&report) + 1);
            } else {
                kept.push(report);
            }
        }
        self.fleet_reports = kept;
        total + tally_bytes(&self.fleet_tally).saturating_sub(tally_before)
    }
}

/// Bytes of `value` as JSON, as Step Functions counts a state's data.
pub fn json_size(value: &impl Serialize) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX, |b| b.len())
}

/// Bytes the tally adds to the fleet state: none while empty (it is not serialized),
/// else `,"fleetTally":` and its object.
fn tally_bytes(tally: &FleetTally) -> usize {
    if tally.is_empty() {
        0
    } else {
        r#","fleetTally":"#.len() + json_size(tally)
    }
}

/// A group the pass leaves to the per-group pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandOver {
    pub replication_group_id: String,
    /// Which step handed it over and why, worded for the execution history.
    pub why: String,
}

/// One request of the fleet path, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SentBatch {
    /// The pass's round that sent it ([`FleetPass::round`]).
    #[serde(default = "first_round")]
    pub round: u32,
    pub hosted_zone_id: String,
    pub groups: Vec<String>,
    pub changes: usize,
    /// `None` when the request was not this execution's write (already in place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
}

/// Route 53 reads for one fleet step: each hosted zone is listed once (every page) —
/// below the deepest name all the pass's groups in it share, so a zone's other records
/// are not read — and every group's read of its subtree is answered from that listing;
/// each change id's status is asked once. Writes pass through.
pub struct FleetRecords<'a, R> {
    inner: &'a R,
    /// What to list of each zone: the common apex of its groups' subtrees (`None`: the
    /// whole zone, when a group has no subtree).
    apexes: HashMap<String, Option<String>>,
    zones: Mutex<HashMap<String, Vec<RecordSet>>>,
    statuses: Mutex<HashMap<String, ChangeStatus>>,
}

impl<'a, R: RecordStore + Sync> FleetRecords<'a, R> {
    /// The reads of the pass's `groups` (configured ids; others are ignored).
    pub fn new(inner: &'a R, config: &Config, groups: &[String]) -> Self {
        let mut subtrees: HashMap<String, Vec<Option<String>>> = HashMap::new();
        for group in config
            .groups
            .iter()
            .filter(|g| groups.contains(&g.replication_group_id))
        {
            subtrees
                .entry(bare_zone_id(&group.hosted_zone_id).to_string())
                .or_default()
                .push(group.records_subtree());
        }
        let apexes = subtrees
            .into_iter()
            .map(|(zone, subtrees)| {
                let apex = subtrees
                    .iter()
                    .map(|s| s.as_deref())
                    .collect::<Option<Vec<&str>>>()
                    .map(common_apex)
                    .filter(|apex| apex != ".");
                (zone, apex)
            })
            .collect();
        FleetRecords {
            inner,
            apexes,
            zones: Mutex::new(HashMap::new()),
            statuses: Mutex::new(HashMap::new()),
        }
    }

    fn is_cached(&self, zone: &str) -> bool {
        self.zones
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(zone)
    }
}

impl<R: RecordStore + Sync> RecordStore for FleetRecords<'_, R> {
    async fn list_records(
        &self,
        zone_id: &str,
        subtree: Option<&str>,
    ) -> Result<Vec<RecordSet>, Error> {
        let zone = bare_zone_id(zone_id).to_string();
        let subtree = subtree.map(normalize_name);
        let listed_apex = self.apexes.get(&zone).cloned().flatten();
        // A read the zone's listing does not cover (a group not in the pass) is its own.
        let covered = match (&listed_apex, &subtree) {
            (None, _) => self.apexes.contains_key(&zone),
            (Some(apex), Some(wanted)) => in_subtree(wanted, apex),
            (Some(_), None) => false,
        };
        if !covered {
            return self.inner.list_records(zone_id, subtree.as_deref()).await;
        }
        if !self.is_cached(&zone) {
            let listed = self
                .inner
                .list_records(zone_id, listed_apex.as_deref())
                .await?;
            self.zones
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(zone.clone(), listed);
        }
        // Each group's read copies its own records only, not the whole listing.
        let zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        let all = zones.get(&zone).map(Vec::as_slice).unwrap_or_default();
        Ok(all
            .iter()
            .filter(|r| {
                subtree
                    .as_deref()
                    .is_none_or(|apex| in_subtree(&r.name, apex))
            })
            .cloned()
            .collect())
    }

    async fn change_batch(
        &self,
        zone_id: &str,
        changes: &[Change],
        comment: &str,
    ) -> Result<String, Error> {
        self.inner.change_batch(zone_id, changes, comment).await
    }

    async fn change_status(&self, change_id: &str) -> Result<ChangeStatus, Error> {
        let known = self
            .statuses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(change_id)
            .copied();
        if let Some(status) = known {
            return Ok(status);
        }
        let status = self.inner.change_status(change_id).await?;
        self.statuses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(change_id.to_string(), status);
        Ok(status)
    }
}

/// ElastiCache reads for one fleet step: the snapshots of every group of the pass from
/// one [`TopologySource::describe_groups`], taken on the first group's read; the other
/// operations pass through.
pub struct FleetTopology<'a, T> {
    inner: &'a T,
    group_ids: Vec<String>,
    snapshots: Mutex<Option<HashMap<String, Result<Topology, Error>>>>,
}

impl<'a, T: TopologySource + Sync> FleetTopology<'a, T> {
    /// Snapshots of `group_ids`, read when the first of them is asked for.
    pub fn new(inner: &'a T, group_ids: Vec<String>) -> Self {
        FleetTopology {
            inner,
            group_ids,
            snapshots: Mutex::new(None),
        }
    }

    /// Serves the snapshots already listed (FleetPlan lists them itself, so that a
    /// failed listing fails the step instead of one group).
    pub fn listed(inner: &'a T, snapshots: GroupSnapshots) -> Self {
        FleetTopology {
            inner,
            group_ids: snapshots.iter().map(|(id, _)| id.clone()).collect(),
            snapshots: Mutex::new(Some(snapshots.into_iter().collect())),
        }
    }

    fn take_cached(&self, group_id: &str) -> Option<Result<Topology, Error>> {
        self.snapshots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .and_then(|s| s.remove(group_id))
    }
}

impl<T: TopologySource + Sync> TopologySource for FleetTopology<'_, T> {
    async fn describe_group(&self, group_id: &str) -> Result<Topology, Error> {
        let listed = self
            .snapshots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some();
        if !listed && self.group_ids.iter().any(|g| g == group_id) {
            let all = self.inner.describe_groups(&self.group_ids).await;
            // A failed listing is not tried again for every group: the others ask for
            // their own group.
            let mut cache = self.snapshots.lock().unwrap_or_else(|e| e.into_inner());
            match all {
                Ok(all) => *cache = Some(all.into_iter().collect()),
                Err(e) => {
                    *cache = Some(HashMap::new());
                    return Err(e);
                }
            }
        }
        // Each snapshot is handed out once; a second read of a group (or a group that
        // is not in the pass) is a read of its own.
        match self.take_cached(group_id) {
            Some(snapshot) => snapshot,
            None => self.inner.describe_group(group_id).await,
        }
    }

    async fn member_status(&self, cache_cluster_id: &str) -> Result<MemberStatus, Error> {
        self.inner.member_status(cache_cluster_id).await
    }

    async fn group_of_cluster(&self, cache_cluster_id: &str) -> Result<ClusterMembership, Error> {
        self.inner.group_of_cluster(cache_cluster_id).await
    }
}
