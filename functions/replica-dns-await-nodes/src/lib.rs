//! The await-nodes step: one look (never a sleep) at whether the members the interim
//! plan is waiting for are available yet. The state machine's Wait state provides the
//! interval; this step sets the deadline on its first call and reports when it passed.
//! Each poll asks only about the members still awaited (one DescribeCacheClusters each);
//! once they all look available, it takes a full snapshot, which decides.
//!
//! It does not plan: once nothing is pending the state machine plans again from the
//! snapshot taken here.

use std::time::{SystemTime, UNIX_EPOCH};

use replica_dns_aws::ports::{MemberStatus, TopologySource};
use replica_dns_core::config::Config;
use replica_dns_lambda::startup::group_config;
use replica_dns_lambda::steps::describe_group;
use replica_dns_lambda::{group_span, GroupRun, HandlerError};
use tracing::Instrument;

/// Seconds since the Unix epoch (the clock is read here, in `main`'s closure, so the
/// handler stays testable with any `now`).
pub fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Re-snapshots and reports which awaited members are still unavailable.
pub async fn handle<T: TopologySource>(
    run: GroupRun,
    config: &Config,
    topology: &T,
    now: u64,
) -> Result<GroupRun, HandlerError> {
    let span = group_span!("await_nodes", run);
    await_nodes(run, config, topology, now)
        .instrument(span)
        .await
}

async fn await_nodes<T: TopologySource>(
    mut run: GroupRun,
    config: &Config,
    topology: &T,
    now: u64,
) -> Result<GroupRun, HandlerError> {
    group_config(config, &run.replication_group_id)?;
    let deadline = *run
        .await_deadline_epoch
        .get_or_insert(now + u64::from(run.tunables.await_deadline_seconds));
    // Issue 10 item 1: a poll asks only about the awaited members. A member gone
    // (CacheClusterNotFound) is no longer waited for: the next plan re-homes it.
    let mut still = Vec::new();
    for id in &run.awaiting {
        let status = topology
            .member_status(id)
            .await
            .map_err(|e| HandlerError::aws(format!("describing cache cluster {id}"), e))?;
        if status != MemberStatus::NotFound && !status.is_available() {
            still.push(id.clone());
        }
    }
    if still.is_empty() {
        // Every awaited member looks ready: the full snapshot the next plan starts from
        // decides (a member ready by its status may still lack its endpoint).
        let snapshot = describe_group(topology, &run.replication_group_id).await?;
        still = run
            .awaiting
            .iter()
            .filter(|id| {
                snapshot
                    .members
                    .iter()
                    .any(|m| &m.cache_cluster_id == *id && !m.is_available())
            })
            .cloned()
            .collect();
        run.topology = Some(snapshot);
    }
    run.nodes_pending = !still.is_empty();
    run.await_deadline_exceeded = run.nodes_pending && now >= deadline;
    tracing::info!(
        waiting_for = ?still,
        seconds_left = deadline.saturating_sub(now),
        deadline_exceeded = run.await_deadline_exceeded,
        "awaited members checked"
    );
    run.awaiting = still;
    Ok(run)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use replica_dns_core::topology::{Role, Topology};
    use replica_dns_lambda::fakes::FakeTopology;
    use replica_dns_lambda::fixtures::{self, config, member};
    use replica_dns_lambda::Tunables;

    fn topology(replica_status: &str) -> Topology {
        fixtures::topology(
            "orders",
            vec![
                member("orders-001", Role::Primary, "available"),
                member("orders-002", Role::Replica, replica_status),
            ],
        )
    }

    fn waiting_run() -> GroupRun {
        let tunables = Tunables {
            await_deadline_seconds: 60,
            ..Tunables::default()
        };
        let mut run = GroupRun::new("exec", "orders", "test", false, tunables);
        run.awaiting = vec!["orders-002".into()];
        run.nodes_pending = true;
        run
    }

    #[tokio::test]
    async fn still_unavailable_member_keeps_waiting_and_sets_the_deadline_once() {
        let fake = FakeTopology::with([topology("modifying")]);
        let out = handle(waiting_run(), &config(), &fake, 1000).await.unwrap();
        assert!(out.nodes_pending);
        assert!(!out.await_deadline_exceeded);
        assert_eq!(out.await_deadline_epoch, Some(1060));
        let again = handle(out, &config(), &fake, 1030).await.unwrap();
        assert_eq!(again.await_deadline_epoch, Some(1060));
    }

    #[tokio::test]
    async fn available_member_ends_the_wait() {
        let fake = FakeTopology::with([topology("available")]);
        let out = handle(waiting_run(), &config(), &fake, 1000).await.unwrap();
        assert!(!out.nodes_pending);
        assert!(out.awaiting.is_empty());
    }

    #[tokio::test]
    async fn a_removed_member_is_not_waited_for() {
        let mut gone = topology("available");
        gone.members.pop();
        let fake = FakeTopology::with([gone]);
        let out = handle(waiting_run(), &config(), &fake, 1000).await.unwrap();
        assert!(!out.nodes_pending);
    }

    /// Issue 10 item 1: a poll asks only about the members still awaited; the run's
    /// topology stays the one the interim plan was made from.
    #[tokio::test]
    async fn a_poll_asks_only_about_the_awaited_members() {
        let fake = FakeTopology::with([topology("modifying")]);
        let out = handle(waiting_run(), &config(), &fake, 1000).await.unwrap();
        assert!(out.nodes_pending);
        assert_eq!(fake.calls(), ["member_status orders-002"]);
        assert_eq!(out.topology, None);
    }

    #[tokio::test]
    async fn once_the_awaited_members_look_ready_a_full_snapshot_decides() {
        let fake = FakeTopology::with([topology("available")]);
        let out = handle(waiting_run(), &config(), &fake, 1000).await.unwrap();
        assert_eq!(
            fake.calls(),
            ["member_status orders-002", "describe_group orders"]
        );
        assert_eq!(out.topology.unwrap().members.len(), 2);

        // Ready by its status, but the group does not list its endpoint yet: still
        // waited for.
        let mut no_endpoint = topology("available");
        no_endpoint.members[1].read_endpoint = None;
        let fake = FakeTopology::with([no_endpoint]);
        let out = handle(waiting_run(), &config(), &fake, 1000).await.unwrap();
        assert!(out.nodes_pending);
        assert_eq!(out.awaiting, ["orders-002"]);
    }

    #[tokio::test]
    async fn throttled_poll_is_transient() {
        let fake = FakeTopology::with([topology("modifying")]);
        fake.fail_next
            .lock()
            .unwrap()
            .push(replica_dns_lambda::fakes::throttled(
                "DescribeCacheClusters",
            ));
        let err = handle(waiting_run(), &config(), &fake, 1000)
            .await
            .unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Transient");
        assert!(
            err.message_chain().contains("orders-002"),
            "{}",
            err.message_chain()
        );
    }

    #[tokio::test]
    async fn past_the_deadline_it_says_so() {
        let fake = FakeTopology::with([topology("modifying")]);
        let mut run = waiting_run();
        run.await_deadline_epoch = Some(1000);
        let out = handle(run, &config(), &fake, 1001).await.unwrap();
        assert!(out.nodes_pending);
        assert!(out.await_deadline_exceeded);
    }
}

// The ports this handler takes are the ones core `ports::FUNCTION_PORTS` declares.
replica_dns_lambda::handler_ports_are_declared!("await-nodes", handle::<FakeTopology>);
