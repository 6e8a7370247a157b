//! When an execution may stop because a newer one took over its group (issue 10 item 2:
//! overlapping executions for one group must not each do the whole job).
//!
//! One failover notifies several times (FailoverComplete for the group and for the
//! clusters, CacheNodeReplaceStarted, …) and each notification starts an execution. An
//! older execution waiting for a replaced node ends as *superseded* when a newer
//! execution for the same group is running. That keeps the invariant that matters: every
//! event, and every record an execution wrote, is seen by an execution whose reads come
//! after it. The newer execution started after the older one's events were published,
//! so all its snapshots (and the plan and verification they lead to) come after them;
//! the older one has already done what could not wait (its interim plan is applied, no
//! name is on the primary) and leaves the rest to it.
//!
//! The records the older one wrote count as much as its events: a newer execution that
//! read the records before the older one's last write plans, writes and verifies
//! without it, and handing over to it leaves that write unchecked (seen in the AZ-outage
//! e2e: a plan that waited out 30 s of throttling wrote an interim batch from its old
//! snapshot after a newer execution had converged, and both names stayed on one
//! replica). So a run that has written only hands over to an execution started after
//! its last write ([`superseded_by`]'s `last_write_ms`, Route 53's acknowledgement as
//! the Lambda's clock read it). The newer one reads the records two Lambda invocations
//! after its start (snapshot, then plan), far more than the clocks of Lambda and Step
//! Functions differ.
//!
//! Which executions are for the same group comes from their names: SNS-started
//! executions are named `<source id>--<MessageId>` ([`crate::event::sns_execution_name`]),
//! the source being the group or one of its cache clusters. Manual runs carry no source
//! and never supersede anything.
//!
//! ListExecutions "is eventually consistent. The results are best effort and may not
//! reflect very recent updates and changes" (API reference). A newer execution not listed
//! yet means this one goes on (calls spent, nothing lost); one listed as running that has
//! just ended still took its snapshots after this one's events, so stopping stays right.
//! A newer one that already ended successfully counts too: a replaced node's
//! CacheNodeReplaceComplete execution often finishes the job while the failover's
//! execution still waits for that node. One that ended as superseded itself handed over
//! to a still newer one, so the chain ends at an execution that did the work. Failed
//! ones do not count (the failure pages someone; the drift check repairs).
//!
//! Two steps ask. Snapshot asks before an SNS-started run's first snapshot: a run whose
//! group (or its own source, or another member) a newer execution names stops there,
//! having spent one ListExecutions and at most one DescribeReplicationGroups (issue 10
//! item 2: one failover's burst of notifications then costs about one pipeline, not one
//! each). Await-nodes asks again while it waits for replaced nodes, since notifications
//! keep coming after a failover.
//!
//! Pure: the caller lists the running executions (Step Functions ListExecutions).

use serde::{Deserialize, Serialize};

use crate::event::execution_source;

/// What a step logs once per ListExecutions check: the bench counts the pipeline's calls
/// of an API its own reads use too from these lines.
pub const LISTED_LOG: &str = "recent executions listed";

/// One execution of the state machine, as ListExecutions reports it: running, or ended
/// successfully. Failed, timed-out and aborted ones are not listed: they may not have
/// handled anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedExecution {
    pub name: String,
    pub execution_arn: String,
    /// `startDate`, in milliseconds since the Unix epoch.
    pub started_ms: i64,
    /// Whether it has already ended (SUCCEEDED) rather than running.
    #[serde(default)]
    pub ended: bool,
}

/// The newest listed execution that takes over from the execution `own_arn` for the
/// group `group_id` (whose cache clusters are `member_ids`): one that started strictly
/// later, and after `last_write_ms` when the run has written, and whose name's source is
/// the group or one of its members, running or already ended successfully (its
/// snapshots came after our events and writes all the same). `None` when there is none,
/// or when `own_arn` is not among `running` (nothing is known about our start).
/// Executions that started in the same millisecond supersede neither: both go on, which
/// costs calls but loses nothing.
pub fn superseded_by<'r>(
    own_arn: &str,
    group_id: &str,
    member_ids: &[&str],
    last_write_ms: Option<u64>,
    running: &'r [ListedExecution],
) -> Option<&'r ListedExecution> {
    newer_than(own_arn, last_write_ms, running)?
        .filter(|e| {
            execution_source(&e.name)
                .is_some_and(|source| source == group_id || member_ids.contains(&source))
        })
        .max_by(|a, b| {
            a.started_ms
                .cmp(&b.started_ms)
                .then_with(|| a.name.cmp(&b.name))
        })
}

/// The source an execution's name carries (`<source id>--<MessageId>`, the trigger's
/// naming), read from its ARN (`…:execution:<state machine>:<name>`). `None` for a
/// manual run: only SNS-started executions take part in superseding.
pub fn source_of_execution(execution_arn: &str) -> Option<&str> {
    let (_, name) = execution_arn.rsplit_once(':')?;
    execution_source(name)
}

/// Whether a newer execution names a cache cluster that, by ElastiCache's naming
/// (`<group>-NNN`), may be a member of `group_id`: only then is it worth describing the
/// group to learn its members (one DescribeReplicationGroups). The name only decides
/// whether to ask; membership itself comes from the group's description, so a cluster
/// named otherwise costs a missed hand-over (calls), never a wrong one.
pub fn newer_may_name_a_member(
    own_arn: &str,
    group_id: &str,
    last_write_ms: Option<u64>,
    running: &[ListedExecution],
) -> bool {
    newer_than(own_arn, last_write_ms, running).is_some_and(|newer| {
        newer
            .filter_map(|e| execution_source(&e.name))
            .any(|source| crate::event::member_by_naming_convention(source, group_id))
    })
}

