//! What an operator sees with `replica-dns status`: for each slot name of a group, where
//! its CNAME points now, which member that is and in which role, who owns the records,
//! and what the planner would do about it. Computed from a snapshot and the zone's
//! records; ownership is the planner's own classification (foreign records, records it
//! would repair because they were edited by hand), never a second set of rules.
//!
//! It does no I/O: whether a name resolves is the caller's question (the CLI asks DNS
//! and adds the answer).

use serde::Serialize;

use crate::config::GroupConfig;
use crate::plan::{plan_group, ForeignReason, PlanError, SlotAction, SlotReason, Warning};
use crate::records::{names_equal, RecordSet};
use crate::topology::{Role, Topology};

/// The status of one group's names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupStatus {
    pub replication_group_id: String,
    pub hosted_zone_id: String,
    /// Members in the replica role now: slots `1..=replicas` should exist.
    pub replicas: usize,
    /// Slot names, ascending: `1..=replicas` and any other slot that has records.
    pub names: Vec<NameStatus>,
}

impl GroupStatus {
    /// Every name with a finding, with it.
    pub fn findings(&self) -> impl Iterator<Item = (&NameStatus, Finding)> {
        self.names
            .iter()
            .filter_map(|n| n.finding.map(|finding| (n, finding)))
    }
}

/// One slot name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NameStatus {
    pub slot: u32,
    pub name: String,
    /// The CNAME's value now; `None` when there is no simple CNAME at the name.
    pub target: Option<String>,
    /// The member whose read endpoint the target is.
    pub member: Option<String>,
    pub role: TargetRole,
    pub ownership: NameOwnership,
    /// What the planner would do to the slot's records now (`none`: nothing).
    pub pending: SlotAction,
    /// The planner's reason for it; `None` for a slot it skips (foreign records).
    pub reason: Option<SlotReason>,
    pub finding: Option<Finding>,
}

/// What the target is, by the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TargetRole {
    /// An available replica: where the name belongs.
    Replica,
    /// A replica that is not available (being replaced, rebooting…).
    UnavailableReplica,
    /// The member in the primary role.
    Primary,
    /// The group's primary endpoint, which follows the primary.
    PrimaryEndpoint,
    /// No member of this group.
    NotAMember,
    /// No CNAME.
    Missing,
}

/// Who owns the records at a slot name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum NameOwnership {
    /// Our ownership TXT is there and the records are as we wrote them.
    Ours,
    /// Our TXT is there but the records are not what replica-dns writes, in a way no
    /// routing of its own explains (the planner's `repaired`: CNAME re-pointed outside
    /// the group or deleted by hand, TTL changed, TXT copied): the next run rewrites
    /// them. A CNAME moved by hand to another endpoint of the group reads as `ours`
    /// (an interim routing leaves the same), with its role and next run showing it.
    HandEdited { found_target: Option<String> },
    /// Not ours: never touched.
    Foreign { reason: ForeignReason },
    /// A CNAME without ownership TXT that the next run takes over (`adoptExisting`).
    Adoptable,
    /// No records at the name.
    None,
}

/// Why `status` exits non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Finding {
    /// The name sends reads to the primary.
    OnPrimary,
    /// A slot within `1..=replicas` has no CNAME.
    Missing,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Finding::OnPrimary => "points at the primary",
            Finding::Missing => "is missing",
        })
    }
}

/// The status of `group`'s names from a snapshot and its zone's records.
pub fn group_status(
    owner_id: &str,
    group: &GroupConfig,
    topology: &Topology,
    records: &[RecordSet],
) -> Result<GroupStatus, PlanError> {
    let plan = plan_group(owner_id, group, topology, records)?;
    let replicas = topology.replicas().len();
    let mut slots: Vec<u32> = (1..=u32::try_from(replicas).unwrap_or(u32::MAX)).collect();
    slots.extend(plan.slots.iter().map(|s| s.slot));
    slots.extend(plan.warnings.iter().filter_map(|w| match w {
        Warning::ForeignRecord { slot, .. } => Some(*slot),
        _ => None,
    }));
    slots.sort_unstable();
    slots.dedup();

    let mut names = Vec::with_capacity(slots.len());
    for slot in slots {
        let name = group
            .slot_name(slot)
            .map_err(|source| PlanError::InvalidTemplate {
                group: group.replication_group_id.clone(),
                source,
            })?;
        let planned = plan.slots.iter().find(|s| s.slot == slot);
        let foreign = plan.warnings.iter().find_map(|w| match w {
            Warning::ForeignRecord {
                slot: s, reason, ..
            } if *s == slot => Some(reason.clone()),
            _ => None,
        });
        let target = records
            .iter()
            .filter(|r| names_equal(&r.name, &name))
            .find_map(RecordSet::cname_target)
            .map(str::to_string);
        let (member, role) = match &target {
            None => (None, TargetRole::Missing),
            Some(target) => role_of(topology, target),
        };
        let ownership = match (foreign, planned.map(|p| &p.reason)) {
            (Some(reason), _) => NameOwnership::Foreign { reason },
            (None, Some(SlotReason::Repaired { found_target })) => NameOwnership::HandEdited {
                found_target: found_target.clone(),
            },
            (None, Some(SlotReason::Adopted { .. })) => NameOwnership::Adoptable,
            _ if target.is_none() && !has_records(records, &name) => NameOwnership::None,
            _ => NameOwnership::Ours,
        };
        let finding = match role {
            TargetRole::Primary | TargetRole::PrimaryEndpoint => Some(Finding::OnPrimary),
            TargetRole::Missing if usize::try_from(slot).is_ok_and(|n| n <= replicas) => {
                Some(Finding::Missing)
            }
            _ => None,
        };
        names.push(NameStatus {
            slot,
            name,
            target,
            member,
            role,
            ownership,
            pending: planned.map_or(SlotAction::None, |p| p.action),
            reason: planned.map(|p| p.reason.clone()),
            finding,
        });
    }
    Ok(GroupStatus {
        replication_group_id: group.replication_group_id.clone(),
        hosted_zone_id: group.hosted_zone_id.clone(),
        replicas,
        names,
    })
}

