//! The snapshot step: DescribeReplicationGroups (filtered to this group) plus each
//! member's status, into the run's topology. It starts every (re-)plan round, so it
//! also clears what the previous round left (plan, change ids, verification).
//!
//! It does not decide anything about records.

use replica_dns_aws::ports::TopologySource;
use replica_dns_core::config::Config;
use replica_dns_lambda::steps::snapshot_run;
use replica_dns_lambda::{group_span, GroupRun, HandlerError};
use tracing::Instrument;

pub use replica_dns_lambda::startup::EVENT_TOPIC_ARN_ENV;

/// Takes a fresh snapshot of the run's group.
pub async fn handle<T: TopologySource>(
    run: GroupRun,
    config: &Config,
    topology: &T,
    event_topic_arn: Option<&str>,
) -> Result<GroupRun, HandlerError> {
    let span = group_span!("snapshot", run);
    snapshot_run(run, config, topology, event_topic_arn)
        .instrument(span)
        .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use replica_dns_core::topology::Role;
    use replica_dns_lambda::fakes::{throttled, FakeTopology};
    use replica_dns_lambda::fixtures::{config, group_run as run, member, topology};

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
        let out = handle(run("orders"), &config(), &fake(), None)
            .await
            .unwrap();
        assert_eq!(out.topology.unwrap().members.len(), 2);
        assert_eq!(out.awaiting, ["orders-002"]);
        assert!(out.nodes_pending);
    }

    #[tokio::test]
    async fn unconfigured_group_is_invalid_input() {
        let err = handle(run("billing"), &config(), &fake(), None)
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
        let err = handle(run("orders"), &config(), &fake, None)
            .await
            .unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Transient");
    }

    #[tokio::test]
    async fn a_group_gone_from_elasticache_is_fatal() {
        let fake = FakeTopology::default();
        let err = handle(run("orders"), &config(), &fake, None)
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
        let out = handle(run("orders"), &config(), &fake, Some(TOPIC_ARN))
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
        let out = handle(run("orders"), &config(), &fake, None).await.unwrap();
        assert_eq!(out.report.warnings.len(), 1, "{:?}", out.report.warnings);
    }

    #[tokio::test]
    async fn active_notifications_to_our_topic_warn_nothing() {
        let out = handle(
            run("orders"),
            &config(),
            &fake(),
            Some(replica_dns_lambda::fixtures::TOPIC_ARN),
        )
        .await
        .unwrap();
        assert!(out.report.warnings.is_empty(), "{:?}", out.report.warnings);
    }
}

// The ports this handler takes are the ones core `ports::FUNCTION_PORTS` declares.
replica_dns_lambda::handler_ports_are_declared!("snapshot", handle::<FakeTopology>);
