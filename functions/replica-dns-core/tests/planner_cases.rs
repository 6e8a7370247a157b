//! Table-driven planner cases: the blog post's scenarios and the tricky ones, each row
//! checked end to end (plan → apply with Route 53's rules → names as expected → planning
//! again changes nothing). The rows follow the decision table in `plan.rs`.

#![allow(clippy::unwrap_used)]

mod planner_support;

use planner_support::*;
use replica_dns_core::config::{GroupConfig, NoReplicaPolicy};
use replica_dns_core::ownership::OwnershipError;
use replica_dns_core::plan::{
    AzDeleteCause, AzNameReason, ChangeAction, DeleteCause, ForeignReason, PlanError, PlanInput,
    PlanStatus, PoolBlock, PoolLeaveCause, PoolReason, RehomeCause, Routing, SlotReason, Warning,
    ZoneRecords,
};
use replica_dns_core::records::{RecordSet, RecordType};
use replica_dns_core::topology::Topology;

const G: &str = "orders";

fn id(suffix: &str) -> String {
    format!("{G}-{suffix}")
}

struct Case {
    name: &'static str,
    group: GroupConfig,
    topology: Topology,
    records: Vec<RecordSet>,
    expected: Expected,
}

struct Expected {
    /// Every managed slot after applying the plan: (slot, home suffix, target suffix or
    /// PRIMARY).
    names: Vec<(u32, &'static str, &'static str)>,
    /// Reasons of the listed slots (others unchecked).
    reasons: Vec<(u32, SlotReason)>,
    /// Number of changes in the batch.
    changes: usize,
    /// Suffixes of the nodes an interim plan waits for; empty = final.
    waiting_for: Vec<&'static str>,
    warnings: Vec<Warning>,
}

/// 001 primary, 002..006 replicas, all available: the blog's setup.
fn blog_topology() -> Topology {
    topology(
        G,
        &[
            ("001", 'P', true),
            ("002", 'R', true),
            ("003", 'R', true),
            ("004", 'R', true),
            ("005", 'R', true),
            ("006", 'R', true),
        ],
    )
}

/// replica1..5 at home on 002..006, as the first run leaves them.
fn blog_names() -> Vec<RecordSet> {
    let mut records = unrelated_records();
    for (n, node) in [(1, "002"), (2, "003"), (3, "004"), (4, "005"), (5, "006")] {
        records.extend(owned(G, n, node, node));
    }
    records
}

fn with(records: Vec<RecordSet>, replace: &[(u32, Vec<RecordSet>)]) -> Vec<RecordSet> {
    let mut records: Vec<RecordSet> = records
        .into_iter()
        .filter(|r| {
            !replace
                .iter()
                .any(|(n, _)| r.name == slot_name(G, *n) || r.name == txt_name(G, *n))
        })
        .collect();
    for (_, extra) in replace {
        records.extend(extra.iter().cloned());
    }
    records
}

fn foreign(slot: u32, reason: ForeignReason) -> Warning {
    Warning::ForeignRecord {
        slot,
        name: slot_name(G, slot),
        reason,
    }
}

fn rehomed(from: &str, why: RehomeCause) -> SlotReason {
    SlotReason::Rehomed {
        from: Some(id(from)),
        why,
    }
}

