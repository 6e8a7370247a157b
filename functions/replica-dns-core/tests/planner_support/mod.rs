//! Builders shared by the planner tests: members, topologies, group configs and the
//! records a previous run (or the blog's Lambda, or a stranger) left in the zone, plus a
//! reader that turns a zone back into "slot → (home, target)" for assertions; the same
//! for AZ-local names ("AZ → target") and the pool ("SetIdentifier → target").
//!
//! Test scaffolding only; nothing here is used by the library.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;

use replica_dns_core::config::{
    AzNamesConfig, Config, GroupConfig, NoReplicaPolicy, PooledNameConfig,
};
use replica_dns_core::ownership::{
    ownership_name, GuardKindRef, GuardRef, Ownership, SlotTemplate,
};
use replica_dns_core::plan::{apply_changes, plan, Plan, PlanInput, ZoneRecords};
use replica_dns_core::records::{names_equal, RecordSet};
use replica_dns_core::topology::{Endpoint, Member, Role, Topology};

pub const OWNER: &str = "replica-dns-test";
pub const ZONE: &str = "Z0123456789ABCDEFGHIJ";
/// Stands for the primary endpoint in expectations.
pub const PRIMARY: &str = "PRIMARY";

/// A node's read endpoint address (stable per cache cluster id, as ElastiCache keeps it
/// through node replacement).
pub fn addr(cluster_id: &str) -> String {
    format!("{cluster_id}.x1y2z3.0001.use1.cache.amazonaws.com")
}

/// The group's primary endpoint address.
pub fn primary_addr(group: &str) -> String {
    format!("{group}.x1y2z3.ng.0001.use1.cache.amazonaws.com")
}

pub fn member(id: &str, role: Role, available: bool) -> Member {
    Member {
        cache_cluster_id: id.to_string(),
        role,
        read_endpoint: Some(Endpoint {
            address: addr(id),
            port: 6379,
        }),
        availability_zone: Some("us-east-1a".into()),
        cluster_status: if available { "available" } else { "modifying" }.into(),
        node_status: Some(if available { "available" } else { "replacing" }.into()),
        notification: None,
    }
}

/// `spec` is a list of (suffix, role, available): `("001", 'P', true)` → `<group>-001`.
pub fn topology(group: &str, spec: &[(&str, char, bool)]) -> Topology {
    Topology {
        replication_group_id: group.to_string(),
        status: "available".into(),
        primary_endpoint: Some(Endpoint {
            address: primary_addr(group),
            port: 6379,
        }),
        reader_endpoint: None,
        members: spec
            .iter()
            .map(|(suffix, role, available)| {
                let role = if *role == 'P' {
                    Role::Primary
                } else {
                    Role::Replica
                };
                member(&format!("{group}-{suffix}"), role, *available)
            })
            .collect(),
        transit_encryption_enabled: false,
        auth_token_enabled: false,
    }
}

pub fn template(group: &str) -> String {
    format!("replica{{n}}.{group}.cache.internal.")
}

pub fn group_config(group: &str) -> GroupConfig {
    GroupConfig {
        replication_group_id: group.to_string(),
        hosted_zone_id: ZONE.to_string(),
        zone_name: "cache.internal.".into(),
        name_template: template(group),
        ttl: 10,
        no_replica_policy: NoReplicaPolicy::Primary,
        adopt_existing: false,
        ownership_prefix: "_rdns".into(),
        az_names: None,
        pooled_name: None,
        auth_secret_arn: None,
    }
}

pub fn slot_name(group: &str, n: u32) -> String {
    SlotTemplate::parse(&template(group)).unwrap().name(n)
}

pub fn txt_name(group: &str, n: u32) -> String {
    ownership_name("_rdns", &slot_name(group, n))
}

pub fn txt_value(group: &str, n: u32, home: &str) -> String {
    Ownership {
        owner_id: OWNER.into(),
        group_id: group.into(),
        slot: n,
        home: home.into(),
    }
    .render()
}

/// The CNAME + TXT pair a previous run wrote: slot `n` with home `<group>-<home>`,
/// pointing at `<group>-<target>` (or the primary endpoint for [`PRIMARY`]).
pub fn owned(group: &str, n: u32, home: &str, target: &str) -> Vec<RecordSet> {
    let target = if target == PRIMARY {
        primary_addr(group)
    } else {
        addr(&format!("{group}-{target}"))
    };
    vec![
        RecordSet::cname(&slot_name(group, n), 10, &target),
        RecordSet::txt(
            &txt_name(group, n),
            10,
            &txt_value(group, n, &format!("{group}-{home}")),
        ),
    ]
}

