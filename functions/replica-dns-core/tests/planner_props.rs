//! Property tests of the planner over random topologies and random existing record sets
//! (ours, the blog's, strangers', hand-edited), one or two groups sharing a zone whose
//! ids share a prefix (`orders`, `orders-eu`).
//!
//! The generator labels every record it makes (ours / adoptable / foreign) and knows
//! which slots it blocked with foreign records, so the properties are checked against the
//! generator's intent rather than against the planner's own classification.
//!
//! Case count: 128 by default; `PROPTEST_CASES=100000 cargo test -p replica-dns-core
//! --release --test planner_props` for a long run.

#![allow(clippy::unwrap_used)]

mod planner_support;

use std::collections::BTreeSet;

use planner_support::*;
use proptest::prelude::*;
use proptest::sample::{subsequence, Index};
use proptest::test_runner::TestCaseError;
use replica_dns_core::config::{GroupConfig, NoReplicaPolicy, MAX_REPLICAS};
use replica_dns_core::plan::{
    apply_changes, effect_in_place, plan, ChangeAction, Plan, PlanInput, ZoneRecords,
};
use replica_dns_core::records::{names_equal, RecordSet, RecordType};
use replica_dns_core::topology::{Role, Topology};

const GROUPS: [&str; 2] = ["orders", "orders-eu"];
const MAX_SLOT: u32 = 8;

/// What the generator put at one slot number of one group.
#[derive(Debug, Clone)]
enum SlotGen {
    Empty,
    /// Written by a previous run (possibly edited since).
    Ours {
        home: u8,
        target: TargetGen,
        ttl: u32,
        txt_slot_off_by_one: bool,
        cname_present: bool,
    },
    /// A CNAME and no TXT, as the blog's Lambda leaves it.
    Blog {
        target: TargetGen,
    },
    /// TXT of another deployment (other owner id), with a CNAME.
    OtherOwner {
        target: TargetGen,
    },
    /// TXT of the other group (ids share a prefix), with a CNAME.
    OtherGroup {
        target: TargetGen,
    },
    /// A TXT at the ownership name that is not ours at all.
    StrangeTxt,
    /// An A record at the slot name.
    ARecord,
    /// Our TXT, but an A record at the slot name.
    OursTxtWithA {
        home: u8,
    },
    /// A weighted CNAME at the slot name.
    Weighted {
        target: TargetGen,
    },
}

#[derive(Debug, Clone, Copy)]
enum TargetGen {
    Member(u8),
    Primary,
    Elsewhere,
}

#[derive(Debug, Clone)]
struct MemberGen {
    index: u8,
    available: bool,
    has_endpoint: bool,
}

#[derive(Debug, Clone)]
struct GroupGen {
    members: Vec<MemberGen>,
    primary: Option<Index>,
    has_primary_endpoint: bool,
    policy: NoReplicaPolicy,
    adopt: bool,
    ttl: u32,
    slots: Vec<SlotGen>,
}

fn target_gen() -> impl Strategy<Value = TargetGen> {
    prop_oneof![
        6 => (1u8..=9).prop_map(TargetGen::Member),
        1 => Just(TargetGen::Primary),
        1 => Just(TargetGen::Elsewhere),
    ]
}

fn slot_gen() -> impl Strategy<Value = SlotGen> {
    prop_oneof![
        6 => Just(SlotGen::Empty),
        10 => (
            1u8..=9,
            target_gen(),
            prop_oneof![5 => Just(10u32), 1 => Just(30u32)],
            prop::bool::weighted(0.05),
            prop::bool::weighted(0.9),
        )
            .prop_map(|(home, target, ttl, txt_slot_off_by_one, cname_present)| SlotGen::Ours {
                home,
                target,
                ttl,
                txt_slot_off_by_one,
                cname_present,
            }),
        3 => target_gen().prop_map(|target| SlotGen::Blog { target }),
        1 => target_gen().prop_map(|target| SlotGen::OtherOwner { target }),
        1 => target_gen().prop_map(|target| SlotGen::OtherGroup { target }),
        1 => Just(SlotGen::StrangeTxt),
        1 => Just(SlotGen::ARecord),
        1 => (1u8..=9).prop_map(|home| SlotGen::OursTxtWithA { home }),
        1 => target_gen().prop_map(|target| SlotGen::Weighted { target }),
    ]
}