fn cases() -> Vec<Case> {
    let unchanged_names = vec![
        (1, "002", "002"),
        (2, "003", "003"),
        (3, "004", "004"),
        (4, "005", "005"),
        (5, "006", "006"),
    ];
    let no_replica = |policy| Warning::NoReplicaAvailable { policy };
    let all_unavailable = topology(
        G,
        &[
            ("001", 'P', true),
            ("002", 'R', false),
            ("003", 'R', false),
            ("004", 'R', false),
            ("005", 'R', false),
            ("006", 'R', false),
        ],
    );
    let policy = |p| GroupConfig {
        no_replica_policy: p,
        ..group_config(G)
    };
    let adopting = GroupConfig {
        adopt_existing: true,
        ..group_config(G)
    };
    vec![
        Case {
            name: "blog: 1 primary + 5 replicas, first run creates replica1..5 in id order",
            group: group_config(G),
            topology: blog_topology(),
            records: unrelated_records(),
            expected: Expected {
                names: unchanged_names.clone(),
                reasons: (1..=5).map(|n| (n, SlotReason::Created)).collect(),
                changes: 10,
                waiting_for: vec![],
                warnings: vec![],
            },
        },
        Case {
            name: "blog: steady state plans nothing",
            group: group_config(G),
            topology: blog_topology(),
            records: blog_names(),
            expected: Expected {
                names: unchanged_names.clone(),
                reasons: (1..=5).map(|n| (n, SlotReason::Unchanged)).collect(),
                changes: 0,
                waiting_for: vec![],
                warnings: vec![],
            },
        },
        Case {
            name: "blog: failover 001->002 moves replica1 off the new primary, interim while 001 is replaced",
            group: group_config(G),
            topology: topology(
                G,
                &[
                    ("001", 'R', false),
                    ("002", 'P', true),
                    ("003", 'R', true),
                    ("004", 'R', true),
                    ("005", 'R', true),
                    ("006", 'R', true),
                ],
            ),
            records: blog_names(),
            expected: Expected {
                // 003..006 carry one name each; the lowest id wins the tie.
                names: vec![
                    (1, "001", "003"),
                    (2, "003", "003"),
                    (3, "004", "004"),
                    (4, "005", "005"),
                    (5, "006", "006"),
                ],
                reasons: vec![
                    (1, rehomed("002", RehomeCause::HomeBecamePrimary)),
                    (2, SlotReason::Unchanged),
                    (5, SlotReason::Unchanged),
                ],
                changes: 4,
                waiting_for: vec!["001"],
                warnings: vec![],
            },
        },
        Case {
            name: "blog: 001 back as an available replica, replica1 returns home",
            group: group_config(G),
            topology: topology(
                G,
                &[
                    ("001", 'R', true),
                    ("002", 'P', true),
                    ("003", 'R', true),
                    ("004", 'R', true),
                    ("005", 'R', true),
                    ("006", 'R', true),
                ],
            ),
            records: with(blog_names(), &[(1, owned(G, 1, "001", "003"))]),
            expected: Expected {
                names: vec![
                    (1, "001", "001"),
                    (2, "003", "003"),
                    (3, "004", "004"),
                    (4, "005", "005"),
                    (5, "006", "006"),
                ],
                reasons: vec![(1, SlotReason::ReturnedHome), (2, SlotReason::Unchanged)],
                changes: 2,
                waiting_for: vec![],
                warnings: vec![],
            },
        },
        Case {
            name: "blog: a replica added gets replica6, nothing else moves",
            group: group_config(G),
            topology: {
                let mut t = blog_topology();
                t.members.push(member(&id("007"), replica_dns_core::topology::Role::Replica, true));
                t
            },
            records: blog_names(),
            expected: Expected {
                names: {
                    let mut names = unchanged_names.clone();
                    names.push((6, "007", "007"));
                    names
                },
                reasons: vec![(6, SlotReason::Created), (1, SlotReason::Unchanged)],
                changes: 2,
                waiting_for: vec![],
                warnings: vec![],
            },
        },
        Case {
            name: "blog: a replica added but still creating gets replica6 interim on the least loaded replica",
            group: group_config(G),
            topology: {
                let mut t = blog_topology();
                t.members.push(member(&id("007"), replica_dns_core::topology::Role::Replica, false));
                t
            },
            records: blog_names(),
            expected: Expected {
                names: {
                    let mut names = unchanged_names.clone();
                    names.push((6, "007", "002"));
                    names
                },
                reasons: vec![(6, SlotReason::Created)],
                changes: 2,
                waiting_for: vec!["007"],
                warnings: vec![],
            },
        },
        Case {
            name: "blog: replica 004 removed, its slot 3 goes to the replica of the deleted top slot",
            group: group_config(G),
            topology: topology(
                G,
                &[
                    ("001", 'P', true),
                    ("002", 'R', true),
                    ("003", 'R', true),
                    ("005", 'R', true),
                    ("006", 'R', true),
                ],
            ),
            records: blog_names(),
            expected: Expected {
                names: vec![
                    (1, "002", "002"),
                    (2, "003", "003"),
                    (3, "006", "006"),
                    (4, "005", "005"),
                ],
                reasons: vec![
                    (3, rehomed("004", RehomeCause::HomeRemoved)),
                    (
                        5,
                        SlotReason::Deleted {
                            why: DeleteCause::AboveReplicaCount,
                        },
                    ),
                    (4, SlotReason::Unchanged),
                ],
                changes: 6,
                waiting_for: vec![],
                warnings: vec![],
            },
        },
        Case {
            name: "removing the replica of the top slot only deletes that slot",
            group: group_config(G),
            topology: topology(
                G,
                &[
                    ("001", 'P', true),
                    ("002", 'R', true),
                    ("003", 'R', true),
                    ("004", 'R', true),
                    ("005", 'R', true),
                ],
            ),
            records: blog_names(),
            expected: Expected {
                names: vec![
                    (1, "002", "002"),
                    (2, "003", "003"),
                    (3, "004", "004"),
                    (4, "005", "005"),
                ],
                reasons: vec![(
                    5,
                    SlotReason::Deleted {
                        why: DeleteCause::AboveReplicaCount,
                    },
                )],
                changes: 2,
                waiting_for: vec![],
                warnings: vec![],
            },
        },
        Case {
            name: "replica being replaced: its name goes interim, the TXT keeps its home",
            group: group_config(G),
            topology: topology(
                G,
                &[
                    ("001", 'P', true),
                    ("002", 'R', true),
                    ("003", 'R', true),
                    ("004", 'R', false),
                    ("005", 'R', true),
                    ("006", 'R', true),
                ],
            ),
            records: blog_names(),
            expected: Expected {
                names: vec![
                    (1, "002", "002"),
                    (2, "003", "003"),
                    (3, "004", "002"),
                    (4, "005", "005"),
                    (5, "006", "006"),
                ],
                reasons: vec![(3, SlotReason::Interim { home: id("004") })],
                changes: 2,
                waiting_for: vec!["004"],
                warnings: vec![],
            },
        },
        Case {
            name: "failover while 004 is being replaced: both interim names leave the new primary",
            group: group_config(G),
            topology: topology(
                G,
                &[
                    ("001", 'R', false),
                    ("002", 'P', true),
                    ("003", 'R', true),
                    ("004", 'R', false),
                    ("005", 'R', true),
                    ("006", 'R', true),
                ],
            ),
            // replica3 was interim on 002, which is now the primary.
            records: with(blog_names(), &[(3, owned(G, 3, "004", "002"))]),
            expected: Expected {
                names: vec![
                    (1, "001", "003"),
                    (2, "003", "003"),
                    (3, "004", "005"),
                    (4, "005", "005"),
                    (5, "006", "006"),
                ],
                reasons: vec![
                    (1, rehomed("002", RehomeCause::HomeBecamePrimary)),
                    (3, SlotReason::Interim { home: id("004") }),
                ],
                changes: 6,
                waiting_for: vec!["001", "004"],
                warnings: vec![],
            },
        },
        Case {
            name: "an interim name already on an available replica stays there (no churn)",
            group: group_config(G),
            topology: topology(
                G,
                &[
                    ("001", 'P', true),
                    ("002", 'R', true),
                    ("003", 'R', true),
                    ("004", 'R', false),
                    ("005", 'R', true),
                    ("006", 'R', true),
                ],
            ),
            records: with(blog_names(), &[(3, owned(G, 3, "004", "006"))]),
            expected: Expected {
                names: vec![
                    (1, "002", "002"),
                    (2, "003", "003"),
                    (3, "004", "006"),
                    (4, "005", "005"),
                    (5, "006", "006"),
                ],
                reasons: vec![(3, SlotReason::Unchanged)],
                changes: 0,
                waiting_for: vec!["004"],
                warnings: vec![],
            },
        },
        Case {
            name: "every replica unavailable, policy primary: names on the primary endpoint, homes kept",
            group: policy(NoReplicaPolicy::Primary),
            topology: all_unavailable.clone(),
            records: blog_names(),
            expected: Expected {
                names: vec![
                    (1, "002", PRIMARY),
                    (2, "003", PRIMARY),
                    (3, "004", PRIMARY),
                    (4, "005", PRIMARY),
                    (5, "006", PRIMARY),
                ],
                reasons: (1..=5).map(|n| (n, SlotReason::PrimaryFallback)).collect(),
                changes: 10,
                waiting_for: vec!["002", "003", "004", "005", "006"],
                warnings: vec![no_replica(NoReplicaPolicy::Primary)],
            },
        },
        Case {
            name: "every replica unavailable, policy keep: nothing changes",
            group: policy(NoReplicaPolicy::Keep),
            topology: all_unavailable.clone(),
            records: blog_names(),
            expected: Expected {
                names: unchanged_names.clone(),
                reasons: (1..=5).map(|n| (n, SlotReason::Kept)).collect(),
                changes: 0,
                waiting_for: vec!["002", "003", "004", "005", "006"],
                warnings: vec![no_replica(NoReplicaPolicy::Keep)],
            },
        },
        Case {
            name: "every replica unavailable, policy delete: every managed record deleted",
            group: policy(NoReplicaPolicy::Delete),
            topology: all_unavailable.clone(),
            records: blog_names(),
            expected: Expected {
                names: vec![],
                reasons: (1..=5)
                    .map(|n| {
                        (
                            n,
                            SlotReason::Deleted {
                                why: DeleteCause::NoReplicaPolicy,
                            },
                        )
                    })
                    .collect(),
                changes: 10,
                waiting_for: vec!["002", "003", "004", "005", "006"],
                warnings: vec![no_replica(NoReplicaPolicy::Delete)],
            },
        },
        Case {
            name: "every replica unavailable, policy primary, no primary endpoint known: kept",
            group: policy(NoReplicaPolicy::Primary),
            topology: {
                let mut t = all_unavailable.clone();
                t.primary_endpoint = None;
                for m in &mut t.members {
                    if m.role == replica_dns_core::topology::Role::Primary {
                        m.read_endpoint = None;
                    }
                }
                t
            },
            records: blog_names(),
            expected: Expected {
                names: unchanged_names.clone(),
                reasons: vec![(1, SlotReason::Kept)],
                changes: 0,
                waiting_for: vec!["002", "003", "004", "005", "006"],
                warnings: vec![
                    no_replica(NoReplicaPolicy::Primary),
                    Warning::NoPrimaryEndpoint,
                ],
            },
        },
        Case {
            name: "no replica member at all, policy primary: names stay, on the primary",
            group: policy(NoReplicaPolicy::Primary),
            topology: topology(G, &[("001", 'P', true)]),
            records: with(blog_names(), &[(4, vec![]), (5, vec![])]),
            expected: Expected {
                names: vec![(1, "002", PRIMARY), (2, "003", PRIMARY), (3, "004", PRIMARY)],
                reasons: vec![(1, SlotReason::PrimaryFallback)],
                changes: 6,
                waiting_for: vec![],
                warnings: vec![no_replica(NoReplicaPolicy::Primary)],
            },
        },
        Case {
            name: "first run with every replica unavailable, policy primary: names created on the primary",
            group: policy(NoReplicaPolicy::Primary),
            topology: topology(G, &[("001", 'P', true), ("002", 'R', false), ("003", 'R', false)]),
            records: unrelated_records(),
            expected: Expected {
                names: vec![(1, "002", PRIMARY), (2, "003", PRIMARY)],
                reasons: vec![(1, SlotReason::Created), (2, SlotReason::Created)],
                changes: 4,
                waiting_for: vec!["002", "003"],
                warnings: vec![no_replica(NoReplicaPolicy::Primary)],
            },
        },
        Case {
            name: "a foreign CNAME at replica3 is skipped and reported; one replica stays nameless",
            group: group_config(G),
            topology: blog_topology(),
            records: {
                let mut r = unrelated_records();
                r.push(RecordSet::cname(&slot_name(G, 3), 300, "legacy.example.com"));
                r
            },
            expected: Expected {
                names: vec![
                    (1, "002", "002"),
                    (2, "003", "003"),
                    (4, "004", "004"),
                    (5, "005", "005"),
                ],
                reasons: vec![(4, SlotReason::Created)],
                changes: 8,
                waiting_for: vec![],
                warnings: vec![
                    foreign(
                        3,
                        ForeignReason::CnameWithoutOwnership {
                            target: "legacy.example.com".into(),
                        },
                    ),
                    Warning::ReplicaWithoutSlot {
                        cache_cluster_id: id("006"),
                    },
                ],
            },
        },
        Case {
            name: "another deployment's TXT and an A record block their slots; a foreign name above R stays",
            group: group_config(G),
            topology: topology(
                G,
                &[("001", 'P', true), ("002", 'R', true), ("003", 'R', true), ("004", 'R', true)],
            ),
            records: {
                let mut r = unrelated_records();
                r.push(RecordSet::cname(&slot_name(G, 1), 10, &addr(&id("009"))));
                r.push(RecordSet::txt(
                    &txt_name(G, 1),
                    10,
                    "\"replica-dns owner=staging group=orders slot=1 home=orders-009\"",
                ));
                r.push(RecordSet {
                    name: slot_name(G, 2),
                    record_type: RecordType::Other("A".into()),
                    ttl: Some(60),
                    values: vec!["10.0.0.1".into()],
                    set_identifier: None,
                    weight: None,
                });
                r.push(RecordSet::cname(&slot_name(G, 7), 10, "somewhere.example.com"));
                r
            },
            expected: Expected {
                names: vec![(3, "002", "002")],
                reasons: vec![(3, SlotReason::Created)],
                changes: 2,
                waiting_for: vec![],
                warnings: vec![
                    foreign(
                        1,
                        ForeignReason::OwnershipRejected {
                            error: OwnershipError::OtherOwner {
                                found: "staging".into(),
                                expected: OWNER.into(),
                            },
                        },
                    ),
                    foreign(
                        2,
                        ForeignReason::OtherRecordsAtName {
                            types: vec!["A".into()],
                        },
                    ),
                    foreign(
                        7,
                        ForeignReason::CnameWithoutOwnership {
                            target: "somewhere.example.com".into(),
                        },
                    ),
                    Warning::ReplicaWithoutSlot {
                        cache_cluster_id: id("003"),
                    },
                    Warning::ReplicaWithoutSlot {
                        cache_cluster_id: id("004"),
                    },
                ],
            },
        },
        Case {
            name: "the blog's Lambda records are foreign unless adoptExisting",
            group: group_config(G),
            topology: topology(G, &[("001", 'P', true), ("002", 'R', true)]),
            records: vec![blog_cname(G, 1, "002")],
            expected: Expected {
                names: vec![],
                reasons: vec![],
                changes: 0,
                waiting_for: vec![],
                warnings: vec![
                    foreign(
                        1,
                        ForeignReason::CnameWithoutOwnership {
                            target: addr(&id("002")),
                        },
                    ),
                    Warning::ReplicaWithoutSlot {
                        cache_cluster_id: id("002"),
                    },
                ],
            },
        },
        Case {
            name: "the blog's Lambda records are adopted in place (shuffled order kept), the stale one deleted",
            group: adopting.clone(),
            topology: topology(
                G,
                &[
                    ("001", 'R', true),
                    ("002", 'P', true),
                    ("003", 'R', true),
                    ("004", 'R', true),
                ],
            ),
            // Dict order numbered them 1→004, 2→001, 3→002 (now primary); 4 is stale.
            records: vec![
                blog_cname(G, 1, "004"),
                blog_cname(G, 2, "001"),
                blog_cname(G, 3, "002"),
                blog_cname(G, 4, "005"),
            ],
            expected: Expected {
                names: vec![(1, "004", "004"), (2, "001", "001"), (3, "003", "003")],
                reasons: vec![
                    (
                        1,
                        SlotReason::Adopted {
                            previous_target: addr(&id("004")),
                        },
                    ),
                    (
                        3,
                        SlotReason::Adopted {
                            previous_target: addr(&id("002")),
                        },
                    ),
                    (
                        4,
                        SlotReason::Deleted {
                            why: DeleteCause::AboveReplicaCount,
                        },
                    ),
                ],
                // TXT only for 1 and 2; DELETE+CREATE CNAME + TXT for 3; DELETE for 4.
                changes: 6,
                waiting_for: vec![],
                warnings: vec![
                    Warning::Adopted {
                        slot: 1,
                        name: slot_name(G, 1),
                        previous_target: addr(&id("004")),
                    },
                    Warning::Adopted {
                        slot: 2,
                        name: slot_name(G, 2),
                        previous_target: addr(&id("001")),
                    },
                    Warning::Adopted {
                        slot: 3,
                        name: slot_name(G, 3),
                        previous_target: addr(&id("002")),
                    },
                    Warning::Adopted {
                        slot: 4,
                        name: slot_name(G, 4),
                        previous_target: addr(&id("005")),
                    },
                ],
            },
        },
        // Issue 8, item 5: adoption stays inside what is plausibly the blog Lambda's.
        Case {
            name: "adoption leaves a slot-shaped CNAME far above 5 to an unrelated host foreign",
            group: adopting.clone(),
            topology: topology(G, &[("001", 'P', true), ("002", 'R', true)]),
            records: vec![RecordSet::cname(
                &slot_name(G, 42),
                300,
                "billing-db.example.com",
            )],
            expected: Expected {
                names: vec![(1, "002", "002")],
                reasons: vec![(1, SlotReason::Created)],
                changes: 2,
                waiting_for: vec![],
                warnings: vec![foreign(
                    42,
                    ForeignReason::OutsideAdoption {
                        target: "billing-db.example.com".into(),
                    },
                )],
            },
        },
        Case {
            name: "adoption leaves a CNAME above 5 foreign even when it points at this group (IAM writes names 1..=5 only)",
            group: adopting.clone(),
            topology: topology(G, &[("001", 'P', true), ("002", 'R', true)]),
            records: vec![blog_cname(G, 1, "002"), blog_cname(G, 9, "001")],
            expected: Expected {
                names: vec![(1, "002", "002")],
                reasons: vec![(
                    1,
                    SlotReason::Adopted {
                        previous_target: addr(&id("002")),
                    },
                )],
                // TXT for 1 only; replica9 is not touched.
                changes: 1,
                waiting_for: vec![],
                warnings: vec![
                    foreign(
                        9,
                        ForeignReason::OutsideAdoption {
                            target: addr(&id("001")),
                        },
                    ),
                    Warning::Adopted {
                        slot: 1,
                        name: slot_name(G, 1),
                        previous_target: addr(&id("002")),
                    },
                ],
            },
        },
        Case {
            name: "adoption takes slot 5 whatever it points at (within ElastiCache's replica maximum)",
            group: adopting.clone(),
            topology: topology(G, &[("001", 'P', true), ("002", 'R', true)]),
            records: vec![RecordSet::cname(&slot_name(G, 5), 10, "old-node.example.com")],
            expected: Expected {
                names: vec![(1, "002", "002")],
                reasons: vec![
                    (1, SlotReason::Created),
                    (
                        5,
                        SlotReason::Deleted {
                            why: DeleteCause::AboveReplicaCount,
                        },
                    ),
                ],
                changes: 3,
                waiting_for: vec![],
                warnings: vec![Warning::Adopted {
                    slot: 5,
                    name: slot_name(G, 5),
                    previous_target: "old-node.example.com".into(),
                }],
            },
        },
        Case {
            name: "existing numbering with gaps: homes kept, gaps filled lowest first, slot above R deleted",
            group: group_config(G),
            topology: blog_topology(),
            records: {
                let mut r = unrelated_records();
                r.extend(owned(G, 1, "002", "002"));
                r.extend(owned(G, 2, "003", "003"));
                r.extend(owned(G, 5, "004", "004"));
                r.extend(owned(G, 7, "005", "005"));
                r
            },
            expected: Expected {
                names: vec![
                    (1, "002", "002"),
                    (2, "003", "003"),
                    (3, "005", "005"),
                    (4, "006", "006"),
                    (5, "004", "004"),
                ],
                reasons: vec![
                    (3, SlotReason::Created),
                    (4, SlotReason::Created),
                    (5, SlotReason::Unchanged),
                    (
                        7,
                        SlotReason::Deleted {
                            why: DeleteCause::AboveReplicaCount,
                        },
                    ),
                ],
                changes: 6,
                waiting_for: vec![],
                warnings: vec![],
            },
        },
        Case {
            name: "a name re-pointed by hand (our TXT still there) is repaired",
            group: group_config(G),
            topology: blog_topology(),
            records: with(
                blog_names(),
                &[(
                    2,
                    vec![
                        RecordSet::cname(&slot_name(G, 2), 10, "debug-box.example.com"),
                        RecordSet::txt(&txt_name(G, 2), 10, &txt_value(G, 2, &id("003"))),
                    ],
                )],
            ),
            expected: Expected {
                names: unchanged_names.clone(),
                reasons: vec![(
                    2,
                    SlotReason::Repaired {
                        found_target: Some("debug-box.example.com".into()),
                    },
                )],
                changes: 2,
                waiting_for: vec![],
                warnings: vec![Warning::Repaired {
                    slot: 2,
                    name: slot_name(G, 2),
                    found_target: Some("debug-box.example.com".into()),
                }],
            },
        },
        Case {
            name: "a CNAME deleted by hand is recreated from its TXT",
            group: group_config(G),
            topology: blog_topology(),
            records: with(
                blog_names(),
                &[(
                    4,
                    vec![RecordSet::txt(&txt_name(G, 4), 10, &txt_value(G, 4, &id("005")))],
                )],
            ),
            expected: Expected {
                names: unchanged_names.clone(),
                reasons: vec![(4, SlotReason::Repaired { found_target: None })],
                changes: 1,
                waiting_for: vec![],
                warnings: vec![Warning::Repaired {
                    slot: 4,
                    name: slot_name(G, 4),
                    found_target: None,
                }],
            },
        },
        Case {
            name: "a TXT copied to a second slot: the lower slot keeps the home, the other is rehomed",
            group: group_config(G),
            topology: blog_topology(),
            records: with(blog_names(), &[(5, owned(G, 5, "003", "003"))]),
            expected: Expected {
                names: unchanged_names.clone(),
                reasons: vec![
                    (2, SlotReason::Unchanged),
                    (5, rehomed("003", RehomeCause::HomeTaken)),
                ],
                changes: 4,
                waiting_for: vec![],
                warnings: vec![],
            },
        },
        Case {
            name: "a TTL change in the config rewrites CNAME and TXT without moving anything",
            group: GroupConfig {
                ttl: 30,
                ..group_config(G)
            },
            topology: topology(G, &[("001", 'P', true), ("002", 'R', true)]),
            records: owned(G, 1, "002", "002"),
            expected: Expected {
                names: vec![(1, "002", "002")],
                reasons: vec![(1, SlotReason::Repaired {
                    found_target: Some(addr(&id("002"))),
                })],
                changes: 4,
                waiting_for: vec![],
                warnings: vec![Warning::Repaired {
                    slot: 1,
                    name: slot_name(G, 1),
                    found_target: Some(addr(&id("002"))),
                }],
            },
        },
    ]
}

