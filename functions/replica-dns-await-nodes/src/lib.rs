//! The await-nodes step: one look (never a sleep) at whether the members the interim
//! plan is waiting for are available yet. The state machine's Wait state provides the
//! interval; this step sets the deadline on its first call and reports when it passed.
//! Each poll asks only about the members still awaited (one DescribeCacheClusters each);
//! once they all look available, it takes a full snapshot, which decides. Each poll that
//! finds them still pending lengthens the next wait (`awaitWaitSeconds`: doubled from
//! `waitSeconds`, core `Tunables::next_await_wait`), never past the deadline.
//!
//! It also stops an execution whose group a newer execution took over (core
//! `supersede`): on its first poll, before any ElastiCache call, and once the awaited
//! members look ready by their status, before the full snapshot the state machine would
//! plan again from. Both checks are one ListExecutions; a failed check is logged and the
//! run goes on (the check saves calls, it is never a reason to fail).
//!
//! It does not plan: once nothing is pending the state machine plans again from the
//! snapshot taken here.

use std::time::{SystemTime, UNIX_EPOCH};

use replica_dns_aws::ports::{ExecutionLister, MemberStatus, TopologySource};
use replica_dns_core::config::Config;
use replica_dns_core::supersede::superseded_by;
use replica_dns_core::topology::Topology;
use replica_dns_lambda::handover::{recent_executions, supersede};
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

/// Re-snapshots and reports which awaited members are still unavailable, or that a
/// newer execution took the group over.
pub async fn handle<T: TopologySource, E: ExecutionLister>(
    run: GroupRun,
    config: &Config,
    topology: &T,
    executions: &E,
    now: u64,
) -> Result<GroupRun, HandlerError> {
    let span = group_span!("await_nodes", run);
    await_nodes(run, config, topology, executions, now)
        .instrument(span)
        .await
}

/// The name of the newest running execution that took this run's group over, if any.
async fn newer_execution<E: ExecutionLister>(run: &GroupRun, executions: &E) -> Option<String> {
    let running = recent_executions(run, executions).await?;
    let members: Vec<&str> = run.topology.iter().flat_map(Topology::member_ids).collect();
    superseded_by(
        &run.execution_id,
        &run.replication_group_id,
        &members,
        run.last_write_ms,
        &running,
    )
    .map(|e| e.name.clone())
}