/// What the blog's Lambda leaves: a CNAME (TTL 10) and no TXT.
pub fn blog_cname(group: &str, n: u32, target: &str) -> RecordSet {
    RecordSet::cname(
        &slot_name(group, n),
        10,
        &addr(&format!("{group}-{target}")),
    )
}

/// Records that have nothing to do with any group.
pub fn unrelated_records() -> Vec<RecordSet> {
    vec![
        RecordSet {
            name: "cache.internal.".into(),
            record_type: replica_dns_core::records::RecordType::Other("SOA".into()),
            ttl: Some(900),
            values: vec![
                "ns-1.awsdns-00.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400".into(),
            ],
            set_identifier: None,
            weight: None,
        },
        RecordSet::cname(
            "writer.cache.internal.",
            60,
            "orders.x1y2z3.ng.0001.use1.cache.amazonaws.com",
        ),
        RecordSet::txt("cache.internal.", 300, "\"v=spf1 -all\""),
    ]
}

pub fn config_of(groups: Vec<GroupConfig>) -> Config {
    Config {
        owner_id: OWNER.into(),
        groups,
    }
}

/// Plans all given groups against one zone holding `records`.
pub fn plan_zone(config: &Config, topologies: &[Topology], records: &[RecordSet]) -> Plan {
    plan(
        config,
        &PlanInput {
            topologies: topologies.to_vec(),
            zones: vec![ZoneRecords {
                hosted_zone_id: ZONE.into(),
                records: records.to_vec(),
            }],
        },
    )
    .unwrap()
}

/// Applies every batch of `plan` (all in [`ZONE`]) with Route 53's rules.
pub fn apply(records: &[RecordSet], plan: &Plan) -> Vec<RecordSet> {
    plan.batches.iter().fold(records.to_vec(), |state, batch| {
        apply_changes(&state, &batch.changes).unwrap()
    })
}

/// The managed names of `group` in `records`: slot → (home, target) where target is
/// the cluster id the CNAME points at, [`PRIMARY`], the raw value, or "-" if the CNAME is
/// missing. Only slots with our TXT are listed.
pub fn managed(
    group: &str,
    topology: &Topology,
    records: &[RecordSet],
) -> BTreeMap<u32, (String, String)> {
    let mut out = BTreeMap::new();
    for record in records {
        let Some(value) = record.values.first() else {
            continue;
        };
        let Ok(ownership) = Ownership::parse_for(value, OWNER, group) else {
            continue;
        };
        if !names_equal(&record.name, &txt_name(group, ownership.slot)) {
            continue;
        }
        let cname = records.iter().find(|r| {
            names_equal(&r.name, &slot_name(group, ownership.slot)) && r.cname_target().is_some()
        });
        let target = match cname.and_then(RecordSet::cname_target) {
            None => "-".to_string(),
            Some(t) if names_equal(t, &primary_addr(group)) => PRIMARY.to_string(),
            Some(t) => topology
                .members
                .iter()
                .find(|m| {
                    m.read_endpoint
                        .as_ref()
                        .is_some_and(|e| names_equal(&e.address, t))
                })
                .map(|m| m.cache_cluster_id.clone())
                .unwrap_or_else(|| t.to_string()),
        };
        out.insert(ownership.slot, (ownership.home, target));
    }
    out
}

// --- AZ-local names and the pooled name (issue 12) ---

pub const AZ_A: &str = "us-east-1a";
pub const AZ_B: &str = "us-east-1b";
pub const AZ_C: &str = "us-east-1c";

pub fn az_template(group: &str) -> String {
    format!("replica-{{az}}.{group}.cache.internal.")
}

pub fn pooled_name(group: &str) -> String {
    format!("replicas.{group}.cache.internal.")
}

/// `group_config` with AZ names and/or the pooled name.
pub fn group_config_with(group: &str, az: bool, pool: bool) -> GroupConfig {
    GroupConfig {
        az_names: az.then(|| AzNamesConfig {
            template: az_template(group),
        }),
        pooled_name: pool.then(|| PooledNameConfig {
            name: pooled_name(group),
        }),
        ..group_config(group)
    }
}

pub fn az_name(group: &str, az: &str) -> String {
    az_template(group).replace("{az}", az)
}

pub fn az_txt_name(group: &str, az: &str) -> String {
    ownership_name("_rdns", &az_name(group, az))
}

pub fn pool_txt_name(group: &str) -> String {
    ownership_name("_rdns", &pooled_name(group))
}