#[test]
fn planner_cases() {
    for case in cases() {
        let name = case.name;
        let config = config_of(vec![case.group.clone()]);
        let plan = plan_zone(&config, std::slice::from_ref(&case.topology), &case.records);
        let group = &plan.groups[0];

        assert_eq!(
            group.changes.len(),
            case.expected.changes,
            "{name}: change count\n{plan}"
        );
        assert_eq!(group.warnings, case.expected.warnings, "{name}: warnings");
        let waiting: Vec<String> = case.expected.waiting_for.iter().map(|s| id(s)).collect();
        let status = if waiting.is_empty() {
            PlanStatus::Final
        } else {
            PlanStatus::Interim {
                waiting_for: waiting,
            }
        };
        assert_eq!(group.status, status, "{name}: status");
        for (slot, reason) in &case.expected.reasons {
            let planned = group
                .slots
                .iter()
                .find(|s| s.slot == *slot)
                .unwrap_or_else(|| panic!("{name}: slot {slot} not planned\n{plan}"));
            assert_eq!(
                &planned.reason, reason,
                "{name}: reason of slot {slot}\n{plan}"
            );
        }
        assert!(
            group
                .changes
                .iter()
                .all(|c| c.action != ChangeAction::Upsert),
            "{name}: UPSERT planned"
        );

        let after = apply(&case.records, &plan);
        let names: Vec<(u32, String, String)> = managed(G, &case.topology, &after)
            .into_iter()
            .map(|(n, (home, target))| (n, home, target))
            .collect();
        let expected: Vec<(u32, String, String)> = case
            .expected
            .names
            .iter()
            .map(|(n, home, target)| {
                let target = if *target == PRIMARY {
                    PRIMARY.to_string()
                } else {
                    id(target)
                };
                (*n, id(home), target)
            })
            .collect();
        assert_eq!(names, expected, "{name}: names after applying\n{plan}");

        let again = plan_zone(&config, std::slice::from_ref(&case.topology), &after);
        assert!(
            again.is_empty(),
            "{name}: planning again is not empty\n{again}"
        );
    }
}

