//! What replica-dns measures: the CloudWatch metrics' names, units, dimensions and
//! meaning (one home — the Lambdas emit them, the CLI prints them for the CDK's dashboard
//! and alarms, docs/metrics.md lists them), and the figures a group's plan contributes.
//! Writing them (Embedded Metric Format) is the Lambda crate's job; nothing here does I/O.

use serde::Serialize;

use crate::plan::{GroupPlan, PlanStatus, RehomeCause, SlotAction, SlotReason, Warning};

/// The CloudWatch namespace of every replica-dns metric.
pub const NAMESPACE: &str = "ReplicaDns";
/// The dimension every metric has.
pub const GROUP_DIMENSION: &str = "ReplicationGroupId";
/// The second dimension of [`Metric::Executions`].
pub const OUTCOME_DIMENSION: &str = "Outcome";

/// A CloudWatch unit, spelt as CloudWatch spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    Count,
    Milliseconds,
    Seconds,
}

/// Every metric replica-dns emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Metric {
    ChangesApplied,
    InterimRoutings,
    Conflicts,
    DriftRepaired,
    ForeignRecords,
    TopicNotActive,
    TimeToSafe,
    InterimRoutingSeconds,
    Executions,
}

/// How a group's part of an execution ended, as the [`Metric::Executions`] `Outcome`
/// dimension says it. A failed execution never reaches a Lambda that could count it:
/// Step Functions counts those (`AWS/States` `ExecutionsFailed`, per state machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ExecutionOutcome {
    /// Records changed and verified.
    Converged,
    /// Nothing needed changing; verified.
    Unchanged,
    /// A dry-run: planned and reported, nothing written.
    DryRun,
    /// Stopped waiting because a newer execution for the group took over (core
    /// `supersede`): its snapshots come after every event this one handled.
    Superseded,
}

impl ExecutionOutcome {
    pub const ALL: [ExecutionOutcome; 4] = [
        ExecutionOutcome::Converged,
        ExecutionOutcome::Unchanged,
        ExecutionOutcome::DryRun,
        ExecutionOutcome::Superseded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ExecutionOutcome::Converged => "Converged",
            ExecutionOutcome::Unchanged => "Unchanged",
            ExecutionOutcome::DryRun => "DryRun",
            ExecutionOutcome::Superseded => "Superseded",
        }
    }
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::ChangesApplied,
        Metric::InterimRoutings,
        Metric::Conflicts,
        Metric::DriftRepaired,
        Metric::ForeignRecords,
        Metric::TopicNotActive,
        Metric::TimeToSafe,
        Metric::InterimRoutingSeconds,
        Metric::Executions,
    ];

    /// The metric's name in CloudWatch.
    pub fn name(self) -> &'static str {
        match self {
            Metric::ChangesApplied => "ChangesApplied",
            Metric::InterimRoutings => "InterimRoutings",
            Metric::Conflicts => "Conflicts",
            Metric::DriftRepaired => "DriftRepaired",
            Metric::ForeignRecords => "ForeignRecords",
            Metric::TopicNotActive => "TopicNotActive",
            Metric::TimeToSafe => "TimeToSafe",
            Metric::InterimRoutingSeconds => "InterimRoutingSeconds",
            Metric::Executions => "Executions",
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Metric::TimeToSafe => Unit::Milliseconds,
            Metric::InterimRoutingSeconds => Unit::Seconds,
            _ => Unit::Count,
        }
    }

    pub fn dimensions(self) -> &'static [&'static str] {
        match self {
            Metric::Executions => &[GROUP_DIMENSION, OUTCOME_DIMENSION],
            _ => &[GROUP_DIMENSION],
        }
    }

    /// What the metric means and who emits it, for the docs, the dashboard and the CLI.
    pub fn description(self) -> &'static str {
        match self {
            Metric::ChangesApplied => {
                "Route 53 changes (one per CREATE or DELETE) applied for the group; emitted by apply after each batch Route 53 accepted."
            }
            Metric::InterimRoutings => {
                "Names routed to another replica for now because their home is not available (one per name, per applied batch); emitted by apply."
            }
            Metric::Conflicts => {
                "Compare-and-swap conflicts: Route 53 refused a batch because the records changed since they were read (another writer); the pipeline re-plans. Emitted by apply."
            }
            Metric::DriftRepaired => {
                "Names whose records did not look as replica-dns left them (edited or deleted by hand, TXT copied) and were rewritten; emitted by apply."
            }
            Metric::ForeignRecords => {
                "Records at a managed name that replica-dns does not own and leaves alone (each is a warning in the report); emitted by plan."
            }
            Metric::TopicNotActive => {
                "1 when some member notifies a topic that is not active, another topic than replica-dns', or none (events will not arrive); 0 otherwise. Emitted by every snapshot."
            }
            Metric::TimeToSafe => {
                "From the notification's timestamp to the applied batch that moved the group's names off the node that became primary; emitted by apply."
            }
            Metric::InterimRoutingSeconds => {
                "How long names were routed interim in an execution, from the first interim plan to the final batch (or the end of the execution); emitted by apply, verify or await-nodes."
            }
            Metric::Executions => {
                "A group's part of an execution that ended, by Outcome (Converged, Unchanged, DryRun, Superseded: a newer execution for the group took over); emitted by verify, apply, snapshot or await-nodes. Failed executions are AWS/States ExecutionsFailed."
            }
        }
    }
}

