//! Builders shared by the planner tests: members, topologies, group configs and the
//! records a previous run (or the blog's Lambda, or a stranger) left in the zone, plus a
//! reader that turns a zone back into "slot → (home, target)" for assertions.
//!
//! Test scaffolding only; nothing here is used by the library.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;

use replica_dns_core::config::{Config, GroupConfig, NoReplicaPolicy};
use replica_dns_core::ownership::{ownership_name, Ownership, SlotTemplate};
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