fn has_records(records: &[RecordSet], name: &str) -> bool {
    records.iter().any(|r| names_equal(&r.name, name))
}

/// The member a CNAME target is the read endpoint of, and what it is now.
fn role_of(topology: &Topology, target: &str) -> (Option<String>, TargetRole) {
    let member = topology.members.iter().find(|m| {
        m.read_endpoint
            .as_ref()
            .is_some_and(|e| names_equal(&e.address, target))
    });
    match member {
        Some(m) => {
            let role = match m.role {
                Role::Primary => TargetRole::Primary,
                Role::Replica if m.is_available() => TargetRole::Replica,
                Role::Replica => TargetRole::UnavailableReplica,
            };
            (Some(m.cache_cluster_id.clone()), role)
        }
        None if topology
            .primary_endpoint
            .as_ref()
            .is_some_and(|e| names_equal(&e.address, target)) =>
        {
            (
                topology.primary().map(|p| p.cache_cluster_id.clone()),
                TargetRole::PrimaryEndpoint,
            )
        }
        None => (None, TargetRole::NotAMember),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::ownership::{ownership_name, Ownership};
    use crate::topology::{Endpoint, Member};

    const OWNER: &str = "prod";

    fn group() -> GroupConfig {
        serde_json::from_value(serde_json::json!({
            "replicationGroupId": "orders", "hostedZoneId": "Z1",
            "zoneName": "cache.internal.", "nameTemplate": "replica{n}.cache.internal.",
            "ttl": 10
        }))
        .unwrap()
    }

    fn addr(id: &str) -> String {
        format!("{id}.abc.cache.amazonaws.com")
    }

    fn member(id: &str, role: Role, available: bool) -> Member {
        Member {
            cache_cluster_id: id.into(),
            role,
            read_endpoint: Some(Endpoint {
                address: addr(id),
                port: 6379,
            }),
            availability_zone: None,
            cluster_status: if available { "available" } else { "modifying" }.into(),
            node_status: None,
            notification: None,
        }
    }

    fn topology(members: Vec<Member>) -> Topology {
        Topology {
            replication_group_id: "orders".into(),
            status: "available".into(),
            primary_endpoint: Some(Endpoint {
                address: "orders.abc.cache.amazonaws.com".into(),
                port: 6379,
            }),
            reader_endpoint: None,
            members,
            transit_encryption_enabled: false,
            auth_token_enabled: false,
        }
    }

    /// Slot `n` pointing at `target`, owned by us with home `home`.
    fn owned(n: u32, target: &str, home: &str) -> Vec<RecordSet> {
        let name = format!("replica{n}.cache.internal.");
        let txt = Ownership {
            owner_id: OWNER.into(),
            group_id: "orders".into(),
            slot: n,
            home: home.into(),
        };
        vec![
            RecordSet::cname(&name, 10, target),
            RecordSet::txt(&ownership_name("_rdns", &name), 10, &txt.render()),
        ]
    }

    fn three() -> Topology {
        topology(vec![
            member("orders-001", Role::Primary, true),
            member("orders-002", Role::Replica, true),
            member("orders-003", Role::Replica, true),
        ])
    }

    #[test]
    fn converged_names_are_ours_on_replicas_without_findings() {
        let mut records = owned(1, &addr("orders-002"), "orders-002");
        records.extend(owned(2, &addr("orders-003"), "orders-003"));
        let status = group_status(OWNER, &group(), &three(), &records).unwrap();
        assert_eq!(status.replicas, 2);
        assert_eq!(status.names.len(), 2);
        let first = &status.names[0];
        assert_eq!(first.name, "replica1.cache.internal.");
        assert_eq!(first.target.as_deref(), Some(addr("orders-002").as_str()));
        assert_eq!(first.member.as_deref(), Some("orders-002"));
        assert_eq!(first.role, TargetRole::Replica);
        assert_eq!(first.ownership, NameOwnership::Ours);
        assert_eq!(first.pending, SlotAction::None);
        assert_eq!(status.findings().count(), 0);
    }

    #[test]
    fn a_name_on_the_primary_is_a_finding_and_a_missing_slot_too() {
        // Failover: orders-002 is primary now, replica1 still points at it.
        let topology = topology(vec![
            member("orders-001", Role::Replica, true),
            member("orders-002", Role::Primary, true),
            member("orders-003", Role::Replica, true),
        ]);
        let records = owned(1, &addr("orders-002"), "orders-002");
        let status = group_status(OWNER, &group(), &topology, &records).unwrap();
        let findings: Vec<(u32, Finding)> = status.findings().map(|(n, f)| (n.slot, f)).collect();
        assert_eq!(findings, [(1, Finding::OnPrimary), (2, Finding::Missing)]);
        assert_eq!(status.names[0].role, TargetRole::Primary);
        assert_eq!(status.names[0].pending, SlotAction::Replace);
        assert_eq!(status.names[1].role, TargetRole::Missing);
        assert_eq!(status.names[1].ownership, NameOwnership::None);
        assert_eq!(status.names[1].pending, SlotAction::Create);
    }

    #[test]
    fn a_cname_repointed_by_hand_elsewhere_is_hand_edited() {
        let mut records = owned(1, "debug-box.example.com", "orders-002");
        records.extend(owned(2, &addr("orders-003"), "orders-003"));
        let status = group_status(OWNER, &group(), &three(), &records).unwrap();
        let first = &status.names[0];
        assert_eq!(first.role, TargetRole::NotAMember);
        assert_eq!(
            first.ownership,
            NameOwnership::HandEdited {
                found_target: Some("debug-box.example.com".into())
            }
        );
        assert_eq!(first.pending, SlotAction::Replace);
        assert_eq!(first.finding, None);
    }

    #[test]
    fn a_cname_on_the_primary_endpoint_is_on_the_primary() {
        let mut records = owned(1, "orders.abc.cache.amazonaws.com", "orders-002");
        records.extend(owned(2, &addr("orders-003"), "orders-003"));
        let status = group_status(OWNER, &group(), &three(), &records).unwrap();
        let first = &status.names[0];
        assert_eq!(first.role, TargetRole::PrimaryEndpoint);
        assert_eq!(first.member.as_deref(), Some("orders-001"));
        // A group endpoint other than the home: what an interim routing leaves too, so
        // the planner does not call it a hand edit; it returns the name home.
        assert_eq!(first.ownership, NameOwnership::Ours);
        assert_eq!(first.reason, Some(SlotReason::ReturnedHome));
        assert_eq!(first.finding, Some(Finding::OnPrimary));
    }

    #[test]
    fn foreign_and_unknown_targets_are_reported_as_such() {
        let mut records = vec![RecordSet::cname(
            "replica1.cache.internal.",
            300,
            "legacy.example.com",
        )];
        records.extend(owned(2, &addr("orders-003"), "orders-003"));
        let status = group_status(OWNER, &group(), &three(), &records).unwrap();
        let first = &status.names[0];
        assert_eq!(first.role, TargetRole::NotAMember);
        assert_eq!(first.member, None);
        assert!(
            matches!(
                first.ownership,
                NameOwnership::Foreign {
                    reason: ForeignReason::CnameWithoutOwnership { .. }
                }
            ),
            "{:?}",
            first.ownership
        );
        assert_eq!(first.finding, None);
    }

    #[test]
    fn an_unavailable_replica_and_a_slot_above_the_count_are_listed() {
        let topology = topology(vec![
            member("orders-001", Role::Primary, true),
            member("orders-002", Role::Replica, false),
        ]);
        let mut records = owned(1, &addr("orders-002"), "orders-002");
        records.extend(owned(2, &addr("orders-003"), "orders-003"));
        let status = group_status(OWNER, &group(), &topology, &records).unwrap();
        assert_eq!(status.names.len(), 2);
        assert_eq!(status.names[0].role, TargetRole::UnavailableReplica);
        assert_eq!(status.names[1].role, TargetRole::NotAMember);
        assert_eq!(status.names[1].pending, SlotAction::Delete);
        assert_eq!(status.findings().count(), 0);
    }
}
