//! The snapshot step: DescribeReplicationGroups (filtered to this group) plus each
//! member's status, into the run's topology. It starts every (re-)plan round, so it
//! also clears what the previous round left (plan, change ids, verification).
//!
//! Before the first snapshot of an SNS-started run it asks whether a newer execution
//! took the group over (core `supersede`, issue 10 item 2): one failover's notifications
//! start several executions within moments, and only the newest needs to snapshot, plan
//! and write. Asked here rather than in the filter, so that the executions of a burst
//! have all started by the time the older ones look: one ListExecutions, and one
//! DescribeReplicationGroups when a newer execution's cluster may be a member. A run that
//! stops here ends as `superseded` (the plan step passes it through, the state machine
//! reports it). Manual runs never ask here.
//!
//! It does not decide anything about records.

use replica_dns_aws::ports::{ExecutionLister, TopologySource};
use replica_dns_core::config::Config;
use replica_dns_core::supersede::{newer_may_name_a_member, source_of_execution, superseded_by};
use replica_dns_core::topology::Topology;
use replica_dns_lambda::handover::{recent_executions, supersede};
use replica_dns_lambda::startup::group_config;
use replica_dns_lambda::steps::snapshot_run;
use replica_dns_lambda::{group_span, GroupRun, HandlerError};
use tracing::Instrument;

pub use replica_dns_lambda::startup::EVENT_TOPIC_ARN_ENV;

/// Takes a fresh snapshot of the run's group, or ends the run as superseded.
pub async fn handle<T: TopologySource + Sync, E: ExecutionLister>(
    run: GroupRun,
    config: &Config,
    topology: &T,
    executions: &E,
    event_topic_arn: Option<&str>,
) -> Result<GroupRun, HandlerError> {
    let span = group_span!("snapshot", run);
    async move {
        let mut run = run;
        group_config(config, &run.replication_group_id)?;
        match handover(&run, topology, executions).await {
            Handover::To(newer) => return Ok(supersede(run, newer)),
            Handover::NoneDescribed(described) => run.described = Some(described),
            Handover::None => {}
        }
        snapshot_run(run, config, topology, event_topic_arn).await
    }
    .instrument(span)
    .await
}

/// What the check before the first snapshot found.
enum Handover {
    /// This newer execution took the group over.
    To(String),
    /// None did; the check described the group to know its members, and the snapshot
    /// completes that description instead of describing the group again.
    NoneDescribed(Topology),
    /// None did (or the run does not ask).
    None,
}

/// The newest execution that took the group over, asked before the first snapshot of an
/// SNS-started run only. The run's own source is a member (the filter resolved it to
/// this group), and so is every member of a description the filter took: a newer
/// execution for one of them decides without a lookup.
async fn handover<T: TopologySource + Sync, E: ExecutionLister>(
    run: &GroupRun,
    topology: &T,
    executions: &E,
) -> Handover {
    if run.topology.is_some() {
        return Handover::None;
    }
    let own = run.execution_id.as_str();
    let Some(source) = source_of_execution(own) else {
        return Handover::None;
    };
    let group = run.replication_group_id.as_str();
    let Some(running) = recent_executions(run, executions).await else {
        return Handover::None;
    };
    let mut known = vec![source];
    known.extend(members_of(run.described.as_ref()));
    if let Some(newer) = superseded_by(own, group, &known, run.last_write_ms, &running) {
        return Handover::To(newer.name.clone());
    }
    if run.described.is_some() || !newer_may_name_a_member(own, group, run.last_write_ms, &running)
    {
        return Handover::None;
    }
    let described = match topology.describe_members(group).await {
        Ok(described) => described,
        Err(error) => {
            tracing::warn!(%error, "could not list the group's members; going on without the supersede check");
            return Handover::None;
        }
    };
    match superseded_by(
        own,
        group,
        &members_of(Some(&described)),
        run.last_write_ms,
        &running,
    ) {
        Some(newer) => Handover::To(newer.name.clone()),
        None => Handover::NoneDescribed(described),
    }
}

