//! What an operator sees with `replica-dns status`: for each slot name of a group, and
//! beside them its AZ-local names and the records of its pooled name when configured,
//! where the CNAME points now, which member that is and in which role, who owns the
//! records, and what the planner would do about it. Computed from a snapshot and the zone's
//! records; ownership is the planner's own classification (foreign records, records it
//! would repair because they were edited by hand), never a second set of rules.
//!
//! It does no I/O: whether a name resolves is the caller's question (the CLI asks DNS
//! and adds the answer).

use serde::Serialize;

use crate::config::GroupConfig;
use crate::plan::{
    plan_group, AzNameReason, ForeignReason, PlanError, PoolReason, SlotAction, SlotReason, Warning,
};
use crate::records::{names_equal, RecordSet, RecordType};
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
    /// AZ-local names (`azNames`), by AZ: one per AZ the group spans, and any of ours
    /// left from an AZ it no longer spans. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub az_names: Vec<AzNameStatus>,
    /// The pooled name (`pooledName`) and its records. Absent when not configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolStatus>,
}

impl GroupStatus {
    /// Every name with a finding, with it: slots, then AZ names, then the pool's records
    /// (named `<pooled name> [<SetIdentifier>]`), then the pool itself when it is empty.
    pub fn findings(&self) -> impl Iterator<Item = (String, Finding)> + '_ {
        let slots = self
            .names
            .iter()
            .filter_map(|n| n.finding.map(|f| (n.name.clone(), f)));
        let az_names = self
            .az_names
            .iter()
            .filter_map(|n| n.finding.map(|f| (n.name.clone(), f)));
        let pool = self.pool.iter().flat_map(|pool| {
            pool.records
                .iter()
                .filter_map(|r| {
                    r.finding
                        .map(|f| (format!("{} [{}]", pool.name, r.set_identifier), f))
                })
                .chain(pool.finding.map(|f| (pool.name.clone(), f)))
        });
        slots.chain(az_names).chain(pool)
    }
}

/// One AZ-local name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AzNameStatus {
    /// The AZ the name stands for.
    pub az: String,
    pub name: String,
    /// The CNAME's value now; `None` when there is no simple CNAME at the name.
    pub target: Option<String>,
    /// The member whose read endpoint the target is.
    pub member: Option<String>,
    /// The AZ that member is in: the name's own AZ, or another one while the AZ has no
    /// available replica (fallback).
    pub member_az: Option<String>,
    pub role: TargetRole,
    pub ownership: NameOwnership,
    /// What the planner would do to the name's records now.
    pub pending: SlotAction,
    /// The planner's reason for it; `None` for a name it skips (foreign records).
    pub reason: Option<AzNameReason>,
    pub finding: Option<Finding>,
}

/// The pooled name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolStatus {
    pub name: String,
    /// Its weighted CNAMEs now (ours and foreign), and the ones the next run creates, by
    /// SetIdentifier.
    pub records: Vec<PoolRecordStatus>,
    /// [`Finding::Missing`] when the name has no record at all while the group has
    /// replicas: clients of the pool get no answer.
    pub finding: Option<Finding>,
}

/// One weighted record of the pooled name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolRecordStatus {
    pub set_identifier: String,
    /// The CNAME's value now; `None` for a record the next run creates.
    pub target: Option<String>,
    pub weight: Option<u32>,
    pub member: Option<String>,
    pub role: TargetRole,
    /// `ours`, `foreign`, `handEdited` (ours, rewritten next run) or `none` (not there
    /// yet).
    pub ownership: NameOwnership,
    pub pending: SlotAction,
    /// The planner's reason; `None` for a foreign record.
    pub reason: Option<PoolReason>,
    pub finding: Option<Finding>,
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

