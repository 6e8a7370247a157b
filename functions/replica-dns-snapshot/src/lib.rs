//! The snapshot step: DescribeReplicationGroups (filtered to this group) plus each
//! member's status, into the run's topology. It starts every (re-)plan round, so it
//! also clears what the previous round left (plan, change ids, verification).
//!
//! It does not decide anything about records.

use replica_dns_aws::ports::TopologySource;
use replica_dns_core::config::Config;
use replica_dns_lambda::startup::group_config;
use replica_dns_lambda::steps::describe_group;
use replica_dns_lambda::{group_span, GroupRun, HandlerError};
use tracing::Instrument;

/// Takes a fresh snapshot of the run's group.
pub async fn handle<T: TopologySource>(
    run: GroupRun,
    config: &Config,
    topology: &T,
) -> Result<GroupRun, HandlerError> {
    let span = group_span!("snapshot", run);
    snapshot(run, config, topology).instrument(span).await
}

async fn snapshot<T: TopologySource>(
    mut run: GroupRun,
    config: &Config,
    topology: &T,
) -> Result<GroupRun, HandlerError> {
    group_config(config, &run.replication_group_id)?;
    let snapshot = describe_group(topology, &run.replication_group_id).await?;
    run.note_unavailable(&snapshot);
    tracing::info!(
        status = %snapshot.status,
        members = snapshot.members.len(),
        unavailable = ?run.awaiting,
        "snapshot taken"
    );
    run.topology = Some(snapshot);
    run.replace_plan(None);
    Ok(run)
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
        let out = handle(run("orders"), &config(), &fake()).await.unwrap();
        assert_eq!(out.topology.unwrap().members.len(), 2);
        assert_eq!(out.awaiting, ["orders-002"]);
        assert!(out.nodes_pending);
    }

    #[tokio::test]
    async fn unconfigured_group_is_invalid_input() {
        let err = handle(run("billing"), &config(), &fake())
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
        let err = handle(run("orders"), &config(), &fake).await.unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Transient");
    }

    #[tokio::test]
    async fn a_group_gone_from_elasticache_is_fatal() {
        let fake = FakeTopology::default();
        let err = handle(run("orders"), &config(), &fake).await.unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Fatal");
        assert!(
            err.message_chain().contains("orders"),
            "{}",
            err.message_chain()
        );
    }
}