fn group_gen() -> impl Strategy<Value = GroupGen> {
    let members = subsequence((1u8..=9).collect::<Vec<_>>(), 1..=6).prop_flat_map(|indexes| {
        let n = indexes.len();
        (
            Just(indexes),
            prop::collection::vec(prop::bool::weighted(0.7), n),
            prop::collection::vec(prop::bool::weighted(0.5), n),
        )
            .prop_map(|(indexes, available, has_endpoint)| {
                indexes
                    .into_iter()
                    .zip(available)
                    .zip(has_endpoint)
                    .map(|((index, available), has_endpoint)| MemberGen {
                        index,
                        available,
                        has_endpoint: available || has_endpoint,
                    })
                    .collect::<Vec<_>>()
            })
    });
    (
        members,
        prop::option::weighted(0.9, any::<Index>()),
        prop::bool::weighted(0.9),
        prop_oneof![
            2 => Just(NoReplicaPolicy::Primary),
            1 => Just(NoReplicaPolicy::Keep),
            1 => Just(NoReplicaPolicy::Delete),
        ],
        any::<bool>(),
        prop_oneof![4 => Just(10u32), 1 => Just(30u32)],
        prop::collection::vec(slot_gen(), MAX_SLOT as usize),
    )
        .prop_map(
            |(members, primary, has_primary_endpoint, policy, adopt, ttl, slots)| GroupGen {
                members,
                primary,
                has_primary_endpoint,
                policy,
                adopt,
                ttl,
                slots,
            },
        )
}

/// Where a record came from, for the "foreign records are never touched" property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Ours,
    Adoptable,
    Foreign,
}

struct World {
    config: replica_dns_core::config::Config,
    topologies: Vec<Topology>,
    records: Vec<(RecordSet, Origin)>,
    /// Per group: slots the generator blocked with foreign records.
    blocked: Vec<BTreeSet<u32>>,
}

fn member_id(group: &str, index: u8) -> String {
    format!("{group}-{index:03}")
}

fn target_address(group: &str, target: TargetGen) -> String {
    match target {
        TargetGen::Member(i) => addr(&member_id(group, i)),
        TargetGen::Primary => primary_addr(group),
        TargetGen::Elsewhere => "hand-edited.example.com".into(),
    }
}