/// The listed executions that started strictly later than `own_arn` and than its last
/// write, if any (their reads may predate it otherwise); `None` when it is not listed
/// (nothing is known about its start).
fn newer_than<'r>(
    own_arn: &str,
    last_write_ms: Option<u64>,
    listed: &'r [ListedExecution],
) -> Option<impl Iterator<Item = &'r ListedExecution>> {
    let own = listed.iter().find(|e| e.execution_arn == own_arn)?;
    let after = last_write_ms
        .and_then(|ms| i64::try_from(ms).ok())
        .map_or(own.started_ms, |written| written.max(own.started_ms));
    Some(listed.iter().filter(move |e| e.started_ms > after))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn the_source_comes_from_the_name_in_the_arn() {
        assert_eq!(source_of_execution(OWN), Some("orders"));
        assert_eq!(
            source_of_execution("arn:aws:states:us-east-1:1:execution:sm:orders-002--m9"),
            Some("orders-002")
        );
        assert_eq!(
            source_of_execution("arn:aws:states:us-east-1:1:execution:sm:replica-dns-cli-all-17"),
            None
        );
        assert_eq!(source_of_execution("no-arn"), None);
    }

    #[test]
    fn only_a_newer_execution_named_like_a_member_is_worth_asking_about() {
        let cases: [(&str, Vec<ListedExecution>, bool); 5] = [
            ("alone", vec![running("orders--m1", 10)], false),
            (
                "a newer one for a member by name",
                vec![running("orders--m1", 10), running("orders-003--m2", 20)],
                true,
            ),
            (
                "an older one for a member",
                vec![running("orders--m1", 10), running("orders-003--m2", 5)],
                false,
            ),
            (
                "newer ones of other groups, a manual run",
                vec![
                    running("orders--m1", 10),
                    running("orders-eu-001--m2", 20),
                    running("billing-001--m3", 20),
                    running("replica-dns-cli-all-17", 30),
                ],
                false,
            ),
            (
                "ourselves not listed",
                vec![running("orders-003--m2", 20)],
                false,
            ),
        ];
        for (why, list, expected) in cases {
            assert_eq!(
                newer_may_name_a_member(OWN, "orders", None, &list),
                expected,
                "{why}"
            );
        }
    }

    fn running(name: &str, started_ms: i64) -> ListedExecution {
        ListedExecution {
            name: name.into(),
            execution_arn: format!("arn:aws:states:us-east-1:1:execution:sm:{name}"),
            started_ms,
            ended: false,
        }
    }

    const OWN: &str = "arn:aws:states:us-east-1:1:execution:sm:orders--m1";

    #[test]
    fn a_newer_execution_for_the_group_or_one_of_its_members_takes_over() {
        let cases: [(&str, Vec<ListedExecution>, Option<&str>); 7] = [
            ("alone", vec![running("orders--m1", 10)], None),
            (
                "a newer one for the group",
                vec![running("orders--m1", 10), running("orders--m2", 20)],
                Some("orders--m2"),
            ),
            (
                "a newer one for a member",
                vec![running("orders--m1", 10), running("orders-002--m2", 20)],
                Some("orders-002--m2"),
            ),
            (
                "the newest of several",
                vec![
                    running("orders--m1", 10),
                    running("orders-002--m3", 30),
                    running("orders--m2", 20),
                ],
                Some("orders-002--m3"),
            ),
            (
                "an older one does not",
                vec![running("orders--m1", 10), running("orders--m0", 5)],
                None,
            ),
            (
                "another group's, a manual run's and a same-millisecond one's do not",
                vec![
                    running("orders--m1", 10),
                    running("orders-eu--m2", 20),
                    running("billing-001--m3", 20),
                    running("replica-dns-cli-all-17", 30),
                    running("orders--m4", 10),
                ],
                None,
            ),
            (
                "ourselves not listed: nothing known",
                vec![running("orders--m2", 20)],
                None,
            ),
        ];
        for (why, list, expected) in cases {
            let got = superseded_by(OWN, "orders", &["orders-001", "orders-002"], None, &list);
            assert_eq!(got.map(|e| e.name.as_str()), expected, "{why}");
        }
    }

    /// A run that wrote hands over only to an execution started after its last write:
    /// one started earlier, running or ended, may have read the records before it.
    #[test]
    fn after_a_write_only_an_execution_started_later_takes_over() {
        let ended = |name: &str, started_ms: i64| ListedExecution {
            ended: true,
            ..running(name, started_ms)
        };
        let cases: [(&str, Vec<ListedExecution>, Option<&str>); 4] = [
            (
                "started before the write, ended",
                vec![running("orders--m1", 10), ended("orders-002--m2", 20)],
                None,
            ),
            (
                "started before the write, running",
                vec![running("orders--m1", 10), running("orders--m2", 20)],
                None,
            ),
            (
                "started in the write's millisecond",
                vec![running("orders--m1", 10), running("orders--m2", 25)],
                None,
            ),
            (
                "started after the write, ended",
                vec![
                    running("orders--m1", 10),
                    running("orders--m2", 20),
                    ended("orders-002--m3", 26),
                ],
                Some("orders-002--m3"),
            ),
        ];
        for (why, list, expected) in cases {
            let got = superseded_by(OWN, "orders", &["orders-002"], Some(25), &list);
            assert_eq!(got.map(|e| e.name.as_str()), expected, "{why}");
            assert_eq!(
                newer_may_name_a_member(OWN, "orders", Some(25), &list),
                expected.is_some(),
                "{why}"
            );
        }
    }
}