#[test]
fn groups_whose_ids_share_a_prefix_share_a_zone_without_touching_each_other() {
    let eu = "orders-eu";
    let config = config_of(vec![group_config(G), group_config(eu)]);
    let orders = topology(G, &[("001", 'P', true), ("002", 'R', true)]);
    // orders-eu-001 must not be taken for a member of `orders` (exact ids only).
    let orders_eu = topology(eu, &[("001", 'R', true), ("002", 'P', true)]);
    let mut records = unrelated_records();
    records.extend(owned(eu, 1, "001", "001"));
    // A TXT of orders-eu copied under orders' ownership name: foreign to orders.
    records.push(RecordSet::txt(
        &txt_name(G, 2),
        10,
        &txt_value(eu, 2, "orders-eu-001"),
    ));

    let plan = plan_zone(&config, &[orders.clone(), orders_eu.clone()], &records);

    assert_eq!(plan.batches.len(), 1, "one batch for the shared zone");
    assert_eq!(
        plan.batches[0].changes.len(),
        2,
        "orders creates replica1 only\n{plan}"
    );
    assert!(
        plan.groups[1].changes.is_empty(),
        "orders-eu is already right\n{plan}"
    );
    assert_eq!(
        plan.groups[0].warnings,
        vec![Warning::ForeignRecord {
            slot: 2,
            name: slot_name(G, 2),
            reason: ForeignReason::OwnershipRejected {
                error: OwnershipError::OtherGroup {
                    found: eu.into(),
                    expected: G.into()
                }
            }
        }]
    );
    let after = apply(&records, &plan);
    assert_eq!(
        managed(G, &orders, &after).into_iter().collect::<Vec<_>>(),
        vec![(1, (id("002"), id("002")))]
    );
    assert_eq!(
        managed(eu, &orders_eu, &after)
            .into_iter()
            .collect::<Vec<_>>(),
        vec![(
            1,
            ("orders-eu-001".to_string(), "orders-eu-001".to_string())
        )]
    );
    assert!(plan_zone(&config, &[orders, orders_eu], &after).is_empty());
}