/// `spec` is a list of (suffix, role, available, AZ); an empty AZ means none reported.
pub fn topology_in_azs(group: &str, spec: &[(&str, char, bool, &str)]) -> Topology {
    let plain: Vec<(&str, char, bool)> = spec.iter().map(|(s, r, a, _)| (*s, *r, *a)).collect();
    let mut t = topology(group, &plain);
    for (member, (_, _, _, az)) in t.members.iter_mut().zip(spec) {
        member.availability_zone = (!az.is_empty()).then(|| az.to_string());
    }
    t
}

fn target_address(group: &str, target: &str) -> String {
    if target == PRIMARY {
        primary_addr(group)
    } else {
        addr(&format!("{group}-{target}"))
    }
}

fn guard_value(group: &str, kind: GuardKindRef<'_>) -> String {
    GuardRef {
        owner_id: OWNER,
        group_id: group,
        kind,
    }
    .render()
}

/// An AZ name a previous run wrote: AZ `az` pointing at `<group>-<target>` (or
/// [`PRIMARY`]).
pub fn az_owned(group: &str, az: &str, target: &str) -> Vec<RecordSet> {
    vec![
        RecordSet::cname(&az_name(group, az), 10, &target_address(group, target)),
        RecordSet::txt(
            &az_txt_name(group, az),
            10,
            &guard_value(group, GuardKindRef::Az { az }),
        ),
    ]
}

/// A pool record a previous run wrote: SetIdentifier `<group>-<member>`, pointing at
/// `<group>-<target>` (or [`PRIMARY`]), TTL `ttl`.
pub fn pool_owned(group: &str, member: &str, target: &str, ttl: u32) -> Vec<RecordSet> {
    let set = format!("{group}-{member}");
    let weighted = |r: RecordSet| RecordSet {
        set_identifier: Some(set.clone()),
        weight: Some(1),
        ..r
    };
    vec![
        weighted(RecordSet::cname(
            &pooled_name(group),
            ttl,
            &target_address(group, target),
        )),
        weighted(RecordSet::txt(
            &pool_txt_name(group),
            ttl,
            &guard_value(group, GuardKindRef::Pool { member: &set }),
        )),
    ]
}

/// What a CNAME value names: a member's cluster id, [`PRIMARY`], or the raw value.
fn target_of(group: &str, topology: &Topology, target: &str) -> String {
    if names_equal(target, &primary_addr(group)) {
        return PRIMARY.to_string();
    }
    topology
        .members
        .iter()
        .find(|m| {
            m.read_endpoint
                .as_ref()
                .is_some_and(|e| names_equal(&e.address, target))
        })
        .map(|m| m.cache_cluster_id.clone())
        .unwrap_or_else(|| target.to_string())
}

/// Our AZ names in `records`: AZ → target (cluster id, [`PRIMARY`], raw, or "-").
pub fn managed_azs(
    group: &str,
    topology: &Topology,
    records: &[RecordSet],
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for record in records {
        let Some(value) = record.values.first() else {
            continue;
        };
        let Ok(GuardRef {
            kind: GuardKindRef::Az { az },
            ..
        }) = GuardRef::parse_for(value, OWNER, group)
        else {
            continue;
        };
        if !names_equal(&record.name, &az_txt_name(group, az)) {
            continue;
        }
        let target = records
            .iter()
            .filter(|r| names_equal(&r.name, &az_name(group, az)))
            .find_map(RecordSet::cname_target)
            .map_or("-".to_string(), |t| target_of(group, topology, t));
        out.insert(az.to_string(), target);
    }
    out
}

/// Our pool records in `records`: SetIdentifier → target, for weighted CNAMEs whose
/// weighted TXT of the same SetIdentifier is ours.
pub fn managed_pool(
    group: &str,
    topology: &Topology,
    records: &[RecordSet],
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for txt in records
        .iter()
        .filter(|r| names_equal(&r.name, &pool_txt_name(group)))
    {
        let (Some(set), Some(value)) = (&txt.set_identifier, txt.values.first()) else {
            continue;
        };
        let Ok(GuardRef {
            kind: GuardKindRef::Pool { member },
            ..
        }) = GuardRef::parse_for(value, OWNER, group)
        else {
            continue;
        };
        if member != set {
            continue;
        }
        let Some(cname) = records.iter().find(|r| {
            names_equal(&r.name, &pooled_name(group)) && r.set_identifier.as_ref() == Some(set)
        }) else {
            continue;
        };
        let target = cname
            .values
            .first()
            .map_or("-".to_string(), |t| target_of(group, topology, t));
        out.insert(set.clone(), target);
    }
    out
}