/// Who owns the records at a name (a slot, an AZ-local name, one record of the pool).
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
    /// A slot within `1..=replicas` has no CNAME, nor the AZ-local name of an AZ the
    /// group spans, or the pooled name has no record at all (while the group has
    /// replicas).
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
        let target = cname_at(records, &name);
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
        az_names: az_name_statuses(&plan, topology, records, replicas),
        pool: pool_status(&plan, topology, records, replicas),
    })
}

/// The AZ names of `plan` and the foreign ones its warnings name, by AZ.
fn az_name_statuses(
    plan: &crate::plan::GroupPlan,
    topology: &Topology,
    records: &[RecordSet],
    replicas: usize,
) -> Vec<AzNameStatus> {
    let mut statuses: Vec<AzNameStatus> = Vec::new();
    let planned = plan
        .az_names
        .iter()
        .map(|a| (a.az.as_str(), a.name.as_str(), Some(a), None));
    let foreign = plan.warnings.iter().filter_map(|w| match w {
        Warning::ForeignAzRecord { az, name, reason } => {
            Some((az.as_str(), name.as_str(), None, Some(reason.clone())))
        }
        _ => None,
    });
    for (az, name, planned, foreign) in planned.chain(foreign) {
        let target = cname_at(records, name);
        let (member, role) = match &target {
            None => (None, TargetRole::Missing),
            Some(target) => role_of(topology, target),
        };
        let member_az = member
            .as_deref()
            .and_then(|id| topology.member(id))
            .and_then(|m| m.availability_zone.clone());
        let ownership = match (foreign, planned.map(|p| &p.reason)) {
            (Some(reason), _) => NameOwnership::Foreign { reason },
            (None, Some(AzNameReason::Repaired { found_target })) => NameOwnership::HandEdited {
                found_target: found_target.clone(),
            },
            _ if target.is_none() && !has_records(records, name) => NameOwnership::None,
            _ => NameOwnership::Ours,
        };
        // A name of an AZ the group left is deleted next run, not missing.
        let spanned = topology
            .members
            .iter()
            .any(|m| m.availability_zone.as_deref() == Some(az));
        let finding = match role {
            TargetRole::Primary | TargetRole::PrimaryEndpoint => Some(Finding::OnPrimary),
            TargetRole::Missing if spanned && replicas > 0 => Some(Finding::Missing),
            _ => None,
        };
        statuses.push(AzNameStatus {
            az: az.to_string(),
            name: name.to_string(),
            target,
            member,
            member_az,
            role,
            ownership,
            pending: planned.map_or(SlotAction::None, |p| p.action),
            reason: planned.map(|p| p.reason.clone()),
            finding,
        });
    }
    statuses.sort_by(|a, b| a.az.cmp(&b.az));
    statuses
}

/// The pooled name's records now, with the plan's decision for each of ours.
fn pool_status(
    plan: &crate::plan::GroupPlan,
    topology: &Topology,
    records: &[RecordSet],
    replicas: usize,
) -> Option<PoolStatus> {
    let pool = plan.pool.as_ref()?;
    let current: Vec<&RecordSet> = records
        .iter()
        .filter(|r| names_equal(&r.name, &pool.name) && r.record_type == RecordType::Cname)
        .collect();
    let mut sets: Vec<&str> = current
        .iter()
        .filter_map(|r| r.set_identifier.as_deref())
        .chain(pool.members.iter().map(|m| m.set_identifier.as_str()))
        .collect();
    sets.sort_unstable();
    sets.dedup();
    let mut statuses = Vec::with_capacity(sets.len());
    for set in sets {
        let record = current
            .iter()
            .find(|r| r.set_identifier.as_deref() == Some(set));
        let planned = pool.members.iter().find(|m| m.set_identifier == set);
        let foreign = plan.warnings.iter().find_map(|w| match w {
            Warning::ForeignPoolRecord {
                set_identifier,
                reason,
                ..
            } if set_identifier == set => Some(reason.clone()),
            _ => None,
        });
        let target = record.and_then(|r| match r.values.as_slice() {
            [value] => Some(value.clone()),
            _ => None,
        });
        let (member, role) = match &target {
            None => (None, TargetRole::Missing),
            Some(target) => role_of(topology, target),
        };
        let ownership = match (foreign, planned, record) {
            (Some(reason), _, _) => NameOwnership::Foreign { reason },
            (None, _, None) => NameOwnership::None,
            (None, Some(p), Some(_)) if matches!(p.reason, PoolReason::Replaced { .. }) => {
                NameOwnership::HandEdited {
                    found_target: target.clone(),
                }
            }
            (None, _, Some(_)) => NameOwnership::Ours,
        };
        let finding = match role {
            TargetRole::Primary | TargetRole::PrimaryEndpoint => Some(Finding::OnPrimary),
            _ => None,
        };
        statuses.push(PoolRecordStatus {
            set_identifier: set.to_string(),
            target,
            weight: record.and_then(|r| r.weight),
            member,
            role,
            ownership,
            pending: planned.map_or(SlotAction::None, |p| p.action),
            reason: planned.map(|p| p.reason.clone()),
            finding,
        });
    }
    let finding = (current.is_empty() && replicas > 0).then_some(Finding::Missing);
    Some(PoolStatus {
        name: pool.name.clone(),
        records: statuses,
        finding,
    })
}