#[test]
fn groups_in_different_zones_get_one_batch_each() {
    let mut eu = group_config("orders-eu");
    eu.hosted_zone_id = "ZEU".into();
    let config = config_of(vec![group_config(G), eu]);
    let input = PlanInput {
        topologies: vec![
            topology(G, &[("001", 'P', true), ("002", 'R', true)]),
            topology("orders-eu", &[("001", 'P', true), ("002", 'R', true)]),
        ],
        zones: vec![
            ZoneRecords {
                hosted_zone_id: format!("/hostedzone/{ZONE}"),
                records: vec![],
            },
            ZoneRecords {
                hosted_zone_id: "ZEU".into(),
                records: vec![],
            },
        ],
    };
    let plan = replica_dns_core::plan::plan(&config, &input).unwrap();
    let zones: Vec<&str> = plan
        .batches
        .iter()
        .map(|b| b.hosted_zone_id.as_str())
        .collect();
    assert_eq!(zones, vec![ZONE, "ZEU"]);
    assert!(plan.batches.iter().all(|b| b.changes.len() == 2));
}

#[test]
fn plan_refuses_inputs_it_cannot_plan_safely() {
    let config = config_of(vec![group_config(G)]);
    let t = topology(G, &[("001", 'P', true)]);
    let zone = ZoneRecords {
        hosted_zone_id: ZONE.into(),
        records: vec![],
    };
    let run = |topologies: Vec<Topology>, zones: Vec<ZoneRecords>| {
        replica_dns_core::plan::plan(&config, &PlanInput { topologies, zones })
    };
    assert_eq!(
        run(vec![topology("payments", &[])], vec![zone.clone()]),
        Err(PlanError::UnknownGroup {
            group: "payments".into()
        })
    );
    assert_eq!(
        run(vec![t.clone(), t.clone()], vec![zone.clone()]),
        Err(PlanError::DuplicateTopology { group: G.into() })
    );
    assert_eq!(
        run(vec![t.clone()], vec![]),
        Err(PlanError::MissingZone {
            group: G.into(),
            hosted_zone_id: ZONE.into()
        })
    );
    // Overlapping templates (config validation should have refused them).
    let mut twin = group_config("payments");
    twin.name_template = template(G);
    let overlapping = config_of(vec![group_config(G), twin]);
    let result = replica_dns_core::plan::plan(
        &overlapping,
        &PlanInput {
            topologies: vec![
                topology(G, &[("001", 'P', true), ("002", 'R', true)]),
                topology("payments", &[("001", 'P', true), ("002", 'R', true)]),
            ],
            zones: vec![zone],
        },
    );
    assert_eq!(
        result,
        Err(PlanError::OverlappingGroups {
            name: slot_name(G, 1),
            first: G.into(),
            second: "payments".into()
        })
    );
}

#[test]
fn deletes_carry_the_record_exactly_as_read() {
    // Route 53 returned the target with a trailing dot and upper case: the DELETE must
    // repeat it byte for byte, while an equivalent target is not a change at all.
    let config = config_of(vec![group_config(G)]);
    let mut records = owned(G, 1, "002", "002");
    records[0].values = vec![format!("{}.", addr(&id("002")).to_uppercase())];
    let steady = plan_zone(
        &config,
        &[topology(G, &[("001", 'P', true), ("002", 'R', true)])],
        &records,
    );
    assert!(
        steady.is_empty(),
        "equivalent target is no change\n{steady}"
    );

    let failed_over = topology(G, &[("001", 'R', true), ("002", 'P', true)]);
    let plan = plan_zone(&config, &[failed_over], &records);
    let deletes: Vec<&RecordSet> = plan.batches[0]
        .changes
        .iter()
        .filter(|c| c.action == ChangeAction::Delete)
        .map(|c| &c.record)
        .collect();
    assert_eq!(deletes, vec![&records[0], &records[1]]);
}

#[test]
fn plan_round_trips_through_json_with_route53_spelling() {
    let config = config_of(vec![group_config(G)]);
    let plan = plan_zone(&config, &[blog_topology()], &[]);
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["batches"][0]["changes"][0]["action"], "CREATE");
    assert_eq!(json["batches"][0]["changes"][0]["record"]["type"], "CNAME");
    assert_eq!(json["groups"][0]["status"]["kind"], "final");
    assert_eq!(json["groups"][0]["slots"][0]["reason"]["kind"], "created");
    let back: replica_dns_core::plan::Plan = serde_json::from_value(json).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn dry_run_table_shows_each_name_its_action_target_and_reason() {
    let config = config_of(vec![group_config(G)]);
    let failed_over = topology(
        G,
        &[
            ("001", 'R', false),
            ("002", 'P', true),
            ("003", 'R', true),
            ("004", 'R', true),
            ("005", 'R', true),
            ("006", 'R', true),
        ],
    );
    let mut records = blog_names();
    records.push(RecordSet::cname(&slot_name(G, 9), 10, "old.example.com"));
    let table = plan_zone(&config, &[failed_over], &records).render_table();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("GROUP"), "{table}");
    assert!(
        lines[1].contains("replica1.orders.cache.internal.")
            && lines[1].contains("replace")
            && lines[1].contains("orders-003 (interim)")
            && lines[1].contains("rehomed from orders-002: home became primary"),
        "{table}"
    );
    assert!(lines[2].contains("unchanged"), "{table}");
    assert!(
        table.contains("orders: interim, 4 change(s), waiting for orders-001"),
        "{table}"
    );
    assert!(
        table.contains("replica9.orders.cache.internal. skipped, not ours"),
        "{table}"
    );
    let first_run = plan_zone(&config, &[blog_topology()], &[]);
    let routing: Vec<Routing> = first_run.groups[0]
        .slots
        .iter()
        .map(|s| s.routing)
        .collect();
    assert_eq!(routing, vec![Routing::Home; 5]);
}

// --- AZ-local names and the pooled name (issue 12): one row per row of the AZ-name
// and pool tables in plan.rs. ---