async fn await_nodes<T: TopologySource, E: ExecutionLister>(
    mut run: GroupRun,
    config: &Config,
    topology: &T,
    executions: &E,
    now: u64,
) -> Result<GroupRun, HandlerError> {
    group_config(config, &run.replication_group_id)?;
    let first_poll = run.await_deadline_epoch.is_none();
    if first_poll {
        if let Some(newer) = newer_execution(&run, executions).await {
            return Ok(supersede(run, newer));
        }
    }
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
        // Every awaited member looks ready. A newer execution that took the group over
        // (running, or already done: a replaced node's CacheNodeReplaceComplete often
        // finishes the job first) ends this run before it snapshots again.
        if !first_poll {
            if let Some(newer) = newer_execution(&run, executions).await {
                return Ok(supersede(run, newer));
            }
        }
        // Otherwise the full snapshot the next plan starts from decides (a member ready
        // by its status may still lack its endpoint).
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
    // The next wait grows while members stay pending, and never sleeps past the deadline
    // (the look after it reports it); a wait that ends starts from waitSeconds again.
    run.await_wait_seconds = if run.nodes_pending {
        let grown = run.tunables.next_await_wait(run.await_wait_seconds);
        let left = u32::try_from(deadline.saturating_sub(now)).unwrap_or(u32::MAX);
        grown.min(left.max(1))
    } else {
        run.tunables.wait_seconds
    };
    tracing::info!(
        waiting_for = ?still,
        next_wait_seconds = run.await_wait_seconds,
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
    use replica_dns_core::supersede::ListedExecution;
    use replica_dns_core::topology::{Role, Topology};
    use replica_dns_lambda::fakes::{FakeExecutions, FakeTopology};
    use replica_dns_lambda::fixtures::{self, config, member};
    use replica_dns_lambda::run::Outcome;
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

    const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:replica-dns";

    fn execution(name: &str, started_ms: i64) -> ListedExecution {
        ListedExecution {
            name: name.into(),
            execution_arn: format!(
                "arn:aws:states:us-east-1:123456789012:execution:replica-dns:{name}"
            ),
            started_ms,
            ended: false,
        }
    }

    /// No other execution runs: only this run's own.
    fn no_one() -> FakeExecutions {
        FakeExecutions::with([execution("orders--m1", 10)])
    }

    fn waiting_run() -> GroupRun {
        let tunables = Tunables {
            await_deadline_seconds: 60,
            ..Tunables::default()
        };
        let own = execution("orders--m1", 10).execution_arn;
        let mut run = GroupRun::new(&own, "orders", "test", false, tunables);
        run.awaiting = vec!["orders-002".into()];
        run.nodes_pending = true;
        run
    }

    #[tokio::test]
    async fn still_unavailable_member_keeps_waiting_and_sets_the_deadline_once() {
        let fake = FakeTopology::with([topology("modifying")]);
        let out = handle(waiting_run(), &config(), &fake, &no_one(), 1000)
            .await
            .unwrap();
        assert!(out.nodes_pending);
        assert!(!out.await_deadline_exceeded);
        assert_eq!(out.await_deadline_epoch, Some(1060));
        let again = handle(out, &config(), &fake, &no_one(), 1030)
            .await
            .unwrap();
        assert_eq!(again.await_deadline_epoch, Some(1060));
    }

    /// Issue 10 item 1: the waits for a replaced node grow, so a long replacement costs
    /// fewer polls; never past the deadline; a wait that ends starts again from
    /// waitSeconds.
    #[tokio::test]
    async fn each_look_at_a_pending_member_lengthens_the_next_wait_up_to_the_deadline() {
        let fake = FakeTopology::with([topology("modifying")]);
        let mut run = waiting_run();
        run.tunables.await_deadline_seconds = 200;
        assert_eq!(run.await_wait_seconds, 15);
        let mut waits = Vec::new();
        let mut now = 1000;
        for _ in 0..5 {
            run = handle(run, &config(), &fake, &no_one(), now).await.unwrap();
            waits.push(run.await_wait_seconds);
            now += u64::from(run.await_wait_seconds);
        }
        // Deadline 1200: doubled to 4 x 15, then what is left (50 s), then 1 s for the
        // look that reports the deadline passed.
        assert_eq!(waits, [30, 60, 60, 50, 1]);
        assert!(run.await_deadline_exceeded);
        fake.set(topology("available"));
        let out = handle(run, &config(), &fake, &no_one(), now).await.unwrap();
        assert!(!out.nodes_pending);
        assert_eq!(out.await_wait_seconds, 15);
    }

    #[tokio::test]
    async fn available_member_ends_the_wait() {
        let fake = FakeTopology::with([topology("available")]);
        let out = handle(waiting_run(), &config(), &fake, &no_one(), 1000)
            .await
            .unwrap();
        assert!(!out.nodes_pending);
        assert!(out.awaiting.is_empty());
    }

    #[tokio::test]
    async fn a_removed_member_is_not_waited_for() {
        let mut gone = topology("available");
        gone.members.pop();
        let fake = FakeTopology::with([gone]);
        let out = handle(waiting_run(), &config(), &fake, &no_one(), 1000)
            .await
            .unwrap();
        assert!(!out.nodes_pending);
    }

    /// Issue 10 item 1: a poll asks only about the members still awaited; the run's
    /// topology stays the one the interim plan was made from.
    #[tokio::test]
    async fn a_poll_asks_only_about_the_awaited_members() {
        let fake = FakeTopology::with([topology("modifying")]);
        let out = handle(waiting_run(), &config(), &fake, &no_one(), 1000)
            .await
            .unwrap();
        assert!(out.nodes_pending);
        assert_eq!(fake.calls(), ["member_status orders-002"]);
        assert_eq!(out.topology, None);
    }

    #[tokio::test]
    async fn once_the_awaited_members_look_ready_a_full_snapshot_decides() {
        let fake = FakeTopology::with([topology("available")]);
        let out = handle(waiting_run(), &config(), &fake, &no_one(), 1000)
            .await
            .unwrap();
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
        let out = handle(waiting_run(), &config(), &fake, &no_one(), 1000)
            .await
            .unwrap();
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
        let err = handle(waiting_run(), &config(), &fake, &no_one(), 1000)
            .await
            .unwrap_err();
        assert_eq!(err.error_type().as_str(), "ReplicaDns.Transient");
        assert!(
            err.message_chain().contains("orders-002"),
            "{}",
            err.message_chain()
        );
    }

    /// Issue 10 item 2: a newer execution for the group (named after the group or one of
    /// its clusters) takes over on the first poll, before any ElastiCache call.
    #[tokio::test]
    async fn a_newer_execution_for_the_group_takes_over_on_the_first_poll() {
        let fake = FakeTopology::with([topology("modifying")]);
        let newer =
            FakeExecutions::with([execution("orders--m1", 10), execution("orders-002--m2", 20)]);
        // The members are those of the snapshot the run planned from.
        let mut run = waiting_run();
        run.topology = Some(topology("modifying"));
        let out = handle(run, &config(), &fake, &newer, 1000).await.unwrap();
        assert_eq!(out.report.outcome, Outcome::Superseded);
        assert_eq!(out.report.superseded_by.as_deref(), Some("orders-002--m2"));
        assert!(!out.nodes_pending);
        assert!(fake.calls().is_empty(), "{:?}", fake.calls());
        assert_eq!(*newer.asked.lock().unwrap(), [SM]);
    }

    #[tokio::test]
    async fn later_polls_ask_only_once_the_members_look_ready() {
        let mut run = waiting_run();
        run.await_deadline_epoch = Some(2000);
        let newer =
            FakeExecutions::with([execution("orders--m1", 10), execution("orders--m2", 20)]);
        let still = FakeTopology::with([topology("modifying")]);
        let out = handle(run.clone(), &config(), &still, &newer, 1000)
            .await
            .unwrap();
        assert!(out.nodes_pending);
        assert!(newer.asked.lock().unwrap().is_empty());
        let ready = FakeTopology::with([topology("available")]);
        let out = handle(run, &config(), &ready, &newer, 1000).await.unwrap();
        assert_eq!(out.report.outcome, Outcome::Superseded);
        assert_eq!(newer.asked.lock().unwrap().len(), 1);
    }

    /// The replaced node's CacheNodeReplaceComplete starts an execution once the node is
    /// back; it often finishes the job before this one's next look. Ended successfully,
    /// it still took its snapshots after this run's events: this run stops instead of
    /// planning and verifying again.
    #[tokio::test]
    async fn a_newer_execution_that_already_succeeded_takes_over_too() {
        let mut run = waiting_run();
        run.await_deadline_epoch = Some(2000);
        // The members are those of the snapshot the run planned from.
        run.topology = Some(topology("modifying"));
        let mut done = execution("orders-002--m2", 20);
        done.ended = true;
        let newer = FakeExecutions::with([execution("orders--m1", 10), done]);
        let ready = FakeTopology::with([topology("available")]);
        let out = handle(run, &config(), &ready, &newer, 1000).await.unwrap();
        assert_eq!(out.report.outcome, Outcome::Superseded);
        assert_eq!(out.report.superseded_by.as_deref(), Some("orders-002--m2"));
        // Asked before the full snapshot: only the awaited member's status was read.
        assert_eq!(ready.calls(), ["member_status orders-002"]);
    }

    /// Seen in the AZ-outage e2e (stop 21): this run's plan waited out throttling for
    /// 30 s and wrote its interim batch after a newer execution, started moments after
    /// this one, had already planned from older records, written and ended Converged.
    /// That execution never saw this run's write: handing over to it left both names on
    /// one replica. Only an execution started after this run's last write takes over.
    #[tokio::test]
    async fn an_execution_started_before_this_runs_last_write_does_not_take_over() {
        let mut run = waiting_run();
        run.await_deadline_epoch = Some(2000);
        run.topology = Some(topology("modifying"));
        run.last_write_ms = Some(30_000);
        let ready = FakeTopology::with([topology("available")]);
        for ended in [true, false] {
            let mut before_our_write = execution("orders-002--m2", 20_000);
            before_our_write.ended = ended;
            let listed = FakeExecutions::with([execution("orders--m1", 10), before_our_write]);
            let out = handle(run.clone(), &config(), &ready, &listed, 1000)
                .await
                .unwrap();
            assert_eq!(out.report.outcome, Outcome::Pending, "ended: {ended}");
            assert!(!out.nodes_pending);
            assert!(out.topology.is_some(), "it snapshots and plans again");
        }
        let listed = FakeExecutions::with([
            execution("orders--m1", 10),
            execution("orders-002--m3", 30_001),
        ]);
        let out = handle(run, &config(), &ready, &listed, 1000).await.unwrap();
        assert_eq!(out.report.superseded_by.as_deref(), Some("orders-002--m3"));
    }

    #[tokio::test]
    async fn another_groups_execution_does_not_take_over_and_a_failed_listing_goes_on() {
        let fake = FakeTopology::with([topology("modifying")]);
        let others = FakeExecutions::with([
            execution("orders--m1", 10),
            execution("orders-eu--m2", 20),
            execution("replica-dns-cli-all-5", 30),
        ]);
        let out = handle(waiting_run(), &config(), &fake, &others, 1000)
            .await
            .unwrap();
        assert!(out.nodes_pending);
        assert_eq!(out.report.outcome, Outcome::Pending);

        let failing = no_one();
        failing
            .fail_next
            .lock()
            .unwrap()
            .push(replica_dns_lambda::fakes::throttled("ListExecutions"));
        let out = handle(waiting_run(), &config(), &fake, &failing, 1000)
            .await
            .unwrap();
        assert!(out.nodes_pending);
        assert_eq!(fake.calls().len(), 2, "{:?}", fake.calls());
    }

    #[tokio::test]
    async fn past_the_deadline_it_says_so() {
        let fake = FakeTopology::with([topology("modifying")]);
        let mut run = waiting_run();
        run.await_deadline_epoch = Some(1000);
        let out = handle(run, &config(), &fake, &no_one(), 1001)
            .await
            .unwrap();
        assert!(out.nodes_pending);
        assert!(out.await_deadline_exceeded);
    }
}

// The ports this handler takes are the ones core `ports::FUNCTION_PORTS` declares.
replica_dns_lambda::handler_ports_are_declared!(
    "await-nodes",
    handle::<FakeTopology, FakeExecutions>
);