fn build(gens: &[GroupGen]) -> World {
    let mut records: Vec<(RecordSet, Origin)> = unrelated_records()
        .into_iter()
        .map(|r| (r, Origin::Foreign))
        .collect();
    let mut topologies = Vec::new();
    let mut groups = Vec::new();
    let mut blocked = Vec::new();
    for (gen, group) in gens.iter().zip(GROUPS) {
        let primary = gen.primary.map(|i| i.index(gen.members.len()));
        let mut t = topology(group, &[]);
        if !gen.has_primary_endpoint {
            t.primary_endpoint = None;
        }
        for (i, m) in gen.members.iter().enumerate() {
            let role = if Some(i) == primary {
                Role::Primary
            } else {
                Role::Replica
            };
            let mut member = member(&member_id(group, m.index), role, m.available);
            if !m.has_endpoint {
                member.read_endpoint = None;
            }
            t.members.push(member);
        }
        topologies.push(t);
        groups.push(GroupConfig {
            no_replica_policy: gen.policy,
            adopt_existing: gen.adopt,
            ttl: gen.ttl,
            ..group_config(group)
        });

        let other_group = GROUPS.iter().find(|g| **g != group).copied().unwrap();
        let mut blocked_here = BTreeSet::new();
        for (i, slot) in gen.slots.iter().enumerate() {
            let n = i as u32 + 1;
            let name = slot_name(group, n);
            let txt = txt_name(group, n);
            let cname = |target: TargetGen, ttl: u32| {
                RecordSet::cname(&name, ttl, &target_address(group, target))
            };
            let a_record = RecordSet {
                name: name.clone(),
                record_type: RecordType::Other("A".into()),
                ttl: Some(60),
                values: vec!["10.1.2.3".into()],
                set_identifier: None,
                weight: None,
            };
            let mut push = |r: RecordSet, o: Origin| records.push((r, o));
            match slot {
                SlotGen::Empty => {}
                SlotGen::Ours {
                    home,
                    target,
                    ttl,
                    txt_slot_off_by_one,
                    cname_present,
                } => {
                    if *cname_present {
                        push(cname(*target, *ttl), Origin::Ours);
                    }
                    let txt_slot = if *txt_slot_off_by_one { n + 1 } else { n };
                    push(
                        RecordSet::txt(
                            &txt,
                            *ttl,
                            &txt_value(group, txt_slot, &member_id(group, *home)),
                        ),
                        Origin::Ours,
                    );
                }
                SlotGen::Blog { target } => {
                    // Issue 8, item 5: adoption takes only slots 1..=5 (ElastiCache's
                    // replica maximum, and the names IAM lets replica-dns write);
                    // anything above stays foreign even with adoptExisting.
                    let plausible = n <= u32::from(MAX_REPLICAS);
                    let origin = if gen.adopt && plausible {
                        Origin::Adoptable
                    } else {
                        blocked_here.insert(n);
                        Origin::Foreign
                    };
                    push(cname(*target, 10), origin);
                }
                SlotGen::OtherOwner { target } => {
                    blocked_here.insert(n);
                    push(cname(*target, 10), Origin::Foreign);
                    push(
                        RecordSet::txt(
                            &txt,
                            10,
                            &format!(
                                "\"replica-dns owner=someone-else group={group} slot={n} home={}\"",
                                member_id(group, 1)
                            ),
                        ),
                        Origin::Foreign,
                    );
                }
                SlotGen::OtherGroup { target } => {
                    blocked_here.insert(n);
                    push(cname(*target, 10), Origin::Foreign);
                    push(
                        RecordSet::txt(
                            &txt,
                            10,
                            &txt_value(other_group, n, &member_id(other_group, 1)),
                        ),
                        Origin::Foreign,
                    );
                }
                SlotGen::StrangeTxt => {
                    blocked_here.insert(n);
                    push(
                        RecordSet::txt(&txt, 300, "\"google-site-verification=abc\""),
                        Origin::Foreign,
                    );
                }
                SlotGen::ARecord => {
                    blocked_here.insert(n);
                    push(a_record, Origin::Foreign);
                }
                SlotGen::OursTxtWithA { home } => {
                    blocked_here.insert(n);
                    push(a_record, Origin::Foreign);
                    push(
                        RecordSet::txt(&txt, 10, &txt_value(group, n, &member_id(group, *home))),
                        Origin::Ours,
                    );
                }
                SlotGen::Weighted { target } => {
                    blocked_here.insert(n);
                    push(
                        RecordSet {
                            set_identifier: Some("w1".into()),
                            weight: Some(10),
                            ..cname(*target, 10)
                        },
                        Origin::Foreign,
                    );
                }
            }
        }
        blocked.push(blocked_here);
    }
    World {
        config: config_of(groups),
        topologies,
        records,
        blocked,
    }
}

fn run_plan(world: &World, records: &[RecordSet]) -> Plan {
    plan(
        &world.config,
        &PlanInput {
            topologies: world.topologies.clone(),
            zones: vec![ZoneRecords {
                hosted_zone_id: ZONE.into(),
                records: records.to_vec(),
            }],
        },
    )
    .unwrap()
}