/// A row for the AZ names and the pool: what the zone holds after applying the plan.
struct ExtraCase {
    name: &'static str,
    group: GroupConfig,
    topology: Topology,
    records: Vec<RecordSet>,
    /// AZ → target suffix (or PRIMARY), every AZ name we own after applying.
    azs: Vec<(&'static str, &'static str)>,
    /// SetIdentifier suffix → target suffix (or PRIMARY), every pool record we own.
    pool: Vec<(&'static str, &'static str)>,
    az_reasons: Vec<(&'static str, AzNameReason)>,
    pool_reasons: Vec<(&'static str, PoolReason)>,
    waiting_for: Vec<&'static str>,
    /// Exactly the group's warnings.
    warnings: Vec<Warning>,
}

/// 001 primary in a; 002 in a, 003 and 004 in b (all replicas, available unless listed
/// in `down`), 005 in c only when `with_c`.
fn three_azs(down: &[&str], with_c: bool) -> Topology {
    let mut spec = vec![
        ("001", 'P', true, AZ_A),
        ("002", 'R', true, AZ_A),
        ("003", 'R', true, AZ_B),
        ("004", 'R', true, AZ_B),
    ];
    if with_c {
        spec.push(("005", 'R', true, AZ_C));
    }
    for entry in spec.iter_mut() {
        if down.contains(&entry.0) {
            entry.2 = false;
        }
    }
    topology_in_azs(G, &spec)
}

/// Slots at home as a first run on `three_azs` leaves them (002, 003, 004[, 005]).
fn three_az_slots(with_c: bool) -> Vec<RecordSet> {
    let mut records = unrelated_records();
    records.extend(owned(G, 1, "002", "002"));
    records.extend(owned(G, 2, "003", "003"));
    records.extend(owned(G, 3, "004", "004"));
    if with_c {
        records.extend(owned(G, 4, "005", "005"));
    }
    records
}

fn records_with(mut base: Vec<RecordSet>, extra: &[Vec<RecordSet>]) -> Vec<RecordSet> {
    for e in extra {
        base.extend(e.iter().cloned());
    }
    base
}

fn extra_cases() -> Vec<ExtraCase> {
    let az_only = group_config_with(G, true, false);
    let pool_only = group_config_with(G, false, true);
    let with_policy = |mut g: GroupConfig, policy| {
        g.no_replica_policy = policy;
        g
    };
    let all_down = three_azs(&["002", "003", "004"], false);
    let steady_azs = records_with(
        three_az_slots(false),
        &[az_owned(G, AZ_A, "002"), az_owned(G, AZ_B, "003")],
    );
    let steady_pool = records_with(
        three_az_slots(false),
        &[
            pool_owned(G, "002", "002", 10),
            pool_owned(G, "003", "003", 10),
            pool_owned(G, "004", "004", 10),
        ],
    );
    let no_replica = |policy| Warning::NoReplicaAvailable { policy };
    vec![
        ExtraCase {
            name: "az: first run puts each AZ's name on a replica in it, fewest names then lowest id",
            group: az_only.clone(),
            topology: three_azs(&[], false),
            records: three_az_slots(false),
            azs: vec![(AZ_A, "002"), (AZ_B, "003")],
            pool: vec![],
            az_reasons: vec![(AZ_A, AzNameReason::Created), (AZ_B, AzNameReason::Created)],
            pool_reasons: vec![],
            waiting_for: vec![],
            warnings: vec![],
        },
        ExtraCase {
            name: "az: a name on an available replica of its AZ stays (sticky)",
            group: az_only.clone(),
            topology: three_azs(&[], false),
            records: records_with(
                three_az_slots(false),
                &[az_owned(G, AZ_A, "002"), az_owned(G, AZ_B, "004")],
            ),
            azs: vec![(AZ_A, "002"), (AZ_B, "004")],
            pool: vec![],
            az_reasons: vec![(AZ_B, AzNameReason::Unchanged)],
            pool_reasons: vec![],
            waiting_for: vec![],
            warnings: vec![],
        },
        ExtraCase {
            name: "az: no available replica in the AZ falls back elsewhere, interim, waiting for the AZ's replicas",
            group: az_only.clone(),
            topology: three_azs(&["003", "004"], false),
            records: steady_azs.clone(),
            azs: vec![(AZ_A, "002"), (AZ_B, "002")],
            pool: vec![],
            az_reasons: vec![(AZ_A, AzNameReason::Unchanged), (AZ_B, AzNameReason::Fallback)],
            pool_reasons: vec![],
            waiting_for: vec!["003", "004"],
            warnings: vec![],
        },
        ExtraCase {
            name: "az: a fallback stays on its available replica (no churn) rather than moving to an equal one",
            group: az_only.clone(),
            topology: three_azs(&["003", "004"], true),
            records: records_with(
                three_az_slots(true),
                &[
                    az_owned(G, AZ_A, "002"),
                    az_owned(G, AZ_B, "005"),
                    az_owned(G, AZ_C, "005"),
                ],
            ),
            // A fresh choice would be 002 (a tie on AZ names, lowest id).
            azs: vec![(AZ_A, "002"), (AZ_B, "005"), (AZ_C, "005")],
            pool: vec![],
            az_reasons: vec![(AZ_B, AzNameReason::Unchanged)],
            pool_reasons: vec![],
            waiting_for: vec!["003", "004"],
            warnings: vec![],
        },
        ExtraCase {
            name: "az: a fallback spreads over the replicas with the fewest AZ names",
            group: az_only.clone(),
            topology: three_azs(&["003", "004"], true),
            records: three_az_slots(true),
            // a takes 002 and c 005 (in their AZs), then b falls back to the fewest AZ
            // names: a tie, lowest id.
            azs: vec![(AZ_A, "002"), (AZ_B, "002"), (AZ_C, "005")],
            pool: vec![],
            az_reasons: vec![(AZ_B, AzNameReason::Created)],
            pool_reasons: vec![],
            waiting_for: vec!["003", "004"],
            warnings: vec![],
        },
        ExtraCase {
            name: "az: the AZ's replica is available again, the name returns to its AZ",
            group: az_only.clone(),
            topology: three_azs(&[], false),
            records: records_with(
                three_az_slots(false),
                &[az_owned(G, AZ_A, "002"), az_owned(G, AZ_B, "002")],
            ),
            azs: vec![(AZ_A, "002"), (AZ_B, "003")],
            pool: vec![],
            az_reasons: vec![(AZ_B, AzNameReason::ReturnedToAz)],
            pool_reasons: vec![],
            waiting_for: vec![],
            warnings: vec![],
        },
        ExtraCase {
            name: "az: the name of an AZ the group left is deleted (CNAME and TXT)",
            group: az_only.clone(),
            topology: three_azs(&[], false),
            records: records_with(steady_azs.clone(), &[az_owned(G, AZ_C, "002")]),
            azs: vec![(AZ_A, "002"), (AZ_B, "003")],
            pool: vec![],
            az_reasons: vec![(
                AZ_C,
                AzNameReason::Deleted {
                    why: AzDeleteCause::AzLeft,
                },
            )],
            pool_reasons: vec![],
            waiting_for: vec![],
            warnings: vec![],
        },
        ExtraCase {
            name: "az: a replica in a new AZ gets the AZ's name",
            group: az_only.clone(),
            topology: three_azs(&[], true),
            records: records_with(three_az_slots(true), &[az_owned(G, AZ_A, "002"), az_owned(G, AZ_B, "003")]),
            azs: vec![(AZ_A, "002"), (AZ_B, "003"), (AZ_C, "005")],
            pool: vec![],
            az_reasons: vec![(AZ_C, AzNameReason::Created), (AZ_A, AzNameReason::Unchanged)],
            pool_reasons: vec![],
            waiting_for: vec![],
            warnings: vec![],
        },
        ExtraCase {
            name: "az: an AZ with only the primary points at a replica elsewhere and waits for nothing",
            group: az_only.clone(),
            topology: topology_in_azs(
                G,
                &[
                    ("001", 'P', true, AZ_C),
                    ("002", 'R', true, AZ_A),
                    ("003", 'R', true, AZ_B),
                    ("004", 'R', true, ""),
                ],
            ),
            records: three_az_slots(false),
            // a → 002, b → 003, c falls back to the fewest AZ names: 004 (none, no AZ).
            azs: vec![(AZ_A, "002"), (AZ_B, "003"), (AZ_C, "004")],
            pool: vec![],
            az_reasons: vec![],
            pool_reasons: vec![],
            waiting_for: vec![],
            warnings: vec![],
        },
        ExtraCase {
            name: "az: no replica available, policy primary: every AZ name on the primary endpoint",
            group: az_only.clone(),
            topology: all_down.clone(),
            records: steady_azs.clone(),
            azs: vec![(AZ_A, PRIMARY), (AZ_B, PRIMARY)],
            pool: vec![],
            az_reasons: vec![(AZ_A, AzNameReason::PrimaryFallback)],
            pool_reasons: vec![],
            // The slots wait for their homes (slot table); the names add nothing.
            waiting_for: vec!["002", "003", "004"],
            warnings: vec![no_replica(NoReplicaPolicy::Primary)],
        },
        ExtraCase {
            name: "az: no replica available, policy keep: AZ names as they are",
            group: with_policy(az_only.clone(), NoReplicaPolicy::Keep),
            topology: all_down.clone(),
            records: steady_azs.clone(),
            azs: vec![(AZ_A, "002"), (AZ_B, "003")],
            pool: vec![],
            az_reasons: vec![(AZ_A, AzNameReason::Kept)],
            pool_reasons: vec![],
            waiting_for: vec!["002", "003", "004"],
            warnings: vec![no_replica(NoReplicaPolicy::Keep)],
        },
        ExtraCase {
            name: "az: no replica available, policy delete: owned AZ names deleted",
            group: with_policy(az_only.clone(), NoReplicaPolicy::Delete),
            topology: all_down.clone(),
            records: steady_azs.clone(),
            azs: vec![],
            pool: vec![],
            az_reasons: vec![(
                AZ_B,
                AzNameReason::Deleted {
                    why: AzDeleteCause::NoReplicaPolicy,
                },
            )],
            pool_reasons: vec![],
            waiting_for: vec!["002", "003", "004"],
            warnings: vec![no_replica(NoReplicaPolicy::Delete)],
        },
        ExtraCase {
            name: "az: a CNAME without our TXT at an AZ name is foreign: untouched, reported",
            group: az_only.clone(),
            topology: three_azs(&[], false),
            records: records_with(
                three_az_slots(false),
                &[
                    vec![RecordSet::cname(&az_name(G, AZ_A), 60, "by-hand.example.com")],
                    az_owned(G, AZ_B, "003"),
                ],
            ),
            azs: vec![(AZ_B, "003")],
            pool: vec![],
            az_reasons: vec![],
            pool_reasons: vec![],
            waiting_for: vec![],
            warnings: vec![Warning::ForeignAzRecord {
                az: AZ_A.into(),
                name: az_name(G, AZ_A),
                reason: ForeignReason::CnameWithoutOwnership {
                    target: "by-hand.example.com".into(),
                },
            }],
        },
        ExtraCase {
            name: "pool: first run, every available replica joins",
            group: pool_only.clone(),
            topology: three_azs(&[], false),
            records: three_az_slots(false),
            azs: vec![],
            pool: vec![("002", "002"), ("003", "003"), ("004", "004")],
            az_reasons: vec![],
            pool_reasons: vec![("002", PoolReason::Joined)],
            waiting_for: vec![],
            warnings: vec![],
        },
        ExtraCase {
            name: "pool: steady state plans nothing",
            group: pool_only.clone(),
            topology: three_azs(&[], false),
            records: steady_pool.clone(),
            azs: vec![],
            pool: vec![("002", "002"), ("003", "003"), ("004", "004")],
            az_reasons: vec![],
            pool_reasons: vec![("003", PoolReason::Unchanged)],
            waiting_for: vec![],
            warnings: vec![],
        },
        ExtraCase {
            name: "pool: a replica promoted by a failover leaves the pool",
            group: pool_only.clone(),
            topology: topology_in_azs(
                G,
                &[
                    ("001", 'R', false, AZ_A),
                    ("002", 'P', true, AZ_A),
                    ("003", 'R', true, AZ_B),
                    ("004", 'R', true, AZ_B),
                ],
            ),
            records: steady_pool.clone(),
            azs: vec![],
            pool: vec![("003", "003"), ("004", "004")],
            az_reasons: vec![],
            pool_reasons: vec![(
                "002",
                PoolReason::Left {
                    why: PoolLeaveCause::BecamePrimary,
                },
            )],
            waiting_for: vec!["001"],
            warnings: vec![],
        },
        ExtraCase {
            name: "pool: an unavailable replica leaves the pool",
            group: pool_only.clone(),
            topology: three_azs(&["003"], false),
            records: steady_pool.clone(),
            azs: vec![],
            pool: vec![("002", "002"), ("004", "004")],
            az_reasons: vec![],
            pool_reasons: vec![(
                "003",
                PoolReason::Left {
                    why: PoolLeaveCause::Unavailable,
                },
            )],
            waiting_for: vec!["003"],
            warnings: vec![],
        },
        ExtraCase {
            name: "pool: a foreign weighted record stays beside ours, reported",
            group: pool_only.clone(),
            topology: three_azs(&[], false),
            records: records_with(
                steady_pool.clone(),
                &[vec![RecordSet {
                    set_identifier: Some("blue".into()),
                    weight: Some(5),
                    ..RecordSet::cname(&pooled_name(G), 10, "blue.example.com")
                }]],
            ),
            azs: vec![],
            pool: vec![("002", "002"), ("003", "003"), ("004", "004")],
            az_reasons: vec![],
            pool_reasons: vec![],
            waiting_for: vec![],
            warnings: vec![Warning::ForeignPoolRecord {
                name: pooled_name(G),
                set_identifier: "blue".into(),
                reason: ForeignReason::CnameWithoutOwnership {
                    target: "blue.example.com".into(),
                },
            }],
        },
        ExtraCase {
            name: "pool: a simple record at the pooled name blocks the pool",
            group: pool_only.clone(),
            topology: three_azs(&[], false),
            records: records_with(
                three_az_slots(false),
                &[vec![RecordSet::cname(&pooled_name(G), 60, "simple.example.com")]],
            ),
            azs: vec![],
            pool: vec![],
            az_reasons: vec![],
            pool_reasons: vec![],
            waiting_for: vec![],
            warnings: vec![Warning::PoolBlocked {
                name: pooled_name(G),
                reason: PoolBlock::NonWeightedRecords {
                    types: vec!["CNAME".into()],
                },
            }],
        },
        ExtraCase {
            name: "pool: blocked by a stranger's TTL, it still loses the new primary and keeps what points right",
            group: pool_only.clone(),
            topology: topology_in_azs(
                G,
                &[
                    ("001", 'R', false, AZ_A),
                    ("002", 'P', true, AZ_A),
                    ("003", 'R', true, AZ_B),
                    ("004", 'R', true, AZ_B),
                ],
            ),
            // The stranger wrote last: Route 53 gave every weighted record its TTL 60.
            records: records_with(
                three_az_slots(false),
                &[
                    pool_owned(G, "002", "002", 60),
                    pool_owned(G, "003", "003", 60),
                    pool_owned(G, "004", "004", 60),
                    vec![RecordSet {
                        set_identifier: Some("blue".into()),
                        weight: Some(5),
                        ..RecordSet::cname(&pooled_name(G), 60, "blue.example.com")
                    }],
                ],
            ),
            azs: vec![],
            pool: vec![("003", "003"), ("004", "004")],
            az_reasons: vec![],
            pool_reasons: vec![
                (
                    "002",
                    PoolReason::Left {
                        why: PoolLeaveCause::BecamePrimary,
                    },
                ),
                ("003", PoolReason::Unchanged),
            ],
            waiting_for: vec!["001"],
            warnings: vec![
                Warning::ForeignPoolRecord {
                    name: pooled_name(G),
                    set_identifier: "blue".into(),
                    reason: ForeignReason::CnameWithoutOwnership {
                        target: "blue.example.com".into(),
                    },
                },
                Warning::PoolBlocked {
                    name: pooled_name(G),
                    reason: PoolBlock::ForeignTtl {
                        set_identifier: "blue".into(),
                        ttl: Some(60),
                    },
                },
            ],
        },
        ExtraCase {
            name: "pool: records with another TTL are replaced",
            group: pool_only.clone(),
            topology: three_azs(&[], false),
            records: records_with(
                three_az_slots(false),
                &[
                    pool_owned(G, "002", "002", 30),
                    pool_owned(G, "003", "003", 30),
                    pool_owned(G, "004", "004", 30),
                ],
            ),
            azs: vec![],
            pool: vec![("002", "002"), ("003", "003"), ("004", "004")],
            az_reasons: vec![],
            pool_reasons: vec![(
                "002",
                PoolReason::Replaced {
                    found_target: Some(addr(&id("002"))),
                },
            )],
            waiting_for: vec![],
            warnings: vec![],
        },
        ExtraCase {
            name: "pool: no replica available, policy primary: one record at the primary endpoint",
            group: pool_only.clone(),
            topology: all_down.clone(),
            records: steady_pool.clone(),
            azs: vec![],
            pool: vec![("001", PRIMARY)],
            az_reasons: vec![],
            pool_reasons: vec![
                ("001", PoolReason::PrimaryFallback),
                (
                    "002",
                    PoolReason::Left {
                        why: PoolLeaveCause::Unavailable,
                    },
                ),
            ],
            // The slots wait for their homes (slot table); the names add nothing.
            waiting_for: vec!["002", "003", "004"],
            warnings: vec![no_replica(NoReplicaPolicy::Primary)],
        },
        ExtraCase {
            name: "pool: no replica available, policy keep: pool as it is",
            group: with_policy(pool_only.clone(), NoReplicaPolicy::Keep),
            topology: all_down.clone(),
            records: steady_pool.clone(),
            azs: vec![],
            pool: vec![("002", "002"), ("003", "003"), ("004", "004")],
            az_reasons: vec![],
            pool_reasons: vec![("004", PoolReason::Kept)],
            waiting_for: vec!["002", "003", "004"],
            warnings: vec![no_replica(NoReplicaPolicy::Keep)],
        },
        ExtraCase {
            name: "pool: no replica available, policy delete: every owned pool record deleted",
            group: with_policy(pool_only.clone(), NoReplicaPolicy::Delete),
            topology: all_down.clone(),
            records: steady_pool.clone(),
            azs: vec![],
            pool: vec![],
            az_reasons: vec![],
            pool_reasons: vec![(
                "002",
                PoolReason::Left {
                    why: PoolLeaveCause::NoReplicaPolicy,
                },
            )],
            waiting_for: vec!["002", "003", "004"],
            warnings: vec![no_replica(NoReplicaPolicy::Delete)],
        },
        ExtraCase {
            name: "both: a failover moves AZ names and the pool off the new primary in one batch",
            group: group_config_with(G, true, true),
            topology: topology_in_azs(
                G,
                &[
                    ("001", 'R', false, AZ_A),
                    ("002", 'P', true, AZ_A),
                    ("003", 'R', true, AZ_B),
                    ("004", 'R', true, AZ_B),
                ],
            ),
            records: records_with(
                steady_pool.clone(),
                &[az_owned(G, AZ_A, "002"), az_owned(G, AZ_B, "003")],
            ),
            azs: vec![(AZ_A, "004"), (AZ_B, "003")],
            pool: vec![("003", "003"), ("004", "004")],
            az_reasons: vec![(AZ_A, AzNameReason::Fallback)],
            pool_reasons: vec![],
            waiting_for: vec!["001"],
            warnings: vec![],
        },
    ]
}

#[test]
fn az_name_and_pool_cases() {
    for case in extra_cases() {
        let name = case.name;
        let config = config_of(vec![case.group.clone()]);
        let plan = plan_zone(&config, std::slice::from_ref(&case.topology), &case.records);
        assert_eq!(
            plan.batches.len().min(1),
            plan.batches.len(),
            "{name}: one batch"
        );
        let group = &plan.groups[0];
        assert_eq!(group.warnings, case.warnings, "{name}: warnings\n{plan}");
        let waiting: Vec<String> = case.waiting_for.iter().map(|s| id(s)).collect();
        let status = if waiting.is_empty() {
            PlanStatus::Final
        } else {
            PlanStatus::Interim {
                waiting_for: waiting,
            }
        };
        assert_eq!(group.status, status, "{name}: status\n{plan}");
        for (az, reason) in &case.az_reasons {
            let planned = group
                .az_names
                .iter()
                .find(|a| a.az == *az)
                .unwrap_or_else(|| panic!("{name}: AZ {az} not planned\n{plan}"));
            assert_eq!(&planned.reason, reason, "{name}: reason of AZ {az}\n{plan}");
        }
        for (set, reason) in &case.pool_reasons {
            let planned = group
                .pool
                .iter()
                .flat_map(|p| &p.members)
                .find(|m| m.set_identifier == id(set))
                .unwrap_or_else(|| panic!("{name}: pool record {set} not planned\n{plan}"));
            assert_eq!(
                &planned.reason, reason,
                "{name}: reason of pool record {set}\n{plan}"
            );
        }
        // Every DELETE is of a record as read; no foreign record is touched.
        for change in &group.changes {
            assert_ne!(
                change.action,
                ChangeAction::Upsert,
                "{name}: UPSERT planned"
            );
            if change.action == ChangeAction::Delete {
                assert!(
                    case.records.contains(&change.record),
                    "{name}: DELETE of a record not read: {change}"
                );
            }
        }

        let after = apply(&case.records, &plan);
        let expect = |pairs: &[(&str, &str)], key: &dyn Fn(&str) -> String| {
            pairs
                .iter()
                .map(|(k, t)| {
                    let target = if *t == PRIMARY {
                        PRIMARY.to_string()
                    } else {
                        id(t)
                    };
                    (key(k), target)
                })
                .collect::<Vec<(String, String)>>()
        };
        assert_eq!(
            managed_azs(G, &case.topology, &after)
                .into_iter()
                .collect::<Vec<_>>(),
            expect(&case.azs, &|az| az.to_string()),
            "{name}: AZ names after applying\n{plan}"
        );
        assert_eq!(
            managed_pool(G, &case.topology, &after)
                .into_iter()
                .collect::<Vec<_>>(),
            expect(&case.pool, &|set| id(set)),
            "{name}: pool after applying\n{plan}"
        );
        // Slots keep following their own table: never on the primary while a replica
        // is available (their exact rows are the cases above).
        let again = plan_zone(&config, std::slice::from_ref(&case.topology), &after);
        assert!(
            again.is_empty(),
            "{name}: planning again is not empty\n{again}"
        );
    }
}

#[test]
fn two_groups_writing_one_pooled_name_overlap() {
    let mut other = group_config_with("payments", false, false);
    other.pooled_name = group_config_with(G, false, true).pooled_name;
    let config = config_of(vec![group_config_with(G, false, true), other]);
    let result = replica_dns_core::plan::plan(
        &config,
        &PlanInput {
            topologies: vec![
                topology(G, &[("001", 'P', true), ("002", 'R', true)]),
                topology("payments", &[("001", 'P', true), ("002", 'R', true)]),
            ],
            zones: vec![ZoneRecords {
                hosted_zone_id: ZONE.into(),
                records: vec![],
            }],
        },
    );
    assert_eq!(
        result,
        Err(PlanError::OverlappingGroups {
            name: pooled_name(G),
            first: G.into(),
            second: "payments".into()
        })
    );
}

#[test]
fn dry_run_table_has_rows_for_az_names_and_pool_records() {
    let config = config_of(vec![group_config_with(G, true, true)]);
    let plan = plan_zone(
        &config,
        &[three_azs(&["003", "004"], false)],
        &three_az_slots(false),
    );
    let table = plan.render_table();
    assert!(
        table.lines().any(|l| l.contains(&az_name(G, AZ_B))
            && l.contains("orders-002 (interim)")
            && l.contains("az us-east-1b")),
        "{table}"
    );
    assert!(
        table.lines().any(
            |l| l.contains("replicas.orders.cache.internal. [orders-002]")
                && l.contains("joined the pool")
        ),
        "{table}"
    );
    // Plans of groups without these names keep their JSON shape.
    let plain = plan_zone(&config_of(vec![group_config(G)]), &[blog_topology()], &[]);
    let json = serde_json::to_value(&plain.groups[0]).unwrap();
    assert!(
        json.get("azNames").is_none() && json.get("pool").is_none(),
        "{json}"
    );
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["groups"][0]["azNames"][1]["routing"], "interim");
    let back: replica_dns_core::plan::Plan = serde_json::from_value(json).unwrap();
    assert_eq!(back, plan);
}