/// One metric as the CLI prints it for the CDK.
#[derive(Debug, Clone, Serialize)]
pub struct MetricSpec {
    pub name: &'static str,
    pub unit: Unit,
    pub dimensions: &'static [&'static str],
    pub description: &'static str,
}

/// The whole catalogue, as `replica-dns metrics` prints it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Catalogue {
    pub namespace: &'static str,
    pub metrics: Vec<MetricSpec>,
    /// The values of each dimension that is not a group id.
    pub dimension_values: DimensionValues,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionValues {
    #[serde(rename = "Outcome")]
    pub outcome: Vec<&'static str>,
}

/// Every metric with its unit, dimensions and description.
pub fn catalogue() -> Catalogue {
    Catalogue {
        namespace: NAMESPACE,
        metrics: Metric::ALL
            .iter()
            .map(|&metric| MetricSpec {
                name: metric.name(),
                unit: metric.unit(),
                dimensions: metric.dimensions(),
                description: metric.description(),
            })
            .collect(),
        dimension_values: DimensionValues {
            outcome: ExecutionOutcome::ALL.iter().map(|o| o.name()).collect(),
        },
    }
}

/// What applying one group's plan contributes to the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanFigures {
    /// Route 53 changes in the group's share of the batch.
    pub changes: u64,
    /// Names routed interim by this plan.
    pub interim_names: u64,
    /// Names rewritten because they drifted from what replica-dns wrote.
    pub repaired_names: u64,
    /// Foreign records the plan leaves alone.
    pub foreign_records: u64,
    /// Some name moves off a node that became the primary (a failover's batch).
    pub moves_names_off_primary: bool,
    /// The plan is interim (names return once nodes are available).
    pub interim: bool,
}

impl PlanFigures {
    pub fn of(plan: &GroupPlan) -> Self {
        let changing = || plan.slots.iter().filter(|s| s.action != SlotAction::None);
        PlanFigures {
            changes: plan.changes.len() as u64,
            interim_names: plan
                .slots
                .iter()
                .filter(|s| matches!(s.reason, SlotReason::Interim { .. }))
                .count() as u64,
            repaired_names: changing()
                .filter(|s| matches!(s.reason, SlotReason::Repaired { .. }))
                .count() as u64,
            foreign_records: plan
                .warnings
                .iter()
                .filter(|w| matches!(w, Warning::ForeignRecord { .. }))
                .count() as u64,
            moves_names_off_primary: changing().any(|s| {
                matches!(
                    s.reason,
                    SlotReason::Rehomed {
                        why: RehomeCause::HomeBecamePrimary,
                        ..
                    }
                )
            }),
            interim: matches!(plan.status, PlanStatus::Interim { .. }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_a_distinct_name_and_a_description() {
        let names: std::collections::BTreeSet<_> = Metric::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), Metric::ALL.len());
        assert!(Metric::ALL.iter().all(|m| m.description().len() > 40));
        assert!(Metric::ALL
            .iter()
            .all(|m| m.dimensions().first() == Some(&GROUP_DIMENSION)));
    }

    #[test]
    fn the_catalogue_prints_units_as_cloudwatch_spells_them() {
        let json = serde_json::to_value(catalogue()).unwrap();
        assert_eq!(json["namespace"], "ReplicaDns");
        let time_to_safe = json["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "TimeToSafe")
            .unwrap();
        assert_eq!(time_to_safe["unit"], "Milliseconds");
        assert_eq!(time_to_safe["dimensions"][0], "ReplicationGroupId");
        assert_eq!(
            json["dimensionValues"]["Outcome"],
            serde_json::json!(["Converged", "Unchanged", "DryRun", "Superseded"])
        );
    }
}