fn check(gens: Vec<GroupGen>, shuffle_seed: u64) -> Result<(), TestCaseError> {
    let world = build(&gens);
    let records: Vec<RecordSet> = world.records.iter().map(|(r, _)| r.clone()).collect();
    let plan = run_plan(&world, &records);

    // Every DELETE matches a record as read, exactly; no UPSERT.
    for change in plan.batches.iter().flat_map(|b| &b.changes) {
        prop_assert!(change.action != ChangeAction::Upsert, "UPSERT planned");
        if change.action == ChangeAction::Delete {
            prop_assert!(
                records.contains(&change.record),
                "DELETE of a record not read: {:?}",
                change.record
            );
        }
    }
    // No foreign record (by the generator's label) appears in any change.
    for change in plan.batches.iter().flat_map(|b| &b.changes) {
        for (record, origin) in &world.records {
            prop_assert!(
                !(*origin == Origin::Foreign && record.same_identity(&change.record)),
                "change {:?} touches foreign record {:?}",
                change,
                record
            );
        }
    }
    prop_assert!(plan.batches.len() <= 1, "one batch per zone");

    // Route 53 accepts the batch.
    let after = match plan.batches.first() {
        Some(batch) => apply_changes(&records, &batch.changes)
            .map_err(|e| TestCaseError::fail(format!("batch rejected: {e}\n{plan}")))?,
        None => records.clone(),
    };

    // Issue 8 item 6: a replayed batch can tell "already applied" from "someone else
    // wrote": its effect is in place exactly on the state it produced, never before.
    if let Some(batch) = plan.batches.first() {
        prop_assert!(
            effect_in_place(&after, &batch.changes),
            "effect not in place after applying:\n{plan}"
        );
        prop_assert!(
            !effect_in_place(&records, &batch.changes),
            "effect already in place before applying:\n{plan}"
        );
    }

    // Planning again on the result changes nothing.
    let again = run_plan(&world, &after);
    prop_assert!(
        again.is_empty(),
        "second plan not empty:\n{again}\nfirst:\n{plan}"
    );

    // The plan does not depend on the order records were listed in.
    let mut shuffled = records.clone();
    let len = shuffled.len();
    let mut state = shuffle_seed | 1;
    for i in (1..len).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        shuffled.swap(i, (state >> 33) as usize % (i + 1));
    }
    prop_assert_eq!(&run_plan(&world, &shuffled), &plan, "order-dependent plan");

    for (g, (gen, topology)) in gens.iter().zip(&world.topologies).enumerate() {
        let group = GROUPS[g];
        let blocked = &world.blocked[g];
        let replicas = topology.replicas();
        let r = replicas.len() as u32;
        let available: Vec<_> = replicas.iter().filter(|m| m.is_available()).collect();
        let names = managed(group, topology, &after);
        let unblocked_names: BTreeSet<u32> = names
            .keys()
            .copied()
            .filter(|n| !blocked.contains(n))
            .collect();
        let expected_slots: BTreeSet<u32> = (1..=r).filter(|n| !blocked.contains(n)).collect();
        let primary_target = topology.primary_target().is_some();

        if !available.is_empty()
            || (gen.policy == NoReplicaPolicy::Primary && primary_target && r > 0)
        {
            // Names are exactly 1..R (less the slots strangers hold).
            prop_assert_eq!(&unblocked_names, &expected_slots, "{} names", group);
        }
        if gen.policy == NoReplicaPolicy::Delete && available.is_empty() {
            prop_assert!(
                unblocked_names.is_empty(),
                "{} delete policy left names",
                group
            );
        }
        if !available.is_empty() {
            // No managed name targets a primary (or anything but an available replica).
            for (n, (_, target)) in &names {
                if blocked.contains(n) {
                    continue;
                }
                let target_member = topology.member(target);
                prop_assert!(
                    target_member.is_some_and(|m| m.role == Role::Replica && m.is_available()),
                    "{} slot {} targets {} although a replica is available",
                    group,
                    n,
                    target
                );
            }
        }

        // A slot at home on an available replica does not change.
        let mut claimed: BTreeSet<u8> = BTreeSet::new();
        for (i, slot) in gen.slots.iter().enumerate() {
            let n = i as u32 + 1;
            let SlotGen::Ours {
                home,
                target,
                ttl,
                txt_slot_off_by_one,
                cname_present,
            } = slot
            else {
                continue;
            };
            if n > r {
                continue;
            }
            let home_id = member_id(group, *home);
            let home_member = topology.member(&home_id);
            let is_replica = home_member.is_some_and(|m| m.role == Role::Replica);
            if !is_replica || !claimed.insert(*home) {
                continue;
            }
            if !home_member.is_some_and(|m| m.is_available()) {
                continue;
            }
            // The home sticks even when the records need a repair.
            prop_assert_eq!(
                names.get(&n).map(|(h, t)| (h.as_str(), t.as_str())),
                Some((home_id.as_str(), home_id.as_str())),
                "{} slot {} lost its available home",
                group,
                n
            );
            let pristine = *cname_present
                && !*txt_slot_off_by_one
                && *ttl == gen.ttl
                && matches!(target, TargetGen::Member(t) if t == home);
            if pristine {
                let slot_names = [slot_name(group, n), txt_name(group, n)];
                prop_assert!(
                    !plan
                        .batches
                        .iter()
                        .flat_map(|b| &b.changes)
                        .any(|c| slot_names.iter().any(|s| names_equal(s, &c.record.name))),
                    "{} slot {} at home on an available replica was changed\n{}",
                    group,
                    n,
                    plan
                );
            }
        }

        if available.is_empty()
            && (gen.policy == NoReplicaPolicy::Keep
                || (gen.policy == NoReplicaPolicy::Primary && !primary_target))
        {
            prop_assert!(
                plan.groups[g].changes.is_empty(),
                "{} keeps its records when no replica is available\n{}",
                group,
                plan
            );
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn planner_invariants_hold_for_one_group(group in group_gen(), seed in any::<u64>()) {
        check(vec![group], seed)?;
    }

    #[test]
    fn planner_invariants_hold_for_two_groups_sharing_a_zone(
        first in group_gen(),
        second in group_gen(),
        seed in any::<u64>(),
    ) {
        check(vec![first, second], seed)?;
    }
}

// --- AZ-local names and the pooled name (issue 12) ---
//
// Members spread over up to three AZs (some without one), random availability, random
// AZ-name and pool records (ours, edited, strangers', a blocking simple record), and
// the records a plan for another availability left behind.

const AZS: [&str; 4] = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"];

#[derive(Debug, Clone)]
enum AzRecordGen {
    Empty,
    Ours { target: TargetGen, ttl: u32 },
    Foreign { target: TargetGen },
}

#[derive(Debug, Clone)]
enum PoolRecordGen {
    Empty,
    Ours {
        target: TargetGen,
        ttl: u32,
        weight: u32,
    },
}

#[derive(Debug, Clone)]
struct NamesGen {
    /// (member index 1..=9, AZ index 0..=3 or none, available, available before).
    members: Vec<(u8, Option<usize>, bool, bool)>,
    primary: Option<Index>,
    policy: NoReplicaPolicy,
    ttl: u32,
    /// AZ-name records by AZ (a..d).
    az_records: Vec<AzRecordGen>,
    /// Pool records by member index 1..=9.
    pool_records: Vec<PoolRecordGen>,
    /// A stranger's weighted CNAME at the pooled name, and whether its TTL differs.
    foreign_weighted: Option<bool>,
    /// A simple CNAME at the pooled name (blocks the pool).
    simple_at_pool: bool,
}

fn names_gen() -> impl Strategy<Value = NamesGen> {
    let members = subsequence((1u8..=9).collect::<Vec<_>>(), 1..=6).prop_flat_map(|indexes| {
        let n = indexes.len();
        (
            Just(indexes),
            prop::collection::vec(prop::option::weighted(0.85, 0usize..3), n),
            prop::collection::vec(prop::bool::weighted(0.7), n),
            prop::collection::vec(prop::bool::weighted(0.7), n),
        )
            .prop_map(|(indexes, azs, now, before)| {
                indexes
                    .into_iter()
                    .zip(azs)
                    .zip(now.into_iter().zip(before))
                    .map(|((i, az), (now, before))| (i, az, now, before))
                    .collect::<Vec<_>>()
            })
    });
    let az_record = prop_oneof![
        5 => Just(AzRecordGen::Empty),
        4 => (target_gen(), prop_oneof![4 => Just(10u32), 1 => Just(30u32)])
            .prop_map(|(target, ttl)| AzRecordGen::Ours { target, ttl }),
        1 => target_gen().prop_map(|target| AzRecordGen::Foreign { target }),
    ];
    let pool_record = prop_oneof![
        5 => Just(PoolRecordGen::Empty),
        4 => (
            target_gen(),
            prop_oneof![4 => Just(10u32), 1 => Just(30u32)],
            prop_oneof![5 => Just(1u32), 1 => Just(3u32)],
        )
            .prop_map(|(target, ttl, weight)| PoolRecordGen::Ours { target, ttl, weight }),
    ];
    (
        members,
        prop::option::weighted(0.9, any::<Index>()),
        prop_oneof![
            2 => Just(NoReplicaPolicy::Primary),
            1 => Just(NoReplicaPolicy::Keep),
            1 => Just(NoReplicaPolicy::Delete),
        ],
        prop_oneof![4 => Just(10u32), 1 => Just(30u32)],
        prop::collection::vec(az_record, AZS.len()),
        prop::collection::vec(pool_record, 9),
        prop::option::weighted(0.2, prop::bool::weighted(0.2)),
        prop::bool::weighted(0.05),
    )
        .prop_map(
            |(
                members,
                primary,
                policy,
                ttl,
                az_records,
                pool_records,
                foreign_weighted,
                simple_at_pool,
            )| {
                NamesGen {
                    members,
                    primary,
                    policy,
                    ttl,
                    az_records,
                    pool_records,
                    foreign_weighted,
                    simple_at_pool,
                }
            },
        )
}

struct NamesWorld {
    config: replica_dns_core::config::Config,
    topologies: Vec<Topology>,
    /// The same groups with the availability of before.
    previous: Vec<Topology>,
    records: Vec<(RecordSet, Origin)>,
    /// Per group: AZs whose name a stranger holds.
    blocked_azs: Vec<BTreeSet<String>>,
    /// Per group: whether the pool is blocked (simple record, stranger's other TTL).
    pool_blocked: Vec<bool>,
}

fn build_names(gens: &[NamesGen]) -> NamesWorld {
    let mut records: Vec<(RecordSet, Origin)> = unrelated_records()
        .into_iter()
        .map(|r| (r, Origin::Foreign))
        .collect();
    let (mut topologies, mut previous, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    let (mut blocked_azs, mut pool_blocked) = (Vec::new(), Vec::new());
    for (gen, group) in gens.iter().zip(GROUPS) {
        let primary = gen.primary.map(|i| i.index(gen.members.len()));
        let make = |before: bool| {
            let mut t = topology(group, &[]);
            for (i, (index, az, now, was)) in gen.members.iter().enumerate() {
                let role = if Some(i) == primary {
                    Role::Primary
                } else {
                    Role::Replica
                };
                let mut m = member(
                    &member_id(group, *index),
                    role,
                    if before { *was } else { *now },
                );
                m.availability_zone = az.map(|a| AZS[a].to_string());
                t.members.push(m);
            }
            t
        };
        topologies.push(make(false));
        previous.push(make(true));
        groups.push(GroupConfig {
            no_replica_policy: gen.policy,
            ttl: gen.ttl,
            ..group_config_with(group, true, true)
        });

        let mut blocked = BTreeSet::new();
        for (az, record) in AZS.iter().zip(&gen.az_records) {
            match record {
                AzRecordGen::Empty => {}
                AzRecordGen::Ours { target, ttl } => {
                    let mut pair = az_owned(group, az, "001");
                    pair[0] = RecordSet::cname(
                        &az_name(group, az),
                        *ttl,
                        &target_address(group, *target),
                    );
                    pair[1].ttl = Some(*ttl);
                    records.extend(pair.into_iter().map(|r| (r, Origin::Ours)));
                }
                AzRecordGen::Foreign { target } => {
                    blocked.insert(az.to_string());
                    records.push((
                        RecordSet::cname(&az_name(group, az), 10, &target_address(group, *target)),
                        Origin::Foreign,
                    ));
                }
            }
        }
        blocked_azs.push(blocked);
        for (index, record) in (1u8..=9).zip(&gen.pool_records) {
            if let PoolRecordGen::Ours {
                target,
                ttl,
                weight,
            } = record
            {
                let suffix = format!("{index:03}");
                let mut pair = pool_owned(group, &suffix, "001", *ttl);
                pair[0].values = vec![target_address(group, *target)];
                pair[0].weight = Some(*weight);
                records.extend(pair.into_iter().map(|r| (r, Origin::Ours)));
            }
        }
        // Route 53 keeps one TTL per weighted name and type: the last written wins.
        let last_ttl = records
            .iter()
            .rev()
            .find(|(r, _)| r.set_identifier.is_some() && names_equal(&r.name, &pooled_name(group)))
            .and_then(|(r, _)| r.ttl);
        let mut blocked_pool = gen.simple_at_pool;
        if let Some(other_ttl) = gen.foreign_weighted {
            let ttl = if other_ttl {
                60
            } else {
                last_ttl.unwrap_or(gen.ttl)
            };
            blocked_pool |= ttl != gen.ttl;
            records.push((
                RecordSet {
                    set_identifier: Some("stranger".into()),
                    weight: Some(10),
                    ..RecordSet::cname(&pooled_name(group), ttl, "stranger.example.com")
                },
                Origin::Foreign,
            ));
        }
        for (r, _) in records.iter_mut() {
            if r.set_identifier.is_some() && names_equal(&r.name, &pooled_name(group)) {
                r.ttl = last_ttl.or(r.ttl);
            }
        }
        if gen.simple_at_pool {
            records.push((
                RecordSet::cname(&pool_txt_name(group), 60, "simple.example.com"),
                Origin::Foreign,
            ));
        }
        pool_blocked.push(blocked_pool);
    }
    NamesWorld {
        config: config_of(groups),
        topologies,
        previous,
        records,
        blocked_azs,
        pool_blocked,
    }
}

/// The invariants of the AZ names and the pool, planning `world`'s topologies against
/// `records` (whose foreign ones are labelled in `world.records`).
fn check_names(world: &NamesWorld, records: &[RecordSet]) -> Result<(), TestCaseError> {
    let plan = plan_zone(&world.config, &world.topologies, records);
    for change in plan.batches.iter().flat_map(|b| &b.changes) {
        prop_assert!(change.action != ChangeAction::Upsert, "UPSERT planned");
        if change.action == ChangeAction::Delete {
            prop_assert!(
                records.contains(&change.record),
                "DELETE of a record not read: {:?}\n{}",
                change.record,
                plan
            );
        }
        for (record, origin) in &world.records {
            prop_assert!(
                !(*origin == Origin::Foreign && record.same_identity(&change.record)),
                "change {} touches foreign record {:?}\n{}",
                change,
                record,
                plan
            );
        }
    }
    let after = match plan.batches.first() {
        Some(batch) => apply_changes(records, &batch.changes)
            .map_err(|e| TestCaseError::fail(format!("batch rejected: {e}\n{plan}")))?,
        None => records.to_vec(),
    };
    let again = plan_zone(&world.config, &world.topologies, &after);
    prop_assert!(
        again.is_empty(),
        "second plan not empty:\n{}\nfirst:\n{}",
        again,
        plan
    );

    for (g, topology) in world.topologies.iter().enumerate() {
        let group = GROUPS[g];
        let available: Vec<&replica_dns_core::topology::Member> = topology
            .replicas()
            .into_iter()
            .filter(|m| m.is_available())
            .collect();
        let azs = managed_azs(group, topology, &after);
        let pool = managed_pool(group, topology, &after);
        if available.is_empty() {
            continue;
        }
        let is_available_replica = |id: &str| available.iter().any(|m| m.cache_cluster_id == id);
        for (az, target) in &azs {
            prop_assert!(
                is_available_replica(target),
                "{} AZ name {} targets {} although a replica is available\n{}",
                group,
                az,
                target,
                plan
            );
            let in_az: Vec<&str> = available
                .iter()
                .filter(|m| m.availability_zone.as_deref() == Some(az.as_str()))
                .map(|m| m.cache_cluster_id.as_str())
                .collect();
            prop_assert!(
                in_az.is_empty() || in_az.contains(&target.as_str()),
                "{} AZ name {} targets {} outside its AZ although {:?} are in it\n{}",
                group,
                az,
                target,
                in_az,
                plan
            );
        }
        // Every AZ the group spans has its name (unless a stranger holds it), and no other.
        let spanned: BTreeSet<String> = topology
            .members
            .iter()
            .filter_map(|m| m.availability_zone.clone())
            .filter(|az| !world.blocked_azs[g].contains(az))
            .collect();
        let named: BTreeSet<String> = azs.keys().cloned().collect();
        prop_assert_eq!(named, spanned, "{} AZ names\n{}", group, plan);
        for target in pool.values() {
            prop_assert!(
                is_available_replica(target),
                "{} pool member {} although a replica is available\n{}",
                group,
                target,
                plan
            );
        }
        if !world.pool_blocked[g] {
            let expected: Vec<(String, String)> = available
                .iter()
                .map(|m| (m.cache_cluster_id.clone(), m.cache_cluster_id.clone()))
                .collect();
            prop_assert_eq!(
                pool.into_iter().collect::<Vec<_>>(),
                expected,
                "{} pool is not the available replicas\n{}",
                group,
                plan
            );
        }
    }
    Ok(())
}

fn check_names_world(gens: Vec<NamesGen>) -> Result<(), TestCaseError> {
    let world = build_names(&gens);
    let records: Vec<RecordSet> = world.records.iter().map(|(r, _)| r.clone()).collect();
    check_names(&world, &records)?;
    // The records a plan for the availability of before left behind.
    let before = plan_zone(&world.config, &world.previous, &records);
    let left = match before.batches.first() {
        Some(batch) => apply_changes(&records, &batch.changes)
            .map_err(|e| TestCaseError::fail(format!("previous batch rejected: {e}\n{before}")))?,
        None => records,
    };
    check_names(&world, &left)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn az_name_and_pool_invariants_hold_for_one_group(group in names_gen()) {
        check_names_world(vec![group])?;
    }

    #[test]
    fn az_name_and_pool_invariants_hold_for_two_groups_sharing_a_zone(
        first in names_gen(),
        second in names_gen(),
    ) {
        check_names_world(vec![first, second])?;
    }
}