/// The value of the simple CNAME at `name`, if there is one.
fn cname_at(records: &[RecordSet], name: &str) -> Option<String> {
    records
        .iter()
        .filter(|r| names_equal(&r.name, name))
        .find_map(RecordSet::cname_target)
        .map(str::to_string)
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
        let findings: Vec<(String, Finding)> = status.findings().collect();
        assert_eq!(
            findings,
            [
                ("replica1.cache.internal.".into(), Finding::OnPrimary),
                ("replica2.cache.internal.".into(), Finding::Missing)
            ]
        );
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

    fn with_az_and_pool() -> GroupConfig {
        let mut group = group();
        group.az_names = Some(crate::config::AzNamesConfig {
            template: "replica-{az}.cache.internal.".into(),
        });
        group.pooled_name = Some(crate::config::PooledNameConfig {
            name: "pool.cache.internal.".into(),
        });
        group
    }

    /// [`three`] with orders-001 in us-east-1a, 002 in 1b, 003 in 1c.
    fn three_in_azs() -> Topology {
        let mut topology = three();
        for (m, az) in topology
            .members
            .iter_mut()
            .zip(["us-east-1a", "us-east-1b", "us-east-1c"])
        {
            m.availability_zone = Some(az.into());
        }
        topology
    }

    /// The records a run leaves for `topology` (the plan applied to nothing).
    fn converged(group: &GroupConfig, topology: &Topology) -> Vec<RecordSet> {
        let plan = plan_group(OWNER, group, topology, &[]).unwrap();
        crate::plan::apply_changes(&[], &plan.changes).unwrap()
    }

    // Issue 12 item 1: status shows the AZ names and the pool beside the slots.
    #[test]
    fn az_names_and_pool_records_are_listed_with_member_az_and_role() {
        let group = with_az_and_pool();
        let records = converged(&group, &three_in_azs());
        let status = group_status(OWNER, &group, &three_in_azs(), &records).unwrap();
        assert_eq!(status.names.len(), 2);
        let az: Vec<_> = status
            .az_names
            .iter()
            .map(|a| {
                (
                    a.az.as_str(),
                    a.member.as_deref(),
                    a.member_az.as_deref(),
                    a.role,
                    a.pending,
                )
            })
            .collect();
        assert_eq!(
            az,
            [
                // The primary's AZ has no replica: a fallback, on a replica elsewhere.
                (
                    "us-east-1a",
                    Some("orders-002"),
                    Some("us-east-1b"),
                    TargetRole::Replica,
                    SlotAction::None
                ),
                (
                    "us-east-1b",
                    Some("orders-002"),
                    Some("us-east-1b"),
                    TargetRole::Replica,
                    SlotAction::None
                ),
                (
                    "us-east-1c",
                    Some("orders-003"),
                    Some("us-east-1c"),
                    TargetRole::Replica,
                    SlotAction::None
                ),
            ]
        );
        assert!(status
            .az_names
            .iter()
            .all(|a| a.ownership == NameOwnership::Ours));
        let pool = status.pool.as_ref().unwrap();
        assert_eq!(pool.name, "pool.cache.internal.");
        let records: Vec<_> = pool
            .records
            .iter()
            .map(|r| {
                (
                    r.set_identifier.as_str(),
                    r.member.as_deref(),
                    r.weight,
                    r.role,
                )
            })
            .collect();
        assert_eq!(
            records,
            [
                (
                    "orders-002",
                    Some("orders-002"),
                    Some(1),
                    TargetRole::Replica
                ),
                (
                    "orders-003",
                    Some("orders-003"),
                    Some(1),
                    TargetRole::Replica
                ),
            ]
        );
        assert_eq!(status.findings().count(), 0);
    }

    #[test]
    fn after_a_failover_the_az_name_and_pool_record_on_the_new_primary_are_findings() {
        let group = with_az_and_pool();
        let records = converged(&group, &three_in_azs());
        let mut failed_over = three_in_azs();
        failed_over.members[0].role = Role::Replica;
        failed_over.members[2].role = Role::Primary;
        let status = group_status(OWNER, &group, &failed_over, &records).unwrap();
        let findings: Vec<(String, Finding)> = status.findings().collect();
        assert_eq!(
            findings,
            [
                ("replica2.cache.internal.".into(), Finding::OnPrimary),
                (
                    "replica-us-east-1c.cache.internal.".into(),
                    Finding::OnPrimary
                ),
                (
                    "pool.cache.internal. [orders-003]".into(),
                    Finding::OnPrimary
                ),
            ]
        );
        let pool = status.pool.as_ref().unwrap();
        let pending: Vec<_> = pool
            .records
            .iter()
            .map(|r| (r.set_identifier.as_str(), r.ownership.clone(), r.pending))
            .collect();
        assert_eq!(
            pending,
            [
                // orders-001 is a replica now: it joins next run.
                ("orders-001", NameOwnership::None, SlotAction::Create),
                ("orders-002", NameOwnership::Ours, SlotAction::None),
                ("orders-003", NameOwnership::Ours, SlotAction::Delete),
            ]
        );
        let az_1a = &status.az_names[0];
        assert_eq!(az_1a.az, "us-east-1a");
        assert_eq!(
            az_1a.pending,
            SlotAction::Replace,
            "back into its AZ, on orders-001"
        );
    }

    #[test]
    fn missing_az_names_and_an_empty_pool_are_findings_foreign_ones_are_not() {
        let group = with_az_and_pool();
        let mut records = converged(&group, &three_in_azs());
        // Someone deleted the us-east-1c name and every pool record; another tool owns
        // the us-east-1b name.
        records.retain(|r| {
            !r.name.contains("us-east-1c")
                && !r.name.contains("pool.")
                && !r.name.contains("us-east-1b")
        });
        records.push(RecordSet::cname(
            "replica-us-east-1b.cache.internal.",
            60,
            "elsewhere.example.com",
        ));
        let status = group_status(OWNER, &group, &three_in_azs(), &records).unwrap();
        let findings: Vec<(String, Finding)> = status.findings().collect();
        assert_eq!(
            findings,
            [
                (
                    "replica-us-east-1c.cache.internal.".into(),
                    Finding::Missing
                ),
                ("pool.cache.internal.".into(), Finding::Missing),
            ]
        );
        let b = status
            .az_names
            .iter()
            .find(|a| a.az == "us-east-1b")
            .unwrap();
        assert!(
            matches!(b.ownership, NameOwnership::Foreign { .. }),
            "{b:?}"
        );
        assert_eq!(b.role, TargetRole::NotAMember);
        assert_eq!(b.reason, None);
    }
}