fn members_of(described: Option<&Topology>) -> Vec<&str> {
    described
        .into_iter()
        .flat_map(Topology::member_ids)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use replica_dns_core::supersede::ListedExecution;
    use replica_dns_core::topology::Role;
    use replica_dns_lambda::fakes::{throttled, FakeExecutions, FakeTopology};
    use replica_dns_lambda::fixtures::{config, group_run as run, member, topology};
    use replica_dns_lambda::run::Outcome;

    fn fake() -> FakeTopology {
        FakeTopology::with([topology(
            "orders",
            vec![
                member("orders-001", Role::Primary, "available"),
                member("orders-002", Role::Replica, "modifying"),
            ],
        )])
    }

    #[tokio::test]
    async fn snapshot_records_topology_and_unavailable_members() {
        let out = handle(
            run("orders"),
            &config(),
            &fake(),
            &FakeExecutions::default(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(out.topology.unwrap().members.len(), 2);
        assert_eq!(out.awaiting, ["orders-002"]);
        assert!(out.nodes_pending);
    }

    #[tokio::test]
    async fn unconfigured_group_is_invalid_input() {
        let err = handle(
            run("billing"),
            &config(),
            &fake(),
            &FakeExecutions::default(),
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.InvalidInput");
    }

    #[tokio::test]
    async fn throttling_is_transient() {
        let fake = fake();
        fake.fail_next
            .lock()
            .unwrap()
            .push(throttled("DescribeReplicationGroups"));
        let err = handle(
            run("orders"),
            &config(),
            &fake,
            &FakeExecutions::default(),
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Transient");
    }

    #[tokio::test]
    async fn a_group_gone_from_elasticache_is_fatal() {
        let fake = FakeTopology::default();
        let err = handle(
            run("orders"),
            &config(),
            &fake,
            &FakeExecutions::default(),
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Fatal");
        assert!(
            err.message_chain().contains("orders"),
            "{}",
            err.message_chain()
        );
    }

    /// Issue 8 item 2: a topic ElastiCache marked inactive, or another topic than
    /// replica-dns', is a warning naming the group's member, the topic and what to do.
    #[tokio::test]
    async fn a_topic_elasticache_cannot_publish_to_is_a_warning_that_says_what_to_do() {
        use replica_dns_core::topology::NotificationTopic;
        use replica_dns_lambda::fixtures::TOPIC_ARN;
        let mut inactive = member("orders-002", Role::Replica, "available");
        inactive.notification = Some(NotificationTopic {
            topic_arn: TOPIC_ARN.into(),
            topic_status: "inactive".into(),
        });
        let mut elsewhere = member("orders-003", Role::Replica, "available");
        elsewhere.notification = Some(NotificationTopic {
            topic_arn: "arn:aws:sns:us-east-1:123456789012:ops".into(),
            topic_status: "active".into(),
        });
        let fake = FakeTopology::with([topology(
            "orders",
            vec![
                member("orders-001", Role::Primary, "available"),
                inactive,
                elsewhere,
            ],
        )]);
        let out = handle(
            run("orders"),
            &config(),
            &fake,
            &FakeExecutions::default(),
            Some(TOPIC_ARN),
        )
        .await
        .unwrap();
        let warnings = &out.report.warnings;
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("orders-002 notifies") && warnings[0].contains("inactive"));
        assert!(
            warnings[0].contains("--notification-topic-status active"),
            "{}",
            warnings[0]
        );
        assert!(warnings[1].contains("orders-003 notifies arn:aws:sns:us-east-1:123456789012:ops, not replica-dns' topic"), "{}", warnings[1]);
        // Without the deployment's topic known, only the inactive one is reported.
        let out = handle(
            run("orders"),
            &config(),
            &fake,
            &FakeExecutions::default(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(out.report.warnings.len(), 1, "{:?}", out.report.warnings);
    }

    #[tokio::test]
    async fn active_notifications_to_our_topic_warn_nothing() {
        let out = handle(
            run("orders"),
            &config(),
            &fake(),
            &FakeExecutions::default(),
            Some(replica_dns_lambda::fixtures::TOPIC_ARN),
        )
        .await
        .unwrap();
        assert!(out.report.warnings.is_empty(), "{:?}", out.report.warnings);
    }

    const SM_EXEC: &str = "arn:aws:states:us-east-1:123456789012:execution:replica-dns:";

    fn listed(name: &str, started_ms: i64) -> ListedExecution {
        ListedExecution {
            name: name.into(),
            execution_arn: format!("{SM_EXEC}{name}"),
            started_ms,
            ended: false,
        }
    }

    /// The run of the execution named `own` (as the trigger names SNS-started ones).
    fn run_of(own: &str) -> GroupRun {
        let mut run = run("orders");
        run.execution_id = format!("{SM_EXEC}{own}");
        run
    }

    /// Issue 10 item 2: of one failover's executions only the newest snapshots; an older
    /// one stops before its first snapshot, as cheaply as what it knows allows. Each
    /// case: this run's execution, the ones running (ms of their start), who takes over,
    /// and the ElastiCache calls made.
    #[tokio::test]
    async fn an_older_sns_run_hands_its_group_to_a_newer_execution_before_snapshotting() {
        type Case<'a> = (
            &'a str,
            &'a str,
            Vec<ListedExecution>,
            Option<&'a str>,
            Vec<&'a str>,
        );
        let cases: [Case; 8] = [
            (
                "alone: snapshots",
                "orders-002--a",
                vec![listed("orders-002--a", 10)],
                None,
                vec!["describe_group orders"],
            ),
            (
                "a newer one for the group: no ElastiCache call",
                "orders-002--a",
                vec![listed("orders-002--a", 10), listed("orders--b", 20)],
                Some("orders--b"),
                vec![],
            ),
            (
                "a newer one for its own source: no ElastiCache call",
                "orders-002--a",
                vec![listed("orders-002--a", 10), listed("orders-002--b", 20)],
                Some("orders-002--b"),
                vec![],
            ),
            (
                "a newer one for another member: the member list decides",
                "orders--a",
                vec![listed("orders--a", 10), listed("orders-001--b", 20)],
                Some("orders-001--b"),
                vec!["describe_members orders"],
            ),
            (
                "named like a member but not one: snapshots",
                "orders--a",
                vec![listed("orders--a", 10), listed("orders-009--b", 20)],
                None,
                vec!["describe_members orders", "complete_snapshot orders"],
            ),
            (
                "older ones, other groups' and manual runs: snapshots",
                "orders--a",
                vec![
                    listed("orders--a", 10),
                    listed("orders--z", 5),
                    listed("carts--b", 20),
                    listed("other-001--c", 20),
                    listed("replica-dns-cli-all-1", 30),
                ],
                None,
                vec!["describe_group orders"],
            ),
            (
                "the same millisecond: both go on",
                "orders--a",
                vec![listed("orders--a", 10), listed("orders--b", 10)],
                None,
                vec!["describe_group orders"],
            ),
            (
                "not listed yet (eventual consistency): snapshots",
                "orders--a",
                vec![listed("orders--b", 20)],
                None,
                vec!["describe_group orders"],
            ),
        ];
        for (why, own, running, expected, calls) in cases {
            let topology = fake();
            let executions = FakeExecutions::with(running);
            let out = handle(run_of(own), &config(), &topology, &executions, None)
                .await
                .unwrap();
            assert_eq!(executions.asked.lock().unwrap().len(), 1, "{why}: one list");
            assert_eq!(topology.calls(), calls, "{why}");
            assert_eq!(out.report.superseded_by.as_deref(), expected, "{why}");
            if expected.is_some() {
                assert_eq!(out.report.outcome, Outcome::Superseded, "{why}");
                assert!(out.topology.is_none() && !out.nodes_pending, "{why}");
            } else {
                assert_eq!(out.report.outcome, Outcome::Pending, "{why}");
                assert!(out.topology.is_some(), "{why}");
            }
        }
    }

    #[tokio::test]
    async fn manual_runs_and_later_rounds_never_list_and_a_failed_check_is_no_hand_over() {
        let newest = || FakeExecutions::with([listed("orders--z", i64::MAX)]);
        // A manual run (no source in its name).
        let executions = newest();
        let out = handle(
            run_of("replica-dns-cli-orders-1"),
            &config(),
            &fake(),
            &executions,
            None,
        )
        .await
        .unwrap();
        assert!(out.topology.is_some());
        assert!(executions.asked.lock().unwrap().is_empty());
        // A later round (after a conflict or a drifted verify) already has a snapshot.
        let mut again = run_of("orders--a");
        again.topology = Some(fake().describe_group("orders").await.unwrap());
        let executions = newest();
        let out = handle(again, &config(), &fake(), &executions, None)
            .await
            .unwrap();
        assert_eq!(out.report.outcome, Outcome::Pending);
        assert!(executions.asked.lock().unwrap().is_empty());
        // A failed listing, then a failed member lookup: the run snapshots.
        let executions = FakeExecutions::default();
        executions
            .fail_next
            .lock()
            .unwrap()
            .push(throttled("ListExecutions"));
        let out = handle(run_of("orders--a"), &config(), &fake(), &executions, None)
            .await
            .unwrap();
        assert!(out.topology.is_some());
        let topology = fake();
        topology
            .fail_next
            .lock()
            .unwrap()
            .push(throttled("DescribeReplicationGroups"));
        let executions =
            FakeExecutions::with([listed("orders--a", 10), listed("orders-001--b", 20)]);
        let out = handle(run_of("orders--a"), &config(), &topology, &executions, None)
            .await
            .unwrap();
        assert!(out.topology.is_some());
        assert_eq!(
            topology.calls(),
            ["describe_members orders", "describe_group orders"]
        );
    }

    /// The filter described the group to resolve a cluster's event: the snapshot
    /// completes that description (no second DescribeReplicationGroups), and its member
    /// list decides a hand-over without a lookup.
    #[tokio::test]
    async fn a_description_the_filter_took_is_completed_and_its_members_decide() {
        let mut run = run_of("orders-002--a");
        run.described = Some(fake().describe_group("orders").await.unwrap());
        let topology = fake();
        let alone = FakeExecutions::with([listed("orders-002--a", 10)]);
        let out = handle(run.clone(), &config(), &topology, &alone, None)
            .await
            .unwrap();
        assert_eq!(topology.calls(), ["complete_snapshot orders"]);
        assert!(out.topology.is_some() && out.described.is_none());

        let topology = fake();
        let newer =
            FakeExecutions::with([listed("orders-002--a", 10), listed("orders-001--b", 20)]);
        let out = handle(run, &config(), &topology, &newer, None)
            .await
            .unwrap();
        assert_eq!(out.report.superseded_by.as_deref(), Some("orders-001--b"));
        assert!(topology.calls().is_empty(), "{:?}", topology.calls());
    }
}

// The ports this handler takes are the ones core `ports::FUNCTION_PORTS` declares.
replica_dns_lambda::handler_ports_are_declared!("snapshot", handle::<FakeTopology, FakeExecutions>);
